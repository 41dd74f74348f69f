// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the filter table in userspace: rules parsed as a user
 * types them (and refused with a message), add and del, and the compiled
 * bit-vector classifier against the rules walked in order, over random
 * tables and packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "filter_rules.h"

static struct filter_rule rule(const char *text)
{
	char err[FILTER_ERR_LEN] = "";
	struct filter_rule r;
	int ret = filter_rule_parse_line(text, &r, err, sizeof(err));

	if (ret)
		fail_msg("'%s' refused: %s", text, err);
	return r;
}

/* Add the rule text at pos; the code filter_table_add returned. */
static int add(struct filter_table *t, const char *text, __u32 pos)
{
	char err[FILTER_ERR_LEN];
	struct filter_rule r = rule(text);

	return filter_table_add(t, &r, pos, err, sizeof(err));
}

static __be32 ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_parse(void **state)
{
	struct filter_rule r;

	(void)state;
	r = rule("allow tcp 22 from 10.1.1.0/24");
	assert_int_equal(r.action, RULE_ALLOW);
	assert_int_equal(r.proto, IPPROTO_TCP);
	assert_int_equal(r.port_lo, 22);
	assert_int_equal(r.port_hi, 22);
	assert_int_equal(r.to_addr, 0);
	assert_int_equal(r.from_net, ip("10.1.1.0"));
	assert_int_equal(r.from_len, 24);
	assert_int_equal(r.slot, FILTER_SLOT_NEW);

	r = rule("drop udp 1000-2000 to 10.1.3.12");
	assert_int_equal(r.action, RULE_DROP);
	assert_int_equal(r.proto, IPPROTO_UDP);
	assert_int_equal(r.port_lo, 1000);
	assert_int_equal(r.port_hi, 2000);
	assert_int_equal(r.to_addr, ip("10.1.3.12"));
	assert_int_equal(r.from_len, 0);

	r = rule("allow icmp");
	assert_int_equal(r.proto, IPPROTO_ICMP);
	assert_int_equal(r.port_lo, 0);
	assert_int_equal(r.port_hi, 65535);

	r = rule("drop any from 192.0.2.7"); /* an address alone is a /32 */
	assert_int_equal(r.proto, 0);
	assert_int_equal(r.from_len, 32);
	assert_int_equal(r.from_net, ip("192.0.2.7"));

	r = rule("  allow\ttcp 80   from 10.0.0.0/8 to 10.1.3.12 ");
	assert_int_equal(r.from_len, 8);
	assert_int_equal(r.to_addr, ip("10.1.3.12"));
	r = rule("allow tcp 1-65535 from 0.0.0.0/0");
	assert_int_equal(r.port_lo, 1);
	assert_int_equal(r.port_hi, 65535);
	assert_int_equal(r.from_len, 0);
}

/* The canonical text parses back to the same rule. */
static void test_format(void **state)
{
	static const char *const texts[] = {
		"allow tcp 22 from 10.1.1.0/24", "drop udp 1000-2000 to 10.1.3.12",
		"allow icmp", "drop any from 192.0.2.7/32", "allow tcp to 10.1.3.12",
		"allow tcp 80 to 10.1.3.12 from 10.0.0.0/8", "drop udp 1", "allow tcp 1-65535",
	};
	char buf[128];
	struct filter_rule r, back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		r = rule(texts[i]);
		filter_rule_format(&r, buf, sizeof(buf));
		assert_string_equal(buf, texts[i]);
		back = rule(buf);
		assert_true(filter_rule_same(&r, &back));
	}
	r = rule("allow tcp from 10.0.0.0/8 to 10.1.3.12");
	filter_rule_format(&r, buf, sizeof(buf));
	assert_string_equal(buf, "allow tcp to 10.1.3.12 from 10.0.0.0/8");
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *msg; /* msg: a part of the error */
	} bad[] = {
		{ "", "starts with allow or drop" },
		{ "permit tcp 22", "starts with allow or drop, not 'permit'" },
		{ "allow", "needs a protocol" },
		{ "allow sctp", "unknown protocol 'sctp'" },
		{ "allow icmp 8", "a port needs tcp or udp" },
		{ "drop any 22", "a port needs tcp or udp" },
		{ "allow tcp 65536", "bad port '65536'" },
		{ "allow tcp 0", "bad port '0'" },
		{ "allow tcp 2000-1000", "bad port '2000-1000'" },
		{ "allow tcp 1-2-3", "bad port" },
		{ "allow tcp 22x", "bad port" },
		{ "allow tcp 22 to", "'to' needs an address" },
		{ "allow tcp 22 from", "'from' needs a prefix" },
		{ "allow tcp 22 to 10.1.3", "bad address '10.1.3'" },
		{ "allow tcp 22 to 0.0.0.0", "bad address" },
		{ "allow tcp 22 from 10.1.1.5/24", "host bits" },
		{ "allow tcp 22 from 10.1.1.0/33", "bad prefix" },
		{ "allow tcp 22 to 10.1.3.12 to 10.1.3.13", "'to' given twice" },
		{ "allow tcp 22 from 10.0.0.0/8 from 10.0.0.0/8", "'from' given twice" },
		{ "allow tcp 22 23", "unexpected '23'" },
		{ "allow tcp port 22", "unexpected 'port'" },
	};
	char err[FILTER_ERR_LEN];
	struct filter_rule r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (filter_rule_parse_line(bad[i].text, &r, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i].text);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err, bad[i].msg);
	}
}

