// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw: an eBPF NAT gateway. Dispatches to one verb per command. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "opts.h"

/* Exit status: 0 ok, 1 failure, 2 usage error, 75 handed over (cli.h). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_HANDOVER 75

static const struct verb verbs[] = {
	{ "run", cmd_run, "attach to an interface and translate until stopped" },
	{ "down", cmd_down, "detach and unpin an instance left behind" },
	{ "flows", cmd_flows, "list the NAT table's flows, like conntrack -L" },
	{ "status", cmd_status, "show the instances of this namespace at a glance" },
	{ "stats", cmd_stats, "print the global packet counters" },
	{ "watch", cmd_watch, "print flow events as they happen" },
	{ "proxy", cmd_proxy, "HTTP reverse proxy and load balancer (L7)" },
	{ "filter", cmd_filter, "the inbound filter table: add, del, list, default" },
	{ "forward", cmd_forward, "add, delete or list port forwards (DNAT)" },
	{ "static", cmd_static, "add, delete or list static 1:1 NAT mappings" },
	{ "pool", cmd_pool, "add, delete or list the addresses of the pool" },
};

static int exit_status(enum verb_result r)
{
	switch (r) {
	case VERB_OK:
	case VERB_HELP:
		return EXIT_OK;
	case VERB_USAGE:
		return EXIT_USAGE;
	case VERB_HANDOVER:
		return EXIT_HANDOVER;
	case VERB_CONFIG:
	case VERB_RUNTIME:
		break;
	}
	return EXIT_FAIL;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: xdpgw VERB [OPTIONS]\n\n"
		     "NAT gateway for Linux in eBPF: XDP on ingress, tc on egress of the\n"
		     "external interface, the NAT table in pinned BPF maps.\n\nVerbs:\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n`xdpgw VERB --help` shows the options of a verb.\n"
		     "Exit status: 0 ok, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	log_setup_libs();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	/* Not in the usage: what docs/xdpgw.8 and the tests are checked against. */
	if (!strcmp(argv[1], "--man-options")) {
		opts_man(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--conf-keys")) {
		opts_conf_keys(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return exit_status(verbs[i].run(argc - 1, argv + 1));
	pr_warn("unknown verb '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
