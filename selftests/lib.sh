# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - shared helpers for the xdpgw network-namespace selftests.
#
# Source it, then:  xg_require_root; xg_init; s3_build; ...; xg_summary
#
# Safety model: every namespace is created here with a per-run suffix and
# recorded; all test traffic and every background process lives inside those
# namespaces. The root namespace only creates/deletes namespaces and veths and
# mounts the bpffs. xg_cleanup (installed as an EXIT trap by xg_init) kills
# what runs in our namespaces, deletes them and removes our pin directory.
#
# shellcheck disable=SC2034 # many variables are for the sourcing scripts

XG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XG_REPO=$(dirname "$XG_DIR")
XG_TOOLS=$XG_DIR/tools
XDPGW=${XDPGW:-$XG_REPO/.output/xdpgw}
[ -e "$XDPGW" ] && XDPGW=$(readlink -f "$XDPGW")
NAT_IMPL=${NAT_IMPL:-xdpgw}
XG_PIN_ROOT=/run/xdpgw
XG_ID=xg$$-$(printf %04x $RANDOM)   # per-run suffix of every name
XG_TMP=
XG_NS=()      # namespaces we created
XG_VETHS=()   # "ns if" of every veth end we created
XG_PIDS=()    # background processes we started
XG_LASTPID=
XG_NAT_PID=   # running xdpgw
XG_XDPGW_ARGS=()  # extra options for `xdpgw run` (e.g. short timeouts)
XG_CLEANUP_HOOKS=()  # functions xg_cleanup calls first (a scenario's own teardown)
XG_NAT_RC=    # its exit code once stopped
XG_PASS=0
XG_FAIL=0
XG_CLEANED=0
XG_KSFT_SKIP=4

# ---------------------------------------------------------------- basics

xg_log() { printf '%s\n' "$*"; }
xg_skip_test() { xg_log "SKIP: $*"; exit $XG_KSFT_SKIP; }

xg_require_root() {
	[ "$(id -u)" -eq 0 ] || xg_skip_test "must be run as root"
}

xg_require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || xg_skip_test "missing tool: $t"
	done
}

# Checks the NAT implementation is usable; skips the test otherwise.
xg_require_nat() {
	case $NAT_IMPL in
	xdpgw)
		[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (build it, set XDPGW=, or NAT_IMPL=nft)"
		xg_require_tools bpftool tc ;;
	nft) xg_require_tools nft ;;
	*) xg_skip_test "unknown NAT_IMPL=$NAT_IMPL (xdpgw|nft)" ;;
	esac
}

