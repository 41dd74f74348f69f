// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmocka tests: the config file reader, and the files of `xdpgw run` and
 * `xdpgw proxy` it reads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "cli.h"
#include "run_conf.h"
#include "conf_file.h"
#include "timeouts.h"
#include "instance.h"
#include "proxy.h"

/* What the reader called back with, one "section|name|value" a line. */
struct seen {
	char text[1024];
	int fail_at; /* the call that fails (1 is the first), 0 none */
	int calls;
};

static int record(void *ctx, const char *section, const char *name, const char *value, char *err,
		  size_t errlen)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s|%s|%s\n", section, name ?: "-",
		 value ?: "-");
	if (++s->calls == s->fail_at) {
		snprintf(err, errlen, "%s refused", name ?: section);
		return -EINVAL;
	}
	return 0;
}

static int parse(const char *text, struct seen *s, char *err, size_t errlen)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", text);
	err[0] = '\0';
	return conf_parse(buf, "t.conf", record, s, err, errlen);
}

static int record_line(void *ctx, const char *section, int lineno, char *line, char *err,
		       size_t errlen)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s@%d|%s\n", section, lineno, line);
	if (++s->calls == s->fail_at) {
		snprintf(err, errlen, "line refused");
		return -EINVAL;
	}
	return 0;
}

/* Sections of rules get their lines whole, with their numbers; the others
 * stay name/value; a header ends a rules section.
 */
static void test_line_sections(void **state)
{
	static const char *const rules[] = { "forward", "filter", NULL };
	struct seen s = {};
	struct conf_handlers h = { record, record_line, rules, &s };
	char buf[512], err[256] = "";

	(void)state;
	snprintf(buf, sizeof(buf), "max-flows 10\n"
				   "[forward]\n"
				   "  tcp 10.1.3.12:443   172.16.3.12:443  # lb1\n"
				   "\n"
				   "# nothing\n"
				   "udp 10.1.3.12:53 172.16.3.2:53\n"
				   "[nat]\n"
				   "timeout udp_unreplied=5\n"
				   "[filter]\n"
				   "default drop\n");
	assert_int_equal(conf_parse_with(buf, "t.conf", &h, err, sizeof(err)), 0);
	assert_string_equal(s.text, "|max-flows|10\n"
				    "forward|-|-\n"
				    "forward@3|tcp 10.1.3.12:443   172.16.3.12:443\n"
				    "forward@6|udp 10.1.3.12:53 172.16.3.2:53\n"
				    "nat|-|-\n"
				    "nat|timeout|udp_unreplied=5\n"
				    "filter|-|-\n"
				    "filter@10|default drop\n");
	/* a refused rule line is named by its file and line */
	memset(&s, 0, sizeof(s));
	s.fail_at = 3;
	snprintf(buf, sizeof(buf), "[filter]\nallow tcp 80\nallow tcp 99999\n");
	assert_int_equal(conf_parse_with(buf, "fw1.conf", &h, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "fw1.conf:3: line refused");
}

static void test_sections_and_comments(void **state)
{
	struct seen s = {};
	char err[256];

	(void)state;
	assert_int_equal(parse("# a comment\n"
			       "external eth0   # trailing comment\n"
			       "\n"
			       "   \t\n"
			       "keep\n"
			       "internal\t10.100.20.0/24\r\n"
			       "[proxy]\n"
			       "  listen 203.0.113.1:80\n"
			       "[nat]# a comment after a header\n"
			       "ports 1024-2047",
			       &s, err, sizeof(err)),
			 0);
	assert_string_equal(s.text, "|external|eth0\n"
				    "|keep|-\n"
				    "|internal|10.100.20.0/24\n"
				    "proxy|-|-\n"
				    "proxy|listen|203.0.113.1:80\n"
				    "nat|-|-\n"
				    "nat|ports|1024-2047\n");
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse("", &s, err, sizeof(err)), 0);
	assert_int_equal(s.calls, 0);
}

