#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guided tour of scenario S3 (topology: see test_nat_napt.sh) for `make demo`.
# Every step runs for real and prints its output; the demo exits non-zero if
# a step that should work does not (or one that should fail works).
#
# Usage: [NAT_IMPL=xdpgw|nft] [XDPGW=path] ./demo_s3.sh

source "$(dirname "$0")/lib.sh" || exit 1
set -u

xg_require_root
xg_require_tools ip tcpdump curl python3 ping awk
xg_require_nat
xg_init

URL=http://198.51.100.20:8080

say() { printf '\n'; printf '## %s\n' "$@"; }
die() { printf '\n## DEMO FAILED: %s\n' "$*"; exit 1; }
# show CMD...: print the command, run it, indent its output; CMD's status.
show() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
works() { show "$@" || die "should have worked: $*"; }
fails() { ! show "$@" || die "should have failed: $*"; }
syn_on_both() { [ -n "$(xg_syn "$cap_in")" ] && [ -n "$(xg_syn "$cap_ext")" ]; }

say "S3: web 10.100.20.57 -- [in0 | gw | eth0 203.0.113.1] -- r1 -- inet 198.51.100.20" \
	"r1 has no route to 10.100.20.0/24: only NAT on gw can get web out."
s3_build
s3_servers
works ip -n "$NS_GW" -br addr show
works ip -n "$NS_R1" route show

say "Before NAT: web's packets reach inet, but inet's replies die at r1."
fails ip netns exec "$NS_WEB" ping -c1 -W1 198.51.100.20
fails ip netns exec "$NS_WEB" curl -sS --max-time 2 "$URL/"

if [ "$NAT_IMPL" = xdpgw ]; then
	say "Start xdpgw in gw: XDP on eth0 ingress, tc on eth0 egress, XDP on in0 (the" \
		"fast path; the route to 10.100.20.0/24 names in0), maps pinned. web's and" \
		"r1's veths get an XDP_PASS program: a veth takes redirected frames only then."
	printf '$ ip netns exec %s %s run --external eth0 --internal 10.100.20.0/24 &\n' "$NS_GW" "$XDPGW"
	xg_nat_start || die "xdpgw did not become ready"
	sed 's/^/    /' "$XG_TMP/xdpgw.log"
	works ip -n "$NS_GW" link show eth0
	works ip -n "$NS_GW" link show in0
	works tc -n "$NS_GW" filter show dev eth0 egress
	works ls "$(xg_pin_dir)"
	say "Watch flow events in the background while web makes requests:"
	printf '$ ip netns exec %s %s watch --external eth0 &\n' "$NS_GW" "$XDPGW"
	xg_bg "$NS_GW" "$XDPGW" watch --external eth0 >"$XG_TMP/watch.log" 2>&1
else
	say "NAT_IMPL=nft: nft masquerade on gw's eth0 stands in for xdpgw."
	xg_nat_start || die "nft NAT failed"
	works ip netns exec "$NS_GW" nft list table ip xgnat
fi

say "With NAT: HTTP from web to inet works. inet's server logged the peer:"
works ip netns exec "$NS_WEB" curl -sS --max-time 5 "$URL/demo"
works tail -n 1 "$XG_TMP/http.peers"
[ "$(xg_peer_of "$XG_TMP/http.peers" /demo)" = "$GW_EXT_IP" ] || die "peer is not $GW_EXT_IP"

if [ "$NAT_IMPL" = xdpgw ]; then
	say "ping and traceroute through the gateway (ICMP errors of r1 and inet translated back):"
	works ip netns exec "$NS_WEB" ping -c 2 -i 0.2 -W 2 "$INET_IP"
	works ip netns exec "$NS_WEB" traceroute -n -q 1 -w 2 -m 5 "$INET_IP"
fi

say "tcpdump on gw's in0 and eth0 while web opens one TCP connection:"
cap_in=$XG_TMP/in0.txt cap_ext=$XG_TMP/eth0.txt
xg_tcpdump_start "$NS_GW" in0 "$cap_in" || die "tcpdump on in0"
td_in=$XG_LASTPID
xg_tcpdump_start "$NS_GW" eth0 "$cap_ext" || die "tcpdump on eth0"
td_ext=$XG_LASTPID
works ip netns exec "$NS_WEB" curl -sS --max-time 5 -o /dev/null "$URL/tcpdump"
wait_for 5 syn_on_both || die "SYN not captured on both interfaces"
xg_tcpdump_stop "$td_in" "$cap_in"
xg_tcpdump_stop "$td_ext" "$cap_ext"
printf '    in0 : %s\n' "$(grep -m 1 ' Flags \[S\], ' "$cap_in" | cut -d, -f1-2)"
printf '    eth0: %s\n' "$(grep -m 1 ' Flags \[S\], ' "$cap_ext" | cut -d, -f1-2)"
read -r in_src _ in_seq <<<"$(xg_syn "$cap_in")"
read -r ext_src ext_port ext_seq <<<"$(xg_syn "$cap_ext")"
say "Same sequence number ($in_seq), source $in_src rewritten to $ext_src:$ext_port."
[ "$in_src $in_seq" = "$WEB_IP $ext_seq" ] && [ "$ext_src" = "$GW_EXT_IP" ] ||
	die "capture does not show the expected rewrite"

