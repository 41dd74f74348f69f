// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw run: attach to the external interface and stay until a signal. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xdpgw.h"
#include "cli.h"
#include "conf_file.h"
#include "daemon.h"
#include "config.h"
#include "fast_switch.h"
#include "flow.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "proxy.h"
#include "route.h"
#include "stats.h"
#include "expiry.h"


static const char run_usage[] =
	"Usage: xdpgw run --external IF --internal CIDR [OPTIONS]\n"
	"       xdpgw run --config FILE [OPTIONS]\n"
	"\n"
	"Translate TCP, UDP and ICMP echo from the internal prefix leaving IF to\n"
	"IF's address (NAPT), and replies and ICMP errors back. Stays in the\n"
	"foreground; SIGINT or SIGTERM detaches everything and removes the pinned\n"
	"maps, unless --keep. SIGUSR2 hands the instance over: it stays attached\n"
	"and pinned, as with --keep, and run exits 75 (for an upgrade).\n"
	"An instance left by `run --keep` is taken over, flows and all, when\n"
	"the options ask for the same translation.\n"
	"\n"
	"  -e, --external IF       external interface (required)\n"
	"  -i, --internal CIDR     internal prefix to translate, e.g. 10.100.20.0/24 (required)\n"
	"      --external-ip ADDR  address to translate to (default: IF's first IPv4 address)\n"
	"      --internal-if IF    the internal interface, where the fast path's XDP\n"
	"                          program goes (default: the interface the routing\n"
	"                          table sends the internal prefix to)\n"
	"      --no-fast-path      every packet through the kernel stack; nothing is\n"
	"                          attached to the internal interface\n"
	"      --ports LO-HI       external port range (default 1024-65535)\n"
	"      --max-flows N       NAT table size in flows (default 262144)\n"
	"      --max-flows-per-host N  flows one internal address may hold at once\n"
	"                          (default: a quarter of --max-flows); more are\n"
	"                          dropped, counted as drop_host_limit\n"
	"      --filtering MODE    which inbound packets to a mapped external port\n"
	"                          are let in (RFC 4787): address-port-dependent\n"
	"                          (default: replies to where a flow went),\n"
	"                          address-dependent (from any port of an address\n"
	"                          the internal endpoint sent to), endpoint-independent\n"
	"                          (from anywhere). Mapping is always endpoint-\n"
	"                          independent: one external port per internal\n"
	"                          address:port, whatever the destination\n"
	"      --timeout STATE=S   idle timeout of flows in STATE, seconds; repeatable.\n"
	"                          States and defaults: syn_sent=120 syn_recv=60\n"
	"                          established=432000 fin_out=120 fin_in=120\n"
	"                          time_wait=120 closed=10 udp_unreplied=30\n"
	"                          udp_assured=180 icmp_echo=30 tcp_pickup=300\n"
	"                          (made by a packet other than a SYN, until the\n"
	"                          other side answers). Expired flows are\n"
	"                          swept every second.\n"
	"      --route-inbound     route packets from outside to the internal prefix\n"
	"                          in, as the kernel would; by default they are\n"
	"                          dropped (drop_inbound)\n"
	"      --no-anti-spoof     let packets from the internal interface leave with\n"
	"                          a source outside the internal prefix; by default\n"
	"                          they are dropped (drop_spoofed, BCP 38)\n"
	"      --metrics ADDR:PORT serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	"                          (counters, flows by state, ports, sweep time)\n"
	"      --keep              on exit leave the programs attached and the maps\n"
	"                          pinned: translation goes on, flows are kept for the\n"
	"                          next `run` (nothing expires meanwhile)\n"
	"      --pin-root DIR      bpffs directory for pins (default /sys/fs/bpf/xdpgw,\n"
	"                          else /run/xdpgw); maps go to DIR/NETNS/IF/\n"
	"      --config FILE       options from FILE, as below; those on the command\n"
	"                          line win over the file's\n"
	"  -v, --verbose           more output; twice for libbpf/libxdp debug\n"
	"  -h, --help              this text\n"
	"\n"
	"FILE has \"name value\" lines (# starts a comment): at its top or under\n"
	"[nat], the options above without their dashes (\"keep\" alone for --keep);\n"
	"under [proxy], the options of `xdpgw proxy` (see its --help). With a\n"
	"[proxy] section the HTTP proxy runs in this daemon: it starts once the NAT\n"
	"is attached, and on SIGINT or SIGTERM it finishes the requests in flight\n"
	"before the NAT is detached. SIGHUP reads FILE again: its [proxy] section\n"
	"replaces the proxy's backends and settings without dropping a connection\n"
	"(a bad FILE keeps the running ones); changed NAT options apply at the next\n"
	"run. For example:\n"
	"\n"
	"    external eth0\n"
	"    internal 10.100.20.0/24\n"
	"    timeout udp_unreplied=10\n"
	"\n"
	"    [proxy]\n"
	"    listen 203.0.113.1:80\n"
	"    backend 10.100.20.57:80\n"
	"    backend 10.100.20.58:80,weight=2\n";

