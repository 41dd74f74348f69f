// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The main routing table, read over rtnetlink (RTM_GETROUTE dump). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include "route.h"

#define MAX_ROUTES 4096

int route_pick(const struct route4 *routes, int n, __be32 net, __be32 mask)
{
	int plen = __builtin_popcount(mask), best = -ENOENT, i;
	__be32 rmask;

	for (i = 0; i < n; i++) {
		const struct route4 *r = &routes[i];

		if (!r->dst_len || r->dst_len > plen)
			continue;
		rmask = htonl(~0u << (32 - r->dst_len));
		if ((net & rmask) != (r->dst & rmask))
			continue;
		if (best < 0 || r->dst_len > routes[best].dst_len)
			best = i;
	}
	return best;
}

/* One RTM_NEWROUTE of the main table's IPv4 unicast routes into r. */
static int parse_route(const struct nlmsghdr *nh, struct route4 *r)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int len = RTM_PAYLOAD(nh);
	const struct rtattr *a;
	__u32 table = rtm->rtm_table;

	if (rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST)
		return -1;
	memset(r, 0, sizeof(*r));
	r->dst_len = rtm->rtm_dst_len;
	for (a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == 4)
			memcpy(&r->dst, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
			memcpy(&r->oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
	}
	return table == RT_TABLE_MAIN ? 0 : -1;
}

/* Dump the IPv4 routes into routes (at most MAX_ROUTES); their count. */
static int dump_routes(struct route4 *routes)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.rtm = { .rtm_family = AF_INET },
	};
	static char buf[32768];
	int fd, n = 0, err = 0;
	ssize_t got;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *nh;

		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			err = -errno;
			goto out;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, got); nh = NLMSG_NEXT(nh, got)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error ?: -EIO;
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWROUTE && n < MAX_ROUTES &&
			    !parse_route(nh, &routes[n]))
				n++;
		}
	}
out:
	close(fd);
	return err ?: n;
}

int route_prefix_oif(__be32 net, __be32 mask)
{
	struct route4 *routes = calloc(MAX_ROUTES, sizeof(*routes));
	int n, i;

	if (!routes)
		return -ENOMEM;
	n = dump_routes(routes);
	i = n < 0 ? n : route_pick(routes, n, net, mask);
	n = i < 0 ? i : routes[i].oif ?: -EOPNOTSUPP;
	free(routes);
	return n;
}
