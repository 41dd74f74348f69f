#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, the XDP fast path: once the handshake is through, a 100 MB
# TCP download by web from inet goes through the fast path (the fast-path
# counters grow by about the packets the gateway forwarded, the gateway's
# IpForwDatagrams stays nearly flat) and arrives intact (sha256). With
# --no-fast-path nothing is attached to in0 and every packet takes the
# stack. `xdpgw down` after a crash removes the fast path's program too.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#
# The senders' TCP checksums must be complete for the fast path to take a
# packet: over a veth a local socket leaves them to offload
# (CHECKSUM_PARTIAL), which a redirected frame cannot carry, so those
# packets keep to the slow path. On a wire they are always complete; here
# web and inet send with checksum offload off to look like one.
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup nc sha256sum ethtool
xg_nat_start || xg_fatal "xdpgw run failed"

PORT=9100
SIZE_MB=100
check "xdpgw found in0 as the internal interface" \
	grep -q "fast path from in0" "$XG_TMP/xdpgw.log"
check "gw's in0 carries the fast path's XDP program" \
	bash -c "ip -n '$NS_GW' -d link show in0 | grep -q 'prog/xdp'"
for ns in "$NS_WEB" "$NS_INET"; do
	xg_run ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
done

fwd_datagrams() { ip netns exec "$NS_GW" awk '/^Ip:/ {n++} n == 2 && /^Ip:/ {print $7; exit}' /proc/net/snmp; }
gw_rx() { ip netns exec "$NS_GW" bash -c "echo \$(( \$(cat /sys/class/net/eth0/statistics/rx_packets) + \$(cat /sys/class/net/in0/statistics/rx_packets) ))"; }

# download SIZE_MB : inet serves a file of random bytes once; web fetches it
# into $XG_TMP/got. Prints nothing; the caller compares the digests.
download() {
	head -c "${1}M" /dev/urandom >"$XG_TMP/data"
	xg_bg "$NS_INET" bash -c "exec nc -N -l $PORT <'$XG_TMP/data'"
	wait_for 5 xg_listening "$NS_INET" tcp "$PORT"
	ip netns exec "$NS_WEB" timeout 120 nc -d "$INET_IP" "$PORT" >"$XG_TMP/got"
}
digests_match() { [ "$(sha256sum <"$XG_TMP/data")" = "$(sha256sum <"$XG_TMP/got")" ]; }

fast_in0=$(xg_stat fast_in) fast_out0=$(xg_stat fast_out) fwd0=$(fwd_datagrams) rx0=$(gw_rx)
check "a ${SIZE_MB} MB download by web from inet completes" download "$SIZE_MB"
check "what web got has the sha256 of what inet sent" digests_match
fast_in=$(( $(xg_stat fast_in) - fast_in0 ))
fast_out=$(( $(xg_stat fast_out) - fast_out0 ))
fwd=$(( $(fwd_datagrams) - fwd0 ))
rx=$(( $(gw_rx) - rx0 ))
xg_log "# gw received $rx packets: fast_in $fast_in, fast_out $fast_out, IpForwDatagrams +$fwd"
# 100 MB in 1448-byte segments is about 72,000 data packets in, and the
# ACKs out; all but the handshake and the close should be fast.
check "fast_in grew by about the data packets (>= 70000)" test "$fast_in" -ge 70000
check "fast_out grew too (the ACKs)" test "$fast_out" -ge 1000
check "fast paths took >= 98% of what gw received" test $(( (fast_in + fast_out) * 100 )) -ge $(( rx * 98 ))
check "IpForwDatagrams stayed nearly flat (< 1% of the packets)" test $(( fwd * 100 )) -lt "$rx"
check "no checksum errors in web" test "$(xg_csum_errors "$NS_WEB")" = "TcpInCsumErrors=0 UdpInCsumErrors=0"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
check_fails "after stop: no XDP on gw's in0" \
	bash -c "ip -n '$NS_GW' -d link show in0 | grep -q 'prog/xdp'"

XG_XDPGW_ARGS=(--no-fast-path)
xg_nat_start || xg_fatal "xdpgw run --no-fast-path failed"
check "--no-fast-path: nothing on in0" \
	bash -c "! ip -n '$NS_GW' -d link show in0 | grep -q 'prog/xdp'"
check "--no-fast-path: a 10 MB download completes" download 10
check "--no-fast-path: intact" digests_match
check_eq "--no-fast-path: fast_in and fast_out stay 0" "0 0" "$(xg_stat fast_in) $(xg_stat fast_out)"
xg_nat_stop

XG_XDPGW_ARGS=()
xg_nat_start || xg_fatal "xdpgw run (third) failed"
kill -9 "$XG_NAT_PID"
wait "$XG_NAT_PID" 2>/dev/null
check "after a crash the fast path's program is still on in0 (translation goes on)" \
	bash -c "ip -n '$NS_GW' -d link show in0 | grep -q 'prog/xdp'"
check "xdpgw down removes the instance" xg_xdpgw down --external eth0
check_fails "after down: no XDP on gw's in0" \
	bash -c "ip -n '$NS_GW' -d link show in0 | grep -q 'prog/xdp'"
check_fails "after down: no XDP on gw's eth0" \
	bash -c "ip -n '$NS_GW' -d link show eth0 | grep -q 'prog/xdp'"
XG_NAT_PID=
xg_summary
