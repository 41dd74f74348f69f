#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3 with the veth peers untouched (issue 10, case 1): a frame the
# fast path redirects into a veth is dropped unless the veth's peer has NAPI
# (an XDP program, or GRO on). The peers here have neither, as on a host
# nobody prepared, so xdpgw must keep both directions on the slow path, say
# so naming the peer and the fix, and lose nothing: ping, UDP (one try) and
# a 5 MB TCP download from web (and web2) with tx checksum offload on and
# off on the hosts. Then the peers get GRO (in0's) and an XDP program
# (eth0's): the fast path comes on again by itself and carries the traffic;
# GRO off again, and the inbound direction goes back to the slow path.
#
#  plain:  web --- in0 [gw] eth0 --- [r1] --- inet
#  bridge: web, web2 --- [sw: br0] --- in0 [gw] eth0 --- [r1] --- inet
#          (./test_nat_veth_peers.sh bridge, or test_nat_veth_peers_bridge.sh)
set -u
source "$(dirname "$0")/lib.sh"

XG_S3_TOPO=${1:-plain}
XG_PEER_XDP=0
s3_test_setup nc sha256sum ethtool ping
s3_servers
xg_nat_start || xg_fatal "xdpgw run failed"

read -r in0_peer_ns in0_peer <<<"$XG_IN0_PEER"
read -r ext_peer_ns ext_peer <<<"$XG_EXT_PEER"
hosts=("$NS_WEB")
[ "$XG_S3_TOPO" = bridge ] && hosts+=("$NS_WEB2")
log=$XG_TMP/xdpgw.log
PORT=9100

check "run says outbound is off, naming r1's eth0 and the fix" \
	grep -q "fast path outbound in0 -> eth0: off: eth0 (netns $ext_peer_ns).*ip netns exec $ext_peer_ns ethtool -K eth0 gro on" \
	<(tr '\n' ' ' <"$log")
check "run says inbound is off, naming in0's peer and the fix" \
	grep -q "fast path inbound eth0 -> in0: off: $in0_peer (netns $in0_peer_ns).*ip netns exec $in0_peer_ns ethtool -K $in0_peer gro on" \
	<(tr '\n' ' ' <"$log")
check_eq "one warning per direction" 2 "$(grep -c 'fast path .*: off:' "$log")"

# Frames the kernel dropped as undeliverable redirects on gw.
gw_redirect_drops() {
	local i n=0 d
	for i in in0 eth0; do
		d=$(ip netns exec "$NS_GW" ethtool -S "$i" | awk '/rx_queue_[0-9]+_drops:/ {s += $2} END {print s + 0}')
		n=$((n + d))
	done
	echo "$n"
}

# download NS MB : inet serves MB random bytes once; NS fetches them.
download() {
	head -c "${2}M" /dev/urandom >"$XG_TMP/data"
	xg_bg "$NS_INET" bash -c "exec nc -N -l $PORT <'$XG_TMP/data'"
	wait_for 5 xg_listening "$NS_INET" tcp "$PORT" || return 1
	ip netns exec "$1" timeout 60 nc -d "$INET_IP" "$PORT" >"$XG_TMP/got" &&
		[ "$(sha256sum <"$XG_TMP/data")" = "$(sha256sum <"$XG_TMP/got")" ]
}

# set_tx on|off : tx checksum offload of every host's eth0.
set_tx() {
	local ns
	for ns in "${hosts[@]}" "$NS_INET"; do
		xg_run ip netns exec "$ns" ethtool -K eth0 tx "$1" >/dev/null
	done
}

# traffic LABEL : ping, UDP and TCP from every private host; inet's logs
# must show each host's datagram and download arriving from gw's address.
traffic() {
	local ns tag
	for ns in "${hosts[@]}"; do
		tag=${1// /_}/${ns%%-*} # one word: the server logs the first line
		check "$tag: ping 3/3" ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$INET_IP"
		check "$tag: one UDP datagram echoed, no retry" \
			ip netns exec "$ns" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
			"$tag" --tries 1 --timeout 2
		check_eq "$tag: inet got the datagram from gw's address" "$GW_EXT_IP" \
			"$(xg_peer_of "$XG_TMP/udp.peers" "$tag")"
		check "$tag: a 5 MB download arrives intact" download "$ns" 5
	done
}

drops0=$(gw_redirect_drops)
for tx in on off; do
	set_tx "$tx"
	traffic "tx $tx, peers untouched"
done
check_eq "fast_in and fast_out stayed 0" "0 0" "$(xg_stat fast_in) $(xg_stat fast_out)"
check_eq "no redirect was dropped on gw" "$drops0" "$(gw_redirect_drops)"

# ---- the peers get NAPI: the fast path comes on by itself
xg_run ip netns exec "$in0_peer_ns" ethtool -K "$in0_peer" gro on >/dev/null
xg_run xg_peer_xdp "$ext_peer_ns" "$ext_peer"
check "inbound on again once in0's peer has GRO" \
	wait_for 5 grep -q "fast path inbound eth0 -> in0: on again (.*has GRO on)" "$log"
check "outbound on again once eth0's peer has an XDP program" \
	wait_for 5 grep -q "fast path outbound in0 -> eth0: on again (.*has an XDP program)" "$log"
fast_in0=$(xg_stat fast_in) fast_out0=$(xg_stat fast_out)
traffic "tx off, peers with NAPI"
check "the downloads took the fast path in (fast_in +3000 or more)" \
	test $(( $(xg_stat fast_in) - fast_in0 )) -ge 3000
check "and out (fast_out grew)" test $(( $(xg_stat fast_out) - fast_out0 )) -gt 0
check_eq "still no redirect dropped on gw" "$drops0" "$(gw_redirect_drops)"

# ---- GRO off again: inbound back to the slow path, nothing lost
xg_run ip netns exec "$in0_peer_ns" ethtool -K "$in0_peer" gro off >/dev/null
check "inbound off again once in0's peer lost GRO" \
	wait_for 5 bash -c "[ \$(grep -c 'fast path inbound eth0 -> in0: off:' '$log') -eq 2 ]"
fast_in0=$(xg_stat fast_in)
traffic "tx off, in0's peer without GRO"
check_eq "fast_in stayed" "$fast_in0" "$(xg_stat fast_in)"
check_eq "no redirect dropped on gw" "$drops0" "$(gw_redirect_drops)"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
