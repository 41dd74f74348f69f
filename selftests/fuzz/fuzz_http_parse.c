// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the HTTP parser, user/proxy/http_*.c (built with
 * -fsanitize=fuzzer,address,undefined by `make fuzz`).
 *
 * The first input byte picks limits and a split point; the rest is fed to
 * the request parser whole and again in two pieces, which must agree (the
 * parser is resumable at every byte). On success the head's offsets must lie
 * inside it, no field value may hold CR, LF or NUL, a request may never
 * carry both framings nor a lower-case method, no length may exceed 2^63-1,
 * and an absolute-form authority lies inside the target, without '@'. The bytes after the head go to the chunked decoder
 * (whole, then one byte at a time, which must agree) when the request is
 * chunked. The same input is also parsed as a response.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_parse.h"

static struct http_parser whole, split;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_head(const struct http_head *h, const char *buf, size_t len)
{
	int i;

	CHECK(h->head_len <= len);
	CHECK(h->head_len >= 4 && !memcmp(buf + h->head_len - 4, "\r\n\r\n", 4));
	CHECK(h->nhdr <= HTTP_MAX_HEADERS);
	for (i = 0; i < h->nhdr; i++) {
		const struct http_header *f = &h->hdr[i];

		CHECK(f->name_len > 0);
		CHECK(f->name + f->name_len <= h->head_len);
		CHECK(f->value + f->value_len <= h->head_len);
		CHECK(!memchr(buf + f->value, '\r', f->value_len));
		CHECK(!memchr(buf + f->value, '\n', f->value_len));
		CHECK(!memchr(buf + f->value, '\0', f->value_len));
		CHECK(!memchr(buf + f->name, ':', f->name_len));
	}
}

/* Every Content-Length field of a parsed head, read again with checked
 * arithmetic: each list element is the number the parser took. */
static void check_lengths(const struct http_head *h, const char *buf)
{
	int i;

	for (i = 0; i < h->nhdr; i++) {
		const char *v = buf + h->hdr[i].value;
		size_t n = h->hdr[i].value_len, k = 0;

		if (h->hdr[i].id != HDR_CONTENT_LENGTH)
			continue;
		while (k < n) {
			uint64_t x = 0;
			bool digits = false;

			while (k < n && (v[k] == ' ' || v[k] == '\t' || v[k] == ','))
				k++;
			while (k < n && v[k] >= '0' && v[k] <= '9') {
				CHECK(!__builtin_mul_overflow(x, 10, &x));
				CHECK(!__builtin_add_overflow(x, (uint64_t)(v[k] - '0'), &x));
				digits = true;
				k++;
			}
			if (digits)
				CHECK(x == h->content_length);
			while (k < n && v[k] != ',')
				k++;
		}
	}
}

static int dechunk(const char *p, size_t len, size_t step, uint64_t *data, size_t *end)
{
	struct http_chunked d;
	size_t off = 0, used, doff, dlen, avail;
	int r = HTTP_CHUNK_MORE;

	http_chunked_init(&d);
	*data = 0;
	while (off < len) {
		avail = len - off < step ? len - off : step;
		r = http_chunked_step(&d, p + off, avail, &used, &doff, &dlen);
		if (r == HTTP_CHUNK_ERROR)
			break;
		CHECK(used <= avail && doff + dlen <= used);
		*data += dlen;
		off += used;
		if (r == HTTP_CHUNK_DONE)
			break;
	}
	*end = off;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim;
	const char *buf;
	size_t len, cut;
	int r1, r2, kind;

	if (size < 1)
		return 0;
	lim.max_head = data[0] & 0x80 ? 256 : 65535;
	lim.max_target = data[0] & 0x40 ? 32 : 8192;
	buf = (const char *)data + 1;
	len = size - 1;
	cut = len ? (data[0] & 0x3f) % (len + 1) : 0;

	for (kind = HTTP_REQUEST; kind <= HTTP_RESPONSE; kind++) {
		http_parser_init(&whole, kind, &lim);
		r1 = http_parse_head(&whole, buf, len);
		http_parser_init(&split, kind, &lim);
		r2 = http_parse_head(&split, buf, cut);
		/* a result before the cut must be the same with more input */
		if (r2 != HTTP_PARSE_MORE) {
			CHECK(r2 == r1);
			continue;
		}
		r2 = http_parse_head(&split, buf, len);
		CHECK(r1 == r2);
		if (kind == HTTP_RESPONSE)
			CHECK(r1 == HTTP_PARSE_MORE || r1 == HTTP_PARSE_DONE || r1 == -502);
		if (r1 != HTTP_PARSE_DONE)
			continue;
		CHECK(whole.h.head_len == split.h.head_len && whole.h.nhdr == split.h.nhdr);
		CHECK(!memcmp(whole.h.hdr, split.h.hdr, whole.h.nhdr * sizeof(whole.h.hdr[0])));
		check_head(&whole.h, buf, len);
		/* no length past 2^63-1: nothing wrapped on the way */
		CHECK(!whole.h.has_length || whole.h.content_length <= HTTP_MAX_LENGTH);
		check_lengths(&whole.h, buf);
		if (kind == HTTP_RESPONSE)
			CHECK(!whole.h.te_other || whole.h.chunked);
		if (kind == HTTP_REQUEST) {
			const struct http_head *h = &whole.h;
			uint32_t i;

			for (i = 0; i < h->method_len; i++)
				CHECK(buf[h->method_off + i] < 'a' || buf[h->method_off + i] > 'z');
			if (h->authority_len) {
				CHECK(h->authority_off > h->target_off);
				CHECK(h->authority_off + h->authority_len == h->path_off);
				CHECK(h->path_off <= h->target_off + h->target_len);
				CHECK(!memchr(buf + h->authority_off, '@', h->authority_len));
				CHECK(!memchr(buf + h->authority_off, '/', h->authority_len));
			}
		}
		if (kind == HTTP_REQUEST) {
			CHECK(!(whole.h.chunked && whole.h.has_length));
			CHECK(whole.h.target_len <= lim.max_target);
			CHECK(whole.h.version == 10 || whole.h.has_host);
			if (whole.h.chunked) {
				uint64_t d1, d2;
				size_t e1, e2;
				int c1, c2;

				c1 = dechunk(buf + whole.h.head_len, len - whole.h.head_len, len,
					     &d1, &e1);
				c2 = dechunk(buf + whole.h.head_len, len - whole.h.head_len, 1, &d2,
					     &e2);
				CHECK(c1 == c2);
				if (c1 != HTTP_CHUNK_ERROR)
					CHECK(d1 == d2 && e1 == e2);
			}
		}
	}
	return 0;
}
