#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S3: NAPT of a private /24 behind the gateway's single public address.
#
#          10.100.20.0/24            203.0.113.0/24             198.51.100.0/24
#  +------+ .57          .1 +------+ .1            .254 +------+ .1            .20 +------+
#  | web  |eth0 ------- in0|  gw  |eth0 ---------- eth0|  r1  |eth1 ---------- eth0| inet |
#  +------+                 +------+                    +------+                   +------+
#  default via              ip_forward=1                ip_forward=1               default via
#  10.100.20.1              default via 203.0.113.254   NO route to                198.51.100.1
#                           xdpgw on eth0:              10.100.20.0/24             :8080 http
#                           XDP ingress, tc egress                                 :7000 tcp echo
#                                                                                  :7001 udp echo
#
# Without NAT, inet's replies to 10.100.20.57 die at r1; with NAT, web's
# flows leave gw as 203.0.113.1:<port> and the replies are translated back.
#
# Usage: [NAT_IMPL=xdpgw|nft] [XDPGW=path] ./test_nat_napt.sh
#   NAT_IMPL=nft swaps xdpgw for nft masquerade (validates the harness);
#   xdpgw-specific checks are then skipped. Exit: 0 pass, 1 fail, 4 skip.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

xg_require_root
xg_require_tools ip ethtool tcpdump curl python3 nc ping ss awk
xg_require_nat
xg_init

web() { ip netns exec "$NS_WEB" "$@"; }
gw() { ip netns exec "$NS_GW" "$@"; }
xdpgw_mode() { [ "$NAT_IMPL" = xdpgw ]; }

# --- the traffic checks, reused by the offload matrix (LABEL TAG [N])

t_http() {
	check "$1 HTTP GET web -> inet" \
		web curl -fsS --max-time 5 "http://$INET_IP:$XG_HTTP_PORT/$2"
	check_eq "$1 HTTP server logged peer" "$GW_EXT_IP" "$(xg_peer_of "$XG_TMP/http.peers" "/$2")"
}

t_udp() {
	check "$1 UDP echo web -> inet" \
		web python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" "$2"
	check_eq "$1 UDP server logged peer" "$GW_EXT_IP" "$(xg_peer_of "$XG_TMP/udp.peers" "$2")"
}

t_tcp() {
	local n=$3
	check_eq "$1 $n concurrent TCP connections echo a few KB each" "OK $n/$n" \
		"$(web python3 "$XG_TOOLS/tcp_echo.py" client "$INET_IP" "$XG_TCP_PORT" "$2" -n "$n" --timeout 10 2>&1)"
	# "<from 203.0.113.1> <distinct source ports>" among this run's connections
	check_eq "$1 TCP server saw them all from $GW_EXT_IP, distinct ports" "$n $n" \
		"$(awk -v t="$2-" -v ip="$GW_EXT_IP" 'index($3, t) == 1 {
			if ($1 == ip) n++; if (!($2 in p)) { p[$2]; np++ } }
			END { print n + 0, np + 0 }' "$XG_TMP/tcp.peers")"
}

gw_has_xdp() { ip -n "$NS_GW" link show eth0 | grep -q xdp; }
syn_on_both() { [ -n "$(xg_syn "$cap_in")" ] && [ -n "$(xg_syn "$cap_ext")" ]; }

web_ping() { web ping -c1 -W1 "$INET_IP"; }
web_connect() { web nc -z -w 2 "$INET_IP" "$XG_HTTP_PORT"; }

# Value of an `xdpgw stats` counter (text or JSON output), empty if absent.
xdpgw_stat() {
	xg_xdpgw stats --external eth0 | grep -oE "\"?$1\"?[[:space:]:=]+[0-9]+" |
		grep -oE '[0-9]+$' | head -n 1
}

check_positive() {
	if [ "${2:-0}" -gt 0 ] 2>/dev/null; then xg_pass "$1"; else xg_failed "$1" "> 0" "${2:-<absent>}"; fi
}

xg_log "# S3 NAPT: NAT_IMPL=$NAT_IMPL, namespaces {web,gw,r1,inet}-$XG_ID"
s3_build
s3_servers

# --- 1. baseline: topology works, but the private host cannot get out
check "topology: web reaches gw's in0" web ping -c1 -W1 10.100.20.1
check "topology: gw reaches inet via r1" gw ping -c1 -W1 "$INET_IP"
check_fails "baseline (no NAT): web cannot ping inet" web_ping
check_fails "baseline (no NAT): web cannot TCP-connect to inet" web_connect

# --- NAT on
xg_nat_start || xg_fatal "NAT ($NAT_IMPL) did not start"
if xdpgw_mode; then
	check "xdpgw: XDP program attached to gw eth0" gw_has_xdp
	check "xdpgw: tc egress filter on gw eth0" \
		test -n "$(tc -n "$NS_GW" filter show dev eth0 egress)"
	for m in flows rev stats; do
		check "xdpgw: map pinned at $(xg_pin_dir)/$m" test -e "$(xg_pin_dir)/$m"
	done
fi

# --- 2-4. HTTP, UDP, 200 concurrent TCP with default veth offloads
t_http "[default]" http-1
t_udp "[default]" udp-1
t_tcp "[default]" tcp200 200

