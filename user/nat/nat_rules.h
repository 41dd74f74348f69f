/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Port forwards, static NAT and the address pool on a running instance's
 * pinned maps (public_addrs, forwards, host_public; xdpgw.h): parsing the
 * rules as users type them, checking them, adding, deleting (which ends
 * the rule's flows) and listing. Bad input changes nothing: every check
 * runs before the first map write, and a failed write undoes the ones
 * before it.
 */
#ifndef XDPGW_NAT_RULES_H
#define XDPGW_NAT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xdpgw.h"

#define NAT_POOL_MAX 256 /* addresses one pool rule may name */

/* `tcp 10.1.3.12:443 172.16.3.12:443`, ports host order, a range each side
 * of one size (`udp 10.1.3.12:5000-5009 172.16.3.12:6000-6009`).
 */
struct forward_rule {
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__be32 pub;
	__u16 pub_lo, pub_hi;
	__be32 internal;
	__u16 int_lo, int_hi;
};

/* `203.0.113.57 10.100.20.57`: public, internal. */
struct static_rule {
	__be32 pub;
	__be32 internal;
};

/* `203.0.113.100-203.0.113.101`, or one address; host order. */
struct pool_rule {
	__u32 lo, hi;
};

/* The instance the rules act on. */
struct nat_rules {
	int public_addrs, forwards, host_public; /* fds */
	int port_owner, port_bitmap, flows, rev, stats, events;
	int mappings, peers, host_flows;
	__be32 ext_addr; /* NAPT's address */
	__be32 internal_net, internal_mask;
	int ifindex; /* the external interface; 0: none (tests): no ARP sent */
	__u8 mac[6]; /* its MAC, for the ARP replies */
};

/* Parse the words of a rule (one string, words separated by blanks; an
 * arrow `->` or `<->` between the two sides is allowed). 0, or -EINVAL
 * with a message in err.
 */
int forward_rule_parse(const char *text, struct forward_rule *r, char *err, size_t len);
int static_rule_parse(const char *text, struct static_rule *r, char *err, size_t len);
int pool_rule_parse(const char *text, struct pool_rule *r, char *err, size_t len);

/* The checks that need no map: internal addresses inside the internal
 * prefix, public ones outside it, the pool and static addresses not NAPT's
 * address, ranges of one size. 0 or -EINVAL with err.
 */
int forward_rule_check(const struct nat_rules *n, const struct forward_rule *r, char *err,
		       size_t len);
int static_rule_check(const struct nat_rules *n, const struct static_rule *r, char *err,
		      size_t len);
int pool_rule_check(const struct nat_rules *n, const struct pool_rule *r, char *err, size_t len);

/* Open the pinned maps of the instance in dir (the external interface
 * ifname, whose MAC and addresses ARP needs; NULL: none, no gratuitous
 * ARP, for the tests). 0 or -errno with err.
 */
int nat_rules_open(struct nat_rules *n, const char *dir, const char *ifname, char *err,
		   size_t len);
void nat_rules_close(struct nat_rules *n);

/* Add or delete a rule (each check first, then the maps). A delete takes
 * the words of its add, and ends the rule's flows (counted in
 * rule_flows_ended): *ended says how many, when not NULL.
 */
int nat_forward_add(struct nat_rules *n, const struct forward_rule *r, char *err, size_t len);
int nat_forward_del(struct nat_rules *n, const struct forward_rule *r, __u64 *ended, char *err,
		    size_t len);
int nat_static_add(struct nat_rules *n, const struct static_rule *r, char *err, size_t len);
int nat_static_del(struct nat_rules *n, const struct static_rule *r, __u64 *ended, char *err,
		   size_t len);
int nat_pool_add(struct nat_rules *n, const struct pool_rule *r, char *err, size_t len);
int nat_pool_del(struct nat_rules *n, const struct pool_rule *r, __u64 *ended, char *err,
		 size_t len);

/* A rule of kind "forward", "static" or "pool" as its words (text):
 * parsed, then added or deleted (ended as above). With n NULL, only
 * parsed: 0 or -EINVAL with err.
 */
int nat_rule_apply(struct nat_rules *n, const char *kind, bool add, const char *text,
		   __u64 *ended, char *err, size_t len);

/* The NAPT address (--external-ip) answered in ARP when the interface
 * ifname does not carry it (`xdpgw run`, once attached). 0 or -errno.
 */
int nat_rules_external(const char *dir, const char *ifname, char *err, size_t len);

/* One line per public address (its kinds, ARP, static host or borrower)
 * and per forwarded port, into buf. Returns the length written, or -errno.
 */
int nat_rules_list(const struct nat_rules *n, char *buf, size_t len);

/* The flows leaving from addr (ports lo-hi of proto; proto 0: every flow
 * of addr), ended through the sweep's release. The number ended, or -errno.
 */
long nat_flows_end(struct nat_rules *n, __be32 addr, __u8 proto, __u16 lo, __u16 hi);

#endif /* XDPGW_NAT_RULES_H */
