// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cost of expiry over a large NAT table, old design against new, on
 * real BPF hash maps sized as `xdpgw run --max-flows N` makes them:
 *  - old: the once-a-second sweep of the whole table (sweep_flows);
 *  - new: the daemon's tick (expiry_tick, user/expiry.h): the expiry lane
 *    checked in the kernel, a slice of the table scanned.
 * For each scenario, CPU per second of the daemon's process (user + system,
 * CLOCK_PROCESS_CPUTIME_ID: the BPF_PROG_RUNs of the lane check and of the
 * deletes run in its system calls, so the kernel's expiry work is in it),
 * averaged over OLD_TICKS sweeps and over a whole pass of ticks
 * (EXPIRY_PASS_S) of the new design, at 1 Hz of simulated time; the new
 * design's first tick (a daemon's start: the whole table) apart. Scenarios:
 * 1k, 100k and 1M established idle flows; 1M flows idle for up to 100 s
 * under `--timeout established=100`, so that 1 % of the table expires each
 * second, refilled each second by as many new flows (entered in the lane
 * as the datapath would; not counted). Then, as before, one sweep of the
 * largest table with nothing to expire and one with everything expired,
 * with the longest single kernel step. Needs root.
 *
 * Usage: bench_sweep [FLOWS]   (the largest table; default 1048576)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <time.h>
#include <bpf/bpf.h>
#include "xdpgw.h"
#include "timeouts.h"
#include "sweep.h"
#include "expiry.h"

#define NSEC_PER_SEC 1000000000ull
#define OLD_TICKS 3
#define CHURN_TIMEOUT_S 100 /* 1 % of the flows a second */

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void)
{
	return monotonic_ns() / 1e9;
}

/* N distinct flows from 10.0.0.0/8 hosts to one server, one port each,
 * ids from first on; idle for (id % spread_s) s at last_seen (spread_s 0:
 * all seen at last_seen). With lane_fd >= 0 each goes in the lane too.
 */
static int fill_ids(int flows_fd, int rev_fd, int lane_fd, __u32 first, __u32 n,
		    __u64 last_seen, __u32 spread_s)
{
	const __u32 chunk = 65536;
	struct nat_tuple *k = calloc(chunk, sizeof(*k)), *rk = calloc(chunk, sizeof(*rk));
	struct nat_flow *v = calloc(chunk, sizeof(*v));
	struct nat_rev *r = calloc(chunk, sizeof(*r));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	static const __u64 look_now[65536]; /* the lane's 0: at the next check */
	__u32 i, done, cnt;
	int err = 0;

	for (done = 0; done < n && !err; done += cnt) {
		cnt = n - done < chunk ? n - done : chunk;
		for (i = 0; i < cnt; i++) {
			__u32 id = first + done + i;

			k[i] = (struct nat_tuple){ .saddr = htonl(0x0a000000 | (id >> 6)),
						   .daddr = htonl(0xc6336414),
						   .sport = htons(1024 + (id & 63)),
						   .dport = htons(80), .proto = IPPROTO_TCP };
			v[i] = (struct nat_flow){ .ext_addr = htonl(0xcb007101),
						  .ext_port = htons(1024 + id % 64512),
						  .state = FLOW_TCP_ESTABLISHED,
						  .last_seen_ns = last_seen };
			if (spread_s)
				v[i].last_seen_ns -= (id % spread_s) * NSEC_PER_SEC;
			/* distinct rev keys: vary the remote port with the id */
			k[i].dport = htons(1 + id / 64512);
			rk[i] = nat_reply_tuple(&k[i], v[i].ext_addr, v[i].ext_port);
			r[i].orig = k[i];
		}
		err = bpf_map_update_batch(flows_fd, k, v, &cnt, &opts) ?:
		      bpf_map_update_batch(rev_fd, rk, r, &cnt, &opts);
		if (!err && lane_fd >= 0)
			err = bpf_map_update_batch(lane_fd, k, look_now, &cnt, &opts);
	}
	free(k);
	free(rk);
	free(v);
	free(r);
	return err;
}

static int fill(int flows_fd, int rev_fd, __u32 n, __u64 last_seen)
{
	return fill_ids(flows_fd, rev_fd, -1, 0, n, last_seen, 0);
}

