// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP parser's shared token helpers: character classes, case-blind
 * comparison, tokens and comma-separated lists (RFC 9110 5.6).
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

int http_list_walk(const char *v, size_t len, http_list_fn fn, void *ctx)
{
	size_t i = 0, s, e;
	int err;

	while (i <= len) {
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s) {
			err = fn(v + s, e - s, ctx);
			if (err)
				return err;
		}
		i++;
	}
	return 0;
}

bool http_all_tchar(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is((uint8_t)s[i], C_TCHAR))
			return false;
	return len > 0;
}

struct has_ctx {
	const char *token;
};

static int has_elem(const char *e, size_t len, void *ctx)
{
	return http_eq_ci(e, len, ((struct has_ctx *)ctx)->token);
}

bool http_list_has(const char *val, size_t len, const char *token)
{
	struct has_ctx c = {token};

	return http_list_walk(val, len, has_elem, &c) == 1;
}
