// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The proxy's event loops. Each worker thread has its own epoll instance,
 * its own listening socket on the shared port (SO_REUSEPORT), its own
 * backends (balancer state, keep-alive pools, health) and its own timer
 * wheel; workers share nothing but the connection count and the
 * configuration, which the caller's thread replaces (proxy_reload). Signals
 * are the caller's: the workers block them all.
 *
 * Sockets are edge-triggered and registered once: a connection keeps "may
 * read" and "may write" flags, set by events and cleared by EAGAIN, and one
 * pump function per client moves whatever can move. Nothing is read that
 * there is no room for, so a slow side stops the other (back-pressure)
 * through the kernel's socket buffers and TCP windows.
 *
 * Buffers: a client has `in` (its bytes; the request head is parsed there,
 * at offset 0) and, during an exchange, `head` (the rewritten request head,
 * kept for a retry), `resp` (the upstream's bytes) and `out` (the rewritten
 * response head, or a response made here). Body bytes are forwarded from
 * `in` and `resp` where they were read, after the framer has checked them:
 * [start, ready) is checked and to be sent, [ready, end) not yet looked at.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "http_parse.h"
#include "log.h"
#include "proxy.h"
#include "proxy_stats.h"
#include "proxy_body.h"
#include "proxy_mem.h"
#include "tls.h"

#define MAX_EVENTS	  256
#define PUMP_BUDGET	  64 /* steps before a busy client yields to the others */
#define ACCEPT_BATCH	  64
#define LINGER_MS	  2000 /* after the last response: discard input this long */
#define ACCEPT_PAUSE_MS	  100  /* out of file descriptors: retry accept after */
#define MAX_REJECTING	  256  /* clients over max-conns being told 503, per worker */
#define MAX_STALE_RETRIES 4    /* pooled connections found closed, per request */

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

enum ev_type {
	EV_LISTEN,
	EV_CONTROL,
	EV_CLIENT,
	EV_UPSTREAM,
	EV_PROBE,
};

struct evsrc {
	uint8_t type;
	struct worker *w;
};

enum client_state {
	CL_HANDSHAKE, /* TLS: before the handshake's end */
	CL_IDLE,   /* before a request's first byte (new or kept alive) */
	CL_HEAD,   /* reading a request head */
	CL_BODY,   /* holding a request body that may fit the buffer, before any backend */
	CL_PROXY,  /* exchanging with an upstream */
	CL_REPLY,  /* sending a response made here */
	CL_LINGER, /* done, write side shut: discarding input until EOF */
	CL_DEAD,
};

enum up_state {
	UP_CONNECTING,
	UP_BUSY, /* carrying a client's exchange */
	UP_IDLE, /* in its backend's keep-alive pool */
	UP_DEAD,
};

struct upstream {
	struct evsrc ev;
	enum up_state state;
	bool rd, wr;
	bool rdhup;  /* the backend's FIN or an error was reported */
	bool reused; /* taken from the pool */
	bool keep;   /* the response allows reuse */
	int fd;
	struct backend *be;
	struct client *c;
	struct upstream *pool_next, **pool_pprev;
	struct ptimer tmr; /* idle in the pool */
	struct upstream *dead_next;
	uint64_t t_connect_us; /* when connect() was called */
};

struct client {
	struct evsrc ev;
	enum client_state state;
	bool rd, wr;
	bool rdhup; /* the client's FIN or an error was reported */
	bool rejected; /* over max-conns: gets a 503, not counted */
	bool in_again;
	bool notify_due; /* lingering: close_notify still to send */
	int fd;
	struct tls_conn *tls; /* NULL on a plain listener */
	const struct listener *ls;
	char peer_ip[INET_ADDRSTRLEN];
	uint16_t peer_port;
	struct ptimer tmr;
	struct client *again_next, *dead_next;
	struct client *all_next, **all_pprev;

	struct buf in;
	char *xmem; /* head, resp and out of an exchange, one allocation */
	struct buf head, resp, out;
	/* the request's head, then the response's: it lives at the end of
	 * in's buffer, and both exist only while the connection is not idle */
	struct http_parser *p;

	/* the exchange */
	uint8_t method, version;
	bool keepalive, expect, close_after;
	bool resp_started;   /* a byte came from the upstream */
	bool resp_head_done; /* ... and its head went into out */
	bool body_sent;	     /* a request body byte went to an upstream */
	bool sent_continue;
	uint8_t attempts, stale_retries;
	struct framer reqf, respf;
	struct reframer rf; /* a chunked request body streamed on */
	struct upstream *up;
	struct backend *failed_be;
	uint64_t t_start_us;
	uint16_t status;
	uint64_t bytes;
	char log_method[HTTP_MAX_METHOD + 1];
	char log_path[256];
	char log_up[24];
};

/* Configuration shared by the workers, freed by whoever drops it last. */
struct shared_cfg {
	atomic_int refs;
	struct proxy_cfg c;
};

struct probe {
	struct evsrc ev;
	struct backend *be;
	int fd;
	bool sent;
	uint32_t len;
	char buf[256];
	struct ptimer tmr;
	struct probe *dead_next;
};

/* One of a worker's listening sockets. */
struct listener {
	struct evsrc ev;
	int fd;
	bool tls;
	char name[24]; /* "A.B.C.D:PORT" */
};

struct worker {
	int id;
	pthread_t th;
	int epfd, ctlfd, exitfd;
	struct listener ls[PROXY_MAX_LISTENS];
	unsigned int nls;
	struct tls_server *tls; /* the group's, for TLS listeners */
	struct evsrc cev;
	struct shared_cfg *sc;
	const struct proxy_cfg *cfg;
	_Atomic(struct shared_cfg *) pending;
	atomic_bool stop;
	bool failed; /* stopped on its own */
	struct balancer bal;
	struct timer_wheel tw;
	uint64_t now; /* ms, CLOCK_MONOTONIC, once per loop turn */
	struct client *again, *dead_clients, *all;
	struct upstream *dead_ups;
	struct probe *dead_probes;
	unsigned int nclients, nrejecting;
	bool draining;
	uint64_t drain_deadline;
	bool accept_paused;
	struct ptimer accept_tmr, health_tmr, trim_tmr;
	struct blk_cache in_cache, xmem_cache; /* connection buffers */
	uint64_t freed; /* heap bytes freed since the last malloc_trim */
	char scratch[4096];
};

static atomic_uint total_conns;

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static void kick_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		pr_warn("eventfd write: %s\n", strerror(errno));
}

static void client_pump(struct client *c);
static void client_close(struct client *c);
static void dispatch(struct client *c);
static void reply(struct client *c, int status, bool close);
static void send_request(struct client *c);
static ssize_t sock_send(int fd, const char *p, size_t n);

/* ---------------------------------------------------------------- client I/O */

/*
 * The client's socket, plain or TLS, in recv/send terms: > 0 bytes moved;
 * -1 with errno EAGAIN: it would block, and the flag it waits for is
 * cleared (a TLS read may wait to write, a write to read); 0: the client
 * is gone (EOF, RST, a TLS error). A
 * short read clears "may read" only when nothing is left in the socket nor
 * in OpenSSL (stream_drained): a recv brings several records, a TLS read
 * returns one.
 */
/* The outcome of client I/O that moved nothing, in those terms. */
static ssize_t client_io_stopped(struct client *c, enum tls_io r)
{
	switch (r) {
	case TLS_IO_WANT_READ:
		c->rd = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_WANT_WRITE:
		c->wr = false;
		errno = EAGAIN;
		return -1;
	case TLS_IO_MOVED: /* nothing was offered */
		errno = EAGAIN;
		return -1;
	case TLS_IO_FAILED:
		if (c->tls)
			pr_debug("client %s:%u: TLS: %s\n", c->peer_ip, c->peer_port,
				 tls_conn_error(c->tls));
		break;
	default:
		break;
	}
	errno = EPIPE;
	return 0;
}

