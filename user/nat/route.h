/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which interface routes a prefix: the fast path's internal interface. */
#ifndef XDPGW_ROUTE_H
#define XDPGW_ROUTE_H

#include <linux/types.h>

/* An IPv4 unicast route of the main table, as the kernel dumps it. */
struct route4 {
	__be32 dst; /* network order */
	__u8 dst_len;
	int oif; /* 0 for a multipath route */
};

/*
 * The route that carries the prefix net/mask: the longest route covering
 * it, the default route excluded (a prefix behind the default route is not
 * "inside"). Its index in routes, or -ENOENT.
 */
int route_pick(const struct route4 *routes, int n, __be32 net, __be32 mask);
/* The interface the main table routes net/mask through: ifindex, -ENOENT
 * when no route but the default covers it, -EOPNOTSUPP for a multipath
 * route, or another -errno from netlink.
 */
int route_prefix_oif(__be32 net, __be32 mask);

#endif
