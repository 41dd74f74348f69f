// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Active health checks (--health-check PATH): every interval, each backend
 * gets "GET PATH" on a connection of its own; a 2xx or 3xx status line in
 * time keeps it up, anything else marks it down until a check passes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "proxy_int.h"
#include "proxy_stats.h"

static void probe_done(struct probe *pr, bool ok)
{
	struct backend *be = pr->be;

	if (pr->sk.fd >= 0) {
		close(pr->sk.fd);
		pr->sk.fd = -1;
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
}

static void probe_timer(struct ptimer *t)
{
	probe_done(container_of(t, struct probe, tmr), false);
}

/* Send the request once connected: true when it went whole. */
static bool probe_send(struct probe *pr)
{
	const struct proxy_cfg *cfg = pr->ev.w->cfg;
	char req[400];
	int len = snprintf(req, sizeof(req),
			   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: xdpgw-health\r\n"
			   "Connection: close\r\n\r\n",
			   cfg->health_path, pr->be->name);
	struct iovec iov = {req, len};
	size_t n;

	return sock_write(&pr->sk, &iov, 1, &n) == IO_MOVED && n == (size_t)len;
}

static void probe_event(struct evsrc *ev, uint32_t events)
{
	struct probe *pr = container_of(ev, struct probe, ev);
	size_t n;

	if (pr->sk.fd < 0)
		return;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		probe_done(pr, false);
		return;
	}
	if (!pr->sent && (events & EPOLLOUT)) {
		if (!probe_send(pr)) {
			probe_done(pr, false);
			return;
		}
		pr->sent = true;
	}
	while (pr->sent && pr->len < sizeof(pr->buf) - 1) {
		enum io_result r =
			sock_read(&pr->sk, pr->buf + pr->len, sizeof(pr->buf) - 1 - pr->len, &n);

		if (r == IO_BLOCKED)
			return;
		if (r == IO_FAILED)
			break;
		pr->len += n;
		if (memchr(pr->buf, '\n', pr->len))
			break;
	}
	if (!pr->sent)
		return;
	pr->buf[pr->len] = '\0';
	/* "HTTP/1.x 2xx" or 3xx */
	probe_done(pr, pr->len >= 12 && !strncmp(pr->buf, "HTTP/1.", 7) &&
			       (pr->buf[9] == '2' || pr->buf[9] == '3'));
}

static void probe_start(struct worker *w, struct backend *be)
{
	struct probe *pr = be->probe;

	if (!pr) {
		pr = calloc(1, sizeof(*pr));
		if (!pr)
			return;
		pr->ev = (struct evsrc){probe_event, w};
		pr->be = be;
		pr->sk.fd = -1;
		pr->tmr.fn = probe_timer;
		be->probe = pr;
	}
	if (pr->sk.fd >= 0)
		return; /* the last one is still going */
	pr->sent = false;
	pr->len = 0;
	pr->sk =
		(struct sock){.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
	if (pr->sk.fd < 0)
		return;
	if (connect(pr->sk.fd, (struct sockaddr *)&be->addr, sizeof(be->addr)) &&
	    errno != EINPROGRESS) {
		probe_done(pr, false);
		return;
	}
	if (sock_watch(w, &pr->sk, &pr->ev)) {
		probe_done(pr, false);
		return;
	}
	tw_add(&w->tw, &pr->tmr, w->now + w->cfg->connect_timeout);
}

void health_timer(struct ptimer *t)
{
	struct worker *w = container_of(t, struct worker, health_tmr);
	unsigned int i;

	if (!w->cfg->health_path[0] || w->draining)
		return;
	for (i = 0; i < w->bal.n; i++)
		probe_start(w, w->bal.be[i]);
	tw_add(&w->tw, &w->health_tmr, w->now + w->cfg->health_interval);
}

void probe_stop(struct worker *w, struct backend *be)
{
	struct probe *pr = be->probe;

	if (!pr)
		return;
	if (pr->sk.fd >= 0)
		probe_done(pr, false);
	/* freed after this loop turn: an event for it may still be queued */
	pr->dead_next = w->dead_probes;
	w->dead_probes = pr;
	be->probe = NULL;
}
