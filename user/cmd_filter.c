// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpgw filter add|del|list|default: the inbound filter table of a running
 * instance, changed in its pinned maps (filter_rules.h), no restart.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "xdpgw.h"
#include "cli.h"
#include "config.h"
#include "filter_rules.h"
#include "log.h"

static const char filter_usage[] =
	"Usage: xdpgw filter list [--json]\n"
	"       xdpgw filter add [--at N] allow|drop PROTO [PORT[-PORT]] [to ADDR] [from PREFIX]\n"
	"       xdpgw filter del RULE... | N\n"
	"       xdpgw filter default allow|drop\n"
	"       (each with [--external IF] [--pin-root DIR], anywhere among the words)\n"
	"\n"
	"The inbound filter table of the instance on IF: packets from outside that\n"
	"are part of no flow, to the gateway's own address or to a forwarded or\n"
	"static one, are judged by the rules in order, the first that matches\n"
	"deciding, else by the default (allow unless set). Replies of flows made\n"
	"from inside are never judged. PROTO is tcp, udp, icmp or any; a port or\n"
	"range only with tcp or udp; `to` an address; `from` a prefix or address.\n"
	"A change takes effect at once for new packets; flows keep working.\n"
	"\n"
	"  add          append the rule, or insert it as rule N with --at N\n"
	"  del          remove the rule given by its words, or rule number N\n"
	"  list         the rules and the default, with packets and bytes counted\n"
	"  default      the policy for what no rule matches\n"
	"  -e, --external IF   external interface of the instance (default: the one\n"
	"                      instance of this network namespace)\n"
	"  -j, --json          list: one JSON object\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n"
	"\n"
	"Examples: xdpgw filter default drop\n"
	"          xdpgw filter add allow tcp 22 from 10.1.1.0/24\n"
	"          xdpgw filter add --at 1 drop udp 1000-2000 to 10.1.3.12\n"
	"          xdpgw filter del 2\n";

#define MAX_WORDS 32
#define LOCK_WAIT_MS 2000

/* The words of the command, apart from its options: cli_parse_verb gets
 * the options only; --at N is this verb's own.
 */
struct filter_words {
	int n;
	char *w[MAX_WORDS];
	const char *at;
};

/* Split argv: options (and their values) to opts, the rest to words. */
static int split_args(int argc, char **argv, char **opts, int *nopts, struct filter_words *fw)
{
	int i;

	*nopts = 0;
	opts[(*nopts)++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool valued = !strcmp(a, "-e") || !strcmp(a, "--external") ||
			      !strcmp(a, "--pin-root");

		if (!strcmp(a, "--at")) {
			if (i + 1 >= argc)
				return -EINVAL;
			fw->at = argv[++i];
		} else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			opts[(*nopts)++] = argv[i];
			if (valued && i + 1 < argc)
				opts[(*nopts)++] = argv[++i];
		} else if (fw->n < MAX_WORDS) {
			fw->w[fw->n++] = argv[i];
		} else {
			return -E2BIG;
		}
	}
	opts[*nopts] = NULL;
	return 0;
}

/* One writer per instance at a time: an abstract unix socket, per netns,
 * released by the kernel with its process. Waits up to LOCK_WAIT_MS.
 */
static int writer_lock(const char *ifname)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 +
			snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "xdpgw-filter/%s",
				 ifname);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), waited;

	if (fd < 0)
		return -errno;
	for (waited = 0; bind(fd, (struct sockaddr *)&sa, len); waited += 10) {
		if (errno != EADDRINUSE || waited >= LOCK_WAIT_MS) {
			pr_warn("another `xdpgw filter` is changing the table of '%s'\n", ifname);
			close(fd);
			return -EBUSY;
		}
		nanosleep(&tick, NULL);
	}
	return fd;
}

static void print_count(const struct filter_maps *m, __u32 slot, bool json)
{
	struct filter_count c;

	filter_count_read(m, slot, &c);
	if (json)
		printf("\"packets\":%llu,\"bytes\":%llu", (unsigned long long)c.packets,
		       (unsigned long long)c.bytes);
	else
		printf("%12llu %14llu", (unsigned long long)c.packets,
		       (unsigned long long)c.bytes);
}

