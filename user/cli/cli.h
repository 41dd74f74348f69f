/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The verbs of the xdpgw command and what they share. */
#ifndef XDPGW_CLI_H
#define XDPGW_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "opts.h"

/* How a verb ends; main turns it into the exit status. */
enum verb_result {
	VERB_OK, /* exit 0; to a parser: go on */
	VERB_HELP, /* exit 0: --help printed, nothing else to do */
	VERB_USAGE, /* exit 2: the command line is wrong (said why, with the usage) */
	VERB_CONFIG, /* exit 1: a config file or a setting cannot be used (said why) */
	VERB_RUNTIME, /* exit 1: the system refused or failed (said why) */
	VERB_HANDOVER, /* exit 75: `run` stopped by SIGUSR2, the instance stays
			* for the next run (EX_TEMPFAIL; the systemd unit restarts on it) */
};

struct verb {
	const char *name;
	enum verb_result (*run)(int argc, char **argv);
	const char *summary;
};

enum verb_result cmd_run(int argc, char **argv);
enum verb_result cmd_down(int argc, char **argv);
enum verb_result cmd_stats(int argc, char **argv);
enum verb_result cmd_flows(int argc, char **argv);
enum verb_result cmd_watch(int argc, char **argv);
enum verb_result cmd_proxy(int argc, char **argv);
enum verb_result cmd_status(int argc, char **argv);
enum verb_result cmd_filter(int argc, char **argv);
enum verb_result cmd_forward(int argc, char **argv);
enum verb_result cmd_static(int argc, char **argv);
enum verb_result cmd_pool(int argc, char **argv);

/* Options every verb takes: the interface, the pin root, -v. */
struct common_opts {
	const char *ifname;
	const char *pin_root;
	int verbose;
};

/* What a verb that works on an existing instance may be given. */
struct verb_args {
	struct common_opts c;
	bool json; /* -j, --json */
	const char *proto; /* --proto tcp|udp */
	const char *addr; /* --addr A.B.C.D */
	const char *port; /* --port N */
	bool force; /* --force */
	const char *at; /* --at N (filter add) */
	/* The words besides the options (cli_parse_verb_words), in order. */
	char **words;
	int nwords;
};

/* Parse argv by v's table: -e/--external, --pin-root, -v, -h and the
 * verb's own. Without --external, and unless all (every instance), the
 * interface is that of the one instance pinned for this netns; with none or
 * several, say which exist. VERB_OK to go on, VERB_HELP, or the failure.
 */
enum verb_result cli_parse_verb(int argc, char **argv, const struct verb_opts *v, bool all,
				struct verb_args *args);

/* The same for a verb whose command is words (filter add allow tcp 22):
 * options may stand anywhere among them; the words, in order, go to
 * args->words.
 */
enum verb_result cli_parse_verb_words(int argc, char **argv, const struct verb_opts *v,
				      struct verb_args *args);

/* One writer at a time of the rule tables of the instance on ifname (an
 * abstract unix socket of this netns, named after what, that the kernel
 * releases with the process). Waits up to 2 s; the fd to close when done, or
 * -errno (said).
 */
int cli_writer_lock(const char *what, const char *ifname);

/* The first pass over the argv of a verb with a config file (run, proxy):
 * --help (printed: VERB_HELP), an unknown option or a stray argument
 * (VERB_USAGE, said), FILE of --config into *config, the count of -v into
 * *verbose. VERB_OK to go on.
 */
enum verb_result cli_scan_args(int argc, char **argv, const struct verb_opts *v,
			       const char **config, int *verbose);

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
