#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xdpgw refuses bad input and bad configuration clearly, and a failure
# half-way through attaching leaves nothing behind.
#
#   [ gw: eth0 203.0.113.1/24 ] ---- [ r1: eth0 ]      gw also has tun0 (no
#         in0 10.100.20.1/24  ---- [ r1: in1  ]      Ethernet) and bare0
#                                                    (no IPv4 address)
set -u
source "$(dirname "$0")/lib.sh"

xg_require_root
xg_require_tools bpftool tc ip
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
xg_init
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"

NS_GW=gw-$XG_ID NS_R1=r1-$XG_ID
xg_run xg_ns_add "$NS_GW"
xg_run xg_ns_add "$NS_R1"
xg_run xg_veth "$NS_GW" eth0 "$NS_R1" eth0
xg_run xg_veth "$NS_GW" bare0 "$NS_R1" bare1
xg_run xg_veth "$NS_GW" in0 "$NS_R1" in1
xg_run xg_addr "$NS_GW" eth0 203.0.113.1/24
xg_run xg_addr "$NS_GW" in0 10.100.20.1/24
xg_run ip -n "$NS_GW" tuntap add tun0 mode tun

ERR=$XG_TMP/stderr

# xdpgw_fails EXIT_CODE MESSAGE ARGS... : xdpgw must exit with EXIT_CODE and
# say MESSAGE (a fixed string) on stderr.
xdpgw_fails() {
	local want=$1 msg=$2 rc
	shift 2
	xg_xdpgw "$@" >/dev/null 2>"$ERR"
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$msg" "$ERR"; then
		xg_pass "xdpgw $* -> exit $want, \"$msg\""
	else
		xg_failed "xdpgw $*" "exit $want and \"$msg\"" "exit $rc: $(head -c 300 "$ERR")"
	fi
}

# Nothing of xdpgw is left on eth0 or in the pin directory.
nothing_left() {
	! ip -n "$NS_GW" link show eth0 | grep -q 'prog/xdp.*xdpgw' &&
		! ip -n "$NS_GW" link show in0 | grep -q 'prog/xdp.*xdpgw' &&
		[ -z "$(tc -n "$NS_GW" filter show dev eth0 egress 2>/dev/null)" ] &&
		[ ! -e "$(xg_pin_dir)" ]
}

run_args=(--external eth0 --internal 10.100.20.0/24)

# ---- usage errors: exit 2, the option named
xdpgw_fails 2 "unknown verb 'frobnicate'" frobnicate
xdpgw_fails 2 "--external IF is required" run --internal 10.100.20.0/24
xdpgw_fails 2 "--internal CIDR is required" run --external eth0
xdpgw_fails 2 "--internal '10.100.20.1/24'" run --external eth0 --internal 10.100.20.1/24
xdpgw_fails 2 "--internal '10.100.20.0/40'" run --external eth0 --internal 10.100.20.0/40
xdpgw_fails 2 "--ports '2000-1000'" run "${run_args[@]}" --ports 2000-1000
xdpgw_fails 2 "--ports '0-10'" run "${run_args[@]}" --ports 0-10
xdpgw_fails 2 "--max-flows '0'" run "${run_args[@]}" --max-flows 0
xdpgw_fails 2 "--external-ip 'gw'" run "${run_args[@]}" --external-ip gw
xdpgw_fails 2 "--timeout 'established'" run "${run_args[@]}" --timeout established
xdpgw_fails 2 "--timeout 'sleepy=5'" run "${run_args[@]}" --timeout sleepy=5
xdpgw_fails 2 "--filtering 'full-cone': not endpoint-independent" \
	run "${run_args[@]}" --filtering full-cone
xdpgw_fails 2 "--internal-if names the fast path's interface: not with --no-fast-path" \
	run "${run_args[@]}" --internal-if in0 --no-fast-path
xdpgw_fails 2 "option '--proto' is not for this verb" stats --external eth0 --proto tcp
xdpgw_fails 2 "--proto 'sctp': tcp, udp or icmp" flows --external eth0 --proto sctp
xdpgw_fails 2 "--addr 'web': not an IPv4 address" flows --external eth0 --addr web
xdpgw_fails 2 "--port '70000'" flows --external eth0 --port 70000
# no instance in gw's namespace: the verbs cannot find one and say so
for verb in flows stats watch down; do
	xdpgw_fails 1 "xdpgw $verb: no xdpgw instance in this network namespace" $verb
done

# ---- configuration errors: exit 1, the interface or path named
xdpgw_fails 1 "interface 'eth9' not found" run --external eth9 --internal 10.100.20.0/24
xdpgw_fails 1 "interface 'tun0' cannot be used: not an Ethernet interface" \
	run --external tun0 --internal 10.100.20.0/24
