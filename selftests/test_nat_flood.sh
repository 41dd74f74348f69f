#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, a full table: twice the table's capacity in new UDP flows
# arrives while a long-lived TCP connection is transferring. New flows past
# the capacity are refused and counted; the live connection is never evicted
# and goes on without a stall or a reset (the table is not an LRU). (The
# sweep may meanwhile drop flows that never saw a reply, early_drop.h, and
# make room for a few more.)
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                       xdpgw --max-flows 512 --max-flows-per-host 1024
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers
XG_XDPGW_ARGS=(--max-flows 512 --max-flows-per-host 1024)
xg_nat_start || xg_fatal "xdpgw run failed"

flow_count() {
	xg_xdpgw flows --external eth0 --json | python3 -c "import json, sys; print(len(json.load(sys.stdin)))"
}

xg_stream_start 20 2
check "the stream is under way" wait_for 5 xg_stream_beyond 0
port_before=$(xg_stream_external)

# 1024 new UDP flows at once, from one process: twice the table.
# (Only flow creation is counted, not echoes: 511 datagrams at once overflow
# the Python echo server's socket buffer, which says nothing about the NAT.)
check "1024 new flows sent at once" bash -c "ip netns exec '$NS_WEB' python3 \
	'$XG_TOOLS/udp_echo.py' burst '$INET_IP' '$XG_UDP_PORT' 20000-21023 --timeout 2 >/dev/null"
check "the table fills: 511 new flows made at least (the stream holds the 512th place)" \
	test "$(xg_stat out_new_flow)" -ge 512
check "the rest are refused and counted as drop_table_full" \
	test "$(( $(xg_stat out_new_flow) + $(xg_stat drop_table_full) ))" = 1025
check "the table holds at most 512 flows" test "$(flow_count)" -le 512
check_eq "the stream's flow is still there with its port" "$port_before" "$(xg_stream_external)"
after_flood=$(xg_stream_bytes)
check "the stream goes on after the flood" wait_for 5 xg_stream_beyond "$after_flood"
check "the stream ends: every chunk echoed, no stall over 2 s, no reset" \
	wait_for 40 xg_dead "$XG_STREAM_PID"
check "stream reports success" xg_stream_ok
xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