enum {
	OPT_EXT_IP = 256,
	OPT_PORTS,
	OPT_MAX_FLOWS,
	OPT_PIN_ROOT,
	OPT_TIMEOUT,
	OPT_KEEP,
	OPT_INT_IF,
	OPT_NO_FAST_PATH,
	OPT_CONFIG,
	OPT_MAX_FLOWS_PER_HOST,
	OPT_FILTERING,
	OPT_ROUTE_INBOUND,
	OPT_NO_ANTI_SPOOF,
	OPT_METRICS,
};

static const struct option run_options[] = {
	{ "external", required_argument, NULL, 'e' },
	{ "internal", required_argument, NULL, 'i' },
	{ "external-ip", required_argument, NULL, OPT_EXT_IP },
	{ "ports", required_argument, NULL, OPT_PORTS },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "internal-if", required_argument, NULL, OPT_INT_IF },
	{ "no-fast-path", no_argument, NULL, OPT_NO_FAST_PATH },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "max-flows-per-host", required_argument, NULL, OPT_MAX_FLOWS_PER_HOST },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "filtering", required_argument, NULL, OPT_FILTERING },
	{ "route-inbound", no_argument, NULL, OPT_ROUTE_INBOUND },
	{ "no-anti-spoof", no_argument, NULL, OPT_NO_ANTI_SPOOF },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

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

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpgw run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", run_usage);
	return EXIT_USAGE;
}

/* Where run's options go, from the command line and from the file. */
struct run_opts {
	struct common_opts *common;
	struct instance_cfg *cfg;
	bool *have_ext_ip;
	bool have_internal;
	struct run_conf *conf;
};

/* The entry of run_options with this name, or else this val. */
static const struct option *run_option(const char *name, int val)
{
	const struct option *o;

	for (o = run_options; o->name; o++)
		if (name ? !strcmp(o->name, name) : o->val == val)
			return o;
	return NULL;
}

/*
 * Apply one of run's options, named without its dashes, from the command
 * line or the file (value NULL for a flag). Returns 0, or -EINVAL after
 * writing why, naming the option, into err.
 */
