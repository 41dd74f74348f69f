// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the forward, static and pool rules as users type them
 * (user/nat_rules_parse.c): what is accepted, what each field becomes, and
 * every refusal with a message naming what is wrong; the gratuitous ARP's
 * bytes (user/nat_arp.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "nat_arp.h"
#include "nat_rules.h"

static __be32 a(const char *s)
{
	struct in_addr x;

	assert_int_equal(inet_pton(AF_INET, s, &x), 1);
	return x.s_addr;
}

/* NAPT 10.100.20.0/24 -> 203.0.113.1. */
static struct nat_rules inst(void)
{
	struct nat_rules n = { .ext_addr = a("203.0.113.1"), .internal_net = a("10.100.20.0"),
			       .internal_mask = htonl(0xffffff00) };

	return n;
}

static void test_forward_parse(void **state)
{
	struct forward_rule r;
	char err[256];

	(void)state;
	assert_int_equal(forward_rule_parse("tcp 10.1.3.12:443 172.16.3.12:443", &r, err,
					    sizeof(err)), 0);
	assert_int_equal(r.proto, IPPROTO_TCP);
	assert_int_equal(r.pub, a("10.1.3.12"));
	assert_int_equal(r.pub_lo, 443);
	assert_int_equal(r.pub_hi, 443);
	assert_int_equal(r.internal, a("172.16.3.12"));
	assert_int_equal(r.int_lo, 443);
	assert_int_equal(forward_rule_parse("udp  10.1.3.12:5000-5009 -> 172.16.3.12:6000-6009",
					    &r, err, sizeof(err)), 0);
	assert_int_equal(r.proto, IPPROTO_UDP);
	assert_int_equal(r.pub_lo, 5000);
	assert_int_equal(r.pub_hi, 5009);
	assert_int_equal(r.int_lo, 6000);
	assert_int_equal(r.int_hi, 6009);
}

static void test_forward_parse_refused(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "icmp 10.1.3.12:443 172.16.3.12:443", "not tcp or udp" },
		{ "tcp 10.1.3.12:443", "want PROTO" },
		{ "tcp 10.1.3.12:443 172.16.3.12:443 extra", "want PROTO" },
		{ "tcp 10.1.3.12 172.16.3.12:443", "'10.1.3.12' is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:0 172.16.3.12:443", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:65536 172.16.3.12:443", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:80x 172.16.3.12:80", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.300:80 172.16.3.12:80", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:90-80 172.16.3.12:80-90", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:80- 172.16.3.12:80", "is not ADDRESS:PORT" },
		{ "tcp 10.1.3.12:80-89 172.16.3.12:80-90", "differ in size" },
		{ "tcp 10.1.3.12:80 172.16.3.12:80-81", "differ in size" },
		{ "", "want PROTO" },
	};
	struct forward_rule r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(forward_rule_parse(bad[i].text, &r, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err, bad[i].says);
	}
}

static void test_static_pool_parse(void **state)
{
	struct static_rule s;
	struct pool_rule p;
	char err[256];

	(void)state;
	assert_int_equal(static_rule_parse("203.0.113.57 10.100.20.57", &s, err, sizeof(err)), 0);
	assert_int_equal(s.pub, a("203.0.113.57"));
	assert_int_equal(s.internal, a("10.100.20.57"));
	assert_int_equal(static_rule_parse("203.0.113.57 <-> 10.100.20.57", &s, err, sizeof(err)),
			 0);
	assert_int_equal(static_rule_parse("203.0.113.57", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(static_rule_parse("203.0.113.57 10.100.20", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'10.100.20' is not an IPv4 address"));

	assert_int_equal(pool_rule_parse("203.0.113.100-203.0.113.101", &p, err, sizeof(err)), 0);
	assert_int_equal(p.lo, ntohl(a("203.0.113.100")));
	assert_int_equal(p.hi, ntohl(a("203.0.113.101")));
	assert_int_equal(pool_rule_parse("203.0.113.100", &p, err, sizeof(err)), 0);
	assert_int_equal(p.lo, p.hi);
	assert_int_equal(pool_rule_parse("203.0.113.101-203.0.113.100", &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "ends before it starts"));
	assert_int_equal(pool_rule_parse("203.0.113.100-", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(pool_rule_parse("203.0.113.100-203.0.113", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(pool_rule_parse("203.0.0.0-203.0.255.255", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than"));
	assert_int_equal(pool_rule_parse("203.0.113.1 203.0.113.2", &p, err, sizeof(err)), -EINVAL);
}

static void test_checks(void **state)
{
	struct nat_rules n = inst();
	struct forward_rule f;
	struct static_rule s;
	struct pool_rule p;
	char err[256];

	(void)state;
	forward_rule_parse("tcp 203.0.113.1:443 10.100.20.57:443", &f, err, sizeof(err));
	assert_int_equal(forward_rule_check(&n, &f, err, sizeof(err)), 0);
	forward_rule_parse("tcp 203.0.113.1:443 10.100.21.57:443", &f, err, sizeof(err));
	assert_int_equal(forward_rule_check(&n, &f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "10.100.21.57 is outside every internal prefix"));
	forward_rule_parse("tcp 10.100.20.9:443 10.100.20.57:443", &f, err, sizeof(err));
	assert_int_equal(forward_rule_check(&n, &f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "inside the internal prefix"));
	forward_rule_parse("tcp 224.0.0.1:443 10.100.20.57:443", &f, err, sizeof(err));
	assert_int_equal(forward_rule_check(&n, &f, err, sizeof(err)), -EINVAL);

	static_rule_parse("203.0.113.57 10.100.20.57", &s, err, sizeof(err));
	assert_int_equal(static_rule_check(&n, &s, err, sizeof(err)), 0);
	static_rule_parse("203.0.113.1 10.100.20.57", &s, err, sizeof(err));
	assert_int_equal(static_rule_check(&n, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NAPT address"));
	static_rule_parse("203.0.113.57 192.168.1.5", &s, err, sizeof(err));
	assert_int_equal(static_rule_check(&n, &s, err, sizeof(err)), -EINVAL);

	pool_rule_parse("203.0.113.100-203.0.113.101", &p, err, sizeof(err));
	assert_int_equal(pool_rule_check(&n, &p, err, sizeof(err)), 0);
	pool_rule_parse("203.0.113.0-203.0.113.5", &p, err, sizeof(err));
	assert_int_equal(pool_rule_check(&n, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "203.0.113.1 is the interface's NAPT address"));
	pool_rule_parse("10.100.20.250-10.100.20.255", &p, err, sizeof(err));
	assert_int_equal(pool_rule_check(&n, &p, err, sizeof(err)), -EINVAL);
}

static void test_announce_bytes(void **state)
{
	static const __u8 mac[6] = { 0x02, 0, 0, 0, 0, 0xaa };
	static const __u8 want[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0xaa, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1, /* Ethernet, IPv4, request */
		0x02, 0, 0, 0, 0, 0xaa, 203, 0, 113, 57, /* sender */
		0, 0, 0, 0, 0, 0, 203, 0, 113, 57, /* target = sender */
	};
	__u8 f[64];

	(void)state;
	assert_int_equal(arp_announce_build(mac, a("203.0.113.57"), f), 42);
	assert_memory_equal(f, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_parse),
		cmocka_unit_test(test_forward_parse_refused),
		cmocka_unit_test(test_static_pool_parse),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_announce_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
