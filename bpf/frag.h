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
 * included; or a second last one, or one beyond the last) is dropped, and so
 * is the rest of that datagram (as pf's "fragment drop-ovl" does; the
 * kernel's reassembly discards such a datagram too). The entry goes once
 * the datagram went through whole, so that its IP id can come again; one
 * never completed is forgotten after the kernel's reassembly timeout. Updates of one datagram's entry are not atomic across
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

/* A fragment's part of its datagram, in 8-byte units, [start, end): one
 * that is not the last is cut to whole units, as the kernel's reassembly
 * does. Computed from the IP header where needed, not kept by the parser:
 * values kept for the whole program would double the verifier's work.
 */
struct frag_part {
	__u16 start;
	__u16 end;
	bool last; /* MF clear: the datagram's last fragment */
};

static __always_inline struct frag_part frag_part_of(const struct iphdr *ip)
{
	__u32 start = bpf_ntohs(ip->frag_off) & IP_OFFSET;
	__u32 end = start * 8 + bpf_ntohs(ip->tot_len) - ip->ihl * 4;
	struct frag_part f = { .start = start, .last = !(ip->frag_off & bpf_htons(IP_MF)) };

	f.end = f.last ? (end + 7) / 8 : end / 8;
	return f;
}

/* ip is the packet's header, or a copy of it (its id does not change). */
static __always_inline struct frag_key frag_key_of(const struct nat_tuple *t,
						   const struct iphdr *ip)
{
	struct frag_key k = {
		.saddr = t->saddr,
		.daddr = t->daddr,
		.id = ip->id,
		.proto = t->proto,
	};

	return k;
}

#define FRAG_TIMEOUT_NS (XDPGW_FRAG_TIMEOUT_S * 1000000000ull)

/* An entry of a datagram begun more than the kernel's reassembly timeout
 * ago is another datagram's that never completed: its IP id is free again.
 */
static __always_inline bool frag_stale(const struct frag_state *s)
{
	return bpf_ktime_get_coarse_ns() - s->first_ns > FRAG_TIMEOUT_NS;
}

/*
 * Record the fragment's part [start, end) as seen: a range starting where it
 * ends is taken into it, then it extends the range ending where it starts,
 * or takes a free slot. -1 (and the datagram dead) when it overlaps a range,
 * when it is a second last fragment or lies beyond the last one, or when no
 * slot is left. (Each loop indexes with its own counter only, so the
 * verifier need not follow which slot a variable names; and the loops stay
 * loops, unrolled they would overflow tc's 512-byte stack.)
 */
static __always_inline int frag_track(struct frag_state *s, const struct frag_part *f)
{
	__u16 start = f->start, end = f->end;
	__u32 i;

	if (s->dead || (s->last_in && (f->last || end > s->total)))
		goto overlap;
#pragma clang loop unroll(disable)
	for (i = 0; i < XDPGW_FRAG_RANGES; i++) {
		__u16 rs = s->seen[i].start, re = s->seen[i].end;

		if (rs != re && ((start < re && rs < end) || (f->last && re > end)))
			goto overlap;
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < XDPGW_FRAG_RANGES; i++) {
		if (s->seen[i].start != s->seen[i].end && s->seen[i].start == end) {
			end = s->seen[i].end;
			s->seen[i].start = 0;
			s->seen[i].end = 0;
			break;
		}
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < XDPGW_FRAG_RANGES; i++) {
		if (s->seen[i].start != s->seen[i].end && s->seen[i].end == start) {
			s->seen[i].end = end;
			goto recorded;
		}
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < XDPGW_FRAG_RANGES; i++) {
		if (s->seen[i].start == s->seen[i].end) {
			s->seen[i].start = start;
			s->seen[i].end = end;
			goto recorded;
		}
	}
	goto overlap; /* too scattered to check: not risked */
recorded:
	if (f->last) {
		s->last_in = 1;
		s->total = f->end;
	}
	return 0;
overlap:
	s->dead = 1;
	return -1;
}

/* Every part of the datagram went through: one range, from 0 to its end. */
static __always_inline bool frag_whole(const struct frag_state *s)
{
	__u32 i;

	if (!s->last_in)
		return false;
#pragma clang loop unroll(disable)
	for (i = 0; i < XDPGW_FRAG_RANGES; i++)
		if (s->seen[i].start == 0 && s->seen[i].end == s->total)
			return true;
	return false;
}

/* A first fragment: FRAG_OVERLAP when its datagram already has an entry
 * (the first fragment came before), else FRAG_UNKNOWN.
 */
static __always_inline enum frag_verdict frag_first_check(const struct packet *p)
{
	struct frag_key k = frag_key_of(&p->tuple, p->ip);
	struct frag_state *s = bpf_map_lookup_elem(&frags, &k);

	if (!s || frag_stale(s))
		return FRAG_UNKNOWN;
	s->dead = 1;
	return FRAG_OVERLAP;
}

/* An entry's start: a global, not a stack copy (tc's stack is full). */
static const struct frag_state frag_empty = {};

/* The first fragment (tuple t before translation, IP header ip) was
 * translated, to addr: the rest will follow it.
 */
static __always_inline void frag_remember(const struct nat_tuple *t, const struct iphdr *ip,
					  __be32 addr)
{
	struct frag_key k = frag_key_of(t, ip);
	struct frag_part f = frag_part_of(ip);
	struct frag_state *s;

	if (bpf_map_update_elem(&frags, &k, &frag_empty, BPF_ANY))
		return;
	s = bpf_map_lookup_elem(&frags, &k);
	if (!s)
		return;
	s->addr = addr;
	s->first_ns = bpf_ktime_get_coarse_ns();
	s->seen[0].start = f.start;
	s->seen[0].end = f.end;
}

/* A later fragment: what its first fragment got (*addr), if anything. The
 * entry goes once the datagram is whole.
 */
static __always_inline enum frag_verdict frag_follow(const struct packet *p, __be32 *addr)
{
	struct frag_key k = frag_key_of(&p->tuple, p->ip);
	struct frag_part f = frag_part_of(p->ip);
	struct frag_state *s = bpf_map_lookup_elem(&frags, &k);

	if (!s || frag_stale(s))
		return FRAG_UNKNOWN;
	if (frag_track(s, &f))
		return FRAG_OVERLAP;
	*addr = s->addr;
	if (frag_whole(s))
		bpf_map_delete_elem(&frags, &k);
	return FRAG_FOLLOW;
}

/* The protocols whose first fragments xdpgw translates. */
static __always_inline bool frag_translatable(const struct packet *p)
{
	return p->tuple.proto == IPPROTO_TCP || p->tuple.proto == IPPROTO_UDP ||
	       p->tuple.proto == IPPROTO_ICMP;
}

#endif /* XDPGW_FRAG_H */
