#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S4, the whole path of document 003 (topology in s4.sh), with
# three xdpgw instances: rt1 (NAPT for cl1's LAN to 10.1.1.245), fw1
# (forward tcp 10.1.3.12:80 and :443 to 172.16.3.12, filter default drop,
# tcp 80 and 443 allowed) and lb1 (`xdpgw proxy` terminating TLS on
# 172.16.3.12:443, balancing over sv1 and sv2 with tools/http_backend.py,
# which logs each request: "NAME PEER_IP PEER_PORT METHOD PATH XFF").
#
# cl1 takes its address and DNS server from rt1's dnsmasq, resolves
# www.example.com to 10.1.3.12 through it and fetches pages with curl
# --cacert (the test's CA, pki.sh). Asserted at the far end: sv1 and sv2
# answer in turn and see the peer 172.16.2.254, X-Forwarded-For 10.1.1.245
# and X-Forwarded-Proto https; s_client shows TLS 1.3 and the certificate
# its SNI chose; TLS 1.1 and a ClientHello of garbage are refused while
# another client's download goes on intact; rt2 -> 10.1.3.12:22 is dropped
# and counted by fw1; `flows` shows the translations in rt1 and fw1.
#
# XG_PROXY_XDPGW: the binary lb1's proxy runs (test_path_https_asan.sh
# gives the ASan build; rt1 and fw1 keep $XDPGW).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/s4.sh"
source "$(dirname "$0")/pki.sh"

PROXY_BIN=${XG_PROXY_XDPGW:-$XDPGW}
xg_require_root
xg_require_tools ip tc python3 curl openssl dnsmasq udhcpc xdp-loader sha256sum
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
[ -x "$PROXY_BIN" ] || xg_skip_test "no proxy binary at $PROXY_BIN (make asan?)"
xg_init
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
s4_build
s4_dnsmasq || xg_fatal "dnsmasq did not start in rt1 (log: $XG_TMP/dnsmasq.log)"
s4_peers_xdp || xg_fatal "cannot give the veth peers a pass program"
xg_log "# S4 with binaries $XDPGW (rt1, fw1) and $PROXY_BIN (lb1), namespaces *-$XG_ID"

PKI=$XG_TMP/pki
xg_run pki_ca
xg_run pki_cert www "$S4_HOST" -days 2
xg_run pki_cert alt alt.example.com -days 2

# sv1, sv2 behind lb1; lb1's proxy; fw1 and rt1.
s4_servers || xg_fatal "sv1 and sv2 did not start"
xg_bg "$NS_LB1" "$PROXY_BIN" proxy --listen "$S4_LB_IP:80" --listen-tls "$S4_LB_IP:443" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key" \
	--tls-cert "$PKI/alt.pem" --tls-key "$PKI/alt.key" \
	--backend "$S4_SV1_IP:80" --backend "$S4_SV2_IP:80" \
	>"$XG_TMP/proxy.log" 2>"$XG_TMP/proxy.err"
PROXY_PID=$XG_LASTPID
wait_for 15 xg_listening "$NS_LB1" tcp 443 || xg_fatal "lb1's proxy did not start: $(cat "$XG_TMP/proxy.err")"

s4_xdpgw_run "$NS_RT1" --external eth0 --internal 192.168.1.0/24 ||
	xg_fatal "xdpgw did not start in rt1"
s4_fw1_conf >"$XG_TMP/fw1.conf"
s4_xdpgw_run "$NS_FW1" --external eth0 --internal 172.16.3.0/24 --config "$XG_TMP/fw1.conf" ||
	xg_fatal "xdpgw did not start in fw1"

check "cl1 gets a lease from rt1's dnsmasq" s4_dhcp
cl1() { ip netns exec "$NS_CL1" "$@"; }
https() { cl1 curl -sS --max-time 10 --cacert "$PKI/ca.pem" "$@"; }

# Balancing: four pages, sv1 and sv2 in turn.
for n in 1 2 3 4; do https "https://$S4_HOST/page$n"; done >"$XG_TMP/pages" 2>&1
check_eq "four HTTPS pages, two from sv1 and two from sv2" "sv1 sv1 sv2 sv2" \
	"$(sed -n 's/^backend \(sv[12]\)$/\1/p' "$XG_TMP/pages" | sort | paste -sd' ')"
