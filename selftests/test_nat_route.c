// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of how `xdpgw run` finds the internal interface: the longest
 * route covering the internal prefix, never the default route; and the same
 * through the kernel's table in a network namespace of its own (root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <cmocka.h>
#include "strparse.h"
#include "route.h"

static struct route4 r(const char *dst, int len, int oif)
{
	struct route4 x = { .dst_len = len, .oif = oif };

	inet_pton(AF_INET, dst, &x.dst);
	return x;
}

static int pick(const struct route4 *routes, int n, const char *prefix)
{
	__be32 net, mask;

	assert_int_equal(parse_prefix(prefix, &net, &mask), 0);
	return route_pick(routes, n, net, mask);
}

static void test_pick(void **state)
{
	const struct route4 routes[] = {
		r("0.0.0.0", 0, 2),	  /* default via eth0 */
		r("203.0.113.0", 24, 2),  /* eth0's own subnet */
		r("10.100.0.0", 16, 4),	  /* a summary route inside */
		r("10.100.20.0", 24, 3),  /* in0's subnet */
		r("10.100.20.0", 25, 0),  /* multipath */
	};

	(void)state;
	assert_int_equal(pick(routes, 5, "10.100.20.0/24"), 3);
	assert_int_equal(pick(routes, 5, "10.100.21.0/24"), 2); /* only the /16 covers it */
	assert_int_equal(pick(routes, 5, "10.100.20.128/25"), 3);
	assert_int_equal(pick(routes, 5, "10.100.20.0/25"), 4); /* the multipath one */
	assert_int_equal(pick(routes, 5, "10.0.0.0/8"), -ENOENT); /* a /16 does not cover a /8 */
	assert_int_equal(pick(routes, 5, "192.168.1.0/24"), -ENOENT); /* default only */
	assert_int_equal(pick(routes, 0, "10.100.20.0/24"), -ENOENT);
}

/* The kernel's table, in a namespace of our own: a connected prefix. */
static void test_kernel_table(void **state)
{
	__be32 net, mask;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET))
		skip();
	assert_int_equal(system("ip link add xgin0 type veth peer name xgin1 && "
				"ip link add xgext0 type veth peer name xgext1 && "
				"for i in xgin0 xgin1 xgext0 xgext1; do ip link set $i up; done && "
				"ip addr add 10.100.20.1/24 dev xgin0 && "
				"ip addr add 203.0.113.1/24 dev xgext0 && "
				"ip route add default via 203.0.113.254"),
			 0);
	assert_int_equal(parse_prefix("10.100.20.0/24", &net, &mask), 0);
	assert_int_equal(route_prefix_oif(net, mask), if_nametoindex("xgin0"));
	assert_int_equal(parse_prefix("192.168.7.0/24", &net, &mask), 0);
	assert_int_equal(route_prefix_oif(net, mask), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_kernel_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
