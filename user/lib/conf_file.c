// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf_file.h"

#define BLANKS " \t\r"

/* "[name]" with a name of letters, digits, '-' and '_'; NULL if not. */
static char *section_name(char *tok)
{
	size_t i, n = strlen(tok);

	if (n < 3 || tok[0] != '[' || tok[n - 1] != ']')
		return NULL;
	tok[n - 1] = '\0';
	for (i = 1; i < n - 1; i++)
		if (!isalnum((unsigned char)tok[i]) && tok[i] != '-' && tok[i] != '_')
			return NULL;
	return tok + 1;
}

static bool is_line_section(const struct conf_handlers *h, const char *section)
{
	const char *const *s;

	for (s = h->line_sections; s && *s; s++)
		if (!strcmp(*s, section))
			return true;
	return false;
}

/* line without its comment and the blanks around it */
static char *trimmed(char *line)
{
	char *hash = strchr(line, '#'), *end;

	if (hash)
		*hash = '\0';
	line += strspn(line, BLANKS);
	end = line + strlen(line);
	while (end > line && strchr(BLANKS, end[-1]))
		*--end = '\0';
	return line;
}

static int parse_line(char *line, int lineno, const char **section,
		      const struct conf_handlers *h, char *err, size_t errlen)
{
	char *name, *value, *rest;

	line = trimmed(line);
	if (!*line)
		return 0;
	if (line[0] != '[' && is_line_section(h, *section))
		return h->line(h->ctx, *section, lineno, line, err, errlen);
	name = strtok_r(line, BLANKS, &rest);
	value = strtok_r(NULL, BLANKS, &rest);
	if (name[0] == '[') {
		const char *s = section_name(name);

		if (!s || value) {
			snprintf(err, errlen, "a section header is [NAME] alone on its line");
			return -EINVAL;
		}
		*section = s;
		return h->option(h->ctx, s, NULL, NULL, err, errlen);
	}
	if (value && strtok_r(NULL, BLANKS, &rest)) {
		snprintf(err, errlen, "one value per line");
		return -EINVAL;
	}
	return h->option(h->ctx, *section, name, value, err, errlen);
}

int conf_parse_with(char *text, const char *origin, const struct conf_handlers *h, char *err,
		    size_t errlen)
{
	const char *section = "";
	char *line, *next, msg[256];
	int lineno = 0, ret = 0;

	for (line = text; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		ret = parse_line(line, lineno, &section, h, msg, sizeof(msg));
		if (ret)
			snprintf(err, errlen, "%s:%d: %s", origin, lineno, msg);
	}
	return ret;
}

int conf_parse(char *text, const char *origin, conf_fn fn, void *ctx, char *err, size_t errlen)
{
	struct conf_handlers h = { .option = fn, .ctx = ctx };

	return conf_parse_with(text, origin, &h, err, errlen);
}

static int read_text(const char *path, char **text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot open config %s: %s", path, strerror(-ret));
		return ret;
	}
	*text = malloc(CONF_MAX_SIZE + 1);
	if (!*text) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(*text, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "cannot read config %s", path);
	} else if (n > CONF_MAX_SIZE) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONF_MAX_SIZE);
	} else if (memchr(*text, '\0', n)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a text file (a NUL byte)", path);
	}
	(*text)[n < CONF_MAX_SIZE ? n : CONF_MAX_SIZE] = '\0';
	fclose(f);
	return ret;
}

int conf_file_read_with(const char *path, const struct conf_handlers *h, char **text, char *err,
			size_t errlen)
{
	*text = NULL;
	return read_text(path, text, err, errlen) ?: conf_parse_with(*text, path, h, err, errlen);
}

int conf_file_read(const char *path, conf_fn fn, void *ctx, char **text, char *err, size_t errlen)
{
	struct conf_handlers h = { .option = fn, .ctx = ctx };

	return conf_file_read_with(path, &h, text, err, errlen);
}
