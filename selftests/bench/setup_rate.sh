#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: TCP flow setup rate through the gateway of scenario S3, with
# nftables masquerade and with xdpgw, the same client and server in one run:
#
#   web 10.100.20.57 --- [in0 | gw | eth0 203.0.113.1] --- r1 --- inet 198.51.100.20:80
#   wrk: a new TCP        nft masquerade, or               nginx, one worker,
#   connection a request  xdpgw run --max-flows N          `return 204`
#
# wrk sends `Connection: close` and nginx closes after each response
# (keepalive_timeout 0), so every request is a new TCP connection from
# another client port: a new flow on gw, or a closed flow's tuple reused
# once the client has gone round its port range. The two configurations
# alternate, ROUNDS times, each measured for SECONDS (a warm-up second
# first). xdpgw starts afresh each time; conntrack's entries outlive the nft
# table, so a later nft run starts with the earlier runs' TIME_WAIT entries.
#
# Per run it prints connections/s; the CPU time per connection of the
# processes doing the work (wrk, nginx, ksoftirqd, xdpgw's daemon: the
# packets' way through the four namespaces is mostly run by the sender,
# i.e. inside wrk's and nginx's system time); each one's share of a CPU;
# the CPU the machine spent elsewhere (other work on it makes a run slow);
# the flows gw saw and any drops. With PERF=1 (and perf installed), one more
# window per configuration under `perf record -a`: CPU per connection in
# netfilter, in xdpgw's BPF and in veth's XDP mode. The last line: the
# medians' ratio xdpgw/nft, of connections/s and of CPU per connection.
#
# One client address and one server port make at most 64512 tuples (the
# client's port range), so neither table can hold more flows than that,
# TIME_WAIT flows (120 s) included: MAX_FLOWS and gw's nf_conntrack_max
# (printed) leave room; drops would be printed.
#
# Usage: selftests/bench/setup_rate.sh [SECONDS] [ROUNDS]   (default 5 3; as root)
# Env: CONNS (wrk connections, 64), THREADS (wrk threads, 2),
#      MAX_FLOWS (xdpgw --max-flows, 262144), PERF=1, OTHER_MAX and TRIES (a
#      window in which other processes took more than OTHER_MAX % of a CPU,
#      20, is measured again, up to TRIES times, 3; the row is marked *N
#      when the last try was still disturbed). Exit 4 when it cannot run.

source "$(dirname "$0")/../lib.sh" || exit 1
set -u

SECS=${1:-5}
ROUNDS=${2:-3}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
MAX_FLOWS=${MAX_FLOWS:-262144}
PERF=${PERF:-0}
OTHER_MAX=${OTHER_MAX:-20} # % of a CPU: more, and the window is measured again
TRIES=${TRIES:-3}
PERF_PERIOD_NS=250000 # perf samples each CPU every 250 us of its clock
HZ=$(getconf CLK_TCK)

xg_require_root
xg_require_tools nginx wrk nft ip tc bpftool xdp-loader
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW (make)"
[ "$PERF" = 1 ] && ! command -v perf >/dev/null && PERF=0
xg_init
xg_bpffs || xg_fatal "cannot mount a bpffs at $XG_PIN_ROOT"
s3_build
XG_XDPGW_ARGS=(--max-flows "$MAX_FLOWS")

# ---------------------------------------------------------------- setup

# Client ports: the whole range, TIME_WAIT ports reused (nginx closes first,
# so the TIME_WAIT sockets are mostly inet's). A deep accept queue.
tune_hosts() {
	xg_sysctl "$NS_WEB" net.ipv4.tcp_tw_reuse=1 &&
		xg_sysctl "$NS_WEB" "net.ipv4.ip_local_port_range=1024 65535" &&
		xg_sysctl "$NS_INET" net.core.somaxconn=8192 &&
		xg_sysctl "$NS_INET" net.ipv4.tcp_max_syn_backlog=8192
}

nginx_start() {
	local d=$XG_TMP/nginx

	mkdir -p "$d"/{logs,tmp}
	cat >"$d/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	pid $d/nginx.pid;
	error_log $d/logs/error.log;
	events { worker_connections 16384; }
	http {
		access_log off;
		keepalive_timeout 0;
		client_body_temp_path $d/tmp/body;
		proxy_temp_path $d/tmp/proxy;
		fastcgi_temp_path $d/tmp/fastcgi;
		uwsgi_temp_path $d/tmp/uwsgi;
		scgi_temp_path $d/tmp/scgi;
		server {
			listen $INET_IP:80 backlog=8192;
			location / { return 204; }
		}
	}
	EOF
	xg_bg "$NS_INET" nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/out" 2>&1
	NGINX_PID=$XG_LASTPID
	wait_for 10 xg_listening "$NS_INET" tcp 80
}

