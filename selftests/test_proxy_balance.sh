#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S2: the L7 reverse proxy (`xdpgw proxy`) in front of two real HTTP servers.
#
#        198.51.100.0/24                               10.100.20.0/24
#  +--------+ .10            .1 +---------------------+ .1 (bridge)     .57 +------+
#  | client |eth0 ----------- eth0|        lb         |in0 -- p1 ------ eth0| web1 |
#  +--------+                 203.0.113.1/24           |    \                +------+
#  route 203.0.113.0/24       | xdpgw proxy           |     \-- p2 --- eth0| web2 |
#  dev eth0 (on-link)         | 203.0.113.1:80         |              .58 +------+
#                             +---------------------+
#                              route 198.51.100.0/24 dev eth0
#
# web1 and web2 run tools/http_backend.py on port 80 (keep-alive HTTP/1.1;
# they echo the request's headers and peer and log every request). The
# client's TCP connection ends at lb; lb opens its own to the webs, so they
# see the peer 10.100.20.1 and learn the client from X-Forwarded-For.
#
# Checks follow the issue's order: balancing, forwarded headers, HTTP/1.x
# features, failover, large bodies with bounded memory, slowloris, 431/414,
# smuggling, 1000 clients, SIGHUP; then max connections, 502/504, active
# health, valgrind and SIGTERM. Exit: 0 pass, 1 fail, 4 skip.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

s2_test_setup sha256sum tcpdump

CLIENT_TOOL=$XG_TOOLS/http_client.py
PROXY_LOG=$XG_TMP/proxy.log
CONF=$XG_TMP/proxy.conf

