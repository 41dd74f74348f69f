// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "log.h"
#include "opts.h"
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

/* No --external: the one instance of this netns (opts->ifname set), else
 * say which exist.
 */
static enum verb_result cli_pick_instance(const char *verb, struct common_opts *opts)
{
	static char names[PICK_MAX][NAME_MAX + 1];
	char dir[PATH_MAX + 256];
	char list[PICK_MAX * (NAME_MAX + 3)] = "";
	size_t used = 0;
	int n, i;

	n = cli_instances(opts, names, PICK_MAX, dir, sizeof(dir));
	if (n < 0)
		return VERB_RUNTIME;
	if (n == 1) {
		opts->ifname = names[0];
		pr_debug("the one instance in this network namespace is on %s\n", names[0]);
		return VERB_OK;
	}
	if (!n) {
		fprintf(stderr,
			"xdpgw %s: no xdpgw instance in this network namespace (none pinned in %s);\n"
			"start one with `xdpgw run`, or name the interface with --external IF\n",
			verb, dir);
		return VERB_RUNTIME;
	}
	for (i = 0; i < n && i < PICK_MAX; i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 names[i]);
	fprintf(stderr,
		"xdpgw %s: %d xdpgw instances in this network namespace, on %s%s;\n"
		"name one with --external IF\n",
		verb, n, list, n > PICK_MAX ? ", ..." : "");
	return VERB_USAGE;
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

/* The verbs that work on an instance: their options, together. */
static const struct verb_opts *const instance_verbs[] = {
	&opts_down, &opts_flows, &opts_stats, &opts_watch, &opts_status, &opts_filter,
	&opts_forward, &opts_static, &opts_pool,
};

/* getopt's tables for every option of instance_verbs, each once; a long
 * option's val is OPT_VAL_BASE plus its id, a short one's its letter.
 */
static void union_getopt(struct option *longs, char *shorts)
{
	const struct opt *o;
	size_t v, i, n = 0;

	for (v = 0; v < sizeof(instance_verbs) / sizeof(instance_verbs[0]); v++)
		for (o = instance_verbs[v]->opts; o->name; o++) {
			for (i = 0; i < n && strcmp(longs[i].name, o->name); i++)
				;
			if (i < n || n == OPTS_MAX - 1)
				continue;
			longs[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						      NULL, o->short_name ?: OPT_VAL_BASE + o->id };
			if (o->short_name) {
				*shorts++ = o->short_name;
				if (o->arg)
					*shorts++ = ':';
			}
		}
	longs[n] = (struct option){};
	*shorts = '\0';
}

/* The entry of v getopt's val stands for (see union_getopt), or NULL. */
static const struct opt *verb_opt(const struct verb_opts *v, int val)
{
	const struct opt *o;

	for (o = v->opts; o->name; o++)
		if (o->short_name ? o->short_name == val : OPT_VAL_BASE + o->id == val)
			return o;
	return NULL;
}

/* Apply the option o of v's table with getopt's optarg. */
static void verb_set(struct verb_args *args, const struct opt *o)
{
	switch (o->id) {
	case OPT_ID_EXTERNAL:
		args->c.ifname = optarg;
		break;
	case OPT_ID_PIN_ROOT:
		args->c.pin_root = optarg;
		break;
	case OPT_ID_VERBOSE:
		args->c.verbose++;
		break;
	case OPT_ID_JSON:
		args->json = true;
		break;
	case OPT_ID_PROTO:
		args->proto = optarg;
		break;
	case OPT_ID_ADDR:
		args->addr = optarg;
		break;
	case OPT_ID_PORT:
		args->port = optarg;
		break;
	case OPT_ID_FORCE:
		args->force = true;
		break;
	case OPT_ID_AT:
		args->at = optarg;
		break;
	}
}

/* Say what is wrong with the command line, then the usage. */
static enum verb_result verb_usage_error(const struct verb_opts *v, const char *fmt,
					 const char *arg)
{
	fprintf(stderr, "xdpgw %s: ", v->verb);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	opts_usage(stderr, v);
	return VERB_USAGE;
}

enum verb_result cli_scan_args(int argc, char **argv, const struct verb_opts *v,
			       const char **config, int *verbose)
{
	struct option longs[OPTS_MAX];
	char shorts[3 * OPTS_MAX];
	const struct opt *o;
	int val;

	opts_getopt(v, longs, shorts);
	optind = 1;
	opterr = 1;
	while ((val = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (val == '?') { /* getopt said why */
			opts_usage(stderr, v);
			return VERB_USAGE;
		}
		o = opts_by_val(v, val);
		if (o->id == OPT_ID_HELP) {
			opts_usage(stdout, v);
			return VERB_HELP;
		}
		if (o->id == OPT_ID_CONFIG)
			*config = optarg;
		*verbose += o->id == OPT_ID_VERBOSE;
	}
	if (optind < argc)
		return verb_usage_error(v, "unexpected argument '%s'", argv[optind]);
	return VERB_OK;
}

static enum verb_result parse_verb(int argc, char **argv, const struct verb_opts *v, bool all,
				   bool words, struct verb_args *args)
{
	struct option longs[OPTS_MAX];
	char shorts[3 * OPTS_MAX];
	const struct opt *o;
	int val, i;

	union_getopt(longs, shorts);
	optind = 1;
	while ((val = getopt_long(argc, argv, shorts, longs, &i)) != -1) {
		if (val == '?') { /* getopt said why */
			opts_usage(stderr, v);
			return VERB_USAGE;
		}
		o = verb_opt(v, val);
		if (!o) {
			for (i = 0; longs[i].val != val; i++)
				;
			return verb_usage_error(v, "option '--%s' is not for this verb",
						longs[i].name);
		}
		if (o->id == OPT_ID_HELP) {
			opts_usage(stdout, v);
			return VERB_HELP;
		}
		verb_set(args, o);
	}
	if (words) { /* getopt moved them behind the options, in order */
		args->words = argv + optind;
		args->nwords = argc - optind;
	} else if (optind < argc) {
		return verb_usage_error(v, "unexpected argument '%s'", argv[optind]);
	}
	cli_set_verbosity(args->c.verbose);
	if (args->c.ifname || all)
		return VERB_OK;
	return cli_pick_instance(v->verb, &args->c);
}

enum verb_result cli_parse_verb(int argc, char **argv, const struct verb_opts *v, bool all,
				struct verb_args *args)
{
	return parse_verb(argc, argv, v, all, false, args);
}

enum verb_result cli_parse_verb_words(int argc, char **argv, const struct verb_opts *v,
				      struct verb_args *args)
{
	return parse_verb(argc, argv, v, false, true, args);
}

int cli_writer_lock(const char *what, const char *ifname)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 +
			snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "xdpgw-%s/%s", what,
				 ifname);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), waited;

	if (fd < 0)
		return -errno;
	for (waited = 0; bind(fd, (struct sockaddr *)&sa, len); waited += 10) {
		if (errno != EADDRINUSE || waited >= 2000) {
			pr_warn("another `xdpgw %s` is changing the rules of '%s'\n", what, ifname);
			close(fd);
			return -EBUSY;
		}
		nanosleep(&tick, NULL);
	}
	return fd;
}
