// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpgw forward|static|pool add|del|list: the translation rules of a
 * running instance, on its pinned maps (nat_rules.c). The rule's words
 * follow the action, as a user types them; --external may stand anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "nat_rules.h"

/* The rule's words, joined by spaces. */
static void join(char **words, int n, char *out, size_t len)
{
	size_t off = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(out + off, len - off, "%s%s", i ? " " : "", words[i]);
}

/* The lines of nat_rules_list of one kind: "KIND WORDS...". */
static void list(const char *all, const char *kind, bool json)
{
	const char *line = all, *end;
	size_t klen = strlen(kind);
	bool first = true;

	if (json)
		putchar('[');
	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (strncmp(line, kind, klen) || line[klen] != ' ')
			continue;
		if (json)
			printf("%s\"%.*s\"", first ? "" : ",", (int)(end - line - klen - 1),
			       line + klen + 1);
		else
			printf("%.*s\n", (int)(end - line), line);
		first = false;
	}
	if (json)
		puts("]");
}

static enum verb_result rules_list(struct nat_rules *n, const char *kind, bool json)
{
	char *buf = malloc(1 << 20);
	int ret = buf ? nat_rules_list(n, buf, 1 << 20) : -ENOMEM;

	if (ret >= 0)
		list(buf, kind, json);
	else
		pr_warn("%s list: %s\n", kind, strerror(-ret));
	free(buf);
	return ret >= 0 ? VERB_OK : VERB_RUNTIME;
}

static enum verb_result rules_change(struct nat_rules *n, const struct verb_args *a,
				     const char *kind)
{
	char text[256], err[512];
	__u64 ended = 0;
	int lock, ret;

	join(a->words + 1, a->nwords - 1, text, sizeof(text));
	lock = cli_writer_lock("rules", a->c.ifname);
	if (lock < 0)
		return VERB_RUNTIME;
	ret = nat_rule_apply(n, kind, !strcmp(a->words[0], "add"), text, &ended, err, sizeof(err));
	close(lock);
	if (ret) {
		fprintf(stderr, "xdpgw %s %s on '%s': %s; nothing changed\n", kind, a->words[0],
			a->c.ifname, err);
		return ret == -EINVAL ? VERB_USAGE : VERB_CONFIG;
	}
	if (ended)
		printf("%llu flows ended\n", (unsigned long long)ended);
	return VERB_OK;
}

static enum verb_result cmd_rules(const struct verb_opts *v, int argc, char **argv)
{
	const char *kind = v->verb, *action;
	struct verb_args args = {};
	char dir[PATH_MAX], err[512];
	struct nat_rules n;
	enum verb_result ret;

	ret = cli_parse_verb_words(argc, argv, v, &args);
	if (ret != VERB_OK)
		return ret;
	action = args.nwords ? args.words[0] : "";
	if ((strcmp(action, "add") && strcmp(action, "del") && strcmp(action, "list")) ||
	    (!strcmp(action, "list") && args.nwords != 1)) {
		fprintf(stderr, "xdpgw %s: add, del or list%s%s%s\n", kind,
			*action ? " (not '" : "", action, *action ? "')" : "");
		opts_usage(stderr, v);
		return VERB_USAGE;
	}
	if (cli_instance_dir(&args.c, dir, sizeof(dir)))
		return VERB_RUNTIME;
	if (nat_rules_open(&n, dir, args.c.ifname, err, sizeof(err))) {
		pr_warn("xdpgw %s: %s\n", kind, err);
		return VERB_RUNTIME;
	}
	ret = !strcmp(action, "list") ? rules_list(&n, kind, args.json) :
					rules_change(&n, &args, kind);
	nat_rules_close(&n);
	return ret;
}

enum verb_result cmd_forward(int argc, char **argv)
{
	return cmd_rules(&opts_forward, argc, argv);
}

enum verb_result cmd_static(int argc, char **argv)
{
	return cmd_rules(&opts_static, argc, argv);
}

enum verb_result cmd_pool(int argc, char **argv)
{
	return cmd_rules(&opts_pool, argc, argv);
}
