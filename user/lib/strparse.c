// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strparse.h"

int parse_ipv4_addr(const char *s, __be32 *addr)
{
	struct in_addr a;

	/* inet_pton accepts only dotted quads: no "10.1", no octal. */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "A.B.C.D/LEN"; host bits must be zero, as `ip route` requires. */
int parse_prefix(const char *s, __be32 *net, __be32 *mask)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash;
	__u32 len, m;
	__be32 addr;

	if (!s || !(slash = strchr(s, '/')) || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (parse_ipv4_addr(buf, &addr) || parse_u32(slash + 1, 0, 32, &len))
		return -EINVAL;
	m = len ? htonl(~0u << (32 - len)) : 0;
	if (addr & ~m)
		return -EINVAL;
	*net = addr;
	*mask = m;
	return 0;
}

/* "LO-HI" or a single port; 1 <= LO <= HI <= 65535. Host byte order. */
int parse_port_range(const char *s, __u16 *lo, __u16 *hi)
{
	char buf[16];
	const char *dash;
	__u32 a, b;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		if (parse_u32(s, 1, 65535, &a))
			return -EINVAL;
		*lo = *hi = a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (parse_u32(buf, 1, 65535, &a) || parse_u32(dash + 1, 1, 65535, &b) || a > b)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}
