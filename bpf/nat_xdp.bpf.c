// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP ingress on the external interface: reverse NAT. A TCP/UDP reply or an
 * ICMP echo reply to the external address that matches a flow gets the
 * internal host's address and port (identifier) back, and so does an ICMP
 * error about such a flow; checksums are fixed incrementally (RFC 1624), and
 * the packet continues into the kernel stack, which routes it inside, or,
 * for an established flow, straight to the internal interface (the fast
 * path, fast_path.h). Packets from outside addressed to the internal
 * prefix itself are dropped (filter.h). Everything else passes untouched:
 * ARP, IPv6, traffic for the gateway itself, malformed frames (which the
 * stack drops and counts on its own).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "xdpgw.h"
#include "parse.h"
#include "csum.h"
#include "maps.h"
#include "nat.h"
#include "flow_state.h"
#include "fast_path.h"
#include "icmp_error.h"
#include "frag.h"
#include "filter.h"
#include "inbound_filter.h"
#include "nat_inbound.h"
#include "arp.h"

/* libxdp: where this program runs among others on the same interface. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpgw_ingress);

static __always_inline void dnat_rewrite(struct packet *p, const struct nat_rev *r)
{
	/* TCP and UDP checksums cover the address (pseudo-header); ICMP's
	 * covers only the ICMP message, where the identifier changes.
	 */
	if (p->tuple.proto == IPPROTO_ICMP)
		csum_replace2(p->csum, p->tuple.dport, r->orig.sport);
	else
		l4_csum_replace_addr_port(p->csum, p->tuple.proto == IPPROTO_UDP,
					  p->tuple.daddr, r->orig.saddr,
					  p->tuple.dport, r->orig.sport);
	csum_replace4(&p->ip->check, p->tuple.daddr, r->orig.saddr);
	p->ip->daddr = r->orig.saddr;
	*p->dst_id = r->orig.sport;
}

/* A packet to a public address besides the external one that no flow or
 * rule takes: a static address's host takes it without a flow; to the
 * others it has nowhere to go (the stack does not own them).
 */
static __always_inline enum xdpgw_stat dnat_public_other(struct packet *p,
							 const struct nat_public *pub,
							 bool later_fragment, int *action)
{
	enum xdpgw_stat ret;

	if (!pub)
		return STAT_IN_PASS;
	ret = dnat_static(p, pub, later_fragment, action);
	if (ret)
		return ret;
	*action = XDP_DROP;
	/* Nothing would take it in; still the filter table judges (and
	 * counts) it, as it would a port that is forwarded.
	 */
	if (!later_fragment && !inbound_allowed(p))
		return STAT_DROP_IN_RULE;
	return STAT_DROP_PUBLIC_NO_FLOW;
}

/* A later fragment (no ports) goes where its datagram's first fragment went.
 * One that comes before its first fragment is passed as it is (the stack
 * drops it when reassembly times out), never sent anywhere on a guess; so is
 * one of a protocol xdpgw does not translate, as the whole datagram would be.
 */
static __always_inline enum xdpgw_stat dnat_fragment(struct packet *p, int *action)
{
	struct nat_public *pub = NULL;
	__be32 internal;

	if (p->tuple.daddr != cfg_ext_addr) {
		pub = public_of(p->tuple.daddr);
		if (!pub)
			return STAT_IN_PASS;
	}
	if (!frag_translatable(p))
		return dnat_public_other(p, pub, true, action);
	switch (frag_follow(p, &internal)) {
	case FRAG_FOLLOW:
		break;
	case FRAG_OVERLAP:
		*action = XDP_DROP;
		return STAT_DROP_FRAG_OVERLAP;
	default:
		return pub ? dnat_public_other(p, pub, true, action) : STAT_IN_FRAGMENT_EARLY;
	}
	csum_replace4(&p->ip->check, p->ip->daddr, internal);
	p->ip->daddr = internal;
	return STAT_IN_FRAGMENT;
}

