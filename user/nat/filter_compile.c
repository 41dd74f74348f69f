// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ordered rule list compiled into the bit-vector classifier (xdpgw.h):
 * per dimension, the bitmap of the rules matching each class of packets.
 *  - protocol and port: the rules' port ranges cut each of TCP's and UDP's
 *    port spaces into runs of ports that every rule treats alike (at most
 *    2N + 1); a run is a class, and every port of it points to the class.
 *    ICMP and every other protocol are one class each.
 *  - destination: a row per address some rule names (its rules and the
 *    rules without `to`), and address 0 for any other address.
 *  - source: a row per prefix some rule names, and /0; the longest prefix
 *    holding the source is the row, whose rules are those whose prefix
 *    holds that prefix (a rule's prefix holds the source only if it holds
 *    the longest stored one that does, as its own prefix is stored too).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "filter_rules.h"

static void bit_set(struct filter_bits *b, __u32 i)
{
	b->w[i / 64] |= 1ull << (i % 64);
}

static __be32 prefix_mask(__u8 len)
{
	return len ? htonl(~0u << (32 - len)) : 0;
}

static bool rule_has_proto(const struct filter_rule *r, __u8 proto)
{
	return !r->proto || r->proto == proto;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* The port classes of one protocol's block (0: TCP, 1: UDP). */
static void compile_ports(const struct filter_table *t, struct filter_compiled *c, __u8 proto,
			  __u32 block)
{
	__u32 cuts[2 * XDPGW_FILTER_RULES_MAX + 2], n = 0, i, j, port, end;
	struct filter_bits *b;

	cuts[n++] = 0;
	for (i = 0; i < t->n; i++) {
		if (!rule_has_proto(&t->rules[i], proto))
			continue;
		cuts[n++] = t->rules[i].port_lo;
		cuts[n++] = t->rules[i].port_hi + 1u; /* 65536: the end */
	}
	qsort(cuts, n, sizeof(cuts[0]), cmp_u32);
	for (i = 0; i < n; i++) {
		port = cuts[i];
		if (port >= 65536 || (i && cuts[i - 1] == port))
			continue;
		for (j = i + 1; j < n && cuts[j] == port; j++)
			;
		end = j < n ? cuts[j] : 65536;
		b = &c->classes[c->nclasses];
		memset(b, 0, sizeof(*b));
		/* the run [port, end) crosses no rule's edge: its first port speaks for it */
		for (j = 0; j < t->n; j++) {
			const struct filter_rule *r = &t->rules[j];

			if (rule_has_proto(r, proto) && r->port_lo <= port && port <= r->port_hi)
				bit_set(b, j);
		}
		for (; port < end; port++)
			c->port_class[block * 65536 + port] = c->nclasses;
		c->nclasses++;
	}
}

/* The class of ICMP or of the other protocols (proto 0): rules for it or any. */
static void compile_portless(const struct filter_table *t, struct filter_compiled *c,
			     __u8 proto, __u32 slot)
{
	struct filter_bits *b = &c->classes[c->nclasses];
	__u32 j;

	memset(b, 0, sizeof(*b));
	for (j = 0; j < t->n; j++)
		if (!t->rules[j].proto || (proto && t->rules[j].proto == proto))
			bit_set(b, j);
	c->port_class[slot] = c->nclasses++;
}

static void compile_dst(const struct filter_table *t, struct filter_compiled *c)
{
	__u32 i, j, k;

	c->ndst = 1; /* row 0: address 0, any other */
	memset(&c->dst[0], 0, sizeof(c->dst[0]));
	for (i = 0; i < t->n; i++) {
		__be32 a = t->rules[i].to_addr;

		for (k = 0; k < c->ndst && c->dst[k].addr != a; k++)
			;
		if (k < c->ndst)
			continue;
		memset(&c->dst[k], 0, sizeof(c->dst[k]));
		c->dst[k].addr = a;
		c->ndst++;
	}
	for (k = 0; k < c->ndst; k++)
		for (j = 0; j < t->n; j++)
			if (!t->rules[j].to_addr || t->rules[j].to_addr == c->dst[k].addr)
				bit_set(&c->dst[k].bits, j);
}

static void compile_src(const struct filter_table *t, struct filter_compiled *c)
{
	__u32 i, j, k;

	c->nsrc = 1; /* row 0: /0 */
	memset(&c->src[0], 0, sizeof(c->src[0]));
	for (i = 0; i < t->n; i++) {
		const struct filter_rule *r = &t->rules[i];

		for (k = 0; k < c->nsrc &&
			    (c->src[k].net != r->from_net || c->src[k].len != r->from_len);
		     k++)
			;
		if (k < c->nsrc)
			continue;
		memset(&c->src[k], 0, sizeof(c->src[k]));
		c->src[k].net = r->from_net;
		c->src[k].len = r->from_len;
		c->nsrc++;
	}
	for (k = 0; k < c->nsrc; k++)
		for (j = 0; j < t->n; j++) {
			const struct filter_rule *r = &t->rules[j];

			if (r->from_len <= c->src[k].len &&
			    (c->src[k].net & prefix_mask(r->from_len)) == r->from_net)
				bit_set(&c->src[k].bits, j);
		}
}

int filter_compile(const struct filter_table *t, struct filter_compiled *c)
{
	if (t->n > XDPGW_FILTER_RULES_MAX)
		return -E2BIG;
	c->nclasses = 0;
	compile_ports(t, c, IPPROTO_TCP, 0);
	compile_ports(t, c, IPPROTO_UDP, 1);
	compile_portless(t, c, IPPROTO_ICMP, XDPGW_FILTER_SLOT_ICMP);
	compile_portless(t, c, 0, XDPGW_FILTER_SLOT_OTHER);
	compile_dst(t, c);
	compile_src(t, c);
	memset(&c->meta, 0, sizeof(c->meta));
	c->meta.nrules = t->n;
	c->meta.default_action = t->default_action;
	return 0;
}

static __u32 port_slot(const struct filter_pkt *p)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		return p->dport;
	case IPPROTO_UDP:
		return 65536 + p->dport;
	case IPPROTO_ICMP:
		return XDPGW_FILTER_SLOT_ICMP;
	}
	return XDPGW_FILTER_SLOT_OTHER;
}

__u32 filter_compiled_eval(const struct filter_compiled *c, const struct filter_pkt *p)
{
	const struct filter_bits *pb = &c->classes[c->port_class[port_slot(p)]];
	const struct filter_bits *db = &c->dst[0].bits, *sb = NULL;
	__u32 i, best = 0;
	__u64 w;

	for (i = 1; i < c->ndst; i++)
		if (c->dst[i].addr == p->daddr)
			db = &c->dst[i].bits;
	for (i = 0; i < c->nsrc; i++) /* the longest prefix holding saddr */
		if ((p->saddr & prefix_mask(c->src[i].len)) == c->src[i].net &&
		    (!sb || c->src[i].len > best)) {
			sb = &c->src[i].bits;
			best = c->src[i].len;
		}
	for (i = 0; sb && i < XDPGW_FILTER_WORDS && i * 64 < c->meta.nrules; i++) {
		w = pb->w[i] & db->w[i] & sb->w[i];
		if (w)
			return i * 64 + __builtin_ctzll(w);
	}
	return FILTER_NO_RULE;
}
