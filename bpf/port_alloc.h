/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Choosing the external port of a new mapping, in the range LO-HI:
 *  1. the internal port itself (port preservation), when in the range;
 *  2. the port after the one the internal port below was mapped to
 *     (contiguity, RFC 4787 4.2.3: RTP and RTCP stay neighbours);
 *  3. random ports of the internal port's parity (RFC 4787 REQ-4), taken
 *     ports skipped by their bitmap bit without a hash insert;
 *  4. a scan of the bitmap from a random word for a free port, of the same
 *     parity first, then of any.
 * Random probes do not cluster (a linear scan grows every taken run it
 * ends in, and its failures follow); the scan makes the allocation succeed
 * whenever a port is free. At 90 % occupancy 0.9^32 = 3 % of new mappings
 * reach the scan (counted as port_fallback).
 */
#ifndef XDPGW_PORT_ALLOC_H
#define XDPGW_PORT_ALLOC_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "mapping.h"

#define PORT_PROBES 32

#define EVEN_PORTS 0x5555555555555555ull /* bit i is port 64 * word + i */

/* The index of the lowest set bit of a non-zero word: BPF has no ctz, and
 * a branch per bit would multiply the verifier's paths, so the bits below
 * it are counted (SWAR popcount).
 */
static __always_inline __u32 lowest_bit(__u64 x)
{
	__u64 v = (x & -x) - 1;

	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (v * 0x0101010101010101ull) >> 56;
}

struct port_scan {
	struct nat_endpoint ep;
	__u32 base; /* port_base of its protocol */
	__u32 min, max; /* the range, host order */
	__u32 parity; /* of the internal port, for the random probes */
	__u32 first_word, words; /* the words covering it */
	__u32 start; /* a random word to begin at */
	__u64 excluded; /* ports of the wrong parity (first pass), else 0 */
	__u32 port; /* out: the port claimed, 0 for none */
};

/* One word of the scan: claim its first free port in the range. */
static long scan_word(__u32 i, void *ctx)
{
	struct port_scan *s = ctx;
	__u32 word = s->first_word + (s->start + i) % s->words;
	__u32 base = word * 64, port;
	__u64 *w = port_word(s->base, base);
	__u64 taken;

	if (!w)
		return 1;
	taken = *w | s->excluded;
	if (base < s->min)
		taken |= (1ull << (s->min - base)) - 1;
	if (base + 63 > s->max)
		taken |= ~0ull << (s->max - base + 1);
	if (taken == ~0ull)
		return 0;
	port = base + lowest_bit(~taken);
	if (!port_claim(&s->ep, s->base, port))
		return 0; /* claimed meanwhile, or a bit not set yet: go on */
	s->port = port;
	return 1;
}

static __always_inline __u32 port_scan(struct port_scan *s)
{
	bpf_loop(s->words, scan_word, s, 0);
	if (s->port || !s->excluded)
		return s->port;
	s->excluded = 0; /* none of the same parity left: any */
	bpf_loop(s->words, scan_word, s, 0);
	return s->port;
}

/* A random port of the given parity within min-max (host order), or 0. */
static __always_inline __u32 random_port(__u32 min, __u32 max, __u32 parity)
{
	__u32 port = min + bpf_get_prandom_u32() % (max - min + 1);

	port = (port & ~1u) | parity;
	if (port < min)
		port += 2;
	if (port > max)
		return 0;
	return port;
}

/* Try one port: true when claimed, false when taken or out of the range. */
static __always_inline bool port_try(const struct nat_endpoint *ep, __u32 base, __u32 port,
				     __u32 min, __u32 max)
{
	__u64 *w;

	if (port < min || port > max)
		return false;
	w = port_word(base, port);
	if (w && (*w >> (port & 63)) & 1)
		return false;
	return port_claim(ep, base, port);
}

/* The external port the internal port below ep's was mapped to, plus one;
 * 0 when that port has no mapping.
 */
static __always_inline __u32 contiguous_port(const struct nat_endpoint *ep)
{
	struct nat_endpoint below = *ep;
	struct nat_mapping *m;

	below.port = bpf_htons(bpf_ntohs(ep->port) - 1);
	m = bpf_map_lookup_elem(&mappings, &below);
	return m ? bpf_ntohs(m->ext_port) + 1 : 0;
}

/* One random probe (a bpf_loop callback: the verifier walks it once, not
 * once per probe and outcome).
 */
static long probe_one(__u32 i, void *ctx)
{
	struct port_scan *s = ctx;
	__u32 port = random_port(s->min, s->max, s->parity);

	if (!port || !port_try(&s->ep, s->base, port, s->min, s->max))
		return 0;
	s->port = port;
	return 1;
}

/* Claim an external port in min-max for ep; returns it (host order), or 0
 * when every port is taken.
 */
static __always_inline __u32 port_alloc(const struct nat_endpoint *ep, __u32 min, __u32 max)
{
	__u32 want = bpf_ntohs(ep->port), parity = want & 1, port;
	struct port_scan s = { .ep = *ep, .base = port_base(ep->proto), .min = min, .max = max,
			       .parity = parity };

	if (port_try(ep, s.base, want, min, max))
		return want;
	port = contiguous_port(ep);
	if (port && (port & 1) == parity && port_try(ep, s.base, port, min, max))
		return port;
	bpf_loop(PORT_PROBES, probe_one, &s, 0);
	if (s.port)
		return s.port;
	s.first_word = min / 64;
	s.words = max / 64 - s.first_word + 1;
	s.start = bpf_get_prandom_u32() % s.words;
	s.excluded = parity ? EVEN_PORTS : ~EVEN_PORTS;
	port = port_scan(&s);
	if (port)
		stat_inc(STAT_PORT_FALLBACK);
	return port;
}

#endif /* XDPGW_PORT_ALLOC_H */
