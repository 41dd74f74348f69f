#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3: the rule sections of `xdpgw run --config FILE` ([forward],
# [static]). A bad line is refused with FILE:LINE before anything is
# attached, and so is a rule the instance refuses when it is applied (two
# forwards of one port); the file's forward and static mapping work from the
# start; SIGHUP applies the file's changes (a forward moved to another port,
# the static mapping removed) without a restart, and leaves a forward added
# with the verb alone. Asserted where the traffic arrives: web's UDP server
# log (the peer it saw and the tag).
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
set -u
source "$(dirname "$0")/lib.sh"

WEB_PORT=5454
STATIC_IP=203.0.113.57
CONF=

s3_test_setup
s3_servers
: >"$XG_TMP/web-udp.peers"
xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/udp_echo.py" server "$WEB_PORT" --log "$XG_TMP/web-udp.peers" \
	>"$XG_TMP/web-udp.log" 2>&1
wait_for 10 xg_listening "$NS_WEB" udp "$WEB_PORT" || xg_fatal "web's UDP server did not start"
CONF=$XG_TMP/gw.conf

# udp_to HOST PORT TAG: from inet, one echo exchange (a few tries).
udp_to() {
	ip netns exec "$NS_INET" python3 "$XG_TOOLS/udp_echo.py" client "$1" "$2" "$3" --tries 3 \
		--timeout 1 >/dev/null 2>&1
}
web_saw() { grep -q "^$INET_IP [0-9]* $1\$" "$XG_TMP/web-udp.peers"; }
run_refused() { # FILE-TEXT WHAT: run exits 1 naming WHAT, nothing attached
	local out rc
	printf "$1" >"$CONF"
	# a run that would start instead of refusing: stopped after 60 s
	out=$(timeout 60 ip netns exec "$NS_GW" "$XDPGW" run --external eth0 \
		--internal 10.100.20.0/24 --config "$CONF" 2>&1)
	rc=$?
	[ $rc -eq 1 ] && grep -qF -- "$2" <<<"$out" && ! gw_has_xdpgw ||
		{ xg_log "    rc=$rc: $out"; return 1; }
}

check "a malformed [forward] line: refused as FILE:LINE, nothing attached" \
	run_refused "[forward]\nudp 203.0.113.1:5000 10.100.20.57:5454\nudp 203.0.113.1:70000 $WEB_IP:1\n" \
	"$CONF:3:"
check "two forwards of one port: the second refused as FILE:LINE, nothing attached" \
	run_refused "[forward]\nudp 203.0.113.1:5000 $WEB_IP:5454\nudp 203.0.113.1:5000 $WEB_IP:5455\n" \
	"$CONF:3:"

printf '[forward]\nudp 203.0.113.1:5000 %s:%s\n[static]\n%s %s\n' "$WEB_IP" "$WEB_PORT" \
	"$STATIC_IP" "$WEB_IP" >"$CONF"
XG_XDPGW_ARGS=(--config "$CONF")
xg_nat_start || xg_fatal "xdpgw run --config failed"
check "the file's forward: inet reaches web on 203.0.113.1:5000" udp_to "$GW_EXT_IP" 5000 f1
check "web's server saw inet's own address" web_saw f1
check "the file's static mapping: inet reaches web at $STATIC_IP" udp_to "$STATIC_IP" "$WEB_PORT" s1
check "a forward added with the verb" \
	xg_xdpgw forward add udp "$GW_EXT_IP:6000" "$WEB_IP:$WEB_PORT" --external eth0

# The file changes: the forward moves to 5001, the static mapping goes.
printf '[forward]\nudp 203.0.113.1:5001 %s:%s\n' "$WEB_IP" "$WEB_PORT" >"$CONF"
kill -HUP "$XG_NAT_PID"
forward_moved() { xg_xdpgw forward list --external eth0 | grep -q ':5001 '; }
check "SIGHUP: the new forward is there" wait_for 5 forward_moved
check "inet reaches web on 203.0.113.1:5001" udp_to "$GW_EXT_IP" 5001 f2
check_fails "... and no longer on 5000" udp_to "$GW_EXT_IP" 5000 f3
check_fails "web did not see it" web_saw f3
check_fails "the static mapping is gone: inet does not reach web at $STATIC_IP" \
	udp_to "$STATIC_IP" "$WEB_PORT" s2
check_fails "web did not see it" web_saw s2
check "the verb's forward stays: inet reaches web on 203.0.113.1:6000" udp_to "$GW_EXT_IP" 6000 v1
check "the daemon said what it changed" \
	grep -q "gw.conf:2: added forward udp 203.0.113.1:5001" "$XG_TMP/xdpgw.log"
xg_nat_stop
check_eq "xdpgw exits 0" 0 "$XG_NAT_RC"
xg_summary
