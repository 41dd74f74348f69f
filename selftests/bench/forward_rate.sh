#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: forwarding rate and UDP flow setup rate of S3's gateway.
#
#   web --------------- in0 [gw] eth0 ----------------- eth0 [r1]
#   pktgen on CPU 0      in0's NAPI thread on CPU 1        pktsink (XDP) counts
#   live frames, XDP_TX  does all of gw's work             the test frames and
#                                                          drops them; r1's
#                                                          NAPI thread: CPU 0,
#                                                          polled by a timer
#
# pktgen (selftests/bench/tools/pktgen.c, selftests/bpf/pktgen.bpf.c) runs
# BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in web: 60-byte UDP frames
# (64 with a wire's FCS) of N flows, out of web's eth0 into gw's in0, as
# fast as one CPU makes them. gw's in0 NAPI runs in a thread pinned to the
# other CPU: the gateway has a CPU of its own and is overrun, so what the
# sink counts per second is the gateway's rate; the frames it could not
# take are counted where they fall (in0's full ring: web eth0's
# tx_queue_0_xdp_xmit_errors). Each figure comes twice: per second of wall
# time, and per second of CPU time of that NAPI thread (the rate on a CPU
# of its own, whatever else the machine runs meanwhile). Configurations,
# one after the other in one topology, same generator and sink:
#   (a) routing only; (b) nftables masquerade; (c) xdpgw without its fast
#   path (tc NAT, the stack forwards); (d) xdpgw with its XDP fast path on
#   in0; (e) floor_router (selftests/bpf/floors.bpf.c) on in0, a minimal
#   XDP router. In (a)-(c) floor_pass sits on in0: a veth takes XDP frames
#   only when its peer has an XDP program.
# Each figure is the median over ROUNDS rounds (configurations interleaved
# per round). Before each NAT figure a paced pass over all flows makes
# them (the first packet of a flow takes the stack), then the rate is
# measured.
#
# Flows: with endpoint-independent mapping an internal endpoint keeps one
# external port for all its destinations, and the external address has
# 64,512 ports; so N flows are min(N, 10000) internal endpoints (source
# ports of WEB_IP) times N / that many remote endpoints (destination
# ports): 100,000 flows are 10,000 endpoints x 10 peers each.
#
# Then the UDP flow setup rate: every frame a new flow (60000 source ports
# of one address, each to 200 destination ports, port first: 60000 external
# ports, within the pool, then flows that reuse them), for (b), (c),
# (d): new flows per second delivered, the window cut before the table
# (nf_conntrack_max, --max-flows) can fill.
#
# Usage: selftests/bench/forward_rate.sh [SECONDS]   (as root; default 3)
#   FLOWS="1 1000 100000" ROUNDS=3 CONFIGS="a b c d e" SETUP=1
# Prints figures; checks only that each path's counters moved (a figure
# whose check fails is printed as n/v, "not valid"). Exit 4 when it cannot
# run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-3}
FLOWS=${FLOWS:-1 1000 100000}
ROUNDS=${ROUNDS:-3}
CONFIGS=${CONFIGS:-a b c d e}
SETUP=${SETUP:-1}
WARMUP=0.5            # s of full rate before each window
WARM_PPS=50000        # the pass that makes the flows
GEN_BATCH=${GEN_BATCH:-256}  # frames per live-frames batch (the most the kernel takes)
SINK_POLL_NS=${SINK_POLL_NS:-30000}
SETUP_MAX_FLOWS=4194304
GEN_CPU=0 GW_CPU=1
BENCH_BIN=$(realpath -m "${BENCH_BIN:-$XG_REPO/.output/bench}")

xg_require_root
xg_require_tools ip nft taskset ethtool python3 bpftool awk
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
[ "$(nproc)" -ge 2 ] || xg_skip_test "needs 2 CPUs (generator and gateway)"
for t in pktgen fwd_xdp; do
	[ -x "$BENCH_BIN/$t" ] ||
		make -C "$XG_REPO" O="$(dirname "$BENCH_BIN")" "$BENCH_BIN/$t" >&2 ||
		xg_skip_test "cannot build $BENCH_BIN/$t"
done
HAVE_FAST=0
"$XDPGW" run --help 2>&1 | grep -q -- --no-fast-path && HAVE_FAST=1

xg_init
PINS=$XG_PIN_ROOT/bench-$XG_ID   # our links and maps; removing it detaches
fr_exit() {
	local rc=$?
	rm -rf "$PINS"
	(exit $rc)
	xg_cleanup
}
trap fr_exit EXIT
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
s3_build
mkdir -p "$PINS" || xg_fatal "mkdir $PINS"

