// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of flow lifetimes: timeouts, deadlines, and the sweep on real
 * BPF hash maps (created here; those tests are skipped without root).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "timeouts.h"
#include "sweep.h"

#define SEC 1000000000ull
#define GRAIN XDPGW_LAST_SEEN_GRAIN_NS

static void test_timeouts(void **state)
{
	struct xdpgw_config c = {};

	(void)state;
	timeouts_default(&c);
	assert_int_equal(c.timeout[FLOW_TCP_SYN_SENT], 120);
	assert_int_equal(c.timeout[FLOW_TCP_ESTABLISHED], 432000);
	assert_int_equal(c.timeout[FLOW_TCP_CLOSED], 10);
	assert_int_equal(c.timeout[FLOW_UDP_UNREPLIED], 30);
	assert_int_equal(c.timeout[FLOW_UDP_ASSURED], 180);
	assert_int_equal(timeout_parse("established=600", &c), 0);
	assert_int_equal(c.timeout[FLOW_TCP_ESTABLISHED], 600);
	assert_int_equal(timeout_parse("udp_assured=1", &c), 0);
	assert_int_equal(c.timeout[FLOW_UDP_ASSURED], 1);
	assert_int_equal(timeout_parse("establish=600", &c), -EINVAL); /* no prefixes */
	assert_int_equal(timeout_parse("established=", &c), -EINVAL);
	assert_int_equal(timeout_parse("established=0", &c), -EINVAL);
	assert_int_equal(timeout_parse("established", &c), -EINVAL);
	assert_int_equal(timeout_parse("=5", &c), -EINVAL);
	assert_int_equal(timeout_parse("bogus=5", &c), -EINVAL);
}

static void test_deadline(void **state)
{
	struct xdpgw_config c = {};
	struct nat_flow f = { .last_seen_ns = 100 * SEC, .state = FLOW_TCP_CLOSED };

	(void)state;
	timeouts_default(&c);
	/* last seen may be a grain behind the flow's last packet: added */
	assert_int_equal(flow_deadline_ns(&f, &c), 110 * SEC + GRAIN);
	assert_false(flow_expired(&f, &c, 110 * SEC + GRAIN - 1));
	assert_true(flow_expired(&f, &c, 110 * SEC + GRAIN));
	f.state = FLOW_UDP_ASSURED;
	assert_false(flow_expired(&f, &c, 280 * SEC + GRAIN - 1));
	assert_true(flow_expired(&f, &c, 280 * SEC + GRAIN));
	f.state = 200; /* garbage state: the short default, not out of bounds */
	assert_int_equal(flow_deadline_ns(&f, &c), 130 * SEC + GRAIN);
}

/* --max-flows-per-host's default and the host_flows map's size. */
static void test_host_limit_sizes(void **state)
{
	struct xdpgw_config c = { .max_flows = 1048576, .internal_mask = htonl(0xffffff00) };

	(void)state;
	assert_int_equal(max_flows_per_host_default(262144), 65536);
	assert_int_equal(max_flows_per_host_default(3), 1);
	assert_int_equal(host_flows_entries(&c), 256); /* a /24: its 256 addresses */
	c.internal_mask = htonl(0xff000000);
	assert_int_equal(host_flows_entries(&c), 65536); /* a /8: a 16th of the table */
	c.max_flows = 1000;
	assert_int_equal(host_flows_entries(&c), 256); /* small tables: 256 at least */
}

/* A flows and a rev map as the programs have them. */
struct maps {
	int flows, rev;
	struct sweeper *sw;
};

static int maps_setup(void **state)
{
	static struct maps m;

	if (geteuid() != 0)
		return 0;
	m.flows = bpf_map_create(BPF_MAP_TYPE_HASH, "t_flows", sizeof(struct nat_tuple),
				 sizeof(struct nat_flow), 64, NULL);
	m.rev = bpf_map_create(BPF_MAP_TYPE_HASH, "t_rev", sizeof(struct nat_tuple),
			       sizeof(struct nat_rev), 64, NULL);
	assert_true(m.flows >= 0 && m.rev >= 0);
	assert_int_equal(sweeper_open(&m.sw, m.flows, m.rev, -1, -1), 0);
	*state = &m;
	return 0;
}

static int maps_teardown(void **state)
{
	struct maps *m = *state;

	if (m) {
		sweeper_close(m->sw);
		close(m->flows);
		close(m->rev);
	}
	return 0;
}

