// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The delete half of the daemon's sweep, run by the daemon through
 * BPF_PROG_RUN (never attached). The daemon's scan finds the expired flows
 * and writes them here; this program deletes each one, forward entry first,
 * unless it saw a packet since the scan read it, and drops its reference
 * on its mapping (the last one frees the mapping and its port, mapping.h),
 * or on its pool address (nat_kinds.h).
 * One syscall deletes a batch, and the re-check sits right next to the
 * delete.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "maps.h"
#include "host_limit.h"
#include "mapping.h"

/* This run's candidates, written by the daemon; private to it (not pinned). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sweep_candidate);
	__uint(max_entries, XDPGW_SWEEP_BATCH);
} candidates SEC(".maps");

__u32 candidate_count; /* in: how many of candidates to look at */
__u32 expired_count; /* out: how many flows were deleted */

static long expire_one(__u32 i, void *unused)
{
	struct sweep_candidate *c = bpf_map_lookup_elem(&candidates, &i);
	struct nat_tuple reply;
	struct nat_flow *f;

	if (!c)
		return 1;
	f = bpf_map_lookup_elem(&flows, &c->key);
	if (!f || f->last_seen_ns != c->last_seen_ns)
		return 0; /* gone already, or alive again */
	/* Read the reply tuple before the delete frees the value. */
	reply = nat_reply_tuple(&c->key, f->ext_addr, f->ext_port);
	if (bpf_map_delete_elem(&flows, &c->key))
		return 0;
	bpf_map_delete_elem(&rev, &reply);
	host_limit_give(c->key.saddr);
	/* the port (or pool address) goes back last */
	flow_release_kind(&c->key, reply.daddr, reply.dport);
	flow_event(FLOW_EV_EXPIRED, &c->key, reply.daddr, reply.dport, 0, 0);
	expired_count++;
	return 0;
}

SEC("xdp")
int xdpgw_expire(struct xdp_md *ctx)
{
	__u32 n = candidate_count;

	expired_count = 0;
	bpf_loop(n < XDPGW_SWEEP_BATCH ? n : XDPGW_SWEEP_BATCH, expire_one, NULL, 0);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
