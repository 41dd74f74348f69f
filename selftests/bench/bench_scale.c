// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The NAT table at scale. Two instances' worth of maps, each made as
 * `xdpgw run --max-flows FLOWS` makes them (both program objects opened,
 * sized and loaded as the daemon does): one filled with SMALL flows, one
 * with FLOWS, every flow real, a flows entry and its rev entry
 * (bpf_map_update_batch). Prints:
 *  - the kernel's memory figure of each map of the full instance (the
 *    memlock line of its fdinfo, which bpftool prints as bytes_memlock), and
 *    flows + rev divided by the flows;
 *  - the per-packet cost of the egress translate and the ingress reverse
 *    translate (BPF_PROG_TEST_RUN) in the small table and in the full one,
 *    measured in turns, ROUNDS of each, the median and the range printed:
 *    "one flow", the same packet repeated (bench_pktcost's figure: the flow
 *    stays in the caches), and "spread", a different flow each run, picked
 *    at random over the table, which is what a table bigger than the caches
 *    costs (each run then also pays the test run's own timing, see the
 *    pass-only floor measured the same way);
 *  - the daemon's sweep over the full table: a scan with nothing to expire,
 *    then one with every flow expired and deleted.
 *
 * Every flow maps onto itself (external address = the internal host's, port
 * kept), as in bench_pktcost: a run rewrites the packet to the same bytes,
 * so any flow of the table can be measured, repeated or not. Each cost
 * figure checks its path counter moved exactly once a run, or is not
 * printed. Runs in a network namespace of its own; attaches nothing. Root.
 *
 * Usage: bench_scale [FLOWS] [SMALL] [RUNS]   (default 1048576 1024 1000000;
 * RUNS: repeats of "one flow" over all rounds; "spread" makes RUNS / 10)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "floors.skel.h"
#include "strparse.h"
#include "timeouts.h"
#include "instance.h"
#include "pin.h"
#include "pkt.h"
#include "prog_env.h"
#include "stats.h"
#include "sweep.h"

#define HOST "10.100.20.57" /* internal host, and (self-mapping) the ext address */
#define REMOTE_BASE 0xc6336401u /* 198.51.100.1: remote hosts from here on */
#define REMOTE_PORT 443
#define PORTS 64512u /* 1024-65535: the client ports of one remote host */
#define ROUNDS 5
#define TCP_ACK 0x10

static __u32 n_flows = 1u << 20, n_small = 1024, runs = 1000000;
static __be32 host_addr;
static int pass_fd; /* the XDP pass-only floor */

/* One instance's programs and maps. */
struct nat {
	struct nat_tc *tc;
	struct nat_xdp *xdp;
	__u32 flows; /* in the table */
	int tc_fd, xdp_fd, flows_fd, rev_fd, stats_fd;
};

/* ---------------------------------------------------------------- flows */

/* Flow id -> its outbound tuple: the host's port 1024 + id % PORTS to
 * remote host REMOTE_BASE + id / PORTS, port REMOTE_PORT.
 */
static struct nat_tuple flow_key(__u32 id)
{
	return (struct nat_tuple){ .saddr = host_addr,
				   .daddr = htonl(REMOTE_BASE + id / PORTS),
				   .sport = htons(1024 + id % PORTS),
				   .dport = htons(REMOTE_PORT),
				   .proto = IPPROTO_TCP };
}

/* Insert flows [0, n), both entries each, in batches. */
static int fill(struct nat *nat, __u32 n, __u64 now)
{
	const __u32 chunk = 65536;
	struct nat_tuple *k = calloc(chunk, sizeof(*k)), *rk = calloc(chunk, sizeof(*rk));
	struct nat_flow *v = calloc(chunk, sizeof(*v));
	struct nat_rev *r = calloc(chunk, sizeof(*r));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i, cnt, from;
	int err = k && rk && v && r ? 0 : -ENOMEM;

	for (from = 0; from < n && !err; from += cnt) {
		cnt = n - from < chunk ? n - from : chunk;
		for (i = 0; i < cnt; i++) {
			k[i] = flow_key(from + i);
			v[i] = (struct nat_flow){ .ext_addr = host_addr, .ext_port = k[i].sport,
						  .state = FLOW_TCP_ESTABLISHED,
						  .created_ns = now, .last_seen_ns = now };
			rk[i] = nat_reply_tuple(&k[i], v[i].ext_addr, v[i].ext_port);
			r[i].orig = k[i];
		}
		if (bpf_map_update_batch(nat->flows_fd, k, v, &cnt, &opts) ||
		    bpf_map_update_batch(nat->rev_fd, rk, r, &cnt, &opts))
			err = -errno;
	}
	free(k);
	free(rk);
	free(v);
	free(r);
	nat->flows = n;
	return err;
}

