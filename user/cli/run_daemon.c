// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"
#include "log.h"
#include "metrics.h"
#include "proxy_stats.h"
#include "run_daemon.h"
#include "stats.h"
#include "timeouts.h"

static void sweep(struct run_daemon *d)
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

/* The proxy's series for /metrics, in d->proxy_text (freed at the next). */
static const char *proxy_metrics(struct run_daemon *d)
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
	struct run_daemon *d = ctx;
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

/* The tick: the sweep, the fast path's switch, /metrics' stale clients. */
static void on_tick(void *ctx)
{
	struct run_daemon *d = ctx;

	sweep(d);
	fast_switch_tick(d->fs);
	metrics_tick(d->ms);
}

static void on_reload(void *ctx)
{
	struct run_daemon *d = ctx;

	d->reload(d);
}

static void on_stopping(void *ctx, int signo)
{
	struct run_daemon *d = ctx;
	const char *inflight = d->pg ? "finishing the proxy's requests in flight, then " : "";

	if (signo == SIGUSR2)
		pr_info("xdpgw: %s received, %shanding the instance over\n", strsignal(signo),
			inflight);
	else
		pr_info("xdpgw: %s received, %sdetaching\n", strsignal(signo), inflight);
}

/* The lock (`xdpgw status`), /metrics' sockets, the proxy's exit event. */
static int on_event(void *ctx, int fd, __u32 events)
{
	struct run_daemon *d = ctx;

	if (fd == d->lock) {
		control_answer(d->lock, run_daemon_status, d);
		return DAEMON_GO_ON;
	}
	if (metrics_on_event(d->ms, fd, events))
		return DAEMON_GO_ON;
	pr_warn("a proxy worker stopped; stopping\n");
	return -EIO;
}

/* /metrics on d->metrics, in the loop's epoll set. 0 or -errno (printed). */
static int metrics_start(struct run_daemon *d)
{
	char addr[24];
	int err;

	if (!d->metrics)
		return 0;
	d->ms = metrics_listen(d->metrics, d->loop.ep, collect_metrics, d, &err);
	proxy_fmt_addr(d->metrics, addr, sizeof(addr));
	if (!d->ms) {
		pr_warn("%s: --metrics %s: cannot listen: %s\n", d->cfg->ifname, addr,
			strerror(-err));
		return err;
	}
	pr_info("xdpgw: %s: metrics on http://%s/metrics\n", d->cfg->ifname, addr);
	return 0;
}

int run_daemon_serve(struct run_daemon *d)
{
	int ret;

	d->started_ns = monotonic_ns();
	d->loop.ctx = d;
	d->loop.name = d->cfg->ifname;
	d->loop.tick = on_tick;
	d->loop.reload = on_reload;
	d->loop.stopping = on_stopping;
	d->loop.on_event = on_event;
	ret = daemon_open(&d->loop);
	if (!ret)
		ret = daemon_watch(&d->loop, d->lock);
	if (!ret && d->pg)
		ret = daemon_watch(&d->loop, proxy_exit_fd(d->pg));
	if (ret)
		pr_warn("%s: event loop failed: %s\n", d->cfg->ifname, strerror(-ret));
	else
		ret = metrics_start(d);
	if (!ret)
		ret = daemon_run(&d->loop);
	metrics_close(d->ms);
	d->ms = NULL;
	free(d->proxy_text);
	d->proxy_text = NULL;
	daemon_close(&d->loop);
	return ret;
}
