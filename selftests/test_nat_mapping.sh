#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S3, RFC 4787 mapping and filtering seen from outside, with a STUN-like
# UDP client (tools/stun_like.py) behind the NAT and two servers that tell
# it the address and port they saw.
#
#  web  10.100.20.57 --+                                  inet 198.51.100.20 :3478 server 1
#                      br0 [gw] eth0 203.0.113.1 --- [r1] ---  198.51.100.30 :3478 server 2
#  web2 10.100.20.58 --+   xdpgw --no-fast-path              198.51.100.40 a third endpoint
#
# 1. Issue 10 case 4: web:50000 and web2:50000 ask server 1, then web2:50000
#    asks server 2. web keeps 203.0.113.1:50000; web2 gets one other port,
#    the same from both servers (endpoint-independent mapping, REQ-1; no
#    port overloading, REQ-3).
# 2. Per --filtering mode, web2 (mapped through server 1) waits while
#    datagrams come to its mapped port from server 1's address on another
#    port and from the third endpoint; what reaches web2 is what the mode
#    lets in. A last datagram from server 1's own endpoint, always let in,
#    marks the end.
#
# Usage: [NAT_IMPL=xdpgw|nft] [XDPGW=path] ./test_nat_mapping.sh
#   NAT_IMPL=nft runs the same cases against nft masquerade (conntrack):
#   its mapping passes case 1; its filtering is address-and-port-dependent,
#   the only mode it has. Exit: 0 pass, 1 fail, 4 skip.
set -u
source "$(dirname "$0")/lib.sh" || exit 1

xg_require_root
xg_require_tools ip tc python3
xg_require_nat
xg_init
if [ "$NAT_IMPL" = xdpgw ]; then
	xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
fi
s3_build

# web2 next to web: gw's inside becomes a bridge of both (as a VPC subnet).
NS_WEB2=web2-$XG_ID
xg_run xg_ns_add "$NS_WEB2"
xg_run ip -n "$NS_GW" link add br0 type bridge
xg_run ip -n "$NS_GW" addr del 10.100.20.1/24 dev in0
xg_run ip -n "$NS_GW" link set in0 master br0
xg_run xg_veth "$NS_GW" in1 "$NS_WEB2" eth0
xg_run ip -n "$NS_GW" link set in1 master br0
xg_run xg_addr "$NS_GW" br0 10.100.20.1/24
xg_run ip -n "$NS_GW" link set br0 up
xg_run xg_addr "$NS_WEB2" eth0 10.100.20.58/24
xg_run ip -n "$NS_WEB2" route add default via 10.100.20.1
xg_run xg_addr "$NS_INET" eth0 198.51.100.30/24
xg_run xg_addr "$NS_INET" eth0 198.51.100.40/24
xg_run wait_for 5 xg_links_up

STUN=$XG_TOOLS/stun_like.py
S1=198.51.100.20 S2=198.51.100.30 THIRD=198.51.100.40 PORT=3478
for s in "$S1" "$S2"; do
	xg_bg "$NS_INET" python3 -u "$STUN" server "$s" "$PORT" >"$XG_TMP/stun-$s.log" 2>&1
done
stun_servers_up() { [ "$(cat "$XG_TMP"/stun-*.log | grep -c listening)" = 2 ]; }
wait_for 10 stun_servers_up || xg_fatal "stun servers did not start (logs in $XG_TMP)"

XG_XDPGW_ARGS=(--no-fast-path) # the fast path needs native XDP inside; br0 has none
xg_nat_start || xg_fatal "NAT ($NAT_IMPL) did not start"

# mapped NS SPORT SERVER: the IP:PORT SERVER saw from NS's SPORT.
mapped() {
	ip netns exec "$1" python3 "$STUN" client "$2" "$3:$PORT" | awk '/^mapped/ {print $3}'
}

