// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of --max-flows-per-host (bpf/host_limit.h): one
 * internal host gets its share of the table and no more, another host still
 * gets flows, a refusal reaches `xdpgw watch` once a second per host, and
 * the sweep gives the share back as the host's flows expire.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "timeouts.h"
#include "log.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"
#include "sweep.h"

#define LIMIT 3

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

static bool udp_out(struct env *e, const char *host, uint16_t sport, int verdict,
		    enum xdpgw_stat stat)
{
	struct pkt_spec in = OUT_PKT(host, sport, INET, 53, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec out = OUT_PKT(EXT, sport, INET, 53, IPPROTO_UDP, .payload_len = 20);
	uint8_t frame[PKT_MAX];

	return check_packet(e, TC, frame, pkt_build(&in, frame), verdict,
			    verdict == TC_ACT_OK ? &out : NULL, stat);
}

static __u32 host_count(struct env *e, const char *host)
{
	struct host_flows h = {};
	__be32 a;

	inet_pton(AF_INET, host, &a);
	if (bpf_map_lookup_elem(bpf_map__fd(e->tc->maps.host_flows), &a, &h))
		return 0;
	return h.count;
}

static int refusals;

static int count_refusal(void *ctx __attribute__((unused)), void *data, size_t size)
{
	const struct flow_event *ev = data;

	if (size >= sizeof(*ev) && ev->type == FLOW_EV_REFUSED &&
	    ev->reason == STAT_DROP_HOST_LIMIT)
		refusals++;
	return 0;
}

static void test_limit(struct env *e)
{
	struct ring_buffer *rb;
	bool ok = true;
	int i;

	rb = ring_buffer__new(bpf_map__fd(e->tc->maps.events), count_refusal, NULL, NULL);
	ring_buffer__consume(rb); /* nothing before */
	refusals = 0;

	test_name = "a host's first flows up to its share: made";
	for (i = 0; i < LIMIT; i++)
		ok = udp_out(e, WEB1, 40000 + i, TC_ACT_OK, STAT_OUT_NEW_FLOW) && ok;
	report(ASSERT_EQ(host_count(e, WEB1), LIMIT, "host_flows count") && ok);

	test_name = "one flow more: dropped, drop_host_limit, no flow made";
	ok = udp_out(e, WEB1, 40000 + LIMIT, TC_ACT_SHOT, STAT_DROP_HOST_LIMIT);
	ok = ASSERT_EQ(map_count(e->flows_fd), LIMIT, "flows in the table") && ok;
	ok = ASSERT_EQ(map_count(e->rev_fd), LIMIT, "rev entries (no port held)") && ok;
	report(ASSERT_EQ(host_count(e, WEB1), LIMIT, "host_flows count") && ok);

	test_name = "the host's existing flows still translate";
	report(udp_out(e, WEB1, 40000, TC_ACT_OK, STAT_OUT_TRANSLATED));

	test_name = "another host: gets its flows";
	ok = udp_out(e, WEB2, 42000, TC_ACT_OK, STAT_OUT_NEW_FLOW);
	report(ASSERT_EQ(host_count(e, WEB2), 1, "its count") && ok);

	test_name = "ten refusals within a second: watch is told once";
	for (i = 0; i < 9; i++)
		ok = udp_out(e, WEB1, 43000 + i, TC_ACT_SHOT, STAT_DROP_HOST_LIMIT) && ok;
	ring_buffer__consume(rb);
	report(ASSERT_EQ(refusals, 1, "refused events with reason drop_host_limit") && ok);
	ring_buffer__free(rb);
}

static void test_sweep_gives_back(struct env *e)
{
	struct xdpgw_config c = { .max_flows = 64 };
	struct sweep_result res;
	struct sweeper *sw = NULL;
	bool ok;

	test_name = "the sweep expires the host's flows: its share is back, entry gone";
	timeouts_default(&c);
	ok = ASSERT_EQ(sweeper_open(&sw, e->flows_fd, e->rev_fd, -1,
				    bpf_map__fd(e->tc->maps.host_flows)),
		       0, "sweeper");
	ok = ok && ASSERT_EQ(sweep_flows(sw, e->flows_fd, &c, monotonic_ns() + 1000000000000ull,
					 &res),
			     0, "sweep");
	ok = ok && ASSERT_EQ(res.expired, LIMIT + 1, "flows expired");
	ok = ok && ASSERT_EQ(map_count(bpf_map__fd(e->tc->maps.host_flows)), 0,
			     "host_flows entries left");
	ok = udp_out(e, WEB1, 40000 + LIMIT, TC_ACT_OK, STAT_OUT_NEW_FLOW) && ok;
	report(ASSERT_EQ(host_count(e, WEB1), 1, "count after a new flow") && ok);
	sweeper_close(sw);
}

int main(void)
{
	struct env e;
	int err = env_start(&e, "1024-65535", 64, LIMIT);

	if (err)
		return err;
	test_limit(&e);
	test_sweep_gives_back(&e);
	env_close(&e);
	printf("test_bpf_host_limit: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