if [ "$NAT_IMPL" = xdpgw ]; then
	say "What xdpgw watch printed meanwhile (seconds on the kernel's monotonic clock):"
	wait_for 5 grep -q time_wait "$XG_TMP/watch.log"
	sed 's/^/    /' "$XG_TMP/watch.log"
	say "The NAT table as xdpgw lists it: both connections closed (FIN both ways):"
	works ip netns exec "$NS_GW" "$XDPGW" flows --external eth0
	say "The fast path: a 20 MB download by web. web and inet send with checksum" \
		"offload off, as on a wire (over a veth a local socket leaves checksums" \
		"to offload, and such packets keep to the slow path)."
	for ns in "$NS_WEB" "$NS_INET"; do ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null; done
	fwd() { ip netns exec "$NS_GW" awk '/^Ip:/ {n++} n == 2 && /^Ip:/ {print $7; exit}' /proc/net/snmp; }
	fwd0=$(fwd)
	works ip netns exec "$NS_WEB" curl -sS --max-time 20 -o /dev/null \
		-w 'got %{size_download} bytes at %{speed_download} bytes/s\n' "$URL/bytes/20000000"
	printf '    gw IpForwDatagrams grew by %d meanwhile (the kernel forwarded those)\n' $(($(fwd) - fwd0))
	say "xdpgw's counters (fast_in/fast_out: forwarded by XDP, never by the stack):"
	works ip netns exec "$NS_GW" "$XDPGW" stats --external eth0
	say "The download's flow, as xdpgw flows lists it and as bpftool dumps it" \
		"(BTF names; addresses and ports also as bytes, a port's high byte first):"
	works ip netns exec "$NS_GW" "$XDPGW" status
	works ip netns exec "$NS_GW" "$XDPGW" flows --proto tcp --port 8080
	sport=$(ip netns exec "$NS_GW" "$XDPGW" flows --json --proto tcp --port 8080 | python3 -c '
import json, sys
flows = json.load(sys.stdin)
print(max(flows, key=lambda f: f["bytes_in"])["internal"].split(":")[1])')
	printf '$ ip netns exec %s bpftool -j map dump pinned %s | (its entry)\n' \
		"$NS_GW" "$(xg_pin_dir)/flows"
	# bpftool names each anonymous union "": keep every pair of the JSON
	ip netns exec "$NS_GW" bpftool -j map dump pinned "$(xg_pin_dir)/flows" | python3 -c '
import json, sys

def find(pairs, name):
    for k, v in pairs:
        if k == name:
            return v
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            got = find(v, name)
            if got is not None:
                return got
    return None

def show(pairs, depth):
    pad = "    " * depth
    items = []
    for k, v in pairs:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            text = show(v, depth + 1)
        elif isinstance(v, list) and v and isinstance(v[0], list):
            text = "[" + ", ".join(show(x, depth + 1) for x in v) + "]"
        else:
            text = json.dumps(v, separators=(",", ":"))
        items.append("%s    \"%s\": %s" % (pad, k, text))
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"

want = int(sys.argv[1])
for entry in json.load(sys.stdin, object_pairs_hook=lambda p: p):
    f = find(entry, "formatted")
    port = find(find(f, "key"), "sport_bytes")
    if port and port[0] * 256 + port[1] == want:
        print(show(f, 0))' "$sport" | sed 's/^/    /'
	say "Stop xdpgw (SIGTERM): it detaches its programs and removes its pins."
else
	say "Remove the nft NAT table."
fi
xg_nat_stop || die "NAT did not stop cleanly (status $XG_NAT_RC)"
works ip -n "$NS_GW" link show eth0
if [ "$NAT_IMPL" = xdpgw ]; then
	fails ls "$(xg_pin_dir)"
fi

say "The path is closed again:"
fails ip netns exec "$NS_WEB" ping -c1 -W1 198.51.100.20
fails ip netns exec "$NS_WEB" curl -sS --max-time 2 "$URL/"

say "Demo complete; tearing down namespaces."
