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
#         request opens a new connection (wrk does not resume sessions)
#   ka    keep-alive requests per second over TLS
# Both proxies: access log off, TLS 1.3 as wrk negotiates, keep-alive to the
# backend. Prints r/s, p50 and p99 and xdpgw/nginx ratios.
#
# Usage: selftests/bench/tls.sh [SECONDS]   (as root; CONNS="16" clients)
# Needs nginx, wrk and openssl (Debian packages). Exit 4 when it cannot run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-5}
CONNS=${CONNS:-16}

xg_require_root
xg_require_tools nginx wrk ip curl openssl
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
xg_init
s2_build

P=$XG_TMP/pki
mkdir -p "$XG_TMP"/{web,front}/{logs,tmp} "$P"
chmod 755 "$XG_TMP" "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
	-addext subjectAltName=DNS:bench.test -keyout "$P/ec.key" -out "$P/ec.pem" 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.test \
		-addext subjectAltName=DNS:bench.test -keyout "$P/rsa.key" -out "$P/rsa.pem" 2>/dev/null ||
	xg_fatal "openssl could not make the certificates"
chmod 644 "$P"/*
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
	ssl_protocols TLSv1.2 TLSv1.3;
	upstream web { server $WEB1_IP:80; keepalive 256; }
	server {
		listen $LB_IP:8443 ssl backlog=4096;
		ssl_certificate $P/ec.pem;
		ssl_certificate_key $P/ec.key;
		location / { proxy_pass http://web; proxy_http_version 1.1; proxy_set_header Connection ""; }
	}
	server {
		listen $LB_IP:8444 ssl backlog=4096;
		ssl_certificate $P/rsa.pem;
		ssl_certificate_key $P/rsa.key;
		location / { proxy_pass http://web; proxy_http_version 1.1; proxy_set_header Connection ""; }
	}
}
EOF

xg_bg "$NS_WEB1" nginx -p "$XG_TMP/web" -c "$XG_TMP/web/nginx.conf" >"$XG_TMP/web/out" 2>&1
wait_for 10 xg_listening "$NS_WEB1" tcp 80 || xg_fatal "backend nginx did not start: $(cat "$XG_TMP/web/out")"
xg_bg "$NS_LB" nginx -p "$XG_TMP/front" -c "$XG_TMP/front/nginx.conf" >"$XG_TMP/front/out" 2>&1
for key in ec rsa; do
	port=$([ $key = ec ] && echo 443 || echo 444)
	xg_bg "$NS_LB" "$XDPGW" proxy --listen-tls "$LB_IP:$port" --tls-cert "$P/$key.pem" \
		--tls-key "$P/$key.key" --backend "$WEB1_IP:80" --workers 1 --access-log off \
		${XDPGW_ARGS:-} >"$XG_TMP/xdpgw-$key.out" 2>&1
done
for port in 8443 8444 443 444; do
	wait_for 10 xg_listening "$NS_LB" tcp $port || xg_fatal "nothing listens on :$port"
	body=$(ip netns exec "$NS_CLIENT" curl -sS --max-time 5 --cacert "$P/ec.pem" --cacert "$P/rsa.pem" -k \
		"https://$LB_IP:$port/")
	[ "$body" = hello ] || xg_fatal "proxy on :$port answered '$body'"
done

# wrk_run PORT CONNS [HEADER] : "REQ_PER_S P50_MS P99_MS ERRORS"
wrk_run() {
	local threads=$(($2 < 2 ? 1 : 2))
	ip netns exec "$NS_CLIENT" wrk -t"$threads" -c"$2" -d"${SECS}s" --latency ${3:+-H "$3"} \
		"https://$LB_IP:$1/" >"$XG_TMP/wrk.out" 2>&1
	awk '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
			if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
			return v
		}
		/^Requests\/sec:/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx|Socket errors/ { err = err $0 ";" }
		END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, err == "" ? "-" : err }' "$XG_TMP/wrk.out"
}

xg_log "# xdpgw proxy vs nginx $(nginx -v 2>&1 | sed 's/.*\///') terminating TLS, one worker each;" \
	"wrk ${SECS} s per run, $CONNS clients; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s | %9s %7s %7s | %9s %7s %7s | %5s %5s\n' row "nginx r/s" "p50 ms" "p99 ms" \
	"xdpgw r/s" "p50 ms" "p99 ms" "r/s x" "p99 x"
errors=
for key in ec rsa; do
	for kind in hs ka; do
		xp=$([ $key = ec ] && echo 443 || echo 444)
		hdr=$([ $kind = hs ] && echo "Connection: close")
		read -r n_rps n_p50 n_p99 n_err <<<"$(wrk_run $((xp + 8000)) "$CONNS" "$hdr")"
		read -r x_rps x_p50 x_p99 x_err <<<"$(wrk_run "$xp" "$CONNS" "$hdr")"
		awk -v row="$key-$kind" -v nr="$n_rps" -v n5="$n_p50" -v n9="$n_p99" \
			-v xr="$x_rps" -v x5="$x_p50" -v x9="$x_p99" '
			function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
			BEGIN { printf "%-10s | %9d %7.3f %7.3f | %9d %7.3f %7.3f | %5s %5s\n",
				row, nr, n5, n9, xr, x5, x9, r(xr, nr), r(x9, n9) }'
		[ "$n_err" != - ] && errors+="nginx $key-$kind: $n_err "
		[ "$x_err" != - ] && errors+="xdpgw $key-$kind: $x_err "
	done
done
[ -n "$errors" ] && xg_log "errors reported by wrk: $errors"
xg_log "(rows: ec = ECDSA P-256, rsa = RSA 2048; hs = full handshakes/s (a new connection per"
xg_log " request), ka = keep-alive requests/s; r/s x: xdpgw/nginx, higher is better; p99 x: lower is better)"
exit 0
