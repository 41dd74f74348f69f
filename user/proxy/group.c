// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The proxy as the daemon runs it (proxy.h): its workers, each a thread
 * with its own listening sockets, started, given new configurations and
 * stopped from the caller's thread. Signals are the caller's: the workers
 * block them all.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "proxy_int.h"
#include "proxy_stats.h"

struct proxy_group {
	struct worker *ws[PROXY_MAX_WORKERS];
	unsigned int nw, started;
	int exitfd;
	struct tls_server *tls; /* NULL without TLS listeners */
	struct proxy_cfg cur;
};

/* ---------------------------------------------------------------- sockets */

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

/* ---------------------------------------------------------------- workers */

static struct shared_cfg *cfg_new(const struct proxy_cfg *cfg, int refs)
{
	struct shared_cfg *sc = malloc(sizeof(*sc));

	if (!sc)
		return NULL;
	sc->c = *cfg;
	atomic_init(&sc->refs, refs);
	return sc;
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
	struct worker *w = calloc(1, sizeof(*w));
	unsigned int i;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->id = id;
	worker_init_events(w);
	w->exitfd = g->exitfd;
	w->tls = g->tls;
	w->nls = cfg->nlistens;
	for (i = 0; i < w->nls; i++) {
		listener_init(w, &w->ls[i], cfg->listens[i].tls);
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
		kick_fd(g->ws[i]->ctlfd);
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

/* ---------------------------------------------------------------- proxy.h */

/* "ADDR:PORT(tls) ADDR:PORT" for the start message. */
static void listen_names(const struct proxy_cfg *cfg, char *names)
{
	unsigned int i;

	names[0] = '\0';
	for (i = 0; i < cfg->nlistens; i++) {
		size_t n = strlen(names);

		proxy_fmt_addr(&cfg->listens[i].addr, names + n + (i ? 1 : 0), 24);
		if (i)
			names[n] = ' ';
		if (cfg->listens[i].tls)
			strcat(names, "(tls)");
	}
}

struct proxy_group *proxy_start(const struct proxy_cfg *cfg, int *errp)
{
	struct proxy_group *g = calloc(1, sizeof(*g));
	struct shared_cfg *sc;
	char names[PROXY_MAX_LISTENS * 30], err_tls[512];
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
	if (proxy_cfg_has_tls(cfg) &&
	    !(g->tls = tls_server_new(&cfg->tls, err_tls, sizeof(err_tls)))) {
		pr_warn("%s\n", err_tls);
		err = -EINVAL;
		goto fail;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	listen_names(cfg, names);
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
		kick_fd(g->ws[i]->ctlfd);
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
