/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef XDPGW_LOG_H
#define XDPGW_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG, /* -v */
	LOG_LIBBPF_DEBUG, /* -vv: libbpf's and libxdp's debug output too */
};

void log_set_level(enum log_level level);
void log_setup_libs(void);
/* While set, libbpf's and libxdp's warnings are dropped: for probes whose
 * failure is an answer, not an error. */
void log_quiet_libs(bool quiet);
/* Hold libbpf's and libxdp's warnings back while a call may fail in ways
 * the library recovers from (libxdp trying its dispatcher first); release
 * them with log_release_libs(true) if the call failed after all.
 */
void log_hold_libs(void);
void log_release_libs(bool print);
/* Where the last max_lines lines of msg begin (msg itself if it has fewer). */
const char *log_tail(const char *msg, int max_lines);
void pr_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write a message into err[0, len) and return ret: how a function that
 * fails with a message reports it (return err_printf(err, len, -EINVAL, ...)). */
int err_printf(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define pr_warn(...) pr_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...) pr_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) pr_log(LOG_DEBUG, __VA_ARGS__)

#endif
