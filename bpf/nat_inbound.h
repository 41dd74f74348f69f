/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inbound packets of no flow to a forwarded port or a static address (XDP
 * ingress, external interface). TCP (a SYN) and UDP open a NAPT-shaped
 * flow, keyed by the tuple the internal host will answer with, so that the
 * answers and everything after go through the flow as NAPT's do. ICMP and
 * other protocols to a static address cross without a flow, the address
 * rewritten both ways (there is no port to tell connections apart by).
 * Both go past the inbound filter first (inbound_filter.h).
 */
#ifndef XDPGW_NAT_INBOUND_H
#define XDPGW_NAT_INBOUND_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"
#include "csum.h"
#include "nat.h"
#include "host_limit.h"
#include "inbound_filter.h"

#define IPPROTO_DCCP_ 33
#define IPPROTO_UDPLITE_ 136

/* The static address's host, when addr is one in use; 0 if not. */
static __always_inline __be32 static_host(const struct nat_public *pub)
{
	return pub && (pub->kinds & PUBLIC_STATIC) && !pub->dying ? pub->internal : 0;
}

/* Protocols whose checksum covers the addresses and that have no flows
 * here: a rewrite without a flow would break them, so they are refused.
 */
static __always_inline bool static_unsupported(__u8 proto)
{
	return proto == IPPROTO_DCCP_ || proto == IPPROTO_UDPLITE_;
}

/*
 * To a static address, without a flow (ICMP, other protocols, a later
 * fragment): the destination becomes the host. The IP header's checksum
 * is the only one over it (ICMP's covers its message only). 0 when addr is
 * not a static address.
 */
static __always_inline enum xdpgw_stat dnat_static(struct packet *p, const struct nat_public *pub,
						   bool later_fragment, int *action)
{
	__be32 host = static_host(pub);

	if (!host)
		return 0;
	*action = XDP_DROP;
	if (static_unsupported(p->tuple.proto))
		return STAT_DROP_UNSUPPORTED;
	/* The inbound filter; a later fragment has no ports to judge: it
	 * follows the address (its first fragment was judged).
	 */
	if (!later_fragment && !inbound_allowed(p))
		return STAT_DROP_IN_RULE;
	csum_replace4(&p->ip->check, p->ip->daddr, host);
	p->ip->daddr = host;
	*action = XDP_PASS;
	return STAT_IN_STATIC;
}

/*
 * The first TCP/UDP packet of a connection to a forwarded port or a static
 * address: make its flow, as if the internal side had sent the first packet
 * (internal -> remote, leaving as the public address and port). Of TCP only
 * a SYN opens one. Returns STAT_IN_FORWARD_NEW or STAT_IN_STATIC_NEW with
 * the flow's rev entry in *r; 0 when no rule covers the packet; else a drop.
 */
static __always_inline enum xdpgw_stat inbound_open(const struct packet *p,
						    const struct nat_public *pub,
						    struct nat_rev **r)
{
	const struct nat_tuple *in = &p->tuple;
	struct nat_forward *fw = forward_of(in->proto, in->daddr, in->dport);
	struct nat_tuple out = { .daddr = in->saddr, .dport = in->sport, .proto = in->proto };
	enum xdpgw_stat made;
	int err = 0;
	__u8 state;

	if (fw && !fw->dying) {
		out.saddr = fw->internal;
		out.sport = fw->port;
		made = STAT_IN_FORWARD_NEW;
	} else if (static_host(pub) && in->proto != IPPROTO_ICMP) {
		out.saddr = pub->internal;
		out.sport = in->dport;
		made = STAT_IN_STATIC_NEW;
	} else {
		return 0;
	}
	if (in->proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return STAT_DROP_IN_NOT_SYN;
	/* The inbound filter: a new forwarded or static flow is about to be made. */
	if (!inbound_allowed(p))
		return STAT_DROP_IN_RULE;
	if (host_limit_take(out.saddr) != HOST_TAKEN)
		return STAT_DROP_HOST_LIMIT;
	/* A SYN from outside starts in syn_recv, as for NAPT's mapped ports. */
	state = in->proto == IPPROTO_TCP ? FLOW_TCP_SYN_RECV : 0;
	if (!flow_insert_at(&out, in->daddr, in->dport, state, false, &err)) {
		if (cfg_max_flows_per_host)
			host_limit_give(out.saddr);
		return err == FLOW_TABLE_FULL ? STAT_DROP_TABLE_FULL : STAT_ERROR;
	}
	if (state) /* flow_track sees no change of state to report */
		flow_event(FLOW_EV_NEW, &out, in->daddr, in->dport, state, 0);
	*r = bpf_map_lookup_elem(&rev, in);
	return *r ? made : STAT_ERROR;
}

#endif /* XDPGW_NAT_INBOUND_H */