/* Entries in a hash map with 16-byte keys, counted with batch lookups. */
static long entries_in(int fd, __u32 value_size)
{
	const __u32 chunk = 65536;
	void *keys = malloc(chunk * sizeof(struct nat_tuple)), *vals = malloc(chunk * value_size);
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out, cnt;
	long n = 0;
	int err = 0;

	while (keys && vals && !err) {
		cnt = chunk;
		err = bpf_map_lookup_batch(fd, n ? &in : NULL, &out, keys, vals, &cnt, &opts);
		n += cnt;
		in = out;
	}
	free(keys);
	free(vals);
	return err == -ENOENT ? n : -1;
}

/* ---------------------------------------------------------------- memory */

/* The memlock figure of a map fd, from /proc/self/fdinfo. */
static long long memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A /proc/meminfo figure in kB (-1 if absent). */
static long meminfo_kb(const char *name)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(name);
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static long long print_map(const struct bpf_map *m, bool per_flow)
{
	long long bytes = memlock(bpf_map__fd(m));

	printf("%-10s %-14s %9u %5u %6u %14lld %9s\n", bpf_map__name(m),
	       libbpf_bpf_map_type_str(bpf_map__type(m)), bpf_map__max_entries(m),
	       bpf_map__key_size(m), bpf_map__value_size(m), bytes,
	       per_flow ? "per flow" : "fixed");
	return per_flow ? bytes : 0;
}

/* Every map of the instance (the tc object's: the XDP object reuses them);
 * returns flows + rev bytes per flow. vmalloc_kb: VmallocUsed's growth
 * while the instance was made and filled.
 */
static double print_memory(const struct nat *nat, long vmalloc_kb)
{
	long long flows_rev = 0;
	struct bpf_map *m;

	printf("%-10s %-14s %9s %5s %6s %14s %9s\n", "map", "type", "max", "key", "value",
	       "memlock bytes", "counted");
	bpf_object__for_each_map(m, nat->tc->obj) {
		if (bpf_map__is_internal(m))
			continue;
		flows_rev += print_map(m, m == nat->tc->maps.flows || m == nat->tc->maps.rev);
	}
	printf("flows + rev: %lld bytes / %u flows = %.1f bytes/flow\n", flows_rev, nat->flows,
	       (double)flows_rev / nat->flows);
	printf("cross-check: VmallocUsed grew by %ld kB (%.1f bytes/flow) while these maps\n"
	       "were made and filled (other processes' allocations count too)\n\n", vmalloc_kb,
	       vmalloc_kb * 1024.0 / nat->flows);
	return (double)flows_rev / nat->flows;
}

/* ---------------------------------------------------------------- cost */


/* The frame of flow id's packet: out (internal -> remote) or its reply. */
static size_t flow_frame(__u32 id, bool out, uint8_t *frame)
{
	struct nat_tuple k = flow_key(id);
	char remote[INET_ADDRSTRLEN];
	struct pkt_spec s = { .proto = IPPROTO_TCP, .tcp_flags = TCP_ACK, .payload_len = 64 };

	inet_ntop(AF_INET, &k.daddr, remote, sizeof(remote));
	s.saddr = out ? HOST : remote;
	s.daddr = out ? remote : HOST;
	s.sport = ntohs(out ? k.sport : k.dport);
	s.dport = ntohs(out ? k.dport : k.sport);
	return pkt_build(&s, frame);
}

static __u64 rng_state = 0x9e3779b97f4a7c15ull;

