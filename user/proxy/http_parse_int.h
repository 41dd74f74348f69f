/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the files of the HTTP parser share, and nothing else includes:
 * http_chars.c (character classes), http_field.c (what a field line means,
 * comma-separated lists), http_head.c (the start line and the head's
 * state machine), http_chunked.c (the chunked body) and http_message.c (body
 * framing and keep-alive from a parsed head).
 */
#ifndef XDPGW_HTTP_PARSE_INT_H
#define XDPGW_HTTP_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "http_parse.h"

/* Character classes (RFC 9110 5.6.2 tchar, 5.5 field-vchar, RFC 3986 for the
 * target and Host), filled once before main by http_chars.c. */
#define C_TCHAR	 0x01
#define C_VCHAR	 0x02 /* VCHAR and obs-text: may appear in a field value */
#define C_TARGET 0x04 /* visible ASCII: may appear in a request-target */
#define C_HOST	 0x08
#define C_HEX	 0x10

extern uint8_t http_char_class[256];

static inline bool is(uint8_t c, uint8_t mask)
{
	return http_char_class[c] & mask;
}

static inline int hexval(uint8_t c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* s[0, len) equals the literal lit, ignoring case. */
static inline bool http_eq_ci(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !strncasecmp(s, lit, len);
}

/* The meaning of a complete field line f of the head in p: sets f->id and
 * the head's framing, Host and Connection facts; an error is -status. */
int http_field_done(struct http_parser *p, const char *buf, struct http_header *f);

#endif
