// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Redirect targets and veth peers, over rtnetlink, genetlink and ethtool. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include "veth.h"

/* From linux/netdev.h (kernel 6.3), which Debian 12's headers lack. */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT 4

#define NL_BUF 32768

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct rtgenmsg rtg;
		struct genlmsghdr genl;
	};
	char attrs[64];
};

static void nl_put(struct nl_req *r, __u16 type, const void *data, __u16 len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request, read its one answer into buf: the answer's nlmsghdr,
 * or NULL with errno set (the kernel's error for NLMSG_ERROR).
 */
static struct nlmsghdr *nl_talk(int proto, struct nl_req *r, char *buf)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int fd, err = 0;
	ssize_t got;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return NULL;
	r->nh.nlmsg_flags = NLM_F_REQUEST;
	r->nh.nlmsg_seq = 1;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		err = errno;
	else if ((got = recv(fd, buf, NL_BUF, 0)) < 0)
		err = errno;
	else if (!NLMSG_OK(nh, got))
		err = EPROTO;
	else if (nh->nlmsg_type == NLMSG_ERROR)
		err = -((struct nlmsgerr *)NLMSG_DATA(nh))->error ?: EPROTO;
	close(fd);
	errno = err;
	return err ? NULL : nh;
}

/* What RTM_GETLINK says of ifindex (in netns nsid, -1 for this one). */
struct link_info {
	char name[IF_NAMESIZE];
	bool is_veth;
	int link; /* IFLA_LINK: a veth's peer */
	int link_nsid; /* IFLA_LINK_NETNSID, -1 when absent */
	bool xdp; /* a program is attached */
	struct rtnl_link_stats64 stats;
};

static void parse_linkinfo(const struct rtattr *nest, struct link_info *li)
{
	const struct rtattr *a = RTA_DATA(nest);
	int len = RTA_PAYLOAD(nest);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND)
			li->is_veth = !strncmp(RTA_DATA(a), "veth", RTA_PAYLOAD(a));
}

static void parse_xdp(const struct rtattr *nest, struct link_info *li)
{
	const struct rtattr *a = RTA_DATA(nest);
	int len = RTA_PAYLOAD(nest);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_XDP_ATTACHED)
			li->xdp = *(__u8 *)RTA_DATA(a) != XDP_ATTACHED_NONE;
}

static int link_get(int nsid, int ifindex, struct link_info *li)
{
	struct nl_req r = { .nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
				    .nlmsg_type = RTM_GETLINK },
			    .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex } };
	static char buf[NL_BUF];
	const struct rtattr *a;
	struct nlmsghdr *nh;
	int len;

	if (nsid >= 0)
		nl_put(&r, IFLA_TARGET_NETNSID, &nsid, sizeof(nsid));
	nh = nl_talk(NETLINK_ROUTE, &r, buf);
	if (!nh)
		return -errno;
	if (nh->nlmsg_type != RTM_NEWLINK)
		return -EPROTO;
	memset(li, 0, sizeof(*li));
	li->link_nsid = -1;
	len = IFLA_PAYLOAD(nh);
	for (a = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(li->name, sizeof(li->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			memcpy(&li->link, RTA_DATA(a), sizeof(li->link));
			break;
		case IFLA_LINK_NETNSID:
			memcpy(&li->link_nsid, RTA_DATA(a), sizeof(li->link_nsid));
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, li);
			break;
		case IFLA_XDP:
			parse_xdp(a, li);
			break;
		case IFLA_STATS64:
			if (RTA_PAYLOAD(a) >= sizeof(li->stats))
				memcpy(&li->stats, RTA_DATA(a), sizeof(li->stats));
			break;
		}
	}
	return 0;
}

int link_dropped(int ifindex, __u64 *rx_dropped, __u64 *tx_dropped)
{
	struct link_info li;
	int err = link_get(-1, ifindex, &li);

	if (err)
		return err;
	*rx_dropped = li.stats.rx_dropped;
	*tx_dropped = li.stats.tx_dropped;
	return 0;
}

/* The attribute `type` of a generic netlink answer, or NULL. */
static const struct rtattr *genl_attr(const struct nlmsghdr *nh, __u16 type)
{
	const struct rtattr *a = (const void *)((const char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	int len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

/* The netdev genetlink family's id; -errno when the kernel has none. */
static int netdev_family(void)
{
	static int id;
	struct nl_req r = { .nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL },
			    .genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 } };
	static char buf[NL_BUF];
	const struct rtattr *a;
	struct nlmsghdr *nh;

	if (id)
		return id;
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME, sizeof(NETDEV_FAMILY_NAME));
	nh = nl_talk(NETLINK_GENERIC, &r, buf);
	a = nh ? genl_attr(nh, CTRL_ATTR_FAMILY_ID) : NULL;
	id = a ? *(__u16 *)RTA_DATA(a) : -(errno ?: ENOENT);
	return id;
}

