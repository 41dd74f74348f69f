#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S2 (the picture is in test_proxy_balance.sh): the proxy against number
# overflows, request bodies that turn bad, absolute-form targets, fields
# named with '_', lower-case methods, and clients that try to take the only
# backend down. Each case asserts what the webs received: their request log
# (web.log), their body log (web.log.body: complete or cut, framing,
# extensions, trailers) or the echo of what a web saw, not only the status.
# Exit: 0 pass, 1 fail, 4 skip.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

s2_test_setup

CLIENT_TOOL=$XG_TOOLS/http_client.py
BODY_LOG=$XG_TMP/web.log.body
hc() { cl python3 "$CLIENT_TOOL" "$@"; }
body_of() { cl curl -sS --max-time 10 "$@" 2>&1; }
# new_web_lines FROM : what the webs logged after line FROM ("" for nothing).
new_web_lines() { awk -v f="$1" 'NR > f' "$XG_TMP/web.log"; }
# body_said PATH : the body log's words after "NAME PATH" for PATH.
body_said() { awk -v p="$1" '$2 == p { $1 = $2 = ""; sub(/^ +/, ""); print }' "$BODY_LOG" 2>/dev/null; }

xg_log "# S2 proxy: smuggling and availability, namespaces {client,lb,web1,web2}-$XG_ID"
: >"$XG_TMP/web.log"
: >"$BODY_LOG"
s2_web_start 1
s2_web_start 2
s2_proxy_start 80 "$XG_TMP/p80.log" --backend "$WEB1_IP:80" --read-timeout 2

