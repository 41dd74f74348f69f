// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A client connection: its buffers, the steps of its states (the exchange's
 * are in exchange.c, a local reply's in rewrite.c), its timer, its end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "proxy_int.h"

#define PUMP_BUDGET 64	 /* steps before a busy client yields to the others */
#define LINGER_MS   2000 /* after the last response: discard input this long */

/* ---------------------------------------------------------------- I/O */

/* A TLS error is routine (a scanner, an old client): said in debug only. */
static enum io_result client_said(struct client *c, enum io_result r)
{
	if (r == IO_FAILED && c->sk.tls && c->sk.err == EPROTO)
		pr_debug("client %s:%u: TLS: %s\n", c->peer_ip, c->peer_port,
			 tls_conn_error(c->sk.tls));
	return r;
}

enum io_result client_read(struct client *c, struct buf *b)
{
	return client_said(c, sock_read_buf(&c->sk, b));
}

enum io_result client_write(struct client *c, const struct iovec *iov, int cnt, size_t *n)
{
	return client_said(c, sock_write(&c->sk, iov, cnt, n));
}

/* ---------------------------------------------------------------- buffers */

/* in's buffer, with the parser after it (one allocation), for a request's
 * first bytes. */
static bool in_alloc(struct client *c)
{
	const struct proxy_cfg *cfg = c->ev.w->cfg;
	struct http_limits lim = {cfg->max_header, cfg->max_uri};
	uint32_t cap = cfg->max_header > cfg->buffer_size ? cfg->max_header : cfg->buffer_size;
	char *mem;

	cap = (cap + 15) & ~15u; /* the parser after it stays aligned */
	mem = blk_take(&c->ev.w->in_cache, cap + sizeof(struct http_parser));
	if (!mem)
		return false;
	c->in = (struct buf){.p = mem, .cap = cap};
	c->p = (struct http_parser *)(mem + cap);
	http_parser_init(c->p, HTTP_REQUEST, &lim);
	return true;
}

/* Give back in's buffer (and the parser at its end). */
void in_free(struct client *c)
{
	blk_give(&c->ev.w->in_cache, c->in.p, c->in.cap + sizeof(struct http_parser));
	c->in = (struct buf){0};
	c->p = NULL;
}

void xmem_free(struct client *c)
{
	blk_give(&c->ev.w->xmem_cache, c->xmem,
		 sizeof(struct xlog) + c->head.cap + c->resp.cap + c->out.cap);
	c->xmem = NULL;
	c->log = NULL;
	memset(&c->head, 0, sizeof(c->head));
	memset(&c->resp, 0, sizeof(c->resp));
	memset(&c->out, 0, sizeof(c->out));
}

bool xmem_alloc(struct client *c)
{
	const struct proxy_cfg *cfg = c->ev.w->cfg;
	uint32_t hcap = cfg->max_header + 1024, rcap = cfg->buffer_size,
		 ocap = cfg->buffer_size + 1024;
	char *p;

	if (c->xmem)
		return true;
	c->xmem = blk_take(&c->ev.w->xmem_cache, sizeof(struct xlog) + hcap + rcap + ocap);
	if (!c->xmem)
		return false;
	c->log = (struct xlog *)c->xmem;
	memset(c->log, 0, sizeof(*c->log));
	p = c->xmem + sizeof(struct xlog);
	c->head = (struct buf){.p = p, .cap = hcap};
	c->resp = (struct buf){.p = p + hcap, .cap = rcap};
	c->out = (struct buf){.p = p + hcap + rcap, .cap = ocap};
	return true;
}

/* ---------------------------------------------------------------- life */

void client_arm(struct client *c, uint32_t ms)
{
	struct worker *w = c->ev.w;

	tw_add(&w->tw, &c->tmr, w->now + ms);
}

static void again(struct client *c)
{
	struct worker *w = c->ev.w;

	if (c->in_again)
		return;
	c->in_again = true;
	c->again_next = w->again;
	w->again = c;
}