static void run_sweep(const char *what, struct sweeper *sw, int flows_fd,
		      const struct xdpgw_config *cfg, __u64 now, __u32 n)
{
	struct sweep_result res;
	double c0 = cpu_s(), w0 = wall_s();

	if (sweep_flows(sw, flows_fd, cfg, now, &res)) {
		perror("sweep");
		exit(1);
	}
	printf("%-34s %9u %9llu %10.3f %10.3f %11.0f %12.2f\n", what, n,
	       (unsigned long long)res.expired, cpu_s() - c0, wall_s() - w0,
	       (cpu_s() - c0) * 1e9 / (n ? n : 1), res.longest_batch_ns / 1e6);
}

static double cpu_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct tables {
	int flows, rev, lane;
};

static int tables_make(struct tables *t, __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, nopre, .map_flags = BPF_F_NO_PREALLOC);

	t->flows = bpf_map_create(BPF_MAP_TYPE_HASH, "flows", sizeof(struct nat_tuple),
				  sizeof(struct nat_flow), n, NULL);
	t->rev = bpf_map_create(BPF_MAP_TYPE_HASH, "rev", sizeof(struct nat_tuple),
				sizeof(struct nat_rev), n, NULL);
	t->lane = bpf_map_create(BPF_MAP_TYPE_HASH, "expiry_lane", sizeof(struct nat_tuple),
				 sizeof(__u64), n, &nopre);
	return t->flows < 0 || t->rev < 0 || t->lane < 0 ? -1 : 0;
}

static void tables_close(struct tables *t)
{
	close(t->flows);
	close(t->rev);
	close(t->lane);
}

/* What one design cost over `ticks` seconds of simulated time. */
struct cost {
	double cpu_per_s; /* seconds of CPU per second */
	double first_s; /* the new design's first tick */
	double expired_per_s;
	double lane; /* flows in the lane, on average */
};

/* The table for a scenario: n flows in maps of --max-flows 2n (not nearly
 * full: no early drop); churn: idle up to CHURN_TIMEOUT_S.
 */
static int scenario_fill(struct tables *t, __u32 n, bool churn, __u64 now)
{
	return tables_make(t, 2 * n) ?: fill_ids(t->flows, t->rev, -1, 0, n, now,
					     churn ? CHURN_TIMEOUT_S : 0);
}

/* One second's new flows, as the datapath would make them. */
static int churn_refill(const struct tables *t, bool churn, __u32 n, __u32 *next_id, __u64 now)
{
	__u32 add = n / CHURN_TIMEOUT_S;
	int err;

	if (!churn)
		return 0;
	err = fill_ids(t->flows, t->rev, t->lane, *next_id, add, now, 0);
	*next_id += add;
	return err;
}

static int cost_old(__u32 n, bool churn, const struct xdpgw_config *cfg, struct cost *c)
{
	__u64 now = monotonic_ns();
	__u32 next_id = n;
	struct sweep_result res;
	struct sweeper *sw;
	struct tables t;
	double cpu = 0, c0;
	__u64 expired = 0;
	int i, err;

	err = scenario_fill(&t, n, churn, now) ?: sweeper_open(&sw, t.flows, t.rev, -1, -1);
	for (i = 1; i <= OLD_TICKS && !err; i++) {
		now += NSEC_PER_SEC;
		c0 = cpu_now_s();
		err = sweep_flows(sw, t.flows, cfg, now, &res);
		cpu += cpu_now_s() - c0;
		expired += res.expired;
		err = err ?: churn_refill(&t, churn, n, &next_id, now);
	}
	if (!err)
		sweeper_close(sw);
	tables_close(&t);
	*c = (struct cost){ .cpu_per_s = cpu / OLD_TICKS, .expired_per_s = (double)expired / OLD_TICKS };
	return err;
}

