/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The proxy's counters, for /metrics and `xdpgw status`: requests by status
 * class, upstream connect and response times as histograms, and whether
 * each backend is up. One set per process, updated by every worker with
 * relaxed atomic adds (three per request) and read by the daemon's thread.
 */
#ifndef XDPGW_PROXY_STATS_H
#define XDPGW_PROXY_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PROXY_HIST_BUCKETS 12 /* upper bounds in proxy_hist_bounds_us, then +Inf */
#define PROXY_STATS_BACKENDS 64 /* PROXY_MAX_BACKENDS */

struct proxy_hist {
	atomic_uint_least64_t bucket[PROXY_HIST_BUCKETS + 1];
	atomic_uint_least64_t sum_us;
};

struct proxy_stats {
	atomic_uint_least64_t requests[6]; /* [1..5]: 1xx..5xx; [0]: no status */
	struct proxy_hist connect; /* socket to connected, per new upstream connection */
	struct proxy_hist response; /* request start to the end of its response */
	/* Backends by name, as the configuration lists them (the daemon's
	 * thread writes the names at start and reload; workers flip down).
	 */
	unsigned int nbackends;
	char name[PROXY_STATS_BACKENDS][24];
	atomic_bool down[PROXY_STATS_BACKENDS];
};

extern struct proxy_stats proxy_stats;

void proxy_stats_request(struct proxy_stats *s, unsigned int status, uint64_t us);
void proxy_stats_connect(struct proxy_stats *s, uint64_t us);
/* A backend went down or came up again (by its name). */
void proxy_stats_backend(struct proxy_stats *s, const char *name, bool down);
/* The backends' names, from the configuration (a reload keeps the state of
 * names that stay).
 */
void proxy_stats_set_backends(struct proxy_stats *s, const char (*names)[24], unsigned int n);

/* Prometheus exposition of s, every series labelled listen="ADDR:PORT". */
void proxy_stats_render(FILE *f, const struct proxy_stats *s, const char *listen);
/* The backends and their health as a JSON array. */
void proxy_stats_backends_json(FILE *f, const struct proxy_stats *s);

#endif
