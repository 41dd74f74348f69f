#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guided tour of scenario S4 (topology: s4.sh), the whole path of document
# 003, for `make demo` after S3. Phase by phase as the document tells it:
# DHCP, DNS, the TCP handshake through rt1 (NAPT) and fw1 (DNAT + filter),
# TLS with lb1, balancing over sv1 and sv2. Every step runs for real and
# prints its output; the demo exits non-zero if a step does not do what it
# says.
#
# Usage: [XDPGW=path] ./demo_s4.sh

source "$(dirname "$0")/lib.sh" || exit 1
source "$(dirname "$0")/s4.sh" || exit 1
source "$(dirname "$0")/pki.sh" || exit 1
set -u

xg_require_root
xg_require_tools ip tcpdump curl python3 openssl dnsmasq udhcpc xdp-loader awk
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
xg_init
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"

say() { printf '\n'; printf '## %s\n' "$@"; }
die() { printf '\n## DEMO FAILED: %s\n' "$*"; exit 1; }
show() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
works() { show "$@" || die "should have worked: $*"; }
fails() { ! show "$@" || die "should have failed: $*"; }
# at NS CMD... : show CMD as run in namespace NS (its short name).
at() {
	local ns=$1 line; shift
	line=$*
	printf '$ [%s] %s\n' "${ns%%-*}" "${line//$XDPGW/xdpgw}"
	ip netns exec "$ns" "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
at_works() { at "$@" || die "should have worked: ${*:2}"; }
at_fails() { ! at "$@" || die "should have failed: ${*:2}"; }

say "S4, document 003's path:" \
	"cl1 --- [rt1: NAPT] --- rt2 (the internet) --- [fw1: DNAT + filter] --- [lb1: TLS, balancing] --- sv1, sv2" \
	"192.168.1.x  10.1.1.245               10.1.3.12 (owned by fw1)   172.16.3.12 / 172.16.2.254   172.16.2.1, .2"
s4_build
s4_dnsmasq || die "dnsmasq did not start in rt1"
s4_peers_xdp || die "cannot give the veth peers a pass program"
PKI=$XG_TMP/pki
pki_ca && pki_cert www "$S4_HOST" -days 2 || die "cannot make the demo's certificates"
s4_servers || die "sv1 and sv2 did not start"

say "rt1: xdpgw as the home router's NAPT (LAN 192.168.1.0/24 out as 10.1.1.245)."
printf '$ [rt1] xdpgw run --external eth0 --internal 192.168.1.0/24 &\n'
s4_xdpgw_run "$NS_RT1" --external eth0 --internal 192.168.1.0/24 || die "xdpgw did not start in rt1"
sed 's/^/    /' "$XG_TMP/xdpgw-$NS_RT1.log"

say "fw1: xdpgw forwarding 10.1.3.12:80 and :443 to lb1, a filter that lets in only those."
s4_fw1_conf >"$XG_TMP/fw1.conf"
works cat "$XG_TMP/fw1.conf"
printf '$ [fw1] xdpgw run --external eth0 --internal 172.16.3.0/24 --config fw1.conf &\n'
s4_xdpgw_run "$NS_FW1" --external eth0 --internal 172.16.3.0/24 --config "$XG_TMP/fw1.conf" ||
	die "xdpgw did not start in fw1"
sed 's/^/    /' "$XG_TMP/xdpgw-$NS_FW1.log"
at_works "$NS_FW1" "$XDPGW" forward list
at_works "$NS_FW1" "$XDPGW" filter list
say "Nobody has 10.1.3.12 on an interface: fw1's xdpgw answers ARP for it."
at_works "$NS_FW1" ip -br addr show eth0

say "lb1: xdpgw proxy terminating TLS on 172.16.3.12:443, balancing over sv1 and sv2."
printf '$ [lb1] xdpgw proxy --listen-tls %s:443 --tls-cert www.pem --tls-key www.key --backend %s:80 --backend %s:80 &\n' \
	"$S4_LB_IP" "$S4_SV1_IP" "$S4_SV2_IP"
xg_bg "$NS_LB1" "$XDPGW" proxy --listen-tls "$S4_LB_IP:443" \
	--tls-cert "$PKI/www.pem" --tls-key "$PKI/www.key" \
	--backend "$S4_SV1_IP:80" --backend "$S4_SV2_IP:80" >"$XG_TMP/proxy.log" 2>"$XG_TMP/proxy.err"
wait_for 15 xg_listening "$NS_LB1" tcp 443 || die "the proxy did not start: $(cat "$XG_TMP/proxy.err")"

say "Phase 1, DHCP: cl1 asks rt1's dnsmasq for an address, a gateway and a DNS server."
at_works "$NS_CL1" ip -br addr show eth0
printf '$ [cl1] udhcpc -i eth0 -q ...\n'
s4_dhcp | sed 's/^/    /'
at_works "$NS_CL1" ip -br addr show eth0
at_works "$NS_CL1" ip route
at_works "$NS_CL1" cat /etc/resolv.conf
works grep -E 'DHCP(DISCOVER|OFFER|REQUEST|ACK)' "$XG_TMP/dnsmasq.log"

say "Phase 2, DNS: cl1 resolves www.example.com through rt1."
at_works "$NS_CL1" getent ahostsv4 "$S4_HOST"
works grep -E "query\[A\] $S4_HOST|config $S4_HOST" "$XG_TMP/dnsmasq.log"

say "Phase 3, the TCP handshake: the SYN on each link (tcpdump), while cl1 connects."
# captured where no xdpgw runs (XDP acts before tcpdump sees a frame): on
# the link's other end
caps=("$NS_CL1 eth0 cl1->rt1" "$NS_RT2 eth0 rt1->rt2" "$NS_RT2 eth1 rt2->fw1" "$NS_LB1 eth0 fw1->lb1")
pids=()
for c in "${caps[@]}"; do
	read -r ns ifc name <<<"$c"
	xg_capture_start "$ns" "$ifc" "$XG_TMP/$name.cap" "tcp[tcpflags] == tcp-syn" || die "tcpdump on $ifc"
	pids+=("$XG_LASTPID")
done
at_works "$NS_CL1" curl -sS --max-time 10 --cacert "$PKI/ca.pem" -o /dev/null \
	-w 'HTTP %{http_code} from %{remote_ip}:%{remote_port}\n' "https://$S4_HOST/"
i=0
for c in "${caps[@]}"; do
	read -r ns ifc name <<<"$c"
	wait_for 5 grep -q 'Flags \[S\]' "$XG_TMP/$name.cap"
	xg_tcpdump_stop "${pids[$i]}" "$XG_TMP/$name.cap"
	printf '    %-11s %s\n' "$name" "$(grep -m 1 'Flags \[S\]' "$XG_TMP/$name.cap" | cut -d, -f1)"
	i=$((i + 1))
done
say "rt1 rewrote the source (192.168.1.1 -> 10.1.1.245), fw1 the destination" \
	"(10.1.3.12 -> 172.16.3.12). Their NAT tables:"
at_works "$NS_RT1" "$XDPGW" flows --external eth0 --proto tcp
at_works "$NS_FW1" "$XDPGW" flows --external eth0 --proto tcp
say "rt2 found 10.1.3.12 by ARP: the answer came from fw1's xdpgw, with fw1's MAC."
at_works "$NS_RT2" ip neigh show "$S4_PUBLIC_IP"
at_works "$NS_FW1" ip -br link show eth0

say "Phase 4, TLS: lb1 presents www.example.com's certificate (the demo's own CA)."
printf '$ [cl1] openssl s_client -connect %s:443 -servername %s -CAfile ca.pem\n' "$S4_HOST" "$S4_HOST"
ip netns exec "$NS_CL1" timeout 10 openssl s_client -connect "$S4_HOST:443" -servername "$S4_HOST" \
	-CAfile "$PKI/ca.pem" </dev/null 2>&1 |
	grep -E '^(subject|issuer)=|Protocol|Cipher is|Verify return code' | awk '!seen[$0]++' |
	sed 's/^ *//; s/^/    /'

say "Phase 5, balancing: four requests; sv1 and sv2 answer in turn and log the" \
	"request as lb1 passed it on (peer 172.16.2.254, X-Forwarded-For 10.1.1.245)."
for n in 1 2 3 4; do
	printf '$ [cl1] curl --cacert ca.pem https://%s/page%d   (the lines of its answer saying who answered)\n' "$S4_HOST" "$n"
	ip netns exec "$NS_CL1" curl -sS --max-time 10 --cacert "$PKI/ca.pem" "https://$S4_HOST/page$n" |
		grep -E '^(backend |peer |h X-Forwarded-)' | paste -sd';' | sed 's/;/; /g; s/^/    /'
done
works grep -E ' /page[0-9] ' "$XG_TMP/web.log"
[ "$(awk '$5 ~ /^\/page/ {print $2, $6}' "$XG_TMP/web.log" | sort -u)" = "172.16.2.254 $S4_RT1_EXT_IP" ] ||
	die "the servers did not see lb1's address and X-Forwarded-For $S4_RT1_EXT_IP"
works tail -n 4 "$XG_TMP/proxy.log"

say "fw1's filter: from rt2, 10.1.3.12:22 is dropped (default drop), and counted."
at_fails "$NS_RT2" curl -sS --max-time 2 "http://$S4_PUBLIC_IP:22/"
at_works "$NS_FW1" "$XDPGW" filter list

say "Demo of S4 complete; tearing down namespaces."