static struct nat_tuple add_flow(struct maps *m, uint16_t sport, __u8 fstate, __u64 last_seen)
{
	struct nat_tuple k = { .saddr = htonl(0x0a641439), .daddr = htonl(0xc6336414),
			       .sport = htons(sport), .dport = htons(80), .proto = IPPROTO_TCP };
	struct nat_flow f = { .ext_addr = htonl(0xcb007101), .ext_port = htons(sport),
			      .state = fstate, .last_seen_ns = last_seen };
	struct nat_rev r = { .orig = k };
	struct nat_tuple rk = nat_reply_tuple(&k, f.ext_addr, f.ext_port);

	assert_int_equal(bpf_map_update_elem(m->flows, &k, &f, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(m->rev, &rk, &r, BPF_NOEXIST), 0);
	return k;
}

static bool present(int fd, const struct nat_tuple *k)
{
	struct nat_flow f;

	return bpf_map_lookup_elem(fd, k, &f) == 0;
}

static int map_entries(int fd, size_t key_size)
{
	__u8 key[32], next[32];
	int n = 0;

	if (bpf_map_get_next_key(fd, NULL, next))
		return 0;
	do {
		memcpy(key, next, key_size);
		n++;
	} while (!bpf_map_get_next_key(fd, key, next));
	return n;
}

static void test_sweep(void **state)
{
	struct maps *m = *state;
	struct xdpgw_config c = {};
	struct sweep_result res;
	struct nat_tuple idle, live, closed;

	if (!m)
		skip();
	timeouts_default(&c);
	idle = add_flow(m, 1000, FLOW_UDP_UNREPLIED, 10 * SEC); /* deadline 40 s */
	live = add_flow(m, 1001, FLOW_TCP_ESTABLISHED, 10 * SEC); /* 5 days */
	closed = add_flow(m, 1002, FLOW_TCP_CLOSED, 25 * SEC); /* 35 s */
	assert_int_equal(sweep_flows(m->sw, m->flows, &c, 36 * SEC, &res), 0);
	assert_int_equal(res.scanned, 3);
	assert_int_equal(res.expired, 1);
	assert_false(present(m->flows, &closed));
	assert_true(present(m->flows, &idle));
	assert_int_equal(sweep_flows(m->sw, m->flows, &c, 40 * SEC + GRAIN, &res), 0);
	assert_int_equal(res.expired, 1);
	assert_false(present(m->flows, &idle));
	assert_true(present(m->flows, &live));
	/* Each expired flow took its rev entry (its port) with it. */
	struct nat_tuple k, next;
	int rev_left = 0;

	for (int err = bpf_map_get_next_key(m->rev, NULL, &next); !err;
	     err = bpf_map_get_next_key(m->rev, &k, &next)) {
		k = next;
		rev_left++;
	}
	assert_int_equal(rev_left, 1);
}

/* A flow the scan saw expired, that then saw a packet, is kept; with no
 * packet since, it goes. Only the kernel-side re-check decides here.
 */
static void test_sweep_recheck(void **state)
{
	struct maps *m = *state;
	struct nat_tuple k;
	struct nat_flow seen, now;

	if (!m)
		skip();
	k = add_flow(m, 2000, FLOW_UDP_ASSURED, 10 * SEC);
	assert_int_equal(bpf_map_lookup_elem(m->flows, &k, &seen), 0); /* the scan's copy */
	now = seen;
	now.last_seen_ns = 200 * SEC; /* a packet came after the scan */
	assert_int_equal(bpf_map_update_elem(m->flows, &k, &now, BPF_EXIST), 0);
	assert_int_equal(sweeper_expire(m->sw, &k, seen.last_seen_ns), 0);
	assert_int_equal(sweeper_flush(m->sw), 0);
	assert_true(present(m->flows, &k));
	assert_int_equal(sweeper_expire(m->sw, &k, now.last_seen_ns), 0);
	assert_int_equal(sweeper_flush(m->sw), 1);
	assert_false(present(m->flows, &k));
}

/* More candidates than one batch: the queue flushes itself when full. */
static void test_sweep_batches(void **state)
{
	struct maps *m = *state;
	struct xdpgw_config c = {};
	struct sweep_result res;
	int fd_flows, fd_rev;
	struct sweeper *sw;
	__u32 i;

	(void)m;
	if (geteuid() != 0)
		skip();
	fd_flows = bpf_map_create(BPF_MAP_TYPE_HASH, "t_flows", sizeof(struct nat_tuple),
				  sizeof(struct nat_flow), 3 * XDPGW_SWEEP_BATCH, NULL);
	fd_rev = bpf_map_create(BPF_MAP_TYPE_HASH, "t_rev", sizeof(struct nat_tuple),
				sizeof(struct nat_rev), 3 * XDPGW_SWEEP_BATCH, NULL);
	assert_int_equal(sweeper_open(&sw, fd_flows, fd_rev, -1, -1), 0);
	for (i = 0; i < 2 * XDPGW_SWEEP_BATCH + 7; i++) {
		struct nat_tuple k = { .saddr = htonl(0x0a000000 + i), .daddr = htonl(1),
				       .sport = htons(1000), .dport = htons(80),
				       .proto = IPPROTO_UDP };
		struct nat_flow f = { .ext_port = htons(1000 + i), .state = FLOW_UDP_ASSURED,
				      .last_seen_ns = SEC };

		assert_int_equal(bpf_map_update_elem(fd_flows, &k, &f, BPF_NOEXIST), 0);
	}
	timeouts_default(&c);
	assert_int_equal(sweep_flows(sw, fd_flows, &c, 1000 * SEC, &res), 0);
	assert_int_equal(res.scanned, 2 * XDPGW_SWEEP_BATCH + 7);
	assert_int_equal(res.expired, 2 * XDPGW_SWEEP_BATCH + 7);
	sweeper_close(sw);
	close(fd_flows);
	close(fd_rev);
}

/* A table of 64 holding 62 flows: the sweep drops the 6 oldest that never
 * saw a reply (down to 56, EARLY_DROP_LOW/16), none that did.
 */
static void test_sweep_early_drop(void **state)
{
	struct maps *m = *state;
	struct xdpgw_config c = { .max_flows = 64 };
	struct sweep_result res;
	struct nat_tuple k[62];
	struct nat_flow f;
	int i;

	if (!m)
		skip();
	timeouts_default(&c);
	for (i = 0; i < 62; i++) {
		/* even: replied, older; odd: unreplied, last seen at 100 + i */
		k[i] = add_flow(m, 3000 + i, FLOW_TCP_ESTABLISHED, (i % 2 ? 100 : 10) * SEC + i);
		if (i % 2 == 0) {
			assert_int_equal(bpf_map_lookup_elem(m->flows, &k[i], &f), 0);
			f.packets_in = 1;
			assert_int_equal(bpf_map_update_elem(m->flows, &k[i], &f, BPF_EXIST), 0);
		}
	}
	assert_int_equal(sweep_flows(m->sw, m->flows, &c, 200 * SEC, &res), 0);
	assert_int_equal(res.scanned, 62);
	assert_int_equal(res.expired, 6);
	assert_int_equal(res.early_dropped, 6);
	for (i = 0; i < 62; i++)
		assert_int_equal(present(m->flows, &k[i]), i % 2 == 0 || i > 11);
	/* at 56 of 64, below the high mark: nothing more */
	assert_int_equal(sweep_flows(m->sw, m->flows, &c, 200 * SEC, &res), 0);
	assert_int_equal(res.expired, 0);
}

/* The instance's maps with the mapping ones, as the sweep gets them. */
static struct sweep_maps mapping_maps_create(void)
{
	struct sweep_maps m = { .events = -1, .host_flows = -1 };