xdpgw_fails 1 "interface 'bare0' has no IPv4 address" \
	run --external bare0 --internal 10.100.20.0/24
xdpgw_fails 1 "--pin-root /tmp: not a directory on a bpffs" run "${run_args[@]}" --pin-root /tmp
xdpgw_fails 1 "internal interface 'in9' not found" run "${run_args[@]}" --internal-if in9
xdpgw_fails 1 "internal interface 'tun0' cannot be used: not an Ethernet interface" \
	run "${run_args[@]}" --internal-if tun0
xdpgw_fails 1 "no route but the default one sends 192.168.7.0/24 to an interface" \
	run --external eth0 --internal 192.168.7.0/24
xdpgw_fails 1 "the internal prefix 203.0.113.0/25 is routed through the external interface 'eth0'" \
	run --external eth0 --internal 203.0.113.0/25
xdpgw_fails 1 "is routed through the external interface 'eth0'" \
	run "${run_args[@]}" --internal-if eth0
xdpgw_fails 1 "no xdpgw instance on 'eth0'" stats --external eth0
xdpgw_fails 1 "no xdpgw instance on 'eth0'" flows --external eth0
xdpgw_fails 1 "no xdpgw instance on 'eth0'" watch --external eth0
xdpgw_fails 1 "no xdpgw instance on 'eth0'" down --external eth0

# ---- a bad --config file: exit 1, FILE:LINE and the option named
CONF=$XG_TMP/run.conf
# conf_fails MESSAGE TEXT : `run --config` of a file holding TEXT
conf_fails() {
	printf '%b' "$2" >"$CONF"
	xdpgw_fails 1 "${1//FILE/$CONF}" run --config "$CONF"
}
xdpgw_fails 1 "cannot open config $XG_TMP/none.conf" run --config "$XG_TMP/none.conf" "${run_args[@]}"
conf_fails "FILE:3: ports '9-1': not a range" "external eth0\n# x\nports 9-1\n"
conf_fails "FILE:1: keep takes no value" "keep yes\n"
conf_fails "FILE:2: filtering 'open'" "external eth0\nfiltering open\n"
conf_fails "FILE:2: unknown option 'listen'" "external eth0\nlisten 203.0.113.1:80\n"
conf_fails "FILE:2: unknown section [web]" "external eth0\n[web]\n"
conf_fails "FILE:2: a section header is [NAME] alone on its line" "external eth0\n[proxy] x\n"
conf_fails "FILE:4: backend 'web1': expected A.B.C.D:PORT" \
	"external eth0\n[proxy]\nlisten 203.0.113.1:80\nbackend web1\n"
conf_fails "FILE: [proxy]: --listen ADDR:PORT is required" \
	"external eth0\ninternal 10.100.20.0/24\n[proxy]\nbackend 10.100.20.57:80\n"
check "after every refusal nothing is attached or pinned" nothing_left

# ---- help: complete and successful
check "xdpgw --help exits 0 and lists the verbs" \
	bash -c "'$XDPGW' --help | grep -q '^  run' && '$XDPGW' --help | grep -q '^  down'"
for verb in run down flows stats watch; do
	check "xdpgw $verb --help exits 0" bash -c "'$XDPGW' $verb --help | grep -q '^Usage: xdpgw $verb'"
done
check "xdpgw run --help tells of --config, [proxy] and SIGHUP" \
	bash -c "'$XDPGW' run --help | grep -q -- '--config FILE' && '$XDPGW' run --help | grep -q '^    \[proxy\]' &&
		'$XDPGW' run --help | grep -q SIGHUP"

# ---- a second daemon on the same interface is refused
xg_nat_start || xg_fatal "xdpgw run failed"
xdpgw_fails 1 "interface 'eth0' already has a running xdpgw instance" run "${run_args[@]}"
check "the first instance still runs" xg_alive "$XG_NAT_PID"
check "xdp-loader status lists xdpgw_ingress on eth0" \
	bash -c "ip netns exec '$NS_GW' xdp-loader status eth0 | grep -q xdpgw_ingress"
check "... and xdpgw_internal on in0, the interface routing 10.100.20.0/24" \
	bash -c "ip netns exec '$NS_GW' xdp-loader status in0 | grep -q xdpgw_internal"

# ---- verbs find the one instance of the namespace without --external
check "stats finds the instance" bash -c "ip netns exec '$NS_GW' '$XDPGW' stats | grep -q '^fast_out '"
check "flows --json finds the instance" bash -c "ip netns exec '$NS_GW' '$XDPGW' flows --json | grep -q '^\['"
check "watch finds the instance (runs until SIGINT, exit 0)" \
	ip netns exec "$NS_GW" timeout --preserve-status -s INT 1 "$XDPGW" watch
