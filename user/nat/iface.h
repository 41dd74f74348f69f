/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef XDPGW_IFACE_H
#define XDPGW_IFACE_H

#include <stddef.h>
#include <linux/types.h>

/* ifindex of an Ethernet interface; -ENODEV if absent, -EPROTONOSUPPORT if
 * it carries no Ethernet header (the programs parse one).
 */
int iface_index(const char *ifname);
/* The interface's MAC (for the ARP replies of nat_rules.c). 0 or -errno. */
int iface_mac(const char *ifname, __u8 mac[6]);
/* First IPv4 address of the interface; -EADDRNOTAVAIL if it has none. */
int iface_first_ipv4(const char *ifname, __be32 *addr);
/* The interface's first IPv4 address within net/mask (network order);
 * -EADDRNOTAVAIL if it has none there.
 */
int iface_ipv4_in(int ifindex, __be32 net, __be32 mask, __be32 *addr);
/* The interface's driver, as `ethtool -i` names it (veth, ixgbe, ...). */
int iface_driver(const char *ifname, char *out, size_t len);

#endif
