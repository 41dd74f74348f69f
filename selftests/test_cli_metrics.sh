#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S2 with one daemon (`xdpgw run --config`, NAT and proxy), as an operator
# watches it: /metrics has the proxy's series (requests by status class,
# backends up or down, connect and response time histograms) next to the
# NAT's, and `xdpgw status` names the proxy's listener and its backends'
# health. Topology: test_cli_run_config.sh's; the metrics on lb's in0.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

s2_test_setup tc
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
NS_GW=$NS_LB # where lib.sh's xg_xdpgw, xg_pin_dir and cleanup look
METRICS=10.100.20.1:9108
CONF=$XG_TMP/gw.conf
xg_run xg_sysctl "$NS_LB" net.ipv4.ip_forward=1
: >"$XG_TMP/web.log"
s2_web_start 1
s2_web_start 2
cat >"$CONF" <<-EOF2
	internal 10.100.20.0/24
	no-fast-path
	metrics $METRICS

	[proxy]
	listen $LB_IP:80
	backend $WEB1_IP:80
	backend $WEB2_IP:80
	health-check /healthz
	health-interval 200ms
EOF2
xg_bg "$NS_LB" "$XDPGW" run --config "$CONF" --external eth0 >"$XG_TMP/xdpgw.log" 2>&1
XG_NAT_PID=$XG_LASTPID
ready() { grep -q translating "$XG_TMP/xdpgw.log" && xg_listening "$NS_LB" tcp 80 &&
	xg_listening "$NS_LB" tcp 9108; }
wait_for 10 ready || xg_fatal "xdpgw run --config did not start: $(cat "$XG_TMP/xdpgw.log")"

scrape() { ip netns exec "$NS_LB" curl -sS --max-time 5 "http://$METRICS/metrics"; }
# value SERIES: its value in a fresh scrape
value() { scrape | awk -v s="$1" '$1 == s {print $2}'; }
L="listen=\"$LB_IP:80\""

for i in 1 2 3 4 5 6; do status_of "http://$LB_IP/m-$i" >/dev/null; done
check_eq "a lower-case method is refused with 400" 400 "$(status_of -X get "http://$LB_IP/m-bad")"
m=$XG_TMP/m1.txt
scrape >"$m"
check_eq "2xx: the six GETs" 6 "$(awk -v s="xdpgw_proxy_requests_total{$L,class=\"2xx\"}" '$1 == s {print $2}' "$m")"
check_eq "4xx: the refused one" 1 "$(awk -v s="xdpgw_proxy_requests_total{$L,class=\"4xx\"}" '$1 == s {print $2}' "$m")"
check_eq "response time histogram: count 7, +Inf bucket 7" "7 7" \
	"$(awk -v c="xdpgw_proxy_response_seconds_count{$L}" -v i="xdpgw_proxy_response_seconds_bucket{$L,le=\"+Inf\"}" \
		'$1 == c {a = $2} $1 == i {b = $2} END {print a, b}' "$m")"
check "response time buckets never decrease" awk '
	/^xdpgw_proxy_response_seconds_bucket/ { if ($2 < last) exit 1; last = $2 }' "$m"
check "upstream connects were timed" test "$(awk -v s="xdpgw_proxy_upstream_connect_seconds_count{$L}" \
	'$1 == s {print $2}' "$m")" -ge 1
check "histograms are typed" grep -qx '# TYPE xdpgw_proxy_response_seconds histogram' "$m"
check_eq "both backends up" "1 1" "$(awk -v a="xdpgw_proxy_backend_up{$L,backend=\"$WEB1_IP:80\"}" \
	-v b="xdpgw_proxy_backend_up{$L,backend=\"$WEB2_IP:80\"}" '$1 == a {x = $2} $1 == b {y = $2} END {print x, y}' "$m")"
check "the NAT's series are there too" grep -q '^xdpgw_packets_total{interface="eth0",outcome="out_pass"}' "$m"

# web2's health check fails: down in /metrics and in status
touch "$XG_TMP/web2.down"
web2_down() { [ "$(value "xdpgw_proxy_backend_up{$L,backend=\"$WEB2_IP:80\"}")" = 0 ]; }
check "web2 marked down by its health check (metrics)" wait_for 5 web2_down
js=$(xg_xdpgw status --json)
check_eq "status: the proxy's listener and its backends' health" \
	"$LB_IP:80 $WEB1_IP:80=True $WEB2_IP:80=False" \
	"$(python3 -c 'import json, sys; p = json.load(sys.stdin)[0]["daemon"]["status"]["proxy"]
print(p["listen"][0]["address"], " ".join("%s=%s" % (b["backend"], b["up"]) for b in p["backends"]))' <<<"$js")"
check "status (text): the proxy's backends" bash -c "ip netns exec '$NS_LB' '$XDPGW' status |
	grep -qx '  proxy       $LB_IP:80: $WEB1_IP:80 up, $WEB2_IP:80 down'"
rm -f "$XG_TMP/web2.down"
web2_up() { [ "$(value "xdpgw_proxy_backend_up{$L,backend=\"$WEB2_IP:80\"}")" = 1 ]; }
check "web2 up again (metrics)" wait_for 5 web2_up
xg_nat_stop
check_eq "xdpgw run exited 0" 0 "$XG_NAT_RC"
xg_summary