static ssize_t client_recv(struct client *c, char *p, size_t len)
{
	size_t n;
	enum tls_io r = stream_read(c->fd, c->tls, p, len, &n);

	if (r != TLS_IO_MOVED || !n)
		return client_io_stopped(c, r);
	if (stream_drained(c->tls, len, n) && !c->rdhup)
		c->rd = false;
	return n;
}

static ssize_t client_recv_buf(struct client *c, struct buf *b)
{
	ssize_t n = client_recv(c, b->p + b->end, b->cap - b->end);

	if (n > 0)
		b->end += n;
	return n;
}

static ssize_t client_send(struct client *c, const struct iovec *iov, int cnt)
{
	size_t n;
	enum tls_io r = stream_writev(c->fd, c->tls, iov, cnt, &n);

	return r == TLS_IO_MOVED && n ? (ssize_t)n : client_io_stopped(c, r);
}

static ssize_t client_send1(struct client *c, struct buf *b)
{
	struct iovec iov = {b->p + b->start, b->end - b->start};

	return client_send(c, &iov, 1);
}

/* ---------------------------------------------------------------- backends */

static struct backend *be_new(const struct proxy_backend_cfg *bc)
{
	struct backend *be = calloc(1, sizeof(*be));

	if (!be)
		return NULL;
	be->addr = bc->addr;
	be->weight = bc->weight;
	be->refs = 1; /* the balancer's */
	proxy_fmt_addr(&be->addr, be->name, sizeof(be->name));
	return be;
}

static void be_get(struct backend *be)
{
	be->refs++;
}

static void be_put(struct backend *be)
{
	if (--be->refs == 0)
		free(be);
}

/* A failure that says the backend may be down (see backend_failed). */
static void be_failed(struct worker *w, struct backend *be)
{
	if (backend_failed(&w->bal, be, w->now)) {
		pr_warn("backend %s down for %u ms after %u failures\n", be->name,
			w->cfg->fail_timeout, be->fails);
		proxy_stats_backend(&proxy_stats, be->name, true);
	}
	else if (w->bal.max_fails && be->fails >= w->bal.max_fails)
		pr_warn("backend %s: %u failures, but no other backend is up: kept\n", be->name,
			be->fails);
}

/* ---------------------------------------------------------------- upstreams */

static void up_close(struct upstream *u)
{
	struct worker *w = u->ev.w;

	if (u->state == UP_DEAD)
		return;
	tw_del(&u->tmr);
	if (u->pool_pprev) {
		*u->pool_pprev = u->pool_next;
		if (u->pool_next)
			u->pool_next->pool_pprev = u->pool_pprev;
		u->pool_pprev = NULL;
		u->be->nidle--;
	}
	close(u->fd);
	be_put(u->be);
	u->be = NULL;
	u->state = UP_DEAD;
	/* freed after this loop turn: an event for it may still be queued */
	u->dead_next = w->dead_ups;
	w->dead_ups = u;
}

static void pool_timer(struct ptimer *t)
{
	up_close(container_of(t, struct upstream, tmr));
}

static void pool_close_all(struct backend *be)
{
	while (be->idle)
		up_close(be->idle);
}

static void pool_put(struct worker *w, struct upstream *u)
{
	struct backend *be = u->be;

	u->state = UP_IDLE;
	u->c = NULL;
	u->pool_next = be->idle;
	if (be->idle)
		be->idle->pool_pprev = &u->pool_next;
	be->idle = u;
	u->pool_pprev = &be->idle;
	be->nidle++;
	tw_add(&w->tw, &u->tmr, w->now + w->cfg->pool_timeout);
}

static struct upstream *pool_get(struct backend *be)
{
	struct upstream *u = be->idle;

	if (!u)
		return NULL;
	be->idle = u->pool_next;
	if (be->idle)
		be->idle->pool_pprev = &be->idle;
	u->pool_pprev = NULL;
	be->nidle--;
	tw_del(&u->tmr);
	u->state = UP_BUSY;
	u->reused = true;
	u->keep = false;
	/* it was drained and has said nothing since (that would have closed
	 * it): the response will bring an event; the write may just be tried */
	u->rd = false;
	u->wr = true;
	return u;
}

static struct upstream *up_connect(struct worker *w, struct backend *be, int *err)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
	struct upstream *u;
	int fd, one = 1, r;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = connect(fd, (struct sockaddr *)&be->addr, sizeof(be->addr));
	if (r < 0 && errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	u->ev.type = EV_UPSTREAM;
	u->ev.w = w;
	u->fd = fd;
	u->state = r ? UP_CONNECTING : UP_BUSY;
	u->wr = !r;
	u->t_connect_us = mono_us();
	if (!r)
		proxy_stats_connect(&proxy_stats, 0);
	u->tmr.fn = pool_timer;
	u->be = be;
	be_get(be);
	ev.data.ptr = u;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		*err = errno;
		up_close(u);
		return NULL;
	}
	return u;
}

/* Detach the client's upstream: back to the pool if the exchange ended
 * cleanly and the upstream allows it, else closed. */
static void up_release(struct client *c, bool reuse)
{
	struct worker *w = c->ev.w;
	struct upstream *u = c->up;
	struct backend *be;

	if (!u)
		return;
	be = u->be;
	c->up = NULL;
	u->c = NULL;
	be->active--;
	if (reuse && u->keep && !u->rdhup && !be->removed && !w->draining &&
	    be->nidle < backend_pool_room(be, w->cfg->keepalive, w->cfg->keepalive_max))
		pool_put(w, u);
	else
		up_close(u);
}

/* ---------------------------------------------------------------- clients */

static void client_timer(struct ptimer *t);

static void arm(struct client *c, uint32_t ms)
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

/* Give back in's buffer (and the parser at its end). */
static void in_free(struct client *c)
{
	blk_give(&c->ev.w->in_cache, c->in.p, c->in.cap + sizeof(struct http_parser));
	c->in = (struct buf){0};
	c->p = NULL;
}

static void xmem_free(struct client *c)
{
	blk_give(&c->ev.w->xmem_cache, c->xmem, c->head.cap + c->resp.cap + c->out.cap);
	c->xmem = NULL;
	memset(&c->head, 0, sizeof(c->head));
	memset(&c->resp, 0, sizeof(c->resp));
	memset(&c->out, 0, sizeof(c->out));
}

static bool xmem_alloc(struct client *c)
{
	const struct proxy_cfg *cfg = c->ev.w->cfg;
	uint32_t hcap = cfg->max_header + 1024, rcap = cfg->buffer_size,
		 ocap = cfg->buffer_size + 1024;

	if (c->xmem)
		return true;
	c->xmem = blk_take(&c->ev.w->xmem_cache, hcap + rcap + ocap);
	if (!c->xmem)
		return false;
	c->head = (struct buf){.p = c->xmem, .cap = hcap};
	c->resp = (struct buf){.p = c->xmem + hcap, .cap = rcap};
	c->out = (struct buf){.p = c->xmem + hcap + rcap, .cap = ocap};
	return true;
}

static void client_close(struct client *c)
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
	if (c->tls) {
		/* close_notify, if the session is up and the socket takes it */
		if (c->state != CL_LINGER)
			tls_shutdown(c->tls);
		tls_conn_free(c->tls);
		c->tls = NULL;
	}
	close(c->fd);
	c->state = CL_DEAD;
	if (c->rejected)
		w->nrejecting--;
	else
		atomic_fetch_sub(&total_conns, 1);
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
static void linger(struct client *c)
{
	up_release(c, false);
	c->state = CL_LINGER;
	c->notify_due = c->tls != NULL;
	if (!c->notify_due)
		shutdown(c->fd, SHUT_WR);
	arm(c, LINGER_MS);
}

/* The client's SNI for the log: printable, no spaces, at most 64 bytes. */
static void log_sni(const struct client *c, char *buf, size_t len)
{
	const char *sni = tls_conn_sni(c->tls);
	size_t i;

	for (i = 0; sni[i] && i < len - 1 && i < 64; i++)
		buf[i] = sni[i] > 0x20 && sni[i] < 0x7f ? sni[i] : '?';
	buf[i] = '\0';
	if (!i)
		snprintf(buf, len, "-");
}

