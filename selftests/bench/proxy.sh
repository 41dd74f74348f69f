#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: `xdpgw proxy` against nginx as a reverse proxy, one worker
# each, at their defaults, in front of the same backend, in S2's namespaces:
#
#   client (wrk) --- [eth0 203.0.113.1 | lb | in0] --- web1 10.100.20.57:80
#                     :80   xdpgw proxy --workers 1      nginx, 2 workers,
#                     :8080 nginx, worker_processes 1    `return 200` of 6 bytes,
#                     :8081 the same nginx, with          a 1 MB file, and
#                           proxy_request_buffering off   a 200 to POST /upload
#
# All three: access log off, HTTP/1.1 keep-alive to the backend,
# X-Forwarded-For and X-Real-IP set; nginx with a pool of up to 256 idle
# connections, xdpgw with its defaults (XDPGW_ARGS adds options). wrk runs
# SECONDS per load and proxy: the 6-byte GET at each of CONNS keep-alive
# clients, a 1 MB GET and a 100 KB POST at BIG_CONNS. Prints req/s, p50 and
# p99 latency, new upstream connections per 1000 requests (TIME_WAIT
# sockets lb gained towards the backend), the proxy's system calls per
# request (perf), and xdpgw's ratios to nginx and to nginx streaming
# (req/s: higher is better; latency, system calls: lower is better). Then
# IDLE keep-alive clients, each after one request, held open against each
# proxy: the proxy's RSS per idle connection (and after they closed), each
# figure once the RSS is steady.
#
# Usage: selftests/bench/proxy.sh [SECONDS]   (as root; CONNS="1 16 50 256",
# BIG_CONNS="16", IDLE=10000)
# Needs nginx and wrk (Debian packages). Exit 4 when it cannot run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-5}
CONNS=${CONNS:-1 16 50 256}
BIG_CONNS=${BIG_CONNS:-16}
IDLE=${IDLE:-10000}
ulimit -n "$(ulimit -Hn)"

xg_require_root
xg_require_tools nginx wrk ip curl
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
xg_init
s2_build