check_eq "... answered alternately" 1 \
	"$(sed -n 's/^backend \(sv[12]\)$/\1/p' "$XG_TMP/pages" | paste -sd' ' | grep -cE '^(sv1 sv2 sv1 sv2|sv2 sv1 sv2 sv1)$')"
check_eq "sv1 and sv2 saw the peer 172.16.2.254 and X-Forwarded-For 10.1.1.245" \
	"172.16.2.254 10.1.1.245" \
	"$(awk '$5 ~ /^\/page/ {print $2, $6}' "$XG_TMP/web.log" | sort -u | paste -sd' ')"
check_eq "... and X-Forwarded-Proto https" 4 \
	"$(grep -c '^h X-Forwarded-Proto: https$' "$XG_TMP/pages")"

s_client() { cl1 timeout 10 openssl s_client -connect "$S4_PUBLIC_IP:443" -CAfile "$PKI/ca.pem" "$@" </dev/null 2>&1; }
out=$(s_client -servername "$S4_HOST")
check "s_client: TLS 1.3" grep -q 'TLSv1.3' <<<"$out"
check "s_client: the certificate of www.example.com, verified" \
	grep -q 'Verify return code: 0 (ok)' <<<"$out"
check "s_client with SNI alt.example.com gets alt's certificate" \
	grep -q 'CN = alt.example.com' <<<"$(s_client -servername alt.example.com)"

# A download goes on while bad clients come and go.
expected=$(python3 -c "import hashlib; p = bytes(range(256)) * 64; n = 8 << 20
h = hashlib.sha256()
while n: k = min(n, len(p)); h.update(p[:k]); n -= k
print(h.hexdigest())")
xg_bg "$NS_CL1" sh -c "curl -sS --max-time 30 --limit-rate 3M --cacert '$PKI/ca.pem' \
	'https://$S4_HOST/big?n=$((8 << 20))' | sha256sum" >"$XG_TMP/download" 2>&1
DL_PID=$XG_LASTPID
check "TLS 1.1 is refused (protocol_version alert)" grep -q 'alert protocol version' \
	<<<"$(s_client -servername "$S4_HOST" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')"
check_eq "a ClientHello of garbage: closed, no HTTP" "http=no closed=yes" \
	"$(cl1 python3 "$XG_TOOLS/http_tls.py" garbage "$S4_PUBLIC_IP" 443)"
wait_for 30 xg_dead "$DL_PID"
check_eq "the download went on intact (8 MiB, sha256)" "$expected  -" "$(cat "$XG_TMP/download")"

# fw1's filter: 22 is not allowed (default drop), counted.
filter_default_packets() { s4_xdpgw "$NS_FW1" filter list --json | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["default"]["packets"])'; }
before=$(filter_default_packets)
check_fails "rt2 -> 10.1.3.12:22 is dropped" \
	ip netns exec "$NS_RT2" curl -sS --max-time 2 "http://$S4_PUBLIC_IP:22/"
after=$(filter_default_packets)
check "fw1 counted it on its default ($before -> $after)" test "${after:-0}" -gt "${before:-0}"

check "rt1's flows show cl1 as 10.1.1.245 to 10.1.3.12:443" \
	grep -Eq "^tcp +[a-z_]+ +192\.168\.1\.1:[0-9]+ +$S4_RT1_EXT_IP:[0-9]+ +$S4_PUBLIC_IP:443 " \
	<(s4_xdpgw "$NS_RT1" flows --external eth0)
check "fw1's flows show 172.16.3.12:443 as 10.1.3.12:443 to 10.1.1.245" \
	grep -Eq "^tcp +[a-z_]+ +$S4_LB_IP:443 +$S4_PUBLIC_IP:443 +$S4_RT1_EXT_IP:[0-9]+ " \
	<(s4_xdpgw "$NS_FW1" flows --external eth0)

xg_stop "$PROXY_PID" 10
check_eq "lb1's proxy: no sanitizer report" "" \
	"$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$XG_TMP/proxy.err")"
xg_summary
