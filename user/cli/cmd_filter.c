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
#include <unistd.h>
#include "xdpgw.h"
#include "cli.h"
#include "strparse.h"
#include "filter_rules.h"
#include "log.h"

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

static enum verb_result list(const struct filter_maps *m, const struct filter_table *t, bool json)
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
		return VERB_OK;
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
	return VERB_OK;
}

/* Apply the command's words to t. VERB_OK, or why not (told). */
static enum verb_result change(struct filter_table *t, const struct verb_args *a)
{
	char err[FILTER_ERR_LEN] = "", text[128];
	const char *sub = a->words[0], *ifname = a->c.ifname;
	struct filter_rule r;
	__u32 num = 0, at = 0;

	if (!strcmp(sub, "default")) {
		if (a->nwords != 2 || filter_action_parse(a->words[1], &t->default_action)) {
			fprintf(stderr, "xdpgw filter default: allow or drop\n");
			return VERB_USAGE;
		}
		return VERB_OK;
	}
	if (a->at && (strcmp(sub, "add") || parse_u32(a->at, 1, XDPGW_FILTER_RULES_MAX, &at))) {
		fprintf(stderr, "xdpgw filter: --at takes a rule number (1-%u), with add only\n",
			XDPGW_FILTER_RULES_MAX);
		return VERB_USAGE;
	}
	if (!strcmp(sub, "del") && a->nwords == 2 && !parse_u32(a->words[1], 1, UINT32_MAX, &num)) {
		if (filter_table_del(t, num, err, sizeof(err)))
			goto refused;
		return VERB_OK;
	}
	if (filter_rule_parse(a->nwords - 1, a->words + 1, &r, err, sizeof(err)))
		goto refused;
	if (!strcmp(sub, "add")) {
		if (filter_table_add(t, &r, at, err, sizeof(err)))
			goto refused;
		return VERB_OK;
	}
	num = filter_table_find(t, &r);
	if (!num) {
		filter_rule_format(&r, text, sizeof(text));
		snprintf(err, sizeof(err), "no rule '%s'", text);
		goto refused;
	}
	if (filter_table_del(t, num, err, sizeof(err)))
		goto refused;
	return VERB_OK;
refused:
	fprintf(stderr, "xdpgw filter %s on '%s': %s; nothing changed\n", sub, ifname, err);
	return VERB_CONFIG;
}

static bool known_command(const struct verb_args *a)
{
	const char *sub = a->nwords ? a->words[0] : "";

	if (!strcmp(sub, "list"))
		return a->nwords == 1;
	return !strcmp(sub, "add") || !strcmp(sub, "del") || !strcmp(sub, "default");
}

enum verb_result cmd_filter(int argc, char **argv)
{
	static struct filter_table t;
	struct verb_args args = {};
	char dir[PATH_MAX];
	struct filter_maps m;
	enum verb_result ret;
	int lock = -1;
	bool writes;

	ret = cli_parse_verb_words(argc, argv, &opts_filter, &args);
	if (ret != VERB_OK)
		return ret;
	if (!known_command(&args)) {
		fprintf(stderr, "xdpgw filter: add, del, list or default%s%s%s\n",
			args.nwords ? " (not '" : "", args.nwords ? args.words[0] : "",
			args.nwords ? "')" : "");
		opts_usage(stderr, &opts_filter);
		return VERB_USAGE;
	}
	if (cli_instance_dir(&args.c, dir, sizeof(dir)) || filter_maps_open(dir, &m)) {
		pr_warn("no xdpgw instance with a filter table on '%s'\n", args.c.ifname);
		return VERB_RUNTIME;
	}
	writes = strcmp(args.words[0], "list");
	if (writes && (lock = cli_writer_lock("filter", args.c.ifname)) < 0) {
		ret = VERB_RUNTIME;
		goto out;
	}
	/* read after the lock: another writer's change is not lost */
	if (filter_table_read(&m, &t)) {
		ret = VERB_RUNTIME;
		goto out;
	}
	if (!writes) {
		ret = list(&m, &t, args.json);
		goto out;
	}
	ret = change(&t, &args);
	if (ret == VERB_OK && filter_table_write(&m, &t))
		ret = VERB_RUNTIME;
out:
	if (lock >= 0)
		close(lock);
	filter_maps_close(&m);
	return ret;
}