# --- 6-8. one TCP flow, captured on both sides of gw, kept open
cap_in=$XG_TMP/in0.txt cap_ext=$XG_TMP/eth0.txt
xg_tcpdump_start "$NS_GW" in0 "$cap_in" || xg_fatal "tcpdump on in0 did not start"
td_in=$XG_LASTPID
xg_tcpdump_start "$NS_GW" eth0 "$cap_ext" || xg_fatal "tcpdump on eth0 did not start"
td_ext=$XG_LASTPID

xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/tcp_echo.py" hold "$INET_IP" "$XG_TCP_PORT" --seconds 60 \
	>"$XG_TMP/hold.log" 2>&1
hold=$XG_LASTPID
check "capture: held TCP flow web -> inet established" wait_for 5 grep -q connected "$XG_TMP/hold.log"
check "capture: SYN seen on in0 and on eth0" wait_for 5 syn_on_both

read -r _ ext_port _ <<<"$(xg_syn "$cap_ext")"
ext_port=${ext_port:-none}
# 7. NAPT must not be done with local sockets: nothing in gw uses that port.
check_eq "flow active: no socket in gw on translated port $ext_port" "" \
	"$(gw ss -Htuanp | awk -v p="$ext_port" '{ l = $5; sub(/.*:/, "", l) } l == p')"

# 8. the flow table is BTF-typed
if xdpgw_mode; then
	dump=$(gw bpftool map dump pinned "$(xg_pin_dir)/flows" 2>&1)
	check "bpftool dump of flows names \"saddr\"" grep -q '"saddr"' <<<"$dump"
	check "bpftool dump of flows names \"ext_port\"" grep -q '"ext_port"' <<<"$dump"
	# addresses as bytes: the held flow's source and its external address
	check "bpftool dump shows web's address as bytes" \
		grep -q "\"saddr_bytes\": \[${WEB_IP//./,}$" <<<"$dump"
	check "bpftool dump shows the external address as bytes" \
		grep -q "\"ext_addr_bytes\": \[${GW_EXT_IP//./,}$" <<<"$dump"
	hi=$((ext_port >> 8)) lo=$((ext_port & 255))
	check "bpftool dump shows external port $ext_port as bytes [$hi,$lo]" \
		grep -q "\"ext_port_bytes\": \[$hi,$lo$" <<<"$dump"
	check_positive "xdpgw stats: out_translated" "$(xdpgw_stat out_translated)"
	check_positive "xdpgw stats: in_translated" "$(xdpgw_stat in_translated)"
	check_positive "xdpgw stats: out_new_flow" "$(xdpgw_stat out_new_flow)"
else
	xg_skip_check "bpftool map dump / xdpgw stats (NAT_IMPL=$NAT_IMPL)"
fi

xg_stop "$hold" 5
xg_tcpdump_stop "$td_in" "$cap_in"
check_eq "capture: tcpdump on in0 stopped and flushed" 0 $?
xg_tcpdump_stop "$td_ext" "$cap_ext"
check_eq "capture: tcpdump on eth0 stopped and flushed" 0 $?

# 6. source rewritten, sequence number untouched
read -r in_src _ in_seq <<<"$(xg_syn "$cap_in")"
read -r ext_src _ ext_seq <<<"$(xg_syn "$cap_ext")"
check_eq "capture: SYN source on in0" "$WEB_IP" "${in_src:-none}"
check_eq "capture: SYN source on eth0" "$GW_EXT_IP" "${ext_src:-none}"
check_eq "capture: SYN seq identical on in0 and eth0" "${in_seq:-none on in0}" "${ext_seq:-none on eth0}"

# --- 5. offload matrix on every veth end of the path
for tx in on off; do
	for gro in on off; do
		cell="tx-$tx gro-$gro"
		check "[$cell] ethtool -K tx $tx gro $gro on all veth ends" xg_offload "$tx" "$gro"
		check_eq "[$cell] offload state of all veth ends" \
			"tx-checksum-ip-generic: $tx generic-receive-offload: $gro" "$(xg_offload_state)"
		t_http "[$cell]" "http-tx$tx-gro$gro"
		t_udp "[$cell]" "udp-tx$tx-gro$gro"
		t_tcp "[$cell]" "tcp-tx$tx-gro$gro" 50
		for ns in "$NS_WEB" "$NS_INET"; do
			check_eq "[$cell] no checksum errors in ${ns%%-*}" \
				"TcpInCsumErrors=0 UdpInCsumErrors=0" "$(xg_csum_errors "$ns")"
		done
	done
done

# --- 9. NAT off: path closed again, nothing left behind
xg_nat_stop; rc=$?
check_eq "NAT ($NAT_IMPL) stopped, exit status" 0 "$rc"
check_fails "after stop: web cannot ping inet" web_ping
check_fails "after stop: web cannot TCP-connect to inet" web_connect
if xdpgw_mode; then
	check_eq "after stop: no XDP on gw eth0" "" "$(ip -n "$NS_GW" link show eth0 | grep -o 'xdp.*')"
	check_eq "after stop: no tc egress filter on gw eth0" "" \
		"$(tc -n "$NS_GW" filter show dev eth0 egress 2>&1)"
	check "after stop: pin directory $(xg_pin_dir) removed" test ! -e "$(xg_pin_dir)"
else
	xg_skip_check "program detach / pin removal checks (NAT_IMPL=$NAT_IMPL)"
fi

xg_summary
