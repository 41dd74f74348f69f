#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, ICMP through the NAT: ping, two private hosts pinging one
# server with the same identifier, traceroute (UDP and ICMP) listing gw, r1
# and inet, which needs the ICMP errors of r1 and inet translated back, and
# path MTU discovery: a 10 MB upload over a 1280-byte link between r1 and
# inet, which only completes if r1's "fragmentation needed" reaches web.
#
#  web 10.100.20.57 (and .58) --- in0 10.100.20.1 [gw] eth0 203.0.113.1
#       --- 203.0.113.254 [r1] 198.51.100.1 --- inet 198.51.100.20
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup ping traceroute
WEB2_IP=10.100.20.58 # a second private host, as a second address of web
xg_run xg_addr "$NS_WEB" eth0 "$WEB2_IP/24"

check_fails "without NAT, web cannot ping inet" \
	ip netns exec "$NS_WEB" ping -c 1 -W 1 "$INET_IP"
xg_nat_start || xg_fatal "xdpgw run failed"

check "ping web -> inet through the NAT" \
	ip netns exec "$NS_WEB" ping -c 3 -i 0.2 -W 2 "$INET_IP"
pinger() { # pinger SRC: three echoes with identifier 40404
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/icmp_ping.py" "$1" "$INET_IP" --id 40404 \
		--count 3 >"$XG_TMP/ping-$1.log" 2>&1
}
pinger "$WEB_IP" & p1=$!
pinger "$WEB2_IP" & p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check_eq "two hosts, one identifier (40404), one server: both get every reply" "0 0" "$r1 $r2"
check_eq "they went out as two flows with two identifiers" 2 "$(xg_xdpgw flows --external eth0 \
	--json --proto icmp --port 40404 | python3 -c 'import json, sys
print(len({f["external"] for f in json.load(sys.stdin) if f["remote"].startswith("198.51.100.20:")}))')"

hops() { # hops ARGS...: the hop addresses traceroute lists, space-separated
	ip netns exec "$NS_WEB" traceroute -n -q 1 -w 2 -m 5 "$@" "$INET_IP" 2>/dev/null |
		awk 'NR > 1 {printf "%s%s", sep, $2; sep = " "}'
}
check_eq "traceroute (UDP) lists gw, r1, inet" "10.100.20.1 203.0.113.254 $INET_IP" "$(hops)"
check_eq "traceroute -I (ICMP) lists gw, r1, inet" "10.100.20.1 203.0.113.254 $INET_IP" "$(hops -I)"
check "ICMP errors were translated (in_icmp_error counts them)" \
	test "$(xg_stat in_icmp_error)" -ge 2

# ---- path MTU discovery. inet's own MTU stays 1500, so it advertises MSS
# 1460 and web sends full-size segments with DF; r1's link towards inet is
# 1280, so r1 answers "fragmentation needed" to 203.0.113.1.
SINK_PORT=7002
xg_bg "$NS_INET" python3 -u "$XG_TOOLS/tcp_echo.py" sink "$SINK_PORT" >"$XG_TMP/sink.log" 2>&1
wait_for 10 xg_listening "$NS_INET" tcp "$SINK_PORT" || xg_fatal "sink in $NS_INET did not start"
xg_run ip -n "$NS_R1" link set dev eth1 mtu 1280
errors_before=$(xg_stat in_icmp_error)
check "10 MB upload with DF across the 1280-byte link arrives whole" \
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/tcp_echo.py" upload "$INET_IP" "$SINK_PORT" \
	10485760 --timeout 20
check "r1's fragmentation-needed came back translated" \
	test "$(xg_stat in_icmp_error)" -gt "$errors_before"
check "web learned the path MTU of 1280" \
	bash -c "ip -n '$NS_WEB' route get '$INET_IP' | grep -q 'mtu 1280'"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