xg_init() {
	XG_TMP=$(mktemp -d "/tmp/xdpgw-$XG_ID.XXXX") || exit 1
	trap xg_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Abort the whole test: counts as a failure, prints the summary, exits 1
# (the EXIT trap tears everything down).
xg_fatal() {
	xg_log "FATAL: $*"
	XG_FAIL=$((XG_FAIL + 1))
	xg_summary
	exit 1
}

# Setup step that must work.
xg_run() { "$@" || xg_fatal "setup command failed: $*"; }

xg_now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# wait_for TIMEOUT_S CMD... : poll CMD every 0.1 s until it succeeds (0) or
# the deadline passes (1).
wait_for() {
	local end=$(( $(xg_now_ms) + $1 * 1000 )); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(xg_now_ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- checks

xg_pass() { XG_PASS=$((XG_PASS + 1)); xg_log "ok - $1"; }

# xg_failed DESC EXPECTED ACTUAL
xg_failed() {
	XG_FAIL=$((XG_FAIL + 1))
	xg_log "FAIL - $1"
	xg_log "    expected: ${2:-(nothing)}"
	xg_log "    actual:   ${3:-(nothing)}"
}

# check DESC CMD... : CMD must exit 0.
check() {
	local desc=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then xg_pass "$desc"; return 0; fi
	xg_failed "$desc" "exit 0 from: $*" "exit $rc: $(tail -n 5 <<<"$out")"
	return 1
}

# check_fails DESC CMD... : CMD must exit non-zero.
check_fails() {
	local desc=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ]; then xg_pass "$desc"; return 0; fi
	xg_failed "$desc" "non-zero exit from: $*" "exit 0: $(tail -n 5 <<<"$out")"
	return 1
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then xg_pass "$1"; return 0; fi
	xg_failed "$1" "$2" "$3"
	return 1
}

xg_skip_check() { xg_log "skip - $*"; }

# Final line, read by CI: "N passed, N failed". Returns 0 iff none failed.
xg_summary() {
	xg_log "$XG_PASS passed, $XG_FAIL failed"
	[ "$XG_FAIL" -eq 0 ]
}

# ---------------------------------------------------------------- topology

# xg_ns_add NAME : create namespace NAME (already suffixed), lo up.
xg_ns_add() {
	ip netns add "$1" || return 1
	XG_NS+=("$1")
	ip -n "$1" link set lo up
}

# xg_veth NS1 IF1 NS2 IF2 : veth pair created directly inside the namespaces.
xg_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	XG_VETHS+=("$1 $2" "$3 $4")
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# xg_bridge NS BR PORT... : bridge BR in NS over the ports (veth ends), up.
xg_bridge() {
	local ns=$1 br=$2 port
	shift 2
	ip -n "$ns" link add "$br" type bridge || return 1
	for port in "$@"; do
		ip -n "$ns" link set "$port" master "$br" || return 1
	done
	ip -n "$ns" link set "$br" up
}

# xg_addr NS IF ADDR/LEN
xg_addr() { ip -n "$1" addr add "$3" dev "$2"; }

xg_sysctl() { ip netns exec "$1" sysctl -qw "$2"; }

#  web 10.100.20.57/24 --- in0 [gw] eth0 203.0.113.1/24 --- [r1] --- inet
#  (see test_nat_napt.sh for the picture). r1 has no route back to the
#  private prefix.
s3_build() {
	NS_WEB=web-$XG_ID
	export NS_WEB
	s3_build_ns "$NS_WEB"
	xg_run xg_veth "$NS_WEB" eth0 "$NS_GW" in0
	XG_IN0_PEER="$NS_WEB eth0"
	s3_build_addrs
}

# S3 with the private hosts on a bridge, as in a VPC subnet: gw's in0 is a
# veth whose peer is a port of bridge br0 in the switch namespace sw, as are
# web's and web2's (10.100.20.58).
#  web, web2 --- [sw: br0] --- in0 [gw] eth0 --- [r1] --- inet
s3_build_bridge() {
	NS_WEB=web-$XG_ID NS_WEB2=web2-$XG_ID NS_SW=sw-$XG_ID
	export NS_WEB NS_WEB2 NS_SW
	s3_build_ns "$NS_WEB" "$NS_WEB2" "$NS_SW"
	xg_run ip -n "$NS_SW" link add br0 type bridge
	xg_run ip -n "$NS_SW" link set br0 up
	xg_run xg_veth "$NS_SW" gw0 "$NS_GW" in0
	xg_run xg_veth "$NS_SW" web0 "$NS_WEB" eth0
	xg_run xg_veth "$NS_SW" web20 "$NS_WEB2" eth0
	xg_run ip -n "$NS_SW" link set gw0 master br0
	xg_run ip -n "$NS_SW" link set web0 master br0
	xg_run ip -n "$NS_SW" link set web20 master br0
	XG_IN0_PEER="$NS_SW gw0"
	xg_run xg_addr "$NS_WEB2" eth0 10.100.20.58/24
	xg_run ip -n "$NS_WEB2" route add default via 10.100.20.1
	s3_build_addrs
}

# The namespaces of S3 (gw, r1, inet and those named), and the veths
# outside gw's in0.
s3_build_ns() {
	NS_GW=gw-$XG_ID NS_R1=r1-$XG_ID NS_INET=inet-$XG_ID
	export NS_GW NS_R1 NS_INET
	local ns
	for ns in "$@" "$NS_GW" "$NS_R1" "$NS_INET"; do
		xg_run xg_ns_add "$ns"
	done
	xg_run xg_veth "$NS_GW" eth0 "$NS_R1" eth0
	xg_run xg_veth "$NS_R1" eth1 "$NS_INET" eth0
	XG_EXT_PEER="$NS_R1 eth0"
}

s3_build_addrs() {
	xg_run xg_addr "$NS_WEB" eth0 10.100.20.57/24
	xg_run ip -n "$NS_WEB" route add default via 10.100.20.1

	xg_run xg_addr "$NS_GW" in0 10.100.20.1/24
	xg_run xg_addr "$NS_GW" eth0 203.0.113.1/24
	xg_run ip -n "$NS_GW" route add default via 203.0.113.254
	xg_run xg_sysctl "$NS_GW" net.ipv4.ip_forward=1

	xg_run xg_addr "$NS_R1" eth0 203.0.113.254/24
	xg_run xg_addr "$NS_R1" eth1 198.51.100.1/24
	xg_run xg_sysctl "$NS_R1" net.ipv4.ip_forward=1

	xg_run xg_addr "$NS_INET" eth0 198.51.100.20/24
	xg_run ip -n "$NS_INET" route add default via 198.51.100.1
	# Wait for carrier on every veth end before any traffic.
	xg_run wait_for 5 xg_links_up
}

xg_links_up() {
	local e ns ifc
	for e in "${XG_VETHS[@]}"; do
		read -r ns ifc <<<"$e"
		ip -n "$ns" -o link show "$ifc" | grep -q 'state UP' || return 1
	done
}

# xg_offload TX GRO : set tx checksum offload and GRO (on|off) on every veth end.
xg_offload() {
	local e ns ifc
	for e in "${XG_VETHS[@]}"; do
		read -r ns ifc <<<"$e"
		ip netns exec "$ns" ethtool -K "$ifc" tx "$1" gro "$2" >/dev/null || return 1
	done
}

# Prints the distinct tx-checksum-ip-generic / GRO states over all veth ends.
xg_offload_state() {
	local e ns ifc
	for e in "${XG_VETHS[@]}"; do
		read -r ns ifc <<<"$e"
		ip netns exec "$ns" ethtool -k "$ifc" |
			awk '/^\ttx-checksum-ip-generic:|^generic-receive-offload:/ { s = s sep $1 " " $2; sep = " " }
			END { print s }'
	done | sort -u
}

# "TcpInCsumErrors=N UdpInCsumErrors=N" of namespace NS (from its /proc/net/snmp).
xg_csum_errors() {
	ip netns exec "$1" awk '
		$1 == "Tcp:" || $1 == "Udp:" {
			if (!($1 in hdr)) { for (i = 2; i <= NF; i++) hdr[$1, $i] = i; hdr[$1] = 1; next }
			v[$1] = $hdr[$1, "InCsumErrors"]
		}
		END { printf "TcpInCsumErrors=%d UdpInCsumErrors=%d\n", v["Tcp:"], v["Udp:"] }' /proc/net/snmp
}

# ---------------------------------------------------------------- processes

# xg_bg NS CMD... : start CMD in NS in the background (stdin /dev/null; the
# caller redirects stdout/stderr). Sets XG_LASTPID. `ip netns exec` execs, so
# the pid is CMD's own.
xg_bg() {
	local ns=$1; shift
	ip netns exec "$ns" "$@" </dev/null &
	XG_LASTPID=$!
	XG_PIDS+=("$XG_LASTPID")
}

xg_alive() { kill -0 "$1" 2>/dev/null; }
xg_dead() { ! kill -0 "$1" 2>/dev/null; }

# xg_stop PID [TIMEOUT_S] [SIGNAL] : SIGNAL (default TERM), wait for exit
# (SIGKILL after the deadline). Returns the process's exit status.
xg_stop() {
	local pid=$1 rc p keep=()
	kill -"${3:-TERM}" "$pid" 2>/dev/null
	if ! wait_for "${2:-5}" xg_dead "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait_for 2 xg_dead "$pid"
	fi
	wait "$pid" 2>/dev/null; rc=$?
	for p in "${XG_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	XG_PIDS=("${keep[@]}")
	return $rc
}

xg_ns_pids() {
	local ns
	for ns in "${XG_NS[@]}"; do ip netns pids "$ns" 2>/dev/null; done
}

xg_no_ns_pids() { [ -z "$(xg_ns_pids)" ]; }

# Recorded pids still running inside one of our namespaces (a pid that left
# them, i.e. exited and was recycled, is never signalled).
xg_our_pids() {
	local p ns
	for p in "${XG_PIDS[@]}"; do
		ns=$(ip netns identify "$p" 2>/dev/null) || continue
		[[ " ${XG_NS[*]} " == *" $ns "* ]] && [ -n "$ns" ] && echo "$p"
	done
}

# xg_listening NS tcp|udp PORT : something is bound to PORT in NS.
xg_listening() {
	local opt=-Hltn
	[ "$2" = udp ] && opt=-Hlun
	[ -n "$(ip netns exec "$1" ss $opt "sport = :$3")" ]
}

# ---------------------------------------------------------------- tcpdump

# xg_tcpdump_start NS IF FILE : capture TCP on IF into FILE (stderr in
# FILE.err), returns once tcpdump reports it is listening. Sets XG_LASTPID.
xg_tcpdump_start() {
	xg_bg "$1" tcpdump -S -n -l --immediate-mode -i "$2" tcp >"$3" 2>"$3.err"
	wait_for 5 grep -q 'listening on' "$3.err"
}

# xg_tcpdump_stop PID FILE : stop it and wait until it has flushed/exited.
xg_tcpdump_stop() {
	xg_stop "$1" 5
	grep -q 'packets captured' "$2.err"
}

# xg_capture_start NS IF FILE FILTER... : capture what matches FILTER (a
# tcpdump expression) on IF into FILE, one line per packet; returns once
# tcpdump listens. Sets XG_LASTPID; stop it with xg_tcpdump_stop.
xg_capture_start() {
	local ns=$1 ifc=$2 file=$3
	shift 3
	xg_bg "$ns" tcpdump -n -l --immediate-mode -i "$ifc" "$@" >"$file" 2>"$file.err"
	wait_for 5 grep -q 'listening on' "$file.err"
}

# xg_syn FILE : "SRC_IP SRC_PORT SEQ" of the first pure SYN in a capture.
xg_syn() {
	awk '/ Flags \[S\], seq / {
		src = $3; port = src; sub(/\.[0-9]+$/, "", src); sub(/.*\./, "", port)
		match($0, /seq [0-9]+/); print src, port, substr($0, RSTART + 4, RLENGTH - 4); exit
	}' "$1"
}

# ---------------------------------------------------------------- servers

# Ports and addresses of S3, used by the scripts sourcing this file.
XG_HTTP_PORT=8080
XG_TCP_PORT=7000
XG_UDP_PORT=7001
INET_IP=198.51.100.20
GW_EXT_IP=203.0.113.1
WEB_IP=10.100.20.57

# Start the HTTP, TCP echo and UDP echo servers in inet; peers are logged to
# $XG_TMP/{http,tcp,udp}.peers as "IP PORT TAG" lines.
s3_servers() {
	: >"$XG_TMP/http.peers"; : >"$XG_TMP/tcp.peers"; : >"$XG_TMP/udp.peers"
	xg_bg "$NS_INET" python3 -u "$XG_TOOLS/http_server.py" "$XG_HTTP_PORT" "$XG_TMP/http.peers" \
		>"$XG_TMP/http.log" 2>&1
	xg_bg "$NS_INET" python3 -u "$XG_TOOLS/tcp_echo.py" server "$XG_TCP_PORT" --log "$XG_TMP/tcp.peers" \
		>"$XG_TMP/tcp.log" 2>&1
	xg_bg "$NS_INET" python3 -u "$XG_TOOLS/udp_echo.py" server "$XG_UDP_PORT" --log "$XG_TMP/udp.peers" \
		>"$XG_TMP/udp.log" 2>&1
	wait_for 30 xg_listening "$NS_INET" tcp "$XG_HTTP_PORT" &&
		wait_for 30 xg_listening "$NS_INET" tcp "$XG_TCP_PORT" &&
		wait_for 30 xg_listening "$NS_INET" udp "$XG_UDP_PORT" ||
		xg_fatal "servers in $NS_INET did not start (logs in $XG_TMP)"
}

# Peer IP logged for TAG in a peers file.
xg_peer_of() { awk -v t="$2" '$3 == t {ip = $1} END {print ip}' "$1"; }

# ---------------------------------------------------------------- NAT

# Mount a bpffs at /run/xdpgw in the root mount namespace: `ip netns exec`
# remounts /sys, so /sys/fs/bpf is empty there, but /run is shared. A run
# that mounted it unmounts it at exit if no pin is left in it (another run
# may still be using it).
XG_BPFFS_MOUNTED=0
xg_bpffs() {
	mkdir -p "$XG_PIN_ROOT" || return 1
	mountpoint -q "$XG_PIN_ROOT" && return 0
	mount -t bpf bpf "$XG_PIN_ROOT" && XG_BPFFS_MOUNTED=1
}
# No pin in a bpffs: nothing but what every bpffs holds (the kernel's
# maps.debug and progs.debug) and iproute2's empty tc/xdp directories.
xg_bpffs_unused() {
	[ -z "$(find "$1" -mindepth 1 ! -type d ! -name maps.debug ! -name progs.debug \
		! \( -type l -name ip \) 2>/dev/null)" ]
}
xg_bpffs_release() {
	[ "$XG_BPFFS_MOUNTED" = 1 ] && xg_bpffs_unused "$XG_PIN_ROOT" &&
		umount "$XG_PIN_ROOT" && rmdir "$XG_PIN_ROOT" 2>/dev/null
	XG_BPFFS_MOUNTED=0
}

xg_pin_dir() { echo "$XG_PIN_ROOT/$NS_GW/eth0"; }

xg_xdpgw() { ip netns exec "$NS_GW" "$XDPGW" "$@"; }

# xdpgw says "translating" once everything is attached.
xg_xdpgw_ready() { grep -q translating "$XG_TMP/xdpgw.log"; }

# The fast path redirects frames into gw's in0 and eth0; a veth takes
# redirected frames only while its peer has NAPI: an XDP program or GRO on
# (a physical NIC needs none). Without, xdpgw keeps that direction on the
# slow path. xg_nat_start gives both peers a pass program unless
# XG_PEER_XDP=0 (peers left untouched, as on a host nobody prepared).
# xg_peer_xdp NS IF: give IF a pass program unless it has one.
XG_PEER_XDP=${XG_PEER_XDP:-1}
XG_IN0_PEER=   # "ns if" of the peer of gw's in0, set by the s3 builders
XG_EXT_PEER=   # and of gw's eth0
XG_PASS_OBJ=$XG_REPO/.output/floors.bpf.o
xg_peer_xdp() {
	ip -n "$1" link show "$2" | grep -q ' xdp' && return 0
	# libxdp locks its bpffs directory while it loads: a load elsewhere at
	# the same moment can fail this one, so it is tried again for 5 s
	wait_for 5 xg_peer_xdp_once "$1" "$2" ||
		{ xg_log "cannot attach $XG_PASS_OBJ to $2 in $1: $(cat "$XG_TMP/xdp-loader.err")"; return 1; }
}
xg_peer_xdp_once() {
	ip -n "$1" link show "$2" | grep -q ' xdp' ||
		ip netns exec "$1" xdp-loader load -m native -n floor_pass "$2" "$XG_PASS_OBJ" \
			>/dev/null 2>"$XG_TMP/xdp-loader.err"
}

xg_xdpgw_ready_or_dead() { xg_dead "$XG_NAT_PID" || xg_xdpgw_ready; }

# Enable NAT on gw (xdpgw or nft masquerade, by $NAT_IMPL).
xg_nat_start() {
	if [ "$NAT_IMPL" = nft ]; then
		ip netns exec "$NS_GW" nft -f - <<-EOF
		table ip xgnat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "eth0" ip saddr 10.100.20.0/24 masquerade
			}
		}
		EOF
		return
	fi
	xg_bpffs || return 1
	if [ "$XG_PEER_XDP" = 1 ] && [ -n "$XG_IN0_PEER" ] && [ -n "$XG_EXT_PEER" ]; then
		# shellcheck disable=SC2086 # "ns if" pairs are meant to be split
		xg_peer_xdp $XG_IN0_PEER && xg_peer_xdp $XG_EXT_PEER || return 1
	fi
	xg_bg "$NS_GW" "$XDPGW" run --external eth0 --internal 10.100.20.0/24 "${XG_XDPGW_ARGS[@]}" \
		>"$XG_TMP/xdpgw.log" 2>&1
	XG_NAT_PID=$XG_LASTPID
	wait_for 30 xg_xdpgw_ready_or_dead
	if ! xg_alive "$XG_NAT_PID" || ! xg_xdpgw_ready; then
		xg_log "xdpgw not ready within 30 s; its output:"
		sed 's/^/    /' "$XG_TMP/xdpgw.log"
		return 1
	fi
}

