// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "log.h"
#include "pin.h"

void cli_set_verbosity(int verbose)
{
	log_set_level(verbose >= 2 ? LOG_LIBBPF_DEBUG : verbose ? LOG_DEBUG : LOG_INFO);
}

int cli_instance_dir(const struct common_opts *opts, char *dir, size_t len)
{
	char root[PATH_MAX], netns[256];
	int err;

	err = pin_root_choose(opts->pin_root, path_is_bpffs, root, sizeof(root));
	if (err == -ENOTDIR) {
		pr_warn("--pin-root %s: not a directory on a bpffs\n", opts->pin_root);
		return err;
	}
	if (err == -ENOENT) {
		pr_warn("no bpffs found at %s or %s. Mount one: `mount -t bpf bpf %s`;\n"
			"under `ip netns exec` (which hides /sys/fs/bpf) mount one outside /sys\n"
			"from the host namespace: `mkdir -p %s && mount -t bpf bpf %s`; or pass --pin-root\n",
			PIN_ROOT_SYS_BPFFS, PIN_ROOT_RUN, PIN_ROOT_SYS_BPFFS, PIN_ROOT_RUN,
			PIN_ROOT_RUN);
		return err;
	}
	if (err)
		return err;
	err = netns_name(netns, sizeof(netns));
	if (err) {
		pr_warn("cannot name the current network namespace: %s\n", strerror(-err));
		return err;
	}
	err = instance_dir(dir, len, root, netns, opts->ifname);
	if (err) {
		pr_warn("interface name '%s' cannot be used in a pin path\n", opts->ifname);
		return err;
	}
	/* libxdp keeps its dispatcher pins in a bpffs of its own choosing;
	 * make it the one we use, which is visible where we are.
	 */
	setenv("LIBXDP_BPFFS", root, 0);
	pr_debug("instance directory %s\n", dir);
	return 0;
}

int cli_parse_common(int argc, char **argv, const char *usage,
		     struct common_opts *opts, bool *json)
{
	static const struct option options[] = {
		{ "external", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-root", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, json ? "e:jvh" : "e:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'e':
			opts->ifname = optarg;
			break;
		case 'j':
			if (!json)
				goto usage;
			*json = true;
			break;
		case 'P':
			opts->pin_root = optarg;
			break;
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdpgw %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		goto usage;
	}
	if (!opts->ifname) {
		fprintf(stderr, "xdpgw %s: --external IF is required\n", argv[0]);
		goto usage;
	}
	cli_set_verbosity(opts->verbose);
	return -1;
usage:
	fputs(usage, stderr);
	return EXIT_USAGE;
}
