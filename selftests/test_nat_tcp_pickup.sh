#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, stray ACKs (issue 10, case 3): 20,000 bare ACKs from web to
# an address that never answers, with --max-flows 20000. Each is a TCP flow
# picked up mid-stream: tcp_pickup, 300 s at most, not established's five
# days; web may hold a quarter of the table (--max-flows-per-host's
# default), the rest is refused as drop_host_limit and `watch` hears of it
# about once a second; a second internal host (10.100.20.58, "web2", a
# second address in web's namespace) gets TCP, UDP and ping through right
# after. Then a full table: the sweep drops the oldest unreplied flows early
# and makes room, never a flow that has seen a reply.
#
#  web 10.100.20.57 + .58 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup curl ping
s3_servers
WEB2=10.100.20.58
NOWHERE=198.51.100.99 # on inet's subnet, no one there: never answers
xg_run ip -n "$NS_WEB" addr add "$WEB2/24" dev eth0

flows_query() {
	xg_xdpgw flows --external eth0 --json |
		python3 -c "import json, sys; flows = json.load(sys.stdin); print($1)"
}
acks() { # acks COUNT: bare ACKs from web to NOWHERE:80, one source port each
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/tcp_inject.py" acks 10.100.20.57 "$NOWHERE" 80 \
		--count "$1"
}
stat_ge() { [ "$(xg_stat "$1")" -ge "$2" ]; }
web2_tcp() { # five HTTP fetches from web2; the server's log must show five more
	local before i ok=0
	before=$(wc -l <"$XG_TMP/http.peers")
	for i in 1 2 3 4 5; do
		ip netns exec "$NS_WEB" curl -sS --max-time 5 --interface "$WEB2" -o /dev/null \
			"http://$INET_IP:$XG_HTTP_PORT/web2-$i" && ok=$((ok + 1))
	done
	echo "$ok/5 $(( $(wc -l <"$XG_TMP/http.peers") - before ))"
}
web2_udp() {
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
		web2 --src "$WEB2" --tries 3 --timeout 1
}
web2_ping() { ip netns exec "$NS_WEB" ping -n -q -c 3 -i 0.2 -W 2 -I "$WEB2" "$INET_IP"; }

# ---- 20,000 stray ACKs into a table of 20,000
XG_XDPGW_ARGS=(--max-flows 20000)
xg_nat_start || xg_fatal "xdpgw run failed"
check "run says the per-host share: a quarter of the table" \
	grep -q "max 20000 flows (5000 per host)" "$XG_TMP/xdpgw.log"
xg_bg "$NS_GW" "$XDPGW" watch --external eth0 --json >"$XG_TMP/watch.jsonl" 2>&1
start_ms=$(xg_now_ms)
check_eq "20,000 bare ACKs sent" "sent 20000" "$(acks 20000)"
check "web's share is taken: 5000 flows made" wait_for 10 stat_ge out_new_flow 5000
check "the rest is refused as drop_host_limit" wait_for 10 stat_ge drop_host_limit 14000
check_eq "exactly the share made, no more" 5000 "$(xg_stat out_new_flow)"
check_eq "the table holds web's 5000" 5000 "$(flows_query 'len(flows)')"
check_eq "all picked up mid-stream: tcp_pickup, 300 s at most" True \
	"$(flows_query 'all(f["state"] == "tcp_pickup" and f["expires_s"] <= 300 for f in flows)')"

# ---- right after, web2 still gets through
check_eq "web2: TCP 5/5, the server logged five requests" "5/5 5" "$(web2_tcp)"
check "web2: UDP echo" web2_udp
check "web2: ping 3/3" web2_ping
check "web2's flows were made next to web's 5000" \
	test "$(flows_query "sum(f['internal'].startswith('$WEB2:') for f in flows)")" -ge 3

told() { [ "$(python3 -c "import json, sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l).get('reason') == 'drop_host_limit'))" "$XG_TMP/watch.jsonl")" -ge 1 ]; }
check "watch: the refusals are reported" wait_for 5 told
secs=$(( ($(xg_now_ms) - start_ms) / 1000 + 2 ))
check "watch: at most one report a second for the host (not one per packet)" \
	test "$(grep -c drop_host_limit "$XG_TMP/watch.jsonl")" -le "$secs"
xg_nat_stop

# ---- a full table: the oldest unreplied flows make room
XG_XDPGW_ARGS=(--max-flows 2000 --max-flows-per-host 2000)
xg_nat_start || xg_fatal "xdpgw run (full table) failed"
check_eq "web2: an HTTP fetch first (a flow with a reply)" "1/1" \
	"$(ip netns exec "$NS_WEB" curl -sS --max-time 5 --interface "$WEB2" -o /dev/null \
		-w '1/1' "http://$INET_IP:$XG_HTTP_PORT/before")"
check_eq "2000 bare ACKs sent" "sent 2000" "$(acks 2000)"
check "the table fills: drop_table_full" wait_for 10 stat_ge drop_table_full 1
few_enough() { [ "$(flows_query 'len(flows)')" -le 1750 ]; }
check "the sweep drops unreplied flows early, to 14/16 of the table" wait_for 5 few_enough
check "and says so" grep -q "nearly full" "$XG_TMP/xdpgw.log"
check_eq "web2's answered flow is kept" 1 \
	"$(flows_query "sum(f['internal'].startswith('$WEB2:') and f['packets_in'] > 0 for f in flows)")"
check_eq "web2: TCP gets through again" "5/5 5" "$(web2_tcp)"
xg_nat_stop
check_eq "xdpgw exits 0 on SIGTERM" 0 "$XG_NAT_RC"
xg_summary