static int cost_new(__u32 n, bool churn, const struct xdpgw_config *cfg, struct cost *c)
{
	__u64 now = monotonic_ns(), expired = 0, lane = 0;
	__u32 next_id = n;
	struct sweep_result res;
	struct expiry *ex = NULL;
	struct tables t;
	double cpu = 0, c0;
	int i, err;

	err = scenario_fill(&t, n, churn, now) ?:
	      expiry_open(&ex, &(struct sweep_maps){ .flows = t.flows, .rev = t.rev, .events = -1,
						     .mappings = -1, .port_owner = -1,
						     .port_bitmap = -1, .peers = -1,
						     .host_flows = -1, .expiry_lane = t.lane });
	c0 = cpu_now_s();
	err = err ?: expiry_tick(ex, t.flows, cfg, now, &res);
	c->first_s = cpu_now_s() - c0;
	for (i = 1; i <= EXPIRY_PASS_S && !err; i++) {
		now += NSEC_PER_SEC;
		c0 = cpu_now_s();
		err = expiry_tick(ex, t.flows, cfg, now, &res);
		cpu += cpu_now_s() - c0;
		expired += res.expired;
		lane += res.lane;
		err = err ?: churn_refill(&t, churn, n, &next_id, now);
	}
	expiry_close(ex);
	tables_close(&t);
	c->cpu_per_s = cpu / EXPIRY_PASS_S;
	c->expired_per_s = (double)expired / EXPIRY_PASS_S;
	c->lane = (double)lane / EXPIRY_PASS_S;
	return err;
}

static int compare(const char *what, __u32 n, bool churn)
{
	struct xdpgw_config cfg;
	struct cost o, w;

	timeouts_default(&cfg);
	cfg.max_flows = 2 * n;
	if (churn)
		cfg.timeout[FLOW_TCP_ESTABLISHED] = CHURN_TIMEOUT_S;
	if (cost_old(n, churn, &cfg, &o) || cost_new(n, churn, &cfg, &w)) {
		perror(what);
		return -1;
	}
	printf("%-22s %8u %9.2f %9.3f %7.3f %8.1fx %9.0f %9.0f %9.0f %9.1f\n", what, n,
	       o.cpu_per_s * 1e3, w.cpu_per_s * 1e3, w.cpu_per_s * 100,
	       w.cpu_per_s > 0 ? o.cpu_per_s / w.cpu_per_s : 0, o.expired_per_s, w.expired_per_s,
	       w.lane, w.first_s * 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	__u32 n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1u << 20;
	struct xdpgw_config cfg;
	struct sweeper *sw;
	int flows_fd, rev_fd;
	__u64 now;

	if (geteuid()) {
		fprintf(stderr, "bench_sweep: needs root\n");
		return 4;
	}
	printf("expiry CPU, ms per second (1 tick/s; old: %d sweeps, new: %d ticks, a pass)\n",
	       OLD_TICKS, EXPIRY_PASS_S);
	printf("%-22s %8s %9s %9s %7s %9s %9s %9s %9s %9s\n", "scenario", "flows", "old_ms/s",
	       "new_ms/s", "new_%", "old/new", "old_exp/s", "new_exp/s", "lane", "start_ms");
	if ((n > 1000 && compare("idle established", 1000, false)) ||
	    (n > 100000 && compare("idle established", 100000, false)) ||
	    compare("idle established", n, false) ||
	    compare("1 % expiring a second", n, true))
		return 1;
	printf("\n");

	timeouts_default(&cfg);
	flows_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "flows", sizeof(struct nat_tuple),
				  sizeof(struct nat_flow), n, NULL);
	rev_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "rev", sizeof(struct nat_tuple),
				sizeof(struct nat_rev), n, NULL);
	if (flows_fd < 0 || rev_fd < 0) {
		perror("bpf_map_create");
		return 1;
	}
	now = monotonic_ns();
	if (fill(flows_fd, rev_fd, n, now)) {
		perror("filling the maps");
		return 1;
	}
	printf("%-34s %9s %9s %10s %10s %11s %12s\n", "old sweep, one", "flows", "expired", "cpu_s",
	       "wall_s", "cpu_ns/flow", "longest_ms");
	if (sweeper_open(&sw, flows_fd, rev_fd, -1, -1)) {
		perror("loading the sweep program");
		return 1;
	}
	run_sweep("scan, nothing expired", sw, flows_fd, &cfg, now, n);
	run_sweep("scan, all expired and deleted", sw, flows_fd, &cfg,
		  now + 6ull * 24 * 3600 * 1000000000ull, n);
	sweeper_close(sw);
	close(flows_fd);
	close(rev_fd);
	return 0;
}
