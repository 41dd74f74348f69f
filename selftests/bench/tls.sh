#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: `xdpgw proxy` terminating TLS against nginx doing the same, one
# worker each, the same certificate and key, in front of the same backend,
# in S2's namespaces (as selftests/bench/proxy.sh):
#
#   client (wrk) --- [eth0 203.0.113.1 | lb | in0] --- web1 10.100.20.57:80
#                     :443/:444   xdpgw proxy --workers 1   nginx, 2 workers,
#                     :8443/:8444 nginx, worker_processes 1 `return 200` of 6 bytes
#
# :443 and :8443 serve an ECDSA P-256 certificate, :444 and :8444 an RSA
# 2048 one (xdpgw: one proxy per key type, as its pairs are chosen by name,
# not by key type). Rows, for each key type:
#   hs    full handshakes per second: wrk with "Connection: close", so each
#         request opens a new connection, and with tools/preload/no_resume.c
#         preloaded: wrk would resume its last session otherwise (a mix of
#         full and resumed handshakes that depends on the server's tickets)
#   ka    keep-alive requests per second over TLS
# Both proxies: access log off, TLS 1.3 as wrk negotiates, keep-alive to the
# backend. Prints r/s, p50 and p99 and xdpgw/nginx ratios.
#
# Usage: selftests/bench/tls.sh [SECONDS]   (as root; CONNS="16" clients,
# ROWS="ec-hs ec-ka rsa-hs rsa-ka", ROUNDS=3 runs per row and proxy, taking
# turns, medians printed; PERF_RECORD=DIR: perf profiles of the proxies)
# Needs nginx, wrk and openssl (Debian packages). Exit 4 when it cannot run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-5}
CONNS=${CONNS:-16}
ROWS=${ROWS:-ec-hs ec-ka rsa-hs rsa-ka}
ROUNDS=${ROUNDS:-3}

xg_require_root
xg_require_tools nginx wrk ip curl openssl cc
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
xg_init
s2_build

P=$XG_TMP/pki
mkdir -p "$P"
chmod 755 "$XG_TMP" "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
	-addext subjectAltName=DNS:bench.test -keyout "$P/ec.key" -out "$P/ec.pem" 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.test \
		-addext subjectAltName=DNS:bench.test -keyout "$P/rsa.key" -out "$P/rsa.pem" 2>/dev/null ||
	xg_fatal "openssl could not make the certificates"
