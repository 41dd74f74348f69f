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

enum verb_result cmd_stats(int argc, char **argv)
{
	struct verb_args args = {};
	__u64 totals[STAT__MAX];
	int ret, fd, err, i;

	ret = cli_parse_verb(argc, argv, &opts_stats, false, &args);
	if (ret != VERB_OK)
		return ret;
	fd = cli_open_map(&args.c, XDPGW_MAP_STATS);
	if (fd < 0)
		return VERB_RUNTIME;
	err = stats_read(fd, totals);
	close(fd);
	if (err) {
		pr_warn("reading map " XDPGW_MAP_STATS " of '%s' failed: %s\n", args.c.ifname,
			strerror(-err));
		return VERB_RUNTIME;
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
	return VERB_OK;
}
