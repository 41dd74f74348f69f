/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon of `xdpgw run`, on lib/daemon.h's loop: its tick sweeps the
 * flows, steps the fast path's switch and closes /metrics' stale
 * connections; SIGUSR2 hands over; the instance lock answers `xdpgw
 * status` (control.h); the /metrics endpoint and the proxy's exit event
 * are its other sources. It also keeps what only it knows: the last sweep.
 */
#ifndef XDPGW_RUN_DAEMON_H
#define XDPGW_RUN_DAEMON_H

#include <stdio.h>
#include <netinet/in.h>
#include <linux/types.h>
#include "daemon.h"
#include "fast_switch.h"
#include "instance.h"
#include "proxy.h"
#include "expiry.h"

struct metrics_server;

struct run_daemon {
	/* What it runs; set by the caller. */
	const struct instance *in;
	const struct instance_cfg *cfg;
	struct expiry *ex;
	struct fast_switch *fs;
	struct proxy_group *pg; /* NULL: no proxy in this daemon */
	const struct proxy_cfg *proxy; /* its listeners */
	const struct sockaddr_in *metrics; /* NULL: no /metrics */
	int lock; /* the instance lock's socket */
	void (*reload)(struct run_daemon *d); /* SIGHUP */
	void *reload_ctx;
	const char *dir; /* the instance's pin directory */
	/* The loop; its signalfd opened by the caller (daemon_signals) before
	 * any thread starts.
	 */
	struct daemon_loop loop;
	struct metrics_server *ms;
	/* What it saw. */
	__u64 started_ns;
	__u64 sweeps;
	__u64 last_sweep_at_ns; /* when the last sweep ended (monotonic) */
	__u64 last_sweep_took_ns;
	struct sweep_result last; /* of the last sweep */
	char *proxy_text; /* the proxy's series of the last scrape */
};

/* Run the loop until a signal stops it or the proxy breaks: DAEMON_STOP,
 * DAEMON_HANDOVER, or -errno (printed). Closes the loop.
 */
int run_daemon_serve(struct run_daemon *d);

/* `xdpgw status`'s request to the daemon (control.h): its answer into f. */
void run_daemon_status(FILE *f, const char *request, void *ctx);

#endif
