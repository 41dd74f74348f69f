#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, restart without loss: a TCP transfer through gw goes on while
# xdpgw is stopped with --keep (programs stay attached, maps stay pinned)
# and when a new `xdpgw run` takes the kept instance over, flows and all.
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#  (TCP stream web -> inet:7000 across: run --keep, stop, run --keep,
#   refused run with other options, run, stop); then run, kill -9, run
#  takes over; down refused while it runs, down --force stops it.
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers

XG_XDPGW_ARGS=(--keep)
xg_nat_start || xg_fatal "xdpgw run --keep failed"
xg_stream_start 12 3
check "the stream is under way" wait_for 5 xg_stream_beyond 0
port_before=$(xg_stream_external)

# ---- stopped with --keep: translation goes on without a daemon
xg_nat_stop
check_eq "run --keep exits 0 on SIGTERM" 0 "$XG_NAT_RC"
check "programs still attached, maps still pinned" gw_has_xdpgw
at_stop=$(xg_stream_bytes)
check "the stream goes on with no daemon running" wait_for 5 xg_stream_beyond "$at_stop"

# ---- a new run takes over the kept instance
xg_nat_start || xg_fatal "second xdpgw run failed"
check "the new run took the kept instance over" wait_for 5 took_over
check_eq "the stream's flow kept its external port" "$port_before" "$(xg_stream_external)"
at_takeover=$(xg_stream_bytes)
check "the stream goes on after the takeover" wait_for 5 xg_stream_beyond "$at_takeover"

# ---- a takeover asking for another translation is refused
xg_nat_stop
check_eq "stopped with --keep again" 0 "$XG_NAT_RC"
check "xdpgw run with another --internal is refused" \
	bash -c "! ip netns exec '$NS_GW' '$XDPGW' run --external eth0 --internal 10.100.0.0/16 --internal-if in0 \
		2>'$XG_TMP/refused.err'"
check "it says what the kept instance translates" \
	grep -q "kept instance translating 10.100.20.0/24 to 203.0.113.1" "$XG_TMP/refused.err"
check "the refusal left the kept instance alone" gw_has_xdpgw

# ---- last run without --keep: at its stop, nothing is left
XG_XDPGW_ARGS=()
xg_nat_start || xg_fatal "third xdpgw run failed"
check "the third run took over too" wait_for 5 took_over
check "the stream ends cleanly: every chunk echoed, no reset" wait_for 20 xg_dead "$XG_STREAM_PID"
check "stream reports success" xg_stream_ok
xg_nat_stop
check_eq "the last run exits 0" 0 "$XG_NAT_RC"
check "nothing of xdpgw is left on eth0 or in the pin directory" \
	bash -c "! ip -n '$NS_GW' link show eth0 | grep -q xdpgw &&
		[ -z \"\$(tc -n '$NS_GW' filter show dev eth0 egress)\" ] &&
		! tc -n '$NS_GW' qdisc show dev eth0 | grep -q clsact &&
		[ ! -e '$(xg_pin_dir)' ]"

# ---- a crashed daemon (kill -9): the next run still takes over
XG_XDPGW_ARGS=()
xg_nat_start || xg_fatal "fourth xdpgw run failed"
kill -KILL "$XG_NAT_PID"; wait "$XG_NAT_PID" 2>/dev/null
XG_NAT_PID=
check "after kill -9 the instance is still attached and pinned" gw_has_xdpgw
XG_XDPGW_ARGS=(--keep)
xg_nat_start || xg_fatal "run after kill -9 failed"
check "the run after kill -9 took the instance over" wait_for 5 took_over
check "UDP through the taken-over instance" \
	ip netns exec "$NS_WEB" python3 "$XG_TOOLS/udp_echo.py" client "$INET_IP" "$XG_UDP_PORT" after-kill

# ---- down while it runs: refused, naming the pid; --force stops it
check_fails "down while the daemon runs is refused" xg_xdpgw down
check "... with exit 1, naming the daemon's pid" bash -c \
	"ip netns exec '$NS_GW' '$XDPGW' down 2>&1 | grep -q 'running xdpgw (pid $XG_NAT_PID)';
	 [ \${PIPESTATUS[0]} -eq 1 ]"
check "the refusal left the daemon running" xg_alive "$XG_NAT_PID"
check "... and its instance attached" gw_has_xdpgw
check "down --force stops the --keep daemon and removes what it kept" xg_xdpgw down --force
wait "$XG_NAT_PID"
check_eq "the daemon exited with 0, as on SIGTERM" 0 "$?"
XG_NAT_PID=
check "nothing is left after down --force" \
	bash -c "! ip -n '$NS_GW' link show eth0 | grep -q xdpgw &&
		! ip -n '$NS_GW' link show in0 | grep -q xdpgw_internal &&
		[ -z \"\$(tc -n '$NS_GW' filter show dev eth0 egress)\" ] && [ ! -e '$(xg_pin_dir)' ]"
check "a new run starts on the freed interface" xg_nat_start
xg_summary