# ---------------------------------------------------------------- numbers
xg_log "## Content-Length and chunk sizes that overflow 64 bits: refused, nothing forwarded"
from=$(web_lines)
vectors=(
	'CL 2^64+5 (read as 5 if it wraps)|POST /ovf-1 HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551621\r\n\r\nhelloGET /smuggled-1 HTTP/1.1\r\nHost: a\r\n\r\n'
	'CL 2^64 (read as 0 if it wraps)|POST /ovf-2 HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\nGET /smuggled-2 HTTP/1.1\r\nHost: a\r\n\r\n'
	'CL 2^63|POST /ovf-3 HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n'
	'CL of 20 digits|POST /ovf-4 HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n'
	'chunk size 2^64+5|POST /ovf-5 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\nGET /smuggled-5 HTTP/1.1\r\nHost: a\r\n\r\n'
	'chunk size 2^64|POST /ovf-6 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\nGET /smuggled-6 HTTP/1.1\r\nHost: a\r\n\r\n'
	'lower-case method|get /lower HTTP/1.1\r\nHost: a\r\n\r\n'
	'absolute-form with userinfo|GET http://good@evil.example/ui HTTP/1.1\r\nHost: a\r\n\r\n'
)
for v in "${vectors[@]}"; do
	check_eq "${v%%|*}: 400 and closed" "statuses=400 closed=yes" "$(hc raw "$LB_IP" 80 "${v#*|}")"
done
check_eq "... none reached a web" "" "$(new_web_lines "$from")"
check_eq "CL with leading zeros (24 digits, 5): the web got a body of 5" \
	"statuses=200 closed=yes complete len=5 framing=length exts=0 trailers=-" \
	"$(hc raw "$LB_IP" 80 'POST /lz HTTP/1.1\r\nHost: a\r\nContent-Length: 000000000000000000000005\r\nConnection: close\r\n\r\nhello') $(body_said /lz)"
for cl in 18446744073709551621 18446744073709551616 9223372036854775808 abc; do
	check_eq "a response with Content-Length $cl: 502, never passed on" 502 \
		"$(status_of "http://$LB_IP/length?cl=$cl")"
done
check_eq "a response with Content-Length 0005: its 5 bytes" "hello" \
	"$(body_of "http://$LB_IP/length?cl=0005")"

# ---------------------------------------------------------------- bodies
xg_log "## request bodies: checked whole before any backend hears of them"
from=$(web_lines)
check_eq "malformed chunk size: 400, closed" "statuses=400 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /bad-chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\nGET /smuggled-7 HTTP/1.1\r\nHost: a\r\n\r\n')"
check_eq "chunk longer than its size: 400, closed" "statuses=400 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /long-chunk HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloGET /smuggled-8 HTTP/1.1\r\n\r\n0\r\n\r\n')"
head -c 5000 /dev/zero | tr '\0' x >"$XG_TMP/ext.bin"
check_eq "chunk extension of 5000 bytes: 400, closed" "statuses=400 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /long-ext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;' --data-file "$XG_TMP/ext.bin")"
check_eq "body stalled after 3 of 10 bytes: 408 at the 2 s read timeout" "statuses=408 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /stalled HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc' --timeout 5)"
check_eq "client half-closes after 3 of 10 bytes: closed" "statuses=- closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /half-closed HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc' --half-close)"
check_eq "... none of these reached a web, not even its head" "" "$(new_web_lines "$from")"

out=$(hc raw "$LB_IP" 80 'POST /trailer HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n0\r\nContent-Length: 99\r\nX-Trailer: t\r\n\r\n' --dump --timeout 10)
check_eq "chunked with an extension and trailers: the web got Content-Length: 5, nothing else of it" \
	"h Content-Length: 5|body len=5 exts=0|" \
	"$(grep -E '^(h (Content-Length|Transfer-Encoding|X-Trailer)|body|trailer)' <<<"$out" | tr -d '\r' | tr '\n' '|')"
check_eq "... and logged it whole, by length, without extensions or trailers" \
	"complete len=5 framing=length exts=0 trailers=-" "$(body_said /trailer)"

# Over the buffer (64 KB) a body streams: chunked, it goes in the proxy's
# own chunks; a fault later cuts the upstream connection before the last
# chunk, so the web sees a body cut short, never a request behind it.
python3 - "$XG_TMP" <<'EOF'
import sys
d = sys.argv[1]
good = b"".join(b"1000;ext=%d\r\n" % i + b"a" * 4096 + b"\r\n" for i in range(40))
with open(d + "/big-good.bin", "wb") as f:
    f.write(good + b"0\r\nContent-Length: 99\r\nX-Trailer: t\r\n\r\n")
with open(d + "/big-bad.bin", "wb") as f:
    f.write(good + b"zz\r\n\r\nGET /smuggled-9 HTTP/1.1\r\nHost: a\r\n\r\n")
EOF
check_eq "160 KB chunked body with extensions and trailers: answered" "statuses=200 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /big-good HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' --data-file "$XG_TMP/big-good.bin")"
check_eq "... the web got it whole, in chunks without extensions or trailers" \
	"complete len=163840 framing=chunked exts=0 trailers=-" "$(body_said /big-good)"
check_eq "160 KB chunked body, then a bad chunk: 400, closed" "statuses=400 closed=yes" \
	"$(hc raw "$LB_IP" 80 'POST /big-bad HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' --data-file "$XG_TMP/big-bad.bin")"
wait_for 5 grep -q ' /big-bad ' "$BODY_LOG"
check "... the web saw that body cut short ($(body_said /big-bad))" \
	grep -q '^web1 /big-bad cut ' "$BODY_LOG"
check "... and no smuggled request" sh -c "! grep -q smuggled '$XG_TMP/web.log'"

# ---------------------------------------------------------------- targets and fields
xg_log "## absolute-form targets, fields named with '_'"
out=$(body_of --request-target 'http://evil.example/abs?x=1' -H 'Host: good.example' "http://$LB_IP/")
check_eq "absolute-form: the web got the origin form, Host from the authority" \
	"request GET /abs?x=1 HTTP/1.1|h Host: evil.example|" \
	"$(grep -E '^(request|h Host:)' <<<"$out" | tr '\n' '|')"
out=$(body_of --request-target 'http://evil.example:8080' -H 'Host: good.example' "http://$LB_IP/")
check_eq "absolute-form without a path: /" "request GET / HTTP/1.1|h Host: evil.example:8080|" \
	"$(grep -E '^(request|h Host:)' <<<"$out" | tr '\n' '|')"
under=(-H 'X_Real_IP: 192.0.2.66' -H 'Content_Length: 99' -H 'X_Custom: u' -H 'X-Custom: d')
out=$(body_of "${under[@]}" "http://$LB_IP/under")
check_eq "fields with '_' dropped; X-Real-IP is the proxy's" "h X-Custom: d|h X-Real-IP: $CLIENT_IP|" \
	"$(grep -iE '^h (x[-_]custom|x[-_]real[-_]ip|content[-_]length):' <<<"$out" | sort | tr '\n' '|')"
s2_proxy_start 81 "$XG_TMP/p81.log" --backend "$WEB1_IP:80" --underscores-in-headers on
out=$(body_of "${under[@]}" "http://$LB_IP:81/under-on")
check_eq "... passed with --underscores-in-headers on" \
	"h Content_Length: 99|h X-Custom: d|h X-Real-IP: $CLIENT_IP|h X_Custom: u|h X_Real_IP: 192.0.2.66|" \
	"$(grep -iE '^h (x[-_]custom|x[-_]real[-_]ip|content[-_]length):' <<<"$out" | LC_ALL=C sort | tr '\n' '|')"
xg_stop "$XG_LASTPID"

# ---------------------------------------------------------------- codings
xg_log "## a response with Transfer-Encoding: gzip, chunked"
hc raw "$LB_IP" 80 'GET /te-gzip HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' --dump --timeout 10 >"$XG_TMP/gzip.out"
check_eq "passed to a 1.1 client as it is" "HTTP/1.1 200 OK|Transfer-Encoding: gzip, chunked|" \
	"$(grep -aE '^(HTTP/|Transfer-Encoding)' "$XG_TMP/gzip.out" | tr -d '\r' | tr '\n' '|')"
check_eq "... its body dechunks and gunzips" "hello gzip" "$(python3 -c '
import gzip, sys
body = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1]
size, rest = body.split(b"\r\n", 1)
print(gzip.decompress(rest[:int(size, 16)]).decode().strip())' "$XG_TMP/gzip.out" 2>&1)"
check_eq "a 1.0 client cannot be told about gzip: 502" "statuses=502 closed=yes" \
	"$(hc raw "$LB_IP" 80 'GET /te-gzip HTTP/1.0\r\n\r\n')"

