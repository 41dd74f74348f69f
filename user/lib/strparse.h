/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsing and checking of the values a user gives on the command line. */
#ifndef XDPGW_STRPARSE_H
#define XDPGW_STRPARSE_H

#include <stdint.h>
#include <linux/types.h>

/* Each returns 0 or -EINVAL. Addresses come back in network byte order,
 * ports in host byte order. */
int parse_ipv4_addr(const char *s, __be32 *addr);
int parse_prefix(const char *s, __be32 *net, __be32 *mask);
int parse_port_range(const char *s, __u16 *lo, __u16 *hi);
int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);

#endif
