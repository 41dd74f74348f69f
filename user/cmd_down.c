// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw down: remove an instance whose daemon is gone. */
#include <errno.h>
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

int cmd_down(int argc, char **argv)
{
	struct verb_args args = {};
	struct common_opts *common = &args.c;
	char dir[PATH_MAX];
	int ret, ifindex, err;

	ret = cli_parse_verb(argc, argv, down_usage, 0, &args);
	if (ret >= 0)
		return ret;
	ifindex = iface_index(common->ifname);
	if (ifindex < 0) {
		pr_warn("interface '%s' not found\n", common->ifname);
		return EXIT_FAIL;
	}
	if (cli_instance_dir(common, dir, sizeof(dir)))
		return EXIT_FAIL;
	err = instance_remove(dir, ifindex);
	if (err == -ENOENT) {
		pr_warn("no xdpgw instance on '%s' (no program attached, no pins in %s)\n",
			common->ifname, dir);
		return EXIT_FAIL;
	}
	pr_info("xdpgw: %s: instance removed\n", common->ifname);
	return EXIT_OK;
}