static void access_log(struct client *c)
{
	char line[700], tls[100] = "", sni[72];
	int n;

	proxy_stats_request(&proxy_stats, c->status, mono_us() - c->t_start_us);
	if (!c->ev.w->cfg->access_log)
		return;
	if (c->tls) {
		log_sni(c, sni, sizeof(sni));
		snprintf(tls, sizeof(tls), " tls=%s sni=%s", tls_conn_version(c->tls), sni);
	}
	n = snprintf(line, sizeof(line),
		     "client=%s:%u method=%s path=%s status=%u bytes=%llu upstream=%s ms=%.3f%s\n",
		     c->peer_ip, c->peer_port, c->log_method[0] ? c->log_method : "-",
		     c->log_path[0] ? c->log_path : "-", c->status, (unsigned long long)c->bytes,
		     c->log_up[0] ? c->log_up : "-", (mono_us() - c->t_start_us) / 1000.0, tls);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	/* one write per line: lines of several workers never interleave */
	if (n > 0 && write(STDOUT_FILENO, line, n) < 0)
		return;
}

/* Ready for the next request on this connection. */
static void reset_exchange(struct client *c)
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
	c->log_method[0] = c->log_path[0] = c->log_up[0] = '\0';
	memset(&c->reqf, 0, sizeof(c->reqf));
	memset(&c->respf, 0, sizeof(c->respf));
	memset(&c->rf, 0, sizeof(c->rf));
	c->state = CL_IDLE;
	c->t_start_us = mono_us();
}

/* The whole request went to the upstream: head, body, nothing held back. */
static bool req_complete(const struct client *c)
{
	return c->reqf.done && c->in.start == c->in.ready && c->head.start == c->head.end &&
	       reframe_done(&c->rf);
}

static void finish_exchange(struct client *c, bool reuse_upstream)
{
	struct worker *w = c->ev.w;
	bool complete = req_complete(c);

	access_log(c);
	up_release(c, reuse_upstream && complete);
	if (c->close_after || !complete || w->draining) {
		/* Nothing unread, here or (as far as events tell) in the
		 * socket: a plain close cannot turn into a reset that destroys
		 * the response (nginx lingers only then too). Else linger. */
		if (complete && c->in.end == c->in.ready && !c->rd) {
			client_close(c);
			return;
		}
		xmem_free(c);
		linger(c);
		return;
	}
	reset_exchange(c);
	arm(c, c->in.end ? w->cfg->header_timeout : w->cfg->idle_timeout);
}

static struct client *client_new(struct worker *w, const struct listener *ls, int fd,
				 const struct sockaddr_in *sa)
{
	struct client *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
	int one = 1;

	if (!c)
		return NULL;
	c->ev.type = EV_CLIENT;
	c->ev.w = w;
	c->fd = fd;
	c->ls = ls;
	c->rd = c->wr = true;
	c->tmr.fn = client_timer;
	inet_ntop(AF_INET, &sa->sin_addr, c->peer_ip, sizeof(c->peer_ip));
	c->peer_port = ntohs(sa->sin_port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ls->tls && !(c->tls = tls_conn_new(w->tls, fd))) {
		free(c);
		return NULL;
	}
	ev.data.ptr = c;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		tls_conn_free(c->tls);
		free(c);
		return NULL;
	}
	c->all_next = w->all;
	if (w->all)
		w->all->all_pprev = &c->all_next;
	w->all = c;
	c->all_pprev = &w->all;
	w->nclients++;
	reset_exchange(c);
	if (c->tls)
		c->state = CL_HANDSHAKE;
	return c;
}

/* ---------------------------------------------------------------- rewriting */

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

static bool put_field(struct buf *b, const char *base, const struct http_header *f)
{
	return buf_put(b, base + f->name, f->name_len) && buf_put(b, ": ", 2) &&
	       buf_put(b, base + f->value, f->value_len) && buf_put(b, "\r\n", 2);
}

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

/* The request as the upstream gets it: HTTP/1.1, hop-by-hop fields gone,
 * framing restated, X-Forwarded-For appended to, X-Real-IP,
 * X-Forwarded-Proto and Forwarded (RFC 7239) set. */
