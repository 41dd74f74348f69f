/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing shared by the XDP and tc programs. A cursor walks the frame;
 * each step checks its bounds once and either advances or reports why the
 * packet cannot be parsed. Nothing here writes to the packet.
 */
#ifndef XDPGW_PARSE_H
#define XDPGW_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* What the parser made of a frame. */
enum parse_result {
	PARSE_OK, /* IPv4 TCP/UDP, headers complete: tuple and offsets set */
	PARSE_NOT_IPV4, /* ARP, IPv6, VLAN...: not ours */
	PARSE_OTHER_PROTO, /* IPv4, valid header, not TCP or UDP */
	PARSE_FRAGMENT, /* IPv4 fragment (MF set or offset != 0) */
	PARSE_BAD_ETH, /* shorter than an Ethernet header */
	PARSE_BAD_IP, /* IPv4 header truncated or inconsistent */
	PARSE_BAD_L4, /* TCP/UDP header truncated or inconsistent */
};

struct hdr_cursor {
	void *pos;
	void *end;
};

/* A parsed IPv4 TCP/UDP packet. Offsets are from the start of the frame so
 * that tc can hand them to the skb helpers after pointers are invalidated.
 */
struct packet {
	struct iphdr *ip; /* NULL unless 20 bytes of IPv4 header are present */
	struct udphdr *ports; /* source and destination port lead TCP and UDP */
	/* Set in the branch that checked the header's length, so the
	 * verifier knows it is in bounds without re-deciding TCP vs UDP.
	 */
	__sum16 *csum;
	__u32 l4_off;
	__u32 csum_off; /* of the L4 checksum, from the frame's start */
	__u16 ip_len; /* IPv4 total length */
	__u8 tcp_flags; /* TCP only: FIN, SYN, RST, PSH, ACK, URG, ECE, CWR */
	struct nat_tuple tuple; /* as on the wire, in network byte order */
};

static __always_inline int parse_eth(struct hdr_cursor *c, __be16 *proto)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return PARSE_BAD_ETH;
	c->pos = eth + 1;
	*proto = eth->h_proto;
	return PARSE_OK;
}

/* frame_len is the whole packet's length (skb->len in tc, which may exceed
 * the linear data that the cursor can see).
 */
static __always_inline int parse_ipv4(struct hdr_cursor *c, __u32 frame_len,
				      struct packet *p)
{
	struct iphdr *ip = c->pos;
	__u32 ihl_bytes;

	if ((void *)(ip + 1) > c->end)
		return PARSE_BAD_IP;
	/* Addresses first: a caller judging a bad packet by its source
	 * address (drop if internal) must see it whatever else is wrong.
	 */
	p->ip = ip;
	p->tuple.saddr = ip->saddr;
	p->tuple.daddr = ip->daddr;
	p->tuple.proto = ip->protocol;
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_BAD_IP;
	ihl_bytes = ip->ihl * 4;
	if (c->pos + ihl_bytes > c->end)
		return PARSE_BAD_IP;
	p->ip_len = bpf_ntohs(ip->tot_len);
	/* Shorter than the frame is fine (Ethernet pads to 60 bytes). */
	if (p->ip_len < ihl_bytes || p->ip_len > frame_len - ETH_HLEN)
		return PARSE_BAD_IP;
	c->pos += ihl_bytes;
	p->l4_off = ETH_HLEN + ihl_bytes;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return PARSE_FRAGMENT;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return PARSE_OTHER_PROTO;
	return PARSE_OK;
}

static __always_inline int parse_l4(struct hdr_cursor *c, struct packet *p)
{
	__u16 l4_len = p->ip_len - (p->l4_off - ETH_HLEN);

	if (p->tuple.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end || tcp->doff < 5 ||
		    tcp->doff * 4 > l4_len)
			return PARSE_BAD_L4;
		p->csum = &tcp->check;
		p->csum_off = p->l4_off + offsetof(struct tcphdr, check);
		p->tcp_flags = ((__u8 *)tcp)[13]; /* the byte after data offset */
	} else {
		struct udphdr *udp = c->pos;

		if ((void *)(udp + 1) > c->end || bpf_ntohs(udp->len) < 8 ||
		    bpf_ntohs(udp->len) > l4_len)
			return PARSE_BAD_L4;
		p->csum = &udp->check;
		p->csum_off = p->l4_off + offsetof(struct udphdr, check);
	}
	p->ports = c->pos;
	p->tuple.sport = p->ports->source;
	p->tuple.dport = p->ports->dest;
	return PARSE_OK;
}

/* Parse Ethernet, IPv4 and the TCP/UDP ports. On any result other than
 * PARSE_NOT_IPV4/PARSE_BAD_ETH, p->ip is set when the fixed IPv4 header was
 * readable, so the caller can still tell where the packet came from.
 */
static __always_inline int parse_packet(void *data, void *data_end,
					__u32 frame_len, struct packet *p)
{
	struct hdr_cursor c = { .pos = data, .end = data_end };
	__be16 proto;
	int ret;

	p->ip = NULL;
	ret = parse_eth(&c, &proto);
	if (ret != PARSE_OK)
		return ret;
	if (proto != bpf_htons(ETH_P_IP))
		return PARSE_NOT_IPV4;
	ret = parse_ipv4(&c, frame_len, p);
	if (ret != PARSE_OK)
		return ret;
	return parse_l4(&c, p);
}

#endif /* XDPGW_PARSE_H */
