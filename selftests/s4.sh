# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# s4.sh - scenario S4 of ../shared/SCENARIOS.md, the whole path of
# document 003, for the tests and the demo. Source it after lib.sh.
#
#   cl1 (DHCP) --- lan0 [rt1: NAPT] eth0 --- eth0 [rt2] eth1 --- eth0 [fw1: DNAT + filter] in0
#   192.168.1.x    192.168.1.254   10.1.1.245   10.1.1.254 10.1.3.254   10.1.3.1          172.16.3.1
#       --- eth0 [lb1] in0 --- sv1 172.16.2.1
#           172.16.3.12  172.16.2.254 \-- sv2 172.16.2.2
#
# rt2 is the internet: it knows only its two links, so nothing private
# crosses it untranslated. The public 10.1.3.12 is on rt2's eth1 link but
# assigned nowhere: fw1's xdpgw answers ARP for it. rt1 serves DHCP and DNS
# with dnsmasq (www.example.com is 10.1.3.12), as a home router does; cl1
# takes its address, gateway and DNS server from it with udhcpc. lb1's in0
# is a bridge with a port per server (p1, p2).
#
# shellcheck disable=SC2034 # variables are for the sourcing scripts

S4_PUBLIC_IP=10.1.3.12
S4_LB_IP=172.16.3.12
S4_RT1_EXT_IP=10.1.1.245
S4_SV1_IP=172.16.2.1
S4_SV2_IP=172.16.2.2
S4_HOST=www.example.com
S4_RESOLV_DIR=  # /etc/netns/$NS_CL1: cl1's resolv.conf, removed at cleanup
S4_NETNS_DIR_OURS=0  # 1: s4_build made /etc/netns, cleanup removes it if empty
S4_NAT_PIDS=()  # "ns pid" of every xdpgw run started by s4_xdpgw_run

s4_build() {
	NS_CL1=cl1-$XG_ID NS_RT1=rt1-$XG_ID NS_RT2=rt2-$XG_ID NS_FW1=fw1-$XG_ID
	NS_LB1=lb1-$XG_ID NS_SV1=sv1-$XG_ID NS_SV2=sv2-$XG_ID
	export NS_CL1 NS_RT1 NS_RT2 NS_FW1 NS_LB1 NS_SV1 NS_SV2
	XG_CLEANUP_HOOKS+=(s4_cleanup)
	local ns
	for ns in "$NS_CL1" "$NS_RT1" "$NS_RT2" "$NS_FW1" "$NS_LB1" "$NS_SV1" "$NS_SV2"; do
		xg_run xg_ns_add "$ns"
	done
	xg_run xg_veth "$NS_CL1" eth0 "$NS_RT1" lan0
	xg_run xg_veth "$NS_RT1" eth0 "$NS_RT2" eth0
	xg_run xg_veth "$NS_RT2" eth1 "$NS_FW1" eth0
	xg_run xg_veth "$NS_FW1" in0 "$NS_LB1" eth0
	xg_run xg_veth "$NS_LB1" p1 "$NS_SV1" eth0
	xg_run xg_veth "$NS_LB1" p2 "$NS_SV2" eth0
	xg_run xg_bridge "$NS_LB1" in0 p1 p2

	xg_run xg_addr "$NS_RT1" lan0 192.168.1.254/24
	xg_run xg_addr "$NS_RT1" eth0 "$S4_RT1_EXT_IP/24"
	xg_run ip -n "$NS_RT1" route add default via 10.1.1.254
	xg_run xg_sysctl "$NS_RT1" net.ipv4.ip_forward=1

	xg_run xg_addr "$NS_RT2" eth0 10.1.1.254/24
	xg_run xg_addr "$NS_RT2" eth1 10.1.3.254/24
	xg_run xg_sysctl "$NS_RT2" net.ipv4.ip_forward=1

	xg_run xg_addr "$NS_FW1" eth0 10.1.3.1/24
	xg_run xg_addr "$NS_FW1" in0 172.16.3.1/24
	xg_run ip -n "$NS_FW1" route add default via 10.1.3.254
	xg_run xg_sysctl "$NS_FW1" net.ipv4.ip_forward=1

	xg_run xg_addr "$NS_LB1" eth0 "$S4_LB_IP/24"
	xg_run xg_addr "$NS_LB1" in0 172.16.2.254/24
	xg_run ip -n "$NS_LB1" route add default via 172.16.3.1

	xg_run xg_addr "$NS_SV1" eth0 "$S4_SV1_IP/24"
	xg_run xg_addr "$NS_SV2" eth0 "$S4_SV2_IP/24"
	xg_run ip -n "$NS_SV1" route add default via 172.16.2.254
	xg_run ip -n "$NS_SV2" route add default via 172.16.2.254

	# cl1 starts with no address: DHCP gives it one (s4_dhcp).
	[ -d /etc/netns ] || S4_NETNS_DIR_OURS=1
	S4_RESOLV_DIR=/etc/netns/$NS_CL1
	xg_run mkdir -p "$S4_RESOLV_DIR"
	xg_run touch "$S4_RESOLV_DIR/resolv.conf"
	xg_run wait_for 5 xg_links_up
}

