// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One exchange: a request held or streamed to a backend chosen for it, the
 * response relayed back, retries, timeouts, the access log. A step of an
 * exchange runs its phases in order: request out, request body in,
 * response in, response head, response out; then it may be over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "proxy_int.h"
#include "proxy_stats.h"

#define MAX_STALE_RETRIES 4 /* pooled connections found closed, per request */

/* ---------------------------------------------------------------- log */

/* The client's SNI for the log: printable, no spaces, at most 64 bytes. */
static void log_sni(const struct client *c, char *buf, size_t len)
{
	const char *sni = tls_conn_sni(c->sk.tls);
	size_t i;

	for (i = 0; sni[i] && i < len - 1 && i < 64; i++)
		buf[i] = sni[i] > 0x20 && sni[i] < 0x7f ? sni[i] : '?';
	buf[i] = '\0';
	if (!i)
		snprintf(buf, len, "-");
}

static const char *log_said(const char *s)
{
	return s[0] ? s : "-";
}

void access_log(struct client *c)
{
	char line[700], tls[100] = "", sni[72];
	int n;

	proxy_stats_request(&proxy_stats, c->status, mono_us() - c->t_start_us);
	if (!c->ev.w->cfg->access_log)
		return;
	if (c->sk.tls) {
		log_sni(c, sni, sizeof(sni));
		snprintf(tls, sizeof(tls), " tls=%s sni=%s", tls_conn_version(c->sk.tls), sni);
	}
	n = snprintf(line, sizeof(line),
		     "client=%s:%u method=%s path=%s status=%u bytes=%llu upstream=%s ms=%.3f%s\n",
		     c->peer_ip, c->peer_port, log_said(c->log ? c->log->method : ""),
		     log_said(c->log ? c->log->path : ""), c->status, (unsigned long long)c->bytes,
		     log_said(c->log ? c->log->up : ""), (mono_us() - c->t_start_us) / 1000.0, tls);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	/* one write per line: lines of several workers never interleave */
	if (n > 0 && write(STDOUT_FILENO, line, n) < 0)
		return;
}

void abort_exchange(struct client *c, uint16_t status)
{
	c->status = c->status ? c->status : status;
	access_log(c);
	client_close(c);
}

/* ---------------------------------------------------------------- begin, end */

void exchange_reset(struct client *c)
{
	struct worker *w = c->ev.w;
	struct http_limits lim = {w->cfg->max_header, w->cfg->max_uri};

	xmem_free(c);
	if (c->failed_be) {
		be_put(c->failed_be);
		c->failed_be = NULL;
	}
	/* everything before ready was sent; the next request (pipelined,
	 * maybe) moves to offset 0, where the parser wants it */
	if (c->in.ready) {
		memmove(c->in.p, c->in.p + c->in.ready, c->in.end - c->in.ready);
		c->in.end -= c->in.ready;
	}
	c->in.ready = c->in.start = 0;
	if (c->in.end) {
		http_parser_init(c->p, HTTP_REQUEST, &lim);
	} else {
		/* idle: the buffer and the parser go back until bytes come */
		in_free(c);
	}
	c->keepalive = c->expect = c->close_after = false;
	c->resp_started = c->resp_head_done = c->body_sent = c->sent_continue = false;
	c->attempts = c->stale_retries = 0;
	c->status = 0;
	c->bytes = 0;
	memset(&c->reqf, 0, sizeof(c->reqf));
	memset(&c->respf, 0, sizeof(c->respf));
	memset(&c->rf, 0, sizeof(c->rf));
	c->state = CL_IDLE;
	c->t_start_us = mono_us();
}

bool req_complete(const struct client *c)
{
	return c->reqf.done && c->in.start == c->in.ready && c->head.start == c->head.end &&
	       reframe_done(&c->rf);
}

