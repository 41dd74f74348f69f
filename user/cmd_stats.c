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

static const char stats_usage[] =
	"Usage: xdpgw stats --external IF [--json] [--pin-root DIR]\n"
	"\n"
	"Print the packet counters of the instance on IF, one per line:\n"
	"translated, passed, and dropped packets by reason.\n"
	"\n"
	"  -e, --external IF   external interface (required)\n"
	"  -j, --json          one JSON object instead of text\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n";

/* Sum a per-CPU array into totals[STAT__MAX]. */
static int read_stats(int fd, __u64 *totals)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 key;
	int cpu;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < STAT__MAX; key++) {
		totals[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals)) {
			free(vals);
			return -errno;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			totals[key] += vals[cpu];
	}
	free(vals);
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct common_opts common = {};
	char dir[PATH_MAX], path[PATH_MAX + 16];
	__u64 totals[STAT__MAX];
	bool json = false;
	int ret, fd, err, i;

	ret = cli_parse_common(argc, argv, stats_usage, &common, &json);
	if (ret >= 0)
		return ret;
	if (cli_instance_dir(&common, dir, sizeof(dir)))
		return EXIT_FAIL;
	snprintf(path, sizeof(path), "%s/" XDPGW_MAP_STATS, dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		pr_warn("no xdpgw instance on '%s': cannot open map %s: %s\n", common.ifname,
			path, strerror(errno));
		return EXIT_FAIL;
	}
	err = read_stats(fd, totals);
	close(fd);
	if (err) {
		pr_warn("reading map %s failed: %s\n", path, strerror(-err));
		return EXIT_FAIL;
	}
	if (json)
		putchar('{');
	for (i = 0; i < STAT__MAX; i++) {
		if (json)
			printf("%s\"%s\":%llu", i ? "," : "", xdpgw_stat_names[i],
			       (unsigned long long)totals[i]);
		else
			printf("%-24s %llu\n", xdpgw_stat_names[i], (unsigned long long)totals[i]);
	}
	if (json)
		puts("}");
	return EXIT_OK;
}
