// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The heads as the other side gets them: the request as the upstream gets
 * it, the response as the client gets it; and the responses made here.
 */
#include <stdio.h>
#include <string.h>
#include "proxy_int.h"

static bool named_in_connection(const struct http_head *h, const char *base,
				const struct http_header *f)
{
	char name[128];
	int i;

	if (!(h->conn & HTTP_CONN_OTHER) || f->name_len >= sizeof(name))
		return false;
	memcpy(name, base + f->name, f->name_len);
	name[f->name_len] = '\0';
	for (i = 0; i < h->nhdr; i++)
		if (h->hdr[i].id == HDR_CONNECTION &&
		    http_list_has(base + h->hdr[i].value, h->hdr[i].value_len, name))
			return true;
	return false;
}

/* Fields that stay on their hop, and the length, which is restated. */
static bool hop_field(enum http_hdr_id id)
{
	switch (id) {
	case HDR_CONNECTION:
	case HDR_KEEP_ALIVE:
	case HDR_PROXY_CONNECTION:
	case HDR_TE:
	case HDR_UPGRADE:
	case HDR_PROXY_AUTHENTICATE:
	case HDR_CONTENT_LENGTH:
		return true;
	default:
		return false;
	}
}

static bool put_field(struct buf *b, const char *base, const struct http_header *f)
{
	return buf_put(b, base + f->name, f->name_len) && buf_put(b, ": ", 2) &&
	       buf_put(b, base + f->value, f->value_len) && buf_put(b, "\r\n", 2);
}

/* ---------------------------------------------------------------- request */

/* The request target in origin form: an absolute-form target's path, with
 * Host made to agree with its authority (RFC 9112 3.2.2). */
static bool put_target(struct buf *b, const struct http_head *h, const char *base)
{
	uint32_t end = h->target_off + h->target_len;

	if (!h->authority_len)
		return buf_put(b, base + h->target_off, h->target_len);
	if ((h->path_off == end || base[h->path_off] == '?') && !buf_put(b, "/", 1))
		return false;
	return buf_put(b, base + h->path_off, end - h->path_off);
}

/* How the body goes: with the length of what was held whole (a chunked one
 * de-chunked), or as it streams: the client's length, or chunks re-made. */
static bool put_framing(struct client *c, struct buf *b)
{
	const struct http_head *h = &c->p->h;

	if (c->reqf.done)
		return !(h->has_length || h->chunked) ||
		       buf_putf(b, "Content-Length: %u\r\n", c->in.ready - c->in.start);
	if (h->chunked) {
		c->rf.on = true;
		return buf_puts(b, "Transfer-Encoding: chunked\r\n");
	}
	return buf_putf(b, "Content-Length: %llu\r\n", (unsigned long long)h->content_length);
}

/* A field name with '_': CGI and WSGI backends read X_Real_IP as X-Real-IP,
 * so such fields are dropped unless --underscores-in-headers (nginx's
 * underscores_in_headers). */
static bool underscored(const struct client *c, const char *base, const struct http_header *f)
{
	return !c->ev.w->cfg->underscores_in_headers && memchr(base + f->name, '_', f->name_len);
}

/* The client's fields that go on: hop-by-hop ones and those we set are
 * dropped, every X-Forwarded-For line is folded into one (*xff: there was
 * one, still open for ours); *host: the Host field, if any. */
static bool put_request_fields(struct client *c, struct buf *b, const struct http_header **host,
			       bool *xff)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->in.p;
	int i;

	for (i = 0; i < h->nhdr; i++) {
		const struct http_header *f = &h->hdr[i];

		if (hop_field(f->id))
			continue;
		switch (f->id) {
		case HDR_PROXY_AUTHORIZATION:
		case HDR_TRANSFER_ENCODING:
		case HDR_EXPECT: /* answered here: 100 Continue once connected */
		case HDR_X_REAL_IP:
		case HDR_X_FORWARDED_PROTO:
		case HDR_FORWARDED:
			continue;
		case HDR_X_FORWARDED_FOR:
			if (!*xff && !buf_puts(b, "X-Forwarded-For: "))
				return false;
			if ((*xff && !buf_put(b, ", ", 2)) ||
			    !buf_put(b, base + f->value, f->value_len))
				return false;
			*xff = true;
			continue;
		case HDR_HOST:
			*host = f;
			if (h->authority_len)
				continue; /* the target's authority is the host */
			break;
		default:
			if (named_in_connection(h, base, f) || underscored(c, base, f))
				continue;
			break;
		}
		if (!put_field(b, base, f))
			return false;
	}
	return true;
}

/* X-Forwarded-For (ours last), X-Real-IP, X-Forwarded-Proto, Forwarded
 * (RFC 7239) and Host. */
static bool put_forwarding(struct client *c, struct buf *b, const struct http_header *host,
			   bool xff)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->in.p;
	const char *proto = c->sk.tls ? "https" : "http";
	const char *host_val;
	uint32_t host_len;

	host_val = h->authority_len ? base + h->authority_off : host ? base + host->value : NULL;
	host_len = h->authority_len ? h->authority_len : host ? host->value_len : 0;
	if (xff ? !buf_putf(b, ", %s\r\n", c->peer_ip)
		: !buf_putf(b, "X-Forwarded-For: %s\r\n", c->peer_ip))
		return false;
	if (!buf_putf(b, "X-Real-IP: %s\r\nX-Forwarded-Proto: %s\r\nForwarded: for=%s;proto=%s",
		      c->peer_ip, proto, c->peer_ip, proto))
		return false;
	if (host_len && host_len < 256 && !buf_putf(b, ";host=\"%.*s\"", host_len, host_val))
		return false;
	if (!buf_putf(b, ";by=\"%s\"\r\n", c->ls->name))
		return false;
	if (h->authority_len)
		return buf_putf(b, "Host: %.*s\r\n", host_len, host_val);
	return host || buf_putf(b, "Host: %s\r\n", c->ls->name);
}