/* The device's xdp-features (enum netdev_xdp_act bits), or -errno. */
static int xdp_features(int ifindex, __u64 *features)
{
	struct nl_req r = { .nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) },
			    .genl = { .cmd = NETDEV_CMD_DEV_GET, .version = 1 } };
	static char buf[NL_BUF];
	const struct rtattr *a;
	struct nlmsghdr *nh;
	int family = netdev_family();
	__u32 idx = ifindex;

	if (family < 0)
		return family;
	r.nh.nlmsg_type = family;
	nl_put(&r, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	nh = nl_talk(NETLINK_GENERIC, &r, buf);
	if (!nh)
		return -errno;
	a = genl_attr(nh, NETDEV_A_DEV_XDP_FEATURES);
	if (!a || RTA_PAYLOAD(a) < sizeof(*features))
		return -ENOENT;
	memcpy(features, RTA_DATA(a), sizeof(*features));
	return 0;
}

/* The netns id this netns gives the namespace open as fd; -1 if none. */
static int nsid_of(int fd)
{
	struct nl_req r = { .nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)),
				    .nlmsg_type = RTM_GETNSID },
			    .rtg = { .rtgen_family = AF_UNSPEC } };
	static char buf[NL_BUF];
	const struct rtattr *a;
	struct nlmsghdr *nh;
	__u32 nsfd = fd;
	int len;

	nl_put(&r, NETNSA_FD, &nsfd, sizeof(nsfd));
	nh = nl_talk(NETLINK_ROUTE, &r, buf);
	if (!nh || nh->nlmsg_type != RTM_NEWNSID)
		return -1;
	len = nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	a = (const void *)((char *)NLMSG_DATA(nh) + NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == NETNSA_NSID)
			return *(__s32 *)RTA_DATA(a);
	return -1;
}

/* Open the namespace with netns id nsid among those in /run/netns, and
 * name it; -ENOENT when it is not there (a container's, say).
 */
static int netns_open(int nsid, char *name, size_t len)
{
	struct dirent *de;
	char path[PATH_MAX];
	int fd = -ENOENT;
	DIR *dir;

	dir = opendir("/run/netns");
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && nsid_of(fd) == nsid) {
			snprintf(name, len, "%s", de->d_name);
			break;
		}
		if (fd >= 0)
			close(fd);
		fd = -ENOENT;
	}
	if (dir)
		closedir(dir);
	return fd;
}

/* A datagram socket in the namespace open as nsfd (this one if -1): what
 * ethtool ioctls there go through. Only this thread changes namespace, and
 * only for the socket() call.
 */
static int socket_in(int nsfd)
{
	int self, fd, err;

	if (nsfd < 0)
		return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -1;
	if (setns(nsfd, CLONE_NEWNET)) {
		close(self);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = errno;
	if (setns(self, CLONE_NEWNET)) /* cannot fail for our own namespace */
		err = errno;
	close(self);
	errno = err;
	return fd;
}

/* GRO of interface name in the namespace open as nsfd: 1, 0, -1 unknown. */
static int gro_of(int nsfd, const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GGRO };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int fd = socket_in(nsfd), ret;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -1 : !!ev.data;
	close(fd);
	return ret;
}

static void inspect_peer(const struct link_info *li, struct egress_info *e)
{
	struct link_info peer;
	int nsfd = -1;

	e->peer_ifindex = li->link;
	e->peer_nsid = li->link_nsid;
	e->peer_gro = -1;
	if (link_get(li->link_nsid, li->link, &peer))
		return;
	snprintf(e->peer_name, sizeof(e->peer_name), "%s", peer.name);
	e->peer_xdp = peer.xdp;
	if (li->link_nsid >= 0) {
		nsfd = netns_open(li->link_nsid, e->peer_netns, sizeof(e->peer_netns));
		if (nsfd < 0)
			return;
	}
	e->peer_gro = gro_of(nsfd, peer.name);
	if (nsfd >= 0)
		close(nsfd);
}

int egress_inspect(int ifindex, bool peer_details, struct egress_info *e)
{
	struct link_info li;
	__u64 features = 0;
	int err;

	memset(e, 0, sizeof(*e));
	e->peer_nsid = -1;
	e->peer_gro = -1;
	err = link_get(-1, ifindex, &li);
	if (err)
		return err;
	if (!xdp_features(ifindex, &features)) {
		e->features_known = true;
		e->ndo_xmit = features & NETDEV_XDP_ACT_NDO_XMIT;
	}
	e->is_veth = li.is_veth;
	if (li.is_veth && li.link > 0 && (peer_details || !e->features_known))
		inspect_peer(&li, e);
	return 0;
}

enum egress_verdict egress_verdict(const struct egress_info *e)
{
	if (e->features_known)
		return e->ndo_xmit ? EGRESS_TAKES : EGRESS_REFUSES;
	if (!e->is_veth || e->peer_xdp || e->peer_gro == 1)
		return EGRESS_TAKES;
	return e->peer_gro == 0 ? EGRESS_REFUSES : EGRESS_UNKNOWN;
}
