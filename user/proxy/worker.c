// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A worker's event loop (proxy_int.h says how the workers share the work):
 * epoll hands each event to its source's handler; clients that used their
 * pump budget go again; timers run; what was closed is freed. Here too:
 * accepting clients, taking a new configuration, draining on stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "proxy_int.h"

#define MAX_EVENTS	256
#define ACCEPT_BATCH	64
#define ACCEPT_PAUSE_MS 100 /* out of file descriptors: retry accept after */
#define MAX_REJECTING	256 /* clients over max-conns being told 503, per worker */

atomic_uint proxy_conns;

void kick_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		pr_warn("eventfd write: %s\n", strerror(errno));
}

void cfg_put(struct shared_cfg *sc)
{
	if (sc && atomic_fetch_sub(&sc->refs, 1) == 1)
		free(sc);
}

/* Take a configuration: its backends (backends_apply), its settings, its
 * health checks. */
static void apply_cfg(struct worker *w, struct shared_cfg *sc)
{
	const struct proxy_cfg *cfg = &sc->c;
	unsigned int i;

	backends_apply(w, cfg);
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

/* ---------------------------------------------------------------- accept */

void listeners_watch(struct worker *w, bool on)
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

void listeners_close(struct worker *w)
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

/* accept4 failed: out of descriptors or memory pauses accepting a while. */
static void accept_failed(struct worker *w)
{
	if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
		return;
	pr_warn("accept: %s; pausing for %d ms\n", strerror(errno), ACCEPT_PAUSE_MS);
	listeners_watch(w, false);
	w->accept_paused = true;
	tw_add(&w->tw, &w->accept_tmr, w->now + ACCEPT_PAUSE_MS);
}

/* A new client; over max-conns it is told 503 (or, when too many are
 * being told or the listener speaks TLS, closed). */
static void accept_one(struct worker *w, struct listener *ls, int fd, const struct sockaddr_in *sa)
{
	bool over = atomic_fetch_add(&proxy_conns, 1) >= w->cfg->max_conns;
	struct client *c;

	if (over) {
		atomic_fetch_sub(&proxy_conns, 1);
		/* a 503 over TLS would cost a handshake when busiest */
		if (w->nrejecting >= MAX_REJECTING || ls->tls) {
			close(fd);
			return;
		}
	}
	c = client_new(w, ls, fd, sa);
	if (!c) {
		if (!over)
			atomic_fetch_sub(&proxy_conns, 1);
		close(fd);
		return;
	}
	if (over) {
		/* refused cleanly: a 503 and a lingering close */
		c->rejected = true;
		w->nrejecting++;
		reply(c, 503, true);
	} else {
		client_arm(c, c->sk.tls ? w->cfg->handshake_timeout : w->cfg->header_timeout);
	}
	client_pump(c);
}

static void listener_event(struct evsrc *ev, uint32_t events)
{
	struct listener *ls = container_of(ev, struct listener, ev);
	struct sockaddr_in sa;
	socklen_t len;
	int i, fd;

	(void)events;
	for (i = 0; i < ACCEPT_BATCH && ls->fd >= 0; i++) {
		len = sizeof(sa);
		fd = accept4(ls->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			accept_failed(ev->w);
			return;
		}
		accept_one(ev->w, ls, fd, &sa);
	}
}

void listener_init(struct worker *w, struct listener *ls, bool tls)
{
	*ls = (struct listener){.ev = {listener_event, w}, .fd = -1, .tls = tls};
}

/* ---------------------------------------------------------------- stop, reload */

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

/* The caller's thread kicked: a new configuration, or stop. */
static void control_event(struct evsrc *ev, uint32_t events)
{
	struct worker *w = ev->w;
	struct shared_cfg *sc;
	uint64_t v;

	(void)events;
	/* the count does not matter: pending and stop say what is asked */
	if (read(w->ctlfd, &v, sizeof(v)) < 0)
		v = 0;
	sc = atomic_exchange(&w->pending, NULL);
	if (sc)
		apply_cfg(w, sc);
	if (atomic_load(&w->stop))
		worker_drain(w);
}

void worker_init_events(struct worker *w)
{
	w->cev = (struct evsrc){control_event, w};
}

/* ---------------------------------------------------------------- loop */

/* Free what was closed in this loop turn (an event for it may have been
 * queued until now). */
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

static void clock_update(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->now = ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Clients that used their budget, once each, in turn. */
static void run_again(struct worker *w)
{
	struct client *list = w->again, *c;

	w->again = NULL;
	while ((c = list)) {
		list = c->again_next;
		c->in_again = false;
		if (c->state != CL_DEAD)
			client_pump(c);
	}
}

static void worker_setup(struct worker *w)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->cev};

	clock_update(w);
	tw_init(&w->tw, w->now);
	w->accept_tmr.fn = accept_resume;
	w->trim_tmr.fn = trim_timer;
	tw_add(&w->tw, &w->trim_tmr, w->now + TRIM_MS);
	w->health_tmr.fn = health_timer;
	apply_cfg(w, atomic_exchange(&w->pending, NULL));
	listeners_watch(w, true);
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ctlfd, &ev);
}

/* Draining: done when no client is left, or at the deadline (closing
 * what is). */
static bool drain_over(struct worker *w)
{
	if (!w->nclients)
		return true;
	if (w->now < w->drain_deadline)
		return false;
	pr_warn("worker %d: %u connections still open after the drain timeout; closing them\n",
		w->id, w->nclients);
	while (w->all)
		client_close(w->all);
	reap(w);
	return true;
}

/* Leave nothing behind, and say so to the caller's thread. */
static void worker_teardown(struct worker *w)
{
	unsigned int i;

	while (w->all)
		client_close(w->all);
	for (i = 0; i < w->bal.n; i++)
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
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];

	worker_setup(w);
	for (;;) {
		int i, n, timeout = w->again ? 0 : tw_wait_ms(&w->tw, w->now);

		n = epoll_wait(w->epfd, evs, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			pr_warn("worker %d: epoll_wait: %s\n", w->id, strerror(errno));
			w->failed = true;
			break;
		}
		clock_update(w);
		for (i = 0; i < n; i++) {
			struct evsrc *src = evs[i].data.ptr;

			src->on_event(src, evs[i].events);
		}
		run_again(w);
		tw_run(&w->tw, w->now);
		reap(w);
		if (w->draining && drain_over(w))
			break;
	}
	worker_teardown(w);
	return NULL;
}
