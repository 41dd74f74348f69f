// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-packet cost of each NAT path with BPF_PROG_TEST_RUN, next to two
 * floors: an XDP program that only passes, and a minimal XDP router (parse,
 * bpf_fib_lookup, MAC and TTL rewrite, redirect). Prints ns/packet as the
 * kernel measures it (the test run's own duration) and the ratio to each
 * floor.
 *
 * A repeated test run reruns the program on the same buffer, so a program
 * that rewrites in place would see its own output from the second run on
 * and take another path. The NAT is therefore configured to map each flow
 * onto itself (external address = the internal host's address, the port
 * kept): every run takes the whole translate path, writes included, and the
 * bytes stay the same. Each row checks the path counter moved by exactly
 * the number of runs, or the figure is not printed.
 *
 * Runs in a network namespace of its own (a veth with a route and a
 * neighbour, so the router's fib lookup succeeds). Needs root.
 * Usage: bench_pktcost [RUNS] [MAX_FLOWS]   (default 1000000, 1024)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "nat_xdp_int.skel.h"
#include "floors.skel.h"
#include "strparse.h"
#include "fast_switch.h"
#include "filter_rules.h"
#include "instance.h"
#include "pin.h"
#include "pkt.h"
#include "prog_env.h"
#include "stats.h"

#define HOST "10.100.20.57" /* internal host, and (self-mapping) the ext address */
#define INET "198.51.100.20"

static __u32 runs = 1000000;
static int bench_ifindex;

static double cost(int prog, const uint8_t *frame, size_t len, __u32 n, bool xdp)
{
	return prog_cost(prog, frame, len, n, xdp, bench_ifindex);
}


struct row {
	const char *name;
	double ns;
};

static struct row rows[24];
static int nrows;
static bool have_router;

static void record(const char *name, double ns, bool path_ok)
{
	if (ns < 0 || !path_ok) {
		printf("%-46s  (not measured: %s)\n", name,
		       ns < 0 ? strerror(errno) : "the path counter did not move once a run");
		return;
	}
	rows[nrows++] = (struct row){ name, ns };
}

/* A namespace with a route and a resolved neighbour for the router; bench1
 * stands for the internal interface, bench0 for the external one.
 */
static int setup_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	if (system("ip link add bench0 type veth peer name bench1 && "
		   "ip link set bench0 up && ip link set bench1 up && "
		   "ip addr add 198.51.100.1/24 dev bench0 && "
		   "ip neigh add " INET " lladdr 02:00:00:00:00:09 dev bench0 nud permanent && "
		   "ip addr add 10.100.20.1/24 dev bench1 && "
		   "ip neigh add " HOST " lladdr 02:00:00:00:00:0a dev bench1 nud permanent && "
		   "sysctl -qw net.ipv4.ip_forward=1"))
		return -EIO;
	bench_ifindex = if_nametoindex("bench1");
	return bench_ifindex ? 0 : -ENODEV;
}

/*
 * The fast path decrements the TTL in place, and a repeated run sees its
 * own output: so it runs in batches of FAST_BATCH from TTL 255, each batch
 * on a fresh copy of the frame, and the kernel's mean time per run is
 * averaged over the batches.
 */
#define FAST_BATCH 250

static double fast_cost(int prog, struct pkt_spec *spec, int ingress)
{
	uint8_t frame[PKT_MAX];
	size_t len;
	double sum = 0, ns;
	__u32 done;

	spec->ttl = 255;
	len = pkt_build(spec, frame);
	bench_ifindex = ingress;
	for (done = 0; done < runs; done += FAST_BATCH) {
		ns = cost(prog, frame, len, FAST_BATCH, true);
		if (ns < 0)
			return -1;
		sum += ns;
	}
	spec->ttl = 0;
	return sum / (done / FAST_BATCH);
}

/*
 * The fast path for TCP: a handshake through tc and XDP ingress makes the
 * flow established, then a data segment each way runs repeatedly (a
 * retransmission from the second run on: still in the window).
 */
static void tcp_fast_rows(struct nat_tc *tc, struct nat_xdp *xdp, struct nat_xdp_int *xint,
			  struct pkt_spec out, struct pkt_spec in, int inside, int ext)
{
	int tc_fd = bpf_program__fd(tc->progs.xdpgw_egress);
	int xdp_fd = bpf_program__fd(xdp->progs.xdpgw_ingress);
	int stats_fd = bpf_map__fd(tc->maps.stats);
	uint8_t frame[PKT_MAX];
	__u64 before;
	double ns;

	out.proto = in.proto = IPPROTO_TCP;
	out.sport = in.dport = 5001;
	out.dport = in.sport = 443;
	out.payload_len = in.payload_len = 0;
	out.tcp_flags = 0x02, out.tcp_seq = 1000, out.tcp_wscale = 8; /* SYN, scale 7 */
	cost(tc_fd, frame, pkt_build(&out, frame), 1, false);
	in.tcp_flags = 0x12, in.tcp_seq = 5000, in.tcp_ack = 1001, in.tcp_wscale = 8;
	bench_ifindex = ext;
	cost(xdp_fd, frame, pkt_build(&in, frame), 1, true);
	out.tcp_flags = 0x10, out.tcp_seq = 1001, out.tcp_ack = 5001, out.tcp_wscale = 0;
	cost(tc_fd, frame, pkt_build(&out, frame), 1, false);

	out.payload_len = in.payload_len = 64;
	in.tcp_flags = 0x10, in.tcp_seq = 5001, in.tcp_ack = 1065, in.tcp_wscale = 0;
	before = stat_read_one(stats_fd, STAT_FAST_OUT);
	ns = fast_cost(bpf_program__fd(xint->progs.xdpgw_internal), &out, inside);
	record("xdp fast path out: tcp, established", ns,
	       stat_read_one(stats_fd, STAT_FAST_OUT) - before == runs);
	before = stat_read_one(stats_fd, STAT_FAST_IN);
	ns = fast_cost(xdp_fd, &in, ext);
	record("xdp fast path in: tcp, established", ns,
	       stat_read_one(stats_fd, STAT_FAST_IN) - before == runs);
}

/*
 * The filter table's cost: a TCP SYN of no flow to the gateway (to port
 * 22), judged by tables of 0, 1, 100 and 1000 rules whose last rule is
 * the one that allows it (the AND walks every word up to it), then by
 * 1000 rules none of which matches, under default drop.
 */
static void filter_rows(struct nat_tc *tc, int xdp_fd, int stats_fd)
{
	static const __u32 sizes[] = { 0, 1, 100, 1000 };
	static struct filter_table t;
	struct filter_maps m = {
		.ctl = bpf_map__fd(tc->maps.filter_ctl),
		.meta = bpf_map__fd(tc->maps.filter_meta),
		.rules = bpf_map__fd(tc->maps.filter_rules),
		.port_class = bpf_map__fd(tc->maps.filter_port_class),
		.port_bits = bpf_map__fd(tc->maps.filter_port_bits),
		.dst = bpf_map__fd(tc->maps.filter_dst),
		.src = bpf_map__fd(tc->maps.filter_src),
		.counts = bpf_map__fd(tc->maps.filter_counts),
	};
	struct pkt_spec syn = { .saddr = INET, .sport = 40000, .daddr = HOST, .dport = 22,
				.proto = IPPROTO_TCP };
	static char names[5][64];
	char err[FILTER_ERR_LEN];
	uint8_t frame[PKT_MAX];
	size_t len = pkt_build(&syn, frame), i;
	enum xdpgw_stat want;
	__u64 before;
	__u32 n;
	double ns;

	for (i = 0; i <= sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&t, 0, sizeof(t));
		n = i < 4 ? sizes[i] : 1000;
		while (t.n + (i < 4) < n) { /* other ports, from other sources */
			struct filter_rule r = { .action = RULE_DROP, .proto = IPPROTO_TCP,
						 .port_lo = 1000 + t.n, .port_hi = 1000 + t.n,
						 .from_net = htonl(0x0a000000 + (t.n << 8)),
						 .from_len = 24, .slot = FILTER_SLOT_NEW };

			filter_table_add(&t, &r, 0, err, sizeof(err));
		}
		if (i < 4 && n) {
			struct filter_rule r = { .action = RULE_ALLOW, .proto = IPPROTO_TCP,
						 .port_lo = 22, .port_hi = 22,
						 .slot = FILTER_SLOT_NEW };

			filter_table_add(&t, &r, 0, err, sizeof(err));
		}
		t.default_action = i < 4 ? RULE_ALLOW : RULE_DROP;
		if (filter_table_write(&m, &t)) {
			fprintf(stderr, "bench_pktcost: writing the filter table failed\n");
			return;
		}
		if (i < 4)
			snprintf(names[i], sizeof(names[i]), "xdp ingress: filter, %u rules%s", n,
				 n ? ", the last allows" : " (allow)");
		else
			snprintf(names[i], sizeof(names[i]), "xdp ingress: filter, 1000, none (drop)");
		want = i < 4 ? STAT_IN_NO_FLOW : STAT_IN_FILTER_DROP;
		before = stat_read_one(stats_fd, want);
		ns = cost(xdp_fd, frame, len, runs, true);
		record(names[i], ns, stat_read_one(stats_fd, want) - before == runs);
	}
	memset(&t, 0, sizeof(t));
	filter_table_write(&m, &t);
}

