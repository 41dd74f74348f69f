// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
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
