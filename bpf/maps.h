/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps, declared once. Both program objects include this file; pinning by
 * name makes the second object to load reuse the first one's maps, so XDP and
 * tc see one NAT table. Userspace sets max_entries before load.
 */
#ifndef XDPGW_MAPS_H
#define XDPGW_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"

/* The NAT table: outbound tuple (internal -> remote) -> translation + stats. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_tuple);
	__type(value, struct nat_flow);
	__uint(max_entries, XDPGW_DEFAULT_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

/* Its index for replies: inbound tuple (remote -> external) -> outbound
 * tuple. Inserting here with BPF_NOEXIST is what claims an external port.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_tuple);
	__type(value, struct nat_rev);
	__uint(max_entries, XDPGW_DEFAULT_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rev SEC(".maps");

/* Per-CPU packet counters, indexed by enum xdpgw_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, STAT__MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

/* Settings for the daemon and `xdpgw flows` (idle timeouts); the programs
 * read only the timeouts, on a flow's change of state (expiry.h). One entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xdpgw_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} settings SEC(".maps");

/* Fragmented datagrams, both ways: the first fragment's translation for
 * the ones after it, and the parts seen (frag.h). An LRU, unlike the flow
 * table: an entry matters for the milliseconds a datagram is in flight (it
 * is removed once the datagram went through whole), and losing one loses
 * one datagram.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct frag_key);
	__type(value, struct frag_state);
	__uint(max_entries, XDPGW_FRAGS_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frags SEC(".maps");

/* Endpoint-independent mapping (mapping.h): internal endpoint -> external
 * port and the count of flows using it. Userspace sizes it like flows.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_endpoint);
	__type(value, struct nat_mapping);
	__uint(max_entries, XDPGW_DEFAULT_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mappings SEC(".maps");

/* Its index by external port: who owns each port (xdpgw.h), a slot per
 * port and protocol. A compare-and-swap from 0 claims an external port.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XDPGW_PORT_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} port_owner SEC(".maps");

/* The owned ports again, a bit each: a hint that lets the allocator skip
 * taken ports without a hash insert and find a free one by scanning.
 * port_owner stays the truth.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XDPGW_PORT_BITMAP_WORDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} port_bitmap SEC(".maps");

/* Address-dependent filtering: the remote addresses each mapping has sent
 * to, with the count of flows between them. Empty in the other modes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_peer_key);
	__type(value, __u32);
	__uint(max_entries, XDPGW_DEFAULT_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} peers SEC(".maps");

/*
 * The inbound filter table (xdpgw.h, inbound_filter.h), in two generations
 * (index 0 or 1 in each key): the programs read the one filter_ctl names,
 * userspace writes the other and then switches filter_ctl.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32); /* the generation in use, 0 or 1 */
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct filter_meta);
	__uint(max_entries, XDPGW_FILTER_GENS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct filter_rule);
	__uint(max_entries, XDPGW_FILTER_GENS * XDPGW_FILTER_RULES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_rules SEC(".maps");

/* Protocol and destination port -> its class (a row of filter_port_bits). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, XDPGW_FILTER_GENS * XDPGW_FILTER_PORT_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_port_class SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct filter_bits);
	__uint(max_entries, XDPGW_FILTER_GENS * XDPGW_FILTER_CLASSES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_port_bits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct filter_dst_key);
	__type(value, struct filter_bits);
	__uint(max_entries, XDPGW_FILTER_GENS * (XDPGW_FILTER_RULES_MAX + 1));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_dst SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct filter_src_key);
	__type(value, struct filter_bits);
	__uint(max_entries, XDPGW_FILTER_GENS * (XDPGW_FILTER_RULES_MAX + 1));
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_src SEC(".maps");

/* Packets and bytes per rule (by its slot) and for the default policy. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct filter_count);
	__uint(max_entries, XDPGW_FILTER_RULES_MAX + 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_counts SEC(".maps");
/* The public addresses besides NAPT's (xdpgw.h, enum public_kind): what
 * each is, for ingress, ARP and the pool. Written by userspace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, struct nat_public);
	__uint(max_entries, XDPGW_PUBLIC_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} public_addrs SEC(".maps");

/* Port forwarding: (proto, public address, port) -> internal address and
 * port. Written by userspace, a port an entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_forward_key);
	__type(value, struct nat_forward);
	__uint(max_entries, XDPGW_FORWARDS_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} forwards SEC(".maps");

/* Internal host -> its static address (written by userspace) or the pool
 * address it borrowed (by the programs, with a count of its flows).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, struct nat_host_public);
	__uint(max_entries, XDPGW_PUBLIC_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} host_public SEC(".maps");

/* Flow events for `xdpgw watch`: new, state change, expired, refused. Only
 * flow-level changes are written, never one per packet; when nobody reads,
 * the buffer fills and further events are dropped.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XDPGW_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/* The expiry lane (expiry.h): the flows whose deadline is near, so that
 * the daemon checks them every second without scanning the table; the
 * value: no need to look at the flow before this time (CLOCK_MONOTONIC ns;
 * never past its deadline; 0: at the next check). Not preallocated: an
 * entry costs memory only while its flow is due soon; userspace sizes it
 * like flows (a cap, and the bucket array).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct nat_tuple);
	__type(value, __u64);
	__uint(max_entries, XDPGW_DEFAULT_MAX_FLOWS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} expiry_lane SEC(".maps");

static __always_inline void flow_event(__u8 type, const struct nat_tuple *orig,
				       __be32 ext_addr, __be16 ext_port, __u8 state,
				       __u32 reason)
{
	struct flow_event ev = {
		.ts_ns = bpf_ktime_get_ns(),
		.orig = *orig,
		.ext_addr = ext_addr,
		.ext_port = ext_port,
		.type = type,
		.state = state,
		.reason = reason,
	};

	bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
}

static __always_inline void stat_inc(enum xdpgw_stat idx)
{
	__u32 key = idx;
	__u64 *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		*v += 1;
}

#endif /* XDPGW_MAPS_H */
