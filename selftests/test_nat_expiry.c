// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of expiry (user/expiry.h) with short timeouts, on real BPF
 * hash maps created here, at simulated times (the daemon's clock is an
 * argument of each tick): a flow used in the last second is never removed;
 * a flow deleted by both lanes frees its port once; short-timeout states
 * in the lane go within 2 s of their deadline though the table is far
 * bigger than a tick's slice. Skipped without root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "timeouts.h"
#include "expiry.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC) /* the tests' start, on the daemon's clock */

struct env {
	struct sweep_maps m;
	struct expiry *ex;
	struct xdpgw_config cfg;
};

static struct env env_make(__u32 max_flows)
{
	LIBBPF_OPTS(bpf_map_create_opts, nopre, .map_flags = BPF_F_NO_PREALLOC);
	struct env e = { .m = { .events = -1, .host_flows = -1 } };

	e.m.flows = bpf_map_create(BPF_MAP_TYPE_HASH, "t_flows", sizeof(struct nat_tuple),
				   sizeof(struct nat_flow), max_flows, NULL);
	e.m.rev = bpf_map_create(BPF_MAP_TYPE_HASH, "t_rev", sizeof(struct nat_tuple),
				 sizeof(struct nat_rev), max_flows, NULL);
	e.m.expiry_lane = bpf_map_create(BPF_MAP_TYPE_HASH, "t_lane", sizeof(struct nat_tuple),
					 sizeof(__u64), max_flows, &nopre);
	e.m.mappings = bpf_map_create(BPF_MAP_TYPE_HASH, "t_mappings",
				      sizeof(struct nat_endpoint), sizeof(struct nat_mapping),
				      64, NULL);
	e.m.port_owner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_port_owner", sizeof(__u32),
					sizeof(__u64), XDPGW_PORT_SLOTS, NULL);
	e.m.port_bitmap = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_port_bitmap", sizeof(__u32),
					 sizeof(__u64), XDPGW_PORT_BITMAP_WORDS, NULL);
	e.m.peers = bpf_map_create(BPF_MAP_TYPE_HASH, "t_peers", sizeof(struct nat_peer_key),
				   sizeof(__u32), 64, NULL);
	assert_true(e.m.flows >= 0 && e.m.rev >= 0 && e.m.expiry_lane >= 0 &&
		    e.m.mappings >= 0 && e.m.port_owner >= 0 && e.m.port_bitmap >= 0 &&
		    e.m.peers >= 0);
	assert_int_equal(expiry_open(&e.ex, &e.m), 0);
	timeouts_default(&e.cfg);
	e.cfg.max_flows = max_flows;
	return e;
}

static void env_free(struct env *e)
{
	expiry_close(e->ex);
	close(e->m.flows);
	close(e->m.rev);
	close(e->m.expiry_lane);
	close(e->m.mappings);
	close(e->m.port_owner);
	close(e->m.port_bitmap);
	close(e->m.peers);
}

/* A flow from 10.100.20.57:sport to 198.51.100.20 (+ id), external port
 * ext_port; in_lane: entered in the lane, as the datapath does on a change
 * to a short-timeout state.
 */
