/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading the NAT table from userspace. */
#ifndef XDPGW_FLOW_TABLE_H
#define XDPGW_FLOW_TABLE_H

#include <stdbool.h>
#include "xdpgw.h"

typedef int (*flow_fn)(const struct nat_tuple *key, const struct nat_flow *flow, void *ctx);

/*
 * Call fn for every flow, reading the map in batches. fn may delete the flow
 * it is given (the batch was read before). A non-zero return from fn stops
 * the walk and is returned. Otherwise 0, or -errno if the map read failed.
 */
int flow_table_walk(int flows_fd, flow_fn fn, void *ctx);

/* A walk done a part at a time: where it stopped (the map's batch cursor). */
struct flow_walk {
	__u32 batch;
	bool started; /* a batch was read */
	bool done; /* the table's end was reached */
};

/* flow_table_walk, resumed from w, stopping once max flows were given to
 * fn (whole batches: a few more) or at the table's end (w->done).
 */
int flow_table_walk_part(int flows_fd, struct flow_walk *w, __u64 max, flow_fn fn, void *ctx);

/* What a walk saw of the table, for `xdpgw status` and /metrics. */
enum { CENSUS_TCP, CENSUS_UDP, CENSUS_ICMP, CENSUS__PROTOS };
extern const char *const census_proto_names[CENSUS__PROTOS];

struct flow_census {
	__u64 flows;
	__u64 by_state[FLOW_STATE__MAX];
	__u64 by_proto[CENSUS__PROTOS];
	__u64 ports[CENSUS__PROTOS]; /* distinct external ports (echo ids) */
	unsigned char seen[CENSUS__PROTOS][65536 / 8]; /* which ports, a bit each */
};

void flow_census_reset(struct flow_census *c);
void flow_census_add(struct flow_census *c, const struct nat_tuple *key,
		     const struct nat_flow *flow);

#endif
