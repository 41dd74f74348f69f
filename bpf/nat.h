/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT decisions shared by the programs: configuration, which packets are
 * ours, and creating a flow with its external port.
 */
#ifndef XDPGW_NAT_H
#define XDPGW_NAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"

#define EEXIST 17

#include "flow_state.h"
#include "mapping.h"
#include "port_alloc.h"
#include "nat_kinds.h"

/* Set by the loader through the skeleton before load; never change after. */
const volatile __be32 cfg_internal_net = 0; /* network order, masked */
const volatile __be32 cfg_internal_mask = 0; /* network order */
const volatile __be32 cfg_ext_addr = 0; /* network order */
const volatile __u16 cfg_port_min = XDPGW_DEFAULT_PORT_MIN;
const volatile __u16 cfg_port_max = XDPGW_DEFAULT_PORT_MAX;
const volatile __u8 cfg_filtering = FILTER_ADDRESS_PORT_DEPENDENT;

static __always_inline bool from_internal(__be32 saddr)
{
	return (saddr & cfg_internal_mask) == cfg_internal_net;
}

/* The stat that counts a parse failure, by kind. */
static __always_inline enum xdpgw_stat parse_stat(int ret)
{
	switch (ret) {
	case PARSE_BAD_ETH:
		return STAT_MALFORMED_ETH;
	case PARSE_BAD_IP:
		return STAT_MALFORMED_IP;
	default:
		return STAT_MALFORMED_L4;
	}
}

/* Outcome of flow_create, when it does not return a flow. */
enum flow_err {
	FLOW_NO_PORT = 1,
	FLOW_TABLE_FULL,
};

/*
 * Take a reference on the mapping of ep, making the mapping (and claiming
 * its port) when there is none. 0 with *ext_port, or a flow_err.
 */
static __always_inline int mapping_get(const struct nat_endpoint *ep, __be16 *ext_port)
{
	struct nat_mapping fresh = { .refs = 1 };
	struct nat_mapping *m;
	__u32 port;
	int ret;

	m = bpf_map_lookup_elem(&mappings, ep);
	if (!m) {
		port = port_alloc(ep, cfg_port_min, cfg_port_max);
		if (!port)
			return FLOW_NO_PORT;
		fresh.ext_port = bpf_htons(port);
		ret = bpf_map_update_elem(&mappings, ep, &fresh, BPF_NOEXIST);
		if (!ret) {
			*ext_port = fresh.ext_port;
			return 0;
		}
		port_release(ep->proto, fresh.ext_port);
		if (ret != -EEXIST)
			return FLOW_TABLE_FULL;
		/* Another CPU mapped ep a moment ago: share its mapping. */
		m = bpf_map_lookup_elem(&mappings, ep);
		if (!m)
			return FLOW_NO_PORT;
	}
	/* A mapping at 0 is being freed by the sweep this instant: this
	 * packet is refused; the next one makes a new mapping.
	 */
	if (!ref_get(&m->refs))
		return FLOW_NO_PORT;
	*ext_port = m->ext_port;
	return 0;
}

/* What a flow that was not inserted (or is another CPU's) gives back. */
static __always_inline void flow_insert_undo(const struct nat_tuple *out, __be32 ext_addr,
					     __be16 ext_port, bool napt)
{
	if (napt)
		flow_release_mapping(out, ext_port);
	else
		pool_put(out->saddr, ext_addr);
}

/*
 * Insert the flow of an outbound tuple leaving as ext_addr:ext_port, in
 * state (0: none yet): the reverse entry first with BPF_NOEXIST, then the
 * forward entry. If the forward insert fails the reverse entry is removed
 * again, so neither half ever exists alone. A NAPT flow (napt) has its
 * mapping reference (and peer count) taken: a failure gives them back; the
 * other kinds' (nat_kinds.h) give back a pool reference.
 */
static __always_inline struct nat_flow *flow_insert_at(const struct nat_tuple *out,
						       __be32 ext_addr, __be16 ext_port,
						       __u8 state, bool napt, int *err)
{
	struct nat_tuple rk = nat_reply_tuple(out, ext_addr, ext_port);
	struct nat_rev rv = { .orig = *out };
	__u64 now = bpf_ktime_get_coarse_ns();
	struct nat_flow f = {};
	struct nat_flow *fp;
	int ret;

	ret = bpf_map_update_elem(&rev, &rk, &rv, BPF_NOEXIST);
	if (ret == 0)
		goto claimed;
	flow_insert_undo(out, ext_addr, ext_port, napt);
	/* The port is ep's alone: the reverse entry can only be this very
	 * flow's, made by another CPU, or going with the sweep right now.
	 */
	fp = ret == -EEXIST ? bpf_map_lookup_elem(&flows, out) : NULL;
	if (!fp)
		*err = ret == -EEXIST ? FLOW_NO_PORT : FLOW_TABLE_FULL;
	return fp;

claimed:
	f.ext_addr = ext_addr;
	f.ext_port = rk.dport;
	f.state = state;
	f.created_ns = now;
	f.last_seen_ns = now;
	ret = bpf_map_update_elem(&flows, out, &f, BPF_NOEXIST);
	if (ret) {
		bpf_map_delete_elem(&rev, &rk);
		flow_insert_undo(out, ext_addr, ext_port, napt);
		if (ret != -EEXIST) {
			*err = FLOW_TABLE_FULL;
			return NULL;
		}
		/* Another CPU created this flow first: use its mapping. */
	}
	fp = bpf_map_lookup_elem(&flows, out);
	if (!fp)
		*err = FLOW_TABLE_FULL;
	return fp;
}