static int list(const struct filter_maps *m, const struct filter_table *t, bool json)
{
	char text[128];
	__u32 i;

	if (json) {
		printf("{\"default\":{\"action\":\"%s\",", filter_action_name(t->default_action));
		print_count(m, XDPGW_FILTER_DEFAULT_SLOT, true);
		printf("},\"rules\":[");
		for (i = 0; i < t->n; i++) {
			filter_rule_format(&t->rules[i], text, sizeof(text));
			printf("%s{\"number\":%u,\"rule\":\"%s\",", i ? "," : "", i + 1, text);
			print_count(m, t->rules[i].slot, true);
			putchar('}');
		}
		puts("]}");
		return EXIT_OK;
	}
	printf("%5s %12s %14s  %s\n", "rule", "packets", "bytes", "");
	for (i = 0; i < t->n; i++) {
		filter_rule_format(&t->rules[i], text, sizeof(text));
		printf("%5u ", i + 1);
		print_count(m, t->rules[i].slot, false);
		printf("  %s\n", text);
	}
	printf("%5s ", "-");
	print_count(m, XDPGW_FILTER_DEFAULT_SLOT, false);
	printf("  default %s\n", filter_action_name(t->default_action));
	return EXIT_OK;
}

/* Apply the subcommand in fw to t. 0, or an exit code with the reason told. */
static int change(struct filter_table *t, const struct filter_words *fw, const char *ifname)
{
	char err[FILTER_ERR_LEN] = "", text[128];
	const char *sub = fw->w[0];
	struct filter_rule r;
	__u32 num = 0, at = 0;

	if (!strcmp(sub, "default")) {
		if (fw->n != 2 || filter_action_parse(fw->w[1], &t->default_action)) {
			fprintf(stderr, "xdpgw filter default: allow or drop\n");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (fw->at && (strcmp(sub, "add") || parse_u32(fw->at, 1, XDPGW_FILTER_RULES_MAX, &at))) {
		fprintf(stderr, "xdpgw filter: --at takes a rule number (1-%u), with add only\n",
			XDPGW_FILTER_RULES_MAX);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "del") && fw->n == 2 && !parse_u32(fw->w[1], 1, UINT32_MAX, &num)) {
		if (filter_table_del(t, num, err, sizeof(err)))
			goto refused;
		return 0;
	}
	if (filter_rule_parse(fw->n - 1, fw->w + 1, &r, err, sizeof(err)))
		goto refused;
	if (!strcmp(sub, "add")) {
		if (filter_table_add(t, &r, at, err, sizeof(err)))
			goto refused;
		return 0;
	}
	num = filter_table_find(t, &r);
	if (!num) {
		filter_rule_format(&r, text, sizeof(text));
		snprintf(err, sizeof(err), "no rule '%s'", text);
		goto refused;
	}
	return filter_table_del(t, num, err, sizeof(err)) ? EXIT_FAIL : 0;
refused:
	fprintf(stderr, "xdpgw filter %s on '%s': %s; nothing changed\n", sub, ifname, err);
	return EXIT_FAIL;
}

int cmd_filter(int argc, char **argv)
{
	static struct filter_table t;
	struct filter_words fw = {};
	struct verb_args args = {};
	char *opts[MAX_WORDS + 2], dir[PATH_MAX];
	struct filter_maps m;
	int ret, nopts, lock = -1;
	bool writes;

	if (argc > MAX_WORDS || split_args(argc, argv, opts, &nopts, &fw)) {
		fputs(filter_usage, stderr);
		return EXIT_USAGE;
	}
	ret = cli_parse_verb(nopts, opts, filter_usage, VERB_JSON, &args);
	if (ret >= 0)
		return ret;
	if (!fw.n || (strcmp(fw.w[0], "list") && strcmp(fw.w[0], "add") &&
		      strcmp(fw.w[0], "del") && strcmp(fw.w[0], "default")) ||
	    (!strcmp(fw.w[0], "list") && fw.n != 1)) {
		fprintf(stderr, "xdpgw filter: add, del, list or default%s%s%s\n",
			fw.n ? " (not '" : "", fw.n ? fw.w[0] : "", fw.n ? "')" : "");
		fputs(filter_usage, stderr);
		return EXIT_USAGE;
	}
	if (cli_instance_dir(&args.c, dir, sizeof(dir)) || filter_maps_open(dir, &m)) {
		pr_warn("no xdpgw instance with a filter table on '%s'\n", args.c.ifname);
		return EXIT_FAIL;
	}
	writes = strcmp(fw.w[0], "list");
	if (writes && (lock = writer_lock(args.c.ifname)) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	/* read after the lock: another writer's change is not lost */
	if (filter_table_read(&m, &t)) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (!writes) {
		ret = list(&m, &t, args.json);
		goto out;
	}
	ret = change(&t, &fw, args.c.ifname);
	if (!ret && filter_table_write(&m, &t))
		ret = EXIT_FAIL;
out:
	if (lock >= 0)
		close(lock);
	filter_maps_close(&m);
	return ret;
}
