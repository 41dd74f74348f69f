// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmocka tests: parsing what a user types, and where pins go. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "cli.h"
#include "run_conf.h"
#include "strparse.h"
#include "instance.h"
#include "log.h"
#include "pin.h"

static __be32 ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void test_ipv4(void **state)
{
	__be32 a;

	(void)state;
	assert_int_equal(parse_ipv4_addr("203.0.113.1", &a), 0);
	assert_int_equal(a, ip("203.0.113.1"));
	assert_int_equal(parse_ipv4_addr("203.0.113", &a), -EINVAL);
	assert_int_equal(parse_ipv4_addr("203.0.113.256", &a), -EINVAL);
	assert_int_equal(parse_ipv4_addr("010.0.0.1", &a), -EINVAL); /* no octal */
	assert_int_equal(parse_ipv4_addr(" 1.2.3.4", &a), -EINVAL);
	assert_int_equal(parse_ipv4_addr("", &a), -EINVAL);
	assert_int_equal(parse_ipv4_addr(NULL, &a), -EINVAL);
}

static void test_prefix(void **state)
{
	__be32 net, mask;

	(void)state;
	assert_int_equal(parse_prefix("10.100.20.0/24", &net, &mask), 0);
	assert_int_equal(net, ip("10.100.20.0"));
	assert_int_equal(mask, ip("255.255.255.0"));
	assert_int_equal(parse_prefix("0.0.0.0/0", &net, &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(parse_prefix("10.100.20.57/32", &net, &mask), 0);
	assert_int_equal(mask, 0xffffffff);
	assert_int_equal(parse_prefix("192.168.1.0/25", &net, &mask), 0);
	assert_int_equal(mask, ip("255.255.255.128"));
	/* host bits set, as `ip route` refuses */
	assert_int_equal(parse_prefix("10.100.20.1/24", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0/33", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0/", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0/-1", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0/24x", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("eth0/24", &net, &mask), -EINVAL);
	assert_int_equal(parse_prefix("10.100.20.0.0.0.0.0.0/24", &net, &mask), -EINVAL);
}

static void test_port_range(void **state)
{
	__u16 lo, hi;

	(void)state;
	assert_int_equal(parse_port_range("1024-65535", &lo, &hi), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_int_equal(parse_port_range("40000-40009", &lo, &hi), 0);
	assert_int_equal(hi - lo + 1, 10);
	assert_int_equal(parse_port_range("5000", &lo, &hi), 0);
	assert_int_equal(lo, 5000);
	assert_int_equal(hi, 5000);
	assert_int_equal(parse_port_range("0-100", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("100-65536", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("200-100", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("100-", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("-100", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("1-2-3", &lo, &hi), -EINVAL);
	assert_int_equal(parse_port_range("http", &lo, &hi), -EINVAL);
}

static void test_u32(void **state)
{
	__u32 v;

	(void)state;
	assert_int_equal(parse_u32("262144", 1, 1u << 26, &v), 0);
	assert_int_equal(v, 262144);
	assert_int_equal(parse_u32("0", 1, 10, &v), -EINVAL);
	assert_int_equal(parse_u32("11", 1, 10, &v), -EINVAL);
	assert_int_equal(parse_u32("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u32("99999999999999999999", 0, ~0u, &v), -EINVAL);
	assert_int_equal(parse_u32("7k", 0, 10, &v), -EINVAL);
}

/* A fake filesystem: which paths are bpffs mounts. */
static const char *bpffs_here[4];

static bool fake_is_bpffs(const char *path)
{
	int i;

	for (i = 0; bpffs_here[i]; i++)
		if (!strcmp(bpffs_here[i], path))
			return true;
	return false;
}

static void test_pin_root(void **state)
{
	char out[PATH_MAX];

	(void)state;
	memset(bpffs_here, 0, sizeof(bpffs_here));
	/* nothing mounted anywhere */
	assert_int_equal(pin_root_choose(NULL, fake_is_bpffs, out, sizeof(out)), -ENOENT);
	/* inside `ip netns exec`: /sys/fs/bpf is gone, /run/xdpgw remains */
	bpffs_here[0] = "/run/xdpgw";
	assert_int_equal(pin_root_choose(NULL, fake_is_bpffs, out, sizeof(out)), 0);
	assert_string_equal(out, "/run/xdpgw");
	/* on the host both are there: /sys/fs/bpf wins */
	bpffs_here[1] = "/sys/fs/bpf";
	assert_int_equal(pin_root_choose(NULL, fake_is_bpffs, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/bpf/xdpgw");
	/* --pin-root must itself be on a bpffs */
	assert_int_equal(pin_root_choose("/tmp", fake_is_bpffs, out, sizeof(out)), -ENOTDIR);
	assert_int_equal(pin_root_choose("/run/xdpgw", fake_is_bpffs, out, sizeof(out)), 0);
	assert_string_equal(out, "/run/xdpgw");
	/* too small a buffer is an error, not a cut path */
	assert_int_equal(pin_root_choose(NULL, fake_is_bpffs, out, 8), -ENAMETOOLONG);
}

static void test_instance_dir(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(instance_dir(out, sizeof(out), "/run/xdpgw", "gw-1", "eth0"), 0);
	assert_string_equal(out, "/run/xdpgw/gw-1/eth0");
	assert_int_equal(instance_dir(out, sizeof(out), "/run/xdpgw", "gw", "../x"), -EINVAL);
	assert_int_equal(instance_dir(out, sizeof(out), "/run/xdpgw", "gw", ".."), -EINVAL);
	assert_int_equal(instance_dir(out, sizeof(out), "/run/xdpgw", "", "eth0"), -EINVAL);
	assert_int_equal(instance_dir(out, sizeof(out), "", "gw", "eth0"), -EINVAL);
	assert_int_equal(instance_dir(out, 10, "/run/xdpgw", "gw", "eth0"), -ENAMETOOLONG);
}

/* `xdpgw run` argument handling. */
static struct run_conf conf;

static int parse(struct instance_cfg *cfg, struct common_opts *common, bool *ext_ip, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = "run";
	va_start(ap, ext_ip);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(common, 0, sizeof(*common));
	memset(cfg, 0, sizeof(*cfg));
	cfg->settings.port_min = XDPGW_DEFAULT_PORT_MIN;
	cfg->settings.port_max = XDPGW_DEFAULT_PORT_MAX;
	cfg->settings.max_flows = XDPGW_DEFAULT_MAX_FLOWS;
	*ext_ip = false;
	memset(&conf, 0, sizeof(conf));
	return run_parse_args(argc, argv, common, cfg, ext_ip, &conf);
}

static void test_run_args(void **state)
{
	struct instance_cfg cfg;
	struct common_opts c;
	bool ext_ip;

	(void)state;
	assert_int_equal(parse(&cfg, &c, &ext_ip, "--external", "eth0", "--internal",
			       "10.100.20.0/24", NULL), VERB_OK);
	assert_string_equal(c.ifname, "eth0");
	assert_int_equal(cfg.settings.internal_net, ip("10.100.20.0"));
	assert_int_equal(cfg.settings.port_min, 1024);
	assert_int_equal(cfg.settings.port_max, 65535);
	assert_int_equal(cfg.settings.max_flows, 262144);
	assert_false(ext_ip);

	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "192.168.1.0/24",
			       "--external-ip", "10.1.1.245", "--ports", "40000-40009",
			       "--max-flows", "1000", "--pin-root", "/run/xdpgw", "-vv", NULL), VERB_OK);
	assert_true(ext_ip);
	assert_int_equal(cfg.settings.ext_addr, ip("10.1.1.245"));
	assert_int_equal(cfg.settings.port_min, 40000);
	assert_int_equal(cfg.settings.port_max, 40009);
	assert_int_equal(cfg.settings.max_flows, 1000);
	assert_string_equal(c.pin_root, "/run/xdpgw");
	assert_int_equal(c.verbose, 2);

	assert_int_equal(parse(&cfg, &c, &ext_ip, "--help", NULL), VERB_HELP);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "--internal", "10.0.0.0/8", NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "--external", "eth0", NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.1/8", NULL),
			 VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8", "--ports",
			       "9-1", NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8",
			       "--max-flows", "0", NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8",
			       "--external-ip", "eth0", NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8", "extra",
			       NULL), VERB_USAGE);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8", "--bogus",
			       NULL), VERB_USAGE);
}

/* Inbound filtering and anti-spoofing are on unless turned off. */
static void test_run_filter_args(void **state)
{
	struct instance_cfg cfg;
	struct common_opts c;
	bool ext_ip;

	(void)state;
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8", NULL), VERB_OK);
	assert_int_equal(cfg.settings.route_inbound, 0);
	assert_false(cfg.no_anti_spoof);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8",
			       "--route-inbound", "--no-anti-spoof", NULL), VERB_OK);
	assert_int_equal(cfg.settings.route_inbound, 1);
	assert_true(cfg.no_anti_spoof);
	assert_int_equal(parse(&cfg, &c, &ext_ip, "-e", "eth0", "-i", "10.0.0.0/8",
			       "--route-inbound=yes", NULL), VERB_USAGE);
}

/* A rejected program's verifier log is cut to its last lines: the reason. */
static void test_log_tail(void **state)
{
	const char *log = "0: r1 = 1\n1: r2 = 2\n2: invalid access to packet\n";

	(void)state;
	assert_string_equal(log_tail(log, 1), "2: invalid access to packet\n");
	assert_string_equal(log_tail(log, 2), "1: r2 = 2\n2: invalid access to packet\n");
	assert_ptr_equal(log_tail(log, 3), log);
	assert_ptr_equal(log_tail(log, 50), log);
	assert_string_equal(log_tail("no newline at all", 1), "no newline at all");
	assert_string_equal(log_tail("", 5), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_u32),
		cmocka_unit_test(test_pin_root),
		cmocka_unit_test(test_instance_dir),
		cmocka_unit_test(test_run_args),
		cmocka_unit_test(test_log_tail),
		cmocka_unit_test(test_run_filter_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