static void test_table(void **state)
{
	static struct filter_table t, before;
	char err[FILTER_ERR_LEN];
	struct filter_rule a = rule("allow tcp 22"), b = rule("drop udp 53");
	struct filter_rule c = rule("allow icmp");
	__u32 i;

	(void)state;
	assert_int_equal(filter_table_add(&t, &a, 0, err, sizeof(err)), 0);
	assert_int_equal(filter_table_add(&t, &b, 0, err, sizeof(err)), 0);
	assert_int_equal(filter_table_add(&t, &c, 1, err, sizeof(err)), 0); /* at the top */
	assert_int_equal(t.n, 3);
	assert_true(filter_rule_same(&t.rules[0], &c));
	assert_true(filter_rule_same(&t.rules[1], &a));
	assert_true(filter_rule_same(&t.rules[2], &b));
	assert_int_equal(filter_table_find(&t, &b), 3);
	assert_int_equal(filter_table_find(&t, &(struct filter_rule){ .proto = 1 }), 0);

	/* refused: the table unchanged */
	before = t;
	assert_int_equal(filter_table_add(&t, &a, 0, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "'allow tcp 22' is rule 2 already"));
	c = rule("drop tcp 22");
	assert_int_equal(filter_table_add(&t, &c, 5, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "no position 5"));
	c = rule("allow icmp");
	assert_int_equal(filter_table_del(&t, 0, err, sizeof(err)), -ERANGE);
	assert_int_equal(filter_table_del(&t, 4, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "no rule 4: the table has 3 rules"));
	assert_memory_equal(&t, &before, sizeof(t));

	assert_int_equal(add(&t, "drop tcp 22", 4), 0);
	assert_int_equal(filter_table_del(&t, 2, err, sizeof(err)), 0);
	assert_int_equal(t.n, 3);
	assert_true(filter_rule_same(&t.rules[0], &c));
	assert_true(filter_rule_same(&t.rules[1], &b));

	memset(&t, 0, sizeof(t));
	for (i = 0; i < XDPGW_FILTER_RULES_MAX; i++) {
		a.port_lo = a.port_hi = i;
		assert_int_equal(filter_table_add(&t, &a, 0, err, sizeof(err)), 0);
	}
	a.port_lo = a.port_hi = i;
	assert_int_equal(filter_table_add(&t, &a, 0, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "full"));
}

/* A first-match check the tests state by hand. */
static void test_first_match(void **state)
{
	static struct filter_table t;
	static struct filter_compiled c;
	struct filter_pkt p = { .proto = IPPROTO_TCP, .dport = 22, .daddr = ip("10.1.3.12"),
				.saddr = ip("10.1.1.9") };
	char err[FILTER_ERR_LEN];

	(void)state;
	assert_int_equal(add(&t, "drop tcp 22 from 10.1.1.128/25", 0), 0);
	assert_int_equal(add(&t, "allow tcp 22 from 10.1.1.0/24", 0), 0);
	assert_int_equal(add(&t, "drop tcp 1-1000", 0), 0);
	assert_int_equal(add(&t, "allow udp 53 to 10.1.3.12", 0), 0);
	assert_int_equal(add(&t, "drop any", 0), 0);
	assert_int_equal(filter_compile(&t, &c), 0);
	assert_int_equal(filter_compiled_eval(&c, &p), 1);
	p.saddr = ip("10.1.1.200");
	assert_int_equal(filter_compiled_eval(&c, &p), 0);
	p.saddr = ip("10.1.2.1");
	assert_int_equal(filter_compiled_eval(&c, &p), 2);
	p.dport = 1001;
	assert_int_equal(filter_compiled_eval(&c, &p), 4);
	p.proto = IPPROTO_UDP;
	p.dport = 53;
	assert_int_equal(filter_compiled_eval(&c, &p), 3);
	p.daddr = ip("10.1.3.13");
	assert_int_equal(filter_compiled_eval(&c, &p), 4);
	filter_table_del(&t, 5, err, sizeof(err));
	assert_int_equal(filter_compile(&t, &c), 0);
	assert_int_equal(filter_compiled_eval(&c, &p), FILTER_NO_RULE);
	p.proto = 47;
	assert_int_equal(filter_compiled_eval(&c, &p), FILTER_NO_RULE);
}

