/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv4 fragments, both ways. The first fragment carries the ports and is
 * translated like a datagram; when it is, it is remembered (the frags map),
 * and the later fragments, which carry no ports, follow it: they get the
 * address it got. A later fragment whose first fragment was not translated
 * is handled as the caller's direction requires (out: dropped, in: passed).
 *
 * Overlaps: the parts of a datagram that went through are kept as ranges;
 * a fragment overlapping one of them (or repeating it, first fragment
 * included) is dropped, and so is the rest of that datagram (as pf's
 * "fragment drop-ovl" does; the kernel's reassembly discards such a
 * datagram too). Updates of one datagram's entry are not atomic across
 * CPUs: NICs steer all fragments of a datagram to one queue (RSS hashes
 * fragments by their addresses), so they meet on one CPU.
 */
#ifndef XDPGW_FRAG_H
#define XDPGW_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "parse.h"
#include "maps.h"

enum frag_verdict {
	FRAG_FOLLOW, /* its first fragment was translated: do the same */
	FRAG_UNKNOWN, /* its first fragment was not translated (or not yet) */
	FRAG_OVERLAP, /* it overlaps the datagram's parts before it: drop */
};

static __always_inline struct frag_key frag_key_of(const struct packet *p)
{
	struct frag_key k = {
		.saddr = p->tuple.saddr,
		.daddr = p->tuple.daddr,
		.id = p->frag_id,
		.proto = p->tuple.proto,
	};

	return k;
}

/*
 * Record [start, end) as seen: joined to the range it extends (or to the two
 * it fills the gap between), else in a free slot. -1 (and the datagram
 * dead) when it overlaps a range, or when no slot is left.
 */
static __always_inline int frag_track(struct frag_state *s, __u16 start, __u16 end)
{
	__u32 i, before = XDPGW_FRAG_RANGES, after = XDPGW_FRAG_RANGES, free = XDPGW_FRAG_RANGES;

	if (s->dead)
		return -1;
	for (i = 0; i < XDPGW_FRAG_RANGES; i++) {
		__u16 rs = s->seen[i].start, re = s->seen[i].end;

		if (rs == re) {
			free = i;
			continue;
		}
		if (start < re && rs < end)
			goto overlap;
		if (re == start)
			before = i;
		if (rs == end)
			after = i;
	}
	if (before < XDPGW_FRAG_RANGES && after < XDPGW_FRAG_RANGES) {
		s->seen[before].end = s->seen[after].end;
		s->seen[after].start = 0;
		s->seen[after].end = 0;
	} else if (before < XDPGW_FRAG_RANGES) {
		s->seen[before].end = end;
	} else if (after < XDPGW_FRAG_RANGES) {
		s->seen[after].start = start;
	} else if (free < XDPGW_FRAG_RANGES) {
		s->seen[free].start = start;
		s->seen[free].end = end;
	} else {
		goto overlap; /* too scattered to check: not risked */
	}
	return 0;
overlap:
	s->dead = 1;
	return -1;
}

/* A first fragment: FRAG_OVERLAP when its datagram already has an entry
 * (the first fragment came before), else FRAG_UNKNOWN.
 */
static __always_inline enum frag_verdict frag_first_check(const struct packet *p)
{
	struct frag_key k = frag_key_of(p);
	struct frag_state *s = bpf_map_lookup_elem(&frags, &k);

	if (!s)
		return FRAG_UNKNOWN;
	s->dead = 1;
	return FRAG_OVERLAP;
}

/* The first fragment was translated, to addr: the rest will follow it. */
static __always_inline void frag_remember(const struct packet *p, __be32 addr)
{
	struct frag_key k = frag_key_of(p);
	struct frag_state s = { .addr = addr };

	s.seen[0].start = p->frag_start;
	s.seen[0].end = p->frag_end;
	bpf_map_update_elem(&frags, &k, &s, BPF_ANY);
}

/* A later fragment: what its first fragment got (*addr), if anything. */
static __always_inline enum frag_verdict frag_follow(const struct packet *p, __be32 *addr)
{
	struct frag_key k = frag_key_of(p);
	struct frag_state *s = bpf_map_lookup_elem(&frags, &k);

	if (!s)
		return FRAG_UNKNOWN;
	if (frag_track(s, p->frag_start, p->frag_end))
		return FRAG_OVERLAP;
	*addr = s->addr;
	return FRAG_FOLLOW;
}

/* The protocols whose first fragments xdpgw translates. */
static __always_inline bool frag_translatable(const struct packet *p)
{
	return p->tuple.proto == IPPROTO_TCP || p->tuple.proto == IPPROTO_UDP ||
	       p->tuple.proto == IPPROTO_ICMP;
}

#endif /* XDPGW_FRAG_H */