# ---- 1. case 4: one endpoint, two servers; two hosts, one internal port
web_m=$(mapped "$NS_WEB" 50000 "$S1")
web2_m1=$(mapped "$NS_WEB2" 50000 "$S1")
web2_m2=$(mapped "$NS_WEB2" 50000 "$S2")
xg_log "# $NAT_IMPL: web:50000 -> $S1 seen as $web_m; web2:50000 -> $S1 as $web2_m1," \
	"-> $S2 as $web2_m2"
check_eq "web:50000 keeps its port (server 1 saw it)" "203.0.113.1:50000" "$web_m"
check_eq "web2:50000 seen the same by both servers (REQ-1)" "$web2_m1" "$web2_m2"
check "web2:50000 mapped to another port than web's (REQ-3)" \
	test -n "$web2_m1" -a "${web2_m1#*:}" != 50000 -a "${web2_m1%:*}" = 203.0.113.1
if [ "$NAT_IMPL" = xdpgw ]; then
	check_eq "xdpgw: one mapping per endpoint (2), whatever the destinations" 2 \
		"$(ip netns exec "$NS_GW" bpftool map dump pinned "$(xg_pin_dir)/mappings" -j |
			python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')"
fi

# ---- 2. filtering, from server 1's address on another port and from a
# third endpoint, to web2's mapped port
# filter_case MODE SAME_ADDR THIRD: expected (in|out) for each probe
filter_case() {
	local mode=$1 want_same=$2 want_third=$3 log=$XG_TMP/client-$1.log port got
	if [ "$NAT_IMPL" = xdpgw ]; then
		XG_XDPGW_ARGS=(--no-fast-path --filtering "$mode")
		xg_nat_start || xg_fatal "xdpgw --filtering $mode did not start"
	fi
	xg_bg "$NS_WEB2" python3 -u "$STUN" client 50001 "$S1:$PORT" --listen 30 >"$log" 2>&1
	local client=$XG_LASTPID
	check "[$mode] web2:50001 mapped through server 1" wait_for 10 grep -q '^listening' "$log"
	port=$(awk '/^mapped/ {split($3, a, ":"); print a[2]}' "$log")
	port=${port:-0}
	ip netns exec "$NS_INET" python3 "$STUN" send "$S1" 4000 203.0.113.1 "$port" same-addr
	ip netns exec "$NS_INET" python3 "$STUN" send "$THIRD" 4000 203.0.113.1 "$port" third
	ip netns exec "$NS_INET" python3 "$STUN" send "$S1" "$PORT" 203.0.113.1 "$port" last
	check "[$mode] the datagram from server 1's endpoint reached web2" \
		wait_for 5 grep -q " last$" "$log"
	got=$(grep -q "^got $S1:4000 same-addr$" "$log" && echo in || echo out)
	check_eq "[$mode] from server 1's address, another port" "$want_same" "$got"
	got=$(grep -q "^got $THIRD:4000 third$" "$log" && echo in || echo out)
	check_eq "[$mode] from a third endpoint" "$want_third" "$got"
	xg_stop "$client" 5
	if [ "$NAT_IMPL" = xdpgw ]; then
		local n=0 f=0
		[ "$want_same" = in ] && n=$((n + 1))
		[ "$want_third" = in ] && n=$((n + 1))
		[ "$mode" = address-dependent ] && f=1
		check_eq "[$mode] xdpgw stats: in_new_flow" "$n" "$(xg_stat in_new_flow)"
		check_eq "[$mode] xdpgw stats: in_filtered" "$f" "$(xg_stat in_filtered)"
		xg_nat_stop || xg_failed "[$mode] xdpgw stopped" 0 "$XG_NAT_RC"
	fi
}

if [ "$NAT_IMPL" = xdpgw ]; then
	xg_nat_stop || xg_failed "xdpgw stopped" 0 "$XG_NAT_RC"
	filter_case address-port-dependent out out
	filter_case address-dependent in out
	filter_case endpoint-independent in in
else
	filter_case address-port-dependent out out # what conntrack does
	xg_nat_stop
fi

xg_summary
