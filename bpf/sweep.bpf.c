// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The delete half of the daemon's sweep, run by the daemon through
 * BPF_PROG_RUN (never attached). The daemon's scan finds the expired flows
 * and writes them here; this program deletes each one, forward entry first,
 * unless it saw a packet since the scan read it, and drops its reference
 * on its mapping (the last one frees the mapping and its port, mapping.h),
 * or on its pool address (nat_kinds.h).
 * One syscall deletes a batch, and the re-check sits right next to the
 * delete. xdpgw_expire_lane checks the expiry lane (bpf/expiry.h) the same
 * way, every second; both remove through flow_remove.
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

/* Remove the flow at key (f: its value): forward entry first, then the
 * reverse one, its lane entry, the host's count and last the mapping's
 * reference (the last one frees the port, mapping.h). Returns 1 if this
 * call deleted it.
 */
static __always_inline int flow_remove(const struct nat_tuple *key, struct nat_flow *f)
{
	/* Read the reply tuple before the delete frees the value. */
	struct nat_tuple reply = nat_reply_tuple(key, f->ext_addr, f->ext_port);
	/* A hairpin flow's rev value is the client's view, not its key
	 * (hairpin.h); it holds nothing but its entries and its host's count.
	 */
	struct nat_rev *r = bpf_map_lookup_elem(&rev, &reply);
	bool hairpin = r && r->orig.daddr != key->daddr;

	if (bpf_map_delete_elem(&flows, key))
		return 0;
	bpf_map_delete_elem(&rev, &reply);
	bpf_map_delete_elem(&expiry_lane, key);
	host_limit_give(key->saddr);
	/* the port (or pool address) goes back last */
	if (!hairpin)
		flow_release_kind(key, reply.daddr, reply.dport);
	flow_event(FLOW_EV_EXPIRED, key, reply.daddr, reply.dport, 0, 0);
	return 1;
}

static long expire_one(__u32 i, void *unused)
{
	struct sweep_candidate *c = bpf_map_lookup_elem(&candidates, &i);
	struct nat_flow *f;

	if (!c)
		return 1;
	f = bpf_map_lookup_elem(&flows, &c->key);
	if (!f || f->last_seen_ns != c->last_seen_ns)
		return 0; /* gone already, or alive again */
	expired_count += flow_remove(&c->key, f);
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

/* The expiry lane's check, run every second by the daemon: each flow in
 * the lane (bpf/expiry.h) whose deadline has passed is removed, here, right
 * after reading its last_seen_ns; one whose deadline moved beyond the
 * horizon (a packet since, a longer state) leaves the lane. The entry's
 * value saves the lookup until the flow's deadline as last read: a
 * deadline only moves earlier with a change of state, which writes 0 there
 * (a new element: a note written here to the one this run holds is lost,
 * never put over it).
 */
/* in: the idle timeouts, by state; 16 so that a masked index needs no
 * bounds check (the entries past FLOW_STATE__MAX hold timeout[0]).
 */
#define TIMEOUT_SLOTS 16
_Static_assert(FLOW_STATE__MAX <= TIMEOUT_SLOTS, "timeout_s covers every state");
__u32 timeout_s[TIMEOUT_SLOTS];
__u64 now_ns; /* in: the daemon's clock, as the sweep's (CLOCK_MONOTONIC) */
__u32 lane_left; /* out: flows left in the lane */
__u32 lane_looked; /* out: flows looked up */

static __always_inline __u64 flow_deadline(const struct nat_flow *f)
{
	return f->last_seen_ns + XDPGW_LAST_SEEN_GRAIN_NS + (__u64)timeout_s[f->state & (TIMEOUT_SLOTS - 1)] * NSEC_PER_SEC;
}

static long lane_check(struct bpf_map *map, struct nat_tuple *key, __u64 *look_at, void *ctx)
{
	__u64 horizon = (__u64)XDPGW_EXPIRY_LANE_S * NSEC_PER_SEC;
	__u64 now = now_ns, look_now = 0, deadline;
	struct nat_flow *f;

	if (*look_at > now) {
		lane_left++;
		return 0;
	}
	lane_looked++;
	f = bpf_map_lookup_elem(&flows, key);
	if (!f) {
		bpf_map_delete_elem(&expiry_lane, key);
		return 0;
	}
	deadline = flow_deadline(f);
	if (now >= deadline) {
		expired_count += flow_remove(key, f);
		return 0;
	}
	if (deadline - now <= horizon) {
		*look_at = deadline;
		lane_left++;
		return 0;
	}
	bpf_map_delete_elem(&expiry_lane, key);
	/* A change of state between the read and the delete (an RST, say)
	 * put the flow back in the lane and the delete undid that: look again.
	 */
	if (flow_deadline(f) - now <= horizon) {
		bpf_map_update_elem(&expiry_lane, key, &look_now, BPF_ANY);
		lane_left++;
	}
	return 0;
}

SEC("xdp")
int xdpgw_expire_lane(struct xdp_md *ctx)
{
	expired_count = 0;
	lane_left = 0;
	lane_looked = 0;
	bpf_for_each_map_elem(&expiry_lane, lane_check, NULL, 0);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
