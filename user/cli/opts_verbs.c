// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The options of the verbs that work on an instance (down, flows, stats,
 * watch, status), and the man page's "Common" options (opts.h). */
#include <stddef.h>
#include "opts.h"

const struct opt opts_common[] = {
	{ "external", 'e', OPT_ID_EXTERNAL, "IF", OPTF_COMMON, NULL,
	  "The external interface." },
	{ "pin-root", 0, OPT_ID_PIN_ROOT, "DIR", OPTF_COMMON, NULL,
	  "The bpffs directory for pins (default\n"
	  ".IR /sys/fs/bpf/xdpgw ,\n"
	  "else\n"
	  ".IR /run/xdpgw );\n"
	  "maps go to\n"
	  ".IR DIR/NETNS/IF/ ." },
	{ "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON, NULL,
	  "Print JSON instead of text (flows, stats, watch, status)." },
	{ "force", 0, OPT_ID_FORCE, NULL, OPTF_COMMON, NULL,
	  ".RB ( down )\n"
	  "Stop the instance's running daemon first." },
	{ "verbose", 'v', OPT_ID_VERBOSE, NULL, OPTF_COMMON, NULL,
	  "More output; twice for libbpf and libxdp debug output." },
	{ "help", 'h', OPT_ID_HELP, NULL, OPTF_COMMON, NULL,
	  "Print the verb's usage." },
	{ NULL }
};

static const struct opt down_opts[] = {
	OPT_INSTANCE,
	{ "force", 0, OPT_ID_FORCE, NULL, OPTF_COMMON,
	  "stop the instance's running daemon first",
	  NULL },
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_down = {
	.verb = "down",
	.usage = "Usage: xdpgw down [--external IF] [--force] [--pin-root DIR]\n"
		"\n"
		"Detach xdpgw's XDP programs and tc filter from IF and remove the\n"
		"instance's pinned maps: an instance left by `run --keep` or by a killed\n"
		"`xdpgw run`. While a daemon runs the instance, down refuses (exit 1) and\n"
		"names its pid; --force stops it with SIGTERM, as systemctl stop would,\n"
		"waits for it to detach (at most 30 s), then removes what is left.\n"
		"\n",
	.col = 22,
	.opts = down_opts,
};

static const struct opt flows_opts[] = {
	OPT_INSTANCE,
	{ "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON,
	  "a JSON array of objects instead of text",
	  NULL },
	{ "proto", 0, OPT_ID_PROTO, "P", 0,
	  "only tcp, udp or icmp (echo) flows; an echo's\n"
	  "identifier shows where a port would",
	  "Only tcp, udp or icmp (echo) flows; an echo's identifier shows where a port\n"
	  "would." },
	{ "addr", 0, OPT_ID_ADDR, "ADDR", 0,
	  "only flows with ADDR as internal, external or remote address",
	  "Only flows with ADDR as internal, external or remote address." },
	{ "port", 0, OPT_ID_PORT, "PORT", 0,
	  "only flows with PORT as internal, external or remote port",
	  "Only flows with PORT as internal, external or remote port." },
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_flows = {
	.verb = "flows",
	.usage = "Usage: xdpgw flows [--external IF] [--json] [--proto tcp|udp|icmp] [--addr ADDR]\n"
		"                   [--port PORT] [--pin-root DIR]\n"
		"\n"
		"List the flows of the instance on IF: protocol, state, the internal,\n"
		"external and remote address:port, packets/bytes out and in, the age and\n"
		"the seconds until the flow expires if it stays idle.\n"
		"\n",
	.col = 22,
	.opts = flows_opts,
};

static const struct opt stats_opts[] = {
	OPT_INSTANCE,
	{ "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON,
	  "one JSON object instead of text",
	  NULL },
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_stats = {
	.verb = "stats",
	.usage = "Usage: xdpgw stats [--external IF] [--json] [--pin-root DIR]\n"
		"\n"
		"Print the packet counters of the instance on IF, one per line:\n"
		"translated, passed, and dropped packets by reason.\n"
		"\n",
	.col = 22,
	.opts = stats_opts,
};

static const struct opt watch_opts[] = {
	OPT_INSTANCE,
	{ "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON,
	  "one JSON object per line",
	  NULL },
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_watch = {
	.verb = "watch",
	.usage = "Usage: xdpgw watch [--external IF] [--json] [--pin-root DIR]\n"
		"\n"
		"Print flow events of the instance on IF as they happen, until SIGINT or\n"
		"SIGTERM: new (with the first state), state changes, expired, and refused\n"
		"(no free port, table full; a host over --max-flows-per-host at most once\n"
		"a second; a packet the filter table dropped, with the rule's number,\n"
		"at most 100 a second per CPU), each with the internal, remote and external\n"
		"address:port, i.e. the packet before and after translation.\n"
		"\n",
	.col = 22,
	.opts = watch_opts,
	.man_before = "Events are: new, state changes, expired, and refused (no free port, table\n"
		"full; a host over\n"
		".B \\-\\-max\\-flows\\-per\\-host\n"
		"at most once a second; a packet the filter table dropped, with the rule's\n"
		"number, at most 100 a second per CPU).",
};

static const struct opt status_opts[] = {
	{ "external", 'e', OPT_ID_EXTERNAL, "IF", OPTF_COMMON,
	  "only the instance on IF",
	  NULL },
	{ "json", 'j', OPT_ID_JSON, NULL, OPTF_COMMON,
	  "a JSON array of objects instead of text",
	  NULL },
	OPT_PIN_ROOT_AS_RUN,
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_status = {
	.verb = "status",
	.usage = "Usage: xdpgw status [--external IF] [--json] [--pin-root DIR]\n"
		"\n"
		"Show every xdpgw instance of this network namespace (or the one on IF):\n"
		"what it translates, its programs and how they are attached (native or\n"
		"generic XDP, the driver), the fast path per direction, the pin directory,\n"
		"flows in use against the table's size, external ports in use against the\n"
		"pool, and its daemon: pid, last sweep, the proxy's listener and backends;\n"
		"or \"kept without daemon\" after `run --keep`.\n"
		"\n",
	.col = 22,
	.opts = status_opts,
};

const struct verb_opts *const opts_verbs[] = {
	&opts_run, &opts_down, &opts_flows, &opts_stats,
	&opts_watch, &opts_status, &opts_proxy, &opts_filter,
	&opts_forward, &opts_static, &opts_pool, NULL
};
