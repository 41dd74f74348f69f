// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw run: attach to the external interface and stay until a signal. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xdpgw.h"
#include "cli.h"
#include "control.h"
#include "run_daemon.h"
#include "fast_switch.h"
#include "timeouts.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "proxy.h"
#include "route.h"
#include "run_conf.h"
#include "stats.h"
#include "expiry.h"
#include "nat_rules.h"


/*
 * The fast path's interface: --internal-if, else the one the main routing
 * table sends the internal prefix to. Fills cfg->settings.internal_ifindex and
 * int_ifname (into name); 0, or -1 after saying why.
 */
static int find_internal_if(struct instance_cfg *cfg, char *name)
{
	const struct xdpgw_config *s = &cfg->settings;
	char net[INET_ADDRSTRLEN];
	int ifindex;

	if (cfg->no_fast_path)
		return 0;
	inet_ntop(AF_INET, &s->internal_net, net, sizeof(net));
	if (!cfg->int_ifname) {
		ifindex = route_prefix_oif(s->internal_net, s->internal_mask);
		if (ifindex < 0) {
			pr_warn("no route but the default one sends %s/%d to an interface (%s);\n"
				"name the internal interface with --internal-if, or run with --no-fast-path\n",
				net, __builtin_popcount(s->internal_mask),
				ifindex == -EOPNOTSUPP ? "a multipath route" : strerror(-ifindex));
			return -1;
		}
		if (!if_indextoname(ifindex, name)) {
			pr_warn("the route to %s/%d names ifindex %d: %s\n", net,
				__builtin_popcount(s->internal_mask), ifindex, strerror(errno));
			return -1;
		}
		cfg->int_ifname = name;
	}
	ifindex = iface_index(cfg->int_ifname);
	if (ifindex < 0) {
		pr_warn("internal interface '%s' %s\n", cfg->int_ifname,
			ifindex == -ENODEV	    ? "not found" :
			ifindex == -EPROTONOSUPPORT ? "cannot be used: not an Ethernet interface" :
						      strerror(-ifindex));
		return -1;
	}
	if (ifindex == cfg->ifindex) {
		pr_warn("the internal prefix %s/%d is routed through the external interface '%s';\n"
			"name the internal interface with --internal-if, or run with --no-fast-path\n",
			net, __builtin_popcount(s->internal_mask), cfg->ifname);
		return -1;
	}
	cfg->settings.internal_ifindex = ifindex;
	return 0;
}

/*
 * Anti-spoofing (BCP 38) checks what is forwarded from the interface the
 * internal prefix is routed to: the fast path's, else the routing table's
 * (found as find_internal_if does). Fills settings.anti_spoof_ifindex; 0,
 * or -1 after saying why.
 */
static int find_anti_spoof_if(struct instance_cfg *cfg)
{
	struct xdpgw_config *s = &cfg->settings;
	char net[INET_ADDRSTRLEN];
	int ifindex;

	if (cfg->no_anti_spoof)
		return 0;
	ifindex = s->internal_ifindex ? (int)s->internal_ifindex :
					route_prefix_oif(s->internal_net, s->internal_mask);
	if (ifindex < 0 || ifindex == cfg->ifindex) {
		inet_ntop(AF_INET, &s->internal_net, net, sizeof(net));
		pr_warn("anti-spoofing: the internal prefix %s/%d %s;\n"
			"route it to its interface, or run with --no-anti-spoof\n", net,
			__builtin_popcount(s->internal_mask),
			ifindex == cfg->ifindex ? "is routed out of the external interface" :
			ifindex == -EOPNOTSUPP	? "has a multipath route" :
			ifindex == -ENOENT	? "has no route but the default one" :
						  strerror(-ifindex));
		return -1;
	}
	s->anti_spoof_ifindex = ifindex;
	return 0;
}

/*
 * Hairpin needs the internal interface (the fast path's, the anti-spoofing
 * one's, else the one the internal prefix is routed to) and the gateway's
 * address on it within the internal prefix. Without them hairpin is off,
 * said once; never a reason not to run.
 */
