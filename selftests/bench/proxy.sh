#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: `xdpgw proxy` against nginx as a reverse proxy, one worker
# each, in front of the same backend, in S2's namespaces:
#
#   client (wrk) --- [eth0 203.0.113.1 | lb | in0] --- web1 10.100.20.57:80
#                     :80   xdpgw proxy --workers 1      nginx, 2 workers,
#                     :8080 nginx, worker_processes 1    `return 200` of 6 bytes
#
# Both proxies: access log off, HTTP/1.1 keep-alive to the backend,
# X-Forwarded-For and X-Real-IP set; nginx with a pool of up to 256 idle
# connections, xdpgw with its defaults (XDPGW_ARGS adds options). wrk runs
# SECONDS at each concurrency (keep-alive clients) against one proxy, then
# the other. Prints req/s, p50 and p99 latency, new upstream connections per
# 1000 requests (TIME_WAIT sockets lb gained towards the backend) and
# xdpgw/nginx ratios (req/s: higher is better; latency: lower is better).
#
# Usage: selftests/bench/proxy.sh [SECONDS]   (as root; CONNS="1 16 64 256"
# for the 6-byte GET, BIG_CONNS="16" for a 1 MB GET, rows "16x1MB")
# Needs nginx and wrk (Debian packages). Exit 4 when it cannot run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-5}
CONNS=${CONNS:-1 16 64 256}

xg_require_root
xg_require_tools nginx wrk ip curl
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
xg_init
s2_build

mkdir -p "$XG_TMP"/{web,front}/{logs,tmp} "$XG_TMP/web/files"
head -c 1048576 /dev/urandom >"$XG_TMP/web/files/1m.bin"
# nginx's workers (www-data) must reach the file through the private tmp dir
chmod 755 "$XG_TMP" "$XG_TMP/web" "$XG_TMP/web/files"
chmod 644 "$XG_TMP/web/files/1m.bin"
cat >"$XG_TMP/web/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $XG_TMP/web/nginx.pid;
error_log $XG_TMP/web/logs/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $XG_TMP/web/tmp;
	keepalive_requests 1000000;
	server {
		listen $WEB1_IP:80 backlog=4096;
		location / { return 200 "hello\n"; }
		location /files/ { root $XG_TMP/web; }
	}
}
EOF
cat >"$XG_TMP/front/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $XG_TMP/front/nginx.pid;
error_log $XG_TMP/front/logs/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $XG_TMP/front/tmp;
	proxy_temp_path $XG_TMP/front/tmp;
	keepalive_requests 1000000;
	upstream web { server $WEB1_IP:80; keepalive 256; }
	server {
		listen $LB_IP:8080 backlog=4096;
		location / {
			proxy_pass http://web;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_set_header X-Real-IP \$remote_addr;
		}
	}
}
EOF

xg_bg "$NS_WEB1" nginx -p "$XG_TMP/web" -c "$XG_TMP/web/nginx.conf" >"$XG_TMP/web/out" 2>&1
wait_for 10 xg_listening "$NS_WEB1" tcp 80 || xg_fatal "backend nginx did not start: $(cat "$XG_TMP/web/out")"
xg_bg "$NS_LB" nginx -p "$XG_TMP/front" -c "$XG_TMP/front/nginx.conf" >"$XG_TMP/front/out" 2>&1
NGINX_PID=$XG_LASTPID
xg_bg "$NS_LB" "$XDPGW" proxy --listen "$LB_IP:80" --backend "$WEB1_IP:80" --workers 1 \
	--access-log off ${XDPGW_ARGS:-} >"$XG_TMP/xdpgw.out" 2>&1
XDPGW_PID=$XG_LASTPID
wait_for 10 xg_listening "$NS_LB" tcp 8080 || xg_fatal "front nginx did not start: $(cat "$XG_TMP/front/out")"
wait_for 10 xg_listening "$NS_LB" tcp 80 || xg_fatal "xdpgw proxy did not start: $(cat "$XG_TMP/xdpgw.out")"

for port in 8080 80; do
	body=$(ip netns exec "$NS_CLIENT" curl -sS --max-time 5 "http://$LB_IP:$port/")
	[ "$body" = hello ] || xg_fatal "proxy on :$port answered '$body'"
done

NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n 1)

tw_count() { ip netns exec "$NS_LB" ss -Htan state time-wait dst "$WEB1_IP" | wc -l; }

# wrk_run PORT CONNS PID PATH : "REQ_PER_S P50_MS P99_MS NEW_UPSTREAM_PER_1000
# SYSCALLS_PER_REQUEST ERRORS"; PID is the proxy's process, whose system
# calls perf counts (0 without perf).
wrk_run() {
	local threads=$(($2 < 2 ? 1 : 2)) tw0 perf_pid= sc=0
	tw0=$(tw_count)
	if command -v perf >/dev/null; then
		perf stat -e raw_syscalls:sys_enter -x, -p "$3" -o "$XG_TMP/perf.out" &
		perf_pid=$!
	fi
	ip netns exec "$NS_CLIENT" wrk -t"$threads" -c"$2" -d"${SECS}s" --latency \
		"http://$LB_IP:$1$4" >"$XG_TMP/wrk.out" 2>&1
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

xg_log "# xdpgw proxy vs nginx $(nginx -v 2>&1 | sed 's/.*\///'), one worker each; wrk ${SECS} s per run; $(nproc) CPUs"
printf '%6s | %9s %7s %7s %5s %5s | %9s %7s %7s %5s %5s | %5s %5s %5s %5s\n' conns \
	"nginx r/s" "p50 ms" "p99 ms" "up/1k" "sys/r" "xdpgw r/s" "p50 ms" "p99 ms" "up/1k" "sys/r" \
	"r/s x" "p50 x" "p99 x" "sys x"
errors=
rows=
for c in $CONNS; do rows+="$c:/ "; done
for c in ${BIG_CONNS:-16}; do rows+="$c:/files/1m.bin "; done
for row in $rows; do
	c=${row%%:*} path=${row#*:}
	read -r n_rps n_p50 n_p99 n_up n_sc n_err <<<"$(wrk_run 8080 "$c" "$NGINX_WORKER" "$path")"
	read -r x_rps x_p50 x_p99 x_up x_sc x_err <<<"$(wrk_run 80 "$c" "$XDPGW_PID" "$path")"
	[ "$path" = / ] || c="${c}x1MB"
	awk -v c="$c" -v nr="$n_rps" -v n5="$n_p50" -v n9="$n_p99" -v nu="$n_up" -v ns="$n_sc" \
		-v xr="$x_rps" -v x5="$x_p50" -v x9="$x_p99" -v xu="$x_up" -v xs="$x_sc" '
		function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
		BEGIN { printf "%6s | %9d %7.3f %7.3f %5.1f %5.2f | %9d %7.3f %7.3f %5.1f %5.2f | %5s %5s %5s %5s\n",
			c, nr, n5, n9, nu, ns, xr, x5, x9, xu, xs, r(xr, nr), r(x5, n5), r(x9, n9), r(xs, ns) }'
	[ "$n_err" != - ] && errors+="nginx c=$c: $n_err "
	[ "$x_err" != - ] && errors+="xdpgw c=$c: $x_err "
done
[ -n "$errors" ] && xg_log "errors reported by wrk: $errors"
xg_log "(r/s x: xdpgw/nginx, higher is better; p50 x, p99 x, sys x: xdpgw/nginx, lower is better;"
xg_log " up/1k: new upstream connections per 1000 requests; sys/r: the proxy's system calls per request)"
exit 0
