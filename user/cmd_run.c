// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw run: attach to the external interface and stay until a signal. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "xdpgw.h"
#include "cli.h"
#include "config.h"
#include "flow.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "route.h"
#include "stats.h"
#include "sweep.h"

#define SWEEP_INTERVAL_S 1

static const char run_usage[] =
	"Usage: xdpgw run --external IF --internal CIDR [OPTIONS]\n"
	"\n"
	"Translate TCP, UDP and ICMP echo from the internal prefix leaving IF to\n"
	"IF's address (NAPT), and replies and ICMP errors back. Stays in the\n"
	"foreground; SIGINT or SIGTERM detaches everything and removes the pinned\n"
	"maps, unless --keep.\n"
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
	"      --timeout STATE=S   idle timeout of flows in STATE, seconds; repeatable.\n"
	"                          States and defaults: syn_sent=120 syn_recv=60\n"
	"                          established=432000 fin_out=120 fin_in=120\n"
	"                          time_wait=120 closed=10 udp_unreplied=30\n"
	"                          udp_assured=180 icmp_echo=30. Expired flows are\n"
	"                          swept every second.\n"
	"      --keep              on exit leave the programs attached and the maps\n"
	"                          pinned: translation goes on, flows are kept for the\n"
	"                          next `run` (nothing expires meanwhile)\n"
	"      --pin-root DIR      bpffs directory for pins (default /sys/fs/bpf/xdpgw,\n"
	"                          else /run/xdpgw); maps go to DIR/NETNS/IF/\n"
	"  -v, --verbose           more output; twice for libbpf/libxdp debug\n"
	"  -h, --help              this text\n";

enum {
	OPT_EXT_IP = 256,
	OPT_PORTS,
	OPT_MAX_FLOWS,
	OPT_PIN_ROOT,
	OPT_TIMEOUT,
	OPT_KEEP,
	OPT_INT_IF,
	OPT_NO_FAST_PATH,
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
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpgw run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", run_usage);
	return EXIT_USAGE;
}

