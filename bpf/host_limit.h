/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * At most cfg_max_flows_per_host flows per internal address, so that one
 * host (a scan, a flood of stray ACKs) cannot take the whole table. Each
 * internal address with flows has a count in host_flows: taken when a flow
 * is made (host_flow_create), given back when the sweep deletes one
 * (host_limit_give). A refusal is told to `xdpgw watch` at most once a
 * second per host.
 */
#ifndef XDPGW_HOST_LIMIT_H
#define XDPGW_HOST_LIMIT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "maps.h"
#include "nat.h"

#define NSEC_PER_SEC 1000000000ull

/* Flows per internal address. Not preallocated: an entry exists only while
 * its host has flows; the loader sizes it (host_flows_entries).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, struct host_flows);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} host_flows SEC(".maps");

/* Set by the loader; 0: no limit. */
const volatile __u32 cfg_max_flows_per_host = 0;

enum host_take {
	HOST_TAKEN,
	HOST_REFUSED,
	HOST_REFUSED_TELL, /* refused, the first time this second */
};

/* Count one more flow for saddr, unless it holds its share already. Two
 * CPUs may both pass the check at the limit: it may be exceeded by one
 * flow per CPU at most.
 */
static __always_inline int host_limit_take(__be32 saddr)
{
	struct host_flows one = { .count = 1 }, *h;
	__u64 now;

	if (!cfg_max_flows_per_host)
		return HOST_TAKEN;
	h = bpf_map_lookup_elem(&host_flows, &saddr);
	if (!h) {
		/* When the map is full, a host that has no entry is not
		 * limited: the limit is a guard, never a reason to refuse.
		 */
		bpf_map_update_elem(&host_flows, &saddr, &one, BPF_NOEXIST);
		return HOST_TAKEN;
	}
	if (h->count < cfg_max_flows_per_host) {
		__sync_fetch_and_add(&h->count, 1);
		return HOST_TAKEN;
	}
	now = bpf_ktime_get_coarse_ns();
	if (now - h->refused_ns < NSEC_PER_SEC)
		return HOST_REFUSED;
	h->refused_ns = now;
	return HOST_REFUSED_TELL;
}

/* A flow of saddr is gone. The entry goes with its last flow. */
static __always_inline void host_limit_give(__be32 saddr)
{
	struct host_flows *h = bpf_map_lookup_elem(&host_flows, &saddr);

	if (h && __sync_fetch_and_add(&h->count, -1) <= 1)
		bpf_map_delete_elem(&host_flows, &saddr);
}

/* FLOW_NO_PORT and FLOW_TABLE_FULL are nat.h's. */
#define FLOW_HOST_LIMIT 16

/*
 * flow_create, within the host's share. On a refusal (*err ==
 * FLOW_HOST_LIMIT) a FLOW_EV_REFUSED event goes out at most once a second
 * per host; on any other failure the count is given back.
 */
static __always_inline struct nat_flow *host_flow_create(const struct nat_tuple *out, int *err)
{
	struct nat_flow *f;

	switch (host_limit_take(out->saddr)) {
	case HOST_REFUSED_TELL:
		flow_event(FLOW_EV_REFUSED, out, 0, 0, 0, STAT_DROP_HOST_LIMIT);
		/* fall through */
	case HOST_REFUSED:
		*err = FLOW_HOST_LIMIT;
		return NULL;
	}
	f = flow_create(out, err);
	if (!f && cfg_max_flows_per_host)
		host_limit_give(out->saddr);
	return f;
}

#endif /* XDPGW_HOST_LIMIT_H */
