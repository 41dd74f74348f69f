#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, what an operator reads: `xdpgw status` (text and --json)
# names the instance, its programs and attach modes, the fast path, the
# table and port use and the daemon (whose own answer, the last sweep, comes
# over the instance lock); /metrics, scraped with curl during traffic the
# test made, has every counter of `xdpgw stats` with its value and the
# flows by state; after `run --keep` exits, status says there is no daemon.
#
#  web 10.100.20.57/24 --- in0 10.100.20.1 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                          xdpgw run --metrics 10.100.20.1:9108 --keep
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup curl
s3_servers
METRICS=10.100.20.1:9108
XG_XDPGW_ARGS=(--metrics "$METRICS" --keep)
xg_nat_start || xg_fatal "xdpgw run failed"
gwx() { ip netns exec "$NS_GW" "$@"; }
json() { python3 -c "import json, sys; s = json.load(sys.stdin); print($1)"; }

check "the daemon says where the metrics are" grep -q "metrics on http://$METRICS/metrics" \
	"$XG_TMP/xdpgw.log"
check "udp exchange from web" ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client \
	"$INET_IP" "$XG_UDP_PORT" hello --size 64 --sport 5000 --tries 3 --timeout 1
check "http from web" ip netns exec "$NS_WEB" curl -sS --max-time 5 -o /dev/null \
	"http://$INET_IP:$XG_HTTP_PORT/status"
check "ping from web" ip netns exec "$NS_WEB" ping -c1 -W2 "$INET_IP"
swept() { [ "$(xg_xdpgw status --json | json 's[0]["daemon"]["status"]["sweep"]["runs"]')" -ge 1 ]; }
check "status: the daemon has swept" wait_for 5 swept

# ---- text, no --external: the one instance of the namespace
text=$(xg_xdpgw status)
check "status: what it translates" grep -q "^eth0: translating 10.100.20.0/24 to 203.0.113.1$" \
	<<<"$text"
check "status: the daemon's pid" grep -qE "^  daemon +pid $XG_NAT_PID$" <<<"$text"
check "status: XDP on eth0, native, driver veth" \
	grep -qE "^  xdp +eth0: xdpgw_ingress native.*, driver veth$" <<<"$text"
check "status: tc on eth0's egress" grep -qE "^  tc +eth0: xdpgw_egress on clsact egress$" <<<"$text"
check "status: the fast path's program on in0" \
	grep -qE '^  fast path +in0: xdpgw_internal native.*, driver veth$' <<<"$text"
check "status: outbound on" grep -qE '^ +out in0 -> eth0: on$' <<<"$text"
check "status: inbound on" grep -qE '^ +in  eth0 -> in0: on$' <<<"$text"
check "status: the pin directory" grep -qE "^  pins +$(xg_pin_dir)$" <<<"$text"
check "status: the daemon's last sweep" grep -qE "^  sweep +last [0-9.]+ ms, [0-9.]+ s ago: 3 flows scanned" <<<"$text"
check "status: the daemon's metrics endpoint" grep -qx "  metrics     http://$METRICS/metrics" <<<"$text"

# ---- --json, checked against the traffic
js=$(xg_xdpgw status --json)
flows=$(xg_xdpgw flows --json | json 'len(s)')
check_eq "status --json: one instance, on eth0" "1 eth0" "$(json 'len(s), s[0]["external"]' <<<"$js" |
	tr -d '(),'"'")"
check_eq "status --json: flows in use as flows lists them ($flows), of 262144" "$flows 262144" \
	"$(json 's[0]["flows"]["in_use"], s[0]["flows"]["capacity"]' <<<"$js" | tr -d '(),')"
check_eq "status --json: one flow each of udp, tcp, icmp" "1 1 1" \
	"$(json 's[0]["flows"]["udp"], s[0]["flows"]["tcp"], s[0]["flows"]["icmp"]' <<<"$js" | tr -d '(),')"
