/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Can an interface take XDP-redirected frames? A physical NIC with native
 * XDP can. A veth hands them to its peer's NAPI, which exists only while the
 * peer runs an XDP program or has GRO on; without it the kernel drops every
 * redirected frame (counted as rx_queue_N_drops / RX dropped of the device
 * whose XDP program redirected, on kernel 6.3 and later).
 *
 * What the kernel tells, and where:
 *  - kernel 6.3+: the egress device's xdp-features (netdev genetlink) carry
 *    NDO_XMIT exactly while it can take them; a veth updates it when its
 *    peer gains or loses XDP or GRO. That is the answer, read locally.
 *  - the peer of a veth: IFLA_LINK and IFLA_LINK_NETNSID of the egress
 *    device; RTM_GETLINK with IFLA_TARGET_NETNSID reads the peer in its
 *    netns (name, XDP attached), but not its GRO, which is an ethtool
 *    feature readable only from inside its netns: found by matching the
 *    netns id against the namespaces named in /run/netns.
 */
#ifndef XDPGW_VETH_H
#define XDPGW_VETH_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <linux/types.h>

struct egress_info {
	bool features_known; /* the kernel reports xdp-features (6.3+) */
	bool ndo_xmit; /* ... and they say the device takes redirected frames */
	bool is_veth;
	/* veth only: its peer */
	int peer_ifindex;
	int peer_nsid; /* -1: in this netns */
	char peer_name[IF_NAMESIZE]; /* "" when unreadable */
	char peer_netns[NAME_MAX + 1]; /* its `ip netns` name; "" here or unknown */
	bool peer_xdp; /* an XDP program is attached to the peer */
	int peer_gro; /* 1 on, 0 off, -1 unknown */
};

/* What can be learned about ifindex as a redirect target. The peer of a
 * veth is looked at only when the xdp-features do not answer, or when
 * peer_details asks (to name it and its NAPI in a message). 0 or -errno.
 */
int egress_inspect(int ifindex, bool peer_details, struct egress_info *e);

enum egress_verdict { EGRESS_TAKES, EGRESS_REFUSES, EGRESS_UNKNOWN };
/* Whether redirected frames get through, from what egress_inspect learned. */
enum egress_verdict egress_verdict(const struct egress_info *e);

/* RX dropped and TX dropped of ifindex in this netns (IFLA_STATS64). */
int link_dropped(int ifindex, __u64 *rx_dropped, __u64 *tx_dropped);

#endif
