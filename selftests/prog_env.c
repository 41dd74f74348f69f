// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "nat_xdp_int.skel.h"
#include "strparse.h"
#include "instance.h"
#include "fast_switch.h"
#include "log.h"
#include "pin.h"
#include "stats.h"
#include "check.h"
#include "prog_env.h"

static int env_load(struct env *e, const struct instance_cfg *cfg)
{
	int err;

	err = pin_dir_create(e->dir) ?: nat_objects_open(&e->tc, &e->xdp, cfg);
	if (!err && cfg->settings.internal_ifindex)
		err = nat_int_open(&e->xint, e->xdp, cfg);
	if (err)
		return err;
	err = nat_tc__load(e->tc) ?: nat_xdp__load(e->xdp) ?: e->xint ? nat_xdp_int__load(e->xint) : 0;
	if (err)
		return err;
	e->fd[TC] = bpf_program__fd(e->tc->progs.xdpgw_egress);
	e->fd[XDP] = bpf_program__fd(e->xdp->progs.xdpgw_ingress);
	e->fd[XDP_INT] = e->xint ? bpf_program__fd(e->xint->progs.xdpgw_internal) : -1;
	e->flows_fd = bpf_map__fd(e->tc->maps.flows);
	e->rev_fd = bpf_map__fd(e->tc->maps.rev);
	e->stats_fd = bpf_map__fd(e->tc->maps.stats);
	/* Pinning by name must have given every object the same maps. */
	if (bpf_map__fd(e->xdp->maps.flows) < 0)
		return -EINVAL;
	/* Both directions on, as the daemon switches them for a NIC. */
	if (e->xint)
		return env_fast_dir(e, FAST_DIR_OUT, FAST_STATE_ON) ?:
		       env_fast_dir(e, FAST_DIR_IN, FAST_STATE_ON);
	return 0;
}

int env_fast_dir(struct env *e, enum fast_dir dir, enum fast_state state)
{
	return fast_dir_write(bpf_map__fd(e->xdp->maps.fast_dirs), dir, state);
}

static int env_open_cfg(struct env *e, const char *ports, struct instance_cfg *cfg)
{
	static int serial;
	char root[PATH_MAX - 64];

	memset(e, 0, sizeof(*e));
	cfg->dir = e->dir;
	e->ext_ifindex = cfg->ifindex;
	e->int_ifindex = cfg->settings.internal_ifindex;
	if (pin_root_choose(NULL, path_is_bpffs, root, sizeof(root))) {
		fprintf(stderr, "no bpffs at %s or %s\n", PIN_ROOT_SYS_BPFFS, PIN_ROOT_RUN);
		return -ENOENT;
	}
	snprintf(e->dir, sizeof(e->dir), "%s/selftest-%d-%d", root, getpid(), serial++);
	if (parse_prefix(INTERNAL, &cfg->settings.internal_net, &cfg->settings.internal_mask) ||
	    parse_ipv4_addr(EXT, &cfg->settings.ext_addr) ||
	    parse_port_range(ports, &cfg->settings.port_min, &cfg->settings.port_max))
		return -EINVAL;
	return env_load(e, cfg);
}

int env_open(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
	     int int_ifindex)
{
	return env_open_full(e, ports, max_flows, ext_ifindex, int_ifindex, 0,
			     FILTER_ADDRESS_PORT_DEPENDENT);
}

int env_open_per_host(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		      int int_ifindex, __u32 max_flows_per_host)
{
	return env_open_full(e, ports, max_flows, ext_ifindex, int_ifindex, max_flows_per_host,
			     FILTER_ADDRESS_PORT_DEPENDENT);
}

int env_open_filtering(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		       int int_ifindex, enum nat_filtering filtering)
{
	return env_open_full(e, ports, max_flows, ext_ifindex, int_ifindex, 0, filtering);
}

int env_open_full(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		  int int_ifindex, __u32 max_flows_per_host, enum nat_filtering filtering)
{
	struct instance_cfg cfg = { .settings.max_flows = max_flows, .ifindex = ext_ifindex,
				    .settings.internal_ifindex = int_ifindex,
				    .settings.max_flows_per_host = max_flows_per_host,
				    .settings.filtering = filtering };

	return env_open_cfg(e, ports, &cfg);
}

int env_open_filter(struct env *e, __u8 route_inbound, __u32 anti_spoof_ifindex)
{
	struct instance_cfg cfg = { .settings.max_flows = 1024,
				    .settings.route_inbound = route_inbound,
				    .settings.anti_spoof_ifindex = anti_spoof_ifindex };

	return env_open_cfg(e, "1024-65535", &cfg);
}

