// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw proxy: the HTTP reverse proxy and load balancer. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "opts.h"
#include "daemon.h"
#include "log.h"
#include "proxy.h"

/* The proxy's settings from the file, then the options over it, checked.
 * VERB_OK, VERB_CONFIG (the file) or VERB_USAGE (an option, or what is
 * missing), with why in err.
 */
static enum verb_result proxy_cfg_from(struct proxy_cfg *cfg, const char *config_path,
				       int argc, char **argv, char *err, size_t errlen)
{
	struct option longs[OPTS_MAX];
	char shorts[3 * OPTS_MAX], msg[256];
	const struct opt *o;
	int val;

	proxy_cfg_defaults(cfg);
	if (config_path && proxy_cfg_load(cfg, config_path, err, errlen))
		return VERB_CONFIG;
	opts_getopt(&opts_proxy, longs, shorts);
	optind = 1;
	opterr = 0;
	while ((val = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		o = opts_by_val(&opts_proxy, val);
		if (!o || o->id != OPT_ID_PROXY_SETTING)
			continue; /* --config, -v, -h: the caller's */
		if (proxy_cfg_set(cfg, o->name, optarg, msg, sizeof(msg))) {
			snprintf(err, errlen, "--%s", msg);
			return VERB_USAGE;
		}
	}
	return proxy_cfg_check(cfg, err, errlen) ? VERB_USAGE : VERB_OK;
}

int proxy_cfg_build(struct proxy_cfg *cfg, const char *config_path, int argc, char **argv,
		    char *err, size_t errlen)
{
	return proxy_cfg_from(cfg, config_path, argc, argv, err, errlen) ? -EINVAL : 0;
}

/* What the proxy's daemon loop needs to reload and to stop. */
struct proxy_daemon {
	struct proxy_group *g;
	const char *config_path;
	int argc;
	char **argv;
};

/* SIGHUP: the file and the options again. */
static void reload(void *ctx)
{
	struct proxy_daemon *pd = ctx;
	struct proxy_cfg cfg;
	char err[512];

	if (proxy_cfg_build(&cfg, pd->config_path, pd->argc, pd->argv, err, sizeof(err)))
		pr_warn("reload: %s; keeping the running configuration\n", err);
	else
		proxy_reload(pd->g, &cfg);
}

static void stopping(void *ctx, int signo)
{
	(void)ctx;
	pr_info("signal %d: finishing requests in flight\n", signo);
}

/* The only fd besides the signals': a worker's end. */
static int worker_stopped(void *ctx, int fd, __u32 events)
{
	(void)ctx, (void)fd, (void)events;
	pr_warn("a worker stopped; stopping\n");
	return -EIO;
}

/* Run the proxy until SIGTERM or SIGINT. 0 or -errno. */
static int serve(const struct proxy_cfg *cfg, const char *config_path, int argc, char **argv)
{
	struct proxy_daemon pd = { NULL, config_path, argc, argv };
	struct daemon_loop l = { .ctx = &pd, .name = "proxy", .reload = reload,
				 .stopping = stopping, .on_event = worker_stopped };
	int err, stop;

	err = daemon_signals(&l, false);
	if (err) {
		pr_warn("signalfd: %s\n", strerror(-err));
		daemon_close(&l);
		return err;
	}
	pd.g = proxy_start(cfg, &err);
	if (pd.g) {
		err = daemon_open(&l) ?: daemon_watch(&l, proxy_exit_fd(pd.g));
		if (err)
			pr_warn("proxy: event loop failed: %s\n", strerror(-err));
		else
			err = daemon_run(&l);
		stop = proxy_stop(pd.g);
		err = err ?: stop;
	}
	daemon_close(&l);
	return err;
}

enum verb_result cmd_proxy(int argc, char **argv)
{
	const char *config_path = NULL;
	enum verb_result ret;
	struct proxy_cfg cfg;
	char err[512];
	int verbose = 0;

	ret = cli_scan_args(argc, argv, &opts_proxy, &config_path, &verbose);
	if (ret != VERB_OK)
		return ret;
	cli_set_verbosity(verbose);
	ret = proxy_cfg_from(&cfg, config_path, argc, argv, err, sizeof(err));
	if (ret != VERB_OK) {
		fprintf(stderr, "xdpgw proxy: %s\n", err);
		return ret;
	}
	return serve(&cfg, config_path, argc, argv) ? VERB_RUNTIME : VERB_OK;
}