lb() { ip netns exec "$NS_LB" "$@"; }
body_of() { cl curl -sS --max-time 10 "$@" 2>&1; }
hc() { cl python3 "$CLIENT_TOOL" "$@"; }
proxy_said() { grep -qF -- "$1" "$PROXY_LOG" "$XG_TMP/proxy.err"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

proxy_start() { s2_proxy_start "$@"; }

xg_log "# S2 reverse proxy, namespaces {client,lb,web1,web2}-$XG_ID"
: >"$XG_TMP/web.log"
s2_web_start 1
s2_web_start 2
check "client cannot reach web1 directly (only lb can)" \
	cl sh -c "! curl -s --max-time 2 -o /dev/null http://$WEB1_IP/"

xg_log "## refusals: usage errors exit 2, failures exit 1"
s2_proxy_fails 2 "--listen ADDR:PORT is required" --backend "$WEB1_IP:80"
s2_proxy_fails 2 "at least one --backend" --listen "$LB_IP:80"
s2_proxy_fails 2 "backend 'web1': expected A.B.C.D:PORT" --listen "$LB_IP:80" --backend web1
s2_proxy_fails 2 "balance 'random': expected roundrobin or leastconn" --listen "$LB_IP:80" \
	--backend "$WEB1_IP:80" --balance random
s2_proxy_fails 2 "header-timeout '5s'" --listen "$LB_IP:80" --backend "$WEB1_IP:80" --header-timeout 5s
s2_proxy_fails 1 "cannot listen on 192.0.2.1:80: Cannot assign requested address" \
	--listen 192.0.2.1:80 --backend "$WEB1_IP:80"
s2_proxy_fails 1 "cannot open config $XG_TMP/none.conf" --config "$XG_TMP/none.conf"

cat >"$CONF" <<EOF
# S2: the proxy on lb's public address, web1 and web2 behind it
listen $LB_IP:80
backend $WEB1_IP:80
backend $WEB2_IP:80
EOF
xg_bg "$NS_LB" "$XDPGW" proxy --config "$CONF" --workers 1 --header-timeout 2 --read-timeout 10 \
	--connect-timeout 1 --max-fails 2 --fail-timeout 1 >"$PROXY_LOG" 2>"$XG_TMP/proxy.err"
PROXY_PID=$XG_LASTPID
wait_for 10 xg_listening "$NS_LB" tcp 80 || xg_fatal "proxy did not start: $(cat "$XG_TMP/proxy.err")"

# ---------------------------------------------------------------- 1. balancing
xg_log "## requests alternate between web1 and web2"
from=$(web_lines)
for i in 1 2 3 4 5 6 7 8 9 10; do status_of "http://$LB_IP/alt-$i" >/dev/null; done
seq=$(web_seq "$from" /alt-)
if [[ $seq == "web1 web2 "* ]]; then want="web1 web2 web1 web2 web1 web2 web1 web2 web1 web2 "
else want="web2 web1 web2 web1 web2 web1 web2 web1 web2 web1 "; fi
check_eq "10 GETs alternate web1/web2" "$want" "$seq"

# ---------------------------------------------------------------- 2. headers
xg_log "## what the web servers see"
body=$(body_of "http://$LB_IP/who")
check_eq "web sees the peer 10.100.20.1 (lb), not the client" "10.100.20.1" \
	"$(awk '$1 == "peer" { print $2 }' <<<"$body")"
check_eq "X-Forwarded-For: 198.51.100.10" "198.51.100.10" \
	"$(sed -n 's/^h X-Forwarded-For: //p' <<<"$body")"
check_eq "X-Real-IP: 198.51.100.10" "198.51.100.10" "$(sed -n 's/^h X-Real-IP: //p' <<<"$body")"
check_eq "X-Forwarded-Proto: http" "http" "$(sed -n 's/^h X-Forwarded-Proto: //p' <<<"$body")"
check_eq "Forwarded (RFC 7239) set" "for=198.51.100.10;proto=http;host=\"$LB_IP\";by=\"$LB_IP:80\"" \
	"$(sed -n 's/^h Forwarded: //p' <<<"$body")"
check_eq "Host passed through" "$LB_IP" "$(sed -n 's/^h Host: //p' <<<"$body")"
check_eq "upstream request is HTTP/1.1" "request GET /who HTTP/1.1" "$(grep '^request' <<<"$body")"
body=$(body_of -H 'X-Forwarded-For: 192.0.2.7' -H 'X-Real-IP: 192.0.2.66' \
	-H 'Forwarded: for=192.0.2.66' "http://$LB_IP/xff")
check_eq "X-Forwarded-For appended to" "192.0.2.7, 198.51.100.10" \
	"$(sed -n 's/^h X-Forwarded-For: //p' <<<"$body")"
check_eq "a client's X-Real-IP and Forwarded replaced" "198.51.100.10 for=198.51.100.10" \
	"$(sed -n 's/^h X-Real-IP: //p' <<<"$body") $(sed -n 's/^h Forwarded: \([^;]*\);.*/\1/p' <<<"$body")"
body=$(body_of -H 'Connection: keep-alive, X-Secret' -H 'X-Secret: 1' -H 'Keep-Alive: timeout=5' \
	-H 'Proxy-Connection: keep-alive' -H 'TE: trailers' -H 'Upgrade: h2c' \
	-H 'Proxy-Authorization: Basic eA==' -H 'X-Kept: yes' "http://$LB_IP/hop")
check_eq "hop-by-hop fields removed, others kept" "X-Kept" \
	"$(grep -oiE '^h (x-secret|keep-alive|proxy-connection|te|upgrade|connection|proxy-authorization|x-kept):' <<<"$body" |
		sed 's/^h //; s/:$//' | tr '\n' ' ' | sed 's/ $//')"
# A fresh proxy (no pooled upstream connection yet) for one request, with
# tcpdump on both sides of lb: two TCP connections, each its own handshake.
proxy_start 85 "$XG_TMP/p85.log" --backend "$WEB2_IP:80"
P85=$XG_LASTPID
cap_ext=$XG_TMP/eth0.cap cap_in=$XG_TMP/in0.cap
xg_tcpdump_start "$NS_LB" eth0 "$cap_ext" || xg_fatal "tcpdump on lb eth0 did not start"
TD1=$XG_LASTPID
xg_tcpdump_start "$NS_LB" in0 "$cap_in" || xg_fatal "tcpdump on lb in0 did not start"
TD2=$XG_LASTPID
status_of "http://$LB_IP:85/two-connections" >/dev/null
xg_tcpdump_stop "$TD1" "$cap_ext"
xg_tcpdump_stop "$TD2" "$cap_in"
read -r ext_src ext_port ext_seq <<<"$(xg_syn "$cap_ext")"
read -r in_src in_port in_seq <<<"$(xg_syn "$cap_in")"
xg_log "    eth0: SYN $ext_src:$ext_port seq $ext_seq; in0: SYN $in_src:$in_port seq $in_seq"
check_eq "client -> lb connection comes from the client" "$CLIENT_IP" "$ext_src"
check_eq "lb -> web2 connection comes from lb's in0" "10.100.20.1" "$in_src"
check "two connections: different ports and sequence numbers" \
	test -n "$ext_seq" -a -n "$in_seq" -a "$ext_port:$ext_seq" != "$in_port:$in_seq" -a "$ext_seq" != "$in_seq"