# Both configurations see the same peers: the pass programs xdpgw's fast
# path needs on web's and r1's veths are there from the start.
peers_xdp() { xg_peer_xdp "$NS_WEB" eth0 && xg_peer_xdp "$NS_R1" eth0; }

# ---------------------------------------------------------------- NAT

nft_start() {
	ip netns exec "$NS_GW" nft -f - <<-EOF
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "eth0" masquerade
		}
	}
	EOF
}

nft_stop() { ip netns exec "$NS_GW" nft delete table ip nat; }

# gw_nf_sysctl NAME DEF : a netfilter sysctl of gw's namespace (DEF if unreadable)
gw_nf_sysctl() { ip netns exec "$NS_GW" cat "/proc/sys/net/netfilter/$1" 2>/dev/null || echo "$2"; }

ct_count() { gw_nf_sysctl nf_conntrack_count 0; }

# Conntrack's drop + early_drop + insert_failed, summed over CPUs (hex
# columns of gw's /proc/net/stat/nf_conntrack, found by their header).
ct_drops() {
	ip netns exec "$NS_GW" awk '
		function hex(s,   i, v) {
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ n += hex($col["drop"]) + hex($col["early_drop"]) + hex($col["insert_failed"]) }
		END { print n + 0 }' /proc/net/stat/nf_conntrack 2>/dev/null || echo 0
}

# "out_new_flow drop_no_port drop_table_full" of the running xdpgw.
xg_counts() {
	xg_xdpgw stats --external eth0 | awk '
		{ v[$1] = $2 }
		END { print v["out_new_flow"] + 0, v["drop_no_port"] + 0, v["drop_table_full"] + 0 }'
}

# Flows in xdpgw's table now (`xdpgw flows` prints a header, then one a line).
xg_table_count() { xg_xdpgw flows --external eth0 | awk 'NR > 1' | wc -l; }

nat_start() {
	if [ "$1" = nft ]; then
		nft_start || xg_fatal "nft masquerade did not load"
	else
		xg_nat_start || xg_fatal "xdpgw did not start"
	fi
}

nat_stop() {
	if [ "$1" = nft ]; then
		nft_stop
	else
		xg_nat_stop || xg_fatal "xdpgw did not stop cleanly"
	fi
}

# ---------------------------------------------------------------- CPU

# "busy idle" jiffies of the whole machine, from /proc/stat.
cpu_snapshot() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }

# utime + stime jiffies of the given pids, summed.
pids_cpu() {
	local p n=0 t
	for p in "$@"; do
		t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) && n=$((n + t))
	done
	echo "$n"
}

ksoftirqd_pids() { pgrep -x 'ksoftirqd/[0-9]+' | tr '\n' ' '; }

# wrk_run SECONDS : "REQUESTS SECONDS WRK_JIFFIES ERRORS", wrk in web; its
# CPU time from the shell that waited for it (`times`, second line).
wrk_run() {
	ip netns exec "$NS_WEB" bash -c '
		wrk -t"$1" -c"$2" -d"$3"s -H "Connection: close" "http://$4/" 2>&1
		times' _ "$THREADS" "$CONNS" "$1" "$INET_IP" | awk -v hz="$HZ" '
		function s(v,   m) {
			m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v); sub(/s$/, "", v)
			return m * 60 + v
		}
		/ requests in / { n = $1; t = $4; sub(/,$/, "", t)
			if (t ~ /ms$/) { sub(/ms$/, "", t); t /= 1000 } else sub(/s$/, "", t) }
		/Socket errors|Non-2xx/ { sub(/^ +/, ""); gsub(/ +/, "_"); err = err $0 ";" }
		/^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { if (++tl == 2) cpu = (s($1) + s($2)) * hz }
		END { printf "%d %s %d %s\n", n, t, cpu, (err == "" ? "-" : err) }'
}

# ---------------------------------------------------------------- one run

# The gateway's figures after a run: "FLOWS; DROPS" (free text).
gw_figures() {
	local new nop full

	if [ "$1" = nft ]; then
		echo "conntrack $(ct_count) (was $2); ct drops $(( $(ct_drops) - $3 ))"
	else
		read -r new nop full <<<"$(xg_counts)"
		echo "table $(xg_table_count), out_new_flow $new; drop_no_port $nop drop_table_full $full"
	fi
}

