/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Assertions for the program tests, in the kernel selftests' manner: each
 * prints what was expected and what came, counts the failure and evaluates
 * to false so the test can bail out to its cleanup.
 */
#ifndef XDPGW_TEST_CHECK_H
#define XDPGW_TEST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int test_failures;
extern const char *test_name;

#define FAIL_AT(fmt, ...)                                                     \
	(fprintf(stderr, "  FAIL %s (%s:%d): " fmt "\n", test_name, __FILE__, \
		 __LINE__, ##__VA_ARGS__),                                    \
	 test_failures++, false)

#define ASSERT_EQ(actual, expected, what)                                       \
	({                                                                      \
		long long _a = (long long)(actual), _e = (long long)(expected); \
		_a == _e ? true : FAIL_AT("%s: expected %lld, got %lld", what, _e, _a); \
	})

#define ASSERT_TRUE(cond, what) ((cond) ? true : FAIL_AT("%s", what))

/* Frames equal, else show the first differing byte and both lengths. */
bool assert_bytes(const char *file, int line, const uint8_t *actual, size_t alen,
		  const uint8_t *expected, size_t elen, const char *what);
#define ASSERT_BYTES(a, alen, e, elen, what) \
	assert_bytes(__FILE__, __LINE__, a, alen, e, elen, what)

#endif