/* A NAPT flow: on the external address. */
static __always_inline struct nat_flow *flow_insert(const struct nat_tuple *out,
						    __be16 ext_port, __u8 state, int *err)
{
	return flow_insert_at(out, cfg_ext_addr, ext_port, state, true, err);
}

/*
 * The flow of a static host, or of a host that has (or borrows now) a pool
 * address: its public address, ports unchanged (the address is the host's
 * alone). false for a NAPT host; else *fp, NULL with *err on a failure.
 */
static __always_inline bool kind_flow_create(const struct nat_tuple *out, struct nat_flow **fp,
					     int *err)
{
	__be32 ext_addr;

	if (!out_public(out->saddr, &ext_addr))
		return false;
	*fp = flow_insert_at(out, ext_addr, out->sport, 0, false, err);
	return true;
}

/*
 * Create the flow for an outbound tuple, from the mapping of its internal
 * endpoint: the same external port whatever the destination (RFC 4787
 * REQ-1); with address-dependent filtering, the remote address is counted
 * for the inbound check.
 */
static __always_inline struct nat_flow *flow_create(const struct nat_tuple *out,
						    int *err)
{
	struct nat_endpoint ep = endpoint_of(out);
	__be16 ext_port;

	struct nat_flow *f;

	/* A static host, or one with a pool address: no NAPT. */
	if (kind_flow_create(out, &f, err))
		return f;
	*err = mapping_get(&ep, &ext_port);
	if (*err)
		return NULL;
	if (cfg_filtering == FILTER_ADDRESS_DEPENDENT && !peer_get(out, ext_port)) {
		mapping_put(out);
		*err = FLOW_TABLE_FULL;
		return NULL;
	}
	return flow_insert(out, ext_port, 0, err);
}

/*
 * An inbound TCP/UDP packet to the external address that matches no flow:
 * is its port mapped, and does the filtering mode let this remote endpoint
 * in (RFC 4787 REQ-8, RFC 5382 REQ-3)? Then make the flow the internal
 * endpoint would have made by sending there, on its mapping. Of TCP only
 * a SYN opens a flow this way. Returns STAT_IN_NEW_FLOW with the flow's
 * rev entry in *r; STAT_IN_NO_FLOW when the port has no mapping or the mode
 * is address-and-port-dependent (the packet goes to the stack as before);
 * STAT_IN_FILTERED or STAT_DROP_TABLE_FULL to drop it.
 */
static __always_inline enum xdpgw_stat flow_create_inbound(const struct packet *p,
							   struct nat_rev **r)
{
	const struct nat_tuple *in = &p->tuple;
	struct nat_endpoint owner;
	struct nat_peer_key peer;
	__u64 *slot, word;
	struct nat_mapping *m;
	struct nat_tuple out = {};
	int err = 0;
	__u8 state;

	if (cfg_filtering == FILTER_ADDRESS_PORT_DEPENDENT || in->proto == IPPROTO_ICMP)
		return STAT_IN_NO_FLOW;
	slot = port_slot(port_base(in->proto), bpf_ntohs(in->dport));
	word = slot ? *(volatile __u64 *)slot : 0;
	if (!word)
		return STAT_IN_NO_FLOW;
	__builtin_memcpy(&owner, &word, sizeof(owner));
	out.saddr = owner.addr; /* the tuple the internal endpoint would send */
	out.daddr = in->saddr;
	out.sport = owner.port;
	out.dport = in->sport;
	out.proto = in->proto;
	if (cfg_filtering == FILTER_ADDRESS_DEPENDENT) {
		peer = peer_of(&out, in->dport);
		if (!bpf_map_lookup_elem(&peers, &peer))
			return STAT_IN_FILTERED;
	}
	if (in->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return STAT_IN_FILTERED;
	/* A reference on the mapping that owns the port, if it still does. */
	m = bpf_map_lookup_elem(&mappings, &owner);
	if (!m || m->ext_port != in->dport || !ref_get(&m->refs))
		return STAT_IN_FILTERED;
	if (cfg_filtering == FILTER_ADDRESS_DEPENDENT && !peer_get(&out, in->dport)) {
		mapping_put(&out);
		return STAT_DROP_TABLE_FULL;
	}
	/* A SYN from outside starts in syn_recv (its short timeout), as a
	 * SYN-ACK in does; the internal host's answer makes it established.
	 */
	state = in->proto == IPPROTO_TCP ? FLOW_TCP_SYN_RECV : 0;
	if (!flow_insert(&out, in->dport, state, &err))
		return err == FLOW_TABLE_FULL ? STAT_DROP_TABLE_FULL : STAT_IN_FILTERED;
	if (state) /* flow_track sees no change of state to report */
		flow_event(FLOW_EV_NEW, &out, cfg_ext_addr, in->dport, state, 0);
	expiry_lane_note(&out, state);
	*r = bpf_map_lookup_elem(&rev, in);
	return *r ? STAT_IN_NEW_FLOW : STAT_ERROR;
}

#endif /* XDPGW_NAT_H */
