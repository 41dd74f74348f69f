// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP parser's character classes (RFC 9110 5.6.2 tchar, 5.5
 * field-vchar, RFC 3986 for the target and Host), one table all its files
 * read.
 */
#include "http_parse_int.h"

uint8_t http_char_class[256];

/* Filled once before main (and before any worker thread exists). */
__attribute__((constructor)) static void init_classes(void)
{
	static const char tspecial[] = "!#$%&'*+-.^_`|~";
	static const char hostc[] = "-._~!$&'()*+,;=:%[]";
	uint8_t *cls = http_char_class;
	int c;

	for (c = 0x21; c < 0x7f; c++)
		cls[c] |= C_VCHAR | C_TARGET;
	for (c = 0x80; c < 0x100; c++)
		cls[c] |= C_VCHAR;
	for (c = '0'; c <= '9'; c++)
		cls[c] |= C_TCHAR | C_HOST | C_HEX;
	for (c = 'a'; c <= 'z'; c++)
		cls[c] |= C_TCHAR | C_HOST | (c <= 'f' ? C_HEX : 0);
	for (c = 'A'; c <= 'Z'; c++)
		cls[c] |= C_TCHAR | C_HOST | (c <= 'F' ? C_HEX : 0);
	for (c = 0; tspecial[c]; c++)
		cls[(uint8_t)tspecial[c]] |= C_TCHAR;
	for (c = 0; hostc[c]; c++)
		cls[(uint8_t)hostc[c]] |= C_HOST;
}
