// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "check.h"

int test_failures;
const char *test_name = "";

bool assert_bytes(const char *file, int line, const uint8_t *actual, size_t alen,
		  const uint8_t *expected, size_t elen, const char *what)
{
	size_t i, n = alen < elen ? alen : elen;

	for (i = 0; i < n && actual[i] == expected[i]; i++)
		;
	if (i == n && alen == elen)
		return true;
	fprintf(stderr, "  FAIL %s (%s:%d): %s: ", test_name, file, line, what);
	if (i < n)
		fprintf(stderr, "byte %zu: expected 0x%02x, got 0x%02x", i, expected[i],
			actual[i]);
	else
		fprintf(stderr, "length: expected %zu, got %zu", elen, alen);
	fprintf(stderr, "\n");
	test_failures++;
	return false;
}
