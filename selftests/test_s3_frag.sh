#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, IP fragments through the NAT: UDP datagrams of 3000 and 8000
# bytes, fragmented by web on the way out and by inet on the way back, are
# echoed whole; a later fragment arriving before its first fragment is
# counted and never delivered to a guessed host, also when the whole
# datagram comes last fragment first.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#  (MTU 1500 everywhere)
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers
xg_nat_start || xg_fatal "xdpgw run failed"

udp_echo() { # udp_echo SIZE: one echo of SIZE bytes, whole and identical
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
		"size-$1" --size "$1" --tries 2 --timeout 2
}
check "a 3000-byte UDP datagram is echoed whole" udp_echo 3000
check "an 8000-byte UDP datagram is echoed whole" udp_echo 8000
check "its later fragments went out translated (out_fragment)" test "$(xg_stat out_fragment)" -ge 6
check "the echo's later fragments came back translated (in_fragment)" \
	test "$(xg_stat in_fragment)" -ge 6
check_eq "inet saw the datagrams from 203.0.113.1" "203.0.113.1 203.0.113.1" \
	"$(awk '$3 ~ /^size-/ {printf "%s%s", sep, $1; sep = " "}' "$XG_TMP/udp.peers")"

early_before=$(xg_stat in_fragment_early)
check "a later fragment, sent with no first fragment ever" \
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/send_fragment.py" "$INET_IP" 203.0.113.1 --id 7777
counted() { [ "$(xg_stat in_fragment_early)" -gt "$early_before" ]; }
check "is counted as in_fragment_early" wait_for 3 counted

# A datagram whose fragments arrive last first: the later two reach gw
# before the first one, so they are passed untouched and counted; the first
# is translated but the host never gets the rest: the datagram is lost (as
# README says), and nothing reaches web half-made.
xg_bg "$NS_WEB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5400))
s.sendto(b"open", ("'"$INET_IP"'", 7400))
s.settimeout(3)
try:
    data, _ = s.recvfrom(65535)
    print(len(data))
except socket.timeout:
    print("nothing")' >"$XG_TMP/reordered.out"
receiver=$XG_LASTPID
flow_open() { xg_xdpgw flows --external eth0 --port 5400 | grep -q '203.0.113.1:5400'; }
check "web's flow to inet:7400 is open, external port 5400 kept" wait_for 3 flow_open
early_before=$(xg_stat in_fragment_early)
check "inet sends a 3000-byte datagram to it in three fragments, last first" \
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/send_fragment.py" "$INET_IP" 203.0.113.1 \
	--id 4242 --datagram 7400 5400 --bytes 3000
wait "$receiver"
check_eq "the two fragments before their first are counted as in_fragment_early" \
	$((early_before + 2)) "$(xg_stat in_fragment_early)"
check_eq "web gets nothing of that datagram (lost whole, never half)" nothing \
	"$(cat "$XG_TMP/reordered.out")"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
