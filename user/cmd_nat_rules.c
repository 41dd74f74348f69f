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
#include "cli.h"
#include "log.h"
#include "nat_rules.h"

enum rule_kind { KIND_FORWARD, KIND_STATIC, KIND_POOL };

static const char *const kind_names[] = { "forward", "static", "pool" };

static const char rules_usage[] =
	"Usage: xdpgw forward add|del PROTO PUBLIC:PORT[-PORT] INTERNAL:PORT[-PORT]\n"
	"       xdpgw static add|del PUBLIC_ADDRESS INTERNAL_ADDRESS\n"
	"       xdpgw pool add|del ADDRESS[-ADDRESS]\n"
	"       xdpgw forward|static|pool list [--json]\n"
	"\n"
	"Change the translation rules of the running instance on IF: port\n"
	"forwarding (tcp or udp), static 1:1 NAT, the address pool. `del` takes the\n"
	"words of its `add`, and ends the rule's flows.\n"
	"\n"
	"  -e, --external IF   external interface of the instance (default: the one\n"
	"                      instance of this network namespace)\n"
	"  -j, --json          list: a JSON array of the rules\n"
	"      --pin-root DIR  as given to `xdpgw run`\n"
	"  -v, --verbose       more output\n"
	"  -h, --help          this text\n";

/* The rule's words, joined by spaces. */
static void join(char **words, int n, char *out, size_t len)
{
	size_t off = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(out + off, len - off, "%s%s", i ? " " : "", words[i]);
}

static int apply(struct nat_rules *n, enum rule_kind kind, bool add, const char *text,
		 __u64 *ended, char *err, size_t len)
{
	struct forward_rule f;
	struct static_rule s;
	struct pool_rule p;

	switch (kind) {
	case KIND_FORWARD:
		return forward_rule_parse(text, &f, err, len) ?:
		       (add ? nat_forward_add(n, &f, err, len) :
			      nat_forward_del(n, &f, ended, err, len));
	case KIND_STATIC:
		return static_rule_parse(text, &s, err, len) ?:
		       (add ? nat_static_add(n, &s, err, len) :
			      nat_static_del(n, &s, ended, err, len));
	default:
		return pool_rule_parse(text, &p, err, len) ?:
		       (add ? nat_pool_add(n, &p, err, len) : nat_pool_del(n, &p, ended, err, len));
	}
}

/* The lines of nat_rules_list of one kind: "KIND WORDS...". */
static void list(const char *all, enum rule_kind kind, bool json)
{
	const char *line = all, *end;
	size_t klen = strlen(kind_names[kind]);
	bool first = true;

	if (json)
		putchar('[');
	for (; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (strncmp(line, kind_names[kind], klen) || line[klen] != ' ')
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

/* Split argv into the options (with their values), for cli_parse_verb,
 * and the words (action and rule). argv[0] stays first of the options.
 */
static void split_args(int argc, char **argv, char **opts, int *nopts, char **words, int *nwords)
{
	int i;

	*nopts = 1;
	*nwords = 0;
	opts[0] = argv[0];
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || !argv[i][1]) {
			words[(*nwords)++] = argv[i];
			continue;
		}
		opts[(*nopts)++] = argv[i];
		if ((!strcmp(argv[i], "-e") || !strcmp(argv[i], "--external") ||
		     !strcmp(argv[i], "--pin-root")) && i + 1 < argc)
			opts[(*nopts)++] = argv[++i];
	}
	opts[*nopts] = NULL;
}

static int rules_apply(enum rule_kind kind, const struct verb_args *args, char **words,
		       int nwords)
{
	char dir[PATH_MAX], text[256], err[512], *buf;
	struct nat_rules n;
	__u64 ended = 0;
	const char *action = words[0];
	int ret;

	if (strcmp(action, "add") && strcmp(action, "del") && strcmp(action, "list")) {
		pr_warn("%s: unknown action '%s' (add, del or list)\n", kind_names[kind], action);
		return EXIT_USAGE;
	}
	if (cli_instance_dir(&args->c, dir, sizeof(dir)))
		return EXIT_FAIL;
	if (nat_rules_open(&n, dir, args->c.ifname, err, sizeof(err))) {
		pr_warn("%s: %s\n", kind_names[kind], err);
		return EXIT_FAIL;
	}
	if (!strcmp(action, "list")) {
		buf = malloc(1 << 20);
		ret = buf ? nat_rules_list(&n, buf, 1 << 20) : -ENOMEM;
		if (ret >= 0)
			list(buf, kind, args->json);
		else
			pr_warn("%s list: %s\n", kind_names[kind], strerror(-ret));
		free(buf);
		nat_rules_close(&n);
		return ret >= 0 ? EXIT_OK : EXIT_FAIL;
	}
	join(words + 1, nwords - 1, text, sizeof(text));
	ret = apply(&n, kind, !strcmp(action, "add"), text, &ended, err, sizeof(err));
	nat_rules_close(&n);
	if (ret) {
		pr_warn("%s\n", err);
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (ended)
		printf("%llu flows ended\n", (unsigned long long)ended);
	return EXIT_OK;
}

static int cmd_rules(enum rule_kind kind, int argc, char **argv)
{
	struct verb_args args = {};
	char **opts = calloc(argc + 1, sizeof(*opts)), **words = calloc(argc + 1, sizeof(*words));
	int ret, nopts, nwords;

	if (!opts || !words) {
		free(opts);
		free(words);
		return EXIT_FAIL;
	}
	split_args(argc, argv, opts, &nopts, words, &nwords);
	ret = cli_parse_verb(nopts, opts, rules_usage, VERB_JSON, &args);
	if (ret < 0)
		ret = nwords ? rules_apply(kind, &args, words, nwords) : EXIT_USAGE;
	if (ret == EXIT_USAGE && !nwords)
		fputs(rules_usage, stderr);
	free(opts);
	free(words);
	return ret;
}

int cmd_forward(int argc, char **argv)
{
	return cmd_rules(KIND_FORWARD, argc, argv);
}

int cmd_static(int argc, char **argv)
{
	return cmd_rules(KIND_STATIC, argc, argv);
}

int cmd_pool(int argc, char **argv)
{
	return cmd_rules(KIND_POOL, argc, argv);
}
