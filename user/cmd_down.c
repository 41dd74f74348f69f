// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw down: remove an instance whose daemon is gone. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "iface.h"
#include "instance.h"
#include "log.h"

static const char down_usage[] =
	"Usage: xdpgw down --external IF [--pin-root DIR]\n"
	"\n"
	"Detach xdpgw's XDP program and tc filter from IF and remove the instance's\n"
	"pinned maps. For an instance whose `xdpgw run` was killed; a running one\n"
	"is stopped with SIGTERM instead.\n"
	"\n"
	"  -e, --external IF   external interface (required)\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n";

static const struct option down_options[] = {
	{ "external", required_argument, NULL, 'e' },
	{ "pin-root", required_argument, NULL, 'P' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

int cmd_down(int argc, char **argv)
{
	struct common_opts common = {};
	char dir[PATH_MAX];
	int opt, ifindex, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:vh", down_options, NULL)) != -1) {
		switch (opt) {
		case 'e':
			common.ifname = optarg;
			break;
		case 'P':
			common.pin_root = optarg;
			break;
		case 'v':
			common.verbose++;
			break;
		case 'h':
			fputs(down_usage, stdout);
			return EXIT_OK;
		default:
			fputs(down_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (!common.ifname || optind < argc) {
		fprintf(stderr, "xdpgw down: --external IF is required\n%s", down_usage);
		return EXIT_USAGE;
	}
	cli_set_verbosity(common.verbose);
	ifindex = iface_index(common.ifname);
	if (ifindex < 0) {
		pr_warn("interface '%s' not found\n", common.ifname);
		return EXIT_FAIL;
	}
	if (cli_instance_dir(&common, dir, sizeof(dir)))
		return EXIT_FAIL;
	err = instance_remove(dir, ifindex);
	if (err == -ENOENT) {
		pr_warn("no xdpgw instance on '%s' (no program attached, no pins in %s)\n",
			common.ifname, dir);
		return EXIT_FAIL;
	}
	pr_info("xdpgw: %s: instance removed\n", common.ifname);
	return EXIT_OK;
}
