#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S2 with TLS: `xdpgw proxy` terminates HTTPS on lb (203.0.113.1:443) beside
# plain HTTP (:80), in front of web1 and web2 (tools/http_backend.py, which
# log every request and echo its headers). The picture is test_proxy_balance.sh's.
#
# The test makes its own CA with the openssl CLI and two certificates signed
# by it (www.example.com and alt.example.com, ECDSA P-256). Clients in the
# client namespace: curl --cacert, openssl s_client and tools/http_tls.py.
#
# Checks: startup refusals for each bad input; HTTPS spread over both webs,
# which see X-Forwarded-Proto https and X-Forwarded-For; the access log's
# TLS version and SNI; TLS 1.3 and the certificate chosen by SNI; TLS 1.1,
# a ClientHello of garbage and a stalled handshake refused or timed out
# while another client's download goes on intact; close_notify; a bare RST
# without noise; SIGHUP with a new certificate (new connections get it, an
# old keep-alive one goes on) and with a bad file (the old one stays).
# Exit: 0 pass, 1 fail, 4 skip.

source "$(dirname "$0")/lib.sh" || exit 1
source "$(dirname "$0")/pki.sh" || exit 1
set -u

s2_test_setup openssl sha256sum

TLS_TOOL=$XG_TOOLS/http_tls.py
PKI=$XG_TMP/pki
CONF=$XG_TMP/tls.conf
PROXY_LOG=$XG_TMP/proxy.log
WWW=www.example.com ALT=alt.example.com

tls() { cl python3 "$TLS_TOOL" "$@"; }
https() { cl curl -sS --max-time 20 --cacert "$PKI/ca.pem" --resolve "$WWW:443:$LB_IP" "$@"; }
# s_client ARGS... : openssl s_client from the client to lb:443, no input
s_client() { cl timeout 10 openssl s_client -connect "$LB_IP:443" -CAfile "$PKI/ca.pem" "$@" </dev/null 2>&1; }
subject_of() { sed -n 's/^subject=.*CN = \([^,]*\).*/\1/p' <<<"$1" | head -n 1; }

# ---------------------------------------------------------------- test PKI
xg_run pki_ca
xg_run pki_cert www "$WWW" -days 2
xg_run pki_cert alt "$ALT" -days 2
xg_run pki_cert www2 "$WWW v2" -days 2 # the same name, for the reload
xg_run pki_cert old "$WWW old" -days 0 # notAfter is now: expired a second later
cp "$PKI/www.pem" "$PKI/live.pem" && cp "$PKI/www.key" "$PKI/live.key"
wait_for 5 sh -c "! openssl x509 -checkend 0 -noout -in '$PKI/old.pem'" || xg_fatal "old.pem did not expire"

xg_log "# S2 TLS proxy, namespaces {client,lb,web1,web2}-$XG_ID"
: >"$XG_TMP/web.log"
s2_web_start 1
s2_web_start 2

# ---------------------------------------------------------------- refusals
xg_log "## bad input: a clear error before anything starts"
B=(--backend "$WEB1_IP:80")
L=(--listen "$LB_IP:80" --listen-tls "$LB_IP:443")
s2_proxy_fails 1 "certificate $PKI/none.pem: No such file or directory" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/none.pem" --tls-key "$PKI/www.key"
s2_proxy_fails 1 "key $PKI/none.key: No such file or directory" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/none.key"
s2_proxy_fails 1 "certificate $PKI: not a regular file" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI" --tls-key "$PKI/www.key"
s2_proxy_fails 1 "certificate $PKI/www.key: no PEM certificate in it" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/www.key" --tls-key "$PKI/www.key"
s2_proxy_fails 1 "key $PKI/alt.key does not match certificate $PKI/www.pem" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/alt.pem" --tls-key "$PKI/alt.key" --tls-cert "$PKI/www.pem" --tls-key "$PKI/alt.key"
s2_proxy_fails 2 "TLS needs at least one --tls-cert FILE --tls-key FILE" "${L[@]}" "${B[@]}"
s2_proxy_fails 2 "no --listen-tls" --listen "$LB_IP:80" "${B[@]}" --tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key"
s2_proxy_fails 2 "tls-cert $PKI/www.pem has no tls-key after it" "${L[@]}" "${B[@]}" --tls-cert "$PKI/www.pem"
s2_proxy_fails 2 "tls-min '1.1': expected 1.2 or 1.3" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key" --tls-min 1.1
s2_proxy_fails 1 "tls-ciphers: 'RC4-MD5' is not a TLS 1.2 cipher" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key" --tls-ciphers RC4-MD5
s2_proxy_fails 2 "listen-tls '$LB_IP:443': given twice" --listen-tls "$LB_IP:443" "${L[@]}" "${B[@]}" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key"
# a port in use: something else listens on :8443, with SO_REUSEPORT as our
# own workers (another xdpgw proxy would): refused all the same
xg_bg "$NS_LB" python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); s.bind(('$LB_IP', 8443)); s.listen(); time.sleep(60)"
BUSY=$XG_LASTPID
wait_for 10 xg_listening "$NS_LB" tcp 8443 || xg_fatal "port-taker did not start"
s2_proxy_fails 1 "cannot listen on $LB_IP:8443: Address already in use" --listen "$LB_IP:80" \
	--listen-tls "$LB_IP:8443" "${B[@]}" --tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key"
