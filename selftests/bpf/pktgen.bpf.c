// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet generator for the forwarding benchmark (selftests/bench/
 * forward_rate.sh), run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES:
 * each run writes one 60-byte IPv4/UDP frame (64 with a wire's FCS) and
 * returns XDP_TX, which the test run turns into a redirect out of the
 * context's ingress interface, to the veth's peer.
 *
 * Live-frame pages are recycled as they come back, holding whatever was
 * last written into them: a NAT or a router on the far side of the veth
 * rewrites MACs and addresses in place. So every run writes the whole
 * header (Ethernet, IPv4 with its checksum, UDP with checksum 0, "none")
 * and the payload's marker, never relying on the page's old content.
 *
 * Flows: gen_addrs source addresses times gen_ports source ports (the
 * internal endpoints) times gen_peers destination ports (the remote
 * endpoints each talks to), walked port first, then peer, then address.
 * Flow (a, p, r) is
 *   gen_saddr + a : gen_sport + p  ->  gen_daddr : gen_dport + a * gen_peers + r
 * With endpoint-independent mapping an internal endpoint keeps one
 * external port for every remote endpoint, and one external address has
 * 64,512 ports: many flows fit only as fewer internal endpoints times
 * several remote endpoints each (100,000 flows: 10,000 x 10).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../bench/tools/pktbench.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800

const volatile __u8 gen_smac[ETH_ALEN];
const volatile __u8 gen_dmac[ETH_ALEN];
const volatile __u32 gen_saddr; /* first source address, host order */
const volatile __u32 gen_daddr; /* host order */
const volatile __u16 gen_sport = 1024; /* first source port */
const volatile __u16 gen_dport = 9; /* destination port of address 0 */
const volatile __u32 gen_ports = 1; /* source ports per address */
const volatile __u32 gen_addrs = 1; /* source addresses */
const volatile __u32 gen_peers = 1; /* destination ports per internal endpoint */

/*
 * Where the walk is, and how many frames were built. The test run is one
 * thread on one CPU (one generator process), so plain increments suffice;
 * userspace reads gen_runs through the mmapped .bss.
 */
__u32 gen_port_idx;
__u32 gen_addr_idx;
__u32 gen_peer_idx;
__u64 gen_runs;

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

SEC("xdp")
int pktgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *payload = (void *)(udp + 1);
	__u32 saddr, sum;
	__u16 sport, dport;
	int i;

	/* The test run's frame is exactly as long as the template given. */
	if (data + PKTB_FRAME_LEN > data_end)
		return XDP_ABORTED;

	sport = gen_sport + gen_port_idx;
	dport = gen_dport + gen_addr_idx * gen_peers + gen_peer_idx;
	saddr = gen_saddr + gen_addr_idx;
	if (++gen_port_idx >= gen_ports) {
		gen_port_idx = 0;
		if (++gen_peer_idx >= gen_peers) {
			gen_peer_idx = 0;
			if (++gen_addr_idx >= gen_addrs)
				gen_addr_idx = 0;
		}
	}
	gen_runs++;

	/* Byte by byte: the MACs are volatile rodata (set before load). */
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = gen_dmac[i];
		eth->h_source[i] = gen_smac[i];
	}
	eth->h_proto = bpf_htons(ETH_P_IP);

	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(PKTB_FRAME_LEN - sizeof(*eth));
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = bpf_htonl(saddr);
	ip->daddr = bpf_htonl(gen_daddr);
	/*
	 * RFC 1071 over the ten header words, summed in host order: the
	 * one's complement sum does not depend on byte order, so the result
	 * is stored byte-swapped like every other field.
	 */
	sum = 0x4500 + (PKTB_FRAME_LEN - sizeof(*eth)) + (64 << 8 | IPPROTO_UDP) +
	      (saddr >> 16) + (saddr & 0xffff) + (gen_daddr >> 16) + (gen_daddr & 0xffff);
	ip->check = bpf_htons(csum_fold(sum));

	udp->source = bpf_htons(sport);
	udp->dest = bpf_htons(dport);
	udp->len = bpf_htons(PKTB_FRAME_LEN - sizeof(*eth) - sizeof(*ip));
	udp->check = 0; /* none: legal for UDP over IPv4 */
	__builtin_memset(payload, 0, PKTB_PAYLOAD);
	*(__be32 *)payload = bpf_htonl(PKTB_MAGIC);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