# ---------------------------------------------------------------- topology

mac_of() { ip -n "$1" -o link show "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p'; }
in_gw() { ip netns exec "$NS_GW" "$@"; }
in_web() { ip netns exec "$NS_WEB" "$@"; }

# r1 routes the private prefix back to gw (nothing answers: the sink drops
# every test frame; this only keeps r1's own ARP and ICMP plain).
xg_run ip -n "$NS_R1" route add 10.100.20.0/24 via "$GW_EXT_IP"
xg_run ip netns exec "$NS_R1" "$BENCH_BIN/fwd_xdp" attach eth0 sink "$PINS/sink" \
	"$GW_EXT_IP" 10.100.20.0/24
# gw's ARP for r1, then kept: no neighbour probe inside a measurement.
xg_run in_gw ping -c 1 -W 2 203.0.113.254 >/dev/null
xg_run ip -n "$NS_GW" neigh replace 203.0.113.254 lladdr "$(mac_of "$NS_R1" eth0)" \
	dev eth0 nud permanent
# A BPF_PROG_RUN of an XDP program not attached anywhere adds it to and
# removes it from the kernel's XDP dispatcher, two RCU grace periods (some
# 25 ms here) per call. pktgen keeps its program attached to gen0, a veth
# left down (never a packet), for as long as it runs.
xg_run ip -n "$NS_WEB" link add gen0 type veth peer name gen1
SMAC=$(mac_of "$NS_WEB" eth0) DMAC=$(mac_of "$NS_GW" in0)

# What is on in0: none, pass, router, xdpgw.
IN0=none
in0_has_xdp() { ip -n "$NS_GW" link show in0 | grep -q 'prog/xdp'; }
in0_no_xdp() { ! in0_has_xdp; }

in0_detach() {
	[ "$IN0" = pass ] || [ "$IN0" = router ] || return 0
	rm -rf "$PINS/in0"   # the link's last reference: detached (deferred)
	wait_for 5 in0_no_xdp || xg_fatal "floor_$IN0 still on in0"
	IN0=none
}

in0_attach() {
	[ "$IN0" = "$1" ] && return 0
	in0_detach
	in_gw "$BENCH_BIN/fwd_xdp" attach in0 "$1" "$PINS/in0" || xg_fatal "attach floor_$1 to in0"
	IN0=$1
	napi_pin
}

# napi_thread NS IF ADDR FROM_NS : IF's NAPI (in NS) in a thread of its
# own; prints the thread's pid. The thread is "napi/IF-ID"; ID is what
# SO_INCOMING_NAPI_ID tells a socket bound to ADDR in NS that receives a
# datagram from FROM_NS through IF (other namespaces may have an IF of the
# same name). A new XDP program on IF restarts its NAPI: call again.
napi_thread() {
	local ns=$1 ifc=$2 addr=$3 from=$4 id pid out=$XG_TMP/napi_id
	# Off and on: a NAPI instance made while the flag was on gets its
	# thread before its ID, and a name without it.
	ip netns exec "$ns" sh -c "echo 0 > /sys/class/net/$ifc/threaded && echo 1 > /sys/class/net/$ifc/threaded" ||
		xg_fatal "threaded NAPI on $ifc in $ns"
	: >"$out"
	xg_bg "$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999))
s.settimeout(5)
s.recv(64)
print(s.getsockopt(socket.SOL_SOCKET, 56))  # SO_INCOMING_NAPI_ID' "$addr" >"$out" 2>&1
	wait_for 5 xg_listening "$ns" udp 9999 || xg_fatal "napi id listener in $ns"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec "$from" bash -c "echo x >/dev/udp/$addr/9999"
		sleep 0.1
		[ -s "$out" ] && break
	done
	wait "$XG_LASTPID" 2>/dev/null
	id=$(cat "$out")
	[[ $id =~ ^[1-9][0-9]*$ ]] || xg_fatal "no NAPI id for $ifc in $ns: $id"
	pid=$(ps -eo pid=,comm= | awk -v n="napi/$ifc-$id" '$2 == n { print $1 }')
	[[ $pid =~ ^[0-9]+$ ]] || xg_fatal "no thread napi/$ifc-$id"
	echo "$pid"
}

# in0's NAPI thread, pinned to GW_CPU.
NAPI_PID=
napi_pin() {
	NAPI_PID=$(napi_thread "$NS_GW" in0 10.100.20.1 "$NS_WEB") || exit 1
	taskset -p -c "$GW_CPU" "$NAPI_PID" >/dev/null || xg_fatal "pin napi/in0"
}

# r1's eth0 NAPI, where the sink runs, in a thread of its own on the
# generator's CPU, real-time so that it keeps up. On the gateway's CPU it
# would bill the gateway for the far end's work, and unevenly: an skb from
# the stack is copied into an XDP buffer there, a frame XDP redirected is
# not. Woken by each frame the gateway sends it would preempt the
# generator every few frames and cost the gateway an IPI each time; so its
# NAPI defers: polled every SINK_POLL_NS by a timer on its own CPU while
# there is traffic (its ring of 256 frames lasts 85 us at 3 Mpps).
SINK_PID=$(napi_thread "$NS_R1" eth0 203.0.113.254 "$NS_GW") || exit 1
taskset -p -c "$GEN_CPU" "$SINK_PID" >/dev/null || xg_fatal "pin r1's napi"
chrt -f -p 50 "$SINK_PID" || xg_fatal "chrt r1's napi"
ip netns exec "$NS_R1" sh -c "echo 1000 > /sys/class/net/eth0/napi_defer_hard_irqs &&
	echo $SINK_POLL_NS > /sys/class/net/eth0/gro_flush_timeout" || xg_fatal "r1's NAPI deferral"

# ---------------------------------------------------------------- NAT

NFT_ON=0
nft_start() {
	ct_flush
	in_gw nft -f - <<-EOF || xg_fatal "nft masquerade"
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "eth0" counter masquerade
		}
	}
	EOF
	NFT_ON=1
}