check "... and :80 of that command was not left listening" sh -c "! ip netns exec $NS_LB ss -Htln | grep -q '$LB_IP:80 '"
xg_stop "$BUSY"
# an expired certificate: a warning, and the proxy serves it
s2_proxy_start 8444 "$XG_TMP/old.log" --listen-tls "$LB_IP:8445" "${B[@]}" \
	--tls-cert "$PKI/old.pem" --tls-key "$PKI/old.key"
OLD=$XG_LASTPID
check "expired certificate: a warning naming the file" \
	grep -qE "certificate $PKI/old.pem expired on .* \(serving it anyway\)" "$XG_TMP/old.log.err"
check "... and the proxy serves it" sh -c "ip netns exec $NS_CLIENT openssl s_client -connect $LB_IP:8445 </dev/null 2>&1 | grep -q 'CN = $WWW old'"
xg_stop "$OLD"

# ---------------------------------------------------------------- the proxy
# plain and TLS listeners side by side, two certificates, from a [proxy] file
cat >"$CONF" <<EOF
[proxy]
listen $LB_IP:80
listen-tls $LB_IP:443
tls-cert $PKI/live.pem
tls-key $PKI/live.key
tls-cert $PKI/alt.pem
tls-key $PKI/alt.key
backend $WEB1_IP:80
backend $WEB2_IP:80
EOF
xg_bg "$NS_LB" "$XDPGW" proxy --config "$CONF" --handshake-timeout 1 >"$PROXY_LOG" 2>"$XG_TMP/proxy.err"
PROXY_PID=$XG_LASTPID
wait_for 10 xg_listening "$NS_LB" tcp 443 || xg_fatal "proxy did not start: $(cat "$XG_TMP/proxy.err")"

xg_log "## HTTPS over both webs, what they see"
from=$(web_lines)
for i in 1 2 3 4; do https -o /dev/null "https://$WWW/tls-$i"; done
seq=$(web_seq "$from" /tls-)
check "4 HTTPS GETs alternate web1/web2 ($seq)" \
	test "$seq" = "web1 web2 web1 web2 " -o "$seq" = "web2 web1 web2 web1 "
body=$(https "https://$WWW/who")
check_eq "web sees X-Forwarded-Proto: https" https "$(sed -n 's/^h X-Forwarded-Proto: //p' <<<"$body")"
check_eq "web sees X-Forwarded-For: the client" "$CLIENT_IP" "$(sed -n 's/^h X-Forwarded-For: //p' <<<"$body")"
check_eq "Forwarded: proto=https, by the TLS listener" "for=$CLIENT_IP;proto=https;host=\"$WWW\";by=\"$LB_IP:443\"" \
	"$(sed -n 's/^h Forwarded: //p' <<<"$body")"
body=$(cl curl -sS --max-time 10 "http://$LB_IP/who")
check_eq "the plain listener beside it: X-Forwarded-Proto: http" http "$(sed -n 's/^h X-Forwarded-Proto: //p' <<<"$body")"
check "access log: TLS version and SNI" \
	grep -qE "^client=$CLIENT_IP:[0-9]+ method=GET path=/who status=200 .* tls=TLSv1.3 sni=$WWW$" "$PROXY_LOG"
check "access log: a plain request has no tls field" \
	grep -qE "^client=$CLIENT_IP:[0-9]+ method=GET path=/who status=200 .* ms=[0-9.]+$" "$PROXY_LOG"

# three requests in three TLS records in one TCP segment: the first read
# takes one record; "may read" stays set while more are left
check_eq "3 pipelined requests in 3 records, one segment: 3 answers" "statuses=200,200,200" \
	"$(tls pipeline "$LB_IP" 443 "$WWW" "$PKI/ca.pem")"

xg_log "## versions and certificates"
out=$(s_client -servername "$WWW")
check_eq "s_client: TLS 1.3, verified" "New, TLSv1.3 / Verify return code: 0 (ok)" \
	"$(grep -m1 -o 'New, TLSv1.3' <<<"$out") / $(grep -m1 -o 'Verify return code: 0 (ok)' <<<"$out")"
check_eq "SNI $WWW: its certificate" "$WWW" "$(subject_of "$out")"
check_eq "SNI $ALT: the other certificate" "$ALT" "$(subject_of "$(s_client -servername "$ALT")")"
check_eq "no SNI: the first pair" "$WWW" "$(subject_of "$(s_client -noservername)")"
check "TLS 1.2 accepted" sh -c "ip netns exec $NS_CLIENT timeout 10 openssl s_client -connect $LB_IP:443 -tls1_2 </dev/null 2>&1 | grep -q 'New, TLSv1.2'"