static void find_hairpin_if(struct instance_cfg *cfg)
{
	const struct xdpgw_config *s = &cfg->settings;
	int ifindex = s->internal_ifindex ? (int)s->internal_ifindex :
		      s->anti_spoof_ifindex ? (int)s->anti_spoof_ifindex :
					      route_prefix_oif(s->internal_net, s->internal_mask);
	char net[INET_ADDRSTRLEN];

	if (ifindex > 0 && ifindex != cfg->ifindex &&
	    !iface_ipv4_in(ifindex, s->internal_net, s->internal_mask, &cfg->hairpin_addr)) {
		cfg->hairpin_ifindex = ifindex;
		return;
	}
	inet_ntop(AF_INET, &s->internal_net, net, sizeof(net));
	pr_info("hairpin off: no interface of the internal prefix %s/%d with an address in it\n",
		net, __builtin_popcount(s->internal_mask));
}

/* Switch the fast path's directions on where the egress takes redirected
 * frames (fast_switch.h); the map is written even for a kept instance.
 */
static int fast_path_start(const struct instance *in, const struct instance_cfg *cfg,
			   struct fast_switch *fs)
{
	int err;

	fs->map_fd = -1;
	if (!in->int_ifindex)
		return 0;
	err = fast_switch_start(fs, instance_map_fd(in, XDPGW_MAP_FAST_DIRS), in->ifindex,
				in->int_ifindex);
	if (err)
		pr_warn("interface '%s': cannot switch the fast path (%s); detaching\n",
			cfg->ifname, strerror(-err));
	return err;
}

/* SIGHUP: the file again, all of it checked; [proxy] goes to the proxy. */
static void reload(struct run_daemon *d)
{
	run_conf_reload(d->reload_ctx, d->pg, d->dir, d->cfg->ifname);
}

/* Everything `run` holds while it runs. */
struct run {
	struct instance_cfg cfg;
	struct common_opts common;
	struct run_conf conf;
	char dir[PATH_MAX];
	char int_ifname[IF_NAMESIZE];
	int lock;
	struct instance in;
	struct expiry *ex;
	struct fast_switch fs;
	struct run_daemon d;
};

/* The command line and the file; the interfaces they name. */
static enum verb_result run_setup(struct run *r, int argc, char **argv)
{
	struct instance_cfg *cfg = &r->cfg;
	bool have_ext_ip = false;
	enum verb_result ret;

	timeouts_default(&cfg->settings);
	ret = run_parse_args(argc, argv, &r->common, cfg, &have_ext_ip, &r->conf);
	if (ret != VERB_OK)
		return ret;
	cli_set_verbosity(r->common.verbose);
	cfg->ifname = r->common.ifname;
	if (!cfg->settings.max_flows_per_host)
		cfg->settings.max_flows_per_host =
			max_flows_per_host_default(cfg->settings.max_flows);
	cfg->ifindex = iface_index(cfg->ifname);
	if (cfg->ifindex == -ENODEV) {
		pr_warn("interface '%s' not found\n", cfg->ifname);
		return VERB_CONFIG;
	}
	if (cfg->ifindex < 0) {
		pr_warn("interface '%s' cannot be used: %s\n", cfg->ifname,
			cfg->ifindex == -EPROTONOSUPPORT ? "not an Ethernet interface" :
							   strerror(-cfg->ifindex));
		return VERB_CONFIG;
	}
	if (!have_ext_ip && iface_first_ipv4(cfg->ifname, &cfg->settings.ext_addr)) {
		pr_warn("interface '%s' has no IPv4 address; give one with --external-ip\n",
			cfg->ifname);
		return VERB_CONFIG;
	}
	if (cli_instance_dir(&r->common, r->dir, sizeof(r->dir)) ||
	    find_internal_if(cfg, r->int_ifname) || find_anti_spoof_if(cfg))
		return VERB_CONFIG;
	find_hairpin_if(cfg);
	cfg->dir = r->dir;
	return VERB_OK;
}

