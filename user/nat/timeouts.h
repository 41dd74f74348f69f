/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Flow lifetimes: idle timeouts per state, and when a flow expires. */
#ifndef XDPGW_TIMEOUTS_H
#define XDPGW_TIMEOUTS_H

#include <stdbool.h>
#include "xdpgw.h"

/* Close to netfilter's: SYN sent 120 s, established 5 days, FIN 120 s,
 * TIME_WAIT 120 s, RST 10 s, UDP unreplied 30 s, UDP assured 180 s, TCP
 * picked up mid-stream and not answered yet 300 s (conntrack's UNACK).
 */
void timeouts_default(struct xdpgw_config *cfg);
/* "STATE=SECONDS", STATE one of flow_state_names; -EINVAL otherwise. */
int timeout_parse(const char *s, struct xdpgw_config *cfg);
/* Monotonic time (ns, bpf_ktime_get_ns's clock) at which f expires. */
__u64 flow_deadline_ns(const struct nat_flow *f, const struct xdpgw_config *cfg);
static inline bool flow_expired(const struct nat_flow *f, const struct xdpgw_config *cfg,
				__u64 now_ns)
{
	return now_ns >= flow_deadline_ns(f, cfg);
}
/* --max-flows-per-host's default: a quarter of the table. */
__u32 max_flows_per_host_default(__u32 max_flows);
/* Entries of the host_flows map: one per internal address with flows, at
 * most one per 16 flows of the table (256 at least): about a byte a flow of
 * buckets, the entries themselves allocated as hosts appear.
 */
__u32 host_flows_entries(const struct xdpgw_config *cfg);
/* "tcp", "udp" or "icmp". */
const char *proto_name(__u8 proto);
/* Monotonic clock in ns, as bpf_ktime_get_ns() reads it. */
__u64 monotonic_ns(void);

#endif
