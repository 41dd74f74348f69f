#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S3, an upgrade without loss: SIGUSR2 makes `xdpgw run` hand its
# instance over (exit 75, programs attached, maps pinned, as --keep would),
# and the next run takes it over, flows and all. The systemd unit restarts
# the daemon on exit 75 (`systemctl kill -s USR2 xdpgw@NAME`).
#
#  web 10.100.20.57 --- in0 [gw] eth0 203.0.113.1 --- [r1] --- inet 198.51.100.20
#  (TCP stream web -> inet:7000 across: run, SIGUSR2, run, SIGTERM)
set -u
source "$(dirname "$0")/lib.sh"

s3_test_setup
s3_servers

xg_nat_start || xg_fatal "xdpgw run failed"
xg_stream_start 10 3
check "the stream is under way" wait_for 5 xg_stream_beyond 0
port_before=$(xg_stream_external)

xg_stop "$XG_NAT_PID" 10 USR2; rc=$?
XG_NAT_PID=
check_eq "SIGUSR2: run exits 75 (handover)" 75 "$rc"
check "it said it hands the instance over" grep -q 'handing the instance over' "$XG_TMP/xdpgw.log"
check "programs still attached, maps still pinned" gw_has_xdpgw
at_stop=$(xg_stream_bytes)
check "the stream goes on with no daemon running" wait_for 5 xg_stream_beyond "$at_stop"

xg_nat_start || xg_fatal "the run after the handover failed"
check "the next run took the instance over" wait_for 5 took_over
check_eq "the stream's flow kept its external port" "$port_before" "$(xg_stream_external)"
check "the stream ends cleanly: every chunk echoed, no reset" wait_for 20 xg_dead "$XG_STREAM_PID"
check "stream reports success" xg_stream_ok
xg_nat_stop
check_eq "SIGTERM after the takeover: exit 0" 0 "$XG_NAT_RC"
check "nothing of xdpgw is left on eth0 or in the pin directory" \
	bash -c "! ip -n '$NS_GW' link show eth0 | grep -q xdpgw && [ ! -e '$(xg_pin_dir)' ]"
xg_summary
