#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, ICMP errors from inside (issue 10, case 5; RFC 5508 asks for
# the payload of ICMP errors to be translated both ways): web has a UDP flow
# to inet and closes its socket; inet sends to the flow's external port;
# web's port unreachable goes out translated (outer source, quoted
# destination address and port, every checksum), so inet's connected socket
# gets ECONNREFUSED, checked at inet, where a raw socket also checks every
# checksum of the error independently. An error from inside about a packet
# of no flow never leaves.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
PORT=7100
# inet's datagram as on a wire (checksum complete), so that the quote of it
# that comes back has a UDP checksum inet can verify.
xg_run ip netns exec "$NS_INET" ethtool -K eth0 tx off >/dev/null
xg_nat_start || xg_fatal "xdpgw run failed"

xg_bg "$NS_INET" python3 -u "$XG_TOOLS/udp_refused.py" "$PORT" --go "$XG_TMP/go" \
	>"$XG_TMP/refused.log" 2>&1
far=$XG_LASTPID
wait_for 10 xg_listening "$NS_INET" udp "$PORT" || xg_fatal "udp_refused.py did not start"

check "web sends inet one datagram from port 5500, then closes its socket" \
	ip netns exec "$NS_WEB" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 5500))
s.sendto(b'hello', ('$INET_IP', $PORT))
s.close()"
peer_known() { grep -q '^peer' "$XG_TMP/refused.log"; }
wait_for 5 peer_known
check_eq "inet got it from the flow's external address and port" "peer $GW_EXT_IP 5500" \
	"$(grep '^peer' "$XG_TMP/refused.log")"

# An error about a packet of no flow, made by hand in web: dropped at gw.
no_flow_before=$(xg_stat drop_out_icmp_no_flow)
check "web sends a port unreachable about a packet of no flow (inet:9 -> web:5999)" \
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/craft.py" unreach "$WEB_IP" "$INET_IP" \
	"$INET_IP" "$WEB_IP" 9 5999
no_flow_counted() { [ "$(xg_stat drop_out_icmp_no_flow)" -gt "$no_flow_before" ]; }
check "gw drops it (drop_out_icmp_no_flow)" wait_for 5 no_flow_counted

errors_before=$(xg_stat out_icmp_error)
touch "$XG_TMP/go" # inet sends to 203.0.113.1:5500; web's socket is gone
wait_for 15 xg_dead "$far"
wait "$far" 2>/dev/null
check_eq "inet's connected socket gets ECONNREFUSED from web's port unreachable" refused \
	"$(tail -n 1 "$XG_TMP/refused.log")"
check_eq "the only error inet got: from gw's address, quoting inet's datagram to the flow's
    external address and port, with every checksum right (IP, ICMP, quoted IP, quoted UDP)" \
	"error 3/3 from $GW_EXT_IP quote $INET_IP:$PORT>$GW_EXT_IP:5500 csums ok" \
	"$(grep '^error' "$XG_TMP/refused.log")"
check_eq "gw counted one error translated out (out_icmp_error)" $((errors_before + 1)) \
	"$(xg_stat out_icmp_error)"

xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
