// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

uint16_t inet_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

/* Sum of the IPv4 pseudo-header, not yet folded or inverted. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, uint16_t l4_len)
{
	uint32_t sum = 0;
	int i;

	for (i = 12; i < 20; i += 2) /* source and destination address */
		sum += get16(ip + i);
	return sum + proto + l4_len;
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t ihl = 20 + 4 * s->ip_opt_words, l4_hdr, l4_len, i;
	uint8_t *ip = buf + 14, *l4 = ip + ihl;
	struct in_addr a;
	uint16_t csum;

	memset(buf, 0, PKT_MAX);
	memcpy(buf, s->dmac ? s->dmac : dmac, 6);
	memcpy(buf + 6, s->smac ? s->smac : smac, 6);
	put16(buf + 12, s->eth_proto ? s->eth_proto : 0x0800);

	l4_hdr = s->proto == IPPROTO_TCP ? (s->tcp_wscale ? 24 : 20) : 8;
	l4_len = l4_hdr + s->payload_len;
	if (s->proto == IPPROTO_ICMP && s->quote) {
		uint8_t q[PKT_MAX];
		size_t qlen = pkt_build(s->quote, q) - 14;

		if (s->quote_len && s->quote_len < qlen)
			qlen = s->quote_len;
		memcpy(l4 + 8, q + 14, qlen);
		l4_len = 8 + qlen;
	}
	ip[0] = 0x40 | (ihl / 4);
	put16(ip + 2, ihl + l4_len);
	put16(ip + 4, s->ip_id ? s->ip_id : 0x1234);
	put16(ip + 6, s->frag_len ? 0 : s->frag_off);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = s->proto;
	inet_pton(AF_INET, s->saddr, &a);
	memcpy(ip + 12, &a, 4);
	inet_pton(AF_INET, s->daddr, &a);
	memcpy(ip + 16, &a, 4);
	for (i = 20; i + 1 < ihl; i++)
		ip[i] = 1; /* NOP */
	/* last option byte stays 0: End of Option List */
	put16(ip + 10, inet_csum(ip, ihl, 0));

	for (i = 0; i < s->payload_len && !s->quote; i++)
		l4[l4_hdr + i] = i & 0xff;
	switch (s->proto) {
	case IPPROTO_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, s->tcp_seq ? s->tcp_seq >> 16 : 0x1000); /* 0x10000001 */
		put16(l4 + 6, s->tcp_seq ? s->tcp_seq & 0xffff : 0x0001);
		put16(l4 + 8, s->tcp_ack >> 16);
		put16(l4 + 10, s->tcp_ack & 0xffff);
		l4[12] = (l4_hdr / 4) << 4;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x02;
		put16(l4 + 14, s->tcp_win ? s->tcp_win : 64240);
		if (s->tcp_wscale) { /* NOP, window scale (RFC 7323) */
			l4[20] = 1;
			l4[21] = 3;
			l4[22] = 3;
			l4[23] = s->tcp_wscale - 1;
		}
		csum = inet_csum(l4, l4_len, pseudo_sum(ip, IPPROTO_TCP, l4_len));
		put16(l4 + 16, csum);
		break;
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, l4_len);
		csum = inet_csum(l4, l4_len, pseudo_sum(ip, IPPROTO_UDP, l4_len));
		if (!s->udp_no_csum)
			put16(l4 + 6, csum ? csum : 0xffff);
		break;
	case IPPROTO_ICMP:
		if (s->quote) {
			l4[0] = s->err_type;
			l4[1] = s->err_code;
		} else {
			l4[0] = s->echo_reply ? 0 : 8;
			put16(l4 + 4, s->sport);
			put16(l4 + 6, 1);
		}
		put16(l4 + 2, inet_csum(l4, l4_len, 0));
		break;
	}
	if (s->frag_len) { /* cut the finished datagram down to one fragment */
		size_t start = (s->frag_off & IP_OFFSET) * 8, n = s->frag_len;

		if (start + n >= l4_len)
			n = l4_len - start;
		memmove(l4, l4 + start, n);
		memset(l4 + n, 0, PKT_MAX - 14 - ihl - n);
		put16(ip + 2, ihl + n);
		put16(ip + 6, (s->frag_off & IP_OFFSET) | (start + n < l4_len ? IP_MF : 0));
		put16(ip + 10, 0);
		put16(ip + 10, inet_csum(ip, ihl, 0));
		return 14 + ihl + n;
	}
	return 14 + ihl + l4_len;
}

bool pkt_csums_ok(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + 14, *l4;
	size_t ihl, tot;

	if (len < 34 || get16(frame + 12) != 0x0800)
		return false;
	ihl = (ip[0] & 0xf) * 4;
	tot = get16(ip + 2);
	if (inet_csum(ip, ihl, 0) != 0 || 14 + tot > len)
		return false;
	if (get16(ip + 6) & (IP_MF | IP_OFFSET))
		return true; /* a fragment: its L4 checksum is the datagram's */
	l4 = ip + ihl;
	switch (ip[9]) {
	case IPPROTO_TCP:
		return inet_csum(l4, tot - ihl, pseudo_sum(ip, IPPROTO_TCP, tot - ihl)) == 0;
	case IPPROTO_UDP:
		return get16(l4 + 6) == 0 ||
		       inet_csum(l4, tot - ihl, pseudo_sum(ip, IPPROTO_UDP, tot - ihl)) == 0;
	case IPPROTO_ICMP:
		return inet_csum(l4, tot - ihl, 0) == 0;
	case 47: /* GRE: no checksum over the addresses, the IP header's is checked */
		return true;
	}
	return false;
}
