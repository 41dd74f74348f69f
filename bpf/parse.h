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
#define ETH_ALEN 6
#define AF_INET 2
#define ETH_P_IP 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* ICMP types (RFC 792) that the NAT knows. */
#define ICMP_T_ECHOREPLY 0
#define ICMP_T_DEST_UNREACH 3
#define ICMP_T_ECHO 8
#define ICMP_T_TIME_EXCEEDED 11
#define ICMP_T_PARAMETERPROB 12

/* What the parser made of a frame. */
enum parse_result {
	PARSE_OK, /* IPv4 TCP/UDP or ICMP echo: tuple and offsets set */
	PARSE_ICMP_ERROR, /* ICMP error: cursor at the quoted IPv4 header */
	PARSE_NOT_IPV4, /* ARP, IPv6, VLAN...: not ours */
	PARSE_OTHER_PROTO, /* IPv4, valid header, not TCP, UDP or ICMP we handle */
	PARSE_FRAGMENT, /* a later IPv4 fragment (offset != 0): no L4 header */
	PARSE_BAD_ETH, /* shorter than an Ethernet header */
	PARSE_BAD_IP, /* IPv4 header truncated or inconsistent */
	PARSE_BAD_L4, /* TCP/UDP/ICMP header truncated or inconsistent */
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
	/* Where the source "port" is: the TCP/UDP source port, or the ICMP
	 * echo identifier (the same field in requests and replies).
	 */
	__be16 *id;
	__be16 *dst_id; /* the destination port, or the echo identifier */
	__u32 l4_off;
	__u32 csum_off; /* of the L4 checksum, from the frame's start */
	__u32 id_off; /* of *id, from the frame's start */
	__u8 icmp_type;
	__u8 first_frag; /* the first fragment (MF, offset 0) of a datagram */
	__u16 ip_len; /* IPv4 total length */
	__u8 tcp_flags; /* TCP only: FIN, SYN, RST, PSH, ACK, URG, ECE, CWR */
	/* TCP only, for the window check (bpf/tcp_window.h): */
	__u8 tcp_wscale; /* a SYN's window scale option: the shift, or
			  * TCP_WSCALE_NONE */
	__u16 tcp_win; /* the window field, unscaled */
	__u32 tcp_seq; /* host order */
	__u32 tcp_ack; /* host order */
	__u32 tcp_len; /* payload bytes */
	struct nat_tuple tuple; /* as on the wire, in network byte order */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_WSCALE_NONE 0xff /* a SYN without the window scale option */
#define TCP_WSCALE_MAX 14 /* RFC 7323: larger shifts are taken as 14 */
/* Options (kinds, RFC 9293 and 7323) walked in a SYN: at most 40 bytes. */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_WSCALE 3
#define TCPOPT_WALK_MAX 20

/*
 * The window scale option of a SYN (RFC 7323). Options that cannot be read
 * (beyond the linear data tc sees) count as a scale of TCP_WSCALE_MAX, the
 * loosest window: a missed option must never shrink a real window.
 */
static __always_inline __u8 tcp_wscale_option(const struct tcphdr *tcp, void *end)
{
	__u32 off = sizeof(*tcp), opt_end = tcp->doff * 4;
	const __u8 *o;
	int i;

	for (i = 0; i < TCPOPT_WALK_MAX; i++) {
		if (off >= opt_end)
			return TCP_WSCALE_NONE;
		off &= 63; /* for the verifier: the header is at most 60 bytes */
		o = (const __u8 *)tcp + off;
		if ((void *)(o + 1) > end)
			return TCP_WSCALE_MAX;
		if (o[0] == TCPOPT_EOL)
			return TCP_WSCALE_NONE;
		if (o[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(o + 3) > end)
			return TCP_WSCALE_MAX;
		if (o[0] == TCPOPT_WSCALE && o[1] == 3)
			return o[2] < TCP_WSCALE_MAX ? o[2] : TCP_WSCALE_MAX;
		if (o[1] < 2)
			return TCP_WSCALE_NONE; /* malformed: stop reading */
		off += o[1];
	}
	return TCP_WSCALE_NONE;
}

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
	if (ip->frag_off & bpf_htons(IP_OFFSET)) {
		/* No data: the kernel's reassembly discards such a datagram.
		 * (Less than 8 bytes is none when more follow: see frag.h.)
		 */
		if (p->ip_len - ihl_bytes < (ip->frag_off & bpf_htons(IP_MF) ? 8 : 1))
			return PARSE_BAD_IP;
		return PARSE_FRAGMENT;
	}
	/* A first fragment has the L4 header: it is parsed like a datagram. */
	p->first_frag = !!(ip->frag_off & bpf_htons(IP_MF));
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP &&
	    ip->protocol != IPPROTO_ICMP)
		return PARSE_OTHER_PROTO;
	return PARSE_OK;
}

/*
 * ICMP: an echo request or reply is a flow keyed like a port: a request's
 * identifier is its source "port", a reply's its destination "port", so
 * that the reply's tuple is the request's reversed. An error leaves the
 * cursor at the quoted IPv4 header.
 */
