/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Expiry: the daemon's periodic sweep of the NAT table. */
#ifndef XDPGW_SWEEP_H
#define XDPGW_SWEEP_H

#include <linux/types.h>
#include "xdpgw.h"

struct sweep_result {
	__u64 scanned;
	__u64 expired;
};

/*
 * Remove the flows idle past their state's timeout at now_ns. Each expired
 * flow is read again just before it is deleted and kept if it saw a packet
 * since the scan. The forward entry goes first, then the reverse one: the
 * external port returns to the pool only once the flow is gone.
 */
int sweep_flows(int flows_fd, int rev_fd, const struct xdpgw_config *cfg, __u64 now_ns,
		struct sweep_result *res);

/* The re-check, alone: delete the flow at key if it is still as the scan
 * saw it (same last_seen) and still expired. 1 if deleted, else 0.
 */
int sweep_expire_one(int flows_fd, int rev_fd, const struct nat_tuple *key,
		     const struct nat_flow *seen, const struct xdpgw_config *cfg, __u64 now);

#endif
