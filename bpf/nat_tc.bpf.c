// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc egress on the external interface: source NAT (NAPT). A TCP/UDP packet
 * from the internal prefix gets its flow's external address and port; the
 * first packet of a flow creates the flow. Checksums are fixed with the
 * kernel's helpers, which keep the skb's checksum state (PARTIAL/COMPLETE)
 * right. An internal packet that cannot be translated is dropped and counted:
 * it must never leave with its private source address. ICMP errors from
 * inside about a flow are translated (icmp_error.h), later fragments follow
 * their first (frag.h), and a packet forwarded from the internal interface
 * with a source outside the internal prefix is dropped (filter.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "parse.h"
#include "maps.h"
#include "nat.h"
#include "flow_state.h"
#include "host_limit.h"
#include "icmp_prohibited.h"
#include "icmp_error.h"
#include "frag.h"
#include "filter.h"
#include "nat_kinds.h"
#include "hairpin.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_SADDR_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DADDR_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))
#define IP_TTL_OFF (ETH_HLEN + offsetof(struct iphdr, ttl))

/* Enough linear data for Ethernet, IPv4 with options and the L4 ports. */
#define PULL_LEN (ETH_HLEN + 60 + sizeof(struct tcphdr))
/* For an ICMP error: the same, the ICMP header, and the quoted IPv4 header
 * with options and a whole TCP header (its checksum).
 */
#define ICMP_PULL_LEN (ETH_HLEN + 60 + sizeof(struct icmphdr) + 60 + sizeof(struct tcphdr))

/* When the errors from inside last went out, per CPU (icmp_rate_ok). */
__u64 icmp_out_last_ns[ICMP_MAX_CPUS];

static __always_inline int snat_rewrite_skb(struct __sk_buff *skb,
					const struct packet *p,
					const struct nat_flow *f)
{
	__u32 csum_off = p->csum_off;
	/* UDP: a zero checksum stays zero, a computed zero becomes 0xffff. */
	__u64 mangled = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__be32 new_addr = f->ext_addr;
	__be16 new_port = f->ext_port;

	/* TCP and UDP checksums cover the address (pseudo-header); ICMP's
	 * covers only the ICMP message, where the identifier changes.
	 */
	if (p->tuple.proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, csum_off, p->tuple.saddr, new_addr,
				BPF_F_PSEUDO_HDR | mangled | sizeof(new_addr)))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, p->tuple.sport, new_port,
				mangled | sizeof(new_port)) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, p->tuple.saddr, new_addr,
				sizeof(new_addr)) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &new_addr, sizeof(new_addr), 0) ||
	    bpf_skb_store_bytes(skb, p->id_off, &new_port, sizeof(new_port), 0))
		return -1;
	return 0;
}

/*
 * Read skb->data or skb->data_end with a ctx load of its own: the verifier
 * rejects a load through a ctx pointer clang has offset and kept ("dereference
 * of modified ctx ptr"), which clang does when one expression reads both.
 */
#define ctx_ptr(skb, field)                                                    \
	({                                                                     \
		void *_p;                                                      \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                          \
			     : "=r"(_p)                                        \
			     : "r"(skb), "i"(offsetof(struct __sk_buff, field))); \
		_p;                                                            \
	})

/* Make the first len bytes linear when the skb keeps part of them in
 * fragments.
 */
static __always_inline void pull_headers(struct __sk_buff *skb, __u32 len)
{
	__u32 linear = ctx_ptr(skb, data_end) - ctx_ptr(skb, data);
	__u32 want = skb->len < len ? skb->len : len;

	if (linear < want)
		bpf_skb_pull_data(skb, want);
}

/* Write a translated quote's fields (quote_fields_read's pointers) back. */
static __always_inline int quote_store(struct __sk_buff *skb, void *data, const struct packet *p,
				       const struct quoted *q, const struct quote_fields *v)
{
	return bpf_skb_store_bytes(skb, (void *)&q->ip->daddr - data, &v->addr,
				   sizeof(v->addr), 0) ||
	       bpf_skb_store_bytes(skb, (void *)q->dst_id - data, &v->port, sizeof(v->port), 0) ||
	       bpf_skb_store_bytes(skb, (void *)&q->ip->check - data, &v->ip_check,
				   sizeof(v->ip_check), 0) ||
	       (v->has_l4_csum && bpf_skb_store_bytes(skb, (void *)q->csum - data, &v->l4_csum,
						      sizeof(v->l4_csum), 0)) ||
	       bpf_skb_store_bytes(skb, p->csum_off, &v->icmp_csum, sizeof(v->icmp_csum), 0);
}

