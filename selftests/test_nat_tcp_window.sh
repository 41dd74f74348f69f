#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, off-path RST and FIN (issue 10, case 2): into a live
# connection from web to inet:7000, three RSTs and three FINs "from"
# inet:7000 with guessed sequence numbers 12345, 2000000000 and 3500000000.
# They lie outside the connection's window: gw drops them and counts them
# (drop_tcp_out_of_window), web never receives one, the flow stays
# established, and the connection goes on afterwards.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                       xdpgw                                    echo server :7000
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup tcpdump
s3_servers
xg_nat_start || xg_fatal "xdpgw run failed"

flow_field() { # flow_field KEY: of web's flow to inet:7000
	xg_xdpgw flows --external eth0 --json --proto tcp |
		python3 -c "import json, sys; print([f['$1'] for f in json.load(sys.stdin) if f['remote'].endswith(':$XG_TCP_PORT')][0])"
}
inject() { # inject FLAGS: the three guesses from inet:7000 to the flow's external port
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/tcp_inject.py" send "$INET_IP" "$XG_TCP_PORT" \
		203.0.113.1 "$ext_port" --flags "$1" --seq 12345 2000000000 3500000000 --ack 1
}
dropped() { [ "$(xg_stat drop_tcp_out_of_window)" = "$1" ]; }

CONV=$XG_TMP/converse.log
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/tcp_inject.py" converse "$INET_IP" "$XG_TCP_PORT" \
	--go "$XG_TMP/go" --timeout 60 >"$CONV" 2>&1
CONV_PID=$XG_LASTPID
check "a live connection from web to inet:7000" wait_for 10 grep -q CONNECTED "$CONV"
check_eq "its flow is established" established "$(flow_field state)"
ext_port=$(flow_field external | cut -d: -f2)
xg_tcpdump_start "$NS_WEB" eth0 "$XG_TMP/web.pcap.txt" || xg_fatal "tcpdump in web did not start"
TCPDUMP_PID=$XG_LASTPID

check_eq "three off-path RSTs sent" "sent 3" "$(inject R)"
check "gw drops them as out of the window" wait_for 5 dropped 3
check_eq "three off-path FINs sent" "sent 3" "$(inject FA)"
check "gw drops them as out of the window" wait_for 5 dropped 6
check_eq "the flow is still established" established "$(flow_field state)"
check_eq "its timeout is still the established one's (days, not seconds)" True \
	"$(python3 -c "print($(flow_field expires_s) > 400000)")"

xg_tcpdump_stop "$TCPDUMP_PID" "$XG_TMP/web.pcap.txt" || xg_fatal "tcpdump in web did not finish"
check_eq "web received no RST and no FIN (its capture)" 0 \
	"$(grep -cE 'Flags \[[^]]*[RF]' "$XG_TMP/web.pcap.txt")"
check_eq "... nor any of the guessed sequence numbers" 0 \
	"$(grep -cE 'seq (12345|2000000000|3500000000)[,:]' "$XG_TMP/web.pcap.txt")"

touch "$XG_TMP/go"
check "the connection goes on: another round trip through it" wait_for 10 xg_dead "$CONV_PID"
check_eq "the client saw both round trips intact" OK "$(tail -n1 "$CONV")"

xg_nat_stop
check_eq "xdpgw exits 0 on SIGTERM" 0 "$XG_NAT_RC"
xg_summary
