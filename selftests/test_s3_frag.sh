#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, IP fragments through the NAT: UDP datagrams of 3000 and 8000
# bytes, fragmented by web on the way out and by inet on the way back, are
# echoed whole; a later fragment arriving before its first fragment is
# counted and never delivered to a guessed host.
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

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