static bool build_request_head(struct client *c)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->in.p;
	struct buf *b = &c->head;
	const struct http_header *host = NULL;
	const char *proto = c->tls ? "https" : "http";
	const char *host_val;
	uint32_t host_len;
	bool xff = false;
	int i;

	b->start = b->ready = b->end = 0;
	if (!buf_put(b, base + h->method_off, h->method_len) || !buf_put(b, " ", 1) ||
	    !put_target(b, h, base) || !buf_puts(b, " HTTP/1.1\r\n"))
		return false;
	for (i = 0; i < h->nhdr; i++) {
		const struct http_header *f = &h->hdr[i];

		switch (f->id) {
		case HDR_CONNECTION:
		case HDR_KEEP_ALIVE:
		case HDR_PROXY_CONNECTION:
		case HDR_TE:
		case HDR_UPGRADE:
		case HDR_PROXY_AUTHORIZATION:
		case HDR_PROXY_AUTHENTICATE:
		case HDR_CONTENT_LENGTH:
		case HDR_TRANSFER_ENCODING:
		case HDR_EXPECT: /* answered here: 100 Continue once connected */
		case HDR_X_REAL_IP:
		case HDR_X_FORWARDED_PROTO:
		case HDR_FORWARDED:
			continue;
		case HDR_X_FORWARDED_FOR:
			/* every XFF line folded into one, ours last */
			if (!xff && !buf_puts(b, "X-Forwarded-For: "))
				return false;
			if ((xff && !buf_put(b, ", ", 2)) || !buf_put(b, base + f->value, f->value_len))
				return false;
			xff = true;
			continue;
		case HDR_HOST:
			host = f;
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
	if (h->authority_len ? !buf_putf(b, "Host: %.*s\r\n", host_len, host_val)
	    : !host		 ? !buf_putf(b, "Host: %s\r\n", c->ls->name)
				 : false)
		return false;
	return put_framing(c, b) && buf_put(b, "\r\n", 2);
}

/* The response as the client gets it; sets how its body is framed. */
static bool build_response_head(struct client *c)
{
	const struct http_head *h = &c->p->h;
	const char *base = c->resp.p;
	struct buf *b = &c->out;
	enum http_body mode = http_response_body(h, c->method);
	bool dechunk = false;
	int i;

	if (h->reason_len) {
		if (!buf_putf(b, "HTTP/1.1 %03u %.*s\r\n", h->status, (int)h->reason_len,
			  base + h->reason_off))
			return false;
	} else if (!buf_putf(b, "HTTP/1.1 %03u %s\r\n", h->status, http_reason(h->status))) {
		return false;
	}
	for (i = 0; i < h->nhdr; i++) {
		const struct http_header *f = &h->hdr[i];

		switch (f->id) {
		case HDR_CONNECTION:
		case HDR_KEEP_ALIVE:
		case HDR_PROXY_CONNECTION:
		case HDR_TE:
		case HDR_UPGRADE:
		case HDR_PROXY_AUTHENTICATE:
		case HDR_CONTENT_LENGTH:
			continue;
		case HDR_TRANSFER_ENCODING:
			/* "gzip, chunked" goes on as it is to a 1.1 client */
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
	if (mode == HTTP_BODY_CLOSE || !req_complete(c) || c->ev.w->draining)
		c->close_after = true;
	if (c->close_after     ? !buf_puts(b, "Connection: close\r\n")
	    : c->version == 10 ? !buf_puts(b, "Connection: keep-alive\r\n")
			       : false)
		return false;
	if (!buf_put(b, "\r\n", 2))
		return false;
	framer_init(&c->respf, mode, h->content_length, dechunk);
	c->up->keep = mode != HTTP_BODY_CLOSE && http_keep_alive(h);
	return true;
}

/* ---------------------------------------------------------------- exchange */

/* A locally made response (an error); close: the connection ends after it. */
static void reply(struct client *c, int status, bool close)
{
	struct worker *w = c->ev.w;
	char body[64];
	int n;

	up_release(c, false);
	if (c->resp_head_done || !xmem_alloc(c)) {
		/* a response is half sent: nothing to do but cut it short */
		c->status = c->status ? c->status : status;
		access_log(c);
		client_close(c);
		return;
	}
	if (!c->reqf.done || w->draining)
		close = true;
	c->close_after |= close;
	n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	if (!buf_putf(&c->out,
		  "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s",
		  status, http_reason(status), n,
		  c->close_after     ? "Connection: close\r\n"
		  : c->version == 10 ? "Connection: keep-alive\r\n"
				     : "",
		  body)) {
		client_close(c);
		return;
	}
	c->status = status;
	c->state = CL_REPLY;
	arm(c, w->cfg->read_timeout);
}

/* The request head is in; on to an upstream. */
static void start_exchange(struct client *c)
{
	const struct http_head *h = &c->p->h;
	uint32_t n;

	c->method = h->method;
	c->version = h->version;
	c->keepalive = http_keep_alive(h);
	c->expect = h->expect_continue;
	c->close_after = !c->keepalive;
	n = h->method_len < sizeof(c->log_method) - 1 ? h->method_len : sizeof(c->log_method) - 1;
	memcpy(c->log_method, c->in.p + h->method_off, n);
	c->log_method[n] = '\0';
	n = h->target_len < sizeof(c->log_path) - 1 ? h->target_len : sizeof(c->log_path) - 1;
	memcpy(c->log_path, c->in.p + h->target_off, n);
	c->log_path[n] = '\0';
	/* a chunked body is de-chunked where it lies: only its data stays */
	framer_init(&c->reqf, http_request_body(h), h->content_length, h->chunked);
	if (!xmem_alloc(c)) {
		reply(c, 503, true);
		return;
	}
	c->in.start = c->in.ready = h->head_len;
	if (!c->reqf.done) {
		c->state = CL_BODY;
		arm(c, c->ev.w->cfg->read_timeout);
		return;
	}
	send_request(c);
}

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

/*
 * A request body is held until it is whole or fills the buffer, before any
 * backend is chosen: a body that fits is checked to its end first (and sent
 * with a Content-Length), so a malformed, over-long, stalled or abandoned
 * one never reaches a backend. A larger one streams on (with the proxy's
 * own chunks if it came chunked); a fault later cuts the upstream
 * connection before the body's end, so the backend cannot take it as whole.
 */
static bool body_step(struct client *c)
{
	bool progress = false;
	ssize_t n;

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
	if (c->out.start < c->out.end && c->wr) {
		n = client_send1(c, &c->out);
		if (n > 0) {
			c->out.start += n;
			progress = true;
		}
	}
	if (!c->rd)
		return progress;
	n = client_recv_buf(c, &c->in);
	if (n > 0) {
		arm(c, c->ev.w->cfg->read_timeout);
		return true;
	}
	if (n < 0 && errno == EAGAIN)
		return progress;
	/* the client left in the middle of its body: no backend heard of it */
	c->status = 499;
	access_log(c);
	client_close(c);
	return true;
}

static bool retry_allowed(const struct client *c)
{
	return !c->resp_started && !c->body_sent && http_method_idempotent(c->method);
}

/* Send the request to a backend: a pooled connection or a new one. */
static void dispatch(struct client *c)
{
	struct worker *w = c->ev.w;
	struct http_limits lim = {c->resp.cap, c->resp.cap};
	struct upstream *u = NULL;
	struct backend *be;
	int err;

	for (;;) {
		be = balance_pick(&w->bal, w->now, c->failed_be);
		if (!be) {
			pr_debug("no usable backend for %s %s\n", c->log_method, c->log_path);
			reply(c, 502, false);
			return;
		}
		u = pool_get(be);
		if (u)
			break;
		u = up_connect(w, be, &err);
		if (u)
			break;
		pr_warn("backend %s: connect: %s\n", be->name, strerror(err));
		be_failed(w, be);
		if (c->attempts >= 1 || !retry_allowed(c)) {
			reply(c, 502, false);
			return;
		}
		c->attempts++;
		if (c->failed_be)
			be_put(c->failed_be);
		c->failed_be = be;
		be_get(be);
	}
	c->up = u;
	u->c = c;
	backend_busy(be, w->now, w->cfg->pool_timeout);
	snprintf(c->log_up, sizeof(c->log_up), "%s", be->name);
	c->head.start = 0;
	/* nothing of the body went (else no retry): its framing starts again */
	c->rf = (struct reframer){.on = c->rf.on};
	c->resp.start = c->resp.ready = c->resp.end = 0;
	http_parser_init(c->p, HTTP_RESPONSE, &lim);
	arm(c, u->state == UP_CONNECTING ? w->cfg->connect_timeout : w->cfg->read_timeout);
}

/* The upstream connection failed before a response came (refused, reset,
 * closed). Once more elsewhere if that is safe, else 502. */
static void up_failed(struct client *c, int err)
{
	struct worker *w = c->ev.w;
	struct upstream *u = c->up;
	struct backend *be = u->be;
	/* a pooled connection the server had closed: not the backend's fault */
	bool stale = u->reused && !c->resp_started;

	if (stale) {
		pr_debug("backend %s: pooled connection closed: %s\n", be->name,
			 err ? strerror(err) : "EOF");
	} else {
		pr_warn("backend %s: %s\n", be->name,
			err ? strerror(err) : "closed before a response");
		be_failed(w, be);
	}
	up_release(c, false);
	if (retry_allowed(c)) {
		if (stale && c->stale_retries < MAX_STALE_RETRIES) {
			c->stale_retries++;
			dispatch(c);
			return;
		}
		if (!stale && c->attempts < 1) {
			c->attempts++;
			if (c->failed_be)
				be_put(c->failed_be);
			c->failed_be = be;
			be_get(be);
			dispatch(c);
			return;
		}
	}
	reply(c, 502, false);
}

static ssize_t sock_send(int fd, const char *p, size_t n)
{
	return send(fd, p, n, MSG_NOSIGNAL);
}

/* One step of an exchange; true if anything moved. */
static bool proxy_step(struct client *c)
{
	struct worker *w = c->ev.w;
	struct upstream *u = c->up;
	bool progress = false;
	ssize_t n;

	if (!u || u->state == UP_CONNECTING)
		return false;

	/* request head and body to the upstream, in one call while both wait */
	if (!c->reqf.done && framer_advance(&c->reqf, &c->in)) {
		pr_debug("client %s: bad chunked request body\n", c->peer_ip);
		reply(c, 400, true);
		return true;
	}
	if (u->wr && !req_complete(c)) {
		struct iovec iov[3];
		struct msghdr mh = {.msg_iov = iov};
		size_t hl = c->head.end - c->head.start;

		if (hl)
			iov[mh.msg_iovlen++] = (struct iovec){c->head.p + c->head.start, hl};
		mh.msg_iovlen += reframe_iov(&c->rf, &c->in, c->reqf.done, iov + mh.msg_iovlen);
		n = mh.msg_iovlen ? sendmsg(u->fd, &mh, MSG_NOSIGNAL) : 0;
		if (n > 0) {
			if ((size_t)n > hl) {
				reframe_sent(&c->rf, &c->in, n - hl);
				c->body_sent = true;
			}
			c->head.start += (size_t)n < hl ? (size_t)n : hl;
			progress = true;
		} else if (n < 0 && errno == EAGAIN) {
			u->wr = false;
		} else if (n < 0) {
			up_failed(c, errno);
			return true;
		}
	}
	if (!c->reqf.done) {
		buf_compact(&c->in);
		if (!c->reqf.done && c->in.end < c->in.cap && c->rd) {
			n = client_recv_buf(c, &c->in);
			if (n > 0) {
				progress = true;
			} else if (n == 0 || errno != EAGAIN) {
				/* the client left in the middle of its body */
				c->status = 499;
				access_log(c);
				client_close(c);
				return true;
			}
		}
	}

	/* response from the upstream */
	if (!c->respf.done && c->resp.end < c->resp.cap && u->rd) {
		n = buf_recv(u->fd, &c->resp, &u->rd, u->rdhup);
		if (n > 0) {
			c->resp_started = true;
			progress = true;
		} else if (n == 0 || errno != EAGAIN) {
			int err = n < 0 ? errno : 0;

			if (!c->resp_started) {
				up_failed(c, err);
				return true;
			}
			if (c->resp_head_done && c->respf.mode == HTTP_BODY_CLOSE) {
				c->respf.done = true;
				u->keep = false;
				progress = true;
			} else {
				pr_warn("backend %s: response cut short: %s\n", u->be->name,
					err ? strerror(err) : "EOF");
				if (!c->resp_head_done) {
					/* not counted: the client may have caused it */
					reply(c, 502, false);
				} else {
					access_log(c);
					client_close(c);
				}
				return true;
			}
		}
	}
	if (!c->resp_head_done && c->resp.end) {
		int r = http_parse_head(c->p, c->resp.p, c->resp.end);

		if (r < 0) {
			/* not counted as a failure (nginx's invalid_header is
			 * not in proxy_next_upstream by default): any client
			 * could ask for such a response */
			pr_warn("backend %s: malformed response head\n", u->be->name);
			reply(c, 502, false);
			return true;
		}
		if (r == HTTP_PARSE_DONE) {
			struct http_limits lim = {c->resp.cap, c->resp.cap};

			if (backend_ok(u->be)) {
				pr_info("backend %s is up again\n", u->be->name);
				proxy_stats_backend(&proxy_stats, u->be->name, false);
			}
			if (c->p->h.status < 200) {
				/* interim: 100 Continue is ours to send; others dropped */
				if (c->p->h.status == 101) {
					reply(c, 502, false);
					return true;
				}
				c->resp.start = c->resp.ready = c->p->h.head_len;
				buf_compact(&c->resp);
				http_parser_init(c->p, HTTP_RESPONSE, &lim);
				return true;
			}
			c->status = c->p->h.status;
			uint32_t mark = c->out.end;

			if (!build_response_head(c)) {
				/* none of it goes: the 502 comes alone */
				c->out.end = c->out.ready = mark;
				reply(c, 502, false);
				return true;
			}
			c->resp_head_done = true;
			c->resp.start = c->resp.ready = c->p->h.head_len;
			progress = true;
		}
	}
	if (c->resp_head_done && framer_advance(&c->respf, &c->resp)) {
		pr_warn("backend %s: bad chunked response body\n", u->be->name);
		access_log(c);
		client_close(c);
		return true;
	}

	/* to the client: what we made, then the checked response bytes */
	if (c->wr && (c->out.start < c->out.end || c->resp.start < c->resp.ready)) {
		struct iovec iov[2] = {
			{c->out.p + c->out.start, c->out.end - c->out.start},
			{c->resp.p + c->resp.start, c->resp.ready - c->resp.start},
		};

		/* TLS: after a would-block the same first bytes come again, at
		 * least as many (OpenSSL sealed them): nothing is put in front
		 * of unsent bytes, and both buffers only grow at their end */
		n = client_send(c, iov, 2);
		if (n > 0) {
			size_t a = n < (ssize_t)iov[0].iov_len ? (size_t)n : iov[0].iov_len;

			c->out.start += a;
			c->resp.start += n - a;
			if (c->resp_head_done)
				c->bytes += n;
			progress = true;
		} else if (errno != EAGAIN) {
			c->status = c->status ? c->status : 499;
			access_log(c);
			client_close(c);
			return true;
		}
	}
	if (c->out.start == c->out.end)
		c->out.start = c->out.end = c->out.ready = 0;
	if (c->resp_head_done)
		buf_compact(&c->resp);

	if (c->resp_head_done && c->respf.done && c->out.start == c->out.end &&
	    c->resp.start == c->resp.ready) {
		/* bytes after the response: the upstream is confused; never reuse */
		if (c->resp.end != c->resp.ready)
			u->keep = false;
		finish_exchange(c, true);
		return true;
	}
	if (progress)
		arm(c, w->cfg->read_timeout);
	return progress;
}

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

/* TLS: one step of the handshake, inside the loop like any I/O; the
 * handshake timer bounds a client that stops in the middle. */
static bool handshake_step(struct client *c)
{
	switch (tls_handshake(c->tls)) {
	case TLS_IO_MOVED:
		/* the request may be inside OpenSSL already: read at once */
		c->state = CL_IDLE;
		arm(c, c->ev.w->cfg->header_timeout);
		return true;
	case TLS_IO_WANT_READ:
		c->rd = false;
		return false;
	case TLS_IO_WANT_WRITE:
		c->wr = false;
		return false;
	case TLS_IO_FAILED:
		/* garbage, an old version, a scanner: routine, not a warning */
		pr_debug("client %s:%u: TLS handshake: %s\n", c->peer_ip, c->peer_port,
			 tls_conn_error(c->tls));
		client_close(c);
		return true;
	default:
		client_close(c);
		return true;
	}
}

/* Reading a request head (or waiting for one). */
static bool head_step(struct client *c)
{
	struct worker *w = c->ev.w;
	ssize_t n;
	int r;

	if (!c->in.p) {
		/* idle: read into the worker's scratch first, so that a
		 * connection holds a buffer only while it has bytes */
		if (!c->rd)
			return false;
		n = client_recv(c, w->scratch, sizeof(w->scratch));
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0 || !in_alloc(c)) {
			client_close(c);
			return true;
		}
		memcpy(c->in.p, w->scratch, n);
		c->in.end = n;
	}
	if (c->in.end) {
		if (c->state == CL_IDLE) {
			c->state = CL_HEAD;
			c->t_start_us = mono_us();
			arm(c, w->cfg->header_timeout);
		}
		r = http_parse_head(c->p, c->in.p, c->in.end);
		if (r < 0) {
			pr_debug("client %s: request refused with %d\n", c->peer_ip, -r);
			reply(c, -r, true);
			return true;
		}
		if (r == HTTP_PARSE_DONE) {
			start_exchange(c);
			return true;
		}
	}
	if (!c->rd || c->in.end == c->in.cap)
		return false;
	n = client_recv_buf(c, &c->in);
	if (n > 0)
		return true;
	if (n < 0 && errno == EAGAIN)
		return false;
	/* closed (or reset) between requests or in the middle of a head */
	client_close(c);
	return true;
}

static bool reply_step(struct client *c)
{
	ssize_t n;

	if (c->out.start == c->out.end) {
		finish_exchange(c, false);
		return true;
	}
	if (!c->wr)
		return false;
	n = client_send1(c, &c->out);
	if (n > 0) {
		c->out.start += n;
		c->bytes += n;
		return true;
	}
	if (n < 0 && errno == EAGAIN)
		return false;
	access_log(c);
	client_close(c);
	return true;
}

static bool linger_step(struct client *c)
{
	ssize_t n;

	if (c->notify_due && c->wr) {
		/* TLS: close_notify before our FIN (CLOSED: nothing to send) */
		if (tls_shutdown(c->tls) == TLS_IO_WANT_WRITE) {
			c->wr = false;
		} else {
			c->notify_due = false;
			shutdown(c->fd, SHUT_WR);
		}
	}
	/* the client's bytes are discarded as they are, TLS or not */
	if (!c->rd)
		return false;
	n = recv(c->fd, c->ev.w->scratch, sizeof(c->ev.w->scratch), 0);
	if (n > 0)
		return true;
	if (n < 0 && errno == EAGAIN) {
		c->rd = false;
		return false;
	}
	client_close(c);
	return true;
}

static void client_pump(struct client *c)
{
	int budget = PUMP_BUDGET;
	bool moved = true;

	while (moved && budget--) {
		switch (c->state) {
		case CL_HANDSHAKE:
			moved = handshake_step(c);
			break;
		case CL_IDLE:
		case CL_HEAD:
			moved = head_step(c);
			break;
		case CL_BODY:
			moved = body_step(c);
			break;
		case CL_PROXY:
			moved = proxy_step(c);
			break;
		case CL_REPLY:
			moved = reply_step(c);
			break;
		case CL_LINGER:
			moved = linger_step(c);
			break;
		case CL_DEAD:
			return;
		}
	}
	if (moved && c->state != CL_DEAD)
		again(c);
}

static void client_timer(struct ptimer *t)
{
	struct client *c = container_of(t, struct client, tmr);
	struct worker *w = c->ev.w;

	switch (c->state) {
	case CL_HANDSHAKE:
		/* nothing can be said to a client without a session */
		pr_debug("client %s:%u: TLS handshake timed out\n", c->peer_ip, c->peer_port);
		client_close(c);
		return;
	case CL_IDLE:
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
		if (c->up && c->up->state == UP_CONNECTING) {
			pr_warn("backend %s: connect timed out\n", c->up->be->name);
			be_failed(w, c->up->be);
			reply(c, 504, false);
		} else if (!c->resp_started && c->head.start == c->head.end && !c->reqf.done &&
			   c->in.start == c->in.ready) {
			reply(c, 408, true); /* the client stopped sending its body */
		} else if (!c->resp_started) {
			pr_warn("backend %s: no response in %u ms\n", c->log_up,
				w->cfg->read_timeout);
			/* a slow answer to what a health check would ask (GET or
			 * HEAD, no body) counts; a slow upload or report does not */
			if (c->up && c->reqf.mode == HTTP_BODY_NONE &&
			    (c->method == HTTP_M_GET || c->method == HTTP_M_HEAD))
				be_failed(w, c->up->be);
			reply(c, 504, false);
		} else {
			access_log(c);
			client_close(c);
			return;
		}
		break;
	default:
		client_close(c);
		return;
	}
	client_pump(c);
}

/* ---------------------------------------------------------------- health */

static void probe_timer(struct ptimer *t);

static void probe_done(struct worker *w, struct probe *pr, bool ok)
{
	struct backend *be = pr->be;

	if (pr->fd >= 0) {
		close(pr->fd);
		pr->fd = -1;
	}
	tw_del(&pr->tmr);
	if (ok && be->probe_down)
		pr_info("backend %s: health check passed, up\n", be->name);
	if (!ok && !be->probe_down)
		pr_warn("backend %s: health check failed, down\n", be->name);
	be->probe_down = !ok;
	proxy_stats_backend(&proxy_stats, be->name, !ok);
	if (ok)
		backend_ok(be);
	(void)w;
}

static void probe_start(struct worker *w, struct backend *be)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
	struct probe *pr = be->probe;

	if (!pr) {
		pr = calloc(1, sizeof(*pr));
		if (!pr)
			return;
		pr->ev.type = EV_PROBE;
		pr->ev.w = w;
		pr->be = be;
		pr->fd = -1;
		pr->tmr.fn = probe_timer;
		be->probe = pr;
	}
	if (pr->fd >= 0)
		return; /* the last one is still going */
	pr->sent = false;
	pr->len = 0;
	pr->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd < 0)
		return;
	if (connect(pr->fd, (struct sockaddr *)&be->addr, sizeof(be->addr)) &&
	    errno != EINPROGRESS) {
		probe_done(w, pr, false);
		return;
	}
	ev.data.ptr = pr;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, pr->fd, &ev)) {
		probe_done(w, pr, false);
		return;
	}
	tw_add(&w->tw, &pr->tmr, w->now + w->cfg->connect_timeout);
}

