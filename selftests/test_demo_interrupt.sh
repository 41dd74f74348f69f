#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo` interrupted (Ctrl-C) half-way, with xdpgw running in its
# gateway: the demo exits non-zero and leaves no namespace, no process and
# no bpffs mount it made behind. (The whole demo runs in .ci/run.)
#
# The demo builds its own S3 namespaces; this test makes none.
set -u
source "$(dirname "$0")/lib.sh"

xg_require_root
xg_require_tools ip setsid
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
xg_init
log=$XG_TMP/demo.log
was_mounted=no
mountpoint -q "$XG_PIN_ROOT" && was_mounted=yes

# Its own session, so that the INT reaches the demo and its children, as
# Ctrl-C at a terminal does.
setsid bash "$XG_DIR/demo_s3.sh" >"$log" 2>&1 </dev/null &
demo=$!
XG_PIDS+=("$demo")
flows_step() { grep -q 'Watch flow events' "$log"; }
check "the demo reaches the point where xdpgw runs" wait_for 60 flows_step
suffix=$(grep -o 'gw-xg[0-9]*-[0-9a-f]*' "$log" | head -1)
suffix=${suffix#gw-}
check "the demo's namespaces are named (-$suffix)" test -n "$suffix"
ns_pids=$(for ns in $(ip netns list | awk -v s="-$suffix" 'index($1, s) {print $1}'); do
	ip netns pids "$ns"; done)
check "xdpgw and the servers run in them" test -n "$ns_pids"

kill -INT -- -"$demo"
check "the demo stops within 20 s of SIGINT" wait_for 20 xg_dead "$demo"
wait "$demo"; rc=$?
check "it exits non-zero ($rc)" test "$rc" -ne 0
check_eq "no namespace of the demo is left" "" \
	"$(ip netns list | awk -v s="-$suffix" 'index($1, s) {print $1}')"
alive=
for p in $ns_pids; do xg_alive "$p" && alive+=" $p"; done
check_eq "no process of the demo is left" "" "$alive"
check "no pin directory of the demo is left" test ! -e "$XG_PIN_ROOT/gw-$suffix"
now_mounted=no
mountpoint -q "$XG_PIN_ROOT" && now_mounted=yes
check_eq "the bpffs at $XG_PIN_ROOT is as it was before the demo" "$was_mounted" "$now_mounted"
xg_summary
