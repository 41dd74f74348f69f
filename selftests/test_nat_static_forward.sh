#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3 with the translation kinds of issue 13, changed at runtime:
# static NAT 203.0.113.57 <-> web and a UDP port forward 203.0.113.1:5555 ->
# web:5454. No `ip addr add 203.0.113.57` anywhere: r1 finds it through
# xdpgw's ARP replies (its neighbour entry is gw's eth0 MAC). Asserted where
# the traffic arrives: web's and inet's server logs (the peer each saw).
# Deleting the static mapping ends its flows; inet no longer reaches web.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
set -u
source "$(dirname "$0")/lib.sh"

STATIC_IP=203.0.113.57
WEB_PORT=5454
FWD_PORT=5555

s3_test_setup
s3_servers
: >"$XG_TMP/web-udp.peers"
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/udp_echo.py" server "$WEB_PORT" --log "$XG_TMP/web-udp.peers" \
	>"$XG_TMP/web-udp.log" 2>&1
wait_for 10 xg_listening "$NS_WEB" udp "$WEB_PORT" || xg_fatal "web's UDP server did not start"

# udp_to NS HOST PORT TAG: one echo exchange, a few tries.
udp_to() {
	ip netns exec "$1" python3 "$XG_TOOLS/udp_echo.py" client "$2" "$3" "$4" --tries 3 \
		--timeout 1 >/dev/null 2>&1
}
web_saw() { grep -q "^$INET_IP [0-9]* $1\$" "$XG_TMP/web-udp.peers"; }
inet_saw() { grep -q "^$1 [0-9]* $2\$" "$XG_TMP/udp.peers"; }
gw_mac() { ip -n "$NS_GW" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
r1_neigh() { ip -n "$NS_R1" neigh show "$STATIC_IP" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
static_not_on_gw() { ! ip -n "$NS_GW" -o addr show | grep -q "$STATIC_IP"; }
stat_beyond() { [ "$(xg_stat "$1")" -ge "$2" ]; }

xg_nat_start || xg_fatal "xdpgw run failed"

# ---- static NAT
check "static add $STATIC_IP $WEB_IP" xg_xdpgw static add "$STATIC_IP" "$WEB_IP" --external eth0
check "inet reaches web at $STATIC_IP, and web's echo comes back" \
	udp_to "$NS_INET" "$STATIC_IP" "$WEB_PORT" static-in
check "web's server saw inet's own address" web_saw static-in
check_eq "r1's neighbour entry for $STATIC_IP is gw's eth0 MAC (xdpgw's ARP)" "$(gw_mac)" \
	"$(r1_neigh)"
check "no address $STATIC_IP on gw" static_not_on_gw
check "web's own datagram to inet is echoed" udp_to "$NS_WEB" "$INET_IP" "$XG_UDP_PORT" static-out
check "inet's server saw it from $STATIC_IP, not the NAPT address" inet_saw "$STATIC_IP" static-out
check "in_static_new and arp_reply counted" \
	eval 'stat_beyond in_static_new 1 && stat_beyond arp_reply 1'
check_eq "static list" "static $STATIC_IP $WEB_IP arp" \
	"$(xg_xdpgw static list --external eth0)"

# ---- port forwarding on the NAPT address
check "forward add udp $GW_EXT_IP:$FWD_PORT -> $WEB_IP:$WEB_PORT" \
	xg_xdpgw forward add udp "$GW_EXT_IP:$FWD_PORT" "$WEB_IP:$WEB_PORT" --external eth0
check "inet reaches web through the forward, the echo comes back" \
	udp_to "$NS_INET" "$GW_EXT_IP" "$FWD_PORT" fwd-in
check "web's server saw inet's own address" web_saw fwd-in
check "in_forward_new counted" stat_beyond in_forward_new 1
refused_overlap() {
	local out
	out=$(xg_xdpgw forward add udp "$GW_EXT_IP:5550-5560" "$WEB_IP:6550-6560" 2>&1)
	[ $? -ne 0 ] && grep -q overlaps <<<"$out"
}
check "an overlapping forward is refused" refused_overlap
check_eq "forward list --json" "[\"udp $GW_EXT_IP:$FWD_PORT $WEB_IP:$WEB_PORT\"]" \
	"$(xg_xdpgw forward list --json)"

# ---- deleting ends the flows; nothing reaches web at the old address
del_out=$(xg_xdpgw static del "$STATIC_IP" "$WEB_IP" 2>&1)
check "static del ends the mapping's flows" grep -q "flows ended" <<<"$del_out"
check "rule_flows_ended counted" stat_beyond rule_flows_ended 1
udp_to "$NS_INET" "$STATIC_IP" "$WEB_PORT" after-del
check "after the delete, inet's datagrams to $STATIC_IP do not reach web" \
	eval '! web_saw after-del'
check "forward del" xg_xdpgw forward del udp "$GW_EXT_IP:$FWD_PORT" "$WEB_IP:$WEB_PORT"
check_eq "no rule left" "" "$(xg_xdpgw forward list; xg_xdpgw static list)"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
