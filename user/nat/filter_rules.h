/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inbound filter table in userspace: rules as a user types them
 * (`allow tcp 22 from 10.1.1.0/24`), the ordered table with add and del,
 * the compiler to the bit-vector classifier the XDP program reads
 * (xdpgw.h, bpf/inbound_filter.h), and reading and writing the pinned maps.
 */
#ifndef XDPGW_FILTER_RULES_H
#define XDPGW_FILTER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xdpgw.h"

#define FILTER_SLOT_NEW 0xffff /* a rule not written yet: no counter slot */
#define FILTER_NO_RULE 0xffffffffu /* no rule matches: the default decides */
#define FILTER_ERR_LEN 160

struct filter_table {
	__u32 n;
	__u8 default_action; /* enum filter_action */
	struct filter_rule rules[XDPGW_FILTER_RULES_MAX];
};

/* A rule from its words, action first: `allow|drop PROTO [PORT[-PORT]]
 * [to ADDR] [from PREFIX]` (to and from in either order). 0, or -EINVAL
 * with a message in err. The rule's slot is FILTER_SLOT_NEW.
 */
int filter_rule_parse(int argc, char *const *argv, struct filter_rule *r, char *err,
		      size_t errlen);
/* The same from one line of text (words separated by blanks). */
int filter_rule_parse_line(const char *line, struct filter_rule *r, char *err, size_t errlen);
/* The rule as a user types it, canonical: what parse gives back. */
void filter_rule_format(const struct filter_rule *r, char *buf, size_t len);
/* "allow" or "drop". */
int filter_action_parse(const char *s, __u8 *action);
const char *filter_action_name(__u8 action);
/* Same rule (every field but the counter slot). */
bool filter_rule_same(const struct filter_rule *a, const struct filter_rule *b);

/* Insert r before rule number pos (1 first; 0 or n + 1: append). 0, or
 * -EEXIST (the same rule is there), -ENOSPC, -ERANGE, with err set; the
 * table is then unchanged.
 */
int filter_table_add(struct filter_table *t, const struct filter_rule *r, __u32 pos,
		     char *err, size_t errlen);
/* The number (from 1) of the rule the same as r, 0 when none. */
__u32 filter_table_find(const struct filter_table *t, const struct filter_rule *r);
/* Remove rule number num (from 1). 0 or -ERANGE with err. */
int filter_table_del(struct filter_table *t, __u32 num, char *err, size_t errlen);

/* A packet as the classifier sees it: dport in host order. */
struct filter_pkt {
	__u8 proto;
	__u16 dport;
	__be32 daddr;
	__be32 saddr;
};

/* The reference: the rules walked in order. The position of the first
 * matching rule, or FILTER_NO_RULE.
 */
__u32 filter_table_eval(const struct filter_table *t, const struct filter_pkt *p);

/* What filter_compile makes of a table: the contents of one generation. */
struct filter_dst_row {
	__be32 addr; /* 0: any address no rule names */
	struct filter_bits bits;
};

struct filter_src_row {
	__be32 net;
	__u8 len;
	struct filter_bits bits;
};

struct filter_compiled {
	__u32 port_class[XDPGW_FILTER_PORT_SLOTS];
	__u32 nclasses;
	struct filter_bits classes[XDPGW_FILTER_CLASSES];
	__u32 ndst, nsrc;
	struct filter_dst_row dst[XDPGW_FILTER_RULES_MAX + 1];
	struct filter_src_row src[XDPGW_FILTER_RULES_MAX + 1];
	struct filter_meta meta;
};

/* Compile t (heap: the result is large). 0 or -errno. */
int filter_compile(const struct filter_table *t, struct filter_compiled *c);
/* The classifier's algorithm, as the XDP program runs it, in C: the
 * position of the first matching rule, or FILTER_NO_RULE.
 */
__u32 filter_compiled_eval(const struct filter_compiled *c, const struct filter_pkt *p);

/* The pinned filter maps of an instance. */
struct filter_maps {
	int ctl, meta, rules, port_class, port_bits, dst, src, counts;
};

/* Open the filter maps pinned in dir; -errno with a message naming the map. */
int filter_maps_open(const char *dir, struct filter_maps *m);
void filter_maps_close(struct filter_maps *m);
/* The table the programs use now. 0 or -errno. */
int filter_table_read(const struct filter_maps *m, struct filter_table *t);
/*
 * Make t the table the programs use: its new rules get a counter slot
 * (zeroed), the generation not in use is written in full, filter_ctl
 * switches to it, then the call waits until no program can still be
 * reading the old one (an RCU grace period: membarrier). A packet sees
 * the old table or the new, never a mix. One writer at a time (the caller
 * holds a lock). 0 or -errno with a message; on error the programs go on
 * with the old table.
 */
int filter_table_write(const struct filter_maps *m, struct filter_table *t);
/* Packets and bytes of a counter slot, summed over CPUs. */
int filter_count_read(const struct filter_maps *m, __u32 slot, struct filter_count *sum);

#endif
