// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One printer for xdpgw, libbpf and libxdp. Warnings go to stderr prefixed
 * "xdpgw: "; a verifier log is cut to its last lines unless -v is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

#define VERIFIER_TAIL_LINES 25

static enum log_level log_level = LOG_INFO;
static bool libs_quiet;

void log_quiet_libs(bool quiet)
{
	libs_quiet = quiet;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

static void vlog(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
	FILE *out = level == LOG_WARN ? stderr : stdout;

	if (level > log_level)
		return;
	fputs(prefix, out);
	vfprintf(out, fmt, ap);
	fflush(out);
}

void pr_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, level == LOG_WARN ? "xdpgw: " : "", fmt, ap);
	va_end(ap);
}

const char *log_tail(const char *msg, int max_lines)
{
	const char *p = msg + strlen(msg);
	int newlines = 0;

	/* A trailing newline ends the last line; it does not start one. */
	if (p > msg && p[-1] == '\n')
		p--;
	while (p > msg) {
		if (p[-1] == '\n' && ++newlines == max_lines)
			break;
		p--;
	}
	return p;
}

/* Print only the tail of a verifier log: the rejection reason is at the end. */
static void print_log_tail(const char *msg)
{
	const char *tail = log_tail(msg, VERIFIER_TAIL_LINES);

	if (tail > msg)
		fputs("libbpf: ... verifier log cut, -v for all of it ...\n", stderr);
	fputs(tail, stderr);
}

static void lib_emit(enum log_level level, const char *buf)
{
	if (level == LOG_WARN && log_level < LOG_DEBUG && strstr(buf, "PROG LOAD LOG"))
		print_log_tail(buf);
	else
		fputs(buf, level == LOG_WARN ? stderr : stdout);
}

/* Warnings held back by log_hold_libs(), one message after another. */
static bool libs_held;
static char *held;
static size_t held_len;

static void hold(const char *msg)
{
	size_t n = strlen(msg);
	char *p = realloc(held, held_len + n + 1);

	if (!p)
		return;
	held = p;
	memcpy(held + held_len, msg, n + 1);
	held_len += n;
}

void log_hold_libs(void)
{
	libs_held = true;
}

void log_release_libs(bool print)
{
	libs_held = false;
	if (held && print)
		lib_emit(LOG_WARN, held);
	else if (held && log_level >= LOG_DEBUG)
		fputs(held, stdout);
	free(held);
	held = NULL;
	held_len = 0;
}

static int lib_print(enum log_level level, const char *fmt, va_list ap)
{
	char buf[65536];

	if (libs_quiet && level == LOG_WARN)
		return 0;
	if (level > log_level && !(libs_held && level == LOG_WARN))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (libs_held && level == LOG_WARN)
		hold(buf);
	else
		lib_emit(level, buf);
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return lib_print(level == LIBBPF_WARN ? LOG_WARN :
			 level == LIBBPF_INFO ? LOG_DEBUG : LOG_LIBBPF_DEBUG, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return lib_print(level == LIBXDP_WARN ? LOG_WARN :
			 level == LIBXDP_INFO ? LOG_DEBUG : LOG_LIBBPF_DEBUG, fmt, ap);
}

void log_setup_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

int err_printf(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}
