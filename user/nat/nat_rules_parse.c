// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The forward, static and pool rules as users type them, and the checks
 * that need no map (nat_rules.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nat_rules.h"
#include "log.h"

#define MAX_WORDS 4

/* Split text into at most MAX_WORDS words (an arrow dropped) in buf. */
static int split(const char *text, char *buf, size_t size, char *words[MAX_WORDS + 1])
{
	char *save = NULL, *w;
	int n = 0;

	snprintf(buf, size, "%s", text);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(w, "->") || !strcmp(w, "<->"))
			continue;
		if (n == MAX_WORDS + 1)
			return -1;
		words[n++] = w;
	}
	return n;
}

static bool parse_addr(const char *s, __be32 *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*addr = a.s_addr;
	return true;
}

static bool parse_port(const char *s, __u16 *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return false;
	*port = v;
	return true;
}

/* PORT or PORT-PORT, low first. */
static bool parse_port_range(char *s, __u16 *lo, __u16 *hi)
{
	char *dash = strchr(s, '-');

	if (dash)
		*dash = '\0';
	if (!parse_port(s, lo))
		return false;
	*hi = *lo;
	return !dash || (parse_port(dash + 1, hi) && *hi >= *lo);
}

/* ADDR:PORT[-PORT] */
static bool parse_endpoint(char *s, __be32 *addr, __u16 *lo, __u16 *hi)
{
	char *colon = strchr(s, ':');

	if (!colon)
		return false;
	*colon = '\0';
	return parse_addr(s, addr) && parse_port_range(colon + 1, lo, hi);
}

int forward_rule_parse(const char *text, struct forward_rule *r, char *err, size_t len)
{
	char buf[256], *w[MAX_WORDS + 1], pub[64], internal[64];
	int n = split(text, buf, sizeof(buf), w);

	memset(r, 0, sizeof(*r));
	if (n != 3)
		return err_printf(err, len, -EINVAL,
				  "forward '%s': want PROTO PUBLIC:PORT[-PORT] "
				  "INTERNAL:PORT[-PORT]",
				  text);
	if (!strcmp(w[0], "tcp"))
		r->proto = IPPROTO_TCP;
	else if (!strcmp(w[0], "udp"))
		r->proto = IPPROTO_UDP;
	else
		return err_printf(err, len, -EINVAL,
				  "forward '%s': protocol '%s' is not tcp or udp", text, w[0]);
	snprintf(pub, sizeof(pub), "%s", w[1]);
	snprintf(internal, sizeof(internal), "%s", w[2]);
	if (!parse_endpoint(w[1], &r->pub, &r->pub_lo, &r->pub_hi))
		return err_printf(err, len, -EINVAL,
				  "forward '%s': '%s' is not ADDRESS:PORT[-PORT] (ports 1-65535, "
				  "low first)",
				  text, pub);
	if (!parse_endpoint(w[2], &r->internal, &r->int_lo, &r->int_hi))
		return err_printf(err, len, -EINVAL,
				  "forward '%s': '%s' is not ADDRESS:PORT[-PORT] (ports 1-65535, "
				  "low first)",
				  text, internal);
	if (r->pub_hi - r->pub_lo != r->int_hi - r->int_lo)
		return err_printf(err, len, -EINVAL,
				  "forward '%s': the port ranges %u-%u and %u-%u differ in size",
				  text, r->pub_lo, r->pub_hi, r->int_lo, r->int_hi);
	return 0;
}

int static_rule_parse(const char *text, struct static_rule *r, char *err, size_t len)
{
	char buf[256], *w[MAX_WORDS + 1];
	int n = split(text, buf, sizeof(buf), w);

	memset(r, 0, sizeof(*r));
	if (n != 2)
		return err_printf(err, len, -EINVAL,
				  "static '%s': want PUBLIC_ADDRESS INTERNAL_ADDRESS", text);
	if (!parse_addr(w[0], &r->pub))
		return err_printf(err, len, -EINVAL, "static '%s': '%s' is not an IPv4 address",
				  text, w[0]);
	if (!parse_addr(w[1], &r->internal))
		return err_printf(err, len, -EINVAL, "static '%s': '%s' is not an IPv4 address",
				  text, w[1]);
	return 0;
}

