#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, the NAT table's life: `xdpgw flows` shows what the traffic
# made, `xdpgw watch` reports each flow's birth, state changes and expiry,
# flows expire after their state's timeout, and a port range of ten is
# exhausted by ten flows, refuses the eleventh (a watched refusal), and gives
# a port again once a flow has expired.
#
#  web 10.100.20.57/24 --- in0 10.100.20.1 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                          xdpgw --ports 40000-40009, timeouts of 2 s, then 5 s
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup curl
s3_servers
XG_XDPGW_ARGS=(--ports 40000-40009 --timeout udp_unreplied=2 --timeout udp_assured=2
	--timeout time_wait=2 --timeout closed=2 --timeout fin_out=2 --timeout fin_in=2)
xg_nat_start || xg_fatal "xdpgw run failed"

# flows_query PYTHON_EXPR [FLOWS OPTIONS]: evaluate EXPR over `flows` (the
# parsed --json list) and print it.
flows_query() {
	local expr=$1
	shift
	xg_xdpgw flows --external eth0 --json "$@" |
		python3 -c "import json, sys; flows = json.load(sys.stdin); print($expr)"
}
flow_count() { flows_query 'len(flows)' "$@"; }
no_flows() { [ "$(flow_count)" = 0 ]; }
# watch_start FILE: `xdpgw watch --json` into FILE. (The ring buffer keeps
# events until read, so what happens before it starts reading is not lost.)
watch_start() {
	xg_bg "$NS_GW" "$XDPGW" watch --external eth0 --json >"$1" 2>&1
}
# events EXPR FILE: evaluate EXPR over `ev`, the list of events in FILE.
events() {
	python3 -c "import json, sys; ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print($1)" "$2"
}
udp_from() { # udp_from SPORT: one echo exchange from web's SPORT
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
		"sport-$1" --size 64 --sport "$1" --tries 1 --timeout 1 >/dev/null 2>&1
}

W1=$XG_TMP/watch1.jsonl
watch_start "$W1"

# ---- what flows shows is what the traffic made
check "udp exchange from web:5000" udp_from 5000
check_eq "flows --json: the udp flow, as the test made it" \
	"udp udp_assured 10.100.20.57:5000 198.51.100.20:$XG_UDP_PORT 1 1" \
	"$(flows_query '" ".join(str(x) for f in flows for x in (f["proto"], f["state"],
		f["internal"], f["remote"], f["packets_out"], f["packets_in"]))' --proto udp)"
check "flows --json: its external side is 203.0.113.1 with a port of the range" \
	test "$(flows_query 'all(f["external"].split(":")[0] == "203.0.113.1" and
		40000 <= int(f["external"].split(":")[1]) <= 40009 for f in flows)')" = True
check "http from web" \
	ip netns exec "$NS_WEB" curl -sS --max-time 5 -o /dev/null "http://$INET_IP:$XG_HTTP_PORT/flows"
check_eq "flows: the closed http connection is in time_wait (FIN both ways)" \
	"time_wait" "$(flows_query '" ".join(f["state"] for f in flows)' --proto tcp --port "$XG_HTTP_PORT")"
check "flows text output has a header and the tcp flow" \
	bash -c "ip netns exec '$NS_GW' '$XDPGW' flows --external eth0 --addr 10.100.20.57 |
		grep -q '^tcp *time_wait *10.100.20.57:'"
check_eq "flows --addr of another host lists nothing" 0 "$(flow_count --addr 10.100.20.99)"

# ---- expiry
check "both flows expire after their 2 s timeouts" wait_for 10 no_flows
check "stats counts them as expired" test "$(xg_stat expired)" -ge 2
both_expired() { [ "$(events 'sum(e["event"] == "expired" for e in ev)' "$W1")" = 2 ]; }
check "watch: both flows reported expired" wait_for 5 both_expired
check_eq "watch: the udp flow's life, with the address it went out as" \
	"new:udp_unreplied state:udp_assured expired:" \
	"$(events '" ".join(e["event"] + ":" + e["state"] for e in ev if e["proto"] == "udp")' "$W1")"
# inet's HTTP server and curl both close once the response is through, so
# either FIN can come first (fin_in or fin_out), and then time_wait.
check_eq "watch: the tcp flow's life, handshake to time_wait" \
	"new:syn_sent state:syn_recv state:established state:fin_either state:time_wait expired:" \
	"$(events '" ".join(e["event"] + ":" + e["state"] for e in ev if e["proto"] == "tcp")' "$W1" |
		sed -E 's/state:fin_(in|out) /state:fin_either /')"
check_eq "watch: before and after translation" "10.100.20.57:5000 203.0.113.1" \
	"$(events 'ev[0]["internal"] + " " + ev[0]["external"].split(":")[0]' "$W1")"
check "the rev map is empty too (no half flow left)" \
	test "$(ip netns exec "$NS_GW" bpftool map dump pinned "$(xg_pin_dir)/rev" | grep -c '"key"')" = 0

# ---- a range of ten ports: ten flows, the eleventh refused, reuse after
# expiry. A fresh instance with 15 s timeouts, so the ten outlive the test's
# own steps; the ten are opened at once by one process.
xg_nat_stop
XG_XDPGW_ARGS=(--ports 40000-40009 --timeout udp_unreplied=15 --timeout udp_assured=15)
xg_nat_start || xg_fatal "xdpgw run (second instance) failed"
W2=$XG_TMP/watch2.jsonl
watch_start "$W2"
burst() { ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" burst "$INET_IP" "$XG_UDP_PORT" "$1"; }
check_eq "ten flows to one server, opened at once: ten echoes" 10 "$(burst 6000-6009)"
check_eq "ten distinct external ports in use" 10 \
	"$(flows_query 'len({f["external"] for f in flows})')"
check_eq "the eleventh flow gets no reply" 0 "$(burst 6010-6010 2>"$XG_TMP/burst.err")"
check_eq "... but an ICMP admin prohibited (EHOSTUNREACH), RFC 5508" "unreachable 1" \
	"$(cat "$XG_TMP/burst.err")"
check_eq "the eleventh is counted as drop_no_port" 1 "$(xg_stat drop_no_port)"
check_eq "and the error as icmp_prohibited" 1 "$(xg_stat icmp_prohibited)"
refused() { [ "$(events 'sum(e["event"] == "refused" for e in ev)' "$W2")" = 1 ]; }
check "watch: the refusal is reported" wait_for 5 refused
check_eq "watch: which flow and why" "10.100.20.57:6010 drop_no_port" \
	"$(events '[e["internal"] + " " + e["reason"] for e in ev if e["event"] == "refused"][0]' "$W2")"
check_eq "the ten flows are untouched by the refusal" 10 "$(flow_count)"
check "the ten expire" wait_for 30 no_flows
check_eq "then the eleventh gets a port" 1 "$(burst 6010-6010)"
check_eq "from the same range" True \
	"$(flows_query 'all(40000 <= int(f["external"].split(":")[1]) <= 40009 for f in flows)')"

xg_nat_stop
check_eq "xdpgw exits 0 on SIGTERM" 0 "$XG_NAT_RC"
xg_summary
