/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The translation kinds besides NAPT, as far as they decide an address:
 * static NAT (a host owns a public address, both ways, ports unchanged)
 * and the pool (a host borrows a free public address for as long as it has
 * flows). Their flows are NAPT-shaped (a flows entry internal -> remote, a
 * rev entry remote -> public), so the rewriting of established flows is
 * NAPT's; only the choice of the public side differs, and what a flow holds:
 *
 *   NAPT     a reference on its mapping (mapping.h)
 *   static   nothing
 *   pool     a reference on its host's binding (host_public.refs); the
 *            last one gives the address back to the pool
 *   forward  nothing (the port is the rule's, taken out of NAPT's pool by
 *            userspace marking port_owner)
 */
#ifndef XDPGW_NAT_KINDS_H
#define XDPGW_NAT_KINDS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "maps.h"
#include "mapping.h"

static __always_inline struct nat_public *public_of(__be32 addr)
{
	return bpf_map_lookup_elem(&public_addrs, &addr);
}

/* A pool address for host, looked for among public_addrs. */
struct pool_borrow {
	__be32 host;
	__be32 addr; /* out: the address claimed, 0 for none */
	bool seen; /* out: the pool has an address at all */
};

static long pool_borrow_one(struct bpf_map *map, const __be32 *key, struct nat_public *v,
			    struct pool_borrow *b)
{
	if (!(v->kinds & PUBLIC_POOL) || v->dying)
		return 0;
	b->seen = true;
	/* Claim it: a pool address is never lent to two hosts. */
	if (__sync_val_compare_and_swap(&v->internal, 0, b->host) != 0)
		return 0;
	b->addr = *key;
	return 1;
}

/* Give a pool address back (its borrower's binding is gone already). */
static __always_inline void pool_return(__be32 addr, __be32 host)
{
	struct nat_public *v = public_of(addr);

	if (v)
		__sync_val_compare_and_swap(&v->internal, host, 0);
}

/*
 * Borrow a pool address for host and bind it there with one reference.
 * 0 when the pool is empty or has no free address (counted: the host's flow
 * goes through NAPT), or when another CPU is binding or freeing this host's
 * binding at the same instant.
 */
static __always_inline __be32 pool_bind(__be32 host)
{
	struct pool_borrow b = { .host = host };
	struct nat_host_public fresh = { .kind = PUBLIC_POOL, .refs = 1 };
	struct nat_host_public *hp;

	bpf_for_each_map_elem(&public_addrs, pool_borrow_one, &b, 0);
	if (!b.seen)
		return 0;
	if (!b.addr) {
		stat_inc(STAT_POOL_FALLBACK);
		return 0;
	}
	fresh.public = b.addr;
	if (!bpf_map_update_elem(&host_public, &host, &fresh, BPF_NOEXIST))
		return b.addr;
	/* Bound meanwhile by another CPU: use that binding. */
	pool_return(b.addr, host);
	hp = bpf_map_lookup_elem(&host_public, &host);
	if (hp && hp->kind == PUBLIC_POOL && ref_get(&hp->refs))
		return hp->public;
	stat_inc(STAT_POOL_FALLBACK);
	return 0;
}

/*
 * The public address a new outbound flow of host leaves from, when it is
 * not NAPT's: its static address, or its pool address (a reference taken,
 * the address borrowed when it has none). Returns PUBLIC_STATIC or
 * PUBLIC_POOL with *addr, 0 for NAPT.
 */
static __always_inline int out_public(__be32 host, __be32 *addr)
{
	struct nat_host_public *hp = bpf_map_lookup_elem(&host_public, &host);

	if (hp && hp->kind == PUBLIC_STATIC) {
		if (hp->dying)
			return 0;
		*addr = hp->public;
		return PUBLIC_STATIC;
	}
	if (hp) {
		if (ref_get(&hp->refs)) {
			*addr = hp->public;
			return PUBLIC_POOL;
		}
		/* Being freed this instant: NAPT for this flow. */
		stat_inc(STAT_POOL_FALLBACK);
		return 0;
	}
	*addr = pool_bind(host);
	return *addr ? PUBLIC_POOL : 0;
}

/* Drop a pool flow's reference on its host's binding; the last one unbinds
 * the host and gives the address back. Nothing for other flows.
 */
static __always_inline void pool_put(__be32 host, __be32 ext_addr)
{
	struct nat_host_public *hp = bpf_map_lookup_elem(&host_public, &host);
	__be32 addr;

	if (!hp || hp->kind != PUBLIC_POOL || hp->public != ext_addr || !ref_put(&hp->refs))
		return;
	addr = hp->public; /* read before the delete frees the value */
	bpf_map_delete_elem(&host_public, &host);
	pool_return(addr, host);
}

/* The forward rule of a port, if any. */
static __always_inline struct nat_forward *forward_of(__u8 proto, __be32 addr, __be16 port)
{
	struct nat_forward_key k = { .addr = addr, .port = port, .proto = proto };

	return bpf_map_lookup_elem(&forwards, &k);
}

/*
 * Everything an expiring flow held besides its two entries, by its kind
 * (the sweep's release, also for flows a deleted rule ends). A flow
 * leaving from its host's static or pool address is that kind's; one on a
 * forwarded port leading to its internal endpoint is a forward's; the rest
 * are NAPT's, and only a mapping on that very port is theirs.
 */
static __always_inline void flow_release_kind(const struct nat_tuple *out, __be32 ext_addr,
					      __be16 ext_port)
{
	struct nat_host_public *hp = bpf_map_lookup_elem(&host_public, &out->saddr);
	struct nat_endpoint ep = endpoint_of(out);
	struct nat_forward *fw;
	struct nat_mapping *m;

	if (hp && hp->public == ext_addr) {
		pool_put(out->saddr, ext_addr);
		return;
	}
	fw = forward_of(out->proto, ext_addr, ext_port);
	if (fw && fw->internal == out->saddr && fw->port == out->sport)
		return;
	/* A NAPT flow holds a reference: its mapping is there, on its port. */
	m = bpf_map_lookup_elem(&mappings, &ep);
	if (!m || m->ext_port != ext_port)
		return; /* not NAPT's: a forward's or static's whose rule is gone */
	flow_release_mapping(out, ext_port);
}

#endif /* XDPGW_NAT_KINDS_H */
