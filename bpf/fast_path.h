/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The XDP fast path, shared by both directions: a translated packet of an
 * established flow is forwarded here as the kernel would route it (the fib
 * lookup gives the egress interface and both MACs, the TTL drops by one)
 * and redirected straight to the other interface. Whatever the stack must
 * see stays on the slow path (XDP_PASS): TTL <= 1 (the stack sends time
 * exceeded), no route or no neighbour yet (the stack resolves it), bigger
 * than the egress MTU (the stack fragments or sends frag-needed), another
 * egress than the NAT's other side, and packets that change a TCP flow's
 * state (tc and the stack see the handshake and the close).
 */
#ifndef XDPGW_FAST_PATH_H
#define XDPGW_FAST_PATH_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "parse.h"
#include "csum.h"
#include "maps.h"
#include "flow_state.h"

/* The way out: the external and the internal interface, keyed by ifindex,
 * for bpf_redirect_map. The loader creates it and hands it to both XDP
 * objects (not pinned by name: libbpf 1.1 cannot reuse a pinned devmap, the
 * kernel adds BPF_F_RDONLY_PROG to its flags).
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 2);
} tx_ports SEC(".maps");

/* Set by the loader; cfg_int_ifindex 0 means no fast path. */
const volatile __u32 cfg_ext_ifindex = 0;
const volatile __u32 cfg_int_ifindex = 0;

/* Each direction's switch (enum fast_state by enum fast_dir), set by the
 * daemon at run time; pinned, so both XDP objects read the same one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, FAST_DIR__MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fast_dirs SEC(".maps");

/* The direction that redirects into want_ifindex is switched on. */
static __always_inline bool fast_dir_on(__u32 want_ifindex)
{
	__u32 dir = want_ifindex == cfg_ext_ifindex ? FAST_DIR_OUT : FAST_DIR_IN;
	__u32 *state = bpf_map_lookup_elem(&fast_dirs, &dir);

	return state && *state == FAST_STATE_ON;
}

/*
 * A TCP/UDP checksum that the sending kernel left to be finished by offload
 * (CHECKSUM_PARTIAL, as from a local socket over a veth) holds just the
 * folded pseudo-header sum. The kernel knows to finish it; a redirected XDP
 * frame loses that knowledge and would leave with a wrong checksum, so such
 * packets take the slow path. A finished checksum that equals this value by
 * chance (1 in 65536) takes the slow path too, which is harmless.
 */
static __always_inline bool l4_csum_partial(const struct packet *p)
{
	__u32 sum;

	if (p->tuple.proto == IPPROTO_ICMP)
		return false; /* no pseudo-header, never offloaded */
	sum = (p->ip->saddr >> 16) + (p->ip->saddr & 0xffff) + (p->ip->daddr >> 16) +
	      (p->ip->daddr & 0xffff) + bpf_htons(p->tuple.proto) +
	      bpf_htons(p->ip_len - p->ip->ihl * 4);
	return *p->csum == csum32_to16(sum);
}

/* A packet the fast path may take: of a flow whose state it cannot change. */
static __always_inline bool fast_eligible(const struct packet *p, const struct nat_flow *f)
{
	if (p->first_frag)
		return false; /* fragments keep to one path: the stack's */
	if (l4_csum_partial(p))
		return false;
	if (p->tuple.proto != IPPROTO_TCP)
		return true;
	return f->state == FLOW_TCP_ESTABLISHED &&
	       !(p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST));
}

/*
 * Route the packet as it will be after translation (saddr -> daddr) and
 * fill fib. 0 when it leaves through want_ifindex with a known neighbour
 * and that direction is switched on; -1 when it must take the slow path.
 */
static __always_inline int fast_route(struct xdp_md *ctx, const struct packet *p, __be32 saddr,
				      __be32 daddr, __u32 want_ifindex,
				      struct bpf_fib_lookup *fib)
{
	if (p->ip->ttl <= 1 || !fast_dir_on(want_ifindex))
		return -1;
	fib->family = AF_INET;
	fib->tos = p->ip->tos;
	fib->l4_protocol = p->tuple.proto;
	fib->tot_len = p->ip_len; /* the lookup checks it against the MTU */
	fib->ipv4_src = saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = ctx->ingress_ifindex;
	if (bpf_fib_lookup(ctx, fib, sizeof(*fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	return fib->ifindex == want_ifindex ? 0 : -1;
}

/* What the stack's forwarding does to the frame: TTL - 1, the next hop's
 * MACs; then out through the devmap.
 */
static __always_inline int fast_forward(void *data, struct iphdr *ip,
					const struct bpf_fib_lookup *fib)
{
	struct ethhdr *eth = data; /* in bounds: the parser read the IP header after it */

	/* The TTL is the high byte of the word it shares with the protocol. */
	csum_replace2(&ip->check, bpf_htons(ip->ttl << 8), bpf_htons((ip->ttl - 1) << 8));
	ip->ttl--;
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	return bpf_redirect_map(&tx_ports, fib->ifindex, 0);
}

#endif /* XDPGW_FAST_PATH_H */