void client_close(struct client *c)
{
	struct worker *w = c->ev.w;

	if (c->state == CL_DEAD)
		return;
	up_release(c, false);
	if (c->failed_be) {
		be_put(c->failed_be);
		c->failed_be = NULL;
	}
	tw_del(&c->tmr);
	if (c->sk.tls) {
		/* close_notify, if the session is up and the socket takes it */
		if (c->state != CL_LINGER)
			tls_shutdown(c->sk.tls);
		tls_conn_free(c->sk.tls);
		c->sk.tls = NULL;
	}
	close(c->sk.fd);
	c->state = CL_DEAD;
	if (c->rejected)
		w->nrejecting--;
	else
		atomic_fetch_sub(&proxy_conns, 1);
	w->nclients--;
	*c->all_pprev = c->all_next;
	if (c->all_next)
		c->all_next->all_pprev = c->all_pprev;
	c->dead_next = w->dead_clients;
	w->dead_clients = c;
}

/* All sent: shut our side and read until the client closes, so that data it
 * sent meanwhile does not turn our close into a reset that could destroy
 * the response in flight (lingering close, RFC 9112 9.6). */
void client_linger(struct client *c)
{
	up_release(c, false);
	c->state = CL_LINGER;
	c->notify_due = c->sk.tls != NULL;
	if (!c->notify_due)
		shutdown(c->sk.fd, SHUT_WR);
	client_arm(c, LINGER_MS);
}

/* ---------------------------------------------------------------- steps */

/* TLS: one step of the handshake, inside the loop like any I/O; the
 * handshake timer bounds a client that stops in the middle. */
static bool handshake_step(struct client *c)
{
	switch (tls_handshake(c->sk.tls)) {
	case TLS_IO_MOVED:
		/* the request may be inside OpenSSL already: read at once */
		c->state = CL_IDLE;
		client_arm(c, c->ev.w->cfg->header_timeout);
		return true;
	case TLS_IO_WANT_READ:
		c->sk.rd = false;
		return false;
	case TLS_IO_WANT_WRITE:
		c->sk.wr = false;
		return false;
	case TLS_IO_FAILED:
		/* garbage, an old version, a scanner: routine, not a warning */
		pr_debug("client %s:%u: TLS handshake: %s\n", c->peer_ip, c->peer_port,
			 tls_conn_error(c->sk.tls));
		client_close(c);
		return true;
	default:
		client_close(c);
		return true;
	}
}

/* Idle: read into the worker's scratch first, so that a connection holds a
 * buffer only while it has bytes. */
static enum io_result idle_read(struct client *c)
{
	struct worker *w = c->ev.w;
	size_t n;
	enum io_result r = client_said(c, sock_read(&c->sk, w->scratch, sizeof(w->scratch), &n));

	if (r != IO_MOVED)
		return r;
	if (!in_alloc(c))
		return IO_FAILED;
	memcpy(c->in.p, w->scratch, n);
	c->in.end = n;
	return IO_MOVED;
}

/* Reading a request head (or waiting for one). */
static bool head_step(struct client *c)
{
	enum io_result r;
	int ret;

	if (!c->in.p) {
		if (!c->sk.rd)
			return false;
		r = idle_read(c);
		if (r == IO_BLOCKED)
			return false;
		if (r == IO_FAILED) {
			client_close(c);
			return true;
		}
	}
	if (c->in.end) {
		if (c->state == CL_IDLE) {
			c->state = CL_HEAD;
			c->t_start_us = mono_us();
			client_arm(c, c->ev.w->cfg->header_timeout);
		}
		ret = http_parse_head(c->p, c->in.p, c->in.end);
		if (ret < 0) {
			pr_debug("client %s: request refused with %d\n", c->peer_ip, -ret);
			reply(c, -ret, true);
			return true;
		}
		if (ret == HTTP_PARSE_DONE) {
			exchange_start(c);
			return true;
		}
	}
	if (!c->sk.rd || c->in.end == c->in.cap)
		return false;
	r = client_read(c, &c->in);
	if (r == IO_FAILED) /* closed (or reset) between requests or inside a head */
		client_close(c);
	return r != IO_BLOCKED;
}

