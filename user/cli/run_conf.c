// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `xdpgw run`'s configuration: the command line over the --config file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xdpgw.h"
#include "conf_file.h"
#include "log.h"
#include "opts.h"
#include "run_conf.h"
#include "strparse.h"
#include "timeouts.h"

/* --filtering's values, by enum nat_filtering. */
static const char *const filtering_names[FILTER__MAX] = {
	[FILTER_ADDRESS_PORT_DEPENDENT] = "address-port-dependent",
	[FILTER_ADDRESS_DEPENDENT] = "address-dependent",
	[FILTER_ENDPOINT_INDEPENDENT] = "endpoint-independent",
};

static int filtering_parse(const char *s, __u8 *mode)
{
	__u8 i;

	for (i = 0; i < FILTER__MAX; i++)
		if (!strcmp(s, filtering_names[i])) {
			*mode = i;
			return 0;
		}
	return -EINVAL;
}

const char *filtering_name(__u8 mode)
{
	return filtering_names[mode < FILTER__MAX ? mode : 0];
}

static enum verb_result usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpgw run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	opts_usage(stderr, &opts_run);
	return VERB_USAGE;
}

/* Where run's options go, from the command line and from the file. */
struct run_opts {
	struct common_opts *common;
	struct instance_cfg *cfg;
	bool *have_ext_ip;
	bool have_internal;
	struct run_conf *conf;
};

/*
 * Apply one of run's options, named without its dashes, from the command
 * line or the file (value NULL for a flag). Returns 0, or -EINVAL after
 * writing why, naming the option, into err.
 */
static int run_set_option(struct run_opts *o, const char *name, const char *value, char *err,
			  size_t errlen)
{
	const struct opt *opt = opts_by_name(&opts_run, name);
	struct xdpgw_config *s = &o->cfg->settings;
	const char *bad = NULL;

	if (!opt || !(opt->flags & OPTF_CONF)) {
		snprintf(err, errlen, "unknown option '%s'", name);
		return -EINVAL;
	}
	if (!value != !opt->arg) {
		snprintf(err, errlen, value ? "%s takes no value" : "%s needs a value", name);
		return -EINVAL;
	}
	switch (opt->id) {
	case OPT_ID_EXTERNAL:
		o->common->ifname = value;
		break;
	case OPT_ID_INTERNAL:
		o->have_internal = true;
		if (parse_prefix(value, &s->internal_net, &s->internal_mask))
			bad = "not an IPv4 prefix A.B.C.D/LEN with the host bits zero";
		break;
	case OPT_ID_EXTERNAL_IP:
		*o->have_ext_ip = true;
		if (parse_ipv4_addr(value, &s->ext_addr))
			bad = "not an IPv4 address";
		break;
	case OPT_ID_PORTS:
		if (parse_port_range(value, &s->port_min, &s->port_max))
			bad = "not a range LO-HI within 1-65535";
		break;
	case OPT_ID_MAX_FLOWS:
		if (parse_u32(value, 1, 1u << 26, &s->max_flows))
			bad = "not a number from 1 to 67108864";
		break;
	case OPT_ID_MAX_FLOWS_PER_HOST:
		if (parse_u32(value, 1, 1u << 26, &s->max_flows_per_host))
			bad = "not a number from 1 to 67108864";
		break;
	case OPT_ID_PIN_ROOT:
		o->common->pin_root = value;
		break;
	case OPT_ID_KEEP:
		o->cfg->keep = true;
		break;
	case OPT_ID_INTERNAL_IF:
		o->cfg->int_ifname = value;
		break;
	case OPT_ID_NO_FAST_PATH:
		o->cfg->no_fast_path = true;
		break;
	case OPT_ID_ROUTE_INBOUND:
		s->route_inbound = 1;
		break;
	case OPT_ID_NO_ANTI_SPOOF:
		o->cfg->no_anti_spoof = true;
		break;
	case OPT_ID_METRICS:
		if (proxy_parse_addr(value, &o->conf->metrics))
			bad = "not ADDR:PORT (an IPv4 address and a port)";
		o->conf->have_metrics = !bad;
		break;
	case OPT_ID_TIMEOUT:
		if (timeout_parse(value, s))
			bad = "not STATE=SECONDS with a state `xdpgw run --help` lists";
		break;
	case OPT_ID_FILTERING:
		if (filtering_parse(value, &s->filtering))
			bad = "not endpoint-independent, address-dependent or "
			      "address-port-dependent";
		break;
	}
	if (bad)
		snprintf(err, errlen, "%s '%s': %s", name, value, bad);
	return bad ? -EINVAL : 0;
}