static void probe_timer(struct ptimer *t)
{
	struct probe *pr = container_of(t, struct probe, tmr);

	probe_done(pr->ev.w, pr, false);
}

static void on_probe(struct probe *pr, uint32_t events)
{
	struct worker *w = pr->ev.w;
	ssize_t n;

	if (pr->fd < 0)
		return;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		probe_done(w, pr, false);
		return;
	}
	if (!pr->sent && (events & EPOLLOUT)) {
		char req[400];
		int len = snprintf(req, sizeof(req),
				   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: xdpgw-health\r\n"
				   "Connection: close\r\n\r\n",
				   w->cfg->health_path, pr->be->name);

		if (sock_send(pr->fd, req, len) != len) {
			probe_done(w, pr, false);
			return;
		}
		pr->sent = true;
	}
	while (pr->sent && pr->len < sizeof(pr->buf) - 1) {
		n = recv(pr->fd, pr->buf + pr->len, sizeof(pr->buf) - 1 - pr->len, 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		pr->len += n;
		if (memchr(pr->buf, '\n', pr->len))
			break;
	}
	if (!pr->sent)
		return;
	pr->buf[pr->len] = '\0';
	/* "HTTP/1.x 2xx" or 3xx */
	probe_done(w, pr,
		   pr->len >= 12 && !strncmp(pr->buf, "HTTP/1.", 7) &&
			   (pr->buf[9] == '2' || pr->buf[9] == '3'));
}