xg_log "## refused and stalled clients, while a download goes on"
want=$(cl curl -sS --max-time 20 "http://$LB_IP/big?n=20000000" | sha256sum)
xg_bg "$NS_CLIENT" sh -c "curl -sS --max-time 30 --limit-rate 8M --cacert $PKI/ca.pem --resolve $WWW:443:$LB_IP https://$WWW/big?n=20000000 | sha256sum >$XG_TMP/dl.sum"
DL=$XG_LASTPID
wait_for 10 grep -q 'big?n=20000000' "$XG_TMP/web.log"
errs=$(wc -l <"$XG_TMP/proxy.err")
out=$(s_client -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')
check "TLS 1.1 refused (protocol_version alert)" grep -q 'alert protocol version' <<<"$out"
check_eq "a ClientHello of garbage: closed, no HTTP" "http=no closed=yes" "$(tls garbage "$LB_IP" 443)"
check_eq "plain HTTP to the TLS port: closed, no HTTP" "http=no closed=yes" \
	"$(cl python3 "$XG_TOOLS/http_client.py" raw "$LB_IP" 443 'GET / HTTP/1.1\r\nHost: a\r\n\r\n' --timeout 5 | sed 's/statuses=[^ ]* //; s/closed=/http=no closed=/')"
out=$(tls stall "$LB_IP" 443)
ms=${out#closed_after_ms=}
check "a handshake stalled mid-ClientHello is closed at the 1 s handshake timeout ($out)" \
	test "$out" != open -a "$ms" -ge 900 -a "$ms" -lt 4000
out=$(tls rst "$LB_IP" 443 "$WWW" "$PKI/ca.pem" "/big?n=10000000")
check "a bare RST in the middle of a download ($out)" test "${out#got=}" -ge 65536
wait_for 30 xg_dead "$DL"
check_eq "the other client's 20 MB download went on intact" "$want" "$(cat "$XG_TMP/dl.sum")"
check_eq "no error noise from any of them on stderr" "" "$(tail -n +$((errs + 1)) "$XG_TMP/proxy.err")"
cut=$(sed -n 's|.*path=/big?n=10000000 status=200 bytes=\([0-9]*\) .*|\1|p' "$PROXY_LOG")
check "... logged with the bytes sent before the reset ($cut)" test -n "$cut" -a "${cut:-0}" -lt 10000000

xg_log "## close"
check_eq "close_notify before the FIN (Connection: close)" "status=200 close_notify=yes" \
	"$(tls close "$LB_IP" 443 "$WWW" "$PKI/ca.pem")"

xg_log "## SIGHUP: new certificates without dropping connections"
rm -f "$XG_TMP/go"
xg_bg "$NS_CLIENT" python3 "$TLS_TOOL" keepalive "$LB_IP" 443 "$WWW" "$PKI/ca.pem" "$XG_TMP/go" >"$XG_TMP/ka.out" 2>&1
KA=$XG_LASTPID
wait_for 10 grep -q first= "$XG_TMP/ka.out"
cp "$PKI/www2.pem" "$PKI/live.pem" && cp "$PKI/www2.key" "$PKI/live.key"
kill -HUP "$PROXY_PID"
check "reloaded" wait_for 10 grep -q reloaded "$PROXY_LOG"
check_eq "a new connection gets the new certificate" "$WWW v2" "$(subject_of "$(s_client -servername "$WWW")")"
check_eq "... alt.example.com's is still served" "$ALT" "$(subject_of "$(s_client -servername "$ALT")")"
touch "$XG_TMP/go"
wait_for 20 xg_dead "$KA"
check_eq "a keep-alive connection from before goes on (old certificate, 2 requests)" \
	"cert=$WWW first=200 second=200" "$(tr '\n' ' ' <"$XG_TMP/ka.out" | sed 's/ $//')"
echo "not a certificate" >"$PKI/live.pem"
kill -HUP "$PROXY_PID"
check "a bad file on SIGHUP: says which and why, keeps the running one" wait_for 10 grep -qF \
	"reload: certificate $PKI/live.pem: no PEM certificate in it; keeping the running configuration" \
	"$XG_TMP/proxy.err"
check_eq "... new connections still get the last good certificate" "$WWW v2" \
	"$(subject_of "$(s_client -servername "$WWW")")"
check_eq "... and are served" 200 "$(https -o /dev/null -w '%{http_code}' "https://$WWW/after-bad-reload")"

xg_log "## SIGTERM"
xg_stop "$PROXY_PID" 10
check_eq "the proxy exited 0" 0 "$?"
check_eq "no sanitizer report (for an ASan build)" "" \
	"$(grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$XG_TMP"/*.err 2>/dev/null)"

xg_summary