/* The request as the upstream gets it: HTTP/1.1, hop-by-hop fields gone,
 * framing restated, forwarding fields added. */
bool build_request_head(struct client *c)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->in.p;
	struct buf *b = &c->head;
	const struct http_header *host = NULL;
	bool xff = false;

	b->start = b->ready = b->end = 0;
	if (!buf_put(b, base + h->method_off, h->method_len) || !buf_put(b, " ", 1) ||
	    !put_target(b, h, base) || !buf_puts(b, " HTTP/1.1\r\n"))
		return false;
	return put_request_fields(c, b, &host, &xff) && put_forwarding(c, b, host, xff) &&
	       put_framing(c, b) && buf_put(b, "\r\n", 2);
}

/* ---------------------------------------------------------------- response */

static bool put_status_line(struct buf *b, const struct http_head *h, const char *base)
{
	if (h->reason_len)
		return buf_putf(b, "HTTP/1.1 %03u %.*s\r\n", h->status, (int)h->reason_len,
				base + h->reason_off);
	return buf_putf(b, "HTTP/1.1 %03u %s\r\n", h->status, http_reason(h->status));
}

/* The upstream's fields that go on: not hop-by-hop, not framing (restated
 * after), but "gzip, chunked" as it is to a 1.1 client. */
static bool put_response_fields(struct client *c, struct buf *b, enum http_body mode)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->resp.p;
	int i;

	for (i = 0; i < h->nhdr; i++) {
		const struct http_header *f = &h->hdr[i];

		if (hop_field(f->id))
			continue;
		switch (f->id) {
		case HDR_TRANSFER_ENCODING:
			if (mode == HTTP_BODY_CHUNKED && h->te_other && c->version == 11)
				break;
			continue;
		default:
			if (named_in_connection(h, base, f))
				continue;
		}
		if (!put_field(b, base, f))
			return false;
	}
	return true;
}

bool build_response_head(struct client *c)
{
	const struct http_head *h = &c->p->h;
	struct buf *b = &c->out;
	enum http_body mode = http_response_body(h, c->method);
	bool dechunk = false;

	if (!put_status_line(b, h, c->resp.p) || !put_response_fields(c, b, mode))
		return false;
	/* a length also for HEAD and 304: it describes the representation */
	if (h->has_length &&
	    !buf_putf(b, "Content-Length: %llu\r\n", (unsigned long long)h->content_length))
		return false;
	if (mode == HTTP_BODY_CHUNKED) {
		/* no chunked in HTTP/1.0: strip it, end by close; a 1.0 client
		 * cannot be told about another coding */
		if (c->version == 10 && h->te_other)
			return false;
		if (c->version == 10)
			dechunk = c->close_after = true;
		else if (!h->te_other && !buf_puts(b, "Transfer-Encoding: chunked\r\n"))
			return false;
	}
	c->up->keep = mode != HTTP_BODY_CLOSE && http_keep_alive(h);
	if (mode == HTTP_BODY_CLOSE || c->ev.w->draining ||
	    (!req_complete(c) && !exchange_body_rest_goes_on(c)))
		c->close_after = true;
	if (c->close_after     ? !buf_puts(b, "Connection: close\r\n")
	    : c->version == 10 ? !buf_puts(b, "Connection: keep-alive\r\n")
			       : false)
		return false;
	if (!buf_put(b, "\r\n", 2))
		return false;
	framer_init(&c->respf, mode, h->content_length, dechunk);
	return true;
}

/* ---------------------------------------------------------------- local replies */

void reply(struct client *c, int status, bool close)
{
	struct worker *w = c->ev.w;
	char body[64];
	int n;

	up_release(c, false);
	if (c->resp_head_done || !xmem_alloc(c)) {
		/* a response is half sent: nothing to do but cut it short */
		abort_exchange(c, status);
		return;
	}
	if (!c->reqf.done || w->draining)
		close = true;
	c->close_after |= close;
	n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	if (!buf_putf(&c->out,
		      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s",
		      status, http_reason(status), n,
		      c->close_after	 ? "Connection: close\r\n"
		      : c->version == 10 ? "Connection: keep-alive\r\n"
					 : "",
		      body)) {
		client_close(c);
		return;
	}
	c->status = status;
	c->state = CL_REPLY;
	client_arm(c, w->cfg->read_timeout);
}

bool reply_step(struct client *c)
{
	struct iovec iov = {c->out.p + c->out.start, c->out.end - c->out.start};
	enum io_result r;
	size_t n;

	if (c->out.start == c->out.end) {
		exchange_finish(c, false);
		return true;
	}
	if (!c->sk.wr)
		return false;
	r = client_write(c, &iov, 1, &n);
	if (r == IO_MOVED) {
		c->out.start += n;
		c->bytes += n;
	} else if (r == IO_FAILED) {
		abort_exchange(c, 0);
	}
	return r != IO_BLOCKED;
}