static void health_timer(struct ptimer *t)
{
	struct worker *w = container_of(t, struct worker, health_tmr);
	unsigned int i;

	if (!w->cfg->health_path[0] || w->draining)
		return;
	for (i = 0; i < w->bal.n; i++)
		probe_start(w, w->bal.be[i]);
	tw_add(&w->tw, &w->health_tmr, w->now + w->cfg->health_interval);
}

static void be_drop(struct worker *w, struct backend *be)
{
	be->removed = true;
	pool_close_all(be);
	if (be->probe) {
		struct probe *pr = be->probe;

		if (pr->fd >= 0)
			probe_done(w, pr, false);
		/* freed after this loop turn: an event for it may still be queued */
		pr->dead_next = w->dead_probes;
		w->dead_probes = pr;
		be->probe = NULL;
	}
	be_put(be);
}

/* ---------------------------------------------------------------- worker */

static void cfg_put(struct shared_cfg *sc)
{
	if (sc && atomic_fetch_sub(&sc->refs, 1) == 1)
		free(sc);
}

/* Take a configuration: backends kept by address (with their health, pool
 * and counts), new ones added, missing ones dropped once unused. */
static void apply_cfg(struct worker *w, struct shared_cfg *sc)
{
	const struct proxy_cfg *cfg = &sc->c;
	struct balancer nb = {.mode = cfg->balance,
			      .max_fails = cfg->max_fails,
			      .fail_timeout = cfg->fail_timeout};
	unsigned int i, j;

	for (i = 0; i < cfg->nbackends; i++) {
		const struct proxy_backend_cfg *bc = &cfg->backends[i];
		struct backend *be = NULL;

		for (j = 0; j < w->bal.n; j++) {
			struct backend *old = w->bal.be[j];

			if (old && old->addr.sin_addr.s_addr == bc->addr.sin_addr.s_addr &&
			    old->addr.sin_port == bc->addr.sin_port) {
				be = old;
				w->bal.be[j] = NULL;
				break;
			}
		}
		if (be) {
			if (be->weight != (int)bc->weight)
				be->cur_weight = 0;
			be->weight = bc->weight;
		} else {
			be = be_new(bc);
			if (!be)
				continue;
		}
		nb.be[nb.n++] = be;
	}
	for (j = 0; j < w->bal.n; j++)
		if (w->bal.be[j])
			be_drop(w, w->bal.be[j]);
	nb.next = w->bal.next < nb.n ? w->bal.next : 0;
	w->bal = nb;
	cfg_put(w->sc);
	w->sc = sc;
	w->cfg = cfg;
	if (cfg->health_path[0] && !w->draining)
		tw_add(&w->tw, &w->health_tmr, w->now);
	else
		tw_del(&w->health_tmr);
	for (i = 0; i < w->bal.n; i++)
		if (!cfg->health_path[0])
			w->bal.be[i]->probe_down = false;
}

/* Once a second, the buffers the last second did not need are unmapped,
 * and after 64 kB or more of connections were freed, glibc gives the
 * heap's free pages back: memory follows the connections, not the past
 * peak. */
#define TRIM_MS	   1000
#define TRIM_BYTES (1u << 16)