for i in 1 2 3 4 5; do status_of "http://$LB_IP:85/pool-$i" >/dev/null; done
check_eq "upstream keep-alive: 5 client connections, 1 upstream connection (web2's peer ports)" 1 \
	"$(awk '$5 ~ /^\/pool-/ { print $3 }' "$XG_TMP/web.log" | sort -u | wc -l)"
xg_stop "$P85"
check "access log line: client, method, path, status, bytes, upstream, duration" \
	grep -qE "^client=$CLIENT_IP:[0-9]+ method=GET path=/who status=200 bytes=[1-9][0-9]* upstream=10\.100\.20\.5[78]:80 ms=[0-9.]+$" "$PROXY_LOG"

# ---------------------------------------------------------------- 3. HTTP/1.x
xg_log "## keep-alive, pipelining, 1.0, chunked, Expect, read to close"
check_eq "keep-alive: 3 requests on 1 client connection" "200 1 200 0 200 0" \
	"$(cl curl -sS --max-time 10 -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
		"http://$LB_IP/k1" "http://$LB_IP/k2" "http://$LB_IP/k3" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
from=$(web_lines)
check_eq "3 pipelined requests answered in order" "statuses=200,200,200 closed=yes" \
	"$(hc raw "$LB_IP" 80 'GET /pipe-1 HTTP/1.1\r\nHost: a\r\n\r\nGET /pipe-2 HTTP/1.1\r\nHost: a\r\n\r\nGET /pipe-3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')"
check_eq "... and reached the webs in order" "/pipe-1 /pipe-2 /pipe-3" \
	"$(awk -v f="$from" 'NR > f { printf "%s%s", s, $5; s = " " }' "$XG_TMP/web.log")"
check_eq "HTTP/1.0 client" "200" "$(status_of --http1.0 "http://$LB_IP/ten")"
check_eq "HEAD: the length of what GET would send, no body" "1234 0" \
	"$(cl curl -sS --max-time 10 -I -w '%{size_download}' "http://$LB_IP/big?n=1234" |
		awk 'tolower($1) == "content-length:" { n = $2 + 0 } END { print n " " $0 }')"
check_eq "chunked response to a 1.1 client" "100000 chunked" \
	"$(cl curl -sS --max-time 10 -D - -o /dev/null -w '%{size_download}' "http://$LB_IP/chunked?n=100000" |
		awk 'tolower($1) == "transfer-encoding:" { te = $2 } END { sub(/\r/, "", te); print $0 " " te }')"
check_eq "chunked response to a 1.0 client comes unchunked" "100000" \
	"$(cl curl -sS --max-time 10 --http1.0 -o /dev/null -w '%{size_download}' "http://$LB_IP/chunked?n=100000")"
check_eq "response without a length (read to close)" "100000" \
	"$(cl curl -sS --max-time 10 -o /dev/null -w '%{size_download}' "http://$LB_IP/close?n=100000")"
head -c 100000 /dev/urandom >"$XG_TMP/small.bin"
sum=$(sha256sum <"$XG_TMP/small.bin" | cut -c1-64)
out=$(cl curl -sS -v --max-time 10 -H 'Expect: 100-continue' --data-binary "@$XG_TMP/small.bin" \
	"http://$LB_IP/upload" 2>&1)
check_eq "Expect: 100-continue: 100 then the upload's answer" "1 len=100000 sha256=$sum" \
	"$(grep -c '^< HTTP/1.1 100 Continue' <<<"$out") $(grep '^len=' <<<"$out")"
check_eq "chunked request body" "len=100000 sha256=$sum" \
	"$(body_of -H 'Transfer-Encoding: chunked' --data-binary "@$XG_TMP/small.bin" "http://$LB_IP/upload")"

