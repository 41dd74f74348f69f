/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Expiry: the daemon's periodic sweep of the NAT table. The scan runs here,
 * in batches of map reads; the deletes run in the kernel (bpf/sweep.bpf.c),
 * a batch of expired flows per BPF_PROG_RUN, each deleted only if it saw no
 * packet since the scan read it. The forward entry goes before the reverse
 * one, so an external port returns to the pool only once its flow is gone.
 */
#ifndef XDPGW_SWEEP_H
#define XDPGW_SWEEP_H

#include <linux/types.h>
#include "xdpgw.h"
#include "flow_table.h"

struct sweeper;

struct sweep_result {
	__u64 scanned;
	__u64 expired;
	__u64 longest_batch_ns; /* the longest single BPF_PROG_RUN of deletes */
	__u64 early_dropped; /* of expired: unreplied flows dropped early (early_drop.h) */
	const struct flow_census *census; /* the table as the scan saw it (the sweeper's) */
};

/* Load the expire program, working on the given flows and rev maps, and
 * telling `xdpgw watch` through events_fd (-1: a private ring buffer);
 * each deleted flow is given back to its host's count in host_flows_fd
 * (-1: a private map).
 */
int sweeper_open(struct sweeper **sw, int flows_fd, int rev_fd, int events_fd,
		 int host_flows_fd);

/* The instance's maps the expire program works on, by fd; -1 for the
 * optional ones (events and the mapping maps) gives private, empty ones.
 */
struct sweep_maps {
	int flows, rev, events;
	int mappings, port_owner, port_bitmap, peers; /* released with each flow */
	int host_flows; /* each deleted flow given back to its host's count */
	/* The kinds' maps (nat_kinds.h: a pool flow gives its address back);
	 * 0 or -1: private, empty ones (every flow is then NAPT's).
	 */
	int public_addrs, forwards, host_public;
};

/* sweeper_open, also releasing each deleted flow's mapping (mapping.h). */
int sweeper_open_maps(struct sweeper **sw, const struct sweep_maps *maps);
void sweeper_close(struct sweeper *sw);

/* Queue one flow the scan found expired (its key and the last_seen_ns it
 * read); queued flows are deleted by sweeper_flush, or when the queue is
 * full. Each returns the number of flows deleted so far, or -errno.
 */
int sweeper_expire(struct sweeper *sw, const struct nat_tuple *key, __u64 last_seen_ns);
int sweeper_flush(struct sweeper *sw);

/* Scan the table and delete the flows idle past their state's timeout;
 * then, if the table (cfg->max_flows) is still nearly full, the oldest
 * flows that never saw a reply (early_drop.h).
 */
int sweep_flows(struct sweeper *sw, int flows_fd, const struct xdpgw_config *cfg,
		__u64 now_ns, struct sweep_result *res);

#endif