# measure PIDS... : one wrk window; "CONNS CONN_PER_S US_PER_CONN WRK% SRV% BUSY%
# OTHER% ERRORS": CPU time per connection of wrk and PIDS, shares of one CPU.
measure() {
	local busy0 idle0 busy1 idle1 our0 our1 req secs wrkj err

	our0=$(pids_cpu "$@")
	read -r busy0 idle0 <<<"$(cpu_snapshot)"
	read -r req secs wrkj err <<<"$(wrk_run "$SECS")"
	read -r busy1 idle1 <<<"$(cpu_snapshot)"
	our1=$(pids_cpu "$@")
	awk -v req="$req" -v secs="$secs" -v hz="$HZ" -v wrk="$wrkj" -v our="$((our1 - our0))" \
		-v busy="$((busy1 - busy0))" -v tot="$((busy1 - busy0 + idle1 - idle0))" -v err="$err" '
		function pct(j) { return (tot > 0 ? 200 * j / tot : 0) } # % of one CPU
		BEGIN {
			mine = wrk + our
			printf "%d %.0f %.1f %.0f %.0f %.0f %.0f %s\n", req, (secs > 0 ? req / secs : 0),
				(req > 0 ? mine / hz * 1e6 / req : 0), pct(wrk), pct(our), pct(busy),
				pct(busy - mine), err
		}'
}

# run_config nft|xdpgw ROUND : one measured window with that NAT (repeated
# up to TRIES times while other work takes more than OTHER_MAX % of a CPU);
# prints a table row, appends "CONFIG CONN_PER_S US_PER_CONN MARK" to results.
run_config() {
	local cfg=$1 ct0=0 drops0=0 pids conns n rate us wrk srv busy other err mark=

	nat_start "$cfg"
	[ "$cfg" = nft ] && ct0=$(ct_count) drops0=$(ct_drops)
	# warm-up: the NAT's first flows, wrk's and nginx's caches
	read -r conns _ <<<"$(wrk_run 1)"
	pids="$NGINX_W $(ksoftirqd_pids) ${XG_NAT_PID:-}"
	for _ in $(seq 1 "$TRIES"); do
		# shellcheck disable=SC2086 # a pid list
		read -r n rate us wrk srv busy other err <<<"$(measure $pids)"
		conns=$((conns + n))
		[ "$other" -le "$OTHER_MAX" ] && break
	done
	[ "$other" -gt "$OTHER_MAX" ] && mark="*$TRIES"
	printf '%5d %-6s %8d %8.1f %6d %6d %6d %6d%-3s %s: %s\n' "$2" "$cfg" "$rate" "$us" "$wrk" \
		"$srv" "$busy" "$other" "$mark" "$conns" "$(gw_figures "$cfg" "$ct0" "$drops0")"
	nat_stop "$cfg"
	[ "$err" != - ] && xg_log "      wrk: $err"
	echo "$cfg $rate $us ${mark:--}" >>"$XG_TMP/results"
}

# ---------------------------------------------------------------- perf

# Kernel symbols of each part, for the perf split: netfilter (conntrack,
# NAT, nft); xdpgw's BPF (its programs, the helpers and hash maps they use,
# the tc hook); veth's XDP mode (a veth with an XDP program receives through
# NAPI: xdpgw's two and the peers' pass programs, which both runs have).
NF_SYMS='^(nf_|__nf_|nft_|__nft_|ipv4_conntrack|hash_conntrack|tcp_in_window|tcp_packet|'
NF_SYMS+='init_conntrack|destroy_conntrack|get_unique_tuple|masquerade|gc_worker|ct_)'
BPF_SYMS='^(bpf_prog_[0-9a-f]+_xdpgw|bpf_(skb|l3|l4|ktime|ringbuf|map|redirect|fib)|'
BPF_SYMS+='__bpf_ringbuf|htab_|__htab_|alloc_htab_elem|free_htab_elem|lookup_(nulls_)?elem_raw|'
BPF_SYMS+='pcpu_freelist|cls_bpf|tcf_|__tcf_|tcx_|sch_handle_)'
VETH_SYMS='^(veth_xdp|veth_convert|veth_poll|bpf_dispatcher_xdp|bpf_prog_[0-9a-f]+_floor|'
VETH_SYMS+='xdp_|__xdp_)'
IDLE_SYMS='^(default_idle|pv_native_safe_halt|native_safe_halt|cpuidle_|do_idle|acpi_idle|'
IDLE_SYMS+='intel_idle|poll_idle|mwait_idle)'