	m.flows = bpf_map_create(BPF_MAP_TYPE_HASH, "t_flows", sizeof(struct nat_tuple),
				 sizeof(struct nat_flow), 64, NULL);
	m.rev = bpf_map_create(BPF_MAP_TYPE_HASH, "t_rev", sizeof(struct nat_tuple),
			       sizeof(struct nat_rev), 64, NULL);
	m.mappings = bpf_map_create(BPF_MAP_TYPE_HASH, "t_mappings", sizeof(struct nat_endpoint),
				    sizeof(struct nat_mapping), 64, NULL);
	m.port_owner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_port_owner", sizeof(__u32),
				      sizeof(__u64), XDPGW_PORT_SLOTS, NULL);
	m.port_bitmap = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_port_bitmap", sizeof(__u32),
				       sizeof(__u64), XDPGW_PORT_BITMAP_WORDS, NULL);
	m.peers = bpf_map_create(BPF_MAP_TYPE_HASH, "t_peers", sizeof(struct nat_peer_key),
				 sizeof(__u32), 64, NULL);
	assert_true(m.flows >= 0 && m.rev >= 0 && m.mappings >= 0 && m.port_owner >= 0 &&
		    m.port_bitmap >= 0 && m.peers >= 0);
	return m;
}

/*
 * Two flows of web:5000 (to two servers) share its mapping to external
 * port 5000 (refs 2, the port owned and its bit set, as the programs leave
 * them; address-dependent filtering counted each server). The sweep expires
 * one: the mapping and the port stay. It expires the other: the mapping,
 * the port's owner, its bit and the peers go.
 */