/* The instance lock, then the signals (before any thread starts). 0 or -errno. */
static int run_lock(struct run *r)
{
	const char *ifname = r->cfg.ifname;
	int err;

	r->lock = control_lock(ifname);
	if (r->lock == -EADDRINUSE)
		pr_warn("interface '%s' already has a running xdpgw instance (pins in %s)\n",
			ifname, r->dir);
	else if (r->lock < 0)
		pr_warn("interface '%s': cannot take the instance lock: %s\n", ifname,
			strerror(-r->lock));
	if (r->lock < 0)
		return r->lock;
	err = daemon_signals(&r->d.loop, true);
	if (err) {
		pr_warn("cannot set up signal handling: %s\n", strerror(-err));
		daemon_close(&r->d.loop);
		close(r->lock);
	}
	return err;
}

static int sweeper_start(struct run *r)
{
	const struct instance *in = &r->in;
	int err;

	err = expiry_open(&r->ex, &(struct sweep_maps){
		.flows = instance_map_fd(in, XDPGW_MAP_FLOWS),
		.rev = instance_map_fd(in, XDPGW_MAP_REV),
		.events = instance_map_fd(in, XDPGW_MAP_EVENTS),
		.mappings = instance_map_fd(in, XDPGW_MAP_MAPPINGS),
		.port_owner = instance_map_fd(in, XDPGW_MAP_PORT_OWNER),
		.port_bitmap = instance_map_fd(in, XDPGW_MAP_PORT_BITMAP),
		.peers = instance_map_fd(in, XDPGW_MAP_PEERS),
		.host_flows = instance_map_fd(in, XDPGW_MAP_HOST_FLOWS),
		.public_addrs = instance_map_fd(in, XDPGW_MAP_PUBLIC_ADDRS),
		.forwards = instance_map_fd(in, XDPGW_MAP_FORWARDS),
		.host_public = instance_map_fd(in, XDPGW_MAP_HOST_PUBLIC),
		.expiry_lane = instance_map_fd(in, XDPGW_MAP_EXPIRY_LANE) });
	if (err)
		pr_warn("interface '%s': loading the sweep program failed (%s); detaching\n",
			r->cfg.ifname, strerror(-err));
	return err;
}

static int proxy_begin(struct run *r)
{
	char listen_addr[24];
	int err;

	if (!r->conf.have_proxy)
		return 0;
	r->d.pg = proxy_start(&r->conf.proxy, &err);
	if (r->d.pg)
		return 0;
	proxy_fmt_addr(&r->conf.proxy.listens[0].addr, listen_addr, sizeof(listen_addr));
	pr_warn("interface '%s': the proxy on %s did not start (%s); detaching\n",
		r->cfg.ifname, listen_addr, strerror(-err));
	return err;
}

/* What it translates, how: three lines. */
static void run_say(const struct run *r)
{
	const struct instance_cfg *cfg = &r->cfg;
	const struct xdpgw_config *set = &cfg->settings;
	char ext[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], anti_spoof_if[IF_NAMESIZE];
	char fast[IF_NAMESIZE + 32] = "no fast path";
	int len = __builtin_popcount(set->internal_mask);

	inet_ntop(AF_INET, &set->ext_addr, ext, sizeof(ext));
	inet_ntop(AF_INET, &set->internal_net, net, sizeof(net));
	if (set->internal_ifindex)
		snprintf(fast, sizeof(fast), "fast path from %s", cfg->int_ifname);
	pr_info("xdpgw: %s: %s %s/%d to %s ports %u-%u, max %u flows (%u per host), %s; "
		"maps in %s\n",
		cfg->ifname,
		r->in.adopted ? "took over the kept instance translating" : "translating", net,
		len, ext, set->port_min, set->port_max, set->max_flows, set->max_flows_per_host,
		fast, r->dir);
	pr_info("xdpgw: %s: endpoint-independent mapping, %s filtering\n", cfg->ifname,
		filtering_name(set->filtering));
	pr_info("xdpgw: %s: inbound to %s/%d %s; anti-spoofing %s%s\n", cfg->ifname, net, len,
		set->route_inbound ? "routed (--route-inbound)" : "dropped",
		set->anti_spoof_ifindex ? "on " : "off",
		set->anti_spoof_ifindex ?
			if_indextoname(set->anti_spoof_ifindex, anti_spoof_if) ?: "?" : "");
}