check_eq "status --json: ports in use per protocol, of the pool" "1 1 1 64512" \
	"$(json '" ".join(str(s[0]["ports"][0][k]) for k in ("tcp", "udp", "icmp", "pool"))' <<<"$js")"
check_eq "status --json: the daemon's pid" "$XG_NAT_PID" "$(json 's[0]["daemon"]["pid"]' <<<"$js")"
check_eq "status --json: the daemon names the metrics endpoint" "http://$METRICS/metrics" \
	"$(json 's[0]["daemon"]["status"]["metrics"]' <<<"$js")"
check_eq "status --json: the daemon's fast path, both on" "True True" \
	"$(json '" ".join(str(d["on"]) for d in s[0]["daemon"]["status"]["fast_path"])' <<<"$js")"

# ---- /metrics
m=$XG_TMP/metrics.txt
xg_xdpgw stats >"$XG_TMP/stats.before"
check "curl /metrics" gwx curl -sS --max-time 5 -o "$m" "http://$METRICS/metrics"
xg_xdpgw stats >"$XG_TMP/stats.after"
check "metrics: # TYPE before the counters" grep -qx '# TYPE xdpgw_packets_total counter' "$m"
# Each counter of the scrape lies between `xdpgw stats` just before and after.
mismatch=
while read -r name before after; do
	case $name in
	expired) series='xdpgw_flows_expired_total{interface="eth0"}' ;;
	icmp_prohibited) series='xdpgw_icmp_prohibited_sent_total{interface="eth0"}' ;;
	*) series="xdpgw_packets_total{interface=\"eth0\",outcome=\"$name\"}" ;;
	esac
	got=$(awk -v s="$series" '$1 == s {print $2}' "$m")
	[ -n "$got" ] && [ "$got" -ge "$before" ] && [ "$got" -le "$after" ] ||
		mismatch+=" $name=${got:-missing}($before-$after)"
done < <(paste -d' ' "$XG_TMP/stats.before" <(awk '{print $2}' "$XG_TMP/stats.after"))
check_eq "metrics: every counter of xdpgw stats, as stats reads it" "" "$mismatch"
check "metrics: out_new_flow counted the three flows" \
	test "$(awk '$1 ~ /outcome="out_new_flow"/ {print $2}' "$m")" -ge 3
check_eq "metrics: flows by state (udp_assured, icmp_echo)" "1 1" \
	"$(awk '$1 ~ /state="udp_assured"/ {a = $2} $1 ~ /state="icmp_echo"/ {b = $2} END {print a, b}' "$m")"
check_eq "metrics: the table's capacity" 262144 \
	"$(awk '$1 == "xdpgw_flows_capacity{interface=\"eth0\"}" {print $2}' "$m")"
check "metrics: the sweep's duration" grep -qE '^xdpgw_sweep_duration_seconds\{interface="eth0"\} [0-9.]+$' "$m"
if command -v promtool >/dev/null; then
	check "promtool check metrics" bash -c "promtool check metrics < '$m'"
else
	xg_skip_check "promtool not installed"
fi
check_eq "metrics: another path is 404" 404 \
	"$(gwx curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$METRICS/other")"
check_eq "metrics: POST is 405" 405 \
	"$(gwx curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "http://$METRICS/metrics")"

# ---- kept without daemon
xg_nat_stop
check_eq "run --keep exits 0" 0 "$XG_NAT_RC"
check "status: kept without daemon" bash -c "ip netns exec '$NS_GW' '$XDPGW' status |
	grep -q 'daemon      none: kept without daemon'"
check_eq "status --json: no daemon" None "$(xg_xdpgw status --json | json 's[0]["daemon"]')"
check "metrics: nothing listens any more" bash -c "! ip netns exec '$NS_GW' curl -s --max-time 2 \
	'http://$METRICS/metrics'"
check "down removes the kept instance" xg_xdpgw down
check_eq "status: no instance" "[]" "$(xg_xdpgw status --json)"
xg_summary