static void trim_timer(struct ptimer *t)
{
	struct worker *w = container_of(t, struct worker, trim_tmr);

	blk_trim(&w->in_cache);
	blk_trim(&w->xmem_cache);
	if (w->freed >= TRIM_BYTES) {
		malloc_trim(0);
		w->freed = 0;
	}
	tw_add(&w->tw, &w->trim_tmr, w->now + TRIM_MS);
}

/* Listen (on) or not: every listener of the worker. */
static void listeners_watch(struct worker *w, bool on)
{
	unsigned int i;

	for (i = 0; i < w->nls; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->ls[i].ev};

		if (w->ls[i].fd < 0)
			continue;
		if (on)
			epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ls[i].fd, &ev);
		else
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->ls[i].fd, NULL);
	}
}

static void listeners_close(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < w->nls; i++) {
		if (w->ls[i].fd >= 0)
			close(w->ls[i].fd);
		w->ls[i].fd = -1;
	}
}

static void accept_resume(struct ptimer *t)
{
	struct worker *w = container_of(t, struct worker, accept_tmr);

	if (w->accept_paused && !w->draining) {
		listeners_watch(w, true);
		w->accept_paused = false;
	}
}

static void on_accept(struct worker *w, struct listener *ls)
{
	struct sockaddr_in sa;
	socklen_t len;
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH && ls->fd >= 0; i++) {
		struct client *c;
		bool over;

		len = sizeof(sa);
		fd = accept4(ls->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				pr_warn("accept: %s; pausing for %d ms\n", strerror(errno),
					ACCEPT_PAUSE_MS);
				listeners_watch(w, false);
				w->accept_paused = true;
				tw_add(&w->tw, &w->accept_tmr, w->now + ACCEPT_PAUSE_MS);
			}
			return;
		}
		over = atomic_fetch_add(&total_conns, 1) >= w->cfg->max_conns;
		if (over) {
			atomic_fetch_sub(&total_conns, 1);
			/* a 503 over TLS would cost a handshake when busiest */
			if (w->nrejecting >= MAX_REJECTING || ls->tls) {
				close(fd);
				continue;
			}
		}
		c = client_new(w, ls, fd, &sa);
		if (!c) {
			if (!over)
				atomic_fetch_sub(&total_conns, 1);
			close(fd);
			continue;
		}
		if (over) {
			/* refused cleanly: a 503 and a lingering close */
			c->rejected = true;
			w->nrejecting++;
			reply(c, 503, true);
			client_pump(c);
			continue;
		}
		arm(c, c->tls ? w->cfg->handshake_timeout : w->cfg->header_timeout);
		client_pump(c);
	}
}

static void worker_drain(struct worker *w)
{
	struct client *c, *next;
	unsigned int i;

	if (w->draining)
		return;
	w->draining = true;
	w->drain_deadline = w->now + w->cfg->drain_timeout;
	listeners_watch(w, false);
	listeners_close(w);
	tw_del(&w->health_tmr);
	tw_del(&w->accept_tmr);
	for (i = 0; i < w->bal.n; i++)
		pool_close_all(w->bal.be[i]);
	for (c = w->all; c; c = next) {
		next = c->all_next;
		/* a request may be waiting in the socket: look before closing */
		if (c->state == CL_IDLE)
			client_pump(c);
		if ((c->state == CL_IDLE && !c->in.end) || c->state == CL_HANDSHAKE)
			client_close(c);
	}
}

