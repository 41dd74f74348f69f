/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hand-built test packets. Every checksum is computed here from scratch over
 * the finished headers (RFC 1071), never incrementally, so a test compares
 * the programs' incremental updates against an independent reference.
 */
#ifndef XDPGW_TEST_PKT_H
#define XDPGW_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 9216 /* a whole jumbo datagram, before pkt_build cuts a fragment */

struct pkt_spec {
	uint16_t eth_proto; /* 0: IPv4 */
	const char *saddr; /* dotted quad */
	const char *daddr;
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP */
	uint16_t sport; /* host order; ICMP: echo identifier */
	uint16_t dport;
	uint8_t tcp_flags; /* 0: SYN */
	uint8_t ip_opt_words; /* IP options, 4-byte words (NOPs, then EOL) */
	uint16_t payload_len; /* bytes after the L4 header, filled 0..255 */
	uint16_t frag_off; /* with frag_len: offset in 8-byte units; else the
			    * raw field (IP_MF | offset), host order */
	uint16_t frag_len; /* non-zero: emit only this fragment of the datagram,
			    * frag_len bytes of it from frag_off on (MF set when
			    * more follows), the datagram's checksums intact */
	uint16_t ip_id; /* 0: 0x1234 */
	uint8_t ttl; /* 0: 64 */
	const uint8_t *dmac, *smac; /* NULL: 02:00:00:00:00:01 and ...:02 */
	bool udp_no_csum; /* UDP checksum field 0 ("none") */
	bool echo_reply; /* ICMP: an echo reply (identifier = sport) */
	/* ICMP error of type err_type/err_code quoting the packet *quote, cut
	 * to quote_len bytes of it from its IP header on (0: all of it).
	 */
	const struct pkt_spec *quote;
	uint16_t quote_len;
	uint8_t err_type;
	uint8_t err_code;
	/* TCP: sequence and acknowledgment numbers (0: seq 0x10000001, ack
	 * 0), window (0: 64240), and a window scale option with scale
	 * tcp_wscale - 1 (0: no option).
	 */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint16_t tcp_win;
	uint8_t tcp_wscale;
};

/* Build the frame into buf (PKT_MAX bytes); returns its length. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf);

/* RFC 1071 checksum of len bytes, starting from a partial sum. */
uint16_t inet_csum(const void *data, size_t len, uint32_t sum);

/* Recompute and check every checksum of an IPv4 TCP/UDP/ICMP frame built by
 * pkt_build (UDP 0 counts as valid). Returns true when all are right.
 */
bool pkt_csums_ok(const uint8_t *frame, size_t len);

/* Offsets of fields in a frame built without IP options. */
#define OFF_ETH_PROTO 12
#define OFF_IP 14
#define OFF_IP_VER_IHL (OFF_IP + 0)
#define OFF_IP_TOT_LEN (OFF_IP + 2)
#define OFF_IP_FRAG (OFF_IP + 6)
#define OFF_L4 (OFF_IP + 20)
#define OFF_TCP_DOFF (OFF_L4 + 12)
#define OFF_UDP_LEN (OFF_L4 + 4)

#endif
