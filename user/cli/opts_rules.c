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

/* forward, static and pool take the same options */
static const struct opt nat_rule_opts[] = {
	OPT_INSTANCE,
	OPT_LIST_JSON,
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

#define NAT_RULE_TAIL                                                                  \
	"`del` takes the words of its `add` and ends the rule's flows (counted in\n"  \
	"rule_flows_ended). A public address the external interface does not carry\n" \
	"is answered in ARP by xdpgw (gratuitous ARP when added). The same rules,\n"   \
	"one a line, may stand in the [forward], [static] and [pool] sections of\n"    \
	"`xdpgw run --config FILE`.\n"                                                 \
	"\n"

const struct verb_opts opts_forward = {
	.verb = "forward",
	.usage = "Usage: xdpgw forward add|del PROTO PUBLIC:PORT[-PORT] INTERNAL:PORT[-PORT]\n"
		"       xdpgw forward list [--json]\n"
		"       (each with [--external IF] [--pin-root DIR], anywhere among the words)\n"
		"\n"
		"Port forwarding (destination NAT) on the instance on IF: PROTO (tcp or udp)\n"
		"packets from outside to PUBLIC:PORT go to INTERNAL:PORT, their replies\n"
		"leave from PUBLIC:PORT; a range maps to a range of the same size. The\n"
		"forwarded ports leave the NAPT pool of that address. The inbound filter\n"
		"judges the first packet of each flow.\n" NAT_RULE_TAIL,
	.after = "\nExample: xdpgw forward add tcp 10.1.3.12:443 172.16.3.12:443\n",
	.col = 22,
	.opts = nat_rule_opts,
	.man_before = "PROTO PUBLIC:PORT[-PORT] INTERNAL:PORT[-PORT], tcp or udp.",
};

const struct verb_opts opts_static = {
	.verb = "static",
	.usage = "Usage: xdpgw static add|del PUBLIC_ADDRESS INTERNAL_ADDRESS\n"
		"       xdpgw static list [--json]\n"
		"       (each with [--external IF] [--pin-root DIR], anywhere among the words)\n"
		"\n"
		"Static 1:1 NAT on the instance on IF: the internal host owns the public\n"
		"address both ways, every protocol and port, ports unchanged; from outside\n"
		"it is reached with no earlier packet of its own (the inbound filter\n"
		"judges), and its own packets leave from the public address, never\n"
		"through NAPT.\n" NAT_RULE_TAIL,
	.after = "\nExample: xdpgw static add 203.0.113.57 10.100.20.57\n",
	.col = 22,
	.opts = nat_rule_opts,
	.man_before = "PUBLIC_ADDRESS INTERNAL_ADDRESS.",
};

const struct verb_opts opts_pool = {
	.verb = "pool",
	.usage = "Usage: xdpgw pool add|del ADDRESS[-ADDRESS]\n"
		"       xdpgw pool list [--json]\n"
		"       (each with [--external IF] [--pin-root DIR], anywhere among the words)\n"
		"\n"
		"The address pool (dynamic NAT) of the instance on IF: a host's first flow\n"
		"borrows a free pool address (its ports kept when free), which goes back\n"
		"when the host's last flow has expired; never two hosts on one address.\n"
		"With none free the host uses NAPT on the interface's address (counted in\n"
		"pool_fallback).\n" NAT_RULE_TAIL,
	.after = "\nExample: xdpgw pool add 203.0.113.100-203.0.113.101\n",
	.col = 22,
	.opts = nat_rule_opts,
	.man_before = "ADDRESS[-ADDRESS]: addresses that private hosts borrow.",
};