static void on_control(struct worker *w)
{
	struct shared_cfg *sc;
	uint64_t v;

	if (read(w->ctlfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	sc = atomic_exchange(&w->pending, NULL);
	if (sc)
		apply_cfg(w, sc);
	if (atomic_load(&w->stop))
		worker_drain(w);
}

static void reap(struct worker *w)
{
	while (w->dead_clients) {
		struct client *c = w->dead_clients;

		w->dead_clients = c->dead_next;
		w->freed += sizeof(*c);
		xmem_free(c);
		in_free(c);
		free(c);
	}
	while (w->dead_ups) {
		struct upstream *u = w->dead_ups;

		w->dead_ups = u->dead_next;
		w->freed += sizeof(*u);
		free(u);
	}
	while (w->dead_probes) {
		struct probe *pr = w->dead_probes;

		w->dead_probes = pr->dead_next;
		free(pr);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	struct epoll_event ev = {.events = EPOLLIN};
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->now = ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
	tw_init(&w->tw, w->now);
	w->accept_tmr.fn = accept_resume;
	w->trim_tmr.fn = trim_timer;
	tw_add(&w->tw, &w->trim_tmr, w->now + TRIM_MS);
	w->health_tmr.fn = health_timer;
	apply_cfg(w, atomic_exchange(&w->pending, NULL));
	listeners_watch(w, true);
	ev.data.ptr = &w->cev;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ctlfd, &ev);

	for (;;) {
		int i, n, timeout = w->again ? 0 : tw_wait_ms(&w->tw, w->now);

		n = epoll_wait(w->epfd, evs, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			pr_warn("worker %d: epoll_wait: %s\n", w->id, strerror(errno));
			w->failed = true;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		w->now = ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
		for (i = 0; i < n; i++) {
			struct evsrc *src = evs[i].data.ptr;
			uint32_t e = evs[i].events;

			switch (src->type) {
			case EV_LISTEN:
				on_accept(w, container_of(src, struct listener, ev));
				break;
			case EV_CONTROL:
				on_control(w);
				break;
			case EV_CLIENT: {
				struct client *c = (struct client *)src;

				if (c->state == CL_DEAD)
					break;
				if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					c->rd = true;
				if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					c->rdhup = true;
				if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
					c->wr = true;
				client_pump(c);
				break;
			}
			case EV_UPSTREAM: {
				struct upstream *u = (struct upstream *)src;

				if (u->state == UP_DEAD)
					break;
				if (u->state == UP_IDLE) {
					/* an idle pooled connection said something: closed */
					if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
						up_close(u);
					break;
				}
				if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					u->rd = true;
				if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					u->rdhup = true;
				if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
					u->wr = true;
				if (u->state == UP_CONNECTING) {
					int err = 0;
					socklen_t len = sizeof(err);

					if (!(e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
						break;
					getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len);
					if (err) {
						struct client *c = u->c;

						up_failed(c, err);
						client_pump(c);
						break;
					}
					u->state = UP_BUSY;
					proxy_stats_connect(&proxy_stats,
							    mono_us() - u->t_connect_us);
					arm(u->c, w->cfg->read_timeout);
				}
				client_pump(u->c);
				break;
			}
			case EV_PROBE:
				on_probe((struct probe *)src, e);
				break;
			}
		}
		/* clients that used their budget, in turn */
		while (w->again) {
			struct client *list = w->again, *c;

			w->again = NULL;
			while ((c = list)) {
				list = c->again_next;
				c->in_again = false;
				if (c->state != CL_DEAD)
					client_pump(c);
			}
			break;
		}
		tw_run(&w->tw, w->now);
		reap(w);
		if (w->draining) {
			if (!w->nclients)
				break;
			if (w->now >= w->drain_deadline) {
				pr_warn("worker %d: %u connections still open after the drain "
					"timeout; closing them\n",
					w->id, w->nclients);
				while (w->all)
					client_close(w->all);
				reap(w);
				break;
			}
		}
	}
	/* leave nothing behind */
	while (w->all)
		client_close(w->all);
	for (unsigned int i = 0; i < w->bal.n; i++)
		be_drop(w, w->bal.be[i]);
	w->bal.n = 0;
	reap(w);
	blk_flush(&w->in_cache);
	blk_flush(&w->xmem_cache);
	cfg_put(w->sc);
	w->sc = NULL;
	cfg_put(atomic_exchange(&w->pending, NULL));
	listeners_close(w);
	close(w->epfd);
	kick_fd(w->exitfd);
	return NULL;
}

/* ---------------------------------------------------------------- main */

/* Nothing listens on sa yet: SO_REUSEPORT would let our workers share the
 * port with another process of the same user, silently. */
static int port_free(const struct sockaddr_in *sa)
{
	int fd, one = 1, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		err = -errno;
	close(fd);
	return err;
}

/* first: the group's first socket on sa, which checks it is free. */
static int listen_on(const struct sockaddr_in *sa, bool first)
{
	int fd, one = 1, err;

	if (first && (err = port_free(sa)))
		return err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 4096)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static struct shared_cfg *cfg_new(const struct proxy_cfg *cfg, int refs)
{
	struct shared_cfg *sc = malloc(sizeof(*sc));

	if (!sc)
		return NULL;
	sc->c = *cfg;
	atomic_init(&sc->refs, refs);
	return sc;
}

static void kick(struct worker *w)
{
	kick_fd(w->ctlfd);
}

/* ---------------------------------------------------------------- group */

struct proxy_group {
	struct worker *ws[PROXY_MAX_WORKERS];
	unsigned int nw, started;
	int exitfd;
	struct tls_server *tls; /* NULL without TLS listeners */
	struct proxy_cfg cur;
};

/* Two descriptors per client at most (it and its upstream): take what the
 * hard limit allows, as nginx's worker_rlimit_nofile would. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* What a worker's thread, if it ran, has not closed itself. */
static void worker_free(struct worker *w, bool ran)
{
	if (!ran) {
		listeners_close(w);
		if (w->epfd >= 0)
			close(w->epfd);
		cfg_put(atomic_exchange(&w->pending, NULL));
	}
	if (w->ctlfd >= 0)
		close(w->ctlfd);
	free(w);
}

/* A worker with its listening sockets and a reference to sc, not running. */
static struct worker *worker_new(struct proxy_group *g, unsigned int id, struct shared_cfg *sc,
				 int *err)
{
	const struct proxy_cfg *cfg = &g->cur;
	unsigned int i;

	struct worker *w = calloc(1, sizeof(*w));

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->id = id;
	w->cev = (struct evsrc){EV_CONTROL, w};
	w->exitfd = g->exitfd;
	w->tls = g->tls;
	w->nls = cfg->nlistens;
	for (i = 0; i < w->nls; i++) {
		w->ls[i] = (struct listener){{EV_LISTEN, w}, -1, cfg->listens[i].tls, ""};
		proxy_fmt_addr(&cfg->listens[i].addr, w->ls[i].name, sizeof(w->ls[i].name));
	}
	atomic_fetch_add(&sc->refs, 1);
	atomic_init(&w->pending, sc);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->ctlfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->ctlfd < 0) {
		*err = -errno;
		pr_warn("epoll/eventfd: %s\n", strerror(errno));
		worker_free(w, false);
		return NULL;
	}
	for (i = 0; i < w->nls; i++) {
		w->ls[i].fd = listen_on(&cfg->listens[i].addr, id == 0);
		if (w->ls[i].fd < 0) {
			*err = w->ls[i].fd;
			pr_warn("cannot listen on %s: %s\n", w->ls[i].name, strerror(-*err));
			worker_free(w, false);
			return NULL;
		}
	}
	return w;
}

/* Stop the workers that run (they finish their requests), free them all. */
static int group_end(struct proxy_group *g)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < g->started; i++) {
		atomic_store(&g->ws[i]->stop, true);
		kick(g->ws[i]);
	}
	for (i = 0; i < g->nw && g->ws[i]; i++) {
		if (i < g->started) {
			pthread_join(g->ws[i]->th, NULL);
			if (g->ws[i]->failed)
				err = -EIO;
		}
		worker_free(g->ws[i], i < g->started);
	}
	if (g->exitfd >= 0)
		close(g->exitfd);
	/* connections hold their own references: after the workers is safe */
	tls_server_free(g->tls);
	free(g);
	return err;
}

/* Each worker inherits the mask: all signals blocked. */
static int start_threads(struct proxy_group *g)
{
	sigset_t all, old;
	int err = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; g->started < g->nw; g->started++) {
		if (pthread_create(&g->ws[g->started]->th, NULL, worker_main, g->ws[g->started])) {
			pr_warn("cannot start worker %u\n", g->started);
			err = -EAGAIN;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* The backends' names for the counters (proxy_stats.h). */
static void stats_backends(const struct proxy_cfg *cfg)
{
	char names[PROXY_MAX_BACKENDS][24];
	unsigned int i;

	for (i = 0; i < cfg->nbackends; i++)
		proxy_fmt_addr(&cfg->backends[i].addr, names[i], sizeof(names[i]));
	proxy_stats_set_backends(&proxy_stats, names, cfg->nbackends);
}

struct proxy_group *proxy_start(const struct proxy_cfg *cfg, int *errp)
{
	struct proxy_group *g = calloc(1, sizeof(*g));
	struct shared_cfg *sc;
	char names[PROXY_MAX_LISTENS * 30] = "", err_tls[512];
	unsigned int i;
	int err = 0;

	if (!g) {
		*errp = -ENOMEM;
		return NULL;
	}
	g->cur = *cfg;
	g->nw = cfg->workers;
	stats_backends(cfg);
	g->exitfd = -1;
	/* every certificate and key read and checked before any socket */
	if (proxy_cfg_has_tls(cfg) && !(g->tls = tls_server_new(&cfg->tls, err_tls, sizeof(err_tls)))) {
		pr_warn("%s\n", err_tls);
		err = -EINVAL;
		goto fail;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < cfg->nlistens; i++) {
		size_t n = strlen(names);

		proxy_fmt_addr(&cfg->listens[i].addr, names + n + (i ? 1 : 0), 24);
		if (i)
			names[n] = ' ';
		if (cfg->listens[i].tls)
			strcat(names, "(tls)");
	}
	g->exitfd = eventfd(0, EFD_CLOEXEC);
	if (g->exitfd < 0) {
		err = -errno;
		pr_warn("eventfd: %s\n", strerror(errno));
		goto fail;
	}
	sc = cfg_new(cfg, 1);
	if (!sc) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < g->nw && !err; i++)
		g->ws[i] = worker_new(g, i, sc, &err);
	cfg_put(sc);
	if (err || (err = start_threads(g)))
		goto fail;
	pr_info("proxy on %s: %u backends, %s, %u workers\n", names, cfg->nbackends,
		cfg->balance == BALANCE_LEASTCONN ? "leastconn" : "roundrobin", g->nw);
	return g;
fail:
	group_end(g);
	*errp = err;
	return NULL;
}

int proxy_exit_fd(const struct proxy_group *g)
{
	return g->exitfd;
}

void proxy_reload(struct proxy_group *g, const struct proxy_cfg *cfg)
{
	struct proxy_cfg nc = *cfg, *cur = &g->cur;
	struct shared_cfg *sc;
	char err[512];
	unsigned int i;

	if (nc.nlistens != cur->nlistens ||
	    memcmp(nc.listens, cur->listens, nc.nlistens * sizeof(nc.listens[0]))) {
		pr_warn("reload: the listeners cannot change; keeping them\n");
		memcpy(nc.listens, cur->listens, sizeof(nc.listens));
		nc.nlistens = cur->nlistens;
	}
	if (!g->tls && nc.tls.npairs)
		pr_warn("reload: no listener speaks TLS; the certificates wait for a restart\n");
	/* the files first: one that does not load changes nothing */
	if (g->tls && tls_server_reload(g->tls, &nc.tls, err, sizeof(err))) {
		pr_warn("reload: %s; keeping the running configuration\n", err);
		return;
	}
	if (nc.workers != cur->workers) {
		pr_warn("reload: the number of workers cannot change; keeping %u\n", cur->workers);
		nc.workers = cur->workers;
	}
	sc = cfg_new(&nc, g->nw);
	if (!sc) {
		pr_warn("reload: out of memory\n");
		return;
	}
	*cur = nc;
	stats_backends(cur);
	for (i = 0; i < g->nw; i++) {
		cfg_put(atomic_exchange(&g->ws[i]->pending, sc));
		kick(g->ws[i]);
	}
	pr_info("reloaded: %u backends, %s\n", nc.nbackends,
		nc.balance == BALANCE_LEASTCONN ? "leastconn" : "roundrobin");
}

int proxy_stop(struct proxy_group *g)
{
	int err = group_end(g);

	if (!err)
		pr_info("proxy stopped\n");
	return err;
}