static void test_errors_name_the_line(void **state)
{
	struct seen s = {};
	char err[256];

	(void)state;
	assert_int_equal(parse("a 1\n\nb 2 3\nc 4\n", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: one value per line");
	assert_string_equal(s.text, "|a|1\n"); /* nothing after the bad line */

	memset(&s, 0, sizeof(s));
	assert_int_equal(parse("a 1\n[proxy] listen\n", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: a section header is [NAME] alone on its line");
	assert_int_equal(parse("[]\n", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1: a section header is [NAME] alone on its line");
	assert_int_equal(parse("\n[pro xy]\n", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: a section header is [NAME] alone on its line");
	assert_int_equal(parse("[proxy\n", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1: a section header is [NAME] alone on its line");

	/* the callback's refusal, at its line */
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	assert_int_equal(parse("a 1\n# x\n[web]\nb 2\n", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(s.calls, 2);
	assert_string_equal(err, "t.conf:3: web refused");
}

static char path[] = "/tmp/xdpgw-conf-XXXXXX";

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file_read(void **state)
{
	struct seen s = {};
	char err[256], *text;

	(void)state;
	write_file("a 1\n[b]\nc\n");
	assert_int_equal(conf_file_read(path, record, &s, &text, err, sizeof(err)), 0);
	assert_string_equal(s.text, "|a|1\nb|-|-\nb|c|-\n");
	free(text);

	/* a NUL byte: not silently the end of the file */
	write_file("a 1\n");
	assert_int_equal(truncate(path, 6), 0);
	assert_int_equal(conf_file_read(path, record, &s, &text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a NUL byte"));
	free(text);

	assert_int_equal(conf_file_read("/nonexistent/x.conf", record, &s, &text, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err,
			    "cannot open config /nonexistent/x.conf: No such file or directory");
	assert_null(text);
}

/* `xdpgw proxy --config`: the top level and [proxy]; [nat] is run's. */
static void test_proxy_file_sections(void **state)
{
	struct proxy_cfg cfg;
	char err[256];

	(void)state;
	proxy_cfg_defaults(&cfg);
	write_file("[nat]\nexternal eth0\ninternal 10.100.20.0/24\n"
		   "[proxy]\nlisten 203.0.113.1:80\nbackend 10.100.20.57:80\n");
	assert_int_equal(proxy_cfg_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.nbackends, 1);
	assert_int_equal(cfg.nlistens, 1);

	proxy_cfg_defaults(&cfg);
	write_file("listen 203.0.113.1:80\n[proxy]\nbackend 10.100.20.57:80\n");
	assert_int_equal(proxy_cfg_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.nbackends, 1);

	proxy_cfg_defaults(&cfg); /* a listener is given once */
	write_file("listen 203.0.113.1:80\n\n[web]\nbackend 10.100.20.57:80\n");
	assert_int_equal(proxy_cfg_load(&cfg, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: unknown section [web]"));
	write_file("[proxy]\nexternal eth0\n");
	assert_int_equal(proxy_cfg_load(&cfg, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: unknown option 'external'"));
}

/* ---------------------------------------------------------------- run */

static struct instance_cfg cfg;
static struct common_opts common;
static struct run_conf conf;
static bool ext_ip;
static char stderr_text[1024];

/* `xdpgw run --config FILE ARGS...` with FILE holding text; what it said on
 * stderr into stderr_text. Returns run_parse_args's answer. */
static int run_with(const char *text, ...)
{
	char *argv[16] = {"run", "--config", path};
	char errpath[] = "/tmp/xdpgw-conf-err-XXXXXX";
	int argc = 3, ret, saved, fd;
	ssize_t n;
	va_list ap;

	va_start(ap, text);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	write_file(text);
	free(conf.text);
	memset(&conf, 0, sizeof(conf));
	memset(&common, 0, sizeof(common));
	memset(&cfg, 0, sizeof(cfg));
	cfg.settings.port_min = XDPGW_DEFAULT_PORT_MIN;
	cfg.settings.port_max = XDPGW_DEFAULT_PORT_MAX;
	cfg.settings.max_flows = XDPGW_DEFAULT_MAX_FLOWS;
	timeouts_default(&cfg.settings);
	ext_ip = false;

	fd = mkstemp(errpath);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	ret = run_parse_args(argc, argv, &common, &cfg, &ext_ip, &conf);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, stderr_text, sizeof(stderr_text) - 1, 0);
	stderr_text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(errpath);
	return ret;
}

static const char nat_and_proxy[] = "# the gateway\n"
				    "external eth0\n"
				    "internal 10.100.20.0/24\n"
				    "ports 40000-40009\n"
				    "timeout udp_unreplied=10\n"
				    "timeout established=600\n"
				    "keep\n"
				    "\n"
				    "[proxy]\n"
				    "listen 203.0.113.1:80\n"
				    "backend 10.100.20.57:80\n"
				    "backend 10.100.20.58:80,weight=2\n";

static void test_run_file(void **state)
{
	struct in_addr a;

	(void)state;
	assert_int_equal(run_with(nat_and_proxy, NULL), VERB_OK);
	assert_string_equal(common.ifname, "eth0");
	inet_pton(AF_INET, "10.100.20.0", &a);
	assert_int_equal(cfg.settings.internal_net, a.s_addr);
	assert_int_equal(cfg.settings.port_min, 40000);
	assert_int_equal(cfg.settings.port_max, 40009);
	assert_int_equal(cfg.settings.timeout[FLOW_UDP_UNREPLIED], 10);
	assert_int_equal(cfg.settings.timeout[FLOW_TCP_ESTABLISHED], 600);
	assert_true(cfg.keep);
	assert_true(conf.have_proxy);
	assert_int_equal(conf.proxy.nbackends, 2);
	assert_int_equal(conf.proxy.backends[1].weight, 2);

	/* the command line wins; repeated --timeout adds up with the file's */
	assert_int_equal(run_with(nat_and_proxy, "--ports", "50000-50099", "--external", "eth1",
				  "--timeout", "udp_unreplied=20", NULL),
			 VERB_OK);
	assert_string_equal(common.ifname, "eth1");
	assert_int_equal(cfg.settings.port_min, 50000);
	assert_int_equal(cfg.settings.timeout[FLOW_UDP_UNREPLIED], 20);
	assert_int_equal(cfg.settings.timeout[FLOW_TCP_ESTABLISHED], 600);

	/* [nat] is the top level's other name; no [proxy], no proxy */
	assert_int_equal(run_with("[nat]\ninternal 10.100.20.0/24\n", "-e", "eth0", NULL), VERB_OK);
	assert_false(conf.have_proxy);
	assert_string_equal(common.ifname, "eth0");
	/* still required, from one or the other */
	assert_int_equal(run_with("internal 10.100.20.0/24\n", NULL), VERB_USAGE);
	assert_int_equal(run_with("external eth0\n", NULL), VERB_USAGE);
	/* a bad command line is a usage error even with a good file */
	assert_int_equal(run_with(nat_and_proxy, "--ports", "9-1", NULL), VERB_USAGE);
}

/* A bad file is a failure (exit 1) naming FILE:LINE and the option. */
static void test_run_file_errors(void **state)
{
	char want[256];

	(void)state;
#define REFUSED(text, line, msg)                                                                   \
	do {                                                                                       \
		assert_int_equal(run_with(text, NULL), VERB_CONFIG);                                 \
		snprintf(want, sizeof(want), "xdpgw run: %s:%d: %s", path, line, msg);             \
		if (!strstr(stderr_text, want))                                                    \
			fail_msg("expected \"%s\", got \"%s\"", want, stderr_text);                \
	} while (0)
	REFUSED("external eth0\ninternal 10.100.20.1/24\n", 2,
		"internal '10.100.20.1/24': not an IPv4 prefix");
	REFUSED("external eth0\n\nports 2000-1000\n", 3, "ports '2000-1000'");
	REFUSED("timeout sleepy=5\n", 1, "timeout 'sleepy=5'");
	REFUSED("keep yes\n", 1, "keep takes no value");
	REFUSED("external\n", 1, "external needs a value");
	REFUSED("verbose\n", 1, "unknown option 'verbose'");
	REFUSED("config /etc/x.conf\n", 1, "unknown option 'config'");
	REFUSED("listen 203.0.113.1:80\n", 1, "unknown option 'listen'");
	REFUSED("external eth0\n[proxy]\nlisten 203.0.113.1:80\nbackend nonsense\n", 4,
		"backend 'nonsense': expected A.B.C.D:PORT");
	REFUSED("[proxy]\nexternal eth0\n", 2, "unknown option 'external'");
	REFUSED("external eth0\n[nat]\n[web]\nlisten 203.0.113.1:80\n", 3,
		"unknown section [web]: [nat], [proxy], [forward], [static], [pool] or [filter]");
#undef REFUSED
	/* the [proxy] section is checked whole before anything starts */
	assert_int_equal(run_with("external eth0\ninternal 10.100.20.0/24\n[proxy]\n"
				  "backend 10.100.20.57:80\n",
				  NULL),
			 VERB_CONFIG);
	snprintf(want, sizeof(want), "%s: [proxy]: --listen ADDR:PORT is required", path);
	assert_non_null(strstr(stderr_text, want));
	/* help needs no file */
	unlink(path);
	assert_int_equal(run_with("", "--help", NULL), VERB_HELP);
	unlink(path);
	conf.path = NULL;
}

/* The NAT's lines are hashed: SIGHUP says when they changed. */
static void test_run_file_nat_hash(void **state)
{
	uint64_t h;

	(void)state;
	assert_int_equal(run_with("external eth0\ninternal 10.100.20.0/24\n[proxy]\n"
				  "listen 203.0.113.1:80\nbackend 10.100.20.57:80\n",
				  NULL),
			 VERB_OK);
	h = conf.nat_hash;
	/* comments, blanks, [nat] and the proxy's lines do not count */
	assert_int_equal(run_with("# x\n[nat]\nexternal  eth0 # y\n\ninternal 10.100.20.0/24\n"
				  "[proxy]\nlisten 203.0.113.1:80\nbackend 10.100.20.58:80\n",
				  NULL),
			 VERB_OK);
	assert_true(conf.nat_hash == h);
	assert_int_equal(run_with("external eth0\ninternal 10.100.21.0/24\n", NULL), VERB_OK);
	assert_true(conf.nat_hash != h);
	assert_int_equal(run_with("external eth0\ninternal 10.100.20.0/24\nkeep\n", NULL), VERB_OK);
	assert_true(conf.nat_hash != h);
}

static int teardown(void **state)
{
	(void)state;
	free(conf.text);
	conf.text = NULL;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_comments),
		cmocka_unit_test(test_line_sections),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test_teardown(test_file_read, teardown),
		cmocka_unit_test_teardown(test_proxy_file_sections, teardown),
		cmocka_unit_test_teardown(test_run_file, teardown),
		cmocka_unit_test_teardown(test_run_file_errors, teardown),
		cmocka_unit_test_teardown(test_run_file_nat_hash, teardown),
	};
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