int run_parse_args(int argc, char **argv, struct common_opts *common,
		   struct instance_cfg *cfg, bool *have_ext_ip)
{
	const char *internal = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "e:i:vh", run_options, NULL)) != -1) {
		switch (opt) {
		case 'e':
			common->ifname = optarg;
			break;
		case 'i':
			internal = optarg;
			if (parse_prefix(optarg, &cfg->settings.internal_net,
					 &cfg->settings.internal_mask))
				return usage_error("--internal '%s': not an IPv4 prefix A.B.C.D/LEN with the host bits zero", optarg);
			break;
		case OPT_EXT_IP:
			if (parse_ipv4(optarg, &cfg->settings.ext_addr))
				return usage_error("--external-ip '%s': not an IPv4 address", optarg);
			*have_ext_ip = true;
			break;
		case OPT_PORTS:
			if (parse_port_range(optarg, &cfg->settings.port_min, &cfg->settings.port_max))
				return usage_error("--ports '%s': not a range LO-HI within 1-65535", optarg);
			break;
		case OPT_MAX_FLOWS:
			if (parse_u32(optarg, 1, 1u << 26, &cfg->settings.max_flows))
				return usage_error("--max-flows '%s': not a number from 1 to 67108864", optarg);
			break;
		case OPT_PIN_ROOT:
			common->pin_root = optarg;
			break;
		case OPT_KEEP:
			cfg->keep = true;
			break;
		case OPT_INT_IF:
			cfg->int_ifname = optarg;
			break;
		case OPT_NO_FAST_PATH:
			cfg->no_fast_path = true;
			break;
		case OPT_TIMEOUT:
			if (timeout_parse(optarg, &cfg->settings))
				return usage_error("--timeout '%s': not STATE=SECONDS with a state listed below", optarg);
			break;
		case 'v':
			common->verbose++;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return EXIT_OK;
		default:
			fputs(run_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!common->ifname)
		return usage_error("%s", "--external IF is required");
	if (!internal)
		return usage_error("%s", "--internal CIDR is required");
	if (cfg->int_ifname && cfg->no_fast_path)
		return usage_error("%s", "--internal-if names the fast path's interface: not with --no-fast-path");
	return -1; /* go on */
}

/*
 * The fast path's interface: --internal-if, else the one the main routing
 * table sends the internal prefix to. Fills cfg->int_ifindex and
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
	cfg->int_ifindex = ifindex;
	return 0;
}

/* Block SIGINT/SIGTERM and return a signalfd for them. */
static int stop_signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int sweep_timer_fd(void)
{
	struct itimerspec every = { .it_interval = { SWEEP_INTERVAL_S, 0 },
				    .it_value = { SWEEP_INTERVAL_S, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0 || timerfd_settime(fd, 0, &every, NULL))
		return -errno;
	return fd;
}

static void sweep(const struct instance *in, const struct instance_cfg *cfg,
		  struct sweeper *sw)
{
	struct sweep_result res;
	int err;

	err = sweep_flows(sw, instance_map_fd(in, XDPGW_MAP_FLOWS), &cfg->settings,
			  monotonic_ns(), &res);
	if (err)
		pr_warn("%s: sweeping map " XDPGW_MAP_FLOWS " failed: %s\n", cfg->ifname,
			strerror(-err));
	if (res.expired)
		stats_add(instance_map_fd(in, XDPGW_MAP_STATS), STAT_EXPIRED, res.expired);
	pr_debug("%s: swept %llu flows, %llu expired\n", cfg->ifname,
		 (unsigned long long)res.scanned, (unsigned long long)res.expired);
}

/* The daemon's loop: sweep every SWEEP_INTERVAL_S until SIGINT/SIGTERM. */
static int serve(const struct instance *in, const struct instance_cfg *cfg, int sfd,
		 struct sweeper *sw)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct signalfd_siginfo si;
	__u64 ticks;
	int ep, tfd, n, ret = 0;

	tfd = sweep_timer_fd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (tfd < 0 || ep < 0) {
		ret = -errno;
		goto out;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	for (;;) {
		n = epoll_wait(ep, &got, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (got.data.fd == tfd) {
			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				sweep(in, cfg, sw);
			continue;
		}
		if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			pr_info("xdpgw: %s received, detaching\n", strsignal(si.ssi_signo));
			break;
		}
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return ret;
}

int cmd_run(int argc, char **argv)
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
	bool have_ext_ip = false;
	struct instance in;
	struct sweeper *sw;
	int ret, sfd, lock;

	timeouts_default(&cfg.settings);
	ret = run_parse_args(argc, argv, &common, &cfg, &have_ext_ip);
	if (ret >= 0)
		return ret;
	cli_set_verbosity(common.verbose);
	cfg.ifname = common.ifname;

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
	if (cli_instance_dir(&common, dir, sizeof(dir)) || find_internal_if(&cfg, int_ifname))
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
	sfd = stop_signal_fd();
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
	ret = sweeper_open(&sw, instance_map_fd(&in, XDPGW_MAP_FLOWS),
			   instance_map_fd(&in, XDPGW_MAP_REV), instance_map_fd(&in, XDPGW_MAP_EVENTS));
	if (ret) {
		pr_warn("interface '%s': loading the sweep program failed (%s); detaching\n",
			cfg.ifname, strerror(-ret));
		in.keep = in.adopted; /* leave a kept instance as it was found */
		instance_stop(&in);
		close(sfd);
		close(lock);
		return EXIT_FAIL;
	}
	in.keep = cfg.keep;
	inet_ntop(AF_INET, &set->ext_addr, ext, sizeof(ext));
	inet_ntop(AF_INET, &set->internal_net, net, sizeof(net));
	if (cfg.int_ifindex)
		snprintf(fast, sizeof(fast), "fast path from %s", cfg.int_ifname);
	pr_info("xdpgw: %s: %s %s/%d to %s ports %u-%u, max %u flows, %s; maps in %s\n",
		cfg.ifname, in.adopted ? "took over the kept instance translating" : "translating",
		net, __builtin_popcount(set->internal_mask), ext, set->port_min, set->port_max,
		set->max_flows, fast, dir);

	ret = serve(&in, &cfg, sfd, sw);
	sweeper_close(sw);
	if (ret)
		pr_warn("%s: event loop failed: %s\n", cfg.ifname, strerror(-ret));
	if (in.keep)
		pr_info("xdpgw: %s: --keep: programs stay attached, maps stay pinned in %s\n",
			cfg.ifname, dir);
	instance_stop(&in);
	close(sfd);
	close(lock);
	return ret ? EXIT_FAIL : EXIT_OK;
}
