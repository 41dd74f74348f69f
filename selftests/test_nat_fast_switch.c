// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the fast path's per-direction switch: what the egress
 * tells (xdp-features, else the veth peer's XDP and GRO) and how a
 * direction moves between on and off, including the drop watch that is
 * all there is when the kernel cannot tell (before 6.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fast_switch.h"
#include "veth.h"

static void test_verdict(void **state)
{
	struct egress_info e = { .peer_gro = -1, .peer_nsid = -1 };

	(void)state;
	/* kernel 6.3+: xdp-features decide, whatever the peer looks like */
	e.features_known = true;
	e.is_veth = true;
	e.peer_xdp = true;
	e.ndo_xmit = false;
	assert_int_equal(egress_verdict(&e), EGRESS_REFUSES);
	e.peer_xdp = false;
	e.ndo_xmit = true;
	assert_int_equal(egress_verdict(&e), EGRESS_TAKES);
	/* older kernels: a NIC takes them; a veth if its peer has NAPI */
	e.features_known = false;
	e.is_veth = false;
	assert_int_equal(egress_verdict(&e), EGRESS_TAKES);
	e.is_veth = true;
	assert_int_equal(egress_verdict(&e), EGRESS_UNKNOWN);
	e.peer_gro = 0;
	assert_int_equal(egress_verdict(&e), EGRESS_REFUSES);
	e.peer_gro = 1;
	assert_int_equal(egress_verdict(&e), EGRESS_TAKES);
	e.peer_gro = -1;
	e.peer_xdp = true;
	assert_int_equal(egress_verdict(&e), EGRESS_TAKES);
}

static void test_known(void **state)
{
	enum fast_state s;

	(void)state;
	for (s = FAST_STATE_UNSET; s < FAST_STATE__MAX; s++) {
		assert_int_equal(fast_next_state(s, EGRESS_TAKES, false), FAST_STATE_ON);
		assert_int_equal(fast_next_state(s, EGRESS_TAKES, true), FAST_STATE_ON);
		assert_int_equal(fast_next_state(s, EGRESS_REFUSES, false), FAST_STATE_OFF_PEER);
		assert_int_equal(fast_next_state(s, EGRESS_REFUSES, true), FAST_STATE_OFF_PEER);
	}
}

static void test_drop_watch(void **state)
{
	(void)state;
	/* nothing tells: on at first, off for good once redirects drop */
	assert_int_equal(fast_next_state(FAST_STATE_UNSET, EGRESS_UNKNOWN, false), FAST_STATE_ON);
	assert_int_equal(fast_next_state(FAST_STATE_ON, EGRESS_UNKNOWN, false), FAST_STATE_ON);
	assert_int_equal(fast_next_state(FAST_STATE_ON, EGRESS_UNKNOWN, true),
			 FAST_STATE_OFF_DROPS);
	assert_int_equal(fast_next_state(FAST_STATE_OFF_DROPS, EGRESS_UNKNOWN, false),
			 FAST_STATE_OFF_DROPS);
	/* until the peer shows NAPI */
	assert_int_equal(fast_next_state(FAST_STATE_OFF_DROPS, EGRESS_TAKES, false), FAST_STATE_ON);
	/* a peer that had none and is no longer readable: try, and watch */
	assert_int_equal(fast_next_state(FAST_STATE_OFF_PEER, EGRESS_UNKNOWN, false),
			 FAST_STATE_ON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_drop_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