int pool_rule_parse(const char *text, struct pool_rule *r, char *err, size_t len)
{
	char buf[256], *w[MAX_WORDS + 1], *dash;
	__be32 lo, hi;
	int n = split(text, buf, sizeof(buf), w);

	memset(r, 0, sizeof(*r));
	if (n != 1)
		return err_printf(err, len, -EINVAL, "pool '%s': want ADDRESS[-ADDRESS]", text);
	dash = strchr(w[0], '-');
	if (dash)
		*dash = '\0';
	if (!parse_addr(w[0], &lo) || (dash && !parse_addr(dash + 1, &hi)))
		return err_printf(err, len, -EINVAL,
				  "pool '%s': not ADDRESS[-ADDRESS] of IPv4 addresses", text);
	r->lo = ntohl(lo);
	r->hi = dash ? ntohl(hi) : r->lo;
	if (r->hi < r->lo)
		return err_printf(err, len, -EINVAL, "pool '%s': the range ends before it starts",
				  text);
	if (r->hi - r->lo >= NAT_POOL_MAX)
		return err_printf(err, len, -EINVAL, "pool '%s': more than %d addresses", text,
				  NAT_POOL_MAX);
	return 0;
}

static bool internal(const struct nat_rules *n, __be32 addr)
{
	return (addr & n->internal_mask) == n->internal_net;
}

static const char *ntoa(__be32 addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

/* A public address: not NAPT's internal prefix, not 0, multicast or broadcast. */
static int check_public(const struct nat_rules *n, const char *what, __be32 addr, char *err,
			size_t len)
{
	char a[INET_ADDRSTRLEN];
	__u32 h = ntohl(addr);

	if (internal(n, addr))
		return err_printf(err, len, -EINVAL,
				  "%s: public address %s is inside the internal prefix", what,
				  ntoa(addr, a));
	if (!h || h >= 0xe0000000u || (h >> 24) == 127)
		return err_printf(err, len, -EINVAL, "%s: %s cannot be a public address", what,
				  ntoa(addr, a));
	return 0;
}

static int check_internal(const struct nat_rules *n, const char *what, __be32 addr, char *err,
			  size_t len)
{
	char a[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];

	if (internal(n, addr))
		return 0;
	return err_printf(err, len, -EINVAL,
			  "%s: internal address %s is outside every internal prefix (%s/%d)", what,
			  ntoa(addr, a), ntoa(n->internal_net, net),
			  __builtin_popcount(n->internal_mask));
}

int forward_rule_check(const struct nat_rules *n, const struct forward_rule *r, char *err,
		       size_t len)
{
	return check_public(n, "forward", r->pub, err, len) ?:
	       check_internal(n, "forward", r->internal, err, len);
}

int static_rule_check(const struct nat_rules *n, const struct static_rule *r, char *err,
		      size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (r->pub == n->ext_addr)
		return err_printf(err, len, -EINVAL, "static: %s is the interface's NAPT address",
				  ntoa(r->pub, a));
	return check_public(n, "static", r->pub, err, len) ?:
	       check_internal(n, "static", r->internal, err, len);
}

int pool_rule_check(const struct nat_rules *n, const struct pool_rule *r, char *err, size_t len)
{
	char a[INET_ADDRSTRLEN];
	__u32 h;
	int ret;

	if (ntohl(n->ext_addr) >= r->lo && ntohl(n->ext_addr) <= r->hi)
		return err_printf(err, len, -EINVAL, "pool: %s is the interface's NAPT address",
				  ntoa(n->ext_addr, a));
	for (h = r->lo; h <= r->hi && h >= r->lo; h++) {
		ret = check_public(n, "pool", htonl(h), err, len);
		if (ret)
			return ret;
	}
	return 0;
}