source "$(dirname "$0")/tools/nginx.sh" || exit 1
nginx_backend
nginx_front "	proxy_set_header Host \$host;
	proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
	proxy_set_header X-Real-IP \$remote_addr;
	client_max_body_size 1m;
	server {
		listen $LB_IP:8080 backlog=4096;
		location / { proxy_pass http://web; }
	}
	server {
		listen $LB_IP:8081 backlog=4096;
		location / { proxy_pass http://web; proxy_request_buffering off; }
	}" 8080
xg_bg "$NS_LB" "$XDPGW" proxy --listen "$LB_IP:80" --backend "$WEB1_IP:80" --workers 1 \
	--access-log off ${XDPGW_ARGS:-} >"$XG_TMP/xdpgw.out" 2>&1
XDPGW_PID=$XG_LASTPID
wait_for 10 xg_listening "$NS_LB" tcp 80 || xg_fatal "xdpgw proxy did not start: $(cat "$XG_TMP/xdpgw.out")"

for port in 8080 8081 80; do
	body=$(ip netns exec "$NS_CLIENT" curl -sS --max-time 5 "http://$LB_IP:$port/")
	[ "$body" = hello ] || xg_fatal "proxy on :$port answered '$body'"
done

tw_count() { ip netns exec "$NS_LB" ss -Htan state time-wait dst "$WEB1_IP" | wc -l; }

# wrk's script for the 100 KB POST
printf 'wrk.method = "POST"\nwrk.body = string.rep("x", 102400)\nwrk.headers["Content-Type"] = "application/octet-stream"\n' \
	>"$XG_TMP/post.lua"

# wrk_run PORT CONNS PID [POST:]PATH : "REQ_PER_S P50_MS P99_MS NEW_UPSTREAM_PER_1000
# SYSCALLS_PER_REQUEST ERRORS"; PID is the proxy's process, whose system
# calls perf counts (0 without perf).
wrk_run() {
	local threads=$(($2 < 2 ? 1 : 2)) tw0 perf_pid= sc=0
	tw0=$(tw_count)
	if command -v perf >/dev/null; then
		perf stat -e raw_syscalls:sys_enter -x, -p "$3" -o "$XG_TMP/perf.out" &
		perf_pid=$!
	fi
	local path=${4#POST:} script=()
	[ "$path" != "$4" ] && script=(-s "$XG_TMP/post.lua")
	ip netns exec "$NS_CLIENT" wrk -t"$threads" -c"$2" -d"${SECS}s" --latency "${script[@]}" \
		"http://$LB_IP:$1$path" >"$XG_TMP/wrk.out" 2>&1
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid"
		sc=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 + 0 }' "$XG_TMP/perf.out")
	fi
	awk -v tw="$(($(tw_count) - tw0))" -v sc="${sc:-0}" '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
			if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
			return v
		}
		/^Requests\/sec:/ { rps = $2 }
		/ requests in / { n = $1 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx|Socket errors/ { err = err $0 ";" }
		END { printf "%.0f %.3f %.3f %.1f %.2f %s\n", rps, p50, p99, n ? 1000 * tw / n : 0,
			n ? sc / n : 0, err == "" ? "-" : err }' "$XG_TMP/wrk.out"
}

xg_log "# xdpgw proxy vs nginx $(nginx -v 2>&1 | sed 's/.*\///'), one worker each, defaults; wrk ${SECS} s per run; $(nproc) CPUs"
printf '%-15s %-12s | %8s %7s %7s %5s %5s | %6s %6s %6s | %6s %6s %6s\n' load proxy "r/s" "p50 ms" \
	"p99 ms" "up/1k" "sys/r" "r/s x" "p99 x" "sys x" "r/s xs" "p99 xs" "sys xs"
errors=
rows=
for c in $CONNS; do rows+="GET:$c:/ "; done
for c in $BIG_CONNS; do rows+="1MB-GET:$c:/files/1m.bin 100KB-POST:$c:POST:/upload "; done
for row in $rows; do
	name=${row%%:*} row=${row#*:}
	c=${row%%:*} path=${row#*:}
	read -r n_rps n_p50 n_p99 n_up n_sc n_err <<<"$(wrk_run 8080 "$c" "$NGINX_WORKER" "$path")"
	read -r s_rps s_p50 s_p99 s_up s_sc s_err <<<"$(wrk_run 8081 "$c" "$NGINX_WORKER" "$path")"
	read -r x_rps x_p50 x_p99 x_up x_sc x_err <<<"$(wrk_run 80 "$c" "$XDPGW_PID" "$path")"
	awk -v l="$name c=$c" -v n="$n_rps $n_p50 $n_p99 $n_up $n_sc" -v s="$s_rps $s_p50 $s_p99 $s_up $s_sc" \
		-v x="$x_rps $x_p50 $x_p99 $x_up $x_sc" '
		function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
		function row(l, p, v,   f) {
			split(v, f, " ")
			return sprintf("%-15s %-12s | %8d %7.3f %7.3f %5.1f %5.2f |", l, p, f[1], f[2], f[3], f[4], f[5])
		}
		BEGIN {
			split(n, N, " "); split(s, S, " "); split(x, X, " ")
			print row(l, "nginx", n)
			print row("", "nginx-stream", s)
			printf "%s %6s %6s %6s | %6s %6s %6s\n", row("", "xdpgw", x), r(X[1], N[1]), r(X[3], N[3]),
				r(X[5], N[5]), r(X[1], S[1]), r(X[3], S[3]), r(X[5], S[5])
		}'
	[ "$n_err" != - ] && errors+="nginx $name c=$c: $n_err "
	[ "$s_err" != - ] && errors+="nginx-stream $name c=$c: $s_err "
	[ "$x_err" != - ] && errors+="xdpgw $name c=$c: $x_err "
done
[ -n "$errors" ] && xg_log "errors reported by wrk: $errors"
xg_log "(x: xdpgw/nginx, xs: xdpgw/nginx with proxy_request_buffering off; r/s higher is better,"
xg_log " p99 and sys lower is better; up/1k: new upstream connections per 1000 requests; sys/r: the"
xg_log " proxy's system calls per request, from perf's raw_syscalls:sys_enter)"

# RSS of PID in kB
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# rss_steady PID : true once PID's RSS has not changed for 1.5 s (polled by
# wait_for; RSS_LAST= first). xdpgw unmaps the buffers a burst of requests
# left in its cache within two 1 s trims: what idle connections cost is
# what stays.
rss_steady() {
	local now r
	now=$(xg_now_ms) r=$(rss_kb "$1")
	if [ "$r" != "$RSS_LAST" ]; then
		RSS_LAST=$r RSS_SINCE=$now
		return 1
	fi
	[ $((now - RSS_SINCE)) -ge 1500 ]
}
# rss_settled PID : PID's RSS once steady (at most 10 s).
rss_settled() {
	RSS_LAST=
	wait_for 10 rss_steady "$1"
	rss_kb "$1"
}
# idle_cost PORT PID : "RSS_BEFORE_KB RSS_HELD_KB RSS_AFTER_KB OK_CONNS" with IDLE
# keep-alive clients held open after one request each, then closed.
idle_cost() {
	local before held after ready=$XG_TMP/idle.ready stop=$XG_TMP/idle.stop pid
	rm -f "$ready" "$stop"
	before=$(rss_settled "$2")
	xg_bg "$NS_CLIENT" python3 "$XG_TOOLS/http_client.py" hold "$LB_IP" "$1" --clients "$IDLE" \
		--hold 120 --ready-file "$ready" --stop-file "$stop" >"$XG_TMP/idle.out" 2>&1
	pid=$XG_LASTPID
	wait_for 120 test -s "$ready"
	held=$(rss_settled "$2")
	touch "$stop"
	wait_for 60 xg_dead "$pid"
	wait_for 5 sh -c "[ \$(ip netns exec $NS_LB ss -Htn state established sport = :$1 | wc -l) -eq 0 ]"
	after=$(rss_settled "$2")
	echo "$before $held $after $(sed -n 's/^ok=\([0-9]*\).*/\1/p' "$ready")"
}
xg_log ""
xg_log "# $IDLE idle keep-alive clients (one request each, then held): the proxy's RSS"
printf '%-12s | %10s %10s %10s %8s | %9s %6s\n' proxy "before kB" "held kB" "after kB" "conns" "B/conn" "x"
# twice each: the first round touches what a proxy allocates once (nginx's
# connection array, free lists), the second measures what connections cost
idle_cost 8080 "$NGINX_WORKER" >/dev/null
read -r nb nh na nc <<<"$(idle_cost 8080 "$NGINX_WORKER")"
idle_cost 80 "$XDPGW_PID" >/dev/null
read -r xb xh xa xc <<<"$(idle_cost 80 "$XDPGW_PID")"
awk -v n="$nb $nh $na $nc" -v x="$xb $xh $xa $xc" '
	function per(f) { return f[4] > 0 ? (f[2] - f[1]) * 1024 / f[4] : 0 }
	BEGIN {
		split(n, N, " "); split(x, X, " ")
		printf "%-12s | %10d %10d %10d %8d | %9.0f %6s\n", "nginx", N[1], N[2], N[3], N[4], per(N), ""
		printf "%-12s | %10d %10d %10d %8d | %9.0f %6s\n", "xdpgw", X[1], X[2], X[3], X[4], per(X),
			(per(N) > 0 ? sprintf("%.2f", per(X) / per(N)) : "-")
	}'
xg_log "(second of two rounds; B/conn: (held - before) / conns; x: xdpgw/nginx, lower is better;"
xg_log " after: once they closed)"
exit 0
