// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Filter rules as a user types them, and the ordered table. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strparse.h"
#include "filter_rules.h"
#include "log.h"

#define MAX_WORDS 16

int filter_action_parse(const char *s, __u8 *action)
{
	if (!strcmp(s, "allow"))
		*action = RULE_ALLOW;
	else if (!strcmp(s, "drop"))
		*action = RULE_DROP;
	else
		return -EINVAL;
	return 0;
}

const char *filter_action_name(__u8 action)
{
	return action == RULE_DROP ? "drop" : "allow";
}

static int proto_parse(const char *s, __u8 *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcmp(s, "icmp"))
		*proto = IPPROTO_ICMP;
	else if (!strcmp(s, "any"))
		*proto = 0;
	else
		return -EINVAL;
	return 0;
}

static const char *proto_word(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" :
	       proto == IPPROTO_ICMP ? "icmp" : "any";
}

/* "A.B.C.D/LEN" or an address alone (/32). */
static int from_parse(const char *s, __be32 *net, __u8 *len)
{
	__be32 mask;

	if (!strchr(s, '/')) {
		*len = 32;
		return parse_ipv4_addr(s, net);
	}
	if (parse_prefix(s, net, &mask))
		return -EINVAL;
	*len = __builtin_popcount(mask);
	return 0;
}

int filter_rule_parse(int argc, char *const *argv, struct filter_rule *r, char *err,
		      size_t errlen)
{
	bool port = false, to = false, from = false;
	int i = 2;

	memset(r, 0, sizeof(*r));
	r->port_hi = 65535;
	r->slot = FILTER_SLOT_NEW;
	if (argc < 1 || filter_action_parse(argv[0], &r->action))
		return err_printf(err, errlen, -EINVAL,
				  "a rule starts with allow or drop, not '%s'",
				  argc < 1 ? "" : argv[0]);
	if (argc < 2)
		return err_printf(err, errlen, -EINVAL,
				  "'%s' needs a protocol: tcp, udp, icmp or any", argv[0]);
	if (proto_parse(argv[1], &r->proto))
		return err_printf(err, errlen, -EINVAL,
				  "unknown protocol '%s' (tcp, udp, icmp or any)", argv[1]);
	if (i < argc && argv[i][0] >= '0' && argv[i][0] <= '9') {
		if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
			return err_printf(err, errlen, -EINVAL, "a port needs tcp or udp, not %s",
					  argv[1]);
		if (parse_port_range(argv[i], &r->port_lo, &r->port_hi))
			return err_printf(err, errlen, -EINVAL,
					  "bad port '%s' (PORT or LOW-HIGH, 1-65535, LOW <= HIGH)",
					  argv[i]);
		port = true;
		i++;
	}
	for (; i < argc; i += 2) {
		bool is_to = !strcmp(argv[i], "to");

		if (!is_to && strcmp(argv[i], "from"))
			return err_printf(err, errlen, -EINVAL, "unexpected '%s' (%s)", argv[i],
					  port || to || from
						  ? "to ADDR or from PREFIX"
						  : "PORT[-PORT], to ADDR or from PREFIX");
		if (is_to ? to : from)
			return err_printf(err, errlen, -EINVAL, "'%s' given twice", argv[i]);
		if (i + 1 >= argc)
			return err_printf(err, errlen, -EINVAL, "'%s' needs %s", argv[i],
					  is_to ? "an address" : "a prefix (A.B.C.D/LEN)");
		if (is_to && (parse_ipv4_addr(argv[i + 1], &r->to_addr) || !r->to_addr))
			return err_printf(err, errlen, -EINVAL, "bad address '%s' after to",
					  argv[i + 1]);
		if (!is_to && from_parse(argv[i + 1], &r->from_net, &r->from_len))
			return err_printf(err, errlen, -EINVAL,
					  "bad prefix '%s' after from (A.B.C.D/LEN with the host "
					  "bits zero, or an address)",
					  argv[i + 1]);
		to |= is_to;
		from |= !is_to;
	}
	return 0;
}