nft_stop() {
	[ "$NFT_ON" = 1 ] || return 0
	in_gw nft delete table ip nat
	NFT_ON=0
	ct_flush
}

# Flush gw's conntrack table (ctnetlink IPCTNL_MSG_CT_DELETE with no
# tuple: all of the family); `conntrack -F` when installed.
ct_flush() {
	if command -v conntrack >/dev/null; then
		in_gw conntrack -F >/dev/null 2>&1
		return
	fi
	in_gw python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
# nlmsghdr (type: CTNETLINK << 8 | CT_DELETE; flags: REQUEST | ACK), nfgenmsg
s.send(struct.pack("=IHHII", 20, 1 << 8 | 2, 1 | 4, 1, 0) +
       struct.pack("=BBH", socket.AF_INET, 0, 0))
r = s.recv(4096)
t, = struct.unpack_from("=H", r, 4)
e, = struct.unpack_from("=i", r, 16)
sys.exit(0 if t == 2 and e in (0, -2) else 1)' || xg_log "warning: conntrack flush failed"
}

ct_count() { in_gw cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0; }
ct_max() { in_gw cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo 0; }

# xdpgw_start FAST(0|1) [ARGS...] : xdpgw on gw, its daemon on GEN_CPU
# (the sweep stays off the gateway's CPU), in0's NAPI re-pinned.
xdpgw_start() {
	local fast=$1; shift
	if [ "$fast" = 1 ]; then
		in0_detach
		XG_XDPGW_ARGS=("$@")
	else
		in0_attach pass
		XG_XDPGW_ARGS=("$@")
		[ "$HAVE_FAST" = 1 ] && XG_XDPGW_ARGS+=(--no-fast-path)
	fi
	xg_nat_start || xg_fatal "xdpgw run ${XG_XDPGW_ARGS[*]}"
	taskset -a -p -c "$GEN_CPU" "$XG_NAT_PID" >/dev/null
	if [ "$fast" = 1 ]; then
		wait_for 5 in0_has_xdp || xg_fatal "xdpgw attached nothing to in0"
		IN0=xdpgw
		napi_pin
	fi
}

xdpgw_stop() {
	[ -n "$XG_NAT_PID" ] || return 0
	xg_nat_stop || xg_log "warning: xdpgw exited with $XG_NAT_RC"
	[ "$IN0" = xdpgw ] && { wait_for 5 in0_no_xdp; IN0=none; }
}

# ---------------------------------------------------------------- counters

declare -A S0 S1
# mawk has no strtonum
AWK_HEX='function hex(s, i, n) { n = 0; s = tolower(s)
	for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n }
