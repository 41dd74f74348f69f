/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the ARP side of the public addresses needs from the system (the
 * MAC is iface.h's): whether the external interface carries an address
 * itself (then the kernel answers), and the gratuitous ARP sent when
 * xdpgw starts answering for an address.
 */
#ifndef XDPGW_NAT_ARP_H
#define XDPGW_NAT_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Is addr one of the interface's IPv4 addresses? */
bool iface_has_ipv4(int ifindex, __be32 addr);
/* The 42-byte gratuitous ARP announcing addr at mac (an ARP request with
 * sender = target address, broadcast, RFC 5227 2.3).
 */
size_t arp_announce_build(const __u8 mac[6], __be32 addr, __u8 *frame);
/* Send it out of ifindex (AF_PACKET). 0 or -errno. */
int arp_announce(int ifindex, const __u8 mac[6], __be32 addr);

#endif /* XDPGW_NAT_ARP_H */
