#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, IP fragments through the NAT: UDP datagrams of 3000 and 8000
# bytes, fragmented by web on the way out and by inet on the way back, are
# echoed whole; a later fragment arriving before its first fragment is
# counted and never delivered to a guessed host, also when the whole
# datagram comes last fragment first. Issue 10, case 9: from inside, a later
# fragment of GRE (which xdpgw drops whole) or of a datagram whose first
# fragment never went never leaves; overlapping fragments, and the rest of
# their datagram, are dropped both ways (captured where they would arrive).
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#  (MTU 1500 everywhere)
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers
xg_nat_start || xg_fatal "xdpgw run failed"

udp_echo() { # udp_echo SIZE: one echo of SIZE bytes, whole and identical
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" \
		"size-$1" --size "$1" --tries 2 --timeout 2
}
check "a 3000-byte UDP datagram is echoed whole" udp_echo 3000
check "an 8000-byte UDP datagram is echoed whole" udp_echo 8000
check "its later fragments went out translated (out_fragment)" test "$(xg_stat out_fragment)" -ge 6
check "the echo's later fragments came back translated (in_fragment)" \
	test "$(xg_stat in_fragment)" -ge 6
check_eq "inet saw the datagrams from 203.0.113.1" "203.0.113.1 203.0.113.1" \
	"$(awk '$3 ~ /^size-/ {printf "%s%s", sep, $1; sep = " "}' "$XG_TMP/udp.peers")"

early_before=$(xg_stat in_fragment_early)
check "a later fragment, sent with no first fragment ever" \
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/send_fragment.py" "$INET_IP" 203.0.113.1 --id 7777
counted() { [ "$(xg_stat in_fragment_early)" -gt "$early_before" ]; }
check "is counted as in_fragment_early" wait_for 3 counted

# A datagram whose fragments arrive last first: the later two reach gw
# before the first one, so they are passed untouched and counted; the first
# is translated but the host never gets the rest: the datagram is lost (as
# README says), and nothing reaches web half-made.
xg_bg "$NS_WEB" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5400))
s.sendto(b"open", ("'"$INET_IP"'", 7400))
s.settimeout(3)
try:
    data, _ = s.recvfrom(65535)
    print(len(data))
except socket.timeout:
    print("nothing")' >"$XG_TMP/reordered.out"
receiver=$XG_LASTPID
flow_open() { xg_xdpgw flows --external eth0 --port 5400 | grep -q '203.0.113.1:5400'; }
check "web's flow to inet:7400 is open, external port 5400 kept" wait_for 10 flow_open
early_before=$(xg_stat in_fragment_early)
check "inet sends a 3000-byte datagram to it in three fragments, last first" \
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/send_fragment.py" "$INET_IP" 203.0.113.1 \
	--id 4242 --datagram 7400 5400 --bytes 3000
wait "$receiver"
check_eq "the two fragments before their first are counted as in_fragment_early" \
	$((early_before + 2)) "$(xg_stat in_fragment_early)"
check_eq "web gets nothing of that datagram (lost whole, never half)" nothing \
	"$(cat "$XG_TMP/reordered.out")"

# ---- fragments out that never leave, seen from the link to r1
from_web() { ip netns exec "$NS_WEB" python3 "$XG_TOOLS/craft.py" "$@" >/dev/null; }
from_inet() { ip netns exec "$NS_INET" python3 "$XG_TOOLS/craft.py" "$@" >/dev/null; }
stat_beyond() { [ "$(xg_stat "$1")" -ge "$2" ]; }
# "id N, offset N" of every fragment in a capture made with -v
frag_ids() { grep -o 'id [0-9]*, offset [0-9]*' "$1" | paste -sd ' '; }
FRAGS='ip[6:2] & 0x3fff != 0'

xg_capture_start "$NS_R1" eth0 "$XG_TMP/r1.cap" -v "$FRAGS" || xg_fatal "tcpdump on r1 did not start"
cap=$XG_LASTPID
unsupported=$(xg_stat drop_unsupported_proto) no_first=$(xg_stat drop_frag_no_first)
overlap=$(xg_stat drop_frag_overlap)
check "web sends a later GRE fragment to inet" \
	from_web frag "$WEB_IP" "$INET_IP" --proto 47 --id 9001 --offset 185 --bytes 800
check "dropped as GRE is (drop_unsupported_proto)" \
	wait_for 5 stat_beyond drop_unsupported_proto $((unsupported + 1))
check "web sends a later UDP fragment whose first never went" \
	from_web frag "$WEB_IP" "$INET_IP" --id 9002 --offset 185 --bytes 800
check "dropped (drop_frag_no_first)" wait_for 5 stat_beyond drop_frag_no_first $((no_first + 1))
overlapping() { # overlapping FROM SRC DST ID [--ports S D]: first, overlapping, last
	local from=$1 src=$2 dst=$3 id=$4
	shift 4
	$from frag "$src" "$dst" --id "$id" --offset 0 --more "$@" &&
		$from frag "$src" "$dst" --id "$id" --offset 100 --more --bytes 800 &&
		$from frag "$src" "$dst" --id "$id" --offset 185 --bytes 800
}
check "web sends datagram 9003: its first fragment, one overlapping it, the last" \
	overlapping from_web "$WEB_IP" "$INET_IP" 9003
check "the overlapping one and the last are dropped (drop_frag_overlap)" \
	wait_for 5 stat_beyond drop_frag_overlap $((overlap + 2))
check "then the first fragment of datagram 9004" \
	from_web frag "$WEB_IP" "$INET_IP" --id 9004 --offset 0 --more
first_seen() { grep -q 'id 9004, offset 0' "$XG_TMP/r1.cap"; }
check "reaches r1" wait_for 5 first_seen
xg_tcpdump_stop "$cap" "$XG_TMP/r1.cap"
check_eq "the fragments on the link to r1: the two first fragments, nothing else" \
	"id 9003, offset 0 id 9004, offset 0" "$(frag_ids "$XG_TMP/r1.cap")"
check_fails "web's address never appears there" grep -q "$WEB_IP" "$XG_TMP/r1.cap"

# ---- overlapping fragments in, seen from web
check "web opens a UDP flow to inet:7401 from port 5401" ip netns exec "$NS_WEB" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 5401))
s.sendto(b'open', ('$INET_IP', 7401))"
xg_capture_start "$NS_WEB" eth0 "$XG_TMP/web.cap" -v "$FRAGS" || xg_fatal "tcpdump on web did not start"
cap=$XG_LASTPID
overlap=$(xg_stat drop_frag_overlap)
check "inet sends datagram 9101 to it: first fragment, one overlapping it, the last" \
	overlapping from_inet "$INET_IP" "$GW_EXT_IP" 9101 --ports 7401 5401
check "gw drops the overlapping one and the last (drop_frag_overlap)" \
	wait_for 5 stat_beyond drop_frag_overlap $((overlap + 2))
check "then the first fragment of datagram 9102" \
	from_inet frag "$INET_IP" "$GW_EXT_IP" --id 9102 --offset 0 --more --ports 7401 5401
first_seen() { grep -q 'id 9102, offset 0' "$XG_TMP/web.cap"; }
check "reaches web" wait_for 5 first_seen
xg_tcpdump_stop "$cap" "$XG_TMP/web.cap"
check_eq "the fragments web got: the two first fragments, nothing else" \
	"id 9101, offset 0 id 9102, offset 0" "$(frag_ids "$XG_TMP/web.cap")"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