'
# snap ARRAY : every counter the figures and checks use, into ARRAY.
# shellcheck disable=SC2034,SC2154 # s is the caller's associative array
snap() {
	local -n s=$1
	local k v
	s=()
	s[t]=$EPOCHREALTIME
	s[ring]=$(in_web ethtool -S eth0 | awk '$1 == "tx_queue_0_xdp_xmit_errors:" { print $2 }')
	s[eth0_txdrop]=$(ip -n "$NS_GW" -s -j link show eth0 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])')
	s[softnet]=$(awk "$AWK_HEX"'{ n += hex($2) } END { print n }' /proc/net/softnet_stat)
	# the gateway's CPU in ticks: busy (user to steal) and idle (idle, iowait)
	read -r 's[busy]' 's[idle]' <<<"$(awk -v c="cpu$GW_CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)"
	s[napi_ns]=0
	[ -n "$NAPI_PID" ] && s[napi_ns]=$(awk '{ print $1 }' "/proc/$NAPI_PID/schedstat" 2>/dev/null || echo 0)
	while read -r k v; do s["$k"]=$v; done < <(
		ip netns exec "$NS_R1" "$BENCH_BIN/fwd_xdp" read "$PINS/sink" | xargs -n 2
		[ "$IN0" = router ] && in_gw "$BENCH_BIN/fwd_xdp" read "$PINS/in0" | xargs -n 2
		[ -n "$XG_NAT_PID" ] && in_gw "$XDPGW" stats --external eth0
		if [ "$NFT_ON" = 1 ]; then
			echo "nft_new $(in_gw nft list chain ip nat postrouting |
				awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')"
			echo "ct_count $(ct_count)"
			# per-CPU rows of hex counters under a header of names
			# shellcheck disable=SC2016 # an awk program
			in_gw awk "$AWK_HEX"'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
				{ for (i = 1; i <= NF; i++) n[h[i]] += hex($i) }
				END { print "ct_drop", n["drop"] + n["early_drop"] + n["insert_failed"] }' \
				/proc/net/stat/nf_conntrack
		fi
	)
}

# share NS : NS of CPU time as a percentage of the S0-S1 interval
share() { awk -v n="$1" -v t0="${S0[t]}" -v t1="${S1[t]}" 'BEGIN { printf "%.0f", 100 * n / 1e9 / (t1 - t0) }'; }

# d KEY : S1[KEY] - S0[KEY] (0 when missing)
d() { echo $(( ${S1[$1]:-0} - ${S0[$1]:-0} )); }

# gen ARGS... : pktgen in web on GEN_CPU; its "key value" line into G.
declare -A G
gen() {
	local out k v
	out=$(taskset -c "$GEN_CPU" ip netns exec "$NS_WEB" "$BENCH_BIN/pktgen" eth0 \
		--smac "$SMAC" --dmac "$DMAC" --dst "$INET_IP" --hold gen0 --batch "$GEN_BATCH" "$@") ||
		xg_fatal "pktgen $*: $out"
	G=()
	while read -r k v; do G[$k]=$v; done < <(xargs -n 2 <<<"$out")
}

# flows_args N : internal endpoints (source ports, 10000 at most) x remote
# endpoints (destination ports) for N flows, to destination ports of N's
# own: the flows of one count are none of another's, each is new to the
# gateway at its warm pass.
flows_args() {
	local n=$1 ports=$(($1 < 10000 ? $1 : 10000)) i=0 f
	for f in $FLOWS; do
		[ "$f" = "$n" ] && break
		i=$((i + 1))
	done
	echo "--src $WEB_IP --addrs 1 --ports $ports --peers $(((n + ports - 1) / ports)) --sport 1024 --dport $((100 + 100 * i))"
}

# ---------------------------------------------------------------- forwarding

declare -A RES       # "conf flows" -> delivered pps per round ("nv": not valid)
declare -A OFFERED PERCPU NAPISHARE IDLE LOSTRING UNSAT
declare -A NAME=([a]="(a) routing, no NAT" [b]="(b) nftables masquerade"
	[c]="(c) xdpgw, slow path" [d]="(d) xdpgw, fast path" [e]="(e) floor_router (XDP)")
[ "$HAVE_FAST" = 0 ] && NAME[c]="(c) xdpgw (tc; slow path)"

conf_up() {
	case $1 in
	a) in0_attach pass ;;
	b) in0_attach pass; nft_start ;;
	c) xdpgw_start 0 ;;
	d) xdpgw_start 1 ;;
	e) in0_attach router ;;
	esac
}

conf_down() {
	case $1 in
	b) nft_stop ;;
	c | d) xdpgw_stop ;;
	esac
}

# warm CONF FLOWS : paced passes over every flow until the gateway has
# made them all (a pass may lose frames while in0's NAPI thread wakes up;
# each further pass at half the rate). Only where there are flows to make.
warm() {
	local conf=$1 n=$2 made=0 pass rate=$WARM_PPS key k why=
	case $conf in
	b) key=nft_new ;;
	c | d) key=out_new_flow ;;
	*) return 0 ;;
	esac
	for pass in 1 2 3 4 5; do
		snap S0
		# shellcheck disable=SC2046 # the flow arguments are words
		gen $(flows_args "$n") --count "$n" --rate "$rate" --batch 32
		sleep 0.2
		snap S1
		made=$((made + $(d $key)))
		[ "$made" -ge "$n" ] && return 0
		rate=$((rate / 2))
	done
	for k in drop_no_port drop_table_full error ct_drop; do
		[ "$(d $k)" -gt 0 ] && why+=" $k=$(d $k)"
	done
	xg_log "warning: ($conf) $pass passes made $made of $n flows (the rest are made while measuring)${why:+; last pass:$why}"
}

