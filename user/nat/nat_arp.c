// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>
#include "nat_arp.h"

bool iface_has_ipv4(int ifindex, __be32 addr)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (!if_indextoname(ifindex, name) || getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			!strcmp(i->ifa_name, name) &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr;
	freeifaddrs(ifa);
	return found;
}

size_t arp_announce_build(const __u8 mac[6], __be32 addr, __u8 *f)
{
	static const __u8 head[] = { 0x08, 0x06, /* ARP */ 0, 1, 0x08, 0x00, 6, 4, 0, 1 };

	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, mac, 6); /* sender */
	memcpy(f + 28, &addr, 4);
	memset(f + 32, 0, 6); /* target hardware address: unknown */
	memcpy(f + 38, &addr, 4); /* target = sender: an announcement */
	return 42;
}

int arp_announce(int ifindex, const __u8 mac[6], __be32 addr)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = ifindex, .sll_halen = 6 };
	__u8 frame[42];
	size_t n = arp_announce_build(mac, addr, frame);
	int fd, ret;

	memset(to.sll_addr, 0xff, 6);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = sendto(fd, frame, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}