# dnsmasq on rt1's LAN: DHCP (one address, 192.168.1.1, as in the document;
# gateway and DNS server: rt1) and DNS (www.example.com -> 10.1.3.12,
# nothing forwarded). Leases in $XG_TMP/dnsmasq.leases, log in dnsmasq.log.
s4_dnsmasq() {
	xg_bg "$NS_RT1" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
		--interface=lan0 --bind-interfaces --except-interface=lo \
		--no-resolv --no-hosts --no-ping --pid-file= --log-queries --log-dhcp --log-facility=- \
		--dhcp-range=192.168.1.1,192.168.1.1,255.255.255.0,1h \
		--dhcp-option=option:router,192.168.1.254 \
		--dhcp-option=option:dns-server,192.168.1.254 \
		--dhcp-leasefile="$XG_TMP/dnsmasq.leases" \
		--address=/$S4_HOST/$S4_PUBLIC_IP >"$XG_TMP/dnsmasq.log" 2>&1
	wait_for 10 xg_listening "$NS_RT1" udp 53
}

# cl1 asks for a lease (udhcpc: DISCOVER, OFFER, REQUEST, ACK) and
# configures it; prints what it got.
s4_dhcp() {
	XG_RESOLV=$S4_RESOLV_DIR/resolv.conf ip netns exec "$NS_CL1" \
		udhcpc -i eth0 -f -q -n -t 5 -T 1 -s "$XG_TOOLS/udhcpc_script.sh" 2>&1
}

# xdpgw runs in rt1 and fw1: s4_xdpgw_run NS ARGS... starts `xdpgw run
# ARGS` in NS, log in $XG_TMP/xdpgw-NS.log, and waits until it translates.
s4_xdpgw_run() {
	local ns=$1 log=$XG_TMP/xdpgw-$1.log pid; shift
	xg_bpffs || return 1
	xg_bg "$ns" "$XDPGW" run "$@" >"$log" 2>&1
	pid=$XG_LASTPID
	S4_NAT_PIDS+=("$ns $pid")
	wait_for 30 s4_ready_or_dead "$pid" "$log"
	if ! xg_alive "$pid" || ! grep -q translating "$log"; then
		xg_log "xdpgw in $ns not ready within 30 s; its output:"
		sed 's/^/    /' "$log"
		return 1
	fi
}
s4_ready_or_dead() { xg_dead "$1" || grep -q translating "$2"; }

# sv1 and sv2: tools/http_backend.py on port 80, every request logged to
# $XG_TMP/web.log ("NAME PEER_IP PEER_PORT METHOD PATH XFF").
s4_servers() {
	local i ns ip
	: >"$XG_TMP/web.log"
	for i in 1 2; do
		ns=NS_SV$i ip=S4_SV${i}_IP
		xg_bg "${!ns}" python3 -u "$XG_TOOLS/http_backend.py" "sv$i" "${!ip}" 80 \
			"$XG_TMP/web.log" >"$XG_TMP/sv$i.out" 2>&1
		wait_for 30 xg_listening "${!ns}" tcp 80 || { xg_log "sv$i did not start"; return 1; }
	done
}

# fw1's config file, as document 003 has it: 10.1.3.12:80 and :443 forwarded
# to lb1, a filter that lets in only those. Printed to stdout.
s4_fw1_conf() {
	cat <<EOF
[forward]
tcp $S4_PUBLIC_IP:80 $S4_LB_IP:80
tcp $S4_PUBLIC_IP:443 $S4_LB_IP:443
[filter]
default drop
allow tcp 80
allow tcp 443
EOF
}

# A pass program on the far end of each veth of rt1 and fw1, so that their
# fast paths may redirect into them (see lib.sh, xg_peer_xdp).
s4_peers_xdp() {
	xg_peer_xdp "$NS_CL1" eth0 && xg_peer_xdp "$NS_RT2" eth0 &&
		xg_peer_xdp "$NS_RT2" eth1 && xg_peer_xdp "$NS_LB1" eth0
}

s4_xdpgw() { local ns=$1; shift; ip netns exec "$ns" "$XDPGW" "$@"; }

# In lib.sh's cleanup, before the namespaces go: stop every instance, take
# its programs and pins down, and remove cl1's resolv.conf.
s4_cleanup() {
	local e ns pid
	for e in "${S4_NAT_PIDS[@]}"; do
		read -r ns pid <<<"$e"
		xg_stop "$pid" 5
		timeout 10 ip netns exec "$ns" "$XDPGW" down --external eth0 >/dev/null 2>&1
		rm -rf "${XG_PIN_ROOT:?}/$ns"
	done
	S4_NAT_PIDS=()
	[ -n "$S4_RESOLV_DIR" ] && rm -rf "$S4_RESOLV_DIR"
	[ "$S4_NETNS_DIR_OURS" = 1 ] && rmdir /etc/netns 2>/dev/null
	S4_RESOLV_DIR= S4_NETNS_DIR_OURS=0
}