/* The fast path's rows: an instance of its own, with the fast path on. */
static void fast_rows(struct instance_cfg cfg, struct pkt_spec out, struct pkt_spec in)
{
	int ext = if_nametoindex("bench0"), inside = if_nametoindex("bench1"), stats_fd;
	uint8_t frame[PKT_MAX];
	struct nat_xdp_int *xint = NULL;
	struct nat_xdp *xdp = NULL;
	struct nat_tc *tc = NULL;
	char dir[PATH_MAX + 8];
	__u64 before;
	double ns;

	snprintf(dir, sizeof(dir), "%s-fast", cfg.dir);
	cfg.dir = dir;
	cfg.ifindex = ext;
	cfg.settings.internal_ifindex = inside;
	if (pin_dir_create(dir) || nat_objects_open(&tc, &xdp, &cfg) ||
	    nat_int_open(&xint, xdp, &cfg) || nat_tc__load(tc) || nat_xdp__load(xdp) ||
	    nat_xdp_int__load(xint) ||
	    /* both directions on, as the daemon switches them for a NIC */
	    fast_dir_write(bpf_map__fd(xdp->maps.fast_dirs), FAST_DIR_OUT, FAST_STATE_ON) ||
	    fast_dir_write(bpf_map__fd(xdp->maps.fast_dirs), FAST_DIR_IN, FAST_STATE_ON)) {
		fprintf(stderr, "bench_pktcost: loading the fast path failed\n");
		goto out;
	}
	stats_fd = bpf_map__fd(tc->maps.stats);
	cost(bpf_program__fd(tc->progs.xdpgw_egress), frame, pkt_build(&out, frame), 1, false);

	before = stat_read_one(stats_fd, STAT_FAST_OUT);
	ns = fast_cost(bpf_program__fd(xint->progs.xdpgw_internal), &out, inside);
	record("xdp fast path out: translate, fib, redirect", ns,
	       stat_read_one(stats_fd, STAT_FAST_OUT) - before == runs);
	before = stat_read_one(stats_fd, STAT_FAST_IN);
	ns = fast_cost(bpf_program__fd(xdp->progs.xdpgw_ingress), &in, ext);
	record("xdp fast path in: translate, fib, redirect", ns,
	       stat_read_one(stats_fd, STAT_FAST_IN) - before == runs);
	tcp_fast_rows(tc, xdp, xint, out, in, inside, ext);
	bench_ifindex = inside;
out:
	nat_xdp_int__destroy(xint);
	nat_xdp__destroy(xdp);
	nat_tc__destroy(tc);
	instance_unpin(dir);
}