static __always_inline int parse_icmp(struct hdr_cursor *c, struct packet *p)
{
	struct icmphdr *icmp = c->pos;

	if ((void *)(icmp + 1) > c->end || p->ip_len < p->l4_off - ETH_HLEN + sizeof(*icmp))
		return PARSE_BAD_L4;
	p->icmp_type = icmp->type;
	p->csum = &icmp->checksum;
	p->csum_off = p->l4_off + offsetof(struct icmphdr, checksum);
	p->id = &icmp->un.echo.id;
	p->dst_id = &icmp->un.echo.id;
	p->id_off = p->l4_off + offsetof(struct icmphdr, un.echo.id);
	switch (icmp->type) {
	case ICMP_T_ECHO:
		p->tuple.sport = icmp->un.echo.id;
		return PARSE_OK;
	case ICMP_T_ECHOREPLY:
		p->tuple.dport = icmp->un.echo.id;
		return PARSE_OK;
	case ICMP_T_DEST_UNREACH:
	case ICMP_T_TIME_EXCEEDED:
	case ICMP_T_PARAMETERPROB:
		c->pos = icmp + 1;
		return PARSE_ICMP_ERROR;
	}
	return PARSE_OTHER_PROTO;
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
		p->tcp_seq = bpf_ntohl(tcp->seq);
		p->tcp_ack = bpf_ntohl(tcp->ack_seq);
		p->tcp_win = bpf_ntohs(tcp->window);
		p->tcp_len = l4_len - tcp->doff * 4;
		if (p->tcp_flags & TCP_SYN)
			p->tcp_wscale = tcp_wscale_option(tcp, c->end);
		p->id = &tcp->source;
	} else {
		struct udphdr *udp = c->pos;

		/* UDP's length is the datagram's: more than a first fragment. */
		if ((void *)(udp + 1) > c->end || bpf_ntohs(udp->len) < 8 ||
		    (bpf_ntohs(udp->len) > l4_len && !p->first_frag))
			return PARSE_BAD_L4;
		p->csum = &udp->check;
		p->csum_off = p->l4_off + offsetof(struct udphdr, check);
		p->id = &udp->source;
	}
	p->id_off = p->l4_off; /* the source port leads both headers */
	p->ports = c->pos;
	p->dst_id = &p->ports->dest;
	p->tuple.sport = p->ports->source;
	p->tuple.dport = p->ports->dest;
	return PARSE_OK;
}

/*
 * The packet an ICMP error quotes (RFC 792): its IPv4 header and the first 8
 * bytes after it, which hold the TCP/UDP ports or the ICMP echo identifier.
 * Nothing more of it is required: routers may quote no more.
 */
struct quoted {
	struct iphdr *ip;
	__be16 *id; /* its source port, or its echo identifier */
	__be16 *dst_id; /* its destination port, or its echo identifier */
	__sum16 *csum; /* its transport checksum, NULL when not quoted */
	struct nat_tuple reply; /* the tuple its replies would have */
};

/* echo_type: the ICMP echo a quote may hold, ICMP_T_ECHO in errors about
 * outbound packets (the identifier stands as the source port) or
 * ICMP_T_ECHOREPLY in errors about inbound ones (as the destination port).
 */
static __always_inline int parse_quoted(struct hdr_cursor *c, struct quoted *q,
					__u8 echo_type)
{
	struct iphdr *ip = c->pos;
	__u8 *l4;

	if ((void *)(ip + 1) > c->end || ip->version != 4 || ip->ihl < 5)
		return PARSE_BAD_L4;
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 8) > c->end)
		return PARSE_BAD_L4;
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return PARSE_OTHER_PROTO; /* a later fragment: no ports quoted */
	q->ip = ip;
	q->reply.saddr = ip->daddr;
	q->reply.daddr = ip->saddr;
	q->reply.proto = ip->protocol;
	switch (ip->protocol) {
	case IPPROTO_TCP:
		/* TCP's checksum lies past the 8 bytes: only if quoted. */
		if ((void *)(l4 + sizeof(struct tcphdr)) <= c->end)
			q->csum = &((struct tcphdr *)l4)->check;
		/* fall through */
	case IPPROTO_UDP:
		if (ip->protocol == IPPROTO_UDP)
			q->csum = &((struct udphdr *)l4)->check;
		q->id = (__be16 *)l4;
		q->dst_id = (__be16 *)l4 + 1;
		q->reply.sport = ((__be16 *)l4)[1];
		q->reply.dport = ((__be16 *)l4)[0];
		return PARSE_OK;
	case IPPROTO_ICMP:
		if (l4[0] != echo_type)
			return PARSE_OTHER_PROTO; /* an error about an error, or other */
		q->csum = &((struct icmphdr *)l4)->checksum;
		q->id = (__be16 *)(l4 + 4);
		q->dst_id = q->id;
		/* The tuple of the echo's other half: a reply's is a request's. */
		if (echo_type == ICMP_T_ECHO)
			q->reply.dport = *q->id;
		else
			q->reply.sport = *q->id;
		return PARSE_OK;
	}
	return PARSE_OTHER_PROTO;
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
	if (p->tuple.proto == IPPROTO_ICMP)
		return parse_icmp(&c, p);
	return parse_l4(&c, p);
}

#endif /* XDPGW_PARSE_H */
