// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rule sections of run's config file (run_rules.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "filter_rules.h"
#include "nat_rules.h"
#include "log.h"
#include "run_rules.h"

const char *const run_rule_sections[] = { "forward", "static", "pool", "filter", NULL };

bool run_rule_section(const char *name)
{
	int i;

	for (i = 0; run_rule_sections[i]; i++)
		if (!strcmp(run_rule_sections[i], name))
			return true;
	return false;
}

/* "default allow|drop" of [filter]: the action, else -1. */
static int filter_default_of(const char *line)
{
	__u8 action;

	if (strncmp(line, "default", 7) || (line[7] != ' ' && line[7] != '\t'))
		return -1;
	line += 7 + strspn(line + 7, " \t");
	return filter_action_parse(line, &action) ? -2 : action;
}

static int check_line(const char *section, const char *line, char *err, size_t errlen)
{
	struct filter_rule r;

	if (strcmp(section, "filter"))
		return nat_rule_apply(NULL, section, true, line, NULL, err, errlen);
	switch (filter_default_of(line)) {
	case -1:
		return filter_rule_parse_line(line, &r, err, errlen);
	case -2:
		snprintf(err, errlen, "default allow or default drop");
		return -EINVAL;
	}
	return 0;
}

int run_rules_line(struct run_rules *rr, const char *section, int lineno, const char *line,
		   char *err, size_t errlen)
{
	struct run_rule *v;
	int ret = check_line(section, line, err, errlen);

	if (ret)
		return ret;
	if (rr->n == rr->cap) {
		v = realloc(rr->v, (rr->cap * 2 + 16) * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		rr->v = v;
		rr->cap = rr->cap * 2 + 16;
	}
	v = &rr->v[rr->n];
	*v = (struct run_rule){ run_rule_sections[0], lineno, strdup(line) };
	if (!v->line) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; run_rule_sections[i]; i++) /* a name that outlives the file's text */
		if (!strcmp(run_rule_sections[i], section))
			v->section = run_rule_sections[i];
	rr->n++;
	rr->has_filter |= !strcmp(section, "filter");
	return 0;
}

/* The filter table the file says: its rules in order, counters kept for a
 * rule the running table has too; default allow unless it says otherwise.
 */
static int filter_from_file(const struct run_rules *rr, const struct filter_table *cur,
			    struct filter_table *t, const char *origin)
{
	char err[FILTER_ERR_LEN];
	struct filter_rule r;
	__u32 same;
	int i, action;

	t->n = 0;
	t->default_action = RULE_ALLOW;
	for (i = 0; i < rr->n; i++) {
		if (strcmp(rr->v[i].section, "filter"))
			continue;
		action = filter_default_of(rr->v[i].line);
		if (action >= 0) {
			t->default_action = action;
			continue;
		}
		if (filter_rule_parse_line(rr->v[i].line, &r, err, sizeof(err)) ||
		    filter_table_add(t, &r, 0, err, sizeof(err))) {
			pr_warn("%s:%d: %s\n", origin, rr->v[i].lineno, err);
			return -EINVAL;
		}
		same = filter_table_find(cur, &r);
		if (same)
			t->rules[t->n - 1].slot = cur->rules[same - 1].slot;
	}
	return 0;
}

/* [filter] replaces the table when the file has one, or had one. */
static int apply_filter(const struct run_rules *now, const struct run_rules *before,
			const char *dir, const char *ifname, const char *origin)
{
	static struct filter_table cur, t;
	struct filter_maps m;
	int lock, err;

	if (!now->has_filter && !(before && before->has_filter))
		return 0;
	lock = cli_writer_lock("filter", ifname);
	if (lock < 0)
		return lock;
	err = filter_maps_open(dir, &m);
	if (!err) {
		err = filter_table_read(&m, &cur) ?: filter_from_file(now, &cur, &t, origin) ?:
						     filter_table_write(&m, &t);
		filter_maps_close(&m);
	}
	close(lock);
	if (!err)
		pr_info("xdpgw: %s: filter table from %s: %u rules, default %s\n", ifname, origin,
			t.n, filter_action_name(t.default_action));
	return err;
}

/* Whether rr holds the NAT rule r (same section, same words). */
static bool has_rule(const struct run_rules *rr, const struct run_rule *r)
{
	int i;

	for (i = 0; rr && i < rr->n; i++)
		if (rr->v[i].section == r->section && !strcmp(rr->v[i].line, r->line))
			return true;
	return false;
}

/* Add or delete the NAT rules of from that other lacks (all of them when
 * other is NULL): deletes first, so that a rule can be replaced. kept: the
 * instance was kept by an earlier run, whose rules are still there: one the
 * instance has already (or one overlapping it) is left as it is, told.
 */
static int change_nat(struct nat_rules *n, const struct run_rules *from,
		      const struct run_rules *other, bool add, bool kept, const char *origin)
{
	char err[512];
	__u64 ended = 0;
	int i, ret;

	for (i = 0; i < from->n; i++) {
		const struct run_rule *r = &from->v[i];

		if (r->section == run_rule_sections[3] || has_rule(other, r))
			continue; /* [filter]'s, or unchanged */
		ret = nat_rule_apply(n, r->section, add, r->line, &ended, err, sizeof(err));
		if (ret == -EEXIST && add && kept) {
			pr_info("xdpgw: %s:%d: %s %s: kept from the last run (%s)\n", origin,
				r->lineno, r->section, r->line, err);
			continue;
		}
		if (ret) {
			pr_warn("%s:%d: %s %s: %s\n", origin, r->lineno, r->section, r->line, err);
			return ret;
		}
		pr_info("xdpgw: %s:%d: %s %s %s\n", origin, r->lineno, add ? "added" : "removed",
			r->section, r->line);
	}
	return 0;
}

static int apply_nat(const struct run_rules *now, const struct run_rules *before, bool kept,
		     const char *dir, const char *ifname, const char *origin)
{
	struct nat_rules n;
	char err[512];
	int lock, ret;

	if (now->n == 0 && (!before || before->n == 0))
		return 0;
	lock = cli_writer_lock("rules", ifname);
	if (lock < 0)
		return lock;
	ret = nat_rules_open(&n, dir, ifname, err, sizeof(err));
	if (ret) {
		pr_warn("%s: %s\n", ifname, err);
	} else {
		ret = (before ? change_nat(&n, before, now, false, false, origin) : 0) ?:
		      change_nat(&n, now, before, true, kept, origin);
		nat_rules_close(&n);
	}
	close(lock);
	return ret;
}

int run_rules_apply(const struct run_rules *now, const struct run_rules *before, bool kept,
		    const char *dir, const char *ifname, const char *origin)
{
	return apply_nat(now, before, kept, dir, ifname, origin) ?:
	       apply_filter(now, before, dir, ifname, origin);
}

void run_rules_free(struct run_rules *rr)
{
	int i;

	for (i = 0; i < rr->n; i++)
		free((char *)rr->v[i].line);
	free(rr->v);
	*rr = (struct run_rules){};
}
