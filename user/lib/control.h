/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Asking a running daemon what only it knows (`xdpgw status`): a datagram
 * to the instance's lock socket, @xdpgw/<ifname> in its network namespace,
 * answered with one datagram of JSON. The daemon answers from its event
 * loop without blocking; a client that is gone misses its answer.
 */
#ifndef XDPGW_CONTROL_H
#define XDPGW_CONTROL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#define CONTROL_STATUS "status" /* JSON */
#define CONTROL_STATUS_TEXT "status text" /* lines for `xdpgw status` */

/* Claim name (an interface) for this process: fails with -EADDRINUSE
 * while another process holds it (an abstract unix socket, per netns, gone
 * with its process). Returns the fd to keep open; the daemon answers
 * requests on it.
 */
int control_lock(const char *name);
/* The lock's abstract address, @xdpgw/<name>; its length. */
struct sockaddr_un;
socklen_t control_addr(struct sockaddr_un *sa, const char *name);
/* The pid of the process holding control_lock(name) in this netns: 0 when
 * none does, or when it is not visible from here.
 */
int control_lock_owner(const char *name);

/* Writes the daemon's answer to a request (JSON) to f. */
typedef void (*control_fn)(FILE *f, const char *request, void *ctx);

/* The lock socket is readable: answer every request waiting on it. */
void control_answer(int lock_fd, control_fn fn, void *ctx);

/* Send request to the daemon of ifname and wait up to timeout_ms for the
 * answer, NUL-terminated in buf. Its length, or -ECONNREFUSED (no daemon),
 * -ETIMEDOUT, -EMSGSIZE (longer than len - 1) or another -errno.
 */
int control_query(const char *ifname, const char *request, char *buf, size_t len,
		  int timeout_ms);

#endif