# ---- down refuses while the daemon runs, naming its pid
xdpgw_fails 1 "interface 'eth0' is served by a running xdpgw (pid $XG_NAT_PID)" down
xdpgw_fails 1 "interface 'eth0' is served by a running xdpgw (pid $XG_NAT_PID)" down --external eth0
check "the refused down left the daemon running" xg_alive "$XG_NAT_PID"
check "... and its instance attached" \
	bash -c "ip -n '$NS_GW' link show eth0 | grep -q 'prog/xdp.*xdpgw_ingress' && [ -e '$(xg_pin_dir)/flows' ]"

# ---- two instances: the verbs ask which
xg_bg "$NS_GW" "$XDPGW" run --external bare0 --external-ip 192.0.2.1 --internal 10.9.0.0/24 \
	--no-fast-path --no-anti-spoof >"$XG_TMP/bare0.log" 2>&1
bare_pid=$XG_LASTPID
check "a second instance runs on bare0" wait_for 10 grep -q translating "$XG_TMP/bare0.log"
for verb in flows stats watch down; do
	xdpgw_fails 2 "xdpgw $verb: 2 xdpgw instances in this network namespace, on bare0, eth0;" $verb
done
check "stats --external still picks one" \
	bash -c "ip netns exec '$NS_GW' '$XDPGW' stats --external bare0 | grep -q '^fast_out '"
xg_stop "$bare_pid" 10
check_eq "the second instance stopped cleanly" 0 "$?"

# ---- down --force stops the daemon with SIGTERM and waits for it
check "down --force exits 0" xg_xdpgw down --force
# A child of this shell stays a zombie until waited for.
exited() { xg_dead "$1" || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
check "the daemon has exited or is exiting when down --force returns" exited "$XG_NAT_PID"
wait "$XG_NAT_PID"
check_eq "it exited as on SIGTERM, with 0" 0 "$?"
check "it said it received SIGTERM" grep -q "Terminated received, detaching" "$XG_TMP/xdpgw.log"
check "down --force: nothing left" nothing_left
XG_NAT_PID=
xdpgw_fails 1 "no xdpgw instance on 'eth0'" down --external eth0 --force

xg_nat_start || xg_fatal "xdpgw run failed"
xg_nat_stop
check_eq "SIGTERM: exit code 0" 0 "$XG_NAT_RC"
check "SIGTERM: nothing left" nothing_left
check "SIGTERM: no clsact qdisc left behind" \
	bash -c "! tc -n '$NS_GW' qdisc show dev eth0 | grep -q clsact"

# ---- killed daemon: programs stay, `down` removes them
xg_nat_start || xg_fatal "xdpgw run failed"
kill -KILL "$XG_NAT_PID"; wait "$XG_NAT_PID" 2>/dev/null
wait_for 5 xg_dead "$XG_NAT_PID"
check "after SIGKILL the pins are still there" test -e "$(xg_pin_dir)/flows"
# part of it gone (XDP removed by hand): neither adopted nor overwritten
xg_run ip -n "$NS_GW" link set dev eth0 xdp off
xdpgw_fails 1 "interface 'eth0' has part of an xdpgw instance left" run "${run_args[@]}"
check "xdpgw down removes a killed instance" xg_xdpgw down --external eth0
check "after down nothing is left" nothing_left
xdpgw_fails 1 "no xdpgw instance on 'eth0'" down --external eth0
XG_NAT_PID=

# ---- attach fails half-way: another XDP program owns eth0. The maps were
# already created and pinned when libxdp refuses; all of it must be undone.
xg_run ip -n "$NS_GW" link set dev eth0 xdpdrv \
	obj /usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog.o sec xdp
xdpgw_fails 1 "interface 'eth0': nothing attached" run "${run_args[@]}"
check "failed attach: no pins, no tc filter left" nothing_left
check "failed attach: the other XDP program is untouched" \
	bash -c "ip -n '$NS_GW' link show eth0 | grep -q 'name xsk_def_prog'"

# ---- the same on the internal interface: eth0 was done when in0 fails
xg_run ip -n "$NS_GW" link set dev eth0 xdp off
xg_run ip -n "$NS_GW" link set dev in0 xdpdrv \
	obj /usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog.o sec xdp
xdpgw_fails 1 "attaching XDP program xdpgw_internal to in0 failed" run "${run_args[@]}"
check "failed attach on in0: nothing left on eth0 or in the pins" nothing_left
check "failed attach on in0: the other XDP program is untouched" \
	bash -c "ip -n '$NS_GW' link show in0 | grep -q 'name xsk_def_prog'"

xg_summary
