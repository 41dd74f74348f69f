#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S4 without TLS (document 003's path; topology in s4.sh): rt1 is
# xdpgw NAPT for cl1's LAN, fw1 is xdpgw port forwarding 10.1.3.12:80, :443
# and :22 to 172.16.3.12 behind a filter (default drop, tcp 80 and 443
# allowed), and a plain HTTP server runs on lb1 (172.16.3.12). cl1 gets its
# address and DNS server from rt1's dnsmasq and fetches www.example.com.
#
# Asserted where it arrives: lb1's server logs the peer 10.1.1.245 (rt1's
# NAPT address, kept by fw1's DNAT); nobody has 10.1.3.12 assigned, rt2
# reaches it through fw1's ARP answer (its neighbour entry is fw1's MAC);
# rt2's connection to 10.1.3.12:22 never reaches lb1 and is counted on the
# filter's default until `filter add allow tcp 22` opens it, and `filter
# del` closes it again while an HTTP keep-alive connection goes on; `flows`
# in rt1 and fw1 shows each translation.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/s4.sh"

xg_require_root
xg_require_tools ip tc python3 curl dnsmasq udhcpc xdp-loader
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
xg_init
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
s4_build
s4_dnsmasq || xg_fatal "dnsmasq did not start in rt1 (log: $XG_TMP/dnsmasq.log)"
s4_peers_xdp || xg_fatal "cannot give the veth peers a pass program"

check "cl1 gets a lease from rt1's dnsmasq" s4_dhcp
check_eq "cl1's address is the lease's" "192.168.1.1/24" \
	"$(ip -n "$NS_CL1" -br -4 addr show eth0 | awk '{print $3}')"
check_eq "rt1's DNS answers www.example.com with the public address" "$S4_PUBLIC_IP" \
	"$(ip netns exec "$NS_CL1" getent ahostsv4 "$S4_HOST" | awk '{print $1; exit}')"

# lb1: an HTTP server on 80 and 443 (plain), a TCP listener on 22, each
# logging its peers.
: >"$XG_TMP/lb1.peers"
for port in 80 443 22; do
	xg_bg "$NS_LB1" python3 -u "$XG_TOOLS/http_server.py" "$port" "$XG_TMP/lb1.peers" \
		>"$XG_TMP/lb1-$port.log" 2>&1
	wait_for 10 xg_listening "$NS_LB1" tcp "$port" || xg_fatal "lb1's server on $port did not start"
done

s4_xdpgw_run "$NS_RT1" --external eth0 --internal 192.168.1.0/24 ||
	xg_fatal "xdpgw did not start in rt1"
s4_xdpgw_run "$NS_FW1" --external eth0 --internal 172.16.3.0/24 ||
	xg_fatal "xdpgw did not start in fw1"
fw1() { s4_xdpgw "$NS_FW1" "$@"; }
for port in 80 443 22; do
	check "fw1: forward add tcp $S4_PUBLIC_IP:$port $S4_LB_IP:$port" \
		fw1 forward add tcp "$S4_PUBLIC_IP:$port" "$S4_LB_IP:$port"
done
check "fw1: filter default drop" fw1 filter default drop
check "fw1: filter add allow tcp 80" fw1 filter add allow tcp 80
check "fw1: filter add allow tcp 443" fw1 filter add allow tcp 443
check_fails "fw1: an overlapping forward is refused" \
	fw1 forward add tcp "$S4_PUBLIC_IP:80" "$S4_LB_IP:8080"
check_eq "10.1.3.12 is assigned nowhere" "" \
	"$(for ns in "$NS_RT2" "$NS_FW1" "$NS_LB1"; do ip -n "$ns" -br addr | grep -F "$S4_PUBLIC_IP"; done)"

body=$(ip netns exec "$NS_CL1" curl -sS --max-time 5 "http://$S4_HOST/" 2>&1)
check_eq "cl1 fetches http://www.example.com/ through rt1 and fw1" \
	"hello from inet, you are $S4_RT1_EXT_IP" "${body%%:*}"
check_eq "lb1's server saw the peer 10.1.1.245 (NAPT by rt1, DNAT by fw1)" "$S4_RT1_EXT_IP" \
	"$(awk '$3 == "/" {print $1; exit}' "$XG_TMP/lb1.peers")"
fw1_mac=$(ip -n "$NS_FW1" -br link show eth0 | awk '{print $3}')
check_eq "rt2 reached 10.1.3.12 through fw1's ARP answer (fw1's eth0 MAC)" "$fw1_mac" \
	"$(ip -n "$NS_RT2" neigh show "$S4_PUBLIC_IP" | awk '{print $5}')"

# flows: rt1 192.168.1.1:P -> 10.1.1.245:P to 10.1.3.12:80; fw1
# 172.16.3.12:80 -> 10.1.3.12:80 to 10.1.1.245:P.
check "rt1's flows show cl1 translated to 10.1.1.245, to 10.1.3.12:80" \
	grep -Eq "^tcp +[a-z_]+ +192\.168\.1\.1:[0-9]+ +$S4_RT1_EXT_IP:[0-9]+ +$S4_PUBLIC_IP:80 " \
	<(s4_xdpgw "$NS_RT1" flows --external eth0)
check "fw1's flows show 172.16.3.12:80 as 10.1.3.12:80, to 10.1.1.245" \
	grep -Eq "^tcp +[a-z_]+ +$S4_LB_IP:80 +$S4_PUBLIC_IP:80 +$S4_RT1_EXT_IP:[0-9]+ " \
	<(fw1 flows --external eth0)

# The filter, from rt2 (no NAT on its way): 22 is forwarded but not allowed.
ssh_try() { ip netns exec "$NS_RT2" curl -sS --max-time 2 "http://$S4_PUBLIC_IP:22/ssh" >/dev/null 2>&1; }
lb1_saw_ssh() { grep -c ' /ssh$' "$XG_TMP/lb1.peers"; }
filter_default_packets() { fw1 filter list --json | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["default"]["packets"])'; }
before=$(filter_default_packets)
check_fails "rt2 -> 10.1.3.12:22 is dropped by fw1's filter" ssh_try
check_eq "nothing of it reached lb1" 0 "$(lb1_saw_ssh)"
after=$(filter_default_packets)
check "fw1 counted it on the default policy ($before -> $after)" test "${after:-0}" -gt "${before:-0}"

# A keep-alive connection on 80 from cl1 for the rest of the test.
xg_bg "$NS_CL1" python3 -u "$XG_TOOLS/http_client.py" load "$S4_PUBLIC_IP" 80 --clients 1 \
	--stop-file "$XG_TMP/stop-load" >"$XG_TMP/load.log" 2>&1
load_pid=$XG_LASTPID
check "fw1: filter add allow tcp 22" fw1 filter add allow tcp 22
check "rt2 -> 10.1.3.12:22 now gets through" ssh_try
check_eq "lb1 saw it" 1 "$(lb1_saw_ssh)"
check "fw1: filter del allow tcp 22" fw1 filter del allow tcp 22
check_fails "rt2 -> 10.1.3.12:22 is dropped again" ssh_try
check_eq "lb1 saw nothing more" 1 "$(lb1_saw_ssh)"
touch "$XG_TMP/stop-load"
wait_for 10 xg_dead "$load_pid"
check "the keep-alive connection on 80 worked throughout (one connection, no failure)" \
	grep -Eq '^ok=[1-9][0-9]* fail=0 conns=1 ' "$XG_TMP/load.log"

xg_summary
