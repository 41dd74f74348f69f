/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ARP for the public addresses xdpgw translates to but the external
 * interface does not carry (public_addrs entries with .arp set): a request
 * for one is turned into the reply in place (RFC 826) and sent back out
 * with XDP_TX, from the external interface's MAC (kept in the entry).
 * Nothing else is answered; everything else passes to the stack.
 */
#ifndef XDPGW_ARP_H
#define XDPGW_ARP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"

#define ETH_P_ARP 0x0806
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

/* An Ethernet/IPv4 ARP packet; the addresses are unaligned, hence bytes. */
struct arp_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
};

/* true when the frame was an ARP request for an owned address and is now
 * the reply, to be sent back (XDP_TX).
 */
static __always_inline bool arp_reply(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct arp_ipv4 *a = (void *)(eth + 1);
	struct nat_public *pub;
	__be32 target;

	if ((void *)(a + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_ARP))
		return false;
	if (a->htype != bpf_htons(ARPHRD_ETHER) || a->ptype != bpf_htons(ETH_P_IP) ||
	    a->hlen != ETH_ALEN || a->plen != 4 || a->op != bpf_htons(ARPOP_REQUEST))
		return false;
	/* A gratuitous ARP (sender = target) announces, it asks nothing. */
	if (!__builtin_memcmp(a->spa, a->tpa, 4))
		return false;
	__builtin_memcpy(&target, a->tpa, 4);
	pub = bpf_map_lookup_elem(&public_addrs, &target);
	if (!pub || !pub->arp)
		return false;
	a->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(a->tha, a->sha, ETH_ALEN);
	__builtin_memcpy(a->tpa, a->spa, 4);
	__builtin_memcpy(a->sha, pub->mac, ETH_ALEN);
	__builtin_memcpy(a->spa, &target, 4);
	__builtin_memcpy(eth->h_dest, a->tha, ETH_ALEN);
	__builtin_memcpy(eth->h_source, pub->mac, ETH_ALEN);
	return true;
}

#endif /* XDPGW_ARP_H */
