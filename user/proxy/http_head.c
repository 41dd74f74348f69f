// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP/1.x head parser: the start line (request or status line) and the
 * field lines, one byte at a time through an explicit state machine, so
 * parsing resumes exactly where the last read ended. RFC 9110 (semantics)
 * and RFC 9112 (HTTP/1.1) are the grammar; where they let a recipient be
 * lenient, this code is not (a proxy that guesses differently from the
 * server behind it is how requests get smuggled).
 */
#include <string.h>
#include <strings.h>
#include "http_parse_int.h"

enum {
	/* start line */
	S_START,
	S_START_LF, /* an empty line before the request line */
	S_METHOD,
	S_TARGET_START,
	S_TARGET,
	S_VERSION,  /* request: after the target's SP, until CR */
	S_RVERSION, /* response: until SP */
	S_STATUS,
	S_STATUS_END,
	S_REASON,
	S_LINE_LF,
	/* field lines */
	S_FIELD_START,
	S_NAME,
	S_OWS,
	S_VALUE,
	S_FIELD_LF,
	S_END_LF,
	S_DONE,
};

void http_parser_init(struct http_parser *p, enum http_kind kind, const struct http_limits *lim)
{
	memset(p, 0, offsetof(struct http_parser, h));
	/* hdr[] is written before it is read: only the fixed part is cleared */
	memset(&p->h, 0, offsetof(struct http_head, hdr));
	memset(&p->h.has_length, 0, sizeof(p->h) - offsetof(struct http_head, has_length));
	p->kind = kind;
	p->state = S_START;
	p->lim = *lim;
	/* field offsets and lengths are 16 bits: no head may be longer */
	if (!p->lim.max_head || p->lim.max_head > 65535)
		p->lim.max_head = 65535;
	if (!p->lim.max_target || p->lim.max_target > p->lim.max_head)
		p->lim.max_target = p->lim.max_head;
}

static const struct {
	const char *name;
	enum http_method m;
} methods[] = {
	{"GET", HTTP_M_GET},	 {"HEAD", HTTP_M_HEAD},	      {"POST", HTTP_M_POST},
	{"PUT", HTTP_M_PUT},	 {"DELETE", HTTP_M_DELETE},   {"OPTIONS", HTTP_M_OPTIONS},
	{"TRACE", HTTP_M_TRACE}, {"CONNECT", HTTP_M_CONNECT}, {"PATCH", HTTP_M_PATCH},
};

static enum http_method method_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i].name) == len && !memcmp(s, methods[i].name, len))
			return methods[i].m;
	return HTTP_M_OTHER;
}

/* "http://host[:port][/path][?query]": the authority is a host (no
 * userinfo: RFC 9110 4.2.4 deprecates it, and "a@b" names two hosts to two
 * readers); the proxy sends the path in origin form with Host set to the
 * authority (RFC 9112 3.2.2). */
static int absolute_form(struct http_head *h, const char *buf, uint32_t scheme_len)
{
	uint32_t i = h->target_off + scheme_len, end = h->target_off + h->target_len;

	h->authority_off = i;
	while (i < end && buf[i] != '/' && buf[i] != '?') {
		if (!is((uint8_t)buf[i], C_HOST))
			return -400;
		i++;
	}
	if (i == h->authority_off)
		return -400;
	h->authority_len = i - h->authority_off;
	h->path_off = i;
	return 0;
}

static int line_done(struct http_parser *p, const char *buf)
{
	struct http_head *h = &p->h;
	const char *t = buf + h->target_off;
	uint32_t i;

	if (p->kind == HTTP_RESPONSE)
		return 0;
	/* Methods are case-sensitive tokens: "get" is not GET. A backend that
	 * folds case would read "head" as HEAD while the proxy expects a body
	 * after its response, so lower-case letters are refused, as nginx does. */
	for (i = 0; i < h->method_len; i++)
		if (buf[h->method_off + i] >= 'a' && buf[h->method_off + i] <= 'z')
			return -400;
	h->method = method_id(buf + h->method_off, h->method_len);
	if (h->method == HTTP_M_CONNECT)
		return -501; /* no tunnels through this proxy */
	if (t[0] == '/')
		return 0; /* origin-form */
	if (h->target_len == 1 && t[0] == '*' && h->method == HTTP_M_OPTIONS)
		return 0; /* asterisk-form */
	if (h->target_len > 7 && !strncasecmp(t, "http://", 7))
		return absolute_form(h, buf, 7);
	if (h->target_len > 8 && !strncasecmp(t, "https://", 8))
		return absolute_form(h, buf, 8);
	return -400;
}

