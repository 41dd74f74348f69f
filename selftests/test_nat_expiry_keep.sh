#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, expiry across a stop with --keep: a UDP flow whose deadline
# passes while no daemon runs (the instance kept, translating) stays until
# a daemon runs again, which removes it at once: the flow, its port, an
# `expired` event and the counter, once.
#
#  web 10.100.20.57/24 --- in0 10.100.20.1 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                          xdpgw --keep --timeout udp_assured=3, stopped, then run again
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers
TIMEOUTS=(--ports 40000-40009 --timeout udp_assured=3 --timeout udp_unreplied=3)
XG_XDPGW_ARGS=(--keep "${TIMEOUTS[@]}")
xg_nat_start || xg_fatal "xdpgw run --keep failed"

flows_query() {
	xg_xdpgw flows --external eth0 --json |
		python3 -c "import json, sys; flows = json.load(sys.stdin); print($1)"
}
flow_count() { flows_query 'len(flows)'; }
no_flows() { [ "$(flow_count)" = 0 ]; }
# the flow's age (since it was made, at the one exchange) is at least $1 s
flow_older_than() { [ "$(flows_query 'min([f["age_s"] for f in flows] or [0])')" -ge "$1" ]; }
expired_events() {
	python3 -c "import json, sys; print(sum(json.loads(l)['event'] == 'expired'
		for l in open(sys.argv[1]) if l.strip()))" "$XG_TMP/watch.jsonl"
}
one_expired_event() { [ "$(expired_events)" = 1 ]; }

check "one UDP exchange web -> inet through gw" \
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
	keep-1 --size 64 --sport 5000 --tries 1 --timeout 2
check_eq "it made one udp_assured flow" "udp_assured" "$(flows_query '" ".join(f["state"] for f in flows)')"
expired_before=$(xg_stat expired)

# ---- no daemon: the deadline (3 s after the exchange) passes, the flow stays
xg_nat_stop
check_eq "run --keep exits 0 on SIGTERM" 0 "$XG_NAT_RC"
check "programs still attached, maps still pinned" gw_has_xdpgw
check "the flow's deadline passes, 2 s and more, with no daemon" wait_for 10 flow_older_than 5
check_eq "... and the flow is still there" 1 "$(flow_count)"

# ---- a daemon again: it removes the flow at once, with its event and count
xg_bg "$NS_GW" "$XDPGW" watch --external eth0 --json >"$XG_TMP/watch.jsonl" 2>&1
XG_XDPGW_ARGS=("${TIMEOUTS[@]}")
xg_nat_start || xg_fatal "the second xdpgw run failed"
started_ms=$(xg_now_ms)
check "the new run took the kept instance over" wait_for 5 took_over
check "the flow is gone within 3 s of the daemon's start (its first tick)" wait_for 3 no_flows
xg_log "# gone $(($(xg_now_ms) - started_ms)) ms after the daemon was ready"
check "watch reports it expired, once" wait_for 5 one_expired_event
check_eq "stats counts one flow expired" $((expired_before + 1)) "$(xg_stat expired)"
check_eq "no flow holds an external port" 0 \
	"$(xg_xdpgw status --external eth0 --json |
		python3 -c 'import json, sys
print(sum(p.get("udp", 0) for i in json.load(sys.stdin) for p in i["ports"]))')"
check "a new exchange from the same port works (the mapping was freed)" \
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
	keep-2 --size 64 --sport 5000 --tries 1 --timeout 2
xg_nat_stop
check_eq "the last run exits 0" 0 "$XG_NAT_RC"
xg_summary