/* Pools small enough that random rules overlap and packets hit edges. */
static const char *const addrs[] = { "10.1.3.12", "10.1.3.13", "203.0.113.1", "10.1.1.9",
				     "10.1.1.200", "192.0.2.7", "198.51.100.1" };
static const char *const nets[] = { "10.0.0.0/8",  "10.1.0.0/16",	"10.1.1.0/24",
				    "10.1.1.128/25", "10.1.1.9/32", "192.0.2.0/24",
				    "0.0.0.0/0",	"128.0.0.0/1" };
static const __u16 edges[] = { 1, 2, 22, 23, 53, 80, 443, 1000, 1024, 2000, 65534, 65535 };
static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 0 };

#define PICK(a) a[rand() % (sizeof(a) / sizeof(a[0]))]

static void random_rule(struct filter_rule *r)
{
	char text[128];
	int n;

	n = snprintf(text, sizeof(text), "%s %s", rand() % 2 ? "allow" : "drop",
		     PICK(protos) == IPPROTO_TCP ? "tcp" :
		     rand() % 3		       ? "udp" :
		     rand() % 2		       ? "icmp" :
						 "any");
	if (!strncmp(text + n - 3, "tcp", 3) || !strncmp(text + n - 3, "udp", 3)) {
		__u16 a = rand() % 3 ? PICK(edges) : rand() % 65535 + 1, b = PICK(edges);

		if (rand() % 4)
			n += snprintf(text + n, sizeof(text) - n, a <= b ? " %u-%u" : " %2$u-%1$u",
				      a, b);
	}
	if (rand() % 3 == 0)
		n += snprintf(text + n, sizeof(text) - n, " to %s", PICK(addrs));
	if (rand() % 2 == 0)
		snprintf(text + n, sizeof(text) - n, " from %s", PICK(nets));
	*r = rule(text);
}

static void random_pkt(struct filter_pkt *p)
{
	static const __u8 kinds[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 47 };

	p->proto = PICK(kinds);
	p->dport = p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ?
			   (rand() % 2 ? PICK(edges) + rand() % 3 - 1 : rand() % 65536) : 0;
	p->daddr = rand() % 4 ? ip(PICK(addrs)) : htonl(rand());
	p->saddr = rand() % 2 ? ip(PICK(addrs)) : htonl(rand());
}

/* The compiled classifier agrees with the rules walked in order. */
static void test_random_against_reference(void **state)
{
	static const __u32 sizes[] = { 1, 2, 7, 63, 64, 65, 130, 500, XDPGW_FILTER_RULES_MAX };
	static struct filter_table t;
	static struct filter_compiled c;
	char err[FILTER_ERR_LEN];
	struct filter_rule r;
	struct filter_pkt p;
	size_t s;
	int round, i;

	(void)state;
	srand(13);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (round = 0; round < (sizes[s] > 200 ? 3 : 15); round++) {
			memset(&t, 0, sizeof(t));
			while (t.n < sizes[s]) {
				random_rule(&r);
				filter_table_add(&t, &r, rand() % (t.n + 1) + 1, err,
						 sizeof(err)); /* a duplicate is refused: retried */
			}
			assert_int_equal(filter_compile(&t, &c), 0);
			assert_true(c.nclasses <= XDPGW_FILTER_CLASSES);
			for (i = 0; i < 3000; i++) {
				random_pkt(&p);
				if (filter_compiled_eval(&c, &p) != filter_table_eval(&t, &p))
					fail_msg("%u rules, round %d: proto %u port %u: "
						 "compiled %u, walked %u",
						 t.n, round, p.proto, p.dport,
						 filter_compiled_eval(&c, &p),
						 filter_table_eval(&t, &p));
			}
		}
	}
}

/* The worst case for the port classes: every rule a range of its own. */
static void test_classes_bound(void **state)
{
	static struct filter_table t;
	static struct filter_compiled c;
	char err[FILTER_ERR_LEN];
	struct filter_rule r = rule("drop any");
	struct filter_pkt p = { .proto = IPPROTO_UDP };
	__u32 i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < XDPGW_FILTER_RULES_MAX; i++) {
		r = rule(i % 2 ? "allow tcp" : "drop udp");
		r.port_lo = 10 + i * 50;
		r.port_hi = 10 + i * 50 + 20;
		assert_int_equal(filter_table_add(&t, &r, 0, err, sizeof(err)), 0);
	}
	assert_int_equal(filter_compile(&t, &c), 0);
	assert_true(c.nclasses <= XDPGW_FILTER_CLASSES);
	p.dport = 10 + 1022 * 50 + 20;
	assert_int_equal(filter_compiled_eval(&c, &p), 1022);
	p.dport++;
	assert_int_equal(filter_compiled_eval(&c, &p), FILTER_NO_RULE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_classes_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
