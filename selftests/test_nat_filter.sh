#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, the inbound filter table (issue 13): connections from inet to
# a TCP server of the gateway itself (on its external address), judged by
# `xdpgw filter` rules changed at runtime. Asserted where they would arrive
# (the gateway's server log) and by the counters (in_filter_drop, `filter
# list`); `watch` names the rule that dropped. Web's connections out go on
# under `default drop` (replies of inside flows are never filtered), and so
# does a connection to the gateway opened before the default changed.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#                             gw: a TCP echo server on 203.0.113.1:2222
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers
GW_PORT=2222
: >"$XG_TMP/gw-tcp.peers"
xg_bg "$NS_GW" python3 -u "$XG_TOOLS/tcp_echo.py" server "$GW_PORT" --log "$XG_TMP/gw-tcp.peers" \
	>"$XG_TMP/gw-tcp.log" 2>&1
wait_for 10 xg_listening "$NS_GW" tcp "$GW_PORT" || xg_fatal "gw's TCP server did not start"
xg_nat_start || xg_fatal "xdpgw run failed"

filter() { xg_xdpgw filter "$@" --external eth0; }
# One connection from inet to gw's server, tagged; 0 iff its echo came back.
to_gw() { ip netns exec "$NS_INET" python3 "$XG_TOOLS/tcp_echo.py" client "$GW_EXT_IP" "$GW_PORT" \
	"$1" -n 1 --timeout 3 >/dev/null 2>&1; }
logged() { grep -q "^$INET_IP [0-9]* $1-0\$" "$XG_TMP/gw-tcp.peers"; }
stat_beyond() { [ "$(xg_stat "$1")" -ge "$2" ]; }
# packets counted on rule $1 (a number, or "-" for the default) by `filter list`
listed_packets() { filter list | awk -v r="$1" '$1 == r {print $2}'; }
web_to_inet() { ip netns exec "$NS_WEB" python3 "$XG_TOOLS/tcp_echo.py" client "$INET_IP" \
	"$XG_TCP_PORT" "$1" -n 1 --timeout 5 >/dev/null 2>&1; }
event_rule() { grep -q "\"reason\":\"in_filter_drop\",\"rule\":$1}" "$XG_TMP/watch.log"; }

check "no rule, default allow: inet reaches gw's server" to_gw a1
check "gw's server logged it" logged a1
check_eq "filter list: the default counted it" 1 "$([ "$(listed_packets -)" -ge 3 ] && echo 1)"

# (events wait in the ring buffer until watch reads them: no start race)
xg_bg "$NS_GW" sh -c "exec \"$XDPGW\" watch --external eth0 --json >\"$XG_TMP/watch.log\""
watch_pid=$XG_LASTPID

# a connection opened now, kept open across the change to default drop
xg_bg "$NS_INET" python3 -u "$XG_TOOLS/tcp_echo.py" stream "$GW_EXT_IP" "$GW_PORT" --seconds 30 \
	>"$XG_TMP/stream-gw.log" 2>&1
stream_pid=$XG_LASTPID
stream_bytes() { awk '/^bytes/ {n = $2} END {print n + 0}' "$XG_TMP/stream-gw.log"; }
stream_beyond() { [ "$(stream_bytes)" -gt "$1" ]; }
check "a long connection from inet to gw streams" wait_for 5 stream_beyond 0

check "filter default drop" filter default drop
check_fails "default drop: inet's new connection fails" to_gw d1
check_fails "gw's server did not log it" logged d1
check "in_filter_drop counted" wait_for 3 stat_beyond in_filter_drop 1
check "watch: dropped by the default (rule 0)" wait_for 3 event_rule 0
before=$(stream_bytes)
check "the connection opened before goes on streaming" wait_for 5 stream_beyond "$before"
check "web's connection out to inet works (its replies are not filtered)" web_to_inet w1
check "inet's server logged web's connection from gw's address" \
	grep -q "^$GW_EXT_IP [0-9]* w1-0\$" "$XG_TMP/tcp.peers"

check "filter add allow tcp 2222 from 198.51.100.0/24" \
	filter add allow tcp "$GW_PORT" from 198.51.100.0/24
check "allowed: inet reaches gw's server again" to_gw r1
check "gw's server logged it" logged r1
check_eq "filter list: rule 1 is the allow" "allow tcp 2222 from 198.51.100.0/24" \
	"$(filter list | awk '$1 == 1 {print $4, $5, $6, $7, $8}')"
check_eq "filter list: rule 1 counted the connection" 1 \
	"$([ "$(listed_packets 1)" -ge 3 ] && echo 1)"

check "filter add --at 1 drop tcp 2222 from inet's address" \
	filter add --at 1 drop tcp "$GW_PORT" from "$INET_IP"
check_fails "the drop before the allow wins: inet's connection fails" to_gw f1
check_fails "gw's server did not log it" logged f1
check "watch: dropped by rule 1" wait_for 3 event_rule 1
check_eq "filter list --json: two rules, the drop first" \
	'"number":1,"rule":"drop tcp 2222 from 198.51.100.20/32"' \
	"$(filter list --json | grep -o '"number":1,"rule":"[^"]*"')"

bad_rule() {
	local out
	out=$(filter add allow tcp 70000 2>&1)
	[ $? -eq 1 ] && grep -q "bad port '70000'" <<<"$out" && grep -q 'nothing changed' <<<"$out"
}
check "a bad rule is refused with the reason" bad_rule
check_eq "the table is unchanged: two rules" 2 "$(filter list | awk '$1 ~ /^[0-9]+$/' | wc -l)"
check_fails "del of a rule that is not there fails" filter del allow udp 53

check "filter del 1 (by number)" filter del 1
check "inet reaches gw's server again" to_gw g1
check "filter del allow tcp 2222 from 198.51.100.0/24 (by its words)" \
	filter del allow tcp "$GW_PORT" from 198.51.100.0/24
check_fails "only the default drop is left: inet's connection fails" to_gw h1
check "filter default allow" filter default allow
check "default allow: inet reaches gw's server" to_gw i1
check "gw's server logged it" logged i1

xg_stop "$stream_pid"
xg_stop "$watch_pid"
xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"

# The table from run's config file: [filter], applied when the instance
# starts and again on SIGHUP as the file changed; a bad line is refused with
# FILE:LINE before anything is attached.
CONF=$XG_TMP/gw.conf
printf '[filter]\ndefault drop\nallow tcp 9999 from 198.51.100.0/24\nallow tcp 70000\n' >"$CONF"
out=$(xg_xdpgw run --external eth0 --internal 10.100.20.0/24 --config "$CONF" 2>&1)
check_eq "a bad [filter] line: exit 1" 1 "$?"
check "... naming FILE:LINE and the reason" grep -q "$CONF:4: .*70000" <<<"$out"
check_fails "... nothing attached" gw_has_xdpgw
printf '[filter]\ndefault drop   # from the file\nallow tcp 9999\n' >"$CONF"
XG_XDPGW_ARGS=(--config "$CONF")
xg_nat_start || xg_fatal "xdpgw run --config failed"
rule1() { filter list | awk '$1 == 1 {print $4, $5, $6}'; }
check_eq "the file's rule is rule 1" "allow tcp 9999" "$(rule1)"
check_fails "the file's default drop: inet's connection fails" to_gw j1
printf '[filter]\ndefault drop\nallow tcp %s\n' "$GW_PORT" >"$CONF"
kill -HUP "$XG_NAT_PID"
check "SIGHUP: the file's new rule lets inet in" wait_for 5 to_gw k1
check_eq "... in place of the old one" "allow tcp $GW_PORT" "$(rule1)"
xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