static int run_set_option(struct run_opts *o, const char *name, const char *value, char *err,
			  size_t errlen)
{
	const struct option *opt = run_option(name, 0);
	struct xdpgw_config *s = &o->cfg->settings;
	const char *bad = NULL;

	if (!opt || opt->val == 'v' || opt->val == 'h' || opt->val == OPT_CONFIG) {
		snprintf(err, errlen, "unknown option '%s'", name);
		return -EINVAL;
	}
	if (!value != (opt->has_arg == no_argument)) {
		snprintf(err, errlen, value ? "%s takes no value" : "%s needs a value", name);
		return -EINVAL;
	}
	switch (opt->val) {
	case 'e':
		o->common->ifname = value;
		break;
	case 'i':
		o->have_internal = true;
		if (parse_prefix(value, &s->internal_net, &s->internal_mask))
			bad = "not an IPv4 prefix A.B.C.D/LEN with the host bits zero";
		break;
	case OPT_EXT_IP:
		*o->have_ext_ip = true;
		if (parse_ipv4(value, &s->ext_addr))
			bad = "not an IPv4 address";
		break;
	case OPT_PORTS:
		if (parse_port_range(value, &s->port_min, &s->port_max))
			bad = "not a range LO-HI within 1-65535";
		break;
	case OPT_MAX_FLOWS:
		if (parse_u32(value, 1, 1u << 26, &s->max_flows))
			bad = "not a number from 1 to 67108864";
		break;
	case OPT_MAX_FLOWS_PER_HOST:
		if (parse_u32(value, 1, 1u << 26, &s->max_flows_per_host))
			bad = "not a number from 1 to 67108864";
		break;
	case OPT_PIN_ROOT:
		o->common->pin_root = value;
		break;
	case OPT_KEEP:
		o->cfg->keep = true;
		break;
	case OPT_INT_IF:
		o->cfg->int_ifname = value;
		break;
	case OPT_NO_FAST_PATH:
		o->cfg->no_fast_path = true;
		break;
	case OPT_ROUTE_INBOUND:
		s->route_inbound = 1;
		break;
	case OPT_NO_ANTI_SPOOF:
		o->cfg->no_anti_spoof = true;
		break;
	case OPT_METRICS:
		if (proxy_parse_addr(value, &o->conf->metrics))
			bad = "not ADDR:PORT (an IPv4 address and a port)";
		o->conf->have_metrics = !bad;
		break;
	case OPT_TIMEOUT:
		if (timeout_parse(value, s))
			bad = "not STATE=SECONDS with a state `xdpgw run --help` lists";
		break;
	case OPT_FILTERING:
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
	if (*section && strcmp(section, "nat")) {
		snprintf(err, errlen, "unknown section [%s]: [nat] or [proxy]", section);
		return -EINVAL;
	}
	if (!name)
		return 0;
	o->conf->nat_hash = hash_str(hash_str(o->conf->nat_hash, name), value ?: "");
	return run_set_option(o, name, value, err, errlen);
}

/* Read o->conf->path: the NAT's lines into o, [proxy] into conf->proxy. */
static int run_conf_read(struct run_opts *o, char *err, size_t errlen)
{
	struct run_conf *conf = o->conf;
	char msg[256];
	int ret;

	proxy_cfg_defaults(&conf->proxy);
	conf->have_proxy = false;
	conf->nat_hash = 0xcbf29ce484222325ull;
	ret = conf_file_read(conf->path, run_file_line, o, &conf->text, err, errlen);
	if (ret || !conf->have_proxy)
		return ret;
	ret = proxy_cfg_check(&conf->proxy, msg, sizeof(msg));
	if (!ret) /* certificates and keys: before the NAT attaches */
		ret = proxy_cfg_check_files(&conf->proxy, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "%s: [proxy]: %s", conf->path, msg);
	return ret;
}

/* --help, an unknown option and --config come first: the file is read
 * before the other options, which win over it. */
static int run_scan_args(int argc, char **argv, const char **config)
{
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:i:vh", run_options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(run_usage, stdout);
			return EXIT_OK;
		}
		if (opt == '?') {
			fputs(run_usage, stderr);
			return EXIT_USAGE;
		}
		if (opt == OPT_CONFIG)
			*config = optarg;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

int run_parse_args(int argc, char **argv, struct common_opts *common,
		   struct instance_cfg *cfg, bool *have_ext_ip, struct run_conf *conf)
{
	struct run_opts o = { common, cfg, have_ext_ip, false, conf };
	char err[512];
	int opt, ret;

	ret = run_scan_args(argc, argv, &conf->path);
	if (ret >= 0)
		return ret;
	if (conf->path && run_conf_read(&o, err, sizeof(err))) {
		fprintf(stderr, "xdpgw run: %s\n", err);
		return EXIT_FAIL;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:i:vh", run_options, NULL)) != -1) {
		if (opt == 'v')
			common->verbose++;
		else if (opt != OPT_CONFIG &&
			 run_set_option(&o, run_option(NULL, opt)->name, optarg, err, sizeof(err)))
			return usage_error("--%s", err);
	}
	if (!common->ifname)
		return usage_error("%s", "--external IF is required");
	if (!o.have_internal)
		return usage_error("%s", "--internal CIDR is required");
	if (cfg->int_ifname && cfg->no_fast_path)
		return usage_error("%s", "--internal-if names the fast path's interface: not with --no-fast-path");
	return -1; /* go on */
}

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
static void reload(struct daemon *d)
{
	const struct run_conf *conf = d->reload_ctx;
	struct proxy_group *pg = d->pg;
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
out:
	free(nc.text);
}

static int run_main(int argc, char **argv, struct run_conf *conf)
{
	struct instance_cfg cfg = {
		.settings.port_min = XDPGW_DEFAULT_PORT_MIN,
		.settings.port_max = XDPGW_DEFAULT_PORT_MAX,
		.settings.max_flows = XDPGW_DEFAULT_MAX_FLOWS,
	};
	const struct xdpgw_config *set = &cfg.settings;
	struct common_opts common = {};
	char dir[PATH_MAX], ext[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	char int_ifname[IF_NAMESIZE], fast[IF_NAMESIZE + 32] = "no fast path";
	char listen_addr[24], anti_spoof_if[IF_NAMESIZE];
	bool have_ext_ip = false;
	struct proxy_group *pg = NULL;
	struct fast_switch fs;
	struct daemon d;
	struct instance in;
	struct expiry *ex;
	int ret, sfd, lock;

	timeouts_default(&cfg.settings);
	ret = run_parse_args(argc, argv, &common, &cfg, &have_ext_ip, conf);
	if (ret >= 0)
		return ret;
	cli_set_verbosity(common.verbose);
	cfg.ifname = common.ifname;
	if (!cfg.settings.max_flows_per_host)
		cfg.settings.max_flows_per_host = max_flows_per_host_default(set->max_flows);

	cfg.ifindex = iface_index(cfg.ifname);
	if (cfg.ifindex == -ENODEV) {
		pr_warn("interface '%s' not found\n", cfg.ifname);
		return EXIT_FAIL;
	}
	if (cfg.ifindex < 0) {
		pr_warn("interface '%s' cannot be used: %s\n", cfg.ifname,
			cfg.ifindex == -EPROTONOSUPPORT ? "not an Ethernet interface" :
							  strerror(-cfg.ifindex));
		return EXIT_FAIL;
	}
	if (!have_ext_ip && iface_first_ipv4(cfg.ifname, &cfg.settings.ext_addr)) {
		pr_warn("interface '%s' has no IPv4 address; give one with --external-ip\n",
			cfg.ifname);
		return EXIT_FAIL;
	}
	if (cli_instance_dir(&common, dir, sizeof(dir)) || find_internal_if(&cfg, int_ifname) ||
	    find_anti_spoof_if(&cfg))
		return EXIT_FAIL;
	cfg.dir = dir;

	lock = instance_lock(cfg.ifname);
	if (lock == -EADDRINUSE) {
		pr_warn("interface '%s' already has a running xdpgw instance (pins in %s)\n",
			cfg.ifname, dir);
		return EXIT_FAIL;
	}
	if (lock < 0) {
		pr_warn("interface '%s': cannot take the instance lock: %s\n", cfg.ifname,
			strerror(-lock));
		return EXIT_FAIL;
	}
	sfd = daemon_signal_fd();
	if (sfd < 0) {
		pr_warn("cannot set up signal handling: %s\n", strerror(-sfd));
		close(lock);
		return EXIT_FAIL;
	}
	ret = instance_start(&in, &cfg);
	if (ret == -EEXIST)
		pr_warn("interface '%s' has part of an xdpgw instance left (pins in %s);\n"
			"remove it with `xdpgw down --external %s`\n", cfg.ifname, dir, cfg.ifname);
	else if (ret && ret != -EINVAL)
		pr_warn("interface '%s': nothing attached (%s)\n", cfg.ifname, strerror(-ret));
	if (ret) {
		close(sfd);
		close(lock);
		return EXIT_FAIL;
	}
	ret = expiry_open(&ex, &(struct sweep_maps){
		.flows = instance_map_fd(&in, XDPGW_MAP_FLOWS),
		.rev = instance_map_fd(&in, XDPGW_MAP_REV),
		.events = instance_map_fd(&in, XDPGW_MAP_EVENTS),
		.mappings = instance_map_fd(&in, XDPGW_MAP_MAPPINGS),
		.port_owner = instance_map_fd(&in, XDPGW_MAP_PORT_OWNER),
		.port_bitmap = instance_map_fd(&in, XDPGW_MAP_PORT_BITMAP),
		.peers = instance_map_fd(&in, XDPGW_MAP_PEERS),
		.host_flows = instance_map_fd(&in, XDPGW_MAP_HOST_FLOWS),
		.expiry_lane = instance_map_fd(&in, XDPGW_MAP_EXPIRY_LANE) });
	if (ret) {
		pr_warn("interface '%s': loading the sweep program failed (%s); detaching\n",
			cfg.ifname, strerror(-ret));
		goto undo;
	}
	if (conf->have_proxy && !(pg = proxy_start(&conf->proxy, &ret))) {
		proxy_fmt_addr(&conf->proxy.listens[0].addr, listen_addr, sizeof(listen_addr));
		pr_warn("interface '%s': the proxy on %s did not start (%s); detaching\n",
			cfg.ifname, listen_addr, strerror(-ret));
		expiry_close(ex);
		goto undo;
	}
	in.keep = cfg.keep;
	inet_ntop(AF_INET, &set->ext_addr, ext, sizeof(ext));
	inet_ntop(AF_INET, &set->internal_net, net, sizeof(net));
	if (cfg.settings.internal_ifindex)
		snprintf(fast, sizeof(fast), "fast path from %s", cfg.int_ifname);
	pr_info("xdpgw: %s: %s %s/%d to %s ports %u-%u, max %u flows (%u per host), %s; "
		"maps in %s\n",
		cfg.ifname, in.adopted ? "took over the kept instance translating" : "translating",
		net, __builtin_popcount(set->internal_mask), ext, set->port_min, set->port_max,
		set->max_flows, set->max_flows_per_host, fast, dir);
	pr_info("xdpgw: %s: endpoint-independent mapping, %s filtering\n", cfg.ifname,
		filtering_names[set->filtering < FILTER__MAX ? set->filtering : 0]);
	pr_info("xdpgw: %s: inbound to %s/%d %s; anti-spoofing %s%s\n", cfg.ifname, net,
		__builtin_popcount(set->internal_mask),
		set->route_inbound ? "routed (--route-inbound)" : "dropped",
		set->anti_spoof_ifindex ? "on " : "off",
		set->anti_spoof_ifindex ? if_indextoname(set->anti_spoof_ifindex, anti_spoof_if) ?: "?" : "");

	ret = fast_path_start(&in, &cfg, &fs);
	if (ret) {
		if (pg)
			proxy_stop(pg);
		expiry_close(ex);
		goto undo;
	}
	d = (struct daemon){ .in = &in, .cfg = &cfg, .ex = ex, .fs = &fs, .pg = pg,
			     .proxy = &conf->proxy, .lock = lock,
			     .metrics = conf->have_metrics ? &conf->metrics : NULL,
			     .reload = reload, .reload_ctx = conf };
	ret = daemon_serve(&d, sfd);
	if (pg && proxy_stop(pg) && ret <= 0)
		ret = -EIO;
	expiry_close(ex);
	if (ret == DAEMON_HANDOVER)
		in.keep = true; /* as --keep, for the run that follows */
	if (in.keep)
		pr_info("xdpgw: %s: --keep: programs stay attached, maps stay pinned in %s\n",
			cfg.ifname, dir);
	instance_stop(&in);
	close(sfd);
	close(lock);
	if (ret == DAEMON_HANDOVER)
		return EXIT_HANDOVER;
	return ret ? EXIT_FAIL : EXIT_OK;
undo:
	in.keep = in.adopted; /* leave a kept instance as it was found */
	instance_stop(&in);
	close(sfd);
	close(lock);
	return EXIT_FAIL;
}

int cmd_run(int argc, char **argv)
{
	struct run_conf conf = {};
	int ret = run_main(argc, argv, &conf);

	free(conf.text);
	return ret;
}
