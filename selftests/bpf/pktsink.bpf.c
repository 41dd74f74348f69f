// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Counting sink for the forwarding benchmark (selftests/bench/
 * forward_rate.sh), attached to the far end's interface: counts the
 * generator's frames (pktgen.bpf.c) per CPU by their source address and
 * drops them; anything else is counted and passed to the stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../bench/tools/pktbench.h"

#define ETH_P_IP 0x0800

const volatile __u32 sink_nat_addr; /* the NAT's external address, host order */
const volatile __u32 sink_int_net; /* internal prefix, host order */
const volatile __u32 sink_int_mask;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SINK__MAX);
} sink_counts SEC(".maps");

static __always_inline int count(__u32 idx, int verdict)
{
	__u64 *n = bpf_map_lookup_elem(&sink_counts, &idx);

	if (n)
		(*n)++; /* per-CPU: no other writer */
	return verdict;
}

SEC("xdp")
int pktsink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	/* The generator sends no IP options, and nothing on the way adds any. */
	struct udphdr *udp = (void *)(ip + 1);
	__be32 *magic = (void *)(udp + 1);
	__u32 saddr;

	if ((void *)(magic + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP || *magic != bpf_htonl(PKTB_MAGIC))
		return count(SINK_OTHER, XDP_PASS);
	saddr = bpf_ntohl(ip->saddr);
	if (saddr == sink_nat_addr)
		return count(SINK_TRANSLATED, XDP_DROP);
	if ((saddr & sink_int_mask) == sink_int_net)
		return count(SINK_NATIVE, XDP_DROP);
	return count(SINK_STRAY, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
