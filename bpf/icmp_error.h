/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet an ICMP error quotes, translated as its flow is (RFC 5508:
 * payload translation both ways). An error coming in quotes a packet that
 * went out translated: its source becomes the internal host again. An error
 * going out quotes a packet that came in translated: its destination
 * becomes the external address and port again. Either way one address, the
 * port (or echo identifier) beside it, the quoted IP header checksum and the
 * quoted transport checksum (where quoted) change, and every quoted byte is
 * under the outer ICMP checksum, so each change goes there too.
 *
 * The new values are computed here (RFC 1624 deltas) from the old ones; XDP
 * writes them through its packet pointers, tc with bpf_skb_store_bytes.
 * Each change inside the ICMP message is balanced in its checksum, so the
 * message's one's complement sum, and with it an skb's CHECKSUM_COMPLETE
 * value, stays as it was; ICMP has no pseudo-header and the kernel never
 * leaves its checksum to offload (CHECKSUM_PARTIAL). So tc needs neither
 * bpf_l4_csum_replace's skb->csum bookkeeping nor direct packet writes
 * (which would make the verifier unclone every cloned skb, i.e. every TCP
 * segment the gateway itself sends).
 */
#ifndef XDPGW_ICMP_ERROR_H
#define XDPGW_ICMP_ERROR_H

#include "vmlinux.h"
#include "parse.h"
#include "csum.h"

/* What the translation of a quote changes. */
struct quote_fields {
	__be32 addr; /* the quoted source (errors in) or destination (out) */
	__be16 port; /* the port or echo identifier beside it */
	__sum16 ip_check; /* the quoted IP header's checksum */
	__sum16 l4_csum; /* the quoted transport checksum, if has_l4_csum */
	__sum16 icmp_csum; /* the error's own checksum */
	__u8 proto; /* the quoted protocol */
	bool has_l4_csum;
};

/* addr is &q->ip->saddr or &q->ip->daddr, port q->id or q->dst_id. */
static __always_inline struct quote_fields quote_fields_read(const __sum16 *icmp_csum,
							     const struct quoted *q,
							     const __be32 *addr,
							     const __be16 *port)
{
	struct quote_fields v = {
		.addr = *addr,
		.port = *port,
		.ip_check = q->ip->check,
		.icmp_csum = *icmp_csum,
		.proto = q->reply.proto,
	};

	if (q->csum) {
		v.l4_csum = *q->csum;
		v.has_l4_csum = true;
	}
	return v;
}

static __always_inline void quote_translate(struct quote_fields *v, __be32 to_addr,
					    __be16 to_port)
{
	__sum16 before;

	if (v->has_l4_csum) {
		before = v->l4_csum;
		if (v->proto == IPPROTO_ICMP)
			csum_replace2(&v->l4_csum, v->port, to_port);
		else
			l4_csum_replace_addr_port(&v->l4_csum, v->proto == IPPROTO_UDP, v->addr,
						  to_addr, v->port, to_port);
		csum_replace2(&v->icmp_csum, before, v->l4_csum);
	}
	csum_replace2(&v->icmp_csum, v->port, to_port);
	v->port = to_port;
	before = v->ip_check;
	csum_replace4(&v->ip_check, v->addr, to_addr);
	csum_replace2(&v->icmp_csum, before, v->ip_check);
	csum_replace4(&v->icmp_csum, v->addr, to_addr);
	v->addr = to_addr;
}

#endif /* XDPGW_ICMP_ERROR_H */