void exchange_finish(struct client *c, bool reuse_upstream)
{
	struct worker *w = c->ev.w;
	bool complete = req_complete(c);

	access_log(c);
	up_release(c, reuse_upstream && complete);
	if (c->close_after || !complete || w->draining) {
		/* Nothing unread, here or (as far as events tell) in the
		 * socket: a plain close cannot turn into a reset that destroys
		 * the response (nginx lingers only then too). Else linger. */
		if (complete && c->in.end == c->in.ready && !c->sk.rd) {
			client_close(c);
			return;
		}
		xmem_free(c);
		client_linger(c);
		return;
	}
	exchange_reset(c);
	client_arm(c, c->in.end ? w->cfg->header_timeout : w->cfg->idle_timeout);
}

static void dispatch(struct client *c);

/* The request head (and what is known of its body) is in: on to a backend. */
static void send_request(struct client *c)
{
	if (!build_request_head(c)) {
		reply(c, 431, true);
		return;
	}
	c->state = CL_PROXY;
	dispatch(c);
}

static void copy_for_log(char *dst, size_t size, const char *src, uint32_t len)
{
	uint32_t n = len < size - 1 ? len : size - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void exchange_start(struct client *c)
{
	const struct http_head *h = &c->p->h;

	c->method = h->method;
	c->version = h->version;
	c->keepalive = http_keep_alive(h);
	c->expect = h->expect_continue;
	c->close_after = !c->keepalive;
	/* a chunked body is de-chunked where it lies: only its data stays */
	framer_init(&c->reqf, http_request_body(h), h->content_length, h->chunked);
	if (!xmem_alloc(c)) {
		reply(c, 503, true);
		return;
	}
	copy_for_log(c->log->method, sizeof(c->log->method), c->in.p + h->method_off,
		     h->method_len);
	copy_for_log(c->log->path, sizeof(c->log->path), c->in.p + h->target_off, h->target_len);
	c->in.start = c->in.ready = h->head_len;
	if (!c->reqf.done) {
		c->state = CL_BODY;
		client_arm(c, c->ev.w->cfg->read_timeout);
		return;
	}
	send_request(c);
}

/*
 * A request body is held until it is whole or fills the buffer, before any
 * backend is chosen: a body that fits is checked to its end first (and sent
 * with a Content-Length), so a malformed, over-long, stalled or abandoned
 * one never reaches a backend. A larger one streams on (with the proxy's
 * own chunks if it came chunked); a fault later cuts the upstream
 * connection before the body's end, so the backend cannot take it as whole.
 */
bool exchange_body_step(struct client *c)
{
	bool progress = false;
	enum io_result r;
	size_t n;

	if (framer_advance(&c->reqf, &c->in)) {
		pr_debug("client %s: bad chunked request body\n", c->peer_ip);
		reply(c, 400, true);
		return true;
	}
	if (c->reqf.done || c->in.end == c->in.cap) {
		send_request(c);
		return true;
	}
	if (c->expect && !c->sent_continue) {
		/* we take Expect off the request: the client hears it from us */
		c->sent_continue = true;
		if (!buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n")) {
			client_close(c);
			return true;
		}
	}
	if (c->out.start < c->out.end && c->sk.wr) {
		struct iovec iov = {c->out.p + c->out.start, c->out.end - c->out.start};

		if (client_write(c, &iov, 1, &n) == IO_MOVED) {
			c->out.start += n;
			progress = true;
		}
	}
	if (!c->sk.rd)
		return progress;
	r = client_read(c, &c->in);
	if (r == IO_MOVED) {
		client_arm(c, c->ev.w->cfg->read_timeout);
		return true;
	}
	if (r == IO_BLOCKED)
		return progress;
	/* the client left in the middle of its body: no backend heard of it */
	c->status = 499;
	abort_exchange(c, 0);
	return true;
}

/* ---------------------------------------------------------------- upstream choice */

static bool retry_allowed(const struct client *c)
{
	return !c->resp_started && !c->body_sent && http_method_idempotent(c->method);
}

/* be failed this request: the retry goes elsewhere. */
static void avoid(struct client *c, struct backend *be)
{
	c->attempts++;
	if (c->failed_be)
		be_put(c->failed_be);
	c->failed_be = be;
	be_get(be);
}

/* A pooled connection or a new one to the backend for this request; NULL
 * after replying 502. */
static struct upstream *choose_upstream(struct client *c)
{
	struct worker *w = c->ev.w;
	struct upstream *u;
	struct backend *be;
	int err;

	for (;;) {
		be = balance_pick(&w->bal, w->now, c->failed_be);
		if (!be) {
			pr_debug("no usable backend for %s %s\n", c->log->method, c->log->path);
			reply(c, 502, false);
			return NULL;
		}
		u = pool_get(be);
		if (!u)
			u = up_connect(w, be, &err);
		if (u)
			return u;
		be_trouble(w, be, true, "connect: %s", strerror(err));
		if (c->attempts >= 1 || !retry_allowed(c)) {
			reply(c, 502, false);
			return NULL;
		}
		avoid(c, be);
	}
}

/* Send the request to a backend. */
static void dispatch(struct client *c)
{
	struct worker *w = c->ev.w;
	struct http_limits lim = {c->resp.cap, c->resp.cap};
	struct upstream *u = choose_upstream(c);

	if (!u)
		return;
	c->up = u;
	u->c = c;
	backend_busy(u->be, w->now, w->cfg->pool_timeout);
	snprintf(c->log->up, sizeof(c->log->up), "%s", u->be->name);
	c->head.start = 0;
	/* nothing of the body went (else no retry): its framing starts again */
	c->rf = (struct reframer){.on = c->rf.on};
	c->resp.start = c->resp.ready = c->resp.end = 0;
	http_parser_init(c->p, HTTP_RESPONSE, &lim);
	client_arm(c, u->state == UP_CONNECTING ? w->cfg->connect_timeout : w->cfg->read_timeout);
}

/* The upstream connection failed before a response came (refused, reset,
 * closed). Once more elsewhere if that is safe, else 502. */
void exchange_upstream_failed(struct client *c, int err)
{
	struct worker *w = c->ev.w;
	struct upstream *u = c->up;
	struct backend *be = u->be;
	/* a pooled connection the server had closed: not the backend's fault */
	bool stale = u->reused && !c->resp_started;

	if (stale)
		pr_debug("backend %s: pooled connection closed: %s\n", be->name,
			 err ? strerror(err) : "EOF");
	else
		be_trouble(w, be, true, "%s", err ? strerror(err) : "closed before a response");
	up_release(c, false);
	if (retry_allowed(c)) {
		if (stale && c->stale_retries < MAX_STALE_RETRIES) {
			c->stale_retries++;
			dispatch(c);
			return;
		}
		if (!stale && c->attempts < 1) {
			avoid(c, be);
			dispatch(c);
			return;
		}
	}
	reply(c, 502, false);
}

void exchange_timeout(struct client *c)
{
	struct worker *w = c->ev.w;
	struct backend *be = c->up ? c->up->be : NULL;

	if (c->up && c->up->state == UP_CONNECTING) {
		be_trouble(w, be, true, "connect timed out");
		reply(c, 504, false);
	} else if (!c->resp_started && c->head.start == c->head.end && !c->reqf.done &&
		   c->in.start == c->in.ready) {
		reply(c, 408, true); /* the client stopped sending its body */
	} else if (!c->resp_started) {
		/* a slow answer to what a health check would ask (GET or HEAD,
		 * no body) counts; a slow upload or report does not */
		bool counted = c->reqf.mode == HTTP_BODY_NONE &&
			       (c->method == HTTP_M_GET || c->method == HTTP_M_HEAD);

		if (be)
			be_trouble(w, be, counted, "no response in %u ms", w->cfg->read_timeout);
		else
			pr_warn("backend %s: no response in %u ms\n", c->log->up,
				w->cfg->read_timeout);
		reply(c, 504, false);
	} else {
		abort_exchange(c, 0);
	}
}

/* ---------------------------------------------------------------- relay */

/* What a phase of an exchange step did; OVER: the exchange ended or took
 * another course (a reply, a retry), and the step ends there. */
enum phase { PH_STILL, PH_MOVED, PH_OVER };

static bool response_sent(const struct client *c);

/* Request head and body to the upstream, in one call while both wait. */
static enum phase request_out(struct client *c)
{
	struct upstream *u = c->up;
	struct iovec iov[3];
	size_t n, hl = c->head.end - c->head.start;
	int cnt = 0;

	if (!c->reqf.done && framer_advance(&c->reqf, &c->in)) {
		pr_debug("client %s: bad chunked request body\n", c->peer_ip);
		reply(c, 400, true);
		return PH_OVER;
	}
	if (!u->sk.wr || req_complete(c))
		return PH_STILL;
	if (hl)
		iov[cnt++] = (struct iovec){c->head.p + c->head.start, hl};
	cnt += reframe_iov(&c->rf, &c->in, c->reqf.done, iov + cnt);
	if (!cnt)
		return PH_STILL;
	switch (sock_write(&u->sk, iov, cnt, &n)) {
	case IO_MOVED:
		if (n > hl) {
			reframe_sent(&c->rf, &c->in, n - hl);
			c->body_sent = true;
		}
		c->head.start += n < hl ? n : hl;
		return PH_MOVED;
	case IO_BLOCKED:
		return PH_STILL;
	default:
		if (response_sent(c)) {
			/* the rest of a body after an early response */
			exchange_finish(c, false);
			return PH_OVER;
		}
		exchange_upstream_failed(c, u->sk.err);
		return PH_OVER;
	}
}

/* More of a streamed request body from the client. */
static enum phase request_in(struct client *c)
{
	if (c->reqf.done)
		return PH_STILL;
	buf_compact(&c->in);
	if (c->in.end == c->in.cap || !c->sk.rd)
		return PH_STILL;
	switch (client_read(c, &c->in)) {
	case IO_MOVED:
		return PH_MOVED;
	case IO_BLOCKED:
		return PH_STILL;
	default:
		/* the client left in the middle of its body (if it was
		 * answered already, its status stays) */
		abort_exchange(c, 499);
		return PH_OVER;
	}
}

/* The upstream closed or failed while its response was due. */
static enum phase response_ended(struct client *c, int err)
{
	struct upstream *u = c->up;

	if (!c->resp_started) {
		exchange_upstream_failed(c, err);
		return PH_OVER;
	}
	if (c->resp_head_done && c->respf.mode == HTTP_BODY_CLOSE) {
		c->respf.done = true;
		u->keep = false;
		return PH_MOVED;
	}
	/* not counted: the client may have caused it */
	be_trouble(c->ev.w, u->be, false, "response cut short: %s", err ? strerror(err) : "EOF");
	if (!c->resp_head_done)
		reply(c, 502, false);
	else
		abort_exchange(c, 0);
	return PH_OVER;
}

/* Response bytes from the upstream. */
static enum phase response_in(struct client *c)
{
	struct upstream *u = c->up;

	if (c->respf.done || c->resp.end == c->resp.cap || !u->sk.rd)
		return PH_STILL;
	switch (sock_read_buf(&u->sk, &c->resp)) {
	case IO_MOVED:
		c->resp_started = true;
		return PH_MOVED;
	case IO_BLOCKED:
		return PH_STILL;
	default:
		return response_ended(c, u->sk.err);
	}
}

/* The response head is parsed: an interim one is dropped, a final one
 * rewritten into out. */
static enum phase response_head_done(struct client *c)
{
	struct http_limits lim = {c->resp.cap, c->resp.cap};
	uint32_t mark = c->out.end;

	be_answered(c->up->be);
	if (c->p->h.status < 200) {
		/* interim: 100 Continue is ours to send; others dropped */
		if (c->p->h.status == 101) {
			reply(c, 502, false);
			return PH_OVER;
		}
		c->resp.start = c->resp.ready = c->p->h.head_len;
		buf_compact(&c->resp);
		http_parser_init(c->p, HTTP_RESPONSE, &lim);
		return PH_OVER;
	}
	c->status = c->p->h.status;
	if (!build_response_head(c)) {
		/* none of it goes: the 502 comes alone */
		c->out.end = c->out.ready = mark;
		reply(c, 502, false);
		return PH_OVER;
	}
	c->resp_head_done = true;
	c->resp.start = c->resp.ready = c->p->h.head_len;
	return PH_MOVED;
}

/* Parse the response head as it comes, then check its body's framing. */
static enum phase response_head(struct client *c)
{
	enum phase ph = PH_STILL;

	if (!c->resp_head_done && c->resp.end) {
		int r = http_parse_head(c->p, c->resp.p, c->resp.end);

		if (r < 0) {
			/* not counted as a failure (nginx's invalid_header is
			 * not in proxy_next_upstream by default): any client
			 * could ask for such a response */
			be_trouble(c->ev.w, c->up->be, false, "malformed response head");
			reply(c, 502, false);
			return PH_OVER;
		}
		if (r == HTTP_PARSE_DONE && (ph = response_head_done(c)) == PH_OVER)
			return ph;
	}
	if (c->resp_head_done && framer_advance(&c->respf, &c->resp)) {
		be_trouble(c->ev.w, c->up->be, false, "bad chunked response body");
		abort_exchange(c, 0);
		return PH_OVER;
	}
	return ph;
}

/* To the client: what we made, then the checked response bytes. */
static enum phase response_out(struct client *c)
{
	enum phase ph = PH_STILL;

	if (c->sk.wr && (c->out.start < c->out.end || c->resp.start < c->resp.ready)) {
		struct iovec iov[2] = {
			{c->out.p + c->out.start, c->out.end - c->out.start},
			{c->resp.p + c->resp.start, c->resp.ready - c->resp.start},
		};
		size_t n, a;

		/* TLS: after a would-block the same first bytes come again, at
		 * least as many (OpenSSL sealed them): nothing is put in front
		 * of unsent bytes, and both buffers only grow at their end */
		switch (client_write(c, iov, 2, &n)) {
		case IO_MOVED:
			a = n < iov[0].iov_len ? n : iov[0].iov_len;
			c->out.start += a;
			c->resp.start += n - a;
			if (c->resp_head_done)
				c->bytes += n;
			ph = PH_MOVED;
			break;
		case IO_BLOCKED:
			break;
		default:
			abort_exchange(c, 499);
			return PH_OVER;
		}
	}
	if (c->out.start == c->out.end)
		c->out.start = c->out.end = c->out.ready = 0;
	if (c->resp_head_done)
		buf_compact(&c->resp);
	return ph;
}

static bool response_sent(const struct client *c)
{
	return c->resp_head_done && c->respf.done && c->out.start == c->out.end &&
	       c->resp.start == c->resp.ready;
}

/*
 * The backend answered before the request body was all sent (a 413, a 401):
 * the rest of a body of known length, up to EARLY_BODY_MAX, is relayed all
 * the same when the upstream stays open, so that both connections stay
 * usable (the backend drops it, as nginx does). A longer or chunked rest,
 * or an upstream that closes: both connections end, as they would.
 */
#define EARLY_BODY_MAX (1u << 20)

bool exchange_body_rest_goes_on(const struct client *c)
{
	return c->up->keep && !c->up->sk.rdhup && c->reqf.mode == HTTP_BODY_LENGTH &&
	       c->reqf.left + (c->in.end - c->in.start) <= EARLY_BODY_MAX;
}

bool exchange_step(struct client *c)
{
	static enum phase (*const phases[])(struct client *c) = {
		request_out, request_in, response_in, response_head, response_out,
	};
	bool progress = false;
	unsigned int i;

	if (!c->up || c->up->state == UP_CONNECTING)
		return false;
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		enum phase ph = phases[i](c);

		if (ph == PH_OVER)
			return true;
		progress |= ph == PH_MOVED;
	}
	if (response_sent(c)) {
		/* bytes after the response: the upstream is confused; never reuse */
		if (c->resp.end != c->resp.ready)
			c->up->keep = false;
		if (!req_complete(c) && exchange_body_rest_goes_on(c)) {
			/* an early response: the rest of the body still goes */
			if (progress)
				client_arm(c, c->ev.w->cfg->read_timeout);
			return progress;
		}
		exchange_finish(c, true);
		return true;
	}
	if (progress)
		client_arm(c, c->ev.w->cfg->read_timeout);
	return progress;
}
