/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Incremental Internet checksum updates for XDP, where the skb helpers
 * (bpf_l3/l4_csum_replace) do not exist. tc uses those helpers instead: they
 * also keep skb->csum right under CHECKSUM_COMPLETE/PARTIAL.
 *
 * All updates use RFC 1624 equation 3, HC' = ~(~HC + ~m + m'), which never
 * produces -0 from a valid checksum. Values are raw network-order words; the
 * one's complement sum does not depend on byte order as long as every operand
 * is read the same way.
 */
#ifndef XDPGW_CSUM_H
#define XDPGW_CSUM_H

#include "vmlinux.h"

static __always_inline __u16 csum16_add(__u16 a, __u16 b)
{
	__u32 s = (__u32)a + b;

	return (s & 0xffff) + (s >> 16);
}

/* A 32-bit one's complement sum folded to a 16-bit one. Not complemented,
 * unlike the kernel's csum_fold(): ~csum32_to16(sum) is a checksum. */
static __always_inline __u16 csum32_to16(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* RFC 1624 eqn 3 for one 16-bit word m -> m'. */
static __always_inline __u16 csum16_replace(__u16 check, __u16 from, __u16 to)
{
	return ~csum16_add(csum16_add(~check, ~from), to);
}

static __always_inline void csum_replace2(__sum16 *check, __be16 from, __be16 to)
{
	*check = csum16_replace(*check, from, to);
}

static __always_inline void csum_replace4(__sum16 *check, __be32 from, __be32 to)
{
	__u16 c = *check;

	c = csum16_replace(c, from >> 16, to >> 16);
	c = csum16_replace(c, from & 0xffff, to & 0xffff);
	*check = c;
}

/*
 * Rewrite one address and one port covered by an L4 checksum (the address
 * through the pseudo-header). UDP's 0 means "no checksum" and stays 0; a
 * computed 0 goes on the wire as 0xffff (RFC 768).
 */
static __always_inline void l4_csum_replace_addr_port(__sum16 *check, bool udp,
						      __be32 from_addr, __be32 to_addr,
						      __be16 from_port, __be16 to_port)
{
	if (udp && *check == 0)
		return;
	csum_replace4(check, from_addr, to_addr);
	csum_replace2(check, from_port, to_port);
	if (udp && *check == 0)
		*check = 0xffff;
}

#endif /* XDPGW_CSUM_H */