# check COND MESSAGE : a failed check invalidates the figure.
VALID=1
check_fig() {
	if ! eval "$1"; then
		xg_log "WARNING: $2 ($1) - figure not valid"
		VALID=0
	fi
}

# pct PART WHOLE
pct() { awk -v p="$1" -v w="$2" 'BEGIN { printf "%.1f", w ? 100 * p / w : 0 }'; }
mega() { awk -v v="$1" 'BEGIN { printf "%.3f", v / 1e6 }'; }

# measure CONF FLOWS : one figure. Besides the sink's count over the
# window (wall clock), the frames delivered per second of CPU time of
# in0's NAPI thread, which does all of the gateway's work: the rate on a
# CPU of its own, whatever else the machine runs meanwhile.
measure() {
	local conf=$1 n=$2 total sink lost ring rest napi idle other percpu k others=
	warm "$conf" "$n"
	snap S0
	# shellcheck disable=SC2046
	gen $(flows_args "$n") --seconds "$SECS" --warmup "$WARMUP" --sink "$PINS/sink/counts"
	snap S1
	total=${G[total]} sink=$(( $(d native) + $(d translated) + $(d stray) ))
	lost=$((total - sink)) ring=$(d ring)
	rest=$((lost - ring))
	napi=$(share "$(d napi_ns)")
	percpu=$(awk -v s="$sink" -v ns="$(d napi_ns)" 'BEGIN { printf "%.0f", ns ? s / (ns / 1e9) : 0 }')
	for k in eth0_txdrop softnet ct_drop drop_no_port drop_table_full error; do
		[ "$(d $k)" -gt 0 ] && others+=" $k=$(d $k)"
	done
	VALID=1
	check_fig "[ ${G[delivered]} -gt 0 ]" "($conf) nothing delivered"
	check_fig "[ ${G[offered]} -gt $((G[delivered] * 21 / 20)) ]" \
		"($conf) not saturated: offered is not above delivered, the figure is the generator's"
	check_fig "[ $(d stray) -eq 0 ]" "($conf) the sink got frames from an unexpected source"
	case $conf in
	a | e) check_fig "[ $(d translated) -eq 0 ]" "($conf) frames translated without NAT" ;;
	*) check_fig "[ $(d native) -eq 0 ]" "($conf) untranslated frames left the NAT" ;;
	esac
	case $conf in
	c)
		# a flow's first frame counts as out_new_flow, the others as out_translated
		check_fig "[ $(d fast_out) -eq 0 ]" "(c) the fast path forwarded frames"
		check_fig "[ $(( $(d out_translated) + $(d out_new_flow) )) -ge $sink ]" \
			"(c) tc translated fewer frames than delivered" ;;
	d)
		# Every frame met the fast path; all but the first of a flow
		# (slow_out: made by tc while measuring) went out fast.
		check_fig "[ $(( $(d fast_out) + $(d slow_out) )) -ge $sink ]" "(d) frames passed by the fast path uncounted"
		check_fig "[ $(d fast_out) -ge $((sink - $(d slow_out) - sink / 100)) ]" \
			"(d) fast_out did not grow with the delivered frames"
		check_fig "[ $(d fast_out) -le $((sink + $(d eth0_txdrop) + sink / 100 + 1000)) ]" \
			"(d) fast_out grew more than the frames delivered (or lost in r1's full ring)" ;;
	e)
		check_fig "[ $(d routed) -ge $sink ]" "(e) floor_router forwarded fewer frames than delivered" ;;
	esac
	[ "$conf" = d ] && others+=" fast_out=$(d fast_out) slow_out=$(d slow_out)"
	[ "$rest" -gt $((total / 200)) ] &&
		xg_log "note: ($conf) $rest frames lost elsewhere than in0's ring:${others:- no counter says where}"
	idle=$(pct "$(d idle)" $(( $(d busy) + $(d idle) )) | awk '{ printf "%.0f", $1 }')
	other=$((100 - idle - napi))
	# Saturated: frames offered beyond what the gateway took (the ring
	# check above) and the gateway's CPU never waiting for them. A ring of
	# 256 also overflows under bursts the thread then drains, so idle time
	# on its CPU says the generator, not the gateway, set the pace.
	if [ "$idle" -gt 10 ]; then
		UNSAT[$conf $n]=1
		xg_log "note: ($conf) CPU$GW_CPU was idle $idle% of the time: the gateway kept up at moments, its rate is partly the generator's (a lower bound)"
	fi
	[ "$other" -gt 10 ] &&
		xg_log "note: ($conf) some $other% of CPU$GW_CPU went to other work (other load, or time the host took from this VM): the wall-clock rate is low, per gateway CPU-s is not"
	printf '  %-26s %6d flows: offered %s Mpps, delivered %s Mpps, %s Mpps per CPU-s of the gateway; CPU%d: gateway %d%%, idle %d%%; %s%% of %d frames lost, %s%% in in0 ring%s%s\n' \
		"${NAME[$conf]}" "$n" "$(mega "${G[offered_pps]}")" "$(mega "${G[delivered_pps]}")" \
		"$(mega "$percpu")" "$GW_CPU" "$napi" "$idle" "$(pct "$lost" "$total")" "$total" \
		"$(pct "$ring" "$total")" "${others:+;$others}" "$([ "$VALID" = 1 ] || echo '  [not valid]')"
	local key="$conf $n"
	if [ "$VALID" = 1 ]; then
		RES[$key]+="${G[delivered_pps]} "
		PERCPU[$key]+="$percpu "
	else
		RES[$key]+="nv "
		PERCPU[$key]+="nv "
	fi
	OFFERED[$key]+="${G[offered_pps]} "
	NAPISHARE[$key]+="$napi "
	IDLE[$key]+="$idle "
	LOSTRING[$key]+="$(pct "$ring" "$total") "
}

