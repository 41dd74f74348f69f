/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Expiry: the daemon's periodic sweep of the NAT table. The scan runs here,
 * in batches of map reads; the deletes run in the kernel (bpf/sweep.bpf.c),
 * a batch of expired flows per BPF_PROG_RUN, each deleted only if it saw no
 * packet since the scan read it. The forward entry goes before the reverse
 * one, so an external port returns to the pool only once its flow is gone.
 * The daemon runs it through expiry.h (the lane and a slice a tick);
 * sweep_flows, the whole table at once, is the design before that, kept
 * for the tests and the benchmark's comparison.
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
	__u64 lane; /* flows in the expiry lane after the run (expiry.h) */
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
	/* The flows due soon (expiry.h); -1 or 0 (callers from before it,
	 * leaving it out): a private one.
	 */
	int expiry_lane;
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

/* The table nearly full (live flows of max_flows): the oldest unreplied
 * flows ed noted go (early_drop.h), through the same re-check (a packet
 * since, a reply say, keeps one); *dropped: how many. Returns like
 * sweeper_flush.
 */
struct early_drop;
int sweeper_early_drop(struct sweeper *sw, struct early_drop *ed, __u64 live, __u32 max_flows,
		       __u64 *dropped);

/* Scan the table and delete the flows idle past their state's timeout;
 * then, if the table (cfg->max_flows) is still nearly full, the oldest
 * flows that never saw a reply (early_drop.h).
 */
int sweep_flows(struct sweeper *sw, int flows_fd, const struct xdpgw_config *cfg,
		__u64 now_ns, struct sweep_result *res);

/* The expiry lane's check (bpf/sweep.bpf.c): removes the lane's flows past
 * their deadline at now_ns under cfg's timeouts, drops from the lane the ones no
 * longer due soon. Returns the flows removed (also in *left: the flows left
 * in the lane), or -errno.
 */
int sweeper_run_lane(struct sweeper *sw, const struct xdpgw_config *cfg, __u64 now_ns,
		     __u64 *left);
/* Count the flows deleted (sweeper_flush's return) from 0 again. */
void sweeper_count_reset(struct sweeper *sw);
/* The lane map the sweeper works on, for the scan to add flows due soon. */
int sweeper_lane_fd(const struct sweeper *sw);

#endif
