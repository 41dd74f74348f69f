#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3 (bridge topology): hairpin to a static and to a forwarded
# address. web2 connects to web's public side (static 203.0.113.57, tcp
# forward 203.0.113.1:8081 -> web:8080, udp forward 203.0.113.1:5555 ->
# web:5454); gw sends it to web from its inside address 10.100.20.1 and the
# answers back from the public side. Asserted where the traffic arrives:
# web's server logs (the peer is gw's inside address) and what web2 got
# back; `xdpgw flows` lists the hairpin flows. With the fast path and
# without (--no-fast-path).
#
#  web 10.100.20.57, web2 10.100.20.58 --- [sw: br0] --- in0 10.100.20.1 [gw] eth0 203.0.113.1
set -u
export XG_S3_TOPO=bridge
source "$(dirname "$0")/lib.sh"

STATIC_IP=203.0.113.57
GW_INT_IP=10.100.20.1
WEB2_IP=10.100.20.58
UDP_PORT=5454
TCP_FWD=8081
UDP_FWD=5555

s3_test_setup curl
: >"$XG_TMP/web-http.peers"; : >"$XG_TMP/web-udp.peers"
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/http_server.py" "$XG_HTTP_PORT" "$XG_TMP/web-http.peers" \
	>"$XG_TMP/web-http.log" 2>&1
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/udp_echo.py" server "$UDP_PORT" --log "$XG_TMP/web-udp.peers" \
	>"$XG_TMP/web-udp.log" 2>&1
wait_for 10 xg_listening "$NS_WEB" tcp "$XG_HTTP_PORT" &&
	wait_for 10 xg_listening "$NS_WEB" udp "$UDP_PORT" || xg_fatal "web's servers did not start"

# get HOST PORT PATH: web2 fetches a page; prints the body.
get() { ip netns exec "$NS_WEB2" curl -s --max-time 5 "http://$1:$2$3"; }
udp_to() {
	ip netns exec "$NS_WEB2" python3 "$XG_TOOLS/udp_echo.py" client "$1" "$2" "$3" --tries 3 \
		--timeout 1 >/dev/null 2>&1
}
web_http_saw() { grep -q "^$GW_INT_IP [0-9]* $1\$" "$XG_TMP/web-http.peers"; }
web_udp_saw() { grep -q "^$GW_INT_IP [0-9]* $1\$" "$XG_TMP/web-udp.peers"; }
stat_beyond() { [ "$(xg_stat "$1")" -ge "$2" ]; }
flows_show() { xg_xdpgw flows --external eth0 | grep -Eq "$WEB2_IP:[0-9]+ +$GW_INT_IP:[0-9]+ +$WEB_IP:$1 "; }

hairpin_round() { # MODE
	local m=$1 body
	xg_nat_start || xg_fatal "xdpgw run ($m) failed"
	check "$m: static add, forwards add" eval \
		'xg_xdpgw static add $STATIC_IP $WEB_IP &&
		 xg_xdpgw forward add tcp $GW_EXT_IP:$TCP_FWD $WEB_IP:$XG_HTTP_PORT &&
		 xg_xdpgw forward add udp $GW_EXT_IP:$UDP_FWD $WEB_IP:$UDP_PORT'

	body=$(get "$STATIC_IP" "$XG_HTTP_PORT" "/static-$m")
	check "$m: web2 gets web's page through the static address" \
		grep -q "you are $GW_INT_IP:" <<<"$body"
	check "$m: web's server saw gw's inside address (static, tcp)" web_http_saw "/static-$m"
	body=$(get "$GW_EXT_IP" "$TCP_FWD" "/forward-$m")
	check "$m: web2 gets web's page through the tcp forward" \
		grep -q "you are $GW_INT_IP:" <<<"$body"
	check "$m: web's server saw gw's inside address (forward, tcp)" web_http_saw "/forward-$m"
	check "$m: web2's datagram to the static address is echoed" \
		udp_to "$STATIC_IP" "$UDP_PORT" "static-$m"
	check "$m: web's udp server saw gw's inside address (static)" web_udp_saw "static-$m"
	check "$m: web2's datagram to the udp forward is echoed" \
		udp_to "$GW_EXT_IP" "$UDP_FWD" "forward-$m"
	check "$m: web's udp server saw gw's inside address (forward)" web_udp_saw "forward-$m"
	check "$m: hairpin_new, _to_server, _to_client counted" eval \
		'stat_beyond hairpin_new 4 && stat_beyond hairpin_to_server 4 &&
		 stat_beyond hairpin_to_client 4'
	check "$m: xdpgw flows lists the hairpin flows: web2, as gw's inside address, to web" \
		eval "flows_show $XG_HTTP_PORT && flows_show $UDP_PORT"
	xg_nat_stop
	check_eq "$m: xdpgw exits 0" 0 "$XG_NAT_RC"
	check "$m: the hairpin filter is gone from in0" \
		eval '[ -z "$(tc -n $NS_GW filter show dev in0 ingress)" ]'
}

XG_XDPGW_ARGS=()
hairpin_round fast
XG_XDPGW_ARGS=(--no-fast-path)
hairpin_round slow
xg_summary
