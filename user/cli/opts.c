// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the option tables (opts_*.c) make: getopt's, --help, man, keys. */
#include <string.h>
#include "opts.h"

void opts_getopt(const struct verb_opts *v, struct option *longs, char *shorts)
{
	const struct opt *o;
	int i;

	for (i = 0, o = v->opts; o->name && i < OPTS_MAX - 1; i++, o++) {
		longs[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					    NULL, o->short_name ?: OPT_VAL_BASE + i };
		if (!o->short_name)
			continue;
		*shorts++ = o->short_name;
		if (o->arg)
			*shorts++ = ':';
	}
	longs[i] = (struct option){};
	*shorts = '\0';
}

const struct opt *opts_by_val(const struct verb_opts *v, int val)
{
	const struct opt *o;

	for (o = v->opts; o->name; o++)
		if (o->short_name ? o->short_name == val : o - v->opts + OPT_VAL_BASE == val)
			return o;
	return NULL;
}

const struct opt *opts_by_name(const struct verb_opts *v, const char *name)
{
	const struct opt *o;

	for (o = v->opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* "  -e, --external IF", then the text from column col, its further lines
 * indented to col.
 */
static void usage_opt(FILE *f, const struct opt *o, int col)
{
	const char *t;
	int n;

	if (o->short_name)
		n = fprintf(f, "  -%c, --%s", o->short_name, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->arg)
		n += fprintf(f, " %s", o->arg);
	fprintf(f, "%*s", n + 2 > col ? 2 : col - n, "");
	for (t = o->help; *t; t++) {
		fputc(*t, f);
		if (*t == '\n')
			fprintf(f, "%*s", col, "");
	}
	fputc('\n', f);
}

void opts_usage(FILE *f, const struct verb_opts *v)
{
	const struct opt *o;

	fputs(v->usage, f);
	for (o = v->opts; o->name; o++)
		usage_opt(f, o, v->col);
	if (v->after)
		fputs(v->after, f);
}

/* s with every '-' as roff's \- (a minus, not a hyphen). */
static void man_escaped(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
}

static void man_opt(FILE *f, const struct opt *o)
{
	fputs(".TP\n", f);
	if (o->short_name) {
		fprintf(f, ".BR \\-%c \", \" \\-\\-", o->short_name);
		man_escaped(f, o->name);
		if (o->arg) {
			fputs(" \" \\fI", f);
			man_escaped(f, o->arg);
			fputs("\\fR\"", f);
		}
	} else {
		fputs(o->arg ? ".BI \\-\\-" : ".B \\-\\-", f);
		man_escaped(f, o->name);
		if (o->arg) {
			fputs(" \" ", f);
			man_escaped(f, o->arg);
			fputc('"', f);
		}
	}
	fprintf(f, "\n%s\n", o->man);
}

/* A verb's subsection: its text and the options not under Common. */
static void man_verb(FILE *f, const struct verb_opts *v)
{
	const struct opt *o;
	bool any = v->man_before || v->man_after;

	for (o = v->opts; o->name; o++)
		any |= !(o->flags & OPTF_COMMON);
	if (!any)
		return;
	fprintf(f, ".SS %s\n", v->verb);
	if (v->man_before)
		fprintf(f, "%s\n", v->man_before);
	for (o = v->opts; o->name; o++)
		if (!(o->flags & OPTF_COMMON))
			man_opt(f, o);
	if (v->man_after)
		fprintf(f, "%s\n", v->man_after);
}

void opts_man(FILE *f)
{
	const struct verb_opts *const *v;
	const struct opt *o;

	fputs(".SH OPTIONS\n.SS Common\n", f);
	for (o = opts_common; o->name; o++)
		man_opt(f, o);
	for (v = opts_verbs; *v; v++)
		man_verb(f, *v);
}

void opts_conf_keys(FILE *f)
{
	const struct verb_opts *const *v;
	const struct opt *o;

	for (v = opts_verbs; *v; v++)
		for (o = (*v)->opts; o->name; o++)
			if (o->flags & OPTF_CONF)
				fprintf(f, "%s %s\n", (*v)->verb, o->name);
}
