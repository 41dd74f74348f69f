/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics: the text exposition format (version 0.0.4) of the
 * daemon's counters and gauges, served on GET /metrics from the daemon's
 * own event loop. Nothing here blocks: sockets are non-blocking, a scrape
 * is answered from numbers the daemon already has (the counters map, what
 * the last sweep counted), and a client that stalls is closed at the next
 * tick.
 */
#ifndef XDPGW_METRICS_H
#define XDPGW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <linux/types.h>
#include "xdpgw.h"

/* What one scrape shows; filled by the daemon's collect callback. */
struct metrics_input {
	const char *ifname; /* the external interface: label of every series */
	__u64 stats[STAT__MAX]; /* summed over CPUs */
	bool have_table; /* the fields below are set (a sweep has run) */
	__u64 flows_by_state[FLOW_STATE__MAX]; /* at the last sweep */
	__u64 ports_tcp, ports_udp, ports_icmp; /* external ports (ids) in use */
	__u32 port_pool; /* ports in the pool, per protocol */
	__u32 max_flows;
	double sweep_seconds; /* the last sweep's duration */
	__u64 sweeps; /* sweeps run */
	/* Appended verbatim (complete # HELP/# TYPE blocks), e.g. the proxy's. */
	const char *extra;
};

/* Render in as exposition text into a malloc'd string; NULL on no memory. */
char *metrics_render(const struct metrics_input *in);

typedef int (*metrics_collect_fn)(void *ctx, struct metrics_input *in);

struct metrics_server;

/* Listen on addr and register the socket with epoll instance ep. Returns
 * the server or NULL with *err = -errno.
 */
struct metrics_server *metrics_listen(const struct sockaddr_in *addr, int ep,
				      metrics_collect_fn collect, void *ctx, int *err);
/* An epoll event on fd: handled (true) if fd is the server's or one of
 * its connections'.
 */
bool metrics_on_event(struct metrics_server *ms, int fd, __u32 events);
/* Close connections that have been open longer than their deadline. */
void metrics_tick(struct metrics_server *ms);
void metrics_close(struct metrics_server *ms);

/* Parse an HTTP request head (up to its blank line): the status to answer,
 * 200 for GET (or HEAD) /metrics, 404 for another path, 405 for another
 * method, 400 for something that is not a request line.
 */
int metrics_route(const char *head, size_t len, bool *head_only);

#endif
