/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the rule files of the NAT share (nat_rules.c: the instance's maps,
 * public addresses, ending flows, static and pool rules; nat_forward.c:
 * port forwards). Nothing else includes it.
 */
#ifndef XDPGW_NAT_RULES_INT_H
#define XDPGW_NAT_RULES_INT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "nat_rules.h"

/* The pad byte of a port_owner word that a forward claimed (a NAPT
 * mapping's is 0): a delete gives back only its own ports.
 */
#define FORWARD_OWNER_MARK 0xfe

static inline const char *ntoa(__be32 addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

static inline const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "icmp";
}

/* Add kind (PUBLIC_*) to addr's public_addrs entry, making it; refused
 * (-EEXIST with err) when addr is already something the kind cannot share
 * with (static and pool are alone). *made tells whether the entry is new.
 */
int nat_public_add(struct nat_rules *n, __be32 addr, __u8 kind, __be32 internal, bool *made,
		   char *err, size_t len);
/* Drop kind from addr's entry; the entry goes with its last kind. */
void nat_public_del(struct nat_rules *n, __be32 addr, __u8 kind);
/* How a delete ends: done, what nat_flows_end returned, goes to *ended (when
 * not NULL; 0 on failure); 0, or done with "ending WHOSE flows: ..." in err. */
int nat_rule_flows_ended(long done, __u64 *ended, const char *whose, char *err, size_t len);

#endif