# ---------------------------------------------------------------- setup rate

declare -A SRES SPERCPU SUNSAT
# setup_measure CONF : one figure of new flows per second.
setup_measure() {
	local conf=$1 limit made sink note mem percpu idle
	case $conf in
	b)
		in0_attach pass
		nft_start
		limit=$(( $(ct_max) * 85 / 100 - $(ct_count) )) ;;
	c | d)
		xdpgw_start "$([ "$conf" = d ] && echo 1 || echo 0)" --max-flows "$SETUP_MAX_FLOWS"
		limit=$((SETUP_MAX_FLOWS * 85 / 100))
		mem=$(for m in flows rev; do bpftool map show pinned "$(xg_pin_dir)/$m"; done |
			awk '/memlock/ { for (i = 1; i < NF; i++) if ($i == "memlock") { v = $(i + 1); sub(/B$/, "", v); n += v } }
			END { printf "%.0f", n / 1048576 }') ;;
	esac
	snap S0
	# never more frames than distinct tuples
	gen --src 10.100.20.40 --addrs 1 --ports 60000 --peers 200 --sport 1024 --dport 10000 --count 12000000 \
		--seconds "$SECS" --warmup 0 --sink "$PINS/sink/counts" --stop-at "$limit"
	sleep 0.2
	snap S1
	sink=$(( $(d native) + $(d translated) + $(d stray) ))
	VALID=1
	check_fig "[ ${G[delivered]} -gt 0 ]" "($conf) no new flow delivered"
	check_fig "[ ${G[offered]} -gt $((G[delivered] * 21 / 20)) ]" "($conf) not saturated"
	check_fig "[ $(d native) -eq 0 ] && [ $(d stray) -eq 0 ]" "($conf) untranslated frames left the NAT"
	case $conf in
	b)
		made=$(d nft_new)
		note="nft masquerade rule hit $made times, conntrack entries $(ct_count) (max $(ct_max)), conntrack drops $(d ct_drop)" ;;
	c | d)
		made=$(d out_new_flow)
		note="out_new_flow $made, drop_table_full $(d drop_table_full), drop_no_port $(d drop_no_port), fast_out $(d fast_out), slow_out $(d slow_out); tables for $SETUP_MAX_FLOWS flows: $mem MiB" ;;
	esac
	# every delivered frame is a flow the gateway made (one frame a flow);
	# a flow's frame may also be lost after it, in r1's full ring
	check_fig "[ $made -ge $sink ] && [ $made -le $((sink + $(d eth0_txdrop) + sink / 50 + 1000)) ]" \
		"($conf) flows made ($made) do not match frames delivered ($sink)"
	[ "$(d eth0_txdrop)" -gt 0 ] && note+="; lost in r1's full ring $(d eth0_txdrop)"
	percpu=$(awk -v s="$sink" -v ns="$(d napi_ns)" 'BEGIN { printf "%.0f", ns ? s / (ns / 1e9) : 0 }')
	idle=$(pct "$(d idle)" $(( $(d busy) + $(d idle) )) | awk '{ printf "%.0f", $1 }')
	if [ "$idle" -gt 10 ]; then
		SUNSAT[$conf]=1
		xg_log "note: ($conf) CPU$GW_CPU was idle $idle% of the time: not saturated, a lower bound"
	fi
	printf '  %-26s new flows: offered %s M/s, delivered %s M/s over %.2f s, %s M/s per CPU-s of the gateway; CPU%d: gateway %d%%, idle %d%%; %s%% of %d frames in in0 ring; %s%s\n' \
		"${NAME[$conf]}" "$(mega "${G[offered_pps]}")" "$(mega "${G[delivered_pps]}")" "${G[seconds]}" \
		"$(mega "$percpu")" "$GW_CPU" "$(share "$(d napi_ns)")" "$idle" "$(pct "$(d ring)" "${G[total]}")" \
		"${G[total]}" "$note" "$([ "$VALID" = 1 ] || echo '  [not valid]')"
	if [ "$VALID" = 1 ]; then
		SRES[$conf]+="${G[delivered_pps]} "
		SPERCPU[$conf]+="$percpu "
	else
		SRES[$conf]+="nv "
		SPERCPU[$conf]+="nv "
	fi
	case $conf in
	b) nft_stop ;;
	c | d) xdpgw_stop ;;
	esac
}