chmod 644 "$P"/*
# wrk resumes TLS sessions (see the shim): the handshake rows run it with
# this preloaded, so that every connection is a full handshake to both
cc -O2 -shared -fPIC -o "$XG_TMP/no_resume.so" "$(dirname "$0")/tools/preload/no_resume.c" -ldl ||
	xg_fatal "could not build the no_resume shim for wrk"
source "$(dirname "$0")/tools/nginx.sh" || exit 1
nginx_backend
nginx_front "	ssl_protocols TLSv1.2 TLSv1.3;
	server {
		listen $LB_IP:8443 ssl backlog=4096;
		ssl_certificate $P/ec.pem;
		ssl_certificate_key $P/ec.key;
		location / { proxy_pass http://web; }
	}
	server {
		listen $LB_IP:8444 ssl backlog=4096;
		ssl_certificate $P/rsa.pem;
		ssl_certificate_key $P/rsa.key;
		location / { proxy_pass http://web; }
	}" 8443
declare -A PID
PID[8443]=$NGINX_WORKER PID[8444]=$NGINX_WORKER
for key in ec rsa; do
	port=$([ $key = ec ] && echo 443 || echo 444)
	xg_bg "$NS_LB" "$XDPGW" proxy --listen-tls "$LB_IP:$port" --tls-cert "$P/$key.pem" \
		--tls-key "$P/$key.key" --backend "$WEB1_IP:80" --workers 1 --access-log off \
		${XDPGW_ARGS:-} >"$XG_TMP/xdpgw-$key.out" 2>&1
	PID[$port]=$XG_LASTPID
done
for port in 8443 8444 443 444; do
	wait_for 10 xg_listening "$NS_LB" tcp $port || xg_fatal "nothing listens on :$port"
	body=$(ip netns exec "$NS_CLIENT" curl -sS --max-time 5 --cacert "$P/ec.pem" --cacert "$P/rsa.pem" -k \
		"https://$LB_IP:$port/")
	[ "$body" = hello ] || xg_fatal "proxy on :$port answered '$body'"
done

# CPU time (user + system) of PID and its threads, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# wrk_run PORT CONNS ROW [HEADER] : "REQ_PER_S P50_MS P99_MS CPU_US_PER_REQ
# SYSCALLS_PER_REQ ERRORS" (the proxy's CPU time and system calls, the
# latter from perf's raw_syscalls:sys_enter, 0 without perf). With
# PERF_RECORD=DIR, perf also records the proxy's profile to DIR/ROW.data.
wrk_run() {
	local pid=${PID[$1]} threads=$(($2 < 2 ? 1 : 2)) perf_pid= rec_pid= sc=0 t0 t1
	if command -v perf >/dev/null; then
		perf stat -e raw_syscalls:sys_enter -x, -p "$pid" -o "$XG_TMP/perf.out" &
		perf_pid=$!
		if [ -n "${PERF_RECORD:-}" ]; then
			mkdir -p "$PERF_RECORD"
			perf record -q -g -p "$pid" -o "$PERF_RECORD/$3.data" 2>/dev/null &
			rec_pid=$!
		fi
	fi
	t0=$(cpu_ticks "$pid")
	ip netns exec "$NS_CLIENT" env ${4:+LD_PRELOAD=$XG_TMP/no_resume.so} wrk -t"$threads" -c"$2" \
		-d"${SECS}s" --latency ${4:+-H "$4"} "https://$LB_IP:$1/" >"$XG_TMP/wrk.out" 2>&1
	t1=$(cpu_ticks "$pid")
	for p in $perf_pid $rec_pid; do
		kill -INT "$p"
		wait "$p"
	done
	[ -n "$perf_pid" ] && sc=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 + 0 }' "$XG_TMP/perf.out")
	awk -v cpu="$(((t1 - t0) * 1000000 / $(getconf CLK_TCK)))" -v sc="${sc:-0}" -v hs="${4:+1}" '
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
		/^no_resume:/ { shim = 1; if ($4 != 0) err = err $0 ";" }
		END {
			if (hs && !shim)
				err = err "the no_resume shim did not report;"
			printf "%.0f %.3f %.3f %.0f %.1f %s\n", rps, p50, p99, n ? cpu / n : 0, n ? sc / n : 0,
			err == "" ? "-" : err }' "$XG_TMP/wrk.out"
}

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# medians: wrk_run's lines on stdin; each column's median, the errors joined
medians() {
	local f out=$XG_TMP/rounds
	grep . >"$out"
	for f in 1 2 3 4 5; do awk -v f=$f '{ print $f }' "$out" | median; done | tr '\n' ' '
	awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, "") } $0 != "-" { e = e $0 }
		END { print e == "" ? "-" : e }' "$out"
}
# the same client settings for both: what an OpenSSL client (wrk's library)
# negotiates with each, protocol, cipher and key exchange
negotiated() {
	ip netns exec "$NS_CLIENT" openssl s_client -connect "$LB_IP:$1" -servername bench.test \
		</dev/null 2>/dev/null | awk '/^New, / { p = $2 " " $5 } /^Server Temp Key:/ { k = $4; sub(/,$/, "", k) }
		END { print p " " k }'
}
for port in 443 444; do
	n=$(negotiated $((port + 8000))) x=$(negotiated $port)
	[ "$n" = "$x" ] || xg_fatal "nginx (:$((port + 8000))) negotiates '$n', xdpgw (:$port) '$x'"
	[ $port = 443 ] && NEGOTIATED=$x
done

xg_log "# xdpgw proxy vs nginx $(nginx -v 2>&1 | sed 's/.*\///') terminating TLS, one worker each;" \
	"wrk ${SECS} s per run, $CONNS clients, median of $ROUNDS runs; $NEGOTIATED; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s | %6s %6s %7s %5s %5s | %6s %6s %7s %5s %5s | %5s %5s %5s\n' row \
	"nginx" "p50" "p99" "us/r" "sys/r" "xdpgw" "p50" "p99" "us/r" "sys/r" "r/s x" "p99 x" "us x"
errors=
for row in $ROWS; do
	key=${row%-*} kind=${row#*-}
	xp=$([ $key = ec ] && echo 443 || echo 444)
	hdr=$([ $kind = hs ] && echo "Connection: close")
	# the two proxies take turns, so that a burst of load elsewhere on the
	# machine does not fall on one of them only
	n_out= x_out=
	for ((r = 0; r < ROUNDS; r++)); do
		n_out+="$(wrk_run $((xp + 8000)) "$CONNS" "nginx-$row.$r" "$hdr")"$'\n'
		x_out+="$(wrk_run "$xp" "$CONNS" "xdpgw-$row.$r" "$hdr")"$'\n'
	done
	read -r n_rps n_p50 n_p99 n_us n_sc n_err <<<"$(medians <<<"$n_out")"
	read -r x_rps x_p50 x_p99 x_us x_sc x_err <<<"$(medians <<<"$x_out")"
	awk -v row="$key-$kind" -v n="$n_rps $n_p50 $n_p99 $n_us $n_sc" -v x="$x_rps $x_p50 $x_p99 $x_us $x_sc" '
		function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
		BEGIN {
			split(n, N, " "); split(x, X, " ")
			printf "%-6s | %6d %6.2f %7.2f %5d %5.1f | %6d %6.2f %7.2f %5d %5.1f | %5s %5s %5s\n",
				row, N[1], N[2], N[3], N[4], N[5], X[1], X[2], X[3], X[4], X[5],
				r(X[1], N[1]), r(X[3], N[3]), r(X[4], N[4])
		}'
	[ "$n_err" != - ] && errors+="nginx $key-$kind: $n_err "
	[ "$x_err" != - ] && errors+="xdpgw $key-$kind: $x_err "
done
[ -n "$errors" ] && xg_log "errors reported by wrk: $errors"
xg_log "(rows: ec = ECDSA P-256, rsa = RSA 2048; hs = full handshakes/s (a new connection per"
xg_log " request), ka = keep-alive requests/s over TLS; nginx, xdpgw: requests/s; p50, p99 in ms;"
xg_log " us/r: the proxy's CPU time per request in microseconds; sys/r: its system calls per request"
xg_log " (perf); r/s x: xdpgw/nginx, higher is better; p99 x, us x: lower is better)"
exit 0