/*
 * An ICMP error from inside (an internal host, or a router there) quotes a
 * packet that came in translated (remote -> internal host:port): the
 * reverse of the ingress program's dnat_icmp_error. Outer source, quoted
 * destination address and port (identifier) become the flow's external
 * ones, with every checksum over them (icmp_error.h). An error about no
 * flow, or sent to another host than the flow's remote, is dropped; the
 * rest are rate-limited as the errors xdpgw makes itself (RFC 5508).
 * Not inlined: its locals get a frame of their own (tc's stack is full).
 */
static __noinline enum xdpgw_stat snat_icmp_error(struct __sk_buff *skb, int *action)
{
	struct packet p = {};
	struct quoted q = {};
	struct quote_fields v;
	struct hdr_cursor c;
	struct nat_flow *f;
	__be32 ext_addr;
	void *data;
	int ret;

	pull_headers(skb, ICMP_PULL_LEN);
	data = ctx_ptr(skb, data);
	c.end = ctx_ptr(skb, data_end);
	if (parse_packet(data, c.end, skb->len, &p) != PARSE_ICMP_ERROR)
		return STAT_ERROR; /* it was one before the pull */
	c.pos = data + p.l4_off + sizeof(struct icmphdr);
	ret = parse_quoted(&c, &q, ICMP_T_ECHOREPLY);
	if (ret == PARSE_BAD_L4)
		return STAT_MALFORMED_L4; /* truncated quote */
	if (ret != PARSE_OK)
		return STAT_DROP_OUT_ICMP_NO_FLOW; /* no ports: no flow of xdpgw's */
	f = bpf_map_lookup_elem(&flows, &q.reply);
	if (!f || p.tuple.daddr != q.reply.daddr)
		return STAT_DROP_OUT_ICMP_NO_FLOW;
	if (!icmp_rate_ok(icmp_out_last_ns))
		return STAT_DROP_OUT_ICMP_RATE;
	ext_addr = f->ext_addr;
	v = quote_fields_read(p.csum, &q, &q.ip->daddr, q.dst_id);
	quote_translate(&v, ext_addr, f->ext_port);
	if (quote_store(skb, data, &p, &q, &v) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, p.tuple.saddr, ext_addr, sizeof(ext_addr)) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &ext_addr, sizeof(ext_addr), 0))
		return STAT_ERROR;
	*action = TC_ACT_OK;
	return STAT_OUT_ICMP_ERROR;
}

/*
 * From a static host, without a flow (ICMP other than echo requests, other
 * protocols, later fragments): the source becomes its public address; only
 * the IP header's checksum covers it. 0 when saddr is no static host (or
 * the protocol's checksum covers the addresses: DCCP, UDP-Lite).
 * Not inlined: tc's stack is full.
 */
static __noinline int snat_static(struct __sk_buff *skb, __be32 saddr, __u32 proto,
				  int *action)
{
	struct nat_host_public *hp = bpf_map_lookup_elem(&host_public, &saddr);
	__be32 pub;

	if (!hp || hp->kind != PUBLIC_STATIC || hp->dying || proto == 33 /* DCCP */ ||
	    proto == 136 /* UDP-Lite */)
		return 0;
	pub = hp->public;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, saddr, pub, sizeof(pub)) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &pub, sizeof(pub), 0))
		return STAT_ERROR;
	*action = TC_ACT_OK;
	return STAT_OUT_STATIC;
}

/*
 * A later fragment (no ports; its L4 checksum lives in the first one) gets
 * the source address its first fragment got. One whose first fragment was
 * not translated is dropped, as one of a protocol xdpgw does not translate
 * is: an internal source must not leave.
 */
static __always_inline enum xdpgw_stat snat_fragment(struct __sk_buff *skb,
						     const struct packet *p, int *action)
{
	__be32 ext_addr;
	int ret;

	if (!frag_translatable(p))
		return snat_static(skb, p->tuple.saddr, p->tuple.proto, action) ?:
			       STAT_DROP_UNSUPPORTED;
	switch (frag_follow(p, &ext_addr)) {
	case FRAG_FOLLOW:
		break;
	case FRAG_OVERLAP:
		return STAT_DROP_FRAG_OVERLAP;
	default:
		/* A static host's address is known without its first fragment. */
		ret = snat_static(skb, p->tuple.saddr, p->tuple.proto, action);
		return ret ?: STAT_DROP_FRAG_NO_FIRST;
	}
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, p->tuple.saddr, ext_addr, sizeof(ext_addr)) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &ext_addr, sizeof(ext_addr), 0))
		return STAT_ERROR;
	*action = TC_ACT_OK;
	return STAT_OUT_FRAGMENT;
}

