// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connections to the backends: connect, the end of a connect, and each
 * backend's keep-alive pool of idle connections.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proxy_int.h"
#include "proxy_stats.h"

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
	close(u->sk.fd);
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

void pool_close_all(struct backend *be)
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

struct upstream *pool_get(struct backend *be)
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
	u->sk.rd = false;
	u->sk.wr = true;
	return u;
}

void up_release(struct client *c, bool reuse)
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
	if (reuse && u->keep && !u->sk.rdhup && !be->removed && !w->draining &&
	    be->nidle < backend_pool_room(be, w->cfg->keepalive, w->cfg->keepalive_max))
		pool_put(w, u);
	else
		up_close(u);
}

/* The connect came to its end: the exchange goes on, or fails. */
static void connect_done(struct upstream *u)
{
	struct client *c = u->c;
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(u->sk.fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		exchange_upstream_failed(c, err);
		return;
	}
	u->state = UP_BUSY;
	proxy_stats_connect(&proxy_stats, mono_us() - u->t_connect_us);
	client_arm(c, u->ev.w->cfg->read_timeout);
}

static void upstream_event(struct evsrc *ev, uint32_t e)
{
	struct upstream *u = container_of(ev, struct upstream, ev);
	struct client *c = u->c;

	if (u->state == UP_DEAD)
		return;
	if (u->state == UP_IDLE) {
		/* an idle pooled connection said something: closed */
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			up_close(u);
		return;
	}
	sock_events(&u->sk, e);
	if (u->state == UP_CONNECTING) {
		if (!(e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			return;
		connect_done(u);
	}
	client_pump(c);
}

struct upstream *up_connect(struct worker *w, struct backend *be, int *err)
{
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
	u->ev = (struct evsrc){upstream_event, w};
	u->sk = (struct sock){.fd = fd, .wr = !r};
	u->state = r ? UP_CONNECTING : UP_BUSY;
	u->t_connect_us = mono_us();
	if (!r)
		proxy_stats_connect(&proxy_stats, 0);
	u->tmr.fn = pool_timer;
	u->be = be;
	be_get(be);
	if (sock_watch(w, &u->sk, &u->ev)) {
		*err = errno;
		up_close(u);
		return NULL;
	}
	return u;
}