/* --external-ip not on the interface: xdpgw answers ARP for it. */
static void external_arp(const struct run *r)
{
	char err[512];

	if (nat_rules_external(r->dir, r->cfg.ifname, err, sizeof(err)))
		pr_warn("interface '%s': no ARP for the external address: %s\n", r->cfg.ifname,
			err);
}

/* The instance, the sweeper, the proxy, the fast path: all or none (a kept
 * instance is left as it was found). 0 or -errno, said.
 */
static int run_attach(struct run *r)
{
	int err;

	err = instance_start(&r->in, &r->cfg);
	if (err)
		return err;
	err = sweeper_start(r);
	if (!err) {
		external_arp(r);
		err = run_rules_apply(&r->conf.rules, NULL, r->in.adopted, r->dir, r->cfg.ifname,
				      r->conf.path) ?:
		      proxy_begin(r);
		if (!err) {
			r->in.keep = r->cfg.keep;
			run_say(r);
			err = fast_path_start(&r->in, &r->cfg, &r->fs);
			if (err && r->d.pg)
				proxy_stop(r->d.pg);
		}
		if (err)
			expiry_close(r->ex);
	}
	if (err) {
		r->in.keep = r->in.adopted;
		instance_stop(&r->in);
	}
	return err;
}

/* The daemon until a signal, then the proxy's drain and the detach. */
static enum verb_result run_serve(struct run *r)
{
	struct run_daemon *d = &r->d;
	int ret;

	d->in = &r->in;
	d->cfg = &r->cfg;
	d->ex = r->ex;
	d->fs = &r->fs;
	d->proxy = &r->conf.proxy;
	d->lock = r->lock;
	d->metrics = r->conf.have_metrics ? &r->conf.metrics : NULL;
	d->reload = reload;
	d->reload_ctx = &r->conf;
	d->dir = r->dir;
	ret = run_daemon_serve(d);
	if (d->pg && proxy_stop(d->pg) && ret <= 0)
		ret = -EIO;
	expiry_close(r->ex);
	if (ret == DAEMON_HANDOVER)
		r->in.keep = true; /* as --keep, for the run that follows */
	if (r->in.keep)
		pr_info("xdpgw: %s: --keep: programs stay attached, maps stay pinned in %s\n",
			r->cfg.ifname, r->dir);
	instance_stop(&r->in);
	if (ret == DAEMON_HANDOVER)
		return VERB_HANDOVER;
	return ret ? VERB_RUNTIME : VERB_OK;
}

enum verb_result cmd_run(int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	enum verb_result ret;

	if (!r) {
		pr_warn("xdpgw run: out of memory\n");
		return VERB_RUNTIME;
	}
	r->cfg.settings.port_min = XDPGW_DEFAULT_PORT_MIN;
	r->cfg.settings.port_max = XDPGW_DEFAULT_PORT_MAX;
	r->cfg.settings.max_flows = XDPGW_DEFAULT_MAX_FLOWS;
	ret = run_setup(r, argc, argv);
	if (ret == VERB_OK && run_lock(r))
		ret = VERB_RUNTIME;
	else if (ret == VERB_OK) {
		ret = run_attach(r) ? VERB_RUNTIME : run_serve(r);
		daemon_close(&r->d.loop);
		close(r->lock);
	}
	run_rules_free(&r->conf.rules);
	free(r->conf.text);
	free(r);
	return ret;
}
