/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rule sections of `xdpgw run`'s config file: [forward], [static],
 * [pool] and [filter], one rule a line, as the verbs of the same names take
 * them. Checked when the file is read (FILE:LINE for a bad line, before
 * anything is attached), applied once the instance runs, and on SIGHUP
 * applied again as a change: what the old file had and the new one has not
 * is removed, what is new is added; rules added by the verbs stay.
 */
#ifndef XDPGW_RUN_RULES_H
#define XDPGW_RUN_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* The sections whose lines are rules (conf_handlers.line_sections). */
extern const char *const run_rule_sections[];
bool run_rule_section(const char *name);

struct run_rule {
	const char *section; /* "forward", "static", "pool" or "filter" */
	int lineno;
	const char *line; /* its words (a copy: the file's text may go) */
};

struct run_rules {
	int n, cap;
	struct run_rule *v;
	bool has_filter; /* a [filter] section: the file owns the filter table */
};

/* A line of section `section`: checked and kept. 0, or -errno with why. */
int run_rules_line(struct run_rules *rr, const char *section, int lineno, const char *line,
		   char *err, size_t errlen);

/* Apply now (the file just read) to the instance pinned in dir on ifname,
 * as a change from before (the file applied last; NULL at start). kept:
 * the instance comes from an earlier `run --keep`, which applied its rules
 * already. Errors name origin:LINE. 0 or -errno, said; rules applied before
 * an error stay.
 */
int run_rules_apply(const struct run_rules *now, const struct run_rules *before, bool kept,
		    const char *dir, const char *ifname, const char *origin);

void run_rules_free(struct run_rules *rr);

#endif
