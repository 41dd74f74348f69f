/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The config files of `xdpgw run` and `xdpgw proxy`: "name value" lines
 * ("name" alone for a flag), '#' to the end of a line a comment, and
 * "[section]" lines heading the lines below them.
 */
#ifndef XDPGW_CONF_FILE_H
#define XDPGW_CONF_FILE_H

#include <stddef.h>

#define CONF_MAX_SIZE (1 << 20)

/*
 * Called for a "[section]" line (name and value NULL) and for each option
 * line (value NULL when it has none); section is "" before the first
 * header. The strings live as long as the text parsed. Returns 0, or
 * -errno after writing why into err.
 */
typedef int (*conf_fn)(void *ctx, const char *section, const char *name, const char *value,
		       char *err, size_t errlen);

/*
 * Called for each line of a section whose lines are rules of words
 * ("[forward]": "tcp 10.1.3.12:443 172.16.3.12:443"): the line without its
 * comment, blanks trimmed, and its number, for errors found later.
 */
typedef int (*conf_line_fn)(void *ctx, const char *section, int lineno, char *line, char *err,
			    size_t errlen);

/* What a parse calls: line for the sections named in line_sections
 * (NULL-terminated; may be NULL), option for the rest.
 */
struct conf_handlers {
	conf_fn option;
	conf_line_fn line;
	const char *const *line_sections;
	void *ctx;
};

int conf_parse_with(char *text, const char *origin, const struct conf_handlers *h, char *err,
		    size_t errlen);
int conf_file_read_with(const char *path, const struct conf_handlers *h, char **text, char *err,
			size_t errlen);

/* Parse text, cutting it into the strings fn gets. Stops at the first error
 * of a line or of fn, written into err as "ORIGIN:LINE: why". 0 or -errno.
 */
int conf_parse(char *text, const char *origin, conf_fn fn, void *ctx, char *err, size_t errlen);

/* Read the file at path into *text (the caller frees it, also on error) and
 * parse it. 0 or -errno, with why in err ("cannot open config PATH: ...").
 */
int conf_file_read(const char *path, conf_fn fn, void *ctx, char **text, char *err, size_t errlen);

#endif