# ---------------------------------------------------------------- report

# stats VALUES... : "median min max" of the valid ones, or "nv"
stats() {
	printf '%s\n' "$@" | grep -v '^nv$' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "nv"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR] }'
}

median() { stats "$@" | awk '{ print $1 }'; }
# range VALUES... : "median (min-max)" in millions, or n/v
range() {
	stats "$@" | awk '$1 == "nv" { print "n/v"; next }
		{ printf "%.3f (%.3f-%.3f)\n", $1 / 1e6, $2 / 1e6, $3 / 1e6 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nv" || b == "nv" || b == "" || !b) print "-"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- run

CONFS=()
for c in $CONFIGS; do
	if [ "$c" = d ] && [ "$HAVE_FAST" = 0 ]; then
		SKIP_D=1
		continue
	fi
	CONFS+=("$c")
done

xg_log "# forward_rate: S3, $(nproc) CPUs, kernel $(uname -r); 64-byte frames (60 B on the veth, +4 B FCS on a wire), UDP"
xg_log "# generator: pktgen (BPF_PROG_RUN live frames) in web on CPU $GEN_CPU; gw's in0 NAPI threaded, on CPU $GW_CPU;"
xg_log "# r1's NAPI (the XDP sink) threaded, SCHED_FIFO, on CPU $GEN_CPU, polled every $((SINK_POLL_NS / 1000)) us; xdpgw's daemon on CPU $GEN_CPU"
xg_log "# $ROUNDS rounds x ${SECS} s a figure (after ${WARMUP} s at full rate; NAT: after a $WARM_PPS pps pass over all flows);"
xg_log "# live-frames batches of $GEN_BATCH; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${SKIP_D:-0}" = 1 ] && xg_log "(d) skipped: no fast path in this build"

for r in $(seq "$ROUNDS"); do
	xg_log "## round $r"
	for c in "${CONFS[@]}"; do
		conf_up "$c"
		for n in $FLOWS; do measure "$c" "$n"; done
		conf_down "$c"
	done
done

if [ "$SETUP" = 1 ]; then
	SCONFS=()
	for c in b c d; do
		[ "$c" = d ] && [ "$HAVE_FAST" = 0 ] && continue
		[[ " ${CONFS[*]} " == *" $c "* ]] && SCONFS+=("$c")
	done
	for r in $(seq "$ROUNDS"); do
		xg_log "## UDP flow setup, round $r"
		for c in "${SCONFS[@]}"; do setup_measure "$c"; done
	done
fi

xg_log ""
xg_log "## Forwarding rate, 64-byte UDP frames, $SECS s a figure; median (min-max) of $ROUNDS rounds"
xg_log "## delivered: the sink's count per wall-clock second; per gw CPU: per second of CPU time of in0's NAPI thread"
printf '%-27s %6s %7s %21s %6s %21s %6s %6s %9s %4s\n' "" "" offered "delivered" "" "per gw CPU" "" "" "CPU$GW_CPU" "in0"
printf '%-27s %6s %7s %21s %6s %21s %6s %6s %9s %4s\n' config flows Mpps "Mpps (min-max)" "x (b)" "Mpps (min-max)" "x (b)" "x (e)" "gw idle" "ring"
for n in $FLOWS; do
	# shellcheck disable=SC2086 # value lists are meant to be split
	base=$(median ${RES[b $n]:-nv}) pbase=$(median ${PERCPU[b $n]:-nv})
	# shellcheck disable=SC2086 # per gw CPU against floor_router's
	ebase=$(median ${PERCPU[e $n]:-nv})
	for c in "${CONFS[@]}"; do
		mark=
		[ -n "${UNSAT[$c $n]:-}" ] && mark='*'
		# shellcheck disable=SC2086
		printf '%-27s %6d %7.2f %21s %6s %21s %6s %6s %4s%% %3s%% %3s%%\n' "${NAME[$c]}" "$n" \
			"$(median ${OFFERED[$c $n]} | awk '{ print $1 / 1e6 }')" \
			"$(range ${RES[$c $n]})$mark" "$(ratio "$(median ${RES[$c $n]})" "$base")$mark" \
			"$(range ${PERCPU[$c $n]})" "$(ratio "$(median ${PERCPU[$c $n]})" "$pbase")" \
			"$(ratio "$(median ${PERCPU[$c $n]})" "$ebase")" \
			"$(median ${NAPISHARE[$c $n]})" "$(median ${IDLE[$c $n]})" \
			"$(median ${LOSTRING[$c $n]} | awk '{ printf "%.0f", $1 }')"
	done
done
xg_log "(x (e): per gw CPU against floor_router's at the same count, the fast path's aim: >= 0.9 at 1000 flows, >= 0.7 at 100000)"
xg_log "(CPU$GW_CPU gw, idle: share of the wall time in0's NAPI thread ran, and CPU$GW_CPU idled; in0 ring: share"
xg_log " of all frames offered that in0's full ring refused, the gateway's drops)"
[ -n "${!UNSAT[*]}" ] &&
	xg_log "* in some round CPU$GW_CPU was idle over 10% of the time: not saturated, the delivered rate is a lower bound set by the generator; per gw CPU is the gateway's"
[ "${SKIP_D:-0}" = 1 ] && xg_log "(d) skipped: no fast path in this build"

if [ "$SETUP" = 1 ] && [ "${#SCONFS[@]}" -gt 0 ]; then
	xg_log ""
	xg_log "## UDP flow setup rate (every frame a new flow); median (min-max) of $ROUNDS rounds"
	printf '%-27s %21s %6s %21s %6s\n' "" "new flows delivered" "" "per gw CPU" ""
	printf '%-27s %21s %6s %21s %6s\n' config "M/s (min-max)" "x (b)" "M/s (min-max)" "x (b)"
	# shellcheck disable=SC2086
	sbase=$(median ${SRES[b]:-nv}) spbase=$(median ${SPERCPU[b]:-nv})
	for c in "${SCONFS[@]}"; do
		# shellcheck disable=SC2086
		mark=
		[ -n "${SUNSAT[$c]:-}" ] && mark='*'
		# shellcheck disable=SC2086
		printf '%-27s %21s %6s %21s %6s\n' "${NAME[$c]}" \
			"$(range ${SRES[$c]})$mark" "$(ratio "$(median ${SRES[$c]})" "$sbase")$mark" \
			"$(range ${SPERCPU[$c]})" "$(ratio "$(median ${SPERCPU[$c]})" "$spbase")"
	done
	[ -n "${!SUNSAT[*]}" ] &&
		xg_log "* in some round CPU$GW_CPU was idle over 10% of the time: not saturated, a lower bound"
fi

# The key ratios, at 1000 flows when measured (else the first count).
kf=1000
[[ " $FLOWS " == *" 1000 "* ]] || kf=${FLOWS%% *}
line="key ratios to nftables masquerade at $kf flows, delivered (per CPU):"
# shellcheck disable=SC2086
base=$(median ${RES[b $kf]:-nv}) pbase=$(median ${PERCPU[b $kf]:-nv})
for c in "${CONFS[@]}"; do
	[ "$c" = b ] && continue
	mark=
	[ -n "${UNSAT[$c $kf]:-}" ] && mark='*'
	# shellcheck disable=SC2086
	line+=" ($c) $(ratio "$(median ${RES[$c $kf]:-nv})" "$base")$mark ($(ratio "$(median ${PERCPU[$c $kf]:-nv})" "$pbase"))"
done
[ "${SKIP_D:-0}" = 1 ] && line+=" (d) skipped"
if [ "$SETUP" = 1 ] && [ -n "${SRES[b]:-}" ]; then
	line+="; UDP flow setup:"
	for c in "${SCONFS[@]}"; do
		[ "$c" = b ] && continue
		# shellcheck disable=SC2086
		line+=" ($c) $(ratio "$(median ${SRES[$c]:-nv})" "$(median ${SRES[b]})")"
	done
fi
xg_log "$line"
