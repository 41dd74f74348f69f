/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading the NAT table from userspace. */
#ifndef XDPGW_FLOW_TABLE_H
#define XDPGW_FLOW_TABLE_H

#include "xdpgw.h"

typedef int (*flow_fn)(const struct nat_tuple *key, const struct nat_flow *flow, void *ctx);

/*
 * Call fn for every flow, reading the map in batches. fn may delete the flow
 * it is given (the batch was read before). A non-zero return from fn stops
 * the walk and is returned. Otherwise 0, or -errno if the map read failed.
 */
int flow_table_walk(int flows_fd, flow_fn fn, void *ctx);

#endif
