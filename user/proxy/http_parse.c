// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTTP/1.x head parser and chunked decoder: one byte at a time through an
 * explicit state machine, so parsing resumes exactly where the last read
 * ended. RFC 9110 (semantics) and RFC 9112 (HTTP/1.1) are the grammar; where
 * they let a recipient be lenient, this code is not (a proxy that guesses
 * differently from the server behind it is how requests get smuggled).
 */
#include <string.h>
#include <strings.h>
#include "http_parse.h"

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

/* Character classes (RFC 9110 5.6.2 tchar, 5.5 field-vchar, RFC 3986 for the
 * target and Host). */
#define C_TCHAR	 0x01
#define C_VCHAR	 0x02 /* VCHAR and obs-text: may appear in a field value */
#define C_TARGET 0x04 /* visible ASCII: may appear in a request-target */
#define C_HOST	 0x08
#define C_HEX	 0x10

static uint8_t cls[256];

/* Filled once before main (and before any worker thread exists). */
__attribute__((constructor)) static void init_classes(void)
{
	static const char tspecial[] = "!#$%&'*+-.^_`|~";
	static const char hostc[] = "-._~!$&'()*+,;=:%[]";
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

static inline bool is(uint8_t c, uint8_t mask)
{
	return cls[c] & mask;
}

static inline int hexval(uint8_t c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

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

static bool eq_ci(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !strncasecmp(s, lit, len);
}

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
		if (eq_ci(name, len, known_fields[i].name))
			return known_fields[i].id;
	return HDR_OTHER;
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
	return eq_ci(e, len, ((struct has_ctx *)ctx)->token);
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
		return eq_ci(e, len, "chunked") || !t->req ? -400 : -501;
	if (eq_ci(e, len, "chunked"))
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
	if (eq_ci(e, len, "close"))
		h->conn |= HTTP_CONN_CLOSE;
	else if (eq_ci(e, len, "keep-alive"))
		h->conn |= HTTP_CONN_KEEP_ALIVE;
	else
		h->conn |= HTTP_CONN_OTHER;
	return 0;
}

/* The meaning of a complete field line; an error is -status. */
static int field_done(struct http_parser *p, const char *buf, struct http_header *f)
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
		if (!eq_ci(v, f->value_len, "100-continue"))
			return -417;
		h->expect_continue = true;
		break;
	default:
		break;
	}
	return err < 0 ? (req ? err : -502) : 0;
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
			err = field_done(p, buf, f);
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

enum http_body http_request_body(const struct http_head *req)
{
	if (req->chunked)
		return HTTP_BODY_CHUNKED;
	if (req->has_length && req->content_length)
		return HTTP_BODY_LENGTH;
	return HTTP_BODY_NONE;
}

enum http_body http_response_body(const struct http_head *resp, enum http_method req_method)
{
	if (req_method == HTTP_M_HEAD || resp->status < 200 || resp->status == 204 ||
	    resp->status == 304)
		return HTTP_BODY_NONE;
	if (resp->chunked)
		return HTTP_BODY_CHUNKED;
	if (resp->has_length)
		return resp->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	return HTTP_BODY_CLOSE;
}

bool http_method_idempotent(enum http_method m)
{
	switch (m) {
	case HTTP_M_GET:
	case HTTP_M_HEAD:
	case HTTP_M_PUT:
	case HTTP_M_DELETE:
	case HTTP_M_OPTIONS:
	case HTTP_M_TRACE:
		return true;
	default:
		return false;
	}
}

bool http_keep_alive(const struct http_head *h)
{
	if (h->conn & HTTP_CONN_CLOSE)
		return false;
	return h->version == 11 || (h->conn & HTTP_CONN_KEEP_ALIVE);
}

const char *http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* ------------------------------------------------------------ chunked */

enum {
	C_SIZE,
	C_SIZE_MORE,
	C_SIZE_WS, /* BWS before a chunk extension */
	C_EXT,
	C_SIZE_LF,
	C_DATA,
	C_DATA_CR,
	C_DATA_LF,
	C_TRAILER_START,
	C_TRAILER_NAME,
	C_TRAILER_VALUE,
	C_TRAILER_LF,
	C_END_LF,
	C_DONE,
};

void http_chunked_init(struct http_chunked *d)
{
	memset(d, 0, sizeof(*d));
	d->state = C_SIZE;
}

int http_chunked_step(struct http_chunked *d, const char *buf, size_t len, size_t *used,
		      size_t *data_off, size_t *data_len)
{
	size_t i = 0, run;

	*data_off = 0;
	*data_len = 0;
	while (i < len) {
		uint8_t c = buf[i];

		if (d->state == C_DATA) {
			run = len - i < d->left ? len - i : d->left;
			*data_off = i;
			*data_len = run;
			d->left -= run;
			if (!d->left)
				d->state = C_DATA_CR;
			*used = i + run;
			return HTTP_CHUNK_MORE;
		}
		if (d->state <= C_SIZE_LF && ++d->line > HTTP_CHUNK_MAX_LINE)
			return HTTP_CHUNK_ERROR;
		if (d->state >= C_TRAILER_START && d->state <= C_END_LF &&
		    ++d->trailer > HTTP_CHUNK_MAX_TRAILER)
			return HTTP_CHUNK_ERROR;
		switch (d->state) {
		case C_SIZE:
			if (!is(c, C_HEX))
				return HTTP_CHUNK_ERROR;
			d->left = hexval(c);
			d->state = C_SIZE_MORE;
			break;
		case C_SIZE_MORE:
			if (is(c, C_HEX)) {
				/* refused before the shift could drop bits; leading
				 * zeros are fine (the size line's length is bounded) */
				if (d->left > (HTTP_MAX_LENGTH - hexval(c)) >> 4)
					return HTTP_CHUNK_ERROR;
				d->left = d->left << 4 | hexval(c);
			} else if (c == ';') {
				d->state = C_EXT;
			} else if (c == ' ' || c == '\t') {
				d->state = C_SIZE_WS;
			} else if (c == '\r') {
				d->state = C_SIZE_LF;
			} else {
				return HTTP_CHUNK_ERROR;
			}
			break;
		case C_SIZE_WS:
			if (c == ';')
				d->state = C_EXT;
			else if (c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_EXT:
			if (c == '\r')
				d->state = C_SIZE_LF;
			else if (!is(c, C_VCHAR) && c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_SIZE_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->line = 0;
			d->state = d->left ? C_DATA : C_TRAILER_START;
			break;
		case C_DATA_CR:
			if (c != '\r')
				return HTTP_CHUNK_ERROR;
			d->state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_SIZE;
			break;
		case C_TRAILER_START:
			if (c == '\r')
				d->state = C_END_LF;
			else if (is(c, C_TCHAR))
				d->state = C_TRAILER_NAME;
			else
				return HTTP_CHUNK_ERROR; /* obs-fold, bare LF */
			break;
		case C_TRAILER_NAME:
			if (c == ':')
				d->state = C_TRAILER_VALUE;
			else if (!is(c, C_TCHAR))
				return HTTP_CHUNK_ERROR;
			break;
		case C_TRAILER_VALUE:
			if (c == '\r')
				d->state = C_TRAILER_LF;
			else if (!is(c, C_VCHAR) && c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_TRAILER_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_TRAILER_START;
			break;
		case C_END_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_DONE;
			*used = i + 1;
			return HTTP_CHUNK_DONE;
		case C_DONE:
			*used = 0;
			return HTTP_CHUNK_DONE;
		}
		i++;
	}
	*used = i;
	return d->state == C_DONE ? HTTP_CHUNK_DONE : HTTP_CHUNK_MORE;
}
