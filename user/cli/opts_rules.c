// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The option tables of the verbs that change a running instance's rule
 * tables: filter (and the NAT kinds' forward, static, pool). Their command
 * is words; the options may stand anywhere among them.
 */
#include <stddef.h>
#include "opts.h"

#define OPT_LIST_JSON { "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON, "list: one JSON object", NULL }

static const struct opt filter_opts[] = {
	OPT_INSTANCE,
	{ "at", 0, OPT_ID_AT, "N", 0,
	  "add: insert the rule as rule N (default: append)",
	  "Insert the rule as rule\n.IR N ;\nthe rules from\n.I N\non move down one." },
	OPT_LIST_JSON,
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_filter = {
	.verb = "filter",
	.usage = "Usage: xdpgw filter list [--json]\n"
		"       xdpgw filter add [--at N] allow|drop PROTO [PORT[-PORT]] [to ADDR] [from PREFIX]\n"
		"       xdpgw filter del RULE... | N\n"
		"       xdpgw filter default allow|drop\n"
		"       (each with [--external IF] [--pin-root DIR], anywhere among the words)\n"
		"\n"
		"The inbound filter table of the instance on IF: packets from outside that\n"
		"are part of no flow, to the gateway's own address or to a forwarded or\n"
		"static one, are judged by the rules in order, the first that matches\n"
		"deciding, else by the default (allow unless set). Replies of flows made\n"
		"from inside are never judged. PROTO is tcp, udp, icmp or any; a port or\n"
		"range only with tcp or udp; `to` an address; `from` a prefix or address.\n"
		"A change takes effect at once for new packets; flows keep working.\n"
		"\n"
		"  add          append the rule, or insert it as rule N with --at N\n"
		"  del          remove the rule given by its words, or rule number N\n"
		"  list         the rules and the default, with packets and bytes counted\n"
		"  default      the policy for what no rule matches\n"
		"\n",
	.after = "\n"
		"Examples: xdpgw filter default drop\n"
		"          xdpgw filter add allow tcp 22 from 10.1.1.0/24\n"
		"          xdpgw filter add --at 1 drop udp 1000-2000 to 10.1.3.12\n"
		"          xdpgw filter del 2\n",
	.col = 22,
	.opts = filter_opts,
	.man_before = "The rules are judged in order, the first that matches deciding; the\n"
		"default decides for what no rule matches.",
};
