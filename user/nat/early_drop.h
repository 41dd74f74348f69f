/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Early drop, as conntrack's: when the NAT table is nearly full, the sweep
 * removes the oldest flows that never saw a reply (packets_in == 0: a SYN or
 * stray ACK unanswered, UDP unreplied, a ping with no echo) to make room.
 * A flow that has seen both directions is never dropped early.
 */
#ifndef XDPGW_EARLY_DROP_H
#define XDPGW_EARLY_DROP_H

#include <stddef.h>
#include "xdpgw.h"

/* Above EARLY_DROP_HIGH of the table (in 1/16ths) the oldest unreplied
 * flows go until EARLY_DROP_LOW is left.
 */
#define EARLY_DROP_HIGH 15
#define EARLY_DROP_LOW 14

struct early_drop {
	struct sweep_candidate *unreplied; /* this scan's, live ones only */
	size_t n, cap;
};

/* Start a scan: forget the last one's flows (the memory is kept). */
void early_drop_reset(struct early_drop *ed);
/* The scan saw a flow that stays (not expired); 0 or -ENOMEM. */
int early_drop_note(struct early_drop *ed, const struct nat_tuple *key,
		    const struct nat_flow *f);
/* With `live` flows left in a table of max_flows: how many of the noted
 * unreplied flows to drop, having put them first in ed->unreplied, oldest
 * first. 0 when the table is not nearly full.
 */
size_t early_drop_pick(struct early_drop *ed, __u64 live, __u32 max_flows);
void early_drop_free(struct early_drop *ed);

#endif