int main(int argc, char **argv)
{
	struct instance_cfg cfg = { .settings.max_flows = 1024 };
	struct pkt_spec out = { .saddr = HOST, .sport = 5000, .daddr = INET, .dport = 53,
				.proto = IPPROTO_UDP, .payload_len = 64 };
	struct pkt_spec in = { .saddr = INET, .sport = 53, .daddr = HOST, .dport = 5000,
			       .proto = IPPROTO_UDP, .payload_len = 64 };
	struct pkt_spec other = { .saddr = "192.0.2.9", .sport = 1, .daddr = INET, .dport = 53,
				  .proto = IPPROTO_UDP, .payload_len = 64 };
	char root[PATH_MAX - 64], dir[PATH_MAX];
	uint8_t frame[PKT_MAX];
	struct nat_tc *tc = NULL;
	struct nat_xdp *xdp = NULL;
	struct floors *fl = NULL;
	int tc_fd, xdp_fd, stats_fd, i, err;
	size_t len;
	__u64 before;
	double ns, sum;

	if (argc > 1)
		runs = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		cfg.settings.max_flows = strtoul(argv[2], NULL, 0);
	if (geteuid()) {
		fprintf(stderr, "bench_pktcost: needs root\n");
		return 4;
	}
	err = setup_netns();
	if (err) {
		fprintf(stderr, "bench_pktcost: namespace setup failed: %s\n", strerror(-err));
		return 1;
	}
	if (pin_root_choose(NULL, path_is_bpffs, root, sizeof(root))) {
		fprintf(stderr, "bench_pktcost: no bpffs at %s or %s\n", PIN_ROOT_SYS_BPFFS,
			PIN_ROOT_RUN);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/bench-%d", root, getpid());
	cfg.dir = dir;
	parse_prefix("10.100.20.0/24", &cfg.settings.internal_net, &cfg.settings.internal_mask);
	parse_ipv4_addr(HOST, &cfg.settings.ext_addr); /* map every flow onto itself */
	/* replies go to the external address, which is inside the prefix here:
	 * routed in, not the inbound filter's drop */
	cfg.settings.route_inbound = 1;
	cfg.settings.port_min = 1024;
	cfg.settings.port_max = 65535;
	err = pin_dir_create(dir) ?: nat_objects_open(&tc, &xdp, &cfg) ?: nat_tc__load(tc) ?:
	      nat_xdp__load(xdp);
	fl = floors__open();
	if (fl) {
		fl->rodata->bench_mode = true;
		if (floors__load(fl)) {
			floors__destroy(fl);
			fl = NULL;
		}
	}
	if (err || !fl) {
		fprintf(stderr, "bench_pktcost: loading the programs failed\n");
		goto out;
	}
	tc_fd = bpf_program__fd(tc->progs.xdpgw_egress);
	xdp_fd = bpf_program__fd(xdp->progs.xdpgw_ingress);
	stats_fd = bpf_map__fd(tc->maps.stats);

	len = pkt_build(&out, frame);
	record("xdp: pass only (floor)", cost(bpf_program__fd(fl->progs.floor_pass), frame, len,
						runs, true), true);
	len = pkt_build(&out, frame); /* to inet: routed out of bench0 */
	fl->bss->routed = 0;
	ns = cost(bpf_program__fd(fl->progs.floor_router), frame, len, runs, true);
	if (fl->bss->routed != runs)
		fprintf(stderr, "router: bpf_fib_lookup returned %d\n", fl->bss->last_fib_ret);
	record("xdp: minimal router, fib lookup (floor)", ns, fl->bss->routed == runs);
	have_router = fl->bss->routed == runs;

	len = pkt_build(&out, frame);
	cost(tc_fd, frame, len, 1, false); /* creates the flow */
	before = stat_read_one(stats_fd, STAT_OUT_TRANSLATED);
	ns = cost(tc_fd, frame, len, runs, false);
	record("tc egress: translate, established flow", ns,
	       stat_read_one(stats_fd, STAT_OUT_TRANSLATED) - before == runs);

	len = pkt_build(&in, frame);
	before = stat_read_one(stats_fd, STAT_IN_TRANSLATED);
	ns = cost(xdp_fd, frame, len, runs, true);
	record("xdp ingress: reverse translate", ns,
	       stat_read_one(stats_fd, STAT_IN_TRANSLATED) - before == runs);
	filter_rows(tc, xdp_fd, stats_fd);
	runs -= runs % FAST_BATCH;
	fast_rows(cfg, out, in);

	len = pkt_build(&other, frame);
	before = stat_read_one(stats_fd, STAT_OUT_PASS);
	ns = cost(tc_fd, frame, len, runs, false);
	record("tc egress: pass-through, not from inside", ns,
	       stat_read_one(stats_fd, STAT_OUT_PASS) - before == runs);
	before = stat_read_one(stats_fd, STAT_IN_PASS);
	ns = cost(xdp_fd, frame, len, runs, true);
	record("xdp ingress: pass-through, not for us", ns,
	       stat_read_one(stats_fd, STAT_IN_PASS) - before == runs);

	/* Creation cannot repeat on one buffer: distinct packets, once each,
	 * at most as many as the table holds.
	 */
	before = stat_read_one(stats_fd, STAT_OUT_NEW_FLOW);
	sum = 0;
	for (i = 0; i < 100000 && i < (int)cfg.settings.max_flows - 2; i++) {
		out.sport = 10000 + i % 50000;
		out.dport = 1000 + i / 50000;
		len = pkt_build(&out, frame);
		sum += cost(tc_fd, frame, len, 1, false);
	}
	record("tc egress: new flow (port claimed, two inserts)", i ? sum / i : -1,
	       stat_read_one(stats_fd, STAT_OUT_NEW_FLOW) - before == (__u64)i);

	/* rows[0] is the pass floor, rows[1] the router when it was measured */
	printf("%-46s %8s %9s %11s\n", "path (runs: repeat count, ns/packet)", "ns/pkt",
	       "x pass", "x router");
	for (i = 0; i < nrows; i++) {
		printf("%-46s %8.1f %9.2f", rows[i].name, rows[i].ns, rows[i].ns / rows[0].ns);
		if (have_router)
			printf(" %11.2f\n", rows[i].ns / rows[1].ns);
		else
			printf(" %11s\n", "-");
	}
	printf("runs per row: %u (new flow: distinct packets, once each); table: %u flows\n",
	       runs, cfg.settings.max_flows);
out:
	floors__destroy(fl);
	nat_xdp__destroy(xdp);
	nat_tc__destroy(tc);
	instance_unpin(dir);
	return err ? 1 : 0;
}