static bool linger_step(struct client *c)
{
	enum io_result r;

	if (c->notify_due && c->sk.wr) {
		/* TLS: close_notify before our FIN (CLOSED: nothing to send) */
		if (tls_shutdown(c->sk.tls) == TLS_IO_WANT_WRITE) {
			c->sk.wr = false;
		} else {
			c->notify_due = false;
			shutdown(c->sk.fd, SHUT_WR);
		}
	}
	/* the client's bytes are discarded as they are, TLS or not */
	if (!c->sk.rd)
		return false;
	r = sock_discard(&c->sk, c->ev.w->scratch, sizeof(c->ev.w->scratch));
	if (r == IO_FAILED)
		client_close(c);
	return r != IO_BLOCKED;
}

static bool client_step(struct client *c)
{
	switch (c->state) {
	case CL_HANDSHAKE:
		return handshake_step(c);
	case CL_IDLE:
	case CL_HEAD:
		return head_step(c);
	case CL_BODY:
		return exchange_body_step(c);
	case CL_PROXY:
		return exchange_step(c);
	case CL_REPLY:
		return reply_step(c);
	case CL_LINGER:
		return linger_step(c);
	default:
		return false;
	}
}

void client_pump(struct client *c)
{
	int budget = PUMP_BUDGET;
	bool moved = true;

	while (moved && budget-- && c->state != CL_DEAD)
		moved = client_step(c);
	if (moved && c->state != CL_DEAD)
		again(c);
}

static void client_event(struct evsrc *ev, uint32_t events)
{
	struct client *c = container_of(ev, struct client, ev);

	if (c->state == CL_DEAD)
		return;
	sock_events(&c->sk, events);
	client_pump(c);
}

static void client_timer(struct ptimer *t)
{
	struct client *c = container_of(t, struct client, tmr);

	switch (c->state) {
	case CL_HANDSHAKE:
		/* nothing can be said to a client without a session */
		pr_debug("client %s:%u: TLS handshake timed out\n", c->peer_ip, c->peer_port);
		client_close(c);
		return;
	case CL_HEAD:
		/* slowloris: the head did not come in time */
		pr_debug("client %s:%u: request head timed out\n", c->peer_ip, c->peer_port);
		reply(c, 408, true);
		break;
	case CL_BODY:
		pr_debug("client %s:%u: request body stalled\n", c->peer_ip, c->peer_port);
		reply(c, 408, true);
		break;
	case CL_PROXY:
		exchange_timeout(c);
		break;
	default: /* idle, lingering, replying */
		client_close(c);
		return;
	}
	client_pump(c);
}

struct client *client_new(struct worker *w, const struct listener *ls, int fd,
			  const struct sockaddr_in *sa)
{
	struct client *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->ev = (struct evsrc){client_event, w};
	c->sk = (struct sock){.fd = fd, .rd = true, .wr = true};
	c->ls = ls;
	c->tmr.fn = client_timer;
	inet_ntop(AF_INET, &sa->sin_addr, c->peer_ip, sizeof(c->peer_ip));
	c->peer_port = ntohs(sa->sin_port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ls->tls && !(c->sk.tls = tls_conn_new(w->tls, fd))) {
		free(c);
		return NULL;
	}
	if (sock_watch(w, &c->sk, &c->ev)) {
		tls_conn_free(c->sk.tls);
		free(c);
		return NULL;
	}
	c->all_next = w->all;
	if (w->all)
		w->all->all_pprev = &c->all_next;
	w->all = c;
	c->all_pprev = &w->all;
	w->nclients++;
	exchange_reset(c);
	if (c->sk.tls)
		c->state = CL_HANDSHAKE;
	return c;
}
