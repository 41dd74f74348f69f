/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inbound filter table (fw1's): rules `allow|drop PROTO [PORT[-PORT]]
 * [to ADDR] [from PREFIX]`, first match wins, else the default policy. It
 * judges packets from outside that are part of no flow, addressed to the
 * gateway's own external address or to a forwarded or static one; replies
 * of flows made from inside never come here.
 *
 * A bit-vector classifier (xdpgw.h): three lookups give, for the packet's
 * protocol and destination port, its destination address and its source
 * address (longest prefix), the bitmap of the rules that match in that
 * dimension; the lowest bit set in their AND is the first rule that
 * matches. The lookups cost the same for 1 or 1000 rules; the AND walks
 * N/64 words (16 at most), stopping at the first word with a bit set.
 */
#ifndef XDPGW_INBOUND_FILTER_H
#define XDPGW_INBOUND_FILTER_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"
#include "port_alloc.h" /* lowest_bit */

#define FILTER_NO_RULE 0xffffffffu
#define FILTER_EVENTS_PER_SEC 100 /* per CPU, to `xdpgw watch` */
#define FILTER_MAX_CPUS 1024

__u64 filter_event_last_ns[FILTER_MAX_CPUS]; /* when this CPU last told watch */

/* The decision for one packet: the rule (its position, or FILTER_NO_RULE
 * for the default policy), the counter slot and the action.
 */
struct filter_hit {
	__u32 rule;
	__u32 slot;
	__u32 action; /* enum filter_action */
};

/* The filter_port_class slot of a packet, in one generation. */
static __always_inline __u32 filter_port_slot(const struct packet *p)
{
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		return bpf_ntohs(p->tuple.dport);
	case IPPROTO_UDP:
		return 65536 + bpf_ntohs(p->tuple.dport);
	case IPPROTO_ICMP:
		return XDPGW_FILTER_SLOT_ICMP;
	}
	return XDPGW_FILTER_SLOT_OTHER;
}

/* The position of the first rule of generation gen (of nrules) matching,
 * or FILTER_NO_RULE.
 */
static __always_inline __u32 filter_first_match(__u32 gen, __u32 nrules, __u32 port_slot,
					   __be32 daddr, __be32 saddr)
{
	struct filter_src_key sk = { .prefixlen = 64, .gen = bpf_htonl(gen), .addr = saddr };
	struct filter_dst_key dk = { .gen = gen, .addr = daddr };
	struct filter_bits *pb, *db, *sb;
	__u32 key, *cls;
	__u64 w;
	int i;

	key = gen * XDPGW_FILTER_PORT_SLOTS + port_slot;
	cls = bpf_map_lookup_elem(&filter_port_class, &key);
	if (!cls)
		return FILTER_NO_RULE;
	key = gen * XDPGW_FILTER_CLASSES + *cls;
	pb = bpf_map_lookup_elem(&filter_port_bits, &key);
	db = bpf_map_lookup_elem(&filter_dst, &dk);
	if (!db) { /* no rule names this address: the rules without `to` */
		dk.addr = 0;
		db = bpf_map_lookup_elem(&filter_dst, &dk);
	}
	sb = bpf_map_lookup_elem(&filter_src, &sk);
	if (!pb || !db || !sb)
		return FILTER_NO_RULE;
	for (i = 0; i < XDPGW_FILTER_WORDS; i++) {
		if (i * 64 >= nrules)
			break;
		w = pb->w[i] & db->w[i] & sb->w[i];
		if (w)
			return i * 64 + lowest_bit(w);
	}
	return FILTER_NO_RULE;
}

/* What the table in use says of p; nothing counted yet. */
static __noinline void filter_lookup(const struct packet *p, struct filter_hit *h)
{
	struct filter_meta *m;
	struct filter_rule *r;
	__u32 zero = 0, gen, key, *ctl;

	h->rule = FILTER_NO_RULE;
	h->slot = XDPGW_FILTER_DEFAULT_SLOT;
	h->action = RULE_ALLOW;
	ctl = bpf_map_lookup_elem(&filter_ctl, &zero);
	if (!ctl)
		return;
	gen = *(volatile __u32 *)ctl & 1; /* read once: the whole decision uses it */
	m = bpf_map_lookup_elem(&filter_meta, &gen);
	if (!m)
		return;
	h->action = m->default_action;
	if (!m->nrules)
		return;
	h->rule = filter_first_match(gen, m->nrules, filter_port_slot(p), p->tuple.daddr,
				     p->tuple.saddr);
	if (h->rule >= XDPGW_FILTER_RULES_MAX) {
		h->rule = FILTER_NO_RULE;
		return;
	}
	key = gen * XDPGW_FILTER_RULES_MAX + h->rule;
	r = bpf_map_lookup_elem(&filter_rules, &key);
	if (!r) {
		h->rule = FILTER_NO_RULE;
		return;
	}
	h->slot = r->slot;
	h->action = r->action;
}

/* Count p on the rule (or the default) that decided it; tell `xdpgw watch`
 * of a drop, at most FILTER_EVENTS_PER_SEC a second per CPU.
 */
static __noinline void filter_account(const struct packet *p, const struct filter_hit *h)
{
	struct flow_event ev = { .type = FLOW_EV_REFUSED, .reason = STAT_IN_FILTER_DROP };
	__u32 slot = h->slot, cpu;
	struct filter_count *c;
	__u64 now;

	c = bpf_map_lookup_elem(&filter_counts, &slot);
	if (c) {
		c->packets++;
		c->bytes += p->ip_len;
	}
	if (h->action != RULE_DROP)
		return;
	cpu = bpf_get_smp_processor_id();
	now = bpf_ktime_get_ns();
	if (cpu >= FILTER_MAX_CPUS ||
	    (__s64)(now - filter_event_last_ns[cpu]) < 1000000000ll / FILTER_EVENTS_PER_SEC)
		return;
	filter_event_last_ns[cpu] = now;
	ev.ts_ns = now;
	ev.orig = p->tuple;
	ev.rule = h->rule == FILTER_NO_RULE ? 0 : h->rule + 1;
	bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
}

/*
 * May p, from outside and part of no flow, go on to a forwarded or static
 * address? Counted on the rule that decided; false: the caller drops it and
 * counts STAT_IN_FILTER_DROP.
 */
static __always_inline bool inbound_allowed(const struct packet *p)
{
	struct filter_hit h;

	filter_lookup(p, &h);
	filter_account(p, &h);
	return h.action == RULE_ALLOW;
}

#endif /* XDPGW_INBOUND_FILTER_H */
