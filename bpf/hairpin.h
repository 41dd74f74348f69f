/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hairpin (tc ingress on the internal interface, nat_tc.bpf.c's
 * xdpgw_hairpin): a host of the internal prefix that connects to a
 * forwarded port or a static address of this gateway reaches the internal
 * server, from the gateway's inside address, and the server's answers go
 * back to it from the public address and port it asked for.
 *
 *   client -> public:pport        becomes  inside:hport -> server:sport
 *   server:sport -> inside:hport  becomes  public:pport -> client
 *
 * Both legs are sent back out of the interface they came in on
 * (bpf_redirect_neigh): the stack would drop the first (a source address
 * of its own arriving from outside) and deliver the second to itself.
 *
 * One flow per connection, in the NAT table as NAPT's: flows key client ->
 * server (the destination already the server's), ext_addr:ext_port the
 * inside address and the port picked for it; the rev key is then the
 * server's answer as it arrives (nat_reply_tuple), so the sweep, the
 * expiry lane and `xdpgw flows` handle it unchanged. Its rev value holds
 * the client's view (client -> public:pport): the one place the public
 * side is kept, and what tells a hairpin flow from the others (a flow's
 * rev value is otherwise its flows key).
 */
#ifndef XDPGW_HAIRPIN_H
#define XDPGW_HAIRPIN_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"
#include "nat.h"
#include "flow_state.h"
#include "host_limit.h"
#include "nat_inbound.h"

/* The gateway's address on the internal interface, set by the loader;
 * 0: no hairpin.
 */
const volatile __be32 cfg_hairpin_addr = 0;

/* The ports of the inside address hairpin flows take: above Linux's
 * ephemeral range (32768-60999), so the gateway's own connections to a
 * server are never taken for a hairpin flow's.
 */
#define HAIRPIN_PORT_MIN 61000
#define HAIRPIN_PORTS (65536 - HAIRPIN_PORT_MIN)
#define HAIRPIN_PORT_TRIES 8

/* What one leg's rewrite changes: addresses and ports, old and new. */
struct hairpin_rw {
	__be32 saddr, daddr, new_saddr, new_daddr;
	__be16 sport, dport, new_sport, new_dport;
	__u32 csum_off; /* of the L4 checksum */
	__u32 ports_off; /* of the source port; the destination port follows */
	__u8 udp;
	__u8 ttl;
	__u8 proto;
};

/* The server side of a packet from inside to a public address: a forward
 * of its port, or its static host (port kept). false when neither.
 */
static __always_inline bool hairpin_server(const struct nat_tuple *t, __be32 *server,
					   __be16 *port)
{
	struct nat_forward *fw = forward_of(t->proto, t->daddr, t->dport);
	struct nat_public *pub;

	if (fw && !fw->dying) {
		*server = fw->internal;
		*port = fw->port;
		return true;
	}
	pub = public_of(t->daddr);
	*server = static_host(pub);
	*port = t->dport;
	return *server != 0;
}

/*
 * Make the flow of key (client -> server) whose public side is pub:pport:
 * a port of the inside address not taken towards that server (the rev
 * entry, inserted first with BPF_NOEXIST, is the claim), then the flows
 * entry. 0, or a flow_err; another CPU's flow made meanwhile is 0 too.
 */
static __noinline int hairpin_flow_create(const struct nat_tuple *key, __be32 pub, __be16 pport)
{
	struct nat_rev rv = { .orig = *key };
	struct nat_flow f = {};
	struct nat_tuple rk;
	__u32 start, i;
	int ret = -EEXIST;

	rv.orig.daddr = pub;
	rv.orig.dport = pport;
	start = bpf_get_prandom_u32();
	for (i = 0; i < HAIRPIN_PORT_TRIES && ret == -EEXIST; i++) {
		rk = nat_reply_tuple(key, cfg_hairpin_addr,
				     bpf_htons(HAIRPIN_PORT_MIN + (start + i) % HAIRPIN_PORTS));
		ret = bpf_map_update_elem(&rev, &rk, &rv, BPF_NOEXIST);
	}
	if (ret)
		return ret == -EEXIST ? FLOW_NO_PORT : FLOW_TABLE_FULL;
	f.ext_addr = cfg_hairpin_addr;
	f.ext_port = rk.dport;
	f.created_ns = bpf_ktime_get_coarse_ns();
	f.last_seen_ns = f.created_ns;
	ret = bpf_map_update_elem(&flows, key, &f, BPF_NOEXIST);
	if (ret) {
		bpf_map_delete_elem(&rev, &rk);
		if (ret != -EEXIST)
			return FLOW_TABLE_FULL;
	}
	return 0;
}

/* The client's first packet: the flow, within the client's share of flows. */
static __always_inline enum xdpgw_stat hairpin_open(const struct packet *p,
						    const struct nat_tuple *key)
{
	int err;

	if (p->tuple.proto == IPPROTO_TCP &&
	    (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return STAT_DROP_IN_NOT_SYN;
	switch (host_limit_take(key->saddr)) {
	case HOST_REFUSED_TELL:
		flow_event(FLOW_EV_REFUSED, key, 0, 0, 0, STAT_DROP_HOST_LIMIT);
		/* fall through */
	case HOST_REFUSED:
		return STAT_DROP_HOST_LIMIT;
	}
	err = hairpin_flow_create(key, p->tuple.daddr, p->tuple.dport);
	if (!err)
		return STAT_HAIRPIN_NEW;
	if (cfg_max_flows_per_host)
		host_limit_give(key->saddr);
	flow_event(FLOW_EV_REFUSED, key, 0, 0, 0,
		   err == FLOW_NO_PORT ? STAT_DROP_NO_PORT : STAT_DROP_TABLE_FULL);
	return err == FLOW_NO_PORT ? STAT_DROP_NO_PORT : STAT_DROP_TABLE_FULL;
}

/*
 * Which flow a packet arriving on the internal interface is a hairpin leg
 * of: *key its flows key, *rw the rewrite, *out true for the client's leg.
 * Returns 0 when the packet is no hairpin traffic (left to the stack,
 * uncounted here), STAT_HAIRPIN_NEW when it made the flow, a drop's stat,
 * or -1 for a leg of a known flow.
 */
static __always_inline int hairpin_match(const struct packet *p, struct nat_tuple *key,
					 struct hairpin_rw *rw, bool *out)
{
	const struct nat_tuple *t = &p->tuple;
	struct nat_rev *r;
	__be32 server;
	__be16 sport;
	int made = -1;

	rw->saddr = t->saddr;
	rw->daddr = t->daddr;
	rw->sport = t->sport;
	rw->dport = t->dport;
	if (t->daddr == cfg_hairpin_addr) {
		/* The server's answer: its rev entry, holding the client's view. */
		r = bpf_map_lookup_elem(&rev, t);
		if (!r || r->orig.daddr == t->saddr)
			return 0; /* the gateway's own traffic, or no hairpin flow */
		*key = r->orig;
		key->daddr = t->saddr;
		key->dport = t->sport;
		rw->new_saddr = r->orig.daddr;
		rw->new_sport = r->orig.dport;
		rw->new_daddr = r->orig.saddr;
		rw->new_dport = r->orig.sport;
		*out = false;
		return -1;
	}
	if (!hairpin_server(t, &server, &sport))
		return 0;
	*key = *t;
	key->daddr = server;
	key->dport = sport;
	if (!bpf_map_lookup_elem(&flows, key)) {
		made = hairpin_open(p, key);
		if (made != STAT_HAIRPIN_NEW)
			return made;
	}
	rw->new_daddr = server;
	rw->new_dport = sport;
	*out = true;
	return made;
}

#endif /* XDPGW_HAIRPIN_H */
