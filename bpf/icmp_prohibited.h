/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RFC 5508 (NAT behavioral requirements for ICMP): when no
 * external port is left for a new flow, the internal host is told so with
 * an ICMP destination unreachable, "communication administratively
 * prohibited" (type 3, code 13), instead of silence. tc egress turns the
 * refused packet itself into that error and redirects it to the interface
 * the internal host is reached through. Rate-limited per CPU.
 */
#ifndef XDPGW_ICMP_PROHIBITED_H
#define XDPGW_ICMP_PROHIBITED_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "csum.h"

#define ICMP_PROHIBITED_PER_SEC 100 /* per CPU */
#define ICMP_MAX_CPUS 1024
#define QUOTE_MAX (60 + 8) /* the IP header with options, 8 bytes of L4 */

__u64 icmp_last_ns[ICMP_MAX_CPUS]; /* when this CPU last sent one */

/*
 * The limiter of the ICMP errors xdpgw sends or lets out: one per
 * 1/ICMP_PROHIBITED_PER_SEC s per CPU. last_ns is a clock per CPU, one for
 * each kind of error (icmp_last_ns for these).
 */
static __always_inline bool icmp_rate_ok(__u64 *last_ns)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 now = bpf_ktime_get_ns();

	if (cpu >= ICMP_MAX_CPUS ||
	    (__s64)(now - last_ns[cpu]) < 1000000000ll / ICMP_PROHIBITED_PER_SEC)
		return false;
	last_ns[cpu] = now;
	return true;
}

/* The error, built in front of the quote. */
struct icmp_error_hdr {
	struct ethhdr eth;
	struct iphdr ip;
	struct icmphdr icmp;
} __attribute__((packed));

/*
 * Rewrite skb (the refused packet, at tc egress) into the ICMP error to its
 * sender: the sender's IP header and the first 8 bytes after it are the
 * quote (RFC 792). Returns 0 once bpf_redirect is set up, or
 * -1 when nothing was sent (rate limit, no route back, a helper failed:
 * the caller drops the packet as before).
 * (The packet's qlen is 28-68: the parser took IHL 5-15.)
 * Not inlined: its locals (the fib lookup, the new headers) get a frame of
 * their own, off tc's 512-byte stack.
 */
static __noinline int icmp_prohibited(struct __sk_buff *skb, const struct packet *p)
{
	struct bpf_fib_lookup fib = {};
	struct icmp_error_hdr h = {};
	__u8 quote[QUOTE_MAX] = {};
	__u32 qlen = p->ip->ihl * 4 + 8, sum;

	if (qlen > QUOTE_MAX || qlen > p->ip_len || !icmp_rate_ok(icmp_last_ns))
		return -1;
	/* Route back to the sender as if the error came in on this
	 * interface; the lookup also gives the source address to send from.
	 */
	fib.family = AF_INET;
	fib.ipv4_src = p->tuple.daddr;
	fib.ipv4_dst = p->tuple.saddr;
	fib.ifindex = skb->ifindex;
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_SRC) != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, quote, qlen))
		return -1;

	__builtin_memcpy(h.eth.h_dest, fib.dmac, sizeof(h.eth.h_dest));
	__builtin_memcpy(h.eth.h_source, fib.smac, sizeof(h.eth.h_source));
	h.eth.h_proto = bpf_htons(ETH_P_IP);
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tot_len = bpf_htons(sizeof(h.ip) + sizeof(h.icmp) + qlen);
	h.ip.id = p->ip->id;
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_ICMP;
	h.ip.saddr = fib.ipv4_src;
	h.ip.daddr = p->tuple.saddr;
	h.ip.check = (__u16)~csum32_to16(bpf_csum_diff(NULL, 0, (void *)&h.ip, sizeof(h.ip), 0));
	h.icmp.type = ICMP_T_DEST_UNREACH;
	h.icmp.code = 13; /* communication administratively prohibited */
	sum = bpf_csum_diff(NULL, 0, (void *)&h.icmp, sizeof(h.icmp), 0);
	sum = bpf_csum_diff(NULL, 0, (void *)quote, qlen, sum);
	h.icmp.checksum = (__u16)~csum32_to16(sum);

	if (bpf_skb_change_tail(skb, sizeof(h) + qlen, 0) ||
	    bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0) ||
	    bpf_skb_store_bytes(skb, sizeof(h), quote, qlen, 0))
		return -1;
	bpf_redirect(fib.ifindex, 0); /* TC_ACT_REDIRECT: flags 0 are valid */
	return 0;
}

#endif /* XDPGW_ICMP_PROHIBITED_H */
