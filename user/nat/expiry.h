/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Expiry whose cost follows the expiring flows, not the table. Two lanes:
 *  - the expiry lane (bpf/expiry.h): the flows whose deadline is at most
 *    XDPGW_EXPIRY_LANE_S off. The datapath puts a flow there when it enters
 *    a state with a timeout that short (new UDP, echo, SYN, FIN, RST); the
 *    daemon checks the whole lane every tick, in the kernel, and a flow
 *    there is removed within a tick of its deadline;
 *  - the slow scan: a slice of the table per tick, resuming where the last
 *    tick stopped, sized so that a pass over the table takes at most
 *    EXPIRY_PASS_S; it adds to the lane the flows whose deadline came
 *    within the horizon (idle established flows, say), removes any already
 *    past it, and counts the table for status and /metrics.
 * A pass takes at most half the horizon, so every flow is in the lane
 * before its deadline. The first tick of a daemon scans the whole table
 * (flows whose deadline passed while no daemon ran go at once), and so
 * does every tick while the table is nearly full (early drop, as before).
 * Removal is the sweep's (sweep.h): deleted only if unused since read,
 * forward entry first, the port last, an event and a count per flow.
 */
#ifndef XDPGW_EXPIRY_H
#define XDPGW_EXPIRY_H

#include <stdbool.h>
#include "xdpgw.h"
#include "sweep.h"

/* A pass over the table takes at most this long (half the lane's horizon). */
#define EXPIRY_PASS_S (XDPGW_EXPIRY_LANE_S / 2)
/* ... and scans at least this many flows a tick (a small table: all of it). */
#define EXPIRY_MIN_SLICE 8192

struct expiry;

/* Expiry on the instance's maps (sweeper_open_maps's). */
int expiry_open(struct expiry **ex, const struct sweep_maps *maps);
void expiry_close(struct expiry *ex);

/* One tick: check the lane, scan the next slice of the table. res is the
 * sweep's: scanned (this tick's slice), expired (both lanes, early drops
 * included), lane, and census: the last complete pass's (NULL before one).
 */
int expiry_tick(struct expiry *ex, int flows_fd, const struct xdpgw_config *cfg, __u64 now_ns,
		struct sweep_result *res);

/* The sweeper expiry_tick works through (sweep.h). */
struct sweeper *expiry_sweeper(struct expiry *ex);

#endif