static __u32 rand_below(__u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

/* Mean ns/packet of n runs on one path; -1 when the path counter shows
 * another path was taken. spread: n random flows, one run each; else
 * flow 0, repeated n times. floor: the pass program, on the same frames.
 */
static double path_cost(const struct nat *nat, bool out, bool spread, __u32 n, bool floor)
{
	enum xdpgw_stat idx = out ? STAT_OUT_TRANSLATED : STAT_IN_TRANSLATED;
	int prog = floor ? pass_fd : out ? nat->tc_fd : nat->xdp_fd;
	__u64 before = stat_read_one(nat->stats_fd, idx);
	bool xdp = floor || !out;
	uint8_t frame[PKT_MAX];
	double sum = 0, ns;
	size_t len;
	__u32 i;

	if (!spread) {
		len = flow_frame(0, out, frame);
		sum = prog_cost(prog, frame, len, n, xdp, 0) * n;
	}
	for (i = 0; spread && i < n && sum >= 0; i++) {
		len = flow_frame(rand_below(nat->flows), out, frame);
		ns = prog_cost(prog, frame, len, 1, xdp, 0);
		sum = ns < 0 ? -1 : sum + ns;
	}
	if (sum < 0 || (!floor && stat_read_one(nat->stats_fd, idx) - before != n))
		return -1;
	return sum / n;
}

enum { COL_SMALL, COL_FULL, NCOLS };
enum { ROW_PASS, ROW_OUT, ROW_IN, ROW_PASS_SPREAD, ROW_OUT_SPREAD, ROW_IN_SPREAD, NROWS };

static const char *const row_names[NROWS] = {
	[ROW_PASS] = "xdp pass only (floor), one packet",
	[ROW_OUT] = "tc egress translate, one flow",
	[ROW_IN] = "xdp ingress reverse, one flow",
	[ROW_PASS_SPREAD] = "xdp pass only (floor), spread",
	[ROW_OUT_SPREAD] = "tc egress translate, spread",
	[ROW_IN_SPREAD] = "xdp ingress reverse, spread",
};

static double cost[NROWS][NCOLS][ROUNDS];

/* One round of every row on one table. */
static void measure(const struct nat *nat, int col, int round)
{
	__u32 hot = runs / ROUNDS, spread = runs / 10 / ROUNDS;

	cost[ROW_PASS][col][round] = path_cost(nat, true, false, hot, true);
	cost[ROW_OUT][col][round] = path_cost(nat, true, false, hot, false);
	cost[ROW_IN][col][round] = path_cost(nat, false, false, hot, false);
	cost[ROW_PASS_SPREAD][col][round] = path_cost(nat, true, true, spread, true);
	cost[ROW_OUT_SPREAD][col][round] = path_cost(nat, true, true, spread, false);
	cost[ROW_IN_SPREAD][col][round] = path_cost(nat, false, true, spread, false);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of a cell's rounds (-1 if any round failed); lo, hi: the range. */
static double median(int row, int col, double *lo, double *hi)
{
	double v[ROUNDS];

	memcpy(v, cost[row][col], sizeof(v));
	qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
	*lo = v[0];
	*hi = v[ROUNDS - 1];
	return v[0] < 0 ? -1 : v[ROUNDS / 2];
}

static void print_cell(int row, int col)
{
	double lo, hi, m = median(row, col, &lo, &hi);
	char range[32];

	if (m < 0) {
		printf(" %20s", "(path?)");
		return;
	}
	snprintf(range, sizeof(range), "(%.0f-%.0f)", lo, hi);
	printf(" %7.1f %12s", m, range);
}

static double ratio(int row)
{
	double lo, hi, s = median(row, COL_SMALL, &lo, &hi), f = median(row, COL_FULL, &lo, &hi);

	return s > 0 && f > 0 ? f / s : 0;
}

static void print_costs(const struct nat *small, const struct nat *full)
{
	char a[32], b[32];
	int i;

	snprintf(a, sizeof(a), "%u flows", small->flows);
	snprintf(b, sizeof(b), "%u flows", full->flows);
	printf("%-34s %20s %20s %6s\n", "ns/packet, median (range)", a, b, "ratio");
	for (i = 0; i < NROWS; i++) {
		printf("%-34s", row_names[i]);
		print_cell(i, COL_SMALL);
		print_cell(i, COL_FULL);
		printf(" %6.2f\n", ratio(i));
	}
	printf("(%d rounds, the two tables in turns; one flow/packet: %u runs of one packet a\n"
	       " round; spread: %u packets a round, one run each, flows picked at random over\n"
	       " the table; (path?): the path counter did not move once a run)\n\n", ROUNDS,
	       runs / ROUNDS, runs / 10 / ROUNDS);
}

/* ---------------------------------------------------------------- sweep */

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Sweep at time now; prints a row, returns the wall seconds (-1: error). */
static double sweep_row(const char *what, struct sweeper *sw, const struct nat *nat, __u64 now)
{
	double c0 = cpu_s(), w0 = monotonic_ns() / 1e9, wall;
	struct xdpgw_config cfg;
	struct sweep_result res;

	timeouts_default(&cfg);
	if (sweep_flows(sw, nat->flows_fd, &cfg, now, &res)) {
		perror("sweep");
		return -1;
	}
	wall = monotonic_ns() / 1e9 - w0;
	printf("%-34s %9llu %9llu %8.3f %8.3f %11.2f\n", what, (unsigned long long)res.scanned,
	       (unsigned long long)res.expired, cpu_s() - c0, wall, res.longest_batch_ns / 1e6);
	return wall;
}

static int sweeps(const struct nat *nat, double *scan_s, double *expire_s)
{
	__u64 now = monotonic_ns();
	struct sweeper *sw;

	if (sweeper_open(&sw, nat->flows_fd, nat->rev_fd, -1, -1)) {
		perror("loading the sweep program");
		return -1;
	}
	printf("%-34s %9s %9s %8s %8s %11s\n", "sweep of the full table", "scanned", "expired",
	       "cpu_s", "wall_s", "longest_ms");
	*scan_s = sweep_row("scan, nothing expired", sw, nat, now);
	*expire_s = sweep_row("scan, all expired and deleted", sw, nat,
			      now + 6ull * 24 * 3600 * 1000000000ull);
	sweeper_close(sw);
	printf("left after the sweep: %ld flows, %ld rev entries\n\n",
	       entries_in(nat->flows_fd, sizeof(struct nat_flow)),
	       entries_in(nat->rev_fd, sizeof(struct nat_rev)));
	return *scan_s < 0 || *expire_s < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- setup */

/* Open and load as `xdpgw run` does: the tc object creates the maps and pins
 * them in dir, the XDP object reuses them by name. The pins go as soon as
 * both are loaded: the fds keep everything, and nothing is left behind
 * however the benchmark ends.
 */
static int nat_load(struct nat *nat, const char *dir)
{
	struct instance_cfg cfg = { .dir = dir, .settings.max_flows = n_flows };
	int err;

	parse_prefix("10.100.20.0/24", &cfg.settings.internal_net, &cfg.settings.internal_mask);
	cfg.settings.ext_addr = host_addr; /* every flow maps onto itself */
	/* replies go to the external address, which is inside the prefix here:
	 * routed in, not the inbound filter's drop */
	cfg.settings.route_inbound = 1;
	cfg.settings.port_min = 1024;
	cfg.settings.port_max = 65535;
	err = pin_dir_create(dir) ?: nat_objects_open(&nat->tc, &nat->xdp, &cfg) ?:
	      nat_tc__load(nat->tc) ?: nat_xdp__load(nat->xdp);
	instance_unpin(dir);
	if (err) {
		fprintf(stderr, "bench_scale: loading the programs failed: %s\n", strerror(-err));
		return err;
	}
	nat->tc_fd = bpf_program__fd(nat->tc->progs.xdpgw_egress);
	nat->xdp_fd = bpf_program__fd(nat->xdp->progs.xdpgw_ingress);
	nat->flows_fd = bpf_map__fd(nat->tc->maps.flows);
	nat->rev_fd = bpf_map__fd(nat->tc->maps.rev);
	nat->stats_fd = bpf_map__fd(nat->tc->maps.stats);
	return 0;
}

static void nat_close(struct nat *nat)
{
	nat_xdp__destroy(nat->xdp);
	nat_tc__destroy(nat->tc);
}

/* Make the instance and fill it with n flows. */
static int nat_make(struct nat *nat, const char *root, int i, __u32 n)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/bench-scale-%d-%d", root, getpid(), i);
	if (nat_load(nat, dir))
		return -1;
	if (fill(nat, n, monotonic_ns()) ||
	    entries_in(nat->flows_fd, sizeof(struct nat_flow)) != n ||
	    entries_in(nat->rev_fd, sizeof(struct nat_rev)) != n) {
		fprintf(stderr, "bench_scale: filling the maps with %u flows failed\n", n);
		return -1;
	}
	return 0;
}

static int setup(char *root, size_t len)
{
	if (unshare(CLONE_NEWNET) || system("ip link set lo up")) {
		fprintf(stderr, "bench_scale: no network namespace of its own: %s\n",
			strerror(errno));
		return -1;
	}
	if (pin_root_choose(NULL, path_is_bpffs, root, len)) {
		fprintf(stderr, "bench_scale: no bpffs at %s or %s\n", PIN_ROOT_SYS_BPFFS,
			PIN_ROOT_RUN);
		return -1;
	}
	return 0;
}

/* The two tables, memory, costs in turns, the sweep. */
static int run_rounds(const char *root, struct nat nat[NCOLS])
{
	double per_flow, scan_s, expire_s, t0;
	long vm0;
	int r;

	if (nat_make(&nat[COL_SMALL], root, COL_SMALL, n_small))
		return -1;
	vm0 = meminfo_kb("VmallocUsed");
	t0 = monotonic_ns() / 1e9;
	if (nat_make(&nat[COL_FULL], root, COL_FULL, n_flows))
		return -1;
	printf("tables of %u flows (--max-flows %u) made and filled: %u and %u flows, each a\n"
	       "flows and a rev entry (the full one in %.2f s)\n\n", n_flows, n_flows, n_small,
	       n_flows, monotonic_ns() / 1e9 - t0);
	per_flow = print_memory(&nat[COL_FULL], meminfo_kb("VmallocUsed") - vm0);
	for (r = 0; r < ROUNDS; r++) {
		measure(&nat[COL_SMALL], COL_SMALL, r);
		measure(&nat[COL_FULL], COL_FULL, r);
	}
	print_costs(&nat[COL_SMALL], &nat[COL_FULL]);
	if (sweeps(&nat[COL_FULL], &scan_s, &expire_s))
		return -1;
	printf("scale, %u flows: %.1f bytes/flow (flows + rev memlock), sweep %.2f s (scan) "
	       "%.2f s (all expired), cost %u/%u flows: egress %.2f ingress %.2f (one flow), "
	       "%.2f %.2f (spread)\n", n_flows, per_flow, scan_s, expire_s, n_flows, n_small,
	       ratio(ROW_OUT), ratio(ROW_IN), ratio(ROW_OUT_SPREAD), ratio(ROW_IN_SPREAD));
	return 0;
}

int main(int argc, char **argv)
{
	struct nat nat[NCOLS] = {};
	struct floors *fl = NULL;
	char root[PATH_MAX - 64];
	int err = -1;

	if (argc > 1)
		n_flows = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		n_small = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		runs = strtoul(argv[3], NULL, 0);
	if (!n_small || n_small > n_flows || runs < 10 * ROUNDS) {
		fprintf(stderr, "usage: bench_scale [FLOWS] [SMALL <= FLOWS] [RUNS >= %d]\n",
			10 * ROUNDS);
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "bench_scale: needs root\n");
		return 4;
	}
	parse_ipv4_addr(HOST, &host_addr);
	if (setup(root, sizeof(root)))
		return 1;
	fl = floors__open_and_load();
	if (fl) {
		pass_fd = bpf_program__fd(fl->progs.floor_pass);
		err = run_rounds(root, nat);
	} else {
		fprintf(stderr, "bench_scale: loading the floor program failed\n");
	}
	nat_close(&nat[COL_FULL]);
	nat_close(&nat[COL_SMALL]);
	floors__destroy(fl);
	return err ? 1 : 0;
}