static struct nat_tuple add_flow(struct env *e, __u32 id, __u16 sport, __u16 ext_port,
				 __u8 proto, __u8 fstate, __u64 last_seen, bool in_lane)
{
	struct nat_tuple k = { .saddr = htonl(0x0a641439), .daddr = htonl(0xc6336414 + id),
			       .sport = htons(sport), .dport = htons(80), .proto = proto };
	struct nat_flow f = { .ext_addr = htonl(0xcb007101), .ext_port = htons(ext_port),
			      .state = fstate, .last_seen_ns = last_seen };
	struct nat_rev r = { .orig = k };
	struct nat_tuple rk = nat_reply_tuple(&k, f.ext_addr, f.ext_port);
	__u64 look_now = 0;

	assert_int_equal(bpf_map_update_elem(e->m.flows, &k, &f, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(e->m.rev, &rk, &r, BPF_NOEXIST), 0);
	if (in_lane)
		assert_int_equal(bpf_map_update_elem(e->m.expiry_lane, &k, &look_now, BPF_ANY),
				 0);
	return k;
}

static bool present(int fd, const struct nat_tuple *k)
{
	struct nat_flow f;

	return bpf_map_lookup_elem(fd, k, &f) == 0;
}

/* A packet: the flow seen at `when`. */
static void use_flow(struct env *e, const struct nat_tuple *k, __u64 when)
{
	struct nat_flow f;

	assert_int_equal(bpf_map_lookup_elem(e->m.flows, k, &f), 0);
	f.last_seen_ns = when;
	assert_int_equal(bpf_map_update_elem(e->m.flows, k, &f, BPF_EXIST), 0);
}

static __u64 tick(struct env *e, __u64 now)
{
	struct sweep_result res;

	assert_int_equal(expiry_tick(e->ex, e->m.flows, &e->cfg, now, &res), 0);
	return res.expired;
}

/*
 * Timeouts of 1 s (udp_unreplied, in the lane; closed, left to the slow
 * scan): a flow used within the last second before each tick stays, tick
 * after tick, through both lanes; once unused, it goes at its deadline.
 */
static void test_used_flow_kept(void **state)
{
	struct nat_tuple lane, scan;
	struct env e;
	int i;

	(void)state;
	if (geteuid() != 0)
		skip();
	e = env_make(64);
	e.cfg.timeout[FLOW_UDP_UNREPLIED] = 1;
	e.cfg.timeout[FLOW_TCP_CLOSED] = 1;
	lane = add_flow(&e, 0, 4000, 4000, IPPROTO_UDP, FLOW_UDP_UNREPLIED, T0, true);
	scan = add_flow(&e, 1, 4001, 4001, IPPROTO_TCP, FLOW_TCP_CLOSED, T0, false);
	for (i = 1; i <= 10; i++) {
		__u64 now = T0 + i * SEC / 2;

		/* seen 0.9 s ago: deadline 0.1 s from now */
		use_flow(&e, &lane, now - SEC + SEC / 10);
		use_flow(&e, &scan, now - SEC + SEC / 10);
		assert_int_equal(tick(&e, now), 0);
		assert_true(present(e.m.flows, &lane));
		assert_true(present(e.m.flows, &scan));
	}
	/* unused since T0 + 4.1 s: gone at T0 + 5.1 s and the last-seen
	 * grain, not a moment before
	 */
	assert_int_equal(tick(&e, T0 + 5 * SEC + SEC / 10 + XDPGW_LAST_SEEN_GRAIN_NS - 1), 0);
	assert_int_equal(tick(&e, T0 + 5 * SEC + SEC / 10 + XDPGW_LAST_SEEN_GRAIN_NS), 2);
	assert_false(present(e.m.flows, &lane));
	assert_false(present(e.m.flows, &scan));
	env_free(&e);
}

/*
 * Two flows of web:5000 share its mapping (refs 2). One, in the lane, is
 * past its deadline: the tick removes it, and a stale candidate from an
 * earlier scan names it again. It goes once: refs 1, the port still owned
 * by the mapping. Then the other goes and the port is free; the same tuple
 * comes back as a new flow on the port, and a stale candidate of the old
 * one leaves the new one, its mapping and its port alone.
 */
static void test_port_freed_once(void **state)
{
	struct nat_endpoint ep = { .addr = htonl(0x0a641439), .port = htons(5000),
				   .proto = IPPROTO_UDP };
	struct nat_mapping mp = { .ext_port = htons(5000), .refs = 2 };
	__u32 slot = xdpgw_port_slot(IPPROTO_UDP, 5000);
	struct sweeper *sw;
	struct nat_tuple k[2];
	struct env e;
	__u64 owner;

	(void)state;
	if (geteuid() != 0)
		skip();
	e = env_make(64);
	sw = expiry_sweeper(e.ex);
	e.cfg.timeout[FLOW_UDP_UNREPLIED] = 1;
	k[0] = add_flow(&e, 0, 5000, 5000, IPPROTO_UDP, FLOW_UDP_UNREPLIED, T0, true);
	k[1] = add_flow(&e, 1, 5000, 5000, IPPROTO_UDP, FLOW_UDP_UNREPLIED, T0 + 5 * SEC, true);
	assert_int_equal(bpf_map_update_elem(e.m.mappings, &ep, &mp, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(e.m.port_owner, &slot, &ep, BPF_ANY), 0);

	assert_int_equal(tick(&e, T0 + 2 * SEC), 1);
	sweeper_count_reset(sw);
	assert_int_equal(sweeper_expire(sw, &k[0], T0), 0);
	assert_int_equal(sweeper_flush(sw), 0);
	assert_false(present(e.m.flows, &k[0]));
	assert_int_equal(bpf_map_lookup_elem(e.m.mappings, &ep, &mp), 0);
	assert_int_equal(mp.refs, 1);
	assert_int_equal(bpf_map_lookup_elem(e.m.port_owner, &slot, &owner), 0);
	assert_memory_equal(&owner, &ep, sizeof(ep));

	assert_int_equal(tick(&e, T0 + 7 * SEC), 1);
	assert_int_equal(bpf_map_lookup_elem(e.m.mappings, &ep, &mp), -ENOENT);
	assert_int_equal(bpf_map_lookup_elem(e.m.port_owner, &slot, &owner), 0);
	assert_int_equal(owner, 0);
	/* the same tuple again, a new flow on the port (as the datapath makes
	 * it); a stale candidate of the old one changes nothing
	 */
	add_flow(&e, 1, 5000, 5000, IPPROTO_UDP, FLOW_UDP_UNREPLIED, T0 + 7 * SEC + SEC / 2, true);
	assert_int_equal(bpf_map_update_elem(e.m.port_owner, &slot, &ep, BPF_ANY), 0);
	mp.refs = 1;
	assert_int_equal(bpf_map_update_elem(e.m.mappings, &ep, &mp, BPF_NOEXIST), 0);
	sweeper_count_reset(sw);
	assert_int_equal(sweeper_expire(sw, &k[1], T0 + 5 * SEC), 0);
	assert_int_equal(sweeper_flush(sw), 0);
	assert_int_equal(tick(&e, T0 + 8 * SEC), 0);
	assert_true(present(e.m.flows, &k[1]));
	assert_int_equal(bpf_map_lookup_elem(e.m.port_owner, &slot, &owner), 0);
	assert_memory_equal(&owner, &ep, sizeof(ep));
	assert_int_equal(bpf_map_lookup_elem(e.m.mappings, &ep, &mp), 0);
	assert_int_equal(mp.refs, 1);
	env_free(&e);
}

#define BIG 200000 /* flows: a pass takes BIG / EXPIRY_MIN_SLICE ticks */
#define SHORT 16

/*
 * A table of BIG established flows, far more than a tick's slice, and
 * SHORT flows entering short-timeout states (udp_unreplied 3 s, closed
 * 2 s, as the datapath puts them in the lane) after the daemon's first
 * tick. With a tick a second, each goes at the first tick at or after its
 * deadline: within 2 s of it, never before.
 */
static void test_short_states_within_2s(void **state)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct nat_tuple *k = calloc(BIG, sizeof(*k)), sk[SHORT];
	struct nat_flow *v = calloc(BIG, sizeof(*v));
	__u64 deadline[SHORT], gone_at[SHORT] = {};
	__u32 i, n = BIG, t;
	struct env e;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(k);
	assert_non_null(v);
	e = env_make(2 * BIG);
	e.cfg.timeout[FLOW_UDP_UNREPLIED] = 3;
	e.cfg.timeout[FLOW_TCP_CLOSED] = 2;
	for (i = 0; i < BIG; i++) {
		k[i] = (struct nat_tuple){ .saddr = htonl(0x0a000000 | i), .daddr = htonl(0xc6336414),
					   .sport = htons(1024), .dport = htons(443),
					   .proto = IPPROTO_TCP };
		v[i] = (struct nat_flow){ .ext_addr = htonl(0xcb007101), .ext_port = htons(2000),
					  .state = FLOW_TCP_ESTABLISHED, .last_seen_ns = T0 };
	}
	assert_int_equal(bpf_map_update_batch(e.m.flows, k, v, &n, &opts), 0);
	assert_int_equal(tick(&e, T0), 0); /* the daemon's first tick: the whole table */
	for (i = 0; i < SHORT; i++) {
		__u64 seen = T0 + SEC / 3 + i * SEC / 7;
		bool udp = i % 2;

		sk[i] = add_flow(&e, i, 7000 + i, 7000 + i, udp ? IPPROTO_UDP : IPPROTO_TCP,
				 udp ? FLOW_UDP_UNREPLIED : FLOW_TCP_CLOSED, seen, true);
		deadline[i] = seen + (udp ? 3 : 2) * SEC;
	}
	for (t = 1; t <= 8; t++) {
		__u64 now = T0 + t * SEC;

		tick(&e, now);
		for (i = 0; i < SHORT; i++)
			if (!gone_at[i] && !present(e.m.flows, &sk[i]))
				gone_at[i] = now;
	}
	for (i = 0; i < SHORT; i++) {
		assert_true(gone_at[i] >= deadline[i]);
		assert_true(gone_at[i] - deadline[i] <= 2 * SEC);
	}
	/* the established flows are all there */
	for (i = 0; i < BIG; i += 997)
		assert_true(present(e.m.flows, &k[i]));
	env_free(&e);
	free(k);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_used_flow_kept),
		cmocka_unit_test(test_port_freed_once),
		cmocka_unit_test(test_short_states_within_2s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