# perf_config nft|xdpgw : one more window under perf; prints a row.
perf_config() {
	local cfg=$1 data=$XG_TMP/perf.$1 req secs ppid

	nat_start "$cfg"
	wrk_run 1 >/dev/null
	perf record -a -e cpu-clock -c "$PERF_PERIOD_NS" -o "$data" -- sleep "$SECS" \
		>/dev/null 2>&1 &
	ppid=$!
	read -r req secs _ <<<"$(wrk_run "$SECS")"
	wait "$ppid"
	nat_stop "$cfg"
	perf report -i "$data" --stdio --no-children --sort sym -g none -F sample,sym \
		2>/dev/null | awk -v cfg="$cfg" -v req="$req" -v secs="$secs" -v per="$PERF_PERIOD_NS" \
		-v nf="$NF_SYMS" -v bpf="$BPF_SYMS" -v veth="$VETH_SYMS" -v idle="$IDLE_SYMS" '
		/^#/ || NF < 3 { next }
		{
			n = $1; sym = $3; all += n
			if (sym ~ idle) c["idle"] += n
			else if (sym ~ nf) c["nf"] += n
			else if (sym ~ bpf) c["bpf"] += n
			else if (sym ~ veth) c["veth"] += n
		}
		function us(x) { return (req > 0 ? x * per / 1000 / req : 0) }
		END {
			printf "%-6s %8.0f %8.1f %8.1f %8.2f %8.2f %9.2f\n", cfg,
				(secs > 0 ? req / secs : 0), us(all - c["idle"]), us(c["idle"]),
				us(c["nf"]), us(c["bpf"]), us(c["veth"])
		}'
}

perf_section() {
	xg_log ""
	xg_log "# perf record -a, one more ${SECS} s window each (rates lower with perf on); CPU us per"
	xg_log "# connection: the machine busy, idle, in netfilter (conntrack, NAT, nft), in xdpgw's"
	xg_log "# BPF (programs, helpers, maps, tc hook), in veth's XDP mode (xdpgw's and the peers')"
	printf '%-6s %8s %8s %8s %8s %8s %9s\n' nat conn/s busy idle nf bpf veth_xdp
	perf_config nft
	perf_config xdpgw
}

# ---------------------------------------------------------------- main

summary() {
	awk '
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
	}
	# rows disturbed by other work count only when all rows of that NAT are
	$4 == "-" { clean[$1] = 1 }
	{ row[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			if (f[4] != "-" && clean[f[1]])
				continue
			if (f[1] == "nft") { nr[++n] = f[2]; nu[n] = f[3] }
			else { xr[++x] = f[2]; xu[x] = f[3] }
		}
		a = median(nr, n); b = median(xr, x); c = median(nu, n); d = median(xu, x)
		printf "setup rate, medians of %d and %d runs: nft %.0f conn/s %.1f us/conn,", n, x, a, c
		printf " xdpgw %.0f conn/s %.1f us/conn;", b, d
		printf " xdpgw/nft: %.2f conn/s, %.2f CPU/conn\n", (a > 0 ? b / a : 0), (c > 0 ? d / c : 0)
	}' "$XG_TMP/results"
}

xg_run tune_hosts
xg_run peers_xdp
nginx_start || xg_fatal "nginx did not start: $(cat "$XG_TMP/nginx/out")"
NGINX_W=$(pgrep -P "$NGINX_PID" | head -n 1)

xg_log "# TCP flow setup rate through gw, nft masquerade vs xdpgw --max-flows $MAX_FLOWS;" \
	"$(nproc) CPUs, kernel $(uname -r)"
xg_log "# wrk -t$THREADS -c$CONNS -H 'Connection: close', ${SECS} s a run after 1 s of warm-up;" \
	"nginx $(nginx -v 2>&1 | sed 's/.*\///'), 1 worker, return 204"
xg_log "# gw's nf_conntrack_max $(gw_nf_sysctl nf_conntrack_max -)"
printf '%5s %-6s %8s %8s %6s %6s %6s %6s  %s\n' round nat conn/s us/conn "wrk%" "srv%" \
	"busy%" "other%" "conns since start: gw's flows; drops"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="nft xdpgw"; else order="xdpgw nft"; fi
	for cfg in $order; do run_config "$cfg" "$r"; done
done
xg_log "(conns since start: connections made since the NAT started, warm-up included; a"
xg_log " connection from a client port used before reuses a closed flow's tuple: xdpgw's"
xg_log " flow (out_new_flow counts only new ones), conntrack's entry, replaced)"
xg_log "(us/conn: CPU time of wrk, nginx, ksoftirqd and xdpgw's daemon per connection;"
xg_log " wrk%, srv% (nginx, ksoftirqd, daemon), busy% (the machine), other% (busy minus"
xg_log " ours: work not ours): % of one CPU, of $(nproc); *N: other work disturbed all N tries)"
[ "$PERF" = 1 ] && perf_section
summary
exit 0
