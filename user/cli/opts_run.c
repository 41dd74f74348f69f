// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `xdpgw run`'s options: getopt, --help, [nat] keys, xdpgw(8) (opts.h). */
#include <stddef.h>
#include "opts.h"

static const struct opt run_opts[] = {
	{ "external", 'e', OPT_ID_EXTERNAL, "IF", OPTF_CONF | OPTF_COMMON,
	  "external interface (required)",
	  NULL },
	{ "internal", 'i', OPT_ID_INTERNAL, "CIDR", OPTF_CONF,
	  "internal prefix to translate, e.g. 10.100.20.0/24 (required)",
	  "The internal prefix to translate, e.g. 10.100.20.0/24 (required)." },
	{ "external-ip", 0, OPT_ID_EXTERNAL_IP, "ADDR", OPTF_CONF,
	  "address to translate to (default: IF's first IPv4 address)",
	  "The address to translate to (default: the external interface's first IPv4\n"
	  "address)." },
	{ "internal-if", 0, OPT_ID_INTERNAL_IF, "IF", OPTF_CONF,
	  "the internal interface, where the fast path's XDP\n"
	  "program goes (default: the interface the routing\n"
	  "table sends the internal prefix to)",
	  "The internal interface, where the fast path's XDP program goes (default: the\n"
	  "interface the routing table sends the internal prefix to)." },
	{ "no-fast-path", 0, OPT_ID_NO_FAST_PATH, NULL, OPTF_CONF,
	  "every packet through the kernel stack; nothing is\n"
	  "attached to the internal interface",
	  "Every packet through the kernel stack; nothing is attached to the internal\n"
	  "interface." },
	{ "ports", 0, OPT_ID_PORTS, "LO-HI", OPTF_CONF,
	  "external port range (default 1024-65535)",
	  "The external port range (default 1024\\-65535)." },
	{ "max-flows", 0, OPT_ID_MAX_FLOWS, "N", OPTF_CONF,
	  "NAT table size in flows (default 262144)",
	  "The NAT table's size in flows (default 262144)." },
	{ "max-flows-per-host", 0, OPT_ID_MAX_FLOWS_PER_HOST, "N", OPTF_CONF,
	  "flows one internal address may hold at once\n"
	  "(default: a quarter of --max-flows); more are\n"
	  "dropped, counted as drop_host_limit",
	  "Flows one internal address may hold at once (default: a quarter of\n"
	  ".BR \\-\\-max\\-flows );\n"
	  "more are dropped and counted as drop_host_limit." },
	{ "filtering", 0, OPT_ID_FILTERING, "MODE", OPTF_CONF,
	  "which inbound packets to a mapped external port\n"
	  "are let in (RFC 4787): address-port-dependent\n"
	  "(default: replies to where a flow went),\n"
	  "address-dependent (from any port of an address\n"
	  "the internal endpoint sent to), endpoint-independent\n"
	  "(from anywhere). Mapping is always endpoint-\n"
	  "independent: one external port per internal\n"
	  "address:port, whatever the destination",
	  "Which inbound packets to a mapped external port, of no flow yet, are let\n"
	  "in (RFC 4787):\n"
	  ".B address\\-port\\-dependent\n"
	  "(the default: only replies from where a flow went),\n"
	  ".B address\\-dependent\n"
	  "(from any port of an address the internal endpoint sent to) or\n"
	  ".B endpoint\\-independent\n"
	  "(from anywhere).\n"
	  "Mapping is always endpoint-independent: one external port per internal\n"
	  "address and port, whatever the destination." },
	{ "timeout", 0, OPT_ID_TIMEOUT, "STATE=S", OPTF_CONF,
	  "idle timeout of flows in STATE, seconds; repeatable.\n"
	  "States and defaults: syn_sent=120 syn_recv=60\n"
	  "established=432000 fin_out=120 fin_in=120\n"
	  "time_wait=120 closed=10 udp_unreplied=30\n"
	  "udp_assured=180 icmp_echo=30 tcp_pickup=300\n"
	  "(made by a packet other than a SYN, until the\n"
	  "other side answers). Expired flows are\n"
	  "swept every second.",
	  "Idle timeout of flows in STATE, in seconds; repeatable.\n"
	  "The states and their defaults: syn_sent=120 syn_recv=60 established=432000\n"
	  "fin_out=120 fin_in=120 time_wait=120 closed=10 udp_unreplied=30\n"
	  "udp_assured=180 icmp_echo=30 tcp_pickup=300 (a TCP flow made by a packet\n"
	  "other than a SYN, until the other side answers).\n"
	  "Expired flows are swept every second." },
	{ "route-inbound", 0, OPT_ID_ROUTE_INBOUND, NULL, OPTF_CONF,
	  "route packets from outside to the internal prefix\n"
	  "in, as the kernel would; by default they are\n"
	  "dropped (drop_inbound)",
	  "Route packets from outside to the internal prefix in, as the kernel would;\n"
	  "by default they are dropped (drop_inbound)." },
	{ "no-anti-spoof", 0, OPT_ID_NO_ANTI_SPOOF, NULL, OPTF_CONF,
	  "let packets from the internal interface leave with\n"
	  "a source outside the internal prefix; by default\n"
	  "they are dropped (drop_spoofed, BCP 38)",
	  "Let packets from the internal interface leave with a source outside the\n"
	  "internal prefix; by default they are dropped (drop_spoofed, BCP 38)." },
	{ "metrics", 0, OPT_ID_METRICS, "ADDR:PORT", OPTF_CONF,
	  "serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	  "(counters, flows by state, ports, sweep time)",
	  "Serve Prometheus metrics on http://ADDR:PORT/metrics: every counter of\n"
	  ".BR stats ,\n"
	  "flows by protocol and state, ports in use, the table's size, the sweep's\n"
	  "duration." },
	{ "keep", 0, OPT_ID_KEEP, NULL, OPTF_CONF,
	  "on exit leave the programs attached and the maps\n"
	  "pinned: translation goes on, flows are kept for the\n"
	  "next `run` (nothing expires meanwhile)",
	  "On exit leave the programs attached and the maps pinned: translation goes on\n"
	  "and the flows are kept for the next\n"
	  ".BR run ." },
	{ "pin-root", 0, OPT_ID_PIN_ROOT, "DIR", OPTF_CONF | OPTF_COMMON,
	  "bpffs directory for pins (default /sys/fs/bpf/xdpgw,\n"
	  "else /run/xdpgw); maps go to DIR/NETNS/IF/",
	  NULL },
	{ "config", 0, OPT_ID_CONFIG, "FILE", 0,
	  "options from FILE, as below; those on the command\n"
	  "line win over the file's",
	  "Read options from FILE (see\n"
	  ".BR \"CONFIGURATION FILE\" );\n"
	  "options on the command line win over the file's." },
	{ "verbose", 'v', OPT_ID_VERBOSE, NULL, OPTF_COMMON,
	  "more output; twice for libbpf/libxdp debug",
	  NULL },
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_run = {
	.verb = "run",
	.usage = "Usage: xdpgw run --external IF --internal CIDR [OPTIONS]\n"
		"       xdpgw run --config FILE [OPTIONS]\n"
		"\n"
		"Translate TCP, UDP and ICMP echo from the internal prefix leaving IF to\n"
		"IF's address (NAPT), and replies and ICMP errors back. Stays in the\n"
		"foreground; SIGINT or SIGTERM detaches everything and removes the pinned\n"
		"maps, unless --keep. SIGUSR2 hands the instance over: it stays attached\n"
		"and pinned, as with --keep, and run exits 75 (for an upgrade).\n"
		"An instance left by `run --keep` is taken over, flows and all, when\n"
		"the options ask for the same translation.\n"
		"\n",
	.after = "\n"
		"FILE has \"name value\" lines (# starts a comment): at its top or under\n"
		"[nat], the options above without their dashes (\"keep\" alone for --keep);\n"
		"under [proxy], the options of `xdpgw proxy` (see its --help). With a\n"
		"[proxy] section the HTTP proxy runs in this daemon: it starts once the NAT\n"
		"is attached, and on SIGINT or SIGTERM it finishes the requests in flight\n"
		"before the NAT is detached. SIGHUP reads FILE again: its [proxy] section\n"
		"replaces the proxy's backends and settings without dropping a connection\n"
		"(a bad FILE keeps the running ones); changed NAT options apply at the next\n"
		"run. For example:\n"
		"\n"
		"    external eth0\n"
		"    internal 10.100.20.0/24\n"
		"    timeout udp_unreplied=10\n"
		"\n"
		"    [proxy]\n"
		"    listen 203.0.113.1:80\n"
		"    backend 10.100.20.57:80\n"
		"    backend 10.100.20.58:80,weight=2\n",
	.col = 26,
	.opts = run_opts,
};
