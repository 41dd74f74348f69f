/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `xdpgw run`'s configuration: its command line (opts_run's table) merged
 * over the file of --config, whose [proxy] section is the proxy's.
 */
#ifndef XDPGW_RUN_CONF_H
#define XDPGW_RUN_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "cli.h"
#include "instance.h"
#include "proxy.h"
#include "run_rules.h"

/* What `xdpgw run --config FILE` read besides the NAT's options. */
struct run_conf {
	const char *path; /* NULL: no file */
	char *text; /* the file, which the options read from it point into */
	bool have_proxy; /* it has a [proxy] section ... */
	struct proxy_cfg proxy; /* ... checked, to run in the same daemon */
	uint64_t nat_hash; /* of the NAT's lines: a change applies at the next run */
	bool have_metrics; /* --metrics ADDR:PORT (a run option, on the line or in FILE) */
	struct sockaddr_in metrics;
	struct run_rules rules; /* [forward], [static], [pool], [filter] */
};

/* Parse `xdpgw run`'s arguments, and the file of --config (which they
 * override), into common and cfg (which holds the defaults) and conf (zeroed;
 * the caller frees conf->text). VERB_OK to go on, VERB_HELP, VERB_USAGE,
 * or VERB_CONFIG (a bad file), each said.
 */
enum verb_result run_parse_args(int argc, char **argv, struct common_opts *common,
				struct instance_cfg *cfg, bool *have_ext_ip, struct run_conf *conf);

/* SIGHUP: read conf->path again, all of it checked; a new [proxy] goes to
 * pg (may be NULL), the rule sections' changes to the instance pinned in
 * dir on ifname (conf->rules becomes the new file's), changes to the NAT's
 * other lines are only reported.
 */
void run_conf_reload(struct run_conf *conf, struct proxy_group *pg, const char *dir,
		     const char *ifname);

/* --filtering's name of mode. */
const char *filtering_name(__u8 mode);

#endif
