#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, inbound filtering and anti-spoofing (issue 10, cases 6 and 9).
# r1 routes the private prefix to gw, as a provider's router could: still,
# nothing from outside reaches web (UDP, ping) unless `--route-inbound`;
# asserted where it would arrive (web's capture and its server's log) and by
# drop_inbound. From inside, a packet with a source outside the internal
# prefix (192.0.2.99, gw's rp_filter off) never leaves: nothing of it on the
# link to r1, drop_spoofed counts it; with `--no-anti-spoof` it leaves.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                     r1: 10.100.20.0/24 via 203.0.113.1
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup tcpdump
s3_servers
xg_run ip -n "$NS_R1" route add 10.100.20.0/24 via "$GW_EXT_IP"
WEB_PORT=5454
: >"$XG_TMP/web-udp.peers"
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/udp_echo.py" server "$WEB_PORT" --log "$XG_TMP/web-udp.peers" \
	>"$XG_TMP/web-udp.log" 2>&1
wait_for 10 xg_listening "$NS_WEB" udp "$WEB_PORT" || xg_fatal "web's UDP server did not start"

from_inet() { ip netns exec "$NS_INET" "$@"; }
probes() { # five UDP datagrams to web's server, two pings of web
	local i
	for i in 1 2 3 4 5; do
		from_inet python3 "$XG_TOOLS/craft.py" udp "$INET_IP" "$WEB_IP" $((4000 + i)) \
			"$WEB_PORT" >/dev/null || return 1
	done
	from_inet ping -c 2 -i 0.2 -W 1 "$WEB_IP" >/dev/null
	return 0
}
stat_beyond() { [ "$(xg_stat "$1")" -ge "$2" ]; }
web_logged_inet() { grep -q "^$INET_IP " "$XG_TMP/web-udp.peers"; }

xg_run xg_sysctl "$NS_GW" net.ipv4.conf.all.rp_filter=0
xg_run xg_sysctl "$NS_GW" net.ipv4.conf.in0.rp_filter=0
spoof() { # three datagrams from 192.0.2.99, then one from web's own address
	local i
	for i in 1 2 3; do
		ip netns exec "$NS_WEB" python3 "$XG_TOOLS/craft.py" udp 192.0.2.99 "$INET_IP" \
			$((6000 + i)) "$XG_UDP_PORT" >/dev/null || return 1
	done
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/craft.py" udp "$WEB_IP" "$INET_IP" 6100 \
		"$XG_UDP_PORT" >/dev/null
}
marker_seen() { grep -q "$GW_EXT_IP.6100 > $INET_IP.$XG_UDP_PORT" "$XG_TMP/r1.cap"; }
spoof_seen() { grep -q '192.0.2.99' "$XG_TMP/r1.cap"; }

# Anti-spoofing needs to know the internal interface, with or without the
# fast path: a prefix with no route of its own is refused, naming the way out.
no_route_refused() {
	local out
	out=$(xg_xdpgw run --external eth0 --internal 10.200.0.0/16 --no-fast-path 2>&1)
	[ $? -eq 1 ] && grep -q 'has no route but the default one' <<<"$out" &&
		grep -q -- '--no-anti-spoof' <<<"$out"
}
check "run refuses a prefix with no route of its own, naming --no-anti-spoof" no_route_refused

# ---- by default: inbound dropped on arrival, spoofed sources never leave
xg_nat_start || xg_fatal "xdpgw run failed"
xg_capture_start "$NS_WEB" eth0 "$XG_TMP/web.cap" src host "$INET_IP" ||
	xg_fatal "tcpdump on web did not start"
cap=$XG_LASTPID
probes
check "gw drops the 5 datagrams and 2 pings from inet to web (drop_inbound)" \
	wait_for 5 stat_beyond drop_inbound 7
# The same path, after them: web's own ping out and inet's reply in. Its
# reply in web's capture shows the capture sees what comes from inet.
check "web pings inet through the NAT meanwhile" \
	ip netns exec "$NS_WEB" ping -c 1 -W 2 "$INET_IP"
xg_tcpdump_stop "$cap" "$XG_TMP/web.cap"
check_eq "web's capture: one packet came from inet, the reply to web's ping" "1 1" \
	"$(grep -c ' IP ' "$XG_TMP/web.cap") $(grep -c 'echo reply' "$XG_TMP/web.cap")"
check_eq "web's UDP server logged nothing" 0 "$(wc -l <"$XG_TMP/web-udp.peers")"
check_eq "no UDP flow was made by answers to inet" 0 \
	"$(xg_xdpgw flows --external eth0 --proto udp | grep -c "$WEB_IP")"

# gw's reverse path filter is off: only xdpgw stands in the way.
xg_capture_start "$NS_R1" eth0 "$XG_TMP/r1.cap" udp || xg_fatal "tcpdump on r1 did not start"
cap=$XG_LASTPID
check "web sends 3 datagrams from 192.0.2.99, then one from its own address" spoof
check "gw drops the spoofed ones (drop_spoofed)" wait_for 5 stat_beyond drop_spoofed 3
check "the one from web's address reaches r1, translated" wait_for 5 marker_seen
xg_tcpdump_stop "$cap" "$XG_TMP/r1.cap"
check_fails "nothing from 192.0.2.99 on the link to r1" spoof_seen
check_fails "nor in inet's server log" grep -q '^192.0.2.99 ' "$XG_TMP/udp.peers"
xg_nat_stop

# ---- --route-inbound --no-anti-spoof: both pass, as without xdpgw's checks
XG_XDPGW_ARGS=(--route-inbound --no-anti-spoof)
xg_nat_start || xg_fatal "xdpgw run --route-inbound --no-anti-spoof failed"
probes
check "--route-inbound: web's UDP server logs inet's datagrams" wait_for 5 web_logged_inet
check_eq "--route-inbound: drop_inbound stays 0" 0 "$(xg_stat drop_inbound)"
xg_capture_start "$NS_R1" eth0 "$XG_TMP/r1.cap" udp || xg_fatal "tcpdump on r1 did not start"
cap=$XG_LASTPID
spoof
check "--no-anti-spoof: the spoofed datagrams leave (seen on the link to r1)" \
	wait_for 5 spoof_seen
xg_tcpdump_stop "$cap" "$XG_TMP/r1.cap"
xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
