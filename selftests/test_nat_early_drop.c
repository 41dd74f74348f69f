// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the early drop's choice (user/early_drop.c): only flows
 * that never saw a reply, the oldest first, only when the table is nearly
 * full, and only as many as bring it back under the low mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "early_drop.h"

static void note(struct early_drop *ed, uint16_t port, __u64 last_seen, __u64 packets_in)
{
	struct nat_tuple k = { .saddr = htonl(0x0a641439), .sport = htons(port) };
	struct nat_flow f = { .last_seen_ns = last_seen, .packets_in = packets_in };

	assert_int_equal(early_drop_note(ed, &k, &f), 0);
}

static void test_not_full(void **state)
{
	struct early_drop ed = {};

	(void)state;
	note(&ed, 1, 100, 0);
	/* 160 flows: the high mark is 150 */
	assert_int_equal(early_drop_pick(&ed, 150, 160), 0);
	assert_int_equal(early_drop_pick(&ed, 151, 0), 0); /* no table size: off */
	early_drop_free(&ed);
}

static void test_oldest_unreplied_only(void **state)
{
	struct early_drop ed = {};
	uint16_t i;
	size_t n;

	(void)state;
	note(&ed, 1, 500, 0);
	note(&ed, 2, 100, 7); /* the oldest, but replied: never */
	note(&ed, 3, 300, 0);
	note(&ed, 4, 200, 0);
	note(&ed, 5, 400, 0);
	assert_int_equal(ed.n, 4);
	/* 155 live of 160: down to the low mark 140 wants 15, 4 can go */
	assert_int_equal(early_drop_pick(&ed, 155, 160), 4);
	/* 151 live: 11 over the low mark, still all 4 */
	early_drop_reset(&ed);
	note(&ed, 1, 500, 0);
	note(&ed, 3, 300, 0);
	note(&ed, 4, 200, 0);
	note(&ed, 5, 400, 0);
	for (i = 6; i <= 13; i++)
		note(&ed, i, 100 * i, 0);
	n = early_drop_pick(&ed, 151, 160);
	assert_int_equal(n, 11);
	assert_int_equal(ntohs(ed.unreplied[0].key.sport), 4);
	assert_int_equal(ntohs(ed.unreplied[1].key.sport), 3);
	assert_int_equal(ntohs(ed.unreplied[10].key.sport), 12);
	assert_int_equal(ed.unreplied[0].last_seen_ns, 200);
	early_drop_free(&ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_full),
		cmocka_unit_test(test_oldest_unreplied_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