# xdpgw's programs are attached on gw's eth0 and its maps pinned (as a kept
# instance leaves them); the last `run` said it took a kept instance over.
gw_has_xdpgw() {
	ip -n "$NS_GW" link show eth0 | grep -q 'name xdpgw_ingress' &&
		[ -n "$(tc -n "$NS_GW" filter show dev eth0 egress)" ] && [ -e "$(xg_pin_dir)/flows" ]
}
took_over() { grep -q 'took over the kept instance' "$XG_TMP/xdpgw.log"; }

# Disable NAT; for xdpgw: SIGTERM, wait (deadline), exit code in XG_NAT_RC.
xg_nat_stop() {
	if [ "$NAT_IMPL" = nft ]; then
		XG_NAT_RC=0
		ip netns exec "$NS_GW" nft delete table ip xgnat
		return
	fi
	[ -n "$XG_NAT_PID" ] || return 1
	xg_stop "$XG_NAT_PID" 10; XG_NAT_RC=$?
	XG_NAT_PID=
	return $XG_NAT_RC
}

# s3_test_setup [TOOLS...] : how every S3 test with xdpgw starts: root, the
# tools (ip, tc, python3 and TOOLS), the binary, the traps, the bpffs, the
# topology (s3_build_bridge's with XG_S3_TOPO=bridge). Skips (exit 4) or fails as each step requires.
s3_test_setup() {
	xg_require_root
	xg_require_tools ip tc python3 "$@"
	[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
	xg_init
	xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
	if [ "${XG_S3_TOPO:-}" = bridge ]; then s3_build_bridge; else s3_build; fi
}

# xg_stat NAME : counter NAME from `xdpgw stats` of gw's eth0.
xg_stat() { xg_xdpgw stats --external eth0 | awk -v k="$1" '$1 == k {print $2}'; }

# A TCP stream web -> inet's echo port that checks every byte it gets back
# (tools/tcp_echo.py stream); its progress is in $XG_TMP/stream.log.
# xg_stream_start SECONDS STALL_S : start it; XG_STREAM_PID is its pid.
xg_stream_start() {
	xg_bg "$NS_WEB" python3 -u "$XG_TOOLS/tcp_echo.py" stream "$INET_IP" "$XG_TCP_PORT" \
		--seconds "$1" --stall "$2" >"$XG_TMP/stream.log" 2>&1
	XG_STREAM_PID=$XG_LASTPID
}
xg_stream_bytes() { awk '/^bytes/ {n = $2} END {print n + 0}' "$XG_TMP/stream.log"; }
# xg_stream_beyond N : the stream has moved more than N bytes.
xg_stream_beyond() { [ "$(xg_stream_bytes)" -gt "$1" ]; }
xg_stream_ok() { grep -q '^OK stream' "$XG_TMP/stream.log"; }
# External address:port of the stream's flow, from `xdpgw flows --json`.
xg_stream_external() {
	xg_xdpgw flows --external eth0 --json --proto tcp --port "$XG_TCP_PORT" |
		python3 -c "import json, sys; print([f['external'] for f in json.load(sys.stdin)])"
}

# ---------------------------------------------------------------- cleanup

# Idempotent; runs as the EXIT trap. Keeps $XG_TMP (logs) if a check failed.
xg_cleanup() {
	local rc=$? ns pids h
	[ "$XG_CLEANED" = 1 ] && return $rc
	XG_CLEANED=1
	trap - HUP INT TERM
	for h in "${XG_CLEANUP_HOOKS[@]}"; do "$h"; done
	[ -n "$XG_NAT_PID" ] && xg_stop "$XG_NAT_PID" 5
	if [ "$NAT_IMPL" = xdpgw ] && [ -x "$XDPGW" ] && [ -n "${NS_GW:-}" ] &&
	   [ -e "/run/netns/$NS_GW" ]; then
		timeout 10 ip netns exec "$NS_GW" "$XDPGW" down --external eth0 >/dev/null 2>&1
	fi
	# Recorded pids first, then anything else left in our namespaces
	# (children of recorded processes: only we run things there).
	pids=$(xg_our_pids)
	# shellcheck disable=SC2086 # pid lists are meant to be split
	[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	pids=$(xg_ns_pids)
	# shellcheck disable=SC2046,SC2086
	if [ -n "$pids" ]; then
		kill -TERM $pids 2>/dev/null
		wait_for 3 xg_no_ns_pids || kill -KILL $(xg_ns_pids) 2>/dev/null
		wait_for 2 xg_no_ns_pids
	fi
	for ns in "${XG_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	XG_NS=() XG_PIDS=()
	[ -n "${NS_GW:-}" ] && rm -rf "${XG_PIN_ROOT:?}/$NS_GW"
	xg_bpffs_release
	if [ -n "$XG_TMP" ]; then
		if [ "$XG_FAIL" -eq 0 ] && [ $rc -eq 0 ]; then
			rm -rf "$XG_TMP"
		else
			xg_log "logs kept in $XG_TMP"
		fi
	fi
	return $rc
}

# ---------------------------------------------------------------- S2

# S2, the reverse proxy (see test_proxy_balance.sh for the picture):
#   client 198.51.100.10 --- [eth0 203.0.113.1 | lb | in0 10.100.20.1] --- web1 10.100.20.57
#                                                                     \-- web2 10.100.20.58
# in0 is a bridge in lb with a port (p1, p2) per web. client and lb's eth0
# are on different prefixes joined by on-link routes: no router between.
s2_build() {
	NS_CLIENT=client-$XG_ID NS_LB=lb-$XG_ID NS_WEB1=web1-$XG_ID NS_WEB2=web2-$XG_ID
	export NS_CLIENT NS_LB NS_WEB1 NS_WEB2
	local ns
	for ns in "$NS_CLIENT" "$NS_LB" "$NS_WEB1" "$NS_WEB2"; do
		xg_run xg_ns_add "$ns"
	done
	xg_run xg_veth "$NS_CLIENT" eth0 "$NS_LB" eth0
	xg_run xg_veth "$NS_LB" p1 "$NS_WEB1" eth0
	xg_run xg_veth "$NS_LB" p2 "$NS_WEB2" eth0
	xg_run xg_bridge "$NS_LB" in0 p1 p2

	xg_run xg_addr "$NS_CLIENT" eth0 198.51.100.10/24
	xg_run ip -n "$NS_CLIENT" route add 203.0.113.0/24 dev eth0
	xg_run xg_addr "$NS_LB" eth0 203.0.113.1/24
	xg_run ip -n "$NS_LB" route add 198.51.100.0/24 dev eth0
	xg_run xg_addr "$NS_LB" in0 10.100.20.1/24
	xg_run xg_addr "$NS_WEB1" eth0 10.100.20.57/24
	xg_run xg_addr "$NS_WEB2" eth0 10.100.20.58/24
	xg_run ip -n "$NS_WEB1" route add default via 10.100.20.1
	xg_run ip -n "$NS_WEB2" route add default via 10.100.20.1
	xg_run wait_for 5 xg_links_up
}

# s2_test_setup [TOOLS...] : how every S2 test starts: root, the tools (ip,
# curl, python3, ss, awk and TOOLS), the binary, the traps, the topology.
s2_test_setup() {
	xg_require_root
	xg_require_tools ip curl python3 ss awk "$@"
	[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
	xg_init
	s2_build
}

CLIENT_IP=198.51.100.10
LB_IP=203.0.113.1
WEB1_IP=10.100.20.57
WEB2_IP=10.100.20.58

# Run in client; the HTTP status of curl from there (extra curl options
# first, URL last).
cl() { ip netns exec "$NS_CLIENT" "$@"; }
status_of() { cl curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$@" 2>/dev/null; }

# The webs' request log: its length; the backend names of the lines after
# line $1 whose path starts with $2; how many lines after $1 name $2.
web_lines() { wc -l <"$XG_TMP/web.log"; }
web_seq() { awk -v from="$1" -v p="$2" 'NR > from && index($5, p) == 1 { printf "%s ", $1 }' "$XG_TMP/web.log"; }
web_count() { awk -v from="$1" -v n="$2" 'NR > from && $1 == n { c++ } END { print c + 0 }' "$XG_TMP/web.log"; }
# web_count_ge FROM NAME N : NAME logged at least N requests after line FROM.
web_count_ge() { [ "$(web_count "$1" "$2")" -ge "$3" ]; }

# s2_load_start OUT ARGS... : tools/http_client.py load from the client to
# lb's port 80 with ARGS until s2_load_stop; its summary line goes to OUT.
s2_load_start() {
	local out=$1
	shift
	rm -f "$XG_TMP/load.stop"
	xg_bg "$NS_CLIENT" python3 "$XG_TOOLS/http_client.py" load "$LB_IP" 80 --seconds 60 \
		--stop-file "$XG_TMP/load.stop" "$@" >"$out" 2>&1
	S2_LOAD_PID=$XG_LASTPID
}
s2_load_stop() { touch "$XG_TMP/load.stop"; wait_for 15 xg_dead "$S2_LOAD_PID"; }

# s2_proxy_start PORT LOG ARGS... : `xdpgw proxy ARGS` in lb on LB_IP:PORT
# (its pid in XG_LASTPID), logging to LOG and LOG.err.
s2_proxy_start() {
	local port=$1 log=$2
	shift 2
	xg_bg "$NS_LB" "$XDPGW" proxy --listen "$LB_IP:$port" "$@" >"$log" 2>"$log.err"
	wait_for 10 xg_listening "$NS_LB" tcp "$port" || xg_fatal "proxy on :$port did not start: $(cat "$log.err")"
}

# s2_proxy_fails EXIT MESSAGE ARGS... : `xdpgw proxy ARGS` in lb exits
# EXIT saying MESSAGE on stderr.
s2_proxy_fails() {
	local want=$1 msg=$2 rc
	shift 2
	timeout 10 ip netns exec "$NS_LB" "$XDPGW" proxy "$@" >/dev/null 2>"$XG_TMP/fails.err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$msg" "$XG_TMP/fails.err"; then
		xg_pass "xdpgw proxy $* -> exit $want, \"$msg\""
	else
		xg_failed "xdpgw proxy $*" "exit $want and \"$msg\"" "exit $rc: $(head -c 300 "$XG_TMP/fails.err")"
	fi
}

# s2_web_start 1|2 : start web1 or web2 (tools/http_backend.py on port 80),
# logging its requests to $XG_TMP/web.log; sets WEB1_PID or WEB2_PID.
s2_web_start() {
	local ns ip
	if [ "$1" = 1 ]; then ns=$NS_WEB1 ip=$WEB1_IP; else ns=$NS_WEB2 ip=$WEB2_IP; fi
	xg_bg "$ns" python3 -u "$XG_TOOLS/http_backend.py" "web$1" "$ip" 80 "$XG_TMP/web.log" \
		>>"$XG_TMP/web$1.out" 2>&1
	eval "WEB$1_PID=$XG_LASTPID"
	wait_for 10 xg_listening "$ns" tcp 80 || xg_fatal "web$1 did not start (see $XG_TMP/web$1.out)"
}