/* FNV-1a over a string and its terminating NUL. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	while (*s++);
	return h;
}

static int run_file_line(void *ctx, const char *section, const char *name, const char *value,
			 char *err, size_t errlen)
{
	struct run_opts *o = ctx;

	if (!strcmp(section, "proxy")) {
		o->conf->have_proxy = true;
		return name ? proxy_cfg_set(&o->conf->proxy, name, value, err, errlen) : 0;
	}
	if (!name && run_rule_section(section))
		return 0; /* its lines go to run_rule_line */
	if (*section && strcmp(section, "nat")) {
		snprintf(err, errlen,
			 "unknown section [%s]: [nat], [proxy], [forward], [static], [pool] or [filter]",
			 section);
		return -EINVAL;
	}
	if (!name)
		return 0;
	o->conf->nat_hash = hash_str(hash_str(o->conf->nat_hash, name), value ?: "");
	return run_set_option(o, name, value, err, errlen);
}

static int run_rule_line(void *ctx, const char *section, int lineno, char *line, char *err,
			 size_t errlen)
{
	struct run_opts *o = ctx;

	return run_rules_line(&o->conf->rules, section, lineno, line, err, errlen);
}

/* Read o->conf->path: the NAT's lines into o, [proxy] into conf->proxy,
 * the rule sections into conf->rules.
 */
static int run_conf_read(struct run_opts *o, char *err, size_t errlen)
{
	struct conf_handlers h = { run_file_line, run_rule_line, run_rule_sections, o };
	struct run_conf *conf = o->conf;
	char msg[256];
	int ret;

	proxy_cfg_defaults(&conf->proxy);
	conf->have_proxy = false;
	conf->nat_hash = 0xcbf29ce484222325ull;
	ret = conf_file_read_with(conf->path, &h, &conf->text, err, errlen);
	if (ret || !conf->have_proxy)
		return ret;
	ret = proxy_cfg_check(&conf->proxy, msg, sizeof(msg));
	if (!ret) /* certificates and keys: before the NAT attaches */
		ret = proxy_cfg_check_files(&conf->proxy, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "%s: [proxy]: %s", conf->path, msg);
	return ret;
}

enum verb_result run_parse_args(int argc, char **argv, struct common_opts *common,
				struct instance_cfg *cfg, bool *have_ext_ip, struct run_conf *conf)
{
	struct run_opts o = { common, cfg, have_ext_ip, false, conf };
	struct option longs[OPTS_MAX];
	char shorts[3 * OPTS_MAX], err[512];
	const struct opt *opt;
	enum verb_result ret;
	int val;

	/* --help, an unknown option and --config come first: the file is
	 * read before the other options, which win over it.
	 */
	ret = cli_scan_args(argc, argv, &opts_run, &conf->path, &common->verbose);
	if (ret != VERB_OK)
		return ret;
	if (conf->path && run_conf_read(&o, err, sizeof(err))) {
		fprintf(stderr, "xdpgw run: %s\n", err);
		return VERB_CONFIG;
	}
	opts_getopt(&opts_run, longs, shorts);
	optind = 1;
	while ((val = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		opt = opts_by_val(&opts_run, val);
		if ((opt->flags & OPTF_CONF) &&
		    run_set_option(&o, opt->name, optarg, err, sizeof(err)))
			return usage_error("--%s", err);
	}
	if (!common->ifname)
		return usage_error("%s", "--external IF is required");
	if (!o.have_internal)
		return usage_error("%s", "--internal CIDR is required");
	if (cfg->int_ifname && cfg->no_fast_path)
		return usage_error("%s", "--internal-if names the fast path's interface: not with --no-fast-path");
	return VERB_OK;
}

void run_conf_reload(struct run_conf *conf, struct proxy_group *pg, const char *dir,
		     const char *ifname)
{
	struct run_conf nc = { .path = conf->path };
	struct common_opts common = {};
	struct instance_cfg cfg = {};
	bool ext_ip = false;
	struct run_opts o = { &common, &cfg, &ext_ip, false, &nc };
	char err[512];

	if (!conf->path) {
		pr_info("xdpgw: SIGHUP: no --config file to read again\n");
		return;
	}
	if (run_conf_read(&o, err, sizeof(err))) {
		pr_warn("reload: %s; keeping the running configuration\n", err);
		goto out;
	}
	if (nc.nat_hash != conf->nat_hash)
		pr_warn("reload: %s: the NAT's options changed; they apply at the next run\n",
			conf->path);
	if (nc.have_proxy != conf->have_proxy)
		pr_warn("reload: %s: [proxy] %s; that applies at the next run\n", conf->path,
			nc.have_proxy ? "added" : "removed");
	else if (pg)
		proxy_reload(pg, &nc.proxy);
	if (run_rules_apply(&nc.rules, &conf->rules, false, dir, ifname, conf->path))
		pr_warn("reload: %s: the rules above were not applied\n", conf->path);
	run_rules_free(&conf->rules);
	conf->rules = nc.rules;
	nc.rules = (struct run_rules){};
out:
	run_rules_free(&nc.rules);
	free(nc.text);
}

