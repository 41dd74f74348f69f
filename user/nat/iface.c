// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "iface.h"

/* The interface's hardware address (SIOCGIFHWADDR). 0 or -errno. */
static int hwaddr(const char *ifname, struct ifreq *ifr)
{
	int fd, ret;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr->ifr_name, ifname);
	ret = ioctl(fd, SIOCGIFHWADDR, ifr) ? -errno : 0;
	close(fd);
	return ret;
}

int iface_index(const char *ifname)
{
	struct ifreq ifr = {};
	int idx, ret;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	idx = if_nametoindex(ifname);
	if (!idx)
		return -ENODEV;
	ret = hwaddr(ifname, &ifr);
	if (ret)
		return ret;
	return ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ? idx : -EPROTONOSUPPORT;
}

int iface_mac(const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = {};
	int ret = hwaddr(ifname, &ifr);

	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return ret;
}

int iface_first_ipv4(const char *ifname, __be32 *addr)
{
	struct ifaddrs *ifa, *i;
	int ret = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname)) {
			*addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

int iface_ipv4_in(int ifindex, __be32 net, __be32 mask, __be32 *addr)
{
	char ifname[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	int ret = -EADDRNOTAVAIL;
	__be32 a;

	if (!if_indextoname(ifindex, ifname))
		return -errno;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname))
			continue;
		a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		if ((a & mask) == net) {
			*addr = a;
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

int iface_driver(const char *ifname, char *out, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd, ret;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	if (!ret)
		snprintf(out, len, "%s", info.driver);
	return ret;
}
