// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a field line of an HTTP/1.x head means to the proxy: which known
 * field it is, and the framing (Content-Length, Transfer-Encoding), Host,
 * Connection and Expect facts it sets. Whatever two readers could take
 * differently is refused (RFC 9112 6.1, 6.3).
 */
#include "http_parse_int.h"

static const struct {
	const char *name;
	enum http_hdr_id id;
} known_fields[] = {
	{"content-length", HDR_CONTENT_LENGTH},
	{"transfer-encoding", HDR_TRANSFER_ENCODING},
	{"host", HDR_HOST},
	{"connection", HDR_CONNECTION},
	{"keep-alive", HDR_KEEP_ALIVE},
	{"proxy-connection", HDR_PROXY_CONNECTION},
	{"te", HDR_TE},
	{"trailer", HDR_TRAILER},
	{"upgrade", HDR_UPGRADE},
	{"proxy-authorization", HDR_PROXY_AUTHORIZATION},
	{"proxy-authenticate", HDR_PROXY_AUTHENTICATE},
	{"expect", HDR_EXPECT},
	{"x-forwarded-for", HDR_X_FORWARDED_FOR},
	{"x-real-ip", HDR_X_REAL_IP},
	{"x-forwarded-proto", HDR_X_FORWARDED_PROTO},
	{"forwarded", HDR_FORWARDED},
};

static enum http_hdr_id field_id(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(known_fields) / sizeof(known_fields[0]); i++)
		if (http_eq_ci(name, len, known_fields[i].name))
			return known_fields[i].id;
	return HDR_OTHER;
}

/*
 * Walk a comma-separated list (RFC 9110 5.6.1): calls fn for each element
 * with its whitespace cut. Empty elements are skipped, as the RFC says a
 * recipient must. Returns fn's first non-zero result, else 0.
 */
typedef int (*list_fn)(const char *e, size_t len, void *ctx);

static int list_walk(const char *v, size_t len, list_fn fn, void *ctx)
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

static bool all_tchar(const char *s, size_t len)
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

	return list_walk(val, len, has_elem, &c) == 1;
}

/* Content-Length = 1*DIGIT; a list of identical values counts as one
 * (RFC 9112 6.3 item 5), a differing one is an error. Leading zeros are
 * digits like any; a value over HTTP_MAX_LENGTH is refused before v * 10
 * could wrap (2^64 + 5 must not read as 5). */
static int length_elem(const char *e, size_t len, void *ctx)
{
	struct http_head *h = ctx;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int d = e[i] - '0';

		if (e[i] < '0' || e[i] > '9')
			return -400;
		if (v > (HTTP_MAX_LENGTH - d) / 10)
			return -400;
		v = v * 10 + d;
	}
	if (h->has_length && h->content_length != v)
		return -400;
	h->has_length = true;
	h->content_length = v;
	return 0;
}

struct te_ctx {
	struct http_head *h;
	bool req;
};

/* A request may only be "chunked", once: any other coding is refused (501),
 * so the body's end is never a matter of interpretation. A response may
 * have codings before chunked ("gzip, chunked"), which the proxy passes on;
 * chunked must come last, once (RFC 9112 6.1). */
static int te_elem(const char *e, size_t len, void *ctx)
{
	struct te_ctx *t = ctx;

	if (!all_tchar(e, len))
		return -400; /* parameters or junk */
	if (t->h->chunked)
		return http_eq_ci(e, len, "chunked") || !t->req ? -400 : -501;
	if (http_eq_ci(e, len, "chunked"))
		t->h->chunked = true;
	else if (t->req)
		return -501;
	else
		t->h->te_other = true;
	return 0;
}

static int conn_elem(const char *e, size_t len, void *ctx)
{
	struct http_head *h = ctx;

	if (!all_tchar(e, len))
		return -400;
	if (http_eq_ci(e, len, "close"))
		h->conn |= HTTP_CONN_CLOSE;
	else if (http_eq_ci(e, len, "keep-alive"))
		h->conn |= HTTP_CONN_KEEP_ALIVE;
	else
		h->conn |= HTTP_CONN_OTHER;
	return 0;
}

/* The meaning of a complete field line; an error is -status. */
int http_field_done(struct http_parser *p, const char *buf, struct http_header *f)
{
	struct http_head *h = &p->h;
	const char *v = buf + f->value;
	bool req = p->kind == HTTP_REQUEST;
	int bad = req ? -400 : -502;
	int err = 0;
	size_t i;

	f->id = field_id(buf + f->name, f->name_len);
	switch (f->id) {
	case HDR_CONTENT_LENGTH:
		if (!f->value_len)
			return bad;
		err = list_walk(v, f->value_len, length_elem, h);
		if (!err && !h->has_length)
			err = -400; /* only commas */
		break;
	case HDR_TRANSFER_ENCODING: {
		struct te_ctx t = {h, req};

		/* HTTP/1.0 has no transfer codings: such a request is faulty */
		if (req && h->version == 10)
			return -400;
		if (!f->value_len)
			return bad;
		/* a second field line carrying chunked again is caught in te_elem */
		err = list_walk(v, f->value_len, te_elem, &t);
		if (!err && !h->chunked && !h->te_other)
			err = -400; /* only commas */
		break;
	}
	case HDR_HOST:
		if (!req)
			break;
		if (h->has_host)
			return -400;
		h->has_host = true;
		for (i = 0; i < f->value_len; i++)
			if (!is((uint8_t)v[i], C_HOST))
				return -400;
		break;
	case HDR_CONNECTION:
		err = list_walk(v, f->value_len, conn_elem, h);
		break;
	case HDR_EXPECT:
		if (!req || h->version == 10)
			break; /* a 1.0 server ignores it (RFC 9110 10.1.1) */
		if (!http_eq_ci(v, f->value_len, "100-continue"))
			return -417;
		h->expect_continue = true;
		break;
	default:
		break;
	}
	return err < 0 ? (req ? err : -502) : 0;
}
