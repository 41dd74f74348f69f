/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 REQ-1, RFC 5508
 * for echo identifiers): every flow of one internal endpoint (protocol,
 * address, port) leaves from one external port, whatever its destination,
 * and a port belongs to one endpoint only (REQ-3, no port overloading).
 *
 *   mappings    endpoint -> external port, refs (flows using it)
 *   port_owner  external port -> endpoint, a slot each; a compare-and-swap
 *               from 0 claims it
 *   port_bitmap the owned ports, a bit each: the allocator's hint
 *   peers       (address-dependent filtering) remote addresses per port
 *
 * A flow holds a reference on its mapping from creation until the sweep
 * deletes it. Whoever drops the last one frees the mapping, then the port.
 * A count of 0 marks a mapping being freed: references are taken with a
 * compare-and-swap that never moves a count up from 0, so nobody uses a
 * mapping, or a port, that is on its way out. The mapping lives as long as
 * its longest flow, and every outbound packet refreshes its flow (REQ-6).
 */
#ifndef XDPGW_MAPPING_H
#define XDPGW_MAPPING_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"

/* Compare-and-swap attempts to take a reference before giving up (two
 * CPUs creating flows of one endpoint at once retry; none loops forever).
 */
#define REF_TRIES 8

/* Take a reference, unless the count is 0 (being freed). */
static __always_inline bool ref_get(__u32 *refs)
{
	__u32 old;
	int i;

	for (i = 0; i < REF_TRIES; i++) {
		old = *(volatile __u32 *)refs;
		if (!old)
			return false;
		if (__sync_val_compare_and_swap(refs, old, old + 1) == old)
			return true;
	}
	return false;
}

/* Drop a reference; true for the one that dropped the last. */
static __always_inline bool ref_put(__u32 *refs)
{
	return __sync_fetch_and_add(refs, -1) == 1;
}

static __always_inline struct nat_endpoint endpoint_of(const struct nat_tuple *out)
{
	struct nat_endpoint ep = { .addr = out->saddr, .port = out->sport, .proto = out->proto };

	return ep;
}

/*
 * Ports are addressed by their protocol's base (xdpgw_port_slot(proto, 0),
 * computed once per packet) plus the port (host order): the verifier then
 * walks one path through the allocator's loops, not one per protocol.
 */
static __always_inline __u32 port_base(__u8 proto)
{
	return xdpgw_port_slot(proto, 0);
}

/* The bitmap word of a port. */
static __always_inline __u64 *port_word(__u32 base, __u32 port)
{
	__u32 k = (base + (port & 0xffff)) >> 6;

	return bpf_map_lookup_elem(&port_bitmap, &k);
}

/* The owner slot of a port. */
static __always_inline __u64 *port_slot(__u32 base, __u32 port)
{
	__u32 k = base + (port & 0xffff);

	return bpf_map_lookup_elem(&port_owner, &k);
}

static __always_inline __u64 endpoint_word(const struct nat_endpoint *ep)
{
	__u64 w;

	__builtin_memcpy(&w, ep, sizeof(w));
	return w; /* never 0: proto is not */
}

/* Claim an external port for ep; false when it is owned. */
static __always_inline bool port_claim(const struct nat_endpoint *ep, __u32 base, __u32 port)
{
	__u64 *slot = port_slot(base, port), *w;

	if (!slot || __sync_val_compare_and_swap(slot, 0, endpoint_word(ep)) != 0)
		return false;
	w = port_word(base, port);
	if (w)
		__sync_fetch_and_or(w, 1ull << (port & 63));
	return true;
}

/* Give a port back: its bit first, then the owner slot, so that a set bit
 * always means an owned port (a clear one may be a port just claimed).
 */
static __always_inline void port_release(__u8 proto, __be16 ext_port)
{
	__u32 port = bpf_ntohs(ext_port), base = port_base(proto);
	__u64 *w = port_word(base, port), *slot = port_slot(base, port);

	if (w)
		__sync_fetch_and_and(w, ~(1ull << (port & 63)));
	if (slot)
		__sync_fetch_and_and(slot, 0);
}

/* Drop a flow's reference on its mapping; the last one frees the mapping
 * and then its port.
 */
static __always_inline void mapping_put(const struct nat_tuple *out)
{
	struct nat_endpoint ep = endpoint_of(out);
	struct nat_mapping *m = bpf_map_lookup_elem(&mappings, &ep);
	__be16 ext_port;

	if (!m || !ref_put(&m->refs))
		return;
	ext_port = m->ext_port; /* read before the delete frees the value */
	bpf_map_delete_elem(&mappings, &ep);
	port_release(ep.proto, ext_port);
}

static __always_inline struct nat_peer_key peer_of(const struct nat_tuple *out,
						   __be16 ext_port)
{
	struct nat_peer_key k = { .remote = out->daddr, .ext_port = ext_port,
				  .proto = out->proto };

	return k;
}

/* Count a flow between a mapping and a remote address (address-dependent
 * filtering). false when the peers map is full.
 */
static __always_inline bool peer_get(const struct nat_tuple *out, __be16 ext_port)
{
	struct nat_peer_key k = peer_of(out, ext_port);
	__u32 one = 1, *refs;
	int i;

	/* An entry at 0 is being deleted: wait for it to go, then add ours. */
	for (i = 0; i < REF_TRIES; i++) {
		refs = bpf_map_lookup_elem(&peers, &k);
		if (refs && ref_get(refs))
			return true;
		if (!refs && !bpf_map_update_elem(&peers, &k, &one, BPF_NOEXIST))
			return true;
	}
	return false;
}

/* Drop a flow's count on its remote address; the last one deletes it.
 * Nothing to do when the flow was made in another filtering mode.
 */
static __always_inline void peer_put(const struct nat_tuple *out, __be16 ext_port)
{
	struct nat_peer_key k = peer_of(out, ext_port);
	__u32 *refs = bpf_map_lookup_elem(&peers, &k);

	if (refs && ref_put(refs))
		bpf_map_delete_elem(&peers, &k);
}

/* Everything a flow held besides its flows and rev entries. */
static __always_inline void flow_release_mapping(const struct nat_tuple *out,
						 __be16 ext_port)
{
	peer_put(out, ext_port);
	mapping_put(out);
}

#endif /* XDPGW_MAPPING_H */