int filter_rule_parse_line(const char *line, struct filter_rule *r, char *err, size_t errlen)
{
	char buf[512], *words[MAX_WORDS], *save = NULL, *w;
	int n = 0;

	if (strlen(line) >= sizeof(buf))
		return err_printf(err, errlen, -EINVAL, "rule too long");
	strcpy(buf, line);
	for (w = strtok_r(buf, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return err_printf(err, errlen, -EINVAL, "too many words in '%s'", line);
		words[n++] = w;
	}
	return filter_rule_parse(n, words, r, err, errlen);
}

void filter_rule_format(const struct filter_rule *r, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	size_t off;

	off = snprintf(buf, len, "%s %s", filter_action_name(r->action), proto_word(r->proto));
	if (off < len && (r->port_lo != 0 || r->port_hi != 65535))
		off += r->port_lo == r->port_hi ?
			       snprintf(buf + off, len - off, " %u", r->port_lo) :
			       snprintf(buf + off, len - off, " %u-%u", r->port_lo, r->port_hi);
	if (off < len && r->to_addr)
		off += snprintf(buf + off, len - off, " to %s",
				inet_ntop(AF_INET, &r->to_addr, a, sizeof(a)));
	if (off < len && r->from_len)
		snprintf(buf + off, len - off, " from %s/%u",
			 inet_ntop(AF_INET, &r->from_net, a, sizeof(a)), r->from_len);
}

bool filter_rule_same(const struct filter_rule *a, const struct filter_rule *b)
{
	return a->action == b->action && a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && a->to_addr == b->to_addr &&
	       a->from_len == b->from_len && a->from_net == b->from_net;
}

__u32 filter_table_find(const struct filter_table *t, const struct filter_rule *r)
{
	__u32 i;

	for (i = 0; i < t->n; i++)
		if (filter_rule_same(&t->rules[i], r))
			return i + 1;
	return 0;
}

int filter_table_add(struct filter_table *t, const struct filter_rule *r, __u32 pos,
		     char *err, size_t errlen)
{
	char text[96];
	__u32 have = filter_table_find(t, r);

	filter_rule_format(r, text, sizeof(text));
	if (have)
		return err_printf(err, errlen, -EEXIST, "'%s' is rule %u already", text, have);
	if (t->n >= XDPGW_FILTER_RULES_MAX)
		return err_printf(err, errlen, -ENOSPC, "the table is full (%u rules)",
				  XDPGW_FILTER_RULES_MAX);
	if (pos == 0)
		pos = t->n + 1;
	if (pos > t->n + 1)
		return err_printf(err, errlen, -ERANGE, "no position %u: the table has %u rules",
				  pos, t->n);
	memmove(&t->rules[pos], &t->rules[pos - 1], (t->n - (pos - 1)) * sizeof(t->rules[0]));
	t->rules[pos - 1] = *r;
	t->rules[pos - 1].slot = FILTER_SLOT_NEW;
	t->n++;
	return 0;
}

int filter_table_del(struct filter_table *t, __u32 num, char *err, size_t errlen)
{
	if (num < 1 || num > t->n)
		return err_printf(err, errlen, -ERANGE, "no rule %u: the table has %u rules", num,
				  t->n);
	memmove(&t->rules[num - 1], &t->rules[num], (t->n - num) * sizeof(t->rules[0]));
	t->n--;
	return 0;
}

/* Does rule r match p, taken alone? */
static bool rule_matches(const struct filter_rule *r, const struct filter_pkt *p)
{
	__be32 mask = r->from_len ? htonl(~0u << (32 - r->from_len)) : 0;

	if (r->proto && r->proto != p->proto)
		return false;
	if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
	    (p->dport < r->port_lo || p->dport > r->port_hi))
		return false;
	return (!r->to_addr || r->to_addr == p->daddr) && (p->saddr & mask) == r->from_net;
}

__u32 filter_table_eval(const struct filter_table *t, const struct filter_pkt *p)
{
	__u32 i;

	for (i = 0; i < t->n; i++)
		if (rule_matches(&t->rules[i], p))
			return i;
	return FILTER_NO_RULE;
}
