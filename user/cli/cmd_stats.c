// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw stats: the global counters, summed over CPUs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdpgw.h"
#include "cli.h"
#include "log.h"
#include "stats.h"

static const char stats_usage[] =
	"Usage: xdpgw stats [--external IF] [--json] [--pin-root DIR]\n"
	"\n"
	"Print the packet counters of the instance on IF, one per line:\n"
	"translated, passed, and dropped packets by reason.\n"
	"\n"
	"  -e, --external IF   external interface of the instance (default: the one\n"
	"                      instance of this network namespace)\n"
	"  -j, --json          one JSON object instead of text\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n";

int cmd_stats(int argc, char **argv)
{
	struct verb_args args = {};
	__u64 totals[STAT__MAX];
	int ret, fd, err, i;

	ret = cli_parse_verb(argc, argv, stats_usage, VERB_JSON, &args);
	if (ret >= 0)
		return ret;
	fd = cli_open_map(&args.c, XDPGW_MAP_STATS);
	if (fd < 0)
		return EXIT_FAIL;
	err = stats_read(fd, totals);
	close(fd);
	if (err) {
		pr_warn("reading map " XDPGW_MAP_STATS " of '%s' failed: %s\n", args.c.ifname,
			strerror(-err));
		return EXIT_FAIL;
	}
	if (args.json)
		putchar('{');
	for (i = 0; i < STAT__MAX; i++) {
		if (args.json)
			printf("%s\"%s\":%llu", i ? "," : "", xdpgw_stat_names[i],
			       (unsigned long long)totals[i]);
		else
			printf("%-24s %llu\n", xdpgw_stat_names[i], (unsigned long long)totals[i]);
	}
	if (args.json)
		puts("}");
	return EXIT_OK;
}