/* "HTTP/d.d": 1.0 and 1.x; another major version is 505. */
static int version_done(struct http_parser *p, const char *v, size_t len)
{
	if (len != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return p->kind == HTTP_REQUEST ? -400 : -502;
	if (v[5] != '1')
		return p->kind == HTTP_REQUEST ? -505 : -502;
	p->h.version = v[7] == '0' ? 10 : 11;
	return 0;
}

static int head_done(struct http_parser *p)
{
	struct http_head *h = &p->h;

	if (p->kind == HTTP_RESPONSE)
		/* a coding without chunked last: the end would be the close */
		return (h->has_length && h->chunked) || (h->te_other && !h->chunked) ? -502 : 0;
	/* both framings: the classic smuggling vector (RFC 9112 6.1) */
	if (h->has_length && h->chunked)
		return -400;
	if (h->version == 11 && !h->has_host)
		return -400;
	return 0;
}

int http_parse_head(struct http_parser *p, const char *buf, size_t len)
{
	struct http_head *h = &p->h;
	bool req = p->kind == HTTP_REQUEST;
	int bad = req ? -400 : -502;
	int err;

	if (p->state == S_DONE)
		return HTTP_PARSE_DONE;
	while (p->pos < len) {
		uint8_t c = buf[p->pos];
		struct http_header *f = &h->hdr[h->nhdr];

		if (p->pos >= p->lim.max_head) {
			/* a long target is 414, whatever else is long */
			if (p->state == S_TARGET && req)
				return -414;
			return req ? -431 : -502;
		}
		switch (p->state) {
		case S_START:
			if (c == '\r' && req) {
				p->state = S_START_LF;
				break;
			}
			if (req ? !is(c, C_TCHAR) : c != 'H')
				return bad;
			p->mark = p->pos;
			p->state = req ? S_METHOD : S_RVERSION;
			break;
		case S_START_LF:
			if (c != '\n')
				return -400;
			p->state = S_START;
			break;
		case S_METHOD:
			if (c == ' ') {
				h->method_off = p->mark;
				h->method_len = p->pos - p->mark;
				p->state = S_TARGET_START;
				break;
			}
			if (!is(c, C_TCHAR) || p->pos - p->mark >= HTTP_MAX_METHOD)
				return -400;
			break;
		case S_TARGET_START:
			if (!is(c, C_TARGET))
				return -400;
			p->mark = p->pos;
			p->state = S_TARGET;
			break;
		case S_TARGET:
			if (c == ' ') {
				h->target_off = p->mark;
				h->target_len = p->pos - p->mark;
				p->mark = p->pos + 1;
				p->state = S_VERSION;
				break;
			}
			if (!is(c, C_TARGET))
				return -400;
			if (p->pos - p->mark >= p->lim.max_target)
				return -414;
			break;
		case S_VERSION:
			if (c == '\r') {
				err = version_done(p, buf + p->mark, p->pos - p->mark);
				if (err)
					return err;
				err = line_done(p, buf);
				if (err)
					return err;
				p->state = S_LINE_LF;
				break;
			}
			if (p->pos - p->mark >= 8)
				return -400;
			break;
		case S_RVERSION:
			if (c == ' ') {
				err = version_done(p, buf + p->mark, p->pos - p->mark);
				if (err)
					return err;
				p->mark = p->pos + 1;
				p->state = S_STATUS;
				break;
			}
			if (p->pos - p->mark >= 8)
				return -502;
			break;
		case S_STATUS:
			if (c < '0' || c > '9')
				return -502;
			h->status = h->status * 10 + (c - '0');
			if (p->pos - p->mark == 2) {
				if (h->status < 100)
					return -502;
				p->state = S_STATUS_END;
			}
			break;
		case S_STATUS_END:
			/* "HTTP/1.1 200\r\n": the SP before an empty reason is often left out */
			if (c == '\r') {
				p->state = S_LINE_LF;
				break;
			}
			if (c != ' ')
				return -502;
			h->reason_off = p->pos + 1;
			p->state = S_REASON;
			break;
		case S_REASON:
			if (c == '\r') {
				h->reason_len = p->pos - h->reason_off;
				p->state = S_LINE_LF;
				break;
			}
			if (!is(c, C_VCHAR) && c != ' ' && c != '\t')
				return -502;
			break;
		case S_LINE_LF:
			if (c != '\n')
				return bad;
			p->state = S_FIELD_START;
			break;
		case S_FIELD_START:
			if (c == '\r') {
				p->state = S_END_LF;
				break;
			}
			/* SP or HTAB here is obs-fold (RFC 9112 5.2): refused */
			if (!is(c, C_TCHAR))
				return bad;
			if (h->nhdr >= HTTP_MAX_HEADERS)
				return req ? -431 : -502;
			p->mark = p->pos;
			p->state = S_NAME;
			break;
		case S_NAME:
			if (c == ':') {
				f->name = p->mark;
				f->name_len = p->pos - p->mark;
				p->state = S_OWS;
				break;
			}
			/* whitespace before the colon is a 400 (RFC 9112 5.1) */
			if (!is(c, C_TCHAR))
				return bad;
			break;
		case S_OWS:
			if (c == ' ' || c == '\t')
				break;
			f->value = p->pos;
			if (c == '\r') {
				p->value_end = p->pos;
				p->state = S_FIELD_LF;
				break;
			}
			if (!is(c, C_VCHAR))
				return bad;
			p->value_end = p->pos + 1;
			p->state = S_VALUE;
			break;
		case S_VALUE:
			if (is(c, C_VCHAR)) {
				p->value_end = p->pos + 1;
				break;
			}
			if (c == ' ' || c == '\t')
				break;
			if (c == '\r') {
				p->state = S_FIELD_LF;
				break;
			}
			return bad; /* NUL, bare LF, other controls */
		case S_FIELD_LF:
			if (c != '\n')
				return bad;
			f->value_len = p->value_end - f->value;
			err = http_field_done(p, buf, f);
			if (err)
				return err;
			h->nhdr++;
			p->state = S_FIELD_START;
			break;
		case S_END_LF:
			if (c != '\n')
				return bad;
			p->pos++;
			h->head_len = p->pos;
			err = head_done(p);
			if (err)
				return err;
			p->state = S_DONE;
			return HTTP_PARSE_DONE;
		}
		p->pos++;
	}
	if (p->pos >= p->lim.max_head)
		return req ? (p->state == S_TARGET ? -414 : -431) : -502;
	return HTTP_PARSE_MORE;
}
