/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The verbs of the xdpgw command and what they share. */
#ifndef XDPGW_CLI_H
#define XDPGW_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proxy.h"

/* Exit codes: only verbs (called from main) turn -errno into these. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
/* `run` stopped by SIGUSR2: the instance stays for the next run (75 is
 * EX_TEMPFAIL; the systemd unit restarts on it). */
#define EXIT_HANDOVER 75

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_static(int argc, char **argv);
int cmd_pool(int argc, char **argv);

/* Options every verb takes: the interface, the pin root, -v. */
struct common_opts {
	const char *ifname;
	const char *pin_root;
	int verbose;
};

/* What `xdpgw run --config FILE` read besides the NAT's options. */
struct run_conf {
	const char *path; /* NULL: no file */
	char *text; /* the file, which the options read from it point into */
	bool have_proxy; /* it has a [proxy] section ... */
	struct proxy_cfg proxy; /* ... checked, to run in the same daemon */
	uint64_t nat_hash; /* of the NAT's lines: a change applies at the next run */
	bool have_metrics; /* --metrics ADDR:PORT (a run option, on the line or in FILE) */
	struct sockaddr_in metrics;
};

struct instance_cfg;
/* Parse `xdpgw run`'s arguments, and the file of --config (which they
 * override), into common and cfg (which holds the defaults) and conf (zeroed;
 * the caller frees conf->text). Returns -1 to go on, else the exit code
 * (help, usage error, or a bad file).
 */
int run_parse_args(int argc, char **argv, struct common_opts *common,
		   struct instance_cfg *cfg, bool *have_ext_ip, struct run_conf *conf);

/* What a verb that works on an existing instance may be given. */
struct verb_args {
	struct common_opts c;
	bool json; /* -j, --json */
	const char *proto; /* --proto tcp|udp */
	const char *addr; /* --addr A.B.C.D */
	const char *port; /* --port N */
	bool force; /* --force */
};

#define VERB_JSON 0x1 /* accepts --json */
#define VERB_FILTERS 0x2 /* accepts --proto, --addr, --port */
#define VERB_FORCE 0x4 /* accepts --force */
#define VERB_ALL 0x8 /* without --external: every instance (no pick) */

/* Parse -e/--external, --pin-root, -v, -h and the options `allowed` names.
 * Without --external, the interface is that of the one instance pinned for
 * this netns; with none or several, say which exist. Returns -1 to go on,
 * else the exit code (help shown, usage error, no or several instances).
 */
int cli_parse_verb(int argc, char **argv, const char *usage, unsigned int allowed,
		   struct verb_args *args);

/* Resolve the instance directory of opts->ifname in this netns, printing
 * why when it cannot (no bpffs, bad name). Also points libxdp at the same
 * bpffs. Returns 0 or -errno.
 */
int cli_instance_dir(const struct common_opts *opts, char *dir, size_t len);
/* The interfaces with an instance in this netns, sorted: the first max in
 * names, their directory's parent in dir. How many there are, or -errno
 * (printed).
 */
int cli_instances(const struct common_opts *opts, char (*names)[NAME_MAX + 1], int max,
		  char *dir, size_t len);
/* Open map `name` of the instance on opts->ifname; prints "no xdpgw
 * instance on IF: cannot open map PATH" when there is none. fd or -errno.
 */
int cli_open_map(const struct common_opts *opts, const char *name);
/* Apply -v count to the log level. */
void cli_set_verbosity(int verbose);

#endif