static void test_sweep_mapping_release(void **state)
{
	struct nat_endpoint ep = { .addr = htonl(0x0a641439), .port = htons(5000),
				   .proto = IPPROTO_UDP };
	struct nat_mapping mp = { .ext_port = htons(5000), .refs = 2 };
	__u32 slot = xdpgw_port_slot(IPPROTO_UDP, 5000);
	__u64 owner;
	__u32 word = XDPGW_PORT_WORDS + 5000 / 64, one = 1;
	__u64 bits = 1ull << (5000 % 64);
	struct nat_tuple k[2];
	struct sweep_maps m;
	struct sweeper *sw;
	struct nat_flow f;
	int i;

	(void)state;
	if (geteuid() != 0)
		skip();
	m = mapping_maps_create();
	assert_int_equal(sweeper_open_maps(&sw, &m), 0);
	for (i = 0; i < 2; i++) {
		struct nat_flow fl = { .ext_addr = htonl(0xcb007101), .ext_port = htons(5000),
				       .state = FLOW_UDP_ASSURED, .last_seen_ns = (i + 1) * SEC };
		struct nat_peer_key peer = { .ext_port = htons(5000), .proto = IPPROTO_UDP };
		struct nat_rev r;
		struct nat_tuple rk;

		k[i] = (struct nat_tuple){ .saddr = ep.addr, .daddr = htonl(0xc6336414 + i),
					   .sport = ep.port, .dport = htons(3478),
					   .proto = IPPROTO_UDP };
		r.orig = k[i];
		rk = nat_reply_tuple(&k[i], fl.ext_addr, fl.ext_port);
		peer.remote = k[i].daddr;
		assert_int_equal(bpf_map_update_elem(m.flows, &k[i], &fl, BPF_NOEXIST), 0);
		assert_int_equal(bpf_map_update_elem(m.rev, &rk, &r, BPF_NOEXIST), 0);
		assert_int_equal(bpf_map_update_elem(m.peers, &peer, &one, BPF_NOEXIST), 0);
	}
	assert_int_equal(bpf_map_update_elem(m.mappings, &ep, &mp, BPF_NOEXIST), 0);
	assert_int_equal(bpf_map_update_elem(m.port_owner, &slot, &ep, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(m.port_bitmap, &word, &bits, 0), 0);

	assert_int_equal(bpf_map_lookup_elem(m.flows, &k[0], &f), 0);
	assert_int_equal(sweeper_expire(sw, &k[0], f.last_seen_ns), 0);
	assert_int_equal(sweeper_flush(sw), 1);
	assert_int_equal(bpf_map_lookup_elem(m.mappings, &ep, &mp), 0);
	assert_int_equal(mp.refs, 1);
	assert_int_equal(bpf_map_lookup_elem(m.port_owner, &slot, &owner), 0);
	assert_memory_equal(&owner, &ep, sizeof(ep));
	assert_int_equal(bpf_map_lookup_elem(m.port_bitmap, &word, &bits), 0);
	assert_true(bits & (1ull << (5000 % 64)));
	assert_int_equal(map_entries(m.peers, sizeof(struct nat_peer_key)), 1);

	assert_int_equal(bpf_map_lookup_elem(m.flows, &k[1], &f), 0);
	assert_int_equal(sweeper_expire(sw, &k[1], f.last_seen_ns), 1);
	assert_int_equal(sweeper_flush(sw), 2);
	assert_int_equal(bpf_map_lookup_elem(m.mappings, &ep, &mp), -ENOENT);
	assert_int_equal(bpf_map_lookup_elem(m.port_owner, &slot, &owner), 0);
	assert_int_equal(owner, 0);
	assert_int_equal(bpf_map_lookup_elem(m.port_bitmap, &word, &bits), 0);
	assert_false(bits & (1ull << (5000 % 64)));
	assert_int_equal(map_entries(m.peers, sizeof(struct nat_peer_key)), 0);
	assert_int_equal(map_entries(m.rev, sizeof(struct nat_tuple)), 0);
	sweeper_close(sw);
	close(m.flows);
	close(m.rev);
	close(m.mappings);
	close(m.port_owner);
	close(m.port_bitmap);
	close(m.peers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_host_limit_sizes),
		cmocka_unit_test_setup_teardown(test_sweep, maps_setup, maps_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_recheck, maps_setup, maps_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_batches, maps_setup, maps_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_early_drop, maps_setup, maps_teardown),
		cmocka_unit_test(test_sweep_mapping_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
