/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon of `xdpgw run`: one epoll loop over a signalfd (SIGINT/SIGTERM
 * stop, SIGHUP reloads, SIGUSR2 hands over), a 1 s timerfd (the sweep, the
 * fast path's switch, /metrics' stale connections), the instance lock
 * (where `xdpgw status` asks, control.h), the /metrics endpoint and the
 * proxy's exit event. It also keeps what only it knows: the last sweep.
 */
#ifndef XDPGW_DAEMON_H
#define XDPGW_DAEMON_H

#include <netinet/in.h>
#include <linux/types.h>
#include "fast_switch.h"
#include "instance.h"
#include "proxy.h"
#include "expiry.h"

struct daemon {
	/* What it runs; set by the caller. */
	const struct instance *in;
	const struct instance_cfg *cfg;
	struct expiry *ex;
	struct fast_switch *fs;
	struct proxy_group *pg; /* NULL: no proxy in this daemon */
	const struct proxy_cfg *proxy; /* its listeners */
	const struct sockaddr_in *metrics; /* NULL: no /metrics */
	int lock; /* the instance lock's socket */
	void (*reload)(struct daemon *d); /* SIGHUP */
	void *reload_ctx;
	/* What it saw. */
	__u64 started_ns;
	__u64 sweeps;
	__u64 last_sweep_at_ns; /* when the last sweep ended (monotonic) */
	__u64 last_sweep_took_ns;
	struct sweep_result last; /* of the last sweep */
	char *proxy_text; /* the proxy's series of the last scrape */
};

/* daemon_serve's return when SIGUSR2 asked for a handover. */
#define DAEMON_HANDOVER 1

/* Block SIGINT/SIGTERM/SIGHUP/SIGUSR2 and return a signalfd for them, or
 * -errno. Call it before any thread starts, so they reach only the signalfd.
 */
int daemon_signal_fd(void);

/* Run the loop until a signal stops it or the proxy breaks: 0 (stop),
 * DAEMON_HANDOVER, or -errno (printed).
 */
int daemon_serve(struct daemon *d, int sfd);

#endif
