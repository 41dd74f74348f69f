// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "log.h"
#include "pin.h"

void cli_set_verbosity(int verbose)
{
	log_set_level(verbose >= 2 ? LOG_LIBBPF_DEBUG : verbose ? LOG_DEBUG : LOG_INFO);
}

/* The pin root and the name of this netns, printing why when there is no
 * bpffs. Points libxdp at the same bpffs.
 */
static int cli_where(const struct common_opts *opts, char *root, size_t rlen, char *netns,
		     size_t nlen)
{
	int err;

	err = pin_root_choose(opts->pin_root, path_is_bpffs, root, rlen);
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
	err = netns_name(netns, nlen);
	if (err) {
		pr_warn("cannot name the current network namespace: %s\n", strerror(-err));
		return err;
	}
	/* libxdp keeps its dispatcher pins in a bpffs of its own choosing;
	 * make it the one we use, which is visible where we are.
	 */
	setenv("LIBXDP_BPFFS", root, 0);
	return 0;
}

int cli_instance_dir(const struct common_opts *opts, char *dir, size_t len)
{
	char root[PATH_MAX], netns[256];
	int err;

	err = cli_where(opts, root, sizeof(root), netns, sizeof(netns));
	if (err)
		return err;
	err = instance_dir(dir, len, root, netns, opts->ifname);
	if (err) {
		pr_warn("interface name '%s' cannot be used in a pin path\n", opts->ifname);
		return err;
	}
	pr_debug("instance directory %s\n", dir);
	return 0;
}

#define PICK_MAX 16

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int cli_instances(const struct common_opts *opts, char (*names)[NAME_MAX + 1], int max,
		  char *dir, size_t len)
{
	char root[PATH_MAX], netns[256];
	int n;

	if (cli_where(opts, root, sizeof(root), netns, sizeof(netns)))
		return -ENOENT;
	snprintf(dir, len, "%s/%s", root, netns);
	n = pin_list_instances(dir, names, max);
	if (n < 0)
		pr_warn("cannot read %s: %s\n", dir, strerror(-n));
	else
		qsort(names, n < max ? n : max, sizeof(names[0]), cmp_name);
	return n;
}

/* No --external: the one instance of this netns, else say which exist.
 * -1 to go on (opts->ifname set), else the exit code.
 */
static int cli_pick_instance(const char *verb, struct common_opts *opts)
{
	static char names[PICK_MAX][NAME_MAX + 1];
	char dir[PATH_MAX + 256];
	char list[PICK_MAX * (NAME_MAX + 3)] = "";
	size_t used = 0;
	int n, i;

	n = cli_instances(opts, names, PICK_MAX, dir, sizeof(dir));
	if (n < 0)
		return EXIT_FAIL;
	if (n == 1) {
		opts->ifname = names[0];
		pr_debug("the one instance in this network namespace is on %s\n", names[0]);
		return -1;
	}
	if (!n) {
		fprintf(stderr,
			"xdpgw %s: no xdpgw instance in this network namespace (none pinned in %s);\n"
			"start one with `xdpgw run`, or name the interface with --external IF\n",
			verb, dir);
		return EXIT_FAIL;
	}
	for (i = 0; i < n && i < PICK_MAX; i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 names[i]);
	fprintf(stderr,
		"xdpgw %s: %d xdpgw instances in this network namespace, on %s%s;\n"
		"name one with --external IF\n",
		verb, n, list, n > PICK_MAX ? ", ..." : "");
	return EXIT_USAGE;
}

int cli_open_map(const struct common_opts *opts, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int fd;

	if (cli_instance_dir(opts, dir, sizeof(dir)))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		pr_warn("no xdpgw instance on '%s': cannot open map %s: %s\n", opts->ifname, path,
			strerror(-fd));
	}
	return fd;
}

int cli_parse_verb(int argc, char **argv, const char *usage, unsigned int allowed,
		   struct verb_args *args)
{
	enum { OPT_PIN_ROOT = 256, OPT_PROTO, OPT_ADDR, OPT_PORT, OPT_FORCE };
	static const struct option options[] = {
		{ "external", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "addr", required_argument, NULL, OPT_ADDR },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:jvh", options, NULL)) != -1) {
		switch (opt) {
		case 'e':
			args->c.ifname = optarg;
			continue;
		case OPT_PIN_ROOT:
			args->c.pin_root = optarg;
			continue;
		case 'v':
			args->c.verbose++;
			continue;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case 'j':
			args->json = true;
			if (allowed & VERB_JSON)
				continue;
			break;
		case OPT_PROTO:
			args->proto = optarg;
			if (allowed & VERB_FILTERS)
				continue;
			break;
		case OPT_ADDR:
			args->addr = optarg;
			if (allowed & VERB_FILTERS)
				continue;
			break;
		case OPT_PORT:
			args->port = optarg;
			if (allowed & VERB_FILTERS)
				continue;
			break;
		case OPT_FORCE:
			args->force = true;
			if (allowed & VERB_FORCE)
				continue;
			break;
		}
		/* an option this verb does not take, or getopt's '?' */
		if (opt != '?') {
			const struct option *o = options;

			while (o->name && o->val != opt)
				o++;
			fprintf(stderr, "xdpgw %s: option '--%s' is not for this verb\n", argv[0],
				o->name);
		}
		goto usage;
	}
	if (optind < argc) {
		fprintf(stderr, "xdpgw %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		goto usage;
	}
	cli_set_verbosity(args->c.verbose);
	if (args->c.ifname || (allowed & VERB_ALL))
		return -1;
	return cli_pick_instance(argv[0], &args->c);
usage:
	fputs(usage, stderr);
	return EXIT_USAGE;
}