# ---------------------------------------------------------------- 4. failover
xg_log "## kill web1 mid-run: no failed GET, web2 takes all; web1 back is used again"
s2_load_start "$XG_TMP/failover.out" --clients 2 --new-conn --interval 0.02 --path /failover
from=$(web_lines)
wait_for 10 web_count_ge "$from" web1 10 || xg_failed "load reached web1" ">= 10" "$(web_count "$from" web1)"
kill -KILL "$WEB1_PID"
wait_for 5 xg_dead "$WEB1_PID"
wait "$WEB1_PID" 2>/dev/null # no "Killed" notice from bash
at_kill=$(web_lines)
wait_for 10 web_count_ge "$at_kill" web2 100
check "proxy marked web1 down" proxy_said "backend $WEB1_IP:80 down"
s2_web_start 1
at_back=$(web_lines)
wait_for 10 web_count_ge "$at_back" web1 10
s2_load_stop
check "web1 is used again once back" test "$(web_count "$at_back" web1)" -ge 10
check "... and the proxy said it is up" proxy_said "backend $WEB1_IP:80 is up again"
check_eq "no failed GET while web1 died and came back" "fail=0" \
	"$(grep -oE 'fail=[0-9]+' "$XG_TMP/failover.out")"
check "the load ran (over 100 requests)" \
	test "$(grep -oE 'ok=[0-9]+' "$XG_TMP/failover.out" | cut -d= -f2)" -gt 100

# ---------------------------------------------------------------- 5. big bodies
xg_log "## 200 MB upload and download, 10 MB to a slow reader: proxy memory stays bounded"
BIG=$((200 * 1024 * 1024))
python3 -c "
import sys
p = bytes(range(256)) * 64
n = $BIG
out = sys.stdout.buffer
while n > 0:
    k = min(n, len(p)); out.write(p[:k]); n -= k
" >"$XG_TMP/big.bin"
big_sum=$(sha256sum <"$XG_TMP/big.bin" | cut -c1-64)
rss0=$(rss_kb "$PROXY_PID")
rm -f "$XG_TMP/rss.stop"
( max=0; while [ ! -e "$XG_TMP/rss.stop" ]; do
	r=$(rss_kb "$PROXY_PID"); [ "${r:-0}" -gt "$max" ] && max=$r; echo "$max" >"$XG_TMP/rss.max"; sleep 0.05
  done ) &
RSS_PID=$!
check_eq "200 MB download, every byte right" "$big_sum" \
	"$(cl curl -sS --max-time 120 "http://$LB_IP/big?n=$BIG" | sha256sum | cut -c1-64)"
check_eq "200 MB upload (Content-Length)" "len=$BIG sha256=$big_sum" \
	"$(body_of --max-time 120 -T "$XG_TMP/big.bin" "http://$LB_IP/upload")"
check_eq "200 MB upload (chunked, from a pipe)" "len=$BIG sha256=$big_sum" \
	"$(cl sh -c "cat '$XG_TMP/big.bin' | curl -sS --max-time 120 -T - http://$LB_IP/upload")"
check_eq "10 MB to a client reading at 4 MB/s (back-pressure)" "10485760" \
	"$(cl curl -sS --max-time 30 --limit-rate 4M -o /dev/null -w '%{size_download}' "http://$LB_IP/big?n=10485760")"
head -c $((8 * 1024 * 1024)) "$XG_TMP/big.bin" >"$XG_TMP/mid.bin"
mid_sum=$(sha256sum <"$XG_TMP/mid.bin" | cut -c1-64)
check_eq "8 MB upload to a web reading at 2 MB/s (back-pressure)" "len=8388608 sha256=$mid_sum" \
	"$(body_of --max-time 30 -T "$XG_TMP/mid.bin" "http://$LB_IP/upload?bps=2097152")"
touch "$XG_TMP/rss.stop"
wait "$RSS_PID"
rss_max=$(cat "$XG_TMP/rss.max")
xg_log "    proxy RSS: ${rss0} kB before, ${rss_max} kB at most during the transfers"
check "proxy RSS stayed under 32 MB (it was $rss_max kB)" test "$rss_max" -lt 32768
rm -f "$XG_TMP/big.bin"

