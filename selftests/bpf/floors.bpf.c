// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Floors for the per-packet benchmark: what XDP costs doing nothing, and
 * what a minimal router costs (parse, bpf_fib_lookup, MAC rewrite, TTL,
 * redirect), so the NAT's cost can be read against both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "parse.h"
#include "csum.h"


__u64 routed; /* packets the router forwarded (its path counter) */
int last_fib_ret; /* the last bpf_fib_lookup result, to say why not */
/*
 * A repeated test run reruns the router on its own output, so the TTL
 * drops by one a run and would reach 1 after 63 runs. In benchmark mode the
 * TTL test is skipped (the byte wraps) and the work stays the same; the
 * verifier removes the branch, this being read-only data.
 */
const volatile bool bench_mode = false;

SEC("xdp")
int floor_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int floor_router(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct packet p = {};
	struct ethhdr *eth = data;
	int ret;

	ret = parse_packet(data, data_end, data_end - data, &p);
	if (ret != PARSE_OK || (p.ip->ttl <= 1 && !bench_mode))
		return XDP_PASS;
	fib.family = AF_INET;
	fib.ipv4_src = p.ip->saddr;
	fib.ipv4_dst = p.ip->daddr;
	fib.l4_protocol = p.ip->protocol;
	fib.tot_len = p.ip_len;
	fib.ifindex = ctx->ingress_ifindex;
	last_fib_ret = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (last_fib_ret != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	/* TTL - 1: the TTL is the high byte of the word it shares with the
	 * protocol, so the checksum sees 0x0100 less.
	 */
	csum_replace2(&p.ip->check, bpf_htons(p.ip->ttl << 8), bpf_htons((p.ip->ttl - 1) << 8));
	p.ip->ttl--;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	routed++;
	return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