# ---------------------------------------------------------------- availability
xg_log "## one client cannot take the only backend down"
s2_proxy_start 82 "$XG_TMP/p82.log" --backend "$WEB1_IP:80" --max-fails 2 --read-timeout 300ms
P82=$XG_LASTPID
check_eq "3 malformed responses (Content-Length: abc): 502 each" "502 502 502" \
	"$(for i in 1 2 3; do status_of "http://$LB_IP:82/length?cl=abc"; echo; done | tr '\n' ' ' | sed 's/ $//')"
check_eq "3 GETs timing out: 504 each" "504 504 504" \
	"$(for i in 1 2 3; do status_of "http://$LB_IP:82/slow?ms=700"; echo; done | tr '\n' ' ' | sed 's/ $//')"
from=$(web_lines)
check_eq "the next request is served" 200 "$(status_of "http://$LB_IP:82/after")"
check_eq "... by web1" "web1 " "$(web_seq "$from" /after)"
check "the proxy said it kept the last backend up" \
	grep -q "backend $WEB1_IP:80: .* failures, but no other backend is up: kept" "$XG_TMP/p82.log.err"
xg_stop "$P82"

xg_log "## with two backends and --max-fails 1: what marks one down and what does not"
s2_proxy_start 83 "$XG_TMP/p83.log" --backend "$WEB1_IP:80" --backend "$WEB2_IP:80" \
	--max-fails 1 --read-timeout 300ms
P83=$XG_LASTPID
both_used() { # N: N GETs after these go to both webs, half each
	local from i
	from=$(web_lines)
	for i in $(seq "$1"); do status_of "http://$LB_IP:83/$2-$i" >/dev/null; done
	echo "$(web_count "$from" web1) $(web_count "$from" web2)"
}
check_eq "2 malformed responses: 502 each" "502 502" \
	"$(status_of "http://$LB_IP:83/length?cl=abc") $(status_of "http://$LB_IP:83/length?cl=abc")"
check_eq "... mark neither down: 4 GETs go to both" "2 2" "$(both_used 4 after-bad)"
check_eq "2 POSTs timing out: 504 each" "504 504" \
	"$(status_of -d x "http://$LB_IP:83/slow?ms=700") $(status_of -d x "http://$LB_IP:83/slow?ms=700")"
check_eq "... mark neither down (a slow upload is not a dead backend)" "2 2" "$(both_used 4 after-post)"
check "... and the proxy marked nothing down" sh -c "! grep -q 'down for' '$XG_TMP/p83.log.err'"
from=$(web_lines)
check_eq "a GET timing out: 504" 504 "$(status_of "http://$LB_IP:83/slow?ms=700")"
slow=$(awk -v f="$from" 'NR > f && $5 == "/slow?ms=700" { print $1 }' "$XG_TMP/web.log")
other=web1; [ "$slow" = web1 ] && other=web2
check_eq "... marks $slow down (max-fails 1): 4 GETs go to $other" \
	"$([ "$other" = web1 ] && echo "4 0" || echo "0 4")" "$(both_used 4 after-get)"