/* frag_remember, after the rewrite: the packet's pointers are gone, its IP
 * header is read again (the parts frag.h wants did not change).
 */
static __always_inline void remember_first_fragment(struct __sk_buff *skb,
						    const struct nat_tuple *t, __be32 ext_addr)
{
	struct iphdr ip;

	if (!bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		frag_remember(t, &ip, ext_addr);
}

/*
 * The first packet of a flow: make the flow (the host's share, its mapping
 * and port, the two entries). Not inlined: its locals get a frame of their
 * own, off the program's (tc's 512 bytes hold the packet, this and the ICMP
 * error path only one at a time). A subprogram returns no map value: 0 and
 * the caller looks the flow up, or the FLOW_* error.
 */
static __noinline int snat_new_flow(const struct nat_tuple *t)
{
	int err = 0;

	if (host_flow_create(t, &err))
		return 0;
	return err ?: FLOW_TABLE_FULL;
}

/* Returns the stat for this packet's outcome; *action says what to do. */
static __always_inline enum xdpgw_stat snat(struct __sk_buff *skb, int *action)
{
	struct packet p = {};
	struct nat_flow *f;
	int ret, err = 0;

	*action = TC_ACT_OK;
	pull_headers(skb, PULL_LEN);
	ret = parse_packet(ctx_ptr(skb, data), ctx_ptr(skb, data_end), skb->len, &p);
	if (ret == PARSE_NOT_IPV4)
		return STAT_OUT_PASS;
	if (!p.ip)
		return parse_stat(ret); /* no source address to judge by */
	if (spoofed(skb, &p)) {
		*action = TC_ACT_SHOT;
		return STAT_DROP_SPOOFED;
	}
	if (!from_internal(p.tuple.saddr))
		return ret == PARSE_OK || ret == PARSE_OTHER_PROTO || ret == PARSE_FRAGMENT ||
			       ret == PARSE_ICMP_ERROR ? STAT_OUT_PASS : parse_stat(ret);

	/* From here on the packet carries an internal source address. */
	*action = TC_ACT_SHOT;
	switch (ret) {
	case PARSE_OK:
		/* Of ICMP only echo requests open flows (replies to a ping
		 * from outside would need port forwarding).
		 */
		if (p.tuple.proto == IPPROTO_ICMP && p.icmp_type != ICMP_T_ECHO)
			return snat_static(skb, p.tuple.saddr, p.tuple.proto, action) ?:
				       STAT_DROP_UNSUPPORTED;
		break;
	case PARSE_ICMP_ERROR:
		return snat_icmp_error(skb, action);
	case PARSE_OTHER_PROTO:
		return snat_static(skb, p.tuple.saddr, p.tuple.proto, action) ?:
			       STAT_DROP_UNSUPPORTED;
	case PARSE_FRAGMENT:
		return snat_fragment(skb, &p, action);
	default:
		return parse_stat(ret);
	}
	/* A first fragment again (or a repeat of it): an overlap. */
	if (p.first_frag && frag_first_check(&p) == FRAG_OVERLAP)
		return STAT_DROP_FRAG_OVERLAP;

	ret = STAT_OUT_TRANSLATED;
	f = bpf_map_lookup_elem(&flows, &p.tuple);
	if (!f) {
		err = snat_new_flow(&p.tuple);
		f = err ? NULL : bpf_map_lookup_elem(&flows, &p.tuple);
		if (!f) {
			if (err == FLOW_HOST_LIMIT)
				return STAT_DROP_HOST_LIMIT; /* told to watch in host_limit.h */
			ret = err == FLOW_NO_PORT ? STAT_DROP_NO_PORT : STAT_DROP_TABLE_FULL;
			flow_event(FLOW_EV_REFUSED, &p.tuple, 0, 0, 0, ret);
			if (ret == STAT_DROP_NO_PORT && !icmp_prohibited(skb, &p)) {
				stat_inc(STAT_ICMP_PROHIBITED);
				*action = TC_ACT_REDIRECT;
			}
			return ret;
		}
		ret = STAT_OUT_NEW_FLOW;
	}
	if (flow_track(f, &p.tuple, &p, true))
		return STAT_DROP_TCP_OUT_OF_WINDOW;
	if (snat_rewrite_skb(skb, &p, f))
		return STAT_ERROR;
	if (p.first_frag) /* the rest of the datagram follows the first */
		remember_first_fragment(skb, &p.tuple, f->ext_addr);
	*action = TC_ACT_OK;
	return ret;
}

SEC("tc")
int xdpgw_egress(struct __sk_buff *skb)
{
	int action;

	stat_inc(snat(skb, &action));
	return action;
}

/*
 * A hairpin leg's rewrite (hairpin.h): both addresses and both ports, the
 * TTL down by one (the gateway routes it), every checksum over them.
 * Not inlined: tc's stack is full.
 */
static __noinline int hairpin_rewrite(struct __sk_buff *skb, const struct hairpin_rw *rw)
{
	__u64 mangled = rw->udp ? BPF_F_MARK_MANGLED_0 : 0;
	__u16 old_word = bpf_htons((__u16)rw->ttl << 8 | rw->proto);
	__u16 new_word = bpf_htons((__u16)(rw->ttl - 1) << 8 | rw->proto);
	__u8 ttl = rw->ttl - 1;

	if (bpf_l4_csum_replace(skb, rw->csum_off, rw->saddr, rw->new_saddr,
				BPF_F_PSEUDO_HDR | mangled | 4) ||
	    bpf_l4_csum_replace(skb, rw->csum_off, rw->daddr, rw->new_daddr,
				BPF_F_PSEUDO_HDR | mangled | 4) ||
	    bpf_l4_csum_replace(skb, rw->csum_off, rw->sport, rw->new_sport, mangled | 2) ||
	    bpf_l4_csum_replace(skb, rw->csum_off, rw->dport, rw->new_dport, mangled | 2) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, rw->saddr, rw->new_saddr, 4) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, rw->daddr, rw->new_daddr, 4) ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_word, new_word, 2) ||
	    bpf_skb_store_bytes(skb, IP_TTL_OFF, &ttl, 1, 0) ||
	    bpf_skb_store_bytes(skb, IP_SADDR_OFF, &rw->new_saddr, 4, 0) ||
	    bpf_skb_store_bytes(skb, IP_DADDR_OFF, &rw->new_daddr, 4, 0) ||
	    bpf_skb_store_bytes(skb, rw->ports_off, &rw->new_sport, 2, 0) ||
	    bpf_skb_store_bytes(skb, rw->ports_off + 2, &rw->new_dport, 2, 0))
		return -1;
	return 0;
}

