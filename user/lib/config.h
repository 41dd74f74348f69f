/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Transitional: the old name of strparse.h, for proxy_config.c, which
 * another branch moves into user/proxy/. Delete this file once it includes
 * "strparse.h" and calls parse_ipv4_addr().
 */
#ifndef XDPGW_CONFIG_H
#define XDPGW_CONFIG_H

#include "strparse.h"

static inline int parse_ipv4(const char *s, __be32 *addr)
{
	return parse_ipv4_addr(s, addr);
}

#endif