/*
 * An ICMP error about a packet of no flow: is the packet the gateway's own
 * (a local TCP/UDP socket sent it from the external address)? Then the
 * stack wants the error (its own path MTU discovery). Errors about an echo
 * request cannot be told apart (ping sockets are not looked up): passed.
 */
static __always_inline bool local_socket(struct xdp_md *ctx, const struct nat_tuple *reply)
{
	struct bpf_sock_tuple t = { .ipv4 = { .saddr = reply->saddr, .daddr = reply->daddr,
					      .sport = reply->sport, .dport = reply->dport } };
	struct bpf_sock *sk;

	if (reply->proto == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else if (reply->proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else
		return true;
	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/*
 * An ICMP error to the external address quotes a packet that went out
 * translated (source ext:port). Give it back the internal host's address
 * and port, as that host sent it, and send the error there: the outer
 * destination, and the quote (icmp_error.h).
 */
static __always_inline enum xdpgw_stat dnat_icmp_error(struct xdp_md *ctx, struct packet *p,
							void *data, void *data_end)
{
	/* l4_off is at most 14 + 60; the mask tells the verifier so (it loses
	 * the bound across the public_of lookup before).
	 */
	struct hdr_cursor c = { .pos = data + (p->l4_off & 0x7f) + sizeof(struct icmphdr),
				.end = data_end };
	struct quoted q = {};
	struct quote_fields v;
	struct nat_rev *r;
	int ret;

	ret = parse_quoted(&c, &q, ICMP_T_ECHO);
	if (ret == PARSE_BAD_L4)
		return STAT_MALFORMED_L4; /* truncated quote */
	if (ret != PARSE_OK || q.reply.daddr != p->tuple.daddr)
		return STAT_IN_PASS; /* not about a translated packet */
	r = bpf_map_lookup_elem(&rev, &q.reply);
	if (!r)
		return local_socket(ctx, &q.reply) ? STAT_IN_NO_FLOW : STAT_DROP_ICMP_NO_FLOW;

	v = quote_fields_read(p->csum, &q, &q.ip->saddr, q.id);
	quote_translate(&v, r->orig.saddr, r->orig.sport);
	q.ip->saddr = v.addr;
	*q.id = v.port;
	q.ip->check = v.ip_check;
	if (q.csum)
		*q.csum = v.l4_csum;
	*p->csum = v.icmp_csum;

	csum_replace4(&p->ip->check, p->ip->daddr, r->orig.saddr);
	p->ip->daddr = r->orig.saddr;
	return STAT_IN_ICMP_ERROR;
}

/*
 * Is p, sent to the external address, a packet of a connection the
 * gateway's own stack has made: a TCP socket past LISTEN, or a connected
 * UDP socket? The filter table judges new traffic to the gateway; this
 * lets the gateway's own connections (and ones open before a rule came)
 * go on under a default drop. Looked up only for a packet about to be
 * dropped. Not inlined: the socket tuple gets a frame of its own.
 */
static __noinline bool local_connection(struct xdp_md *ctx, const struct packet *p)
{
	struct bpf_sock_tuple t = { .ipv4 = { .saddr = p->tuple.saddr, .daddr = p->tuple.daddr,
					      .sport = p->tuple.sport, .dport = p->tuple.dport } };
	struct bpf_sock *sk;
	bool ours;

	if (p->tuple.proto == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else if (p->tuple.proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else
		return false;
	if (!sk)
		return false;
	ours = p->tuple.proto == IPPROTO_TCP ? sk->state != BPF_TCP_LISTEN : sk->dst_port != 0;
	bpf_sk_release(sk);
	return ours;
}

/* The filter table on a packet of no flow to the gateway's own address
 * (inbound_filter.h). False: drop it, counted STAT_IN_FILTER_DROP.
 */
static __noinline bool own_inbound_allowed(struct xdp_md *ctx, const struct packet *p)
{
	struct filter_hit h;

	filter_lookup(p, &h);
	if (h.action == RULE_DROP && local_connection(ctx, p))
		return true;
	filter_account(p, &h);
	return h.action == RULE_ALLOW;
}

static __always_inline enum xdpgw_stat dnat(struct xdp_md *ctx, int *action)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct nat_public *pub = NULL;
	struct packet p = {};
	bool fast;
	struct nat_flow *f;
	struct nat_rev *r;
	int ret, made = 0; /* the stat of a flow made by this packet */

	ret = parse_packet(data, data_end, data_end - data, &p);
	if (p.ip && ret != PARSE_BAD_IP && inbound_refused(&p)) {
		*action = XDP_DROP;
		return STAT_DROP_INBOUND;
	}
	switch (ret) {
	case PARSE_OK:
	case PARSE_OTHER_PROTO:
		break;
	case PARSE_ICMP_ERROR:
		if (p.tuple.daddr != cfg_ext_addr && !public_of(p.tuple.daddr))
			return STAT_IN_PASS;
		ret = dnat_icmp_error(ctx, &p, data, data_end);
		if (ret == STAT_DROP_ICMP_NO_FLOW)
			*action = XDP_DROP;
		return ret;
	case PARSE_NOT_IPV4:
		if (!arp_reply(data, data_end))
			return STAT_IN_PASS;
		*action = XDP_TX;
		return STAT_ARP_REPLY;
	case PARSE_FRAGMENT:
		return dnat_fragment(&p, action);
	default:
		return parse_stat(ret);
	}
	if (p.tuple.daddr != cfg_ext_addr) {
		pub = public_of(p.tuple.daddr);
		if (!pub)
			return STAT_IN_PASS;
	}
	/* Other protocols, and pings: the gateway's own (which the filter
	 * table judges first), or a static host's.
	 */
	if (ret == PARSE_OTHER_PROTO ||
	    (p.tuple.proto == IPPROTO_ICMP && p.icmp_type != ICMP_T_ECHOREPLY)) {
		if (!pub && !own_inbound_allowed(ctx, &p)) {
			*action = XDP_DROP;
			return STAT_IN_FILTER_DROP;
		}
		return dnat_public_other(&p, pub, false, action);
	}
	/* A first fragment again (or a repeat of it): an overlap. */
	if (p.first_frag && frag_first_check(&p) == FRAG_OVERLAP) {
		*action = XDP_DROP;
		return STAT_DROP_FRAG_OVERLAP;
	}
	r = bpf_map_lookup_elem(&rev, &p.tuple);
	if (!r) {
		/* A forwarded port or a static address; else NAPT's mapped
		 * ports, on the external address.
		 */
		made = inbound_open(&p, pub, &r);
		if (!made && pub)
			return dnat_public_other(&p, pub, false, action);
		if (!made)
			made = flow_create_inbound(&p, &r);
		/* To the gateway itself (the stack's sockets): the filter's. */
		if (made == STAT_IN_NO_FLOW && !own_inbound_allowed(ctx, &p))
			made = STAT_IN_FILTER_DROP;
		if (made != STAT_IN_NEW_FLOW && made != STAT_IN_FORWARD_NEW &&
		    made != STAT_IN_STATIC_NEW) {
			if (made != STAT_IN_NO_FLOW)
				*action = XDP_DROP;
			return made;
		}
	}
	f = bpf_map_lookup_elem(&flows, &r->orig);
	if (f && flow_track(f, &r->orig, &p, false)) {
		*action = XDP_DROP;
		return STAT_DROP_TCP_OUT_OF_WINDOW;
	}
	fast = !made && f && cfg_int_ifindex && fast_eligible(&p, f) &&
	       !fast_route(ctx, &p, p.tuple.saddr, r->orig.saddr, cfg_int_ifindex, &fib);
	dnat_rewrite(&p, r);
	if (p.first_frag) /* the rest of the datagram follows the first */
		frag_remember(&p.tuple, p.ip, r->orig.saddr);
	if (!fast)
		return made ?: STAT_IN_TRANSLATED;
	*action = fast_forward(data, p.ip, &fib);
	return STAT_FAST_IN;
}

SEC("xdp")
int xdpgw_ingress(struct xdp_md *ctx)
{
	int action = XDP_PASS;

	stat_inc(dnat(ctx, &action));
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