int env_open_hairpin(struct env *e, const char *addr)
{
	struct instance_cfg cfg = { .settings.max_flows = 1024, .hairpin_ifindex = 1 };

	if (parse_ipv4_addr(addr, &cfg.hairpin_addr))
		return -EINVAL;
	return env_open_cfg(e, "1024-65535", &cfg);
}

int env_start(struct env *e, const char *ports, __u32 max_flows, __u32 max_flows_per_host)
{
	int err;

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return 4; /* KSFT_SKIP */
	}
	log_setup_libs();
	err = env_open_per_host(e, ports, max_flows, 0, 0, max_flows_per_host);
	if (!err)
		return 0;
	fprintf(stderr, "loading the programs failed: %s\n", strerror(-err));
	env_close(e);
	return 1;
}

void env_close(struct env *e)
{
	nat_xdp_int__destroy(e->xint);
	nat_xdp__destroy(e->xdp);
	nat_tc__destroy(e->tc);
	if (e->dir[0])
		instance_unpin(e->dir);
}

__u64 stat_total(struct env *e, enum xdpgw_stat idx)
{
	__u64 vals[1024] = {}, sum = 0;
	__u32 key = idx;
	int cpu, ncpu = libbpf_num_possible_cpus();

	if (ncpu > 1024 || bpf_map_lookup_elem(e->stats_fd, &key, vals))
		return ~0ull;
	for (cpu = 0; cpu < ncpu; cpu++)
		sum += vals[cpu];
	return sum;
}

double prog_cost(int prog, const uint8_t *frame, size_t len, __u32 n, bool xdp,
		 int ingress_ifindex)
{
	/* With a context, the test run takes the frame's extent from it. */
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ingress_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .repeat = n);
	uint8_t out[PKT_MAX];

	o.data_out = out;
	o.data_size_out = sizeof(out);
	if (xdp) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(prog, &o))
		return -1;
	return o.duration;
}

__u64 stat_read_one(int stats_fd, enum xdpgw_stat idx)
{
	__u64 t[STAT__MAX];

	return stats_read(stats_fd, t) ? ~0ull : t[idx];
}

int map_count(int fd)
{
	struct nat_tuple key, next;
	int n = 0;

	if (bpf_map_get_next_key(fd, NULL, &next))
		return 0;
	do {
		key = next;
		n++;
	} while (!bpf_map_get_next_key(fd, &key, &next));
	return n;
}

int run(struct env *e, enum hook hook, const uint8_t *in, size_t len, uint8_t *out,
	size_t *out_len)
{
	struct xdp_md ctx = { .data_end = len,
			      .ingress_ifindex = hook == XDP_INT ? e->int_ifindex : e->ext_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = PKT_MAX, .repeat = 1);
	struct __sk_buff skb = { .ingress_ifindex = e->tc_iif };
	int err;

	if (hook != TC && ctx.ingress_ifindex) { /* the fib lookup routes from there */
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	if (hook == TC && e->tc_iif) { /* a packet forwarded from there */
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	err = bpf_prog_test_run_opts(e->fd[hook], &opts);
	if (err)
		return -errno;
	*out_len = opts.data_size_out;
	return opts.retval;
}

/* A frame goes through `hook`; the verdict, the output frame and the single
 * counter that moved are checked. expect == NULL means "unchanged".
 */
bool check_packet(struct env *e, enum hook hook, const uint8_t *in, size_t len,
			 int verdict, const struct pkt_spec *expect, enum xdpgw_stat stat)
{
	uint8_t out[PKT_MAX], want[PKT_MAX];
	__u64 before[STAT__MAX];
	size_t out_len, want_len = len;
	int i, ret;
	bool ok;

	for (i = 0; i < STAT__MAX; i++)
		before[i] = stat_total(e, i);
	ret = run(e, hook, in, len, out, &out_len);
	ok = ASSERT_EQ(ret, verdict, "verdict");
	/* A dropped frame's bytes are nobody's business. (Compare per hook:
	 * TC_ACT_SHOT and XDP_PASS are both 2.)
	 */
	if (hook == TC ? verdict == TC_ACT_SHOT : verdict == XDP_DROP)
		goto counters;
	if (expect)
		want_len = pkt_build(expect, want);
	else
		memcpy(want, in, len);
	ok = ASSERT_BYTES(out, out_len, want, want_len, "output frame") && ok;
	if (expect)
		ok = ASSERT_TRUE(pkt_csums_ok(out, out_len), "output checksums valid") && ok;
counters:
	for (i = 0; i < STAT__MAX; i++) {
		char what[64];

		snprintf(what, sizeof(what), "counter %s", xdpgw_stat_names[i]);
		ok = ASSERT_EQ(stat_total(e, i) - before[i], i == (int)stat, what) && ok;
	}
	return ok;
}