/* Returns the stat of a hairpin leg's outcome, 0 for any other packet
 * (left to the stack untouched); *action says what to do.
 */
static __always_inline int hairpin(struct __sk_buff *skb, int *action)
{
	struct hairpin_rw rw = {};
	struct nat_tuple key;
	struct packet p = {};
	struct nat_flow *f;
	bool out = false;
	int ret;

	*action = TC_ACT_OK;
	if (!cfg_hairpin_addr)
		return 0;
	pull_headers(skb, PULL_LEN);
	if (parse_packet(ctx_ptr(skb, data), ctx_ptr(skb, data_end), skb->len, &p) != PARSE_OK ||
	    (p.tuple.proto != IPPROTO_TCP && p.tuple.proto != IPPROTO_UDP) ||
	    !from_internal(p.tuple.saddr) || p.ip->ttl <= 1) /* the stack says time exceeded */
		return 0;
	ret = hairpin_match(&p, &key, &rw, &out);
	if (ret >= 0 && ret != STAT_HAIRPIN_NEW) {
		if (ret)
			*action = TC_ACT_SHOT;
		return ret;
	}
	f = bpf_map_lookup_elem(&flows, &key);
	if (!f) /* gone with the sweep this instant */
		return 0;
	if (out) {
		rw.new_saddr = f->ext_addr;
		rw.new_sport = f->ext_port;
	}
	if (flow_track(f, &key, &p, out)) {
		*action = TC_ACT_SHOT;
		return STAT_DROP_TCP_OUT_OF_WINDOW;
	}
	rw.csum_off = p.csum_off;
	rw.ports_off = p.id_off;
	rw.udp = p.tuple.proto == IPPROTO_UDP;
	rw.ttl = p.ip->ttl;
	rw.proto = p.tuple.proto;
	if (hairpin_rewrite(skb, &rw)) {
		*action = TC_ACT_SHOT;
		return STAT_ERROR;
	}
	*action = bpf_redirect_neigh(skb->ifindex, NULL, 0, 0);
	if (ret == STAT_HAIRPIN_NEW)
		return ret;
	return out ? STAT_HAIRPIN_TO_SERVER : STAT_HAIRPIN_TO_CLIENT;
}

/* tc ingress on the internal interface: hairpin only (hairpin.h). Counts
 * the packets it takes; the rest go on to the stack uncounted here.
 */
SEC("tc")
int xdpgw_hairpin(struct __sk_buff *skb)
{
	int action;
	int stat = hairpin(skb, &action);

	if (stat)
		stat_inc(stat);
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
