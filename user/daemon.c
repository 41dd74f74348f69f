// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "control.h"
#include "daemon.h"
#include "flow.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "proxy_stats.h"
#include "stats.h"

#define TICK_S 1 /* the sweep's period */

int daemon_signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int tick_fd(void)
{
	struct itimerspec every = { .it_interval = { TICK_S, 0 }, .it_value = { TICK_S, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &every, NULL)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void sweep(struct daemon *d)
{
	const char *ifname = d->cfg->ifname;
	struct sweep_result *res = &d->last;
	__u64 start = monotonic_ns();
	int err;

	err = expiry_tick(d->ex, instance_map_fd(d->in, XDPGW_MAP_FLOWS), &d->cfg->settings,
			  start, res);
	d->last_sweep_at_ns = monotonic_ns();
	d->last_sweep_took_ns = d->last_sweep_at_ns - start;
	d->sweeps++;
	if (err)
		pr_warn("%s: sweeping map " XDPGW_MAP_FLOWS " failed: %s\n", ifname,
			strerror(-err));
	if (res->expired)
		stats_add(instance_map_fd(d->in, XDPGW_MAP_STATS), STAT_EXPIRED, res->expired);
	if (res->early_dropped)
		pr_info("%s: flow table nearly full (%llu of %u): dropped the %llu oldest flows "
			"that never saw a reply\n",
			ifname,
			(unsigned long long)(res->scanned - res->expired + res->early_dropped),
			d->cfg->settings.max_flows, (unsigned long long)res->early_dropped);
	pr_debug("%s: swept %llu flows, %llu expired\n", ifname,
		 (unsigned long long)res->scanned, (unsigned long long)res->expired);
}

static const char *const dir_names[FAST_DIR__MAX] = { "out", "in" };

/* `xdpgw status` as text: lines indented as its own. */
static void answer_status_text(FILE *f, struct daemon *d)
{
	__u64 now = monotonic_ns();
	char addr[24];
	unsigned int i;

	if (d->sweeps)
		fprintf(f,
			"  sweep       last %.3f ms, %.1f s ago: %llu flows scanned, %llu expired, "
			"%llu due soon (expiry lane)\n",
			d->last_sweep_took_ns / 1e6, (now - d->last_sweep_at_ns) / 1e9,
			(unsigned long long)d->last.scanned, (unsigned long long)d->last.expired,
			(unsigned long long)d->last.lane);
	for (i = 0; d->fs->map_fd >= 0 && i < FAST_DIR__MAX; i++)
		if (d->fs->d[i].state != FAST_STATE_ON)
			fprintf(f, "  fast %-3s    %s\n", dir_names[i], d->fs->d[i].why);
	if (d->pg) {
		fprintf(f, "  proxy       ");
		for (i = 0; i < d->proxy->nlistens; i++) {
			proxy_fmt_addr(&d->proxy->listens[i].addr, addr, sizeof(addr));
			fprintf(f, "%s%s%s", i ? ", " : "", addr, d->proxy->listens[i].tls ? " (tls)" : "");
		}
		fputc(':', f);
		for (i = 0; i < proxy_stats.nbackends; i++)
			fprintf(f, "%s %s %s", i ? "," : "", proxy_stats.name[i],
				atomic_load(&proxy_stats.down[i]) ? "down" : "up");
		fputc('\n', f);
	}
	if (d->metrics) {
		proxy_fmt_addr(d->metrics, addr, sizeof(addr));
		fprintf(f, "  metrics     http://%s/metrics\n", addr);
	}
}

/* `xdpgw status`: what only the daemon knows, as one JSON object (or text). */
static void answer_status(FILE *f, const char *request, void *ctx)
{
	struct daemon *d = ctx;
	__u64 now = monotonic_ns();
	char addr[24];
	int i;

	if (!strcmp(request, CONTROL_STATUS_TEXT)) {
		answer_status_text(f, d);
		return;
	}
	if (strcmp(request, CONTROL_STATUS)) {
		fprintf(f, "{\"error\":\"unknown request\"}");
		return;
	}
	fprintf(f, "{\"pid\":%d,\"uptime_s\":%llu,\"sweep\":{\"runs\":%llu", getpid(),
		(unsigned long long)((now - d->started_ns) / 1000000000ull),
		(unsigned long long)d->sweeps);
	if (d->sweeps)
		fprintf(f,
			",\"last_ms\":%.3f,\"ago_s\":%.1f,\"scanned\":%llu,\"expired\":%llu,"
			"\"early_dropped\":%llu,\"lane\":%llu",
			d->last_sweep_took_ns / 1e6, (now - d->last_sweep_at_ns) / 1e9,
			(unsigned long long)d->last.scanned, (unsigned long long)d->last.expired,
			(unsigned long long)d->last.early_dropped, (unsigned long long)d->last.lane);
	fprintf(f, "},\"fast_path\":[");
	for (i = 0; d->fs->map_fd >= 0 && i < FAST_DIR__MAX; i++) {
		fprintf(f, "%s{\"direction\":\"%s\",\"from\":", i ? "," : "", dir_names[i]);
		json_str(f, d->fs->d[i].from);
		fprintf(f, ",\"to\":");
		json_str(f, d->fs->d[i].to);
		fprintf(f, ",\"on\":%s,\"why\":",
			d->fs->d[i].state == FAST_STATE_ON ? "true" : "false");
		json_str(f, d->fs->d[i].why);
		fprintf(f, "}");
	}
	fprintf(f, "],\"proxy\":");
	if (d->pg) {
		fprintf(f, "{\"listen\":[");
		for (i = 0; i < (int)d->proxy->nlistens; i++) {
			proxy_fmt_addr(&d->proxy->listens[i].addr, addr, sizeof(addr));
			fprintf(f, "%s{\"address\":\"%s\",\"tls\":%s}", i ? "," : "", addr,
				d->proxy->listens[i].tls ? "true" : "false");
		}
		fprintf(f, "],\"backends\":");
		proxy_stats_backends_json(f, &proxy_stats);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\"metrics\":");
	if (d->metrics) {
		proxy_fmt_addr(d->metrics, addr, sizeof(addr));
		fprintf(f, "\"http://%s/metrics\"", addr);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "}");
}

/* The proxy's series for /metrics, in d->proxy_text (freed at the next). */
static const char *proxy_metrics(struct daemon *d)
{
	char listen[24];
	size_t len;
	FILE *f;

	free(d->proxy_text);
	d->proxy_text = NULL;
	if (!d->pg)
		return NULL;
	/* the proxy's series carry its first listener's address */
	proxy_fmt_addr(&d->proxy->listens[0].addr, listen, sizeof(listen));
	f = open_memstream(&d->proxy_text, &len);
	if (!f)
		return NULL;
	proxy_stats_render(f, &proxy_stats, listen);
	return fclose(f) ? NULL : d->proxy_text;
}

/* /metrics: the counters now, the table as the last sweep saw it. */
static int collect_metrics(void *ctx, struct metrics_input *m)
{
	struct daemon *d = ctx;
	const struct xdpgw_config *set = &d->cfg->settings;
	const struct flow_census *c = d->last.census;
	int err, i;

	m->ifname = d->cfg->ifname;
	m->extra = proxy_metrics(d);
	err = stats_read(instance_map_fd(d->in, XDPGW_MAP_STATS), m->stats);
	if (err)
		return err;
	if (!d->sweeps || !c)
		return 0;
	m->have_table = true;
	for (i = 0; i < FLOW_STATE__MAX; i++)
		m->flows_by_state[i] = c->by_state[i];
	m->ports_tcp = c->ports[CENSUS_TCP];
	m->ports_udp = c->ports[CENSUS_UDP];
	m->ports_icmp = c->ports[CENSUS_ICMP];
	m->port_pool = (__u32)set->port_max - set->port_min + 1;
	m->max_flows = set->max_flows;
	m->sweep_seconds = d->last_sweep_took_ns / 1e9;
	m->sweeps = d->sweeps;
	return 0;
}

static int watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* A stop or handover by signal: 0 or DAEMON_HANDOVER; -1 to go on. */
static int on_signal(struct daemon *d, int sfd)
{
	struct signalfd_siginfo si;
	const char *inflight = d->pg ? "finishing the proxy's requests in flight, then " : "";

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return -1;
	if (si.ssi_signo == SIGHUP) {
		d->reload(d);
		return -1;
	}
	if (si.ssi_signo == SIGUSR2) {
		pr_info("xdpgw: %s received, %shanding the instance over\n",
			strsignal(si.ssi_signo), inflight);
		return DAEMON_HANDOVER;
	}
	pr_info("xdpgw: %s received, %sdetaching\n", strsignal(si.ssi_signo), inflight);
	return 0;
}

int daemon_serve(struct daemon *d, int sfd)
{
	struct metrics_server *ms = NULL;
	struct epoll_event got;
	char addr[24];
	__u64 ticks;
	int ep, tfd, n, ret = 0;

	d->started_ns = monotonic_ns();
	tfd = tick_fd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (tfd < 0 || ep < 0 || watch(ep, sfd) || watch(ep, tfd) || watch(ep, d->lock) ||
	    (d->pg && watch(ep, proxy_exit_fd(d->pg)))) {
		ret = tfd < 0 ? tfd : -errno;
		pr_warn("%s: event loop failed: %s\n", d->cfg->ifname, strerror(-ret));
		goto out;
	}
	if (d->metrics) {
		ms = metrics_listen(d->metrics, ep, collect_metrics, d, &ret);
		proxy_fmt_addr(d->metrics, addr, sizeof(addr));
		if (!ms) {
			pr_warn("%s: --metrics %s: cannot listen: %s\n", d->cfg->ifname, addr,
				strerror(-ret));
			goto out;
		}
		pr_info("xdpgw: %s: metrics on http://%s/metrics\n", d->cfg->ifname, addr);
	}
	for (;;) {
		n = epoll_wait(ep, &got, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			pr_warn("%s: event loop failed: %s\n", d->cfg->ifname, strerror(-ret));
			break;
		}
		if (got.data.fd == tfd) {
			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				sweep(d);
				fast_switch_tick(d->fs);
				metrics_tick(ms);
			}
		} else if (got.data.fd == d->lock) {
			control_answer(d->lock, answer_status, d);
		} else if (got.data.fd == sfd) {
			ret = on_signal(d, sfd);
			if (ret >= 0)
				break;
			ret = 0;
		} else if (!metrics_on_event(ms, got.data.fd, got.events)) {
			pr_warn("a proxy worker stopped; stopping\n");
			ret = -EIO;
			break;
		}
	}
out:
	metrics_close(ms);
	free(d->proxy_text);
	d->proxy_text = NULL;
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return ret;
}