xg_stop "$P83"

xg_log "## early responses: the rest of a body still goes, both connections stay usable"
s2_proxy_start 85 "$XG_TMP/p85.log" --backend "$WEB1_IP:80"
P85=$XG_LASTPID
# early_posts N BYTES : 20 keep-alive clients POST N bodies of BYTES in all
# to /early, which answers 413 at once and reads the body afterwards (as
# nginx does); both more than the proxy holds before it connects (64 KB),
# 1 MB more than the sockets take before the answer comes
early_posts() {
	local n=$1 bytes=$2 from body_from out ups
	from=$(web_lines)
	body_from=$(wc -l <"$BODY_LOG")
	out=$(hc load "$LB_IP" 85 --clients 20 --requests $((n / 20)) --path /early --post-bytes "$bytes")
	check_eq "$n keep-alive POSTs of $bytes bytes answered early: a 413 each, on the 20 connections" \
		"fail=$n conns=20 statuses=413:$n errors=-" \
		"$(tr ' ' '\n' <<<"$out" | grep -E '^(fail|conns|statuses|errors)=' | xargs)"
	check_eq "... web1 got each whole body" "$n" "$(awk -v f="$body_from" -v l="len=$bytes" \
		'NR > f && $2 == "/early" && $3 == "complete" && $4 == l' "$BODY_LOG" | wc -l)"
	ups=$(awk -v f="$from" 'NR > f && $5 == "/early" { print $3 }' "$XG_TMP/web.log" | sort -u | wc -l)
	xg_log "    upstream connections web1 saw: $ups"
	check "... over the pool's few connections, not one each (<= 40)" test "$ups" -le 40
}
early_posts 500 102400
early_posts 100 1000000
xg_stop "$P85"

xg_log "## memory: idle keep-alive clients hold no buffer, after a request; it comes back"
s2_proxy_start 84 "$XG_TMP/p84.log" --backend "$WEB1_IP:80"
P84=$XG_LASTPID
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
rss_below() { [ "$(rss_kb "$P84")" -lt "$1" ]; }
no_clients() { [ "$(ip netns exec "$NS_LB" ss -Htn state established sport = :84 | wc -l)" -eq 0 ]; }
IDLE=2000
rss0=$(rss_kb "$P84")
# 50 requests at once: the web's thread per connection keeps up
xg_bg "$NS_CLIENT" sh -c "ulimit -n 8192; exec python3 '$CLIENT_TOOL' hold $LB_IP 84 --clients $IDLE \
	--parallel 50 --hold 60 --ready-file '$XG_TMP/idle.ready' --stop-file '$XG_TMP/idle.stop'" \
	>"$XG_TMP/idle.out" 2>&1
IDLE_PID=$XG_LASTPID
wait_for 90 test -s "$XG_TMP/idle.ready"
check_eq "$IDLE clients made a request each and stay connected" "ok=$IDLE fail=0 conns=$IDLE" \
	"$(cut -d' ' -f1-3 "$XG_TMP/idle.ready")"
# the exchanges' buffers are freed at once, unmapped within two trim
# intervals (1 s) unless reused
wait_for 5 rss_below $((rss0 + IDLE))
rss1=$(rss_kb "$P84")
xg_log "    proxy RSS: $rss0 kB before, $rss1 kB with $IDLE idle clients: $(((rss1 - rss0) * 1024 / IDLE)) bytes each"
check "an idle keep-alive client costs under 1 kB" test $(((rss1 - rss0) * 1024 / IDLE)) -lt 1024
touch "$XG_TMP/idle.stop"
wait_for 60 xg_dead "$IDLE_PID"
check_eq "... each made one more request after idling" "ok=$((2 * IDLE)) fail=0" \
	"$(cut -d' ' -f1-2 "$XG_TMP/idle.out")"
wait_for 10 no_clients
wait_for 5 rss_below $((rss0 + 512))
rss2=$(rss_kb "$P84")
xg_log "    proxy RSS once they closed: $rss2 kB"
check "... and the RSS comes back once they closed (within 512 kB)" test "$rss2" -lt $((rss0 + 512))
xg_stop "$P84"

check_eq "no sanitizer report (for an ASan build)" "" \
	"$(grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$XG_TMP"/*.err 2>/dev/null)"
xg_summary
