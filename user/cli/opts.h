/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One table of options per verb (after xdp-tools' lib/util/params.c): it
 * makes getopt's long options, the verb's --help, the keys a config file
 * may hold, and the man page's OPTIONS section (xdpgw --man-options prints
 * it; docs/xdpgw.8 holds that output, and test_install checks they agree).
 */
#ifndef XDPGW_OPTS_H
#define XDPGW_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define OPTF_CONF 0x1 /* also a key of the verb's config file (no dashes) */
#define OPTF_COMMON 0x2 /* the man page has it under "Common", not the verb */

/* What a verb dispatches on (struct opt's id); 0: a proxy setting, by name. */
enum opt_id {
	OPT_ID_PROXY_SETTING,
	OPT_ID_ADDR,
	OPT_ID_AT,
	OPT_ID_CONFIG,
	OPT_ID_EXTERNAL,
	OPT_ID_EXTERNAL_IP,
	OPT_ID_FILTERING,
	OPT_ID_FORCE,
	OPT_ID_HELP,
	OPT_ID_INTERNAL,
	OPT_ID_INTERNAL_IF,
	OPT_ID_JSON,
	OPT_ID_KEEP,
	OPT_ID_MAX_FLOWS,
	OPT_ID_MAX_FLOWS_PER_HOST,
	OPT_ID_METRICS,
	OPT_ID_NO_ANTI_SPOOF,
	OPT_ID_NO_FAST_PATH,
	OPT_ID_PIN_ROOT,
	OPT_ID_PORT,
	OPT_ID_PORTS,
	OPT_ID_PROTO,
	OPT_ID_ROUTE_INBOUND,
	OPT_ID_TIMEOUT,
	OPT_ID_VERBOSE,
};

struct opt {
	const char *name; /* --name; the config-file key */
	char short_name; /* -x, or 0 */
	int id; /* what the verb dispatches on (its own enum), or 0 */
	const char *arg; /* the value's placeholder ("IF"); NULL: a flag */
	unsigned int flags;
	const char *help; /* --help's text; '\n' starts an indented line */
	const char *man; /* roff for the man page (NULL: OPTF_COMMON's) */
};

/* Entries that several tables share; their man text is opts_common's. */
#define OPT_HELP { "help", 'h', OPT_ID_HELP, NULL, OPTF_COMMON, "this text", NULL }
#define OPT_VERBOSE { "verbose", 'v', OPT_ID_VERBOSE, NULL, OPTF_COMMON, "more output", NULL }
#define OPT_PIN_ROOT_AS_RUN \
	{ "pin-root", 0, OPT_ID_PIN_ROOT, "DIR", OPTF_COMMON, "as given to `xdpgw run`", NULL }
#define OPT_INSTANCE                                                                   \
	{ "external", 'e', OPT_ID_EXTERNAL, "IF", OPTF_COMMON,                         \
	  "external interface of the instance (default: the one\n"                     \
	  "instance of this network namespace)", NULL }

struct verb_opts {
	const char *verb;
	const char *usage; /* --help's text before the options */
	const char *after; /* ... and after them */
	int col; /* where --help's option texts start */
	const struct opt *opts; /* ends with { NULL } */
	const char *man_before; /* roff of the verb's OPTIONS subsection */
	const char *man_after;
};

extern const struct verb_opts opts_run, opts_down, opts_flows, opts_stats, opts_watch,
	opts_status, opts_proxy, opts_filter, opts_forward, opts_static, opts_pool;
/* The man page's "Common" options: those of several verbs. */
extern const struct opt opts_common[];

/* Every verb's table, in the man page's order; NULL-terminated. */
extern const struct verb_opts *const opts_verbs[];

#define OPTS_MAX 48 /* options in one table, with getopt's terminator */

/* getopt_long's tables for v: a long option's val is its short option, or
 * OPT_VAL_BASE plus its index. shorts must hold 3 * OPTS_MAX bytes.
 */
#define OPT_VAL_BASE 256
void opts_getopt(const struct verb_opts *v, struct option *longs, char *shorts);

/* The entry getopt's val (or a name, when not NULL) stands for, or NULL. */
const struct opt *opts_by_val(const struct verb_opts *v, int val);
const struct opt *opts_by_name(const struct verb_opts *v, const char *name);

/* --help's text. */
void opts_usage(FILE *f, const struct verb_opts *v);

/* The man page's OPTIONS section, from .SH OPTIONS to before the next .SH. */
void opts_man(FILE *f);

/* "VERB KEY" lines: every key a config file may hold. */
void opts_conf_keys(FILE *f);

#endif