# ---------------------------------------------------------------- 6. slowloris
xg_log "## slowloris cut at the 2 s header timeout while others are served"
xg_bg "$NS_CLIENT" python3 "$CLIENT_TOOL" slowloris "$LB_IP" 80 --interval 0.2 --limit 10 \
	>"$XG_TMP/slowloris.out" 2>&1
SLOW_PID=$XG_LASTPID
ok=0
for i in 1 2 3 4 5; do [ "$(status_of "http://$LB_IP/meanwhile-$i")" = 200 ] && ok=$((ok + 1)); sleep 0.2; done
check_eq "5 GETs served while slowloris trickles" 5 "$ok"
wait_for 15 xg_dead "$SLOW_PID"
read -r closed resp <<<"$(sed 's/closed_after=//; s/response=//' "$XG_TMP/slowloris.out")"
check_eq "slowloris got 408" 408 "$resp"
check "... at the header timeout (2 s <= $closed s < 3.5 s)" \
	awk -v t="${closed:-0}" 'BEGIN { exit !(t >= 1.9 && t < 3.5) }'

# ---------------------------------------------------------------- 7. limits
xg_log "## oversize head 431, long URI 414"
big_hdr=$(head -c 20000 /dev/zero | tr '\0' a)
check_eq "a 20 KB header field: 431" 431 "$(status_of -H "X-Big: $big_hdr" "http://$LB_IP/big-header")"
check_eq "9000-byte URI: 414" 414 "$(status_of "http://$LB_IP/$(head -c 9000 /dev/zero | tr '\0' u)")"
check "neither reached a web" sh -c "! grep -qE '/big-header|/uuuu' '$XG_TMP/web.log'"

# ---------------------------------------------------------------- 8. smuggling
xg_log "## smuggling vectors: 400 and close, never forwarded"
vectors=(
	'CL.TE|POST /smuggle-1 HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX'
	'TE.CL|POST /smuggle-2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nX'
	'two lengths|POST /smuggle-3 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'
	'space before colon|POST /smuggle-4 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'
	'obs-fold TE|POST /smuggle-5 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n'
	'TE chunked twice|POST /smuggle-6 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n'
	'bare LF|GET /smuggle-7 HTTP/1.1\nHost: a\r\n\r\n'
	'bare CR|GET /smuggle-8 HTTP/1.1\r\nHost: a\rX: y\r\n\r\n'
	'malformed request line|GET  /smuggle-9 HTTP/1.1\r\nHost: a\r\n\r\n'
	'TE in HTTP/1.0|POST /smuggle-10 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	'NUL in a field|GET /smuggle-11 HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n'
	'two Host fields|GET /smuggle-12 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
)
from=$(web_lines)
for v in "${vectors[@]}"; do
	check_eq "${v%%|*}: 400 and closed" "statuses=400 closed=yes" "$(hc raw "$LB_IP" 80 "${v#*|}")"
done
check_eq "no smuggling vector reached a web" "" "$(awk -v f="$from" 'NR > f' "$XG_TMP/web.log")"
# A chunked body whose head was fine: a body that fits the buffer is checked
# before any backend is chosen, so no web gets its head, its bad bytes or the
# request hidden behind them (test_proxy_smuggling.sh has more).
from=$(web_lines)
check_eq "invalid chunk size: 400 and closed" "statuses=400 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\nGET /smuggled-2 HTTP/1.1\r\nHost: a\r\n\r\n')"
check_eq "... nothing of it reached a web" "" "$(awk -v f="$from" 'NR > f' "$XG_TMP/web.log")"

# ---------------------------------------------------------------- 9. 1000 clients
xg_log "## 1000 concurrent keep-alive clients"
out=$(cl sh -c "ulimit -n 8192; python3 '$CLIENT_TOOL' load $LB_IP 80 --clients 1000 --requests 3 --path /many")
check_eq "1000 clients x 3 requests on 1000 connections, all 200" \
	"ok=3000 fail=0 conns=1000 statuses=200:3000" "$(cut -d' ' -f1-4 <<<"$out")"
check "both webs served them ($out)" grep -qE 'backends=web1:[0-9]+,web2:[0-9]+ ' <<<"$out"

# ---------------------------------------------------------------- 10. SIGHUP
xg_log "## SIGHUP with changed backends drops nothing"
s2_load_start "$XG_TMP/reload.out" --clients 20 --interval 0.02 --path /reload
from=$(web_lines)
wait_for 10 web_count_ge "$from" web1 20
sed -i "/^backend $WEB1_IP/d" "$CONF"
kill -HUP "$PROXY_PID"
wait_for 5 proxy_said "reloaded: 1 backends" || xg_failed "proxy reloaded" "reloaded: 1 backends" "$(tail -n 3 "$XG_TMP/proxy.err")"
# the worker takes the new configuration on its next turn, and requests sent
# to web1 before may still be logged: wait until the last 20 were web2's
last_20_web2() { [ "$(tail -n 20 "$XG_TMP/web.log" | awk '$1 != "web2"' | wc -l)" = 0 ]; }
check "after SIGHUP without web1, the requests turn to web2" wait_for 10 last_20_web2
# A request web1 took before the reload may be logged late (a slow web
# logs it hundreds of ms later, after 20 of web2's): requests made from
# here on are new, and none may reach web1.
from=$(web_lines)
for i in 1 2 3 4 5 6 7 8 9 10; do status_of "http://$LB_IP/after-hup-$i" >/dev/null; done
check_eq "after SIGHUP without web1: ten new requests, all to web2" \
	"web2 web2 web2 web2 web2 web2 web2 web2 web2 web2 " "$(web_seq "$from" /after-hup-)"
echo "backend $WEB1_IP:80" >>"$CONF"
kill -HUP "$PROXY_PID"
wait_for 5 proxy_said "reloaded: 2 backends"
at_two=$(web_lines)
check "web1 back in the configuration gets requests" \
	wait_for 10 web_count_ge "$at_two" web1 20
s2_load_stop
check_eq "20 keep-alive clients through two reloads: none failed, none reconnected" \
	"fail=0 conns=20" "$(grep -oE 'fail=[0-9]+ conns=[0-9]+' "$XG_TMP/reload.out")"
check "same proxy process" xg_alive "$PROXY_PID"
echo "balance sideways" >>"$CONF"
kill -HUP "$PROXY_PID"
check "a broken configuration is refused on SIGHUP, the old one kept" \
	wait_for 5 proxy_said "keeping the running configuration"
check_eq "... and traffic goes on" 200 "$(status_of "http://$LB_IP/after-bad-reload")"
sed -i '/^balance sideways/d' "$CONF"

# ---------------------------------------------------------------- more limits
xg_log "## max connections: new ones refused cleanly, existing ones keep working"
proxy_start 81 "$XG_TMP/p81.log" --backend "$WEB1_IP:80" --max-conns 5
P81=$XG_LASTPID
xg_bg "$NS_CLIENT" python3 "$CLIENT_TOOL" hold "$LB_IP" 81 --clients 5 --hold 30 \
	--ready-file "$XG_TMP/hold.ready" --stop-file "$XG_TMP/hold.stop" >"$XG_TMP/hold.out" 2>&1
HOLD_PID=$XG_LASTPID
wait_for 10 test -s "$XG_TMP/hold.ready"
check_eq "5 connections held open" "ok=5 fail=0 conns=5" "$(cut -d' ' -f1-3 "$XG_TMP/hold.ready")"
check_eq "a 6th connection gets 503" 503 "$(status_of "http://$LB_IP:81/sixth")"
touch "$XG_TMP/hold.stop"
wait_for 15 xg_dead "$HOLD_PID"
check_eq "the 5 held connections still work (a 2nd request each)" "ok=10 fail=0 conns=5" \
	"$(cut -d' ' -f1-3 "$XG_TMP/hold.out")"
check_eq "after they left, a new connection is served" 200 "$(status_of "http://$LB_IP:81/later")"
xg_stop "$P81"

xg_log "## upstream timeout 504, no usable backend 502"
proxy_start 92 "$XG_TMP/p92.log" --backend "$WEB1_IP:80" --read-timeout 2
check_eq "web answers after 3.5 s, read timeout 2 s: 504" 504 "$(status_of "http://$LB_IP:92/slow?ms=3500")"
check "... and the proxy said why" grep -q "backend $WEB1_IP:80: no response in 2000 ms" "$XG_TMP/p92.log.err"
check_eq "a client that stops in the middle of its body: 408 after 2 s" "statuses=408 closed=yes" \
	"$(hc raw "$LB_IP" 92 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc' --timeout 5)"
xg_stop "$XG_LASTPID"
proxy_start 82 "$XG_TMP/p82.log" --backend "$WEB1_IP:81"
check_eq "the only backend refuses: 502" 502 "$(status_of "http://$LB_IP:82/")"
check "... and the proxy said why" grep -q "backend $WEB1_IP:81: .*refused" "$XG_TMP/p82.log.err"
xg_stop "$XG_LASTPID"

xg_log "## workers, leastconn, weights, no retry of a POST, idle and connect timeouts"
proxy_start 86 "$XG_TMP/p86.log" --backend "$WEB1_IP:80" --backend "$WEB2_IP:80" --workers 2
check_eq "--workers 2: two listening sockets share the port" 2 \
	"$(lb ss -Hltn "sport = :86" | wc -l)"
out=$(hc load "$LB_IP" 86 --clients 200 --requests 5 --path /workers)
check_eq "... and serve 200 clients x 5 requests" "ok=1000 fail=0 conns=200" "$(cut -d' ' -f1-3 <<<"$out")"
xg_stop "$XG_LASTPID"

proxy_start 87 "$XG_TMP/p87.log" --backend "$WEB1_IP:80" --backend "$WEB2_IP:80" --balance leastconn
P87=$XG_LASTPID
xg_bg "$NS_CLIENT" curl -sS --max-time 15 -o /dev/null "http://$LB_IP:87/slow?ms=6000"
SLOWREQ=$XG_LASTPID
wait_for 5 grep -q '/slow?ms=6000' "$XG_TMP/web.log"
busy=$(awk '$5 == "/slow?ms=6000" { n = $1 } END { print n }' "$XG_TMP/web.log")
other=web1; [ "$busy" = web1 ] && other=web2
from=$(web_lines)
for i in 1 2 3 4; do status_of "http://$LB_IP:87/lc-$i" >/dev/null; done
check_eq "leastconn: while $busy holds a slow request, the next 4 go to $other" \
	"$other $other $other $other " "$(web_seq "$from" /lc-)"
wait_for 12 xg_dead "$SLOWREQ"
xg_stop "$P87"

proxy_start 88 "$XG_TMP/p88.log" --backend "$WEB1_IP:80,weight=3" --backend "$WEB2_IP:80"
from=$(web_lines)
for i in 1 2 3 4 5 6 7 8; do status_of "http://$LB_IP:88/w-$i" >/dev/null; done
check_eq "weights 3:1: 8 requests, 6 to web1 and 2 to web2" "6 2" \
	"$(web_count "$from" web1) $(web_count "$from" web2)"
xg_stop "$XG_LASTPID"

# nothing listens on web1:81: the first pick of each turn is refused
proxy_start 89 "$XG_TMP/p89.log" --backend "$WEB1_IP:81" --backend "$WEB2_IP:80"
check_eq "refused: a POST is not retried (502); a GET is, on the other backend (200)" "502 200 200" \
	"$(status_of -X POST -d x "http://$LB_IP:89/post") $(status_of "http://$LB_IP:89/get-1") $(status_of "http://$LB_IP:89/get-2")"
check_eq "... the POST never reached web2" "" "$(grep ' POST /post ' "$XG_TMP/web.log")"
xg_stop "$XG_LASTPID"

proxy_start 90 "$XG_TMP/p90.log" --backend "$WEB2_IP:80" --idle-timeout 1
out=$(hc raw "$LB_IP" 90 'GET /idle HTTP/1.1\r\nHost: a\r\n\r\n' --timeout 5 --timed)
idle_ms=${out##*after_ms=}
check_eq "idle keep-alive connection closed by the proxy" "statuses=200 closed=yes" "${out% after_ms=*}"
check "... after the 1 s idle timeout (took $idle_ms ms)" test "$idle_ms" -ge 900 -a "$idle_ms" -lt 2500
xg_stop "$XG_LASTPID"

# 10.100.20.99 does not exist: its SYN waits for ARP that never answers
proxy_start 91 "$XG_TMP/p91.log" --backend 10.100.20.99:80 --connect-timeout 500ms
t0=$(xg_now_ms)
check_eq "connect timeout (500 ms): 504" 504 "$(status_of "http://$LB_IP:91/")"
t1=$(xg_now_ms)
check "... after about 500 ms (took $((t1 - t0)) ms)" test $((t1 - t0)) -ge 450 -a $((t1 - t0)) -lt 2000
xg_stop "$XG_LASTPID"

xg_log "## active health check"
proxy_start 83 "$XG_TMP/p83.log" --backend "$WEB1_IP:80" --backend "$WEB2_IP:80" \
	--health-check /healthz --health-interval 200ms
P83=$XG_LASTPID
touch "$XG_TMP/web1.down"
check "web1 failing /healthz is marked down" \
	wait_for 5 grep -q "backend $WEB1_IP:80: health check failed" "$XG_TMP/p83.log.err"
from=$(web_lines)
for i in 1 2 3 4 5 6; do status_of "http://$LB_IP:83/hc-$i" >/dev/null; done
check_eq "while down, all requests go to web2" "web2 web2 web2 web2 web2 web2 " "$(web_seq "$from" /hc-)"
rm -f "$XG_TMP/web1.down"
check "web1 passing /healthz again is up" \
	wait_for 5 grep -q "backend $WEB1_IP:80: health check passed" "$XG_TMP/p83.log"
from=$(web_lines)
for i in 1 2 3 4; do status_of "http://$LB_IP:83/hc2-$i" >/dev/null; done
check_eq "... and used again" "2 2" "$(web_seq "$from" /hc2- | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s%s", s, $1; s = " " }')"
xg_stop "$P83"

# ---------------------------------------------------------------- valgrind
if grep -qa __asan_init "$XDPGW"; then
	xg_skip_check "valgrind: $XDPGW is built with ASan (which checks the same)"
elif command -v valgrind >/dev/null; then
	xg_log "## the proxy under valgrind: no memory error, no leak"
	xg_bg "$NS_LB" valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file="$XG_TMP/valgrind.txt" "$XDPGW" proxy --listen "$LB_IP:84" \
		--backend "$WEB1_IP:80" --backend "$WEB2_IP:80" --backend "$WEB1_IP:81" \
		--header-timeout 1 >"$XG_TMP/p84.log" 2>&1
	VG=$XG_LASTPID
	wait_for 30 xg_listening "$NS_LB" tcp 84
	for i in 1 2 3 4; do status_of "http://$LB_IP:84/vg-$i" >/dev/null; done
	hc raw "$LB_IP" 84 'GET /vg-p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /vg-p2 HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n' >/dev/null
	body_of -H 'Transfer-Encoding: chunked' --data-binary "@$XG_TMP/small.bin" "http://$LB_IP:84/upload" >/dev/null
	cl curl -sS --max-time 10 --http1.0 -o /dev/null "http://$LB_IP:84/chunked?n=50000"
	hc slowloris "$LB_IP" 84 --interval 0.2 --limit 5 >/dev/null
	hc load "$LB_IP" 84 --clients 50 --requests 4 --path /vg-many >/dev/null
	xg_stop "$VG" 30
	vg_rc=$?
	check_eq "valgrind: exit 0 after SIGTERM, no error" "0 0" \
		"$vg_rc $(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$XG_TMP/valgrind.txt")"
	check "valgrind: nothing definitely lost" \
		grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' "$XG_TMP/valgrind.txt"
else
	xg_skip_check "valgrind not installed"
fi

# ---------------------------------------------------------------- SIGTERM
xg_log "## SIGTERM: stop accepting, finish the request in flight, exit 0"
xg_bg "$NS_CLIENT" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$LB_IP/slow?ms=1501" \
	>"$XG_TMP/inflight.out" 2>&1
INFLIGHT=$XG_LASTPID
wait_for 5 grep -q '/slow?ms=1501' "$XG_TMP/web.log"
kill -TERM "$PROXY_PID"
check "new connections refused at once" wait_for 3 sh -c \
	"! ip netns exec $NS_CLIENT curl -s --max-time 1 -o /dev/null http://$LB_IP/too-late"
wait_for 10 xg_dead "$INFLIGHT"
check_eq "the request in flight was answered" 200 "$(cat "$XG_TMP/inflight.out")"
xg_stop "$PROXY_PID" 10
check_eq "the proxy exited 0" 0 "$?"
check_eq "no sanitizer report (for an ASan build)" "" \
	"$(grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$XG_TMP"/*.err 2>/dev/null)"

xg_summary
