/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one event loop of xdpgw's daemons (`run`, `proxy`): epoll over a
 * signalfd (SIGINT/SIGTERM stop, SIGHUP reloads, SIGUSR2 hands over when
 * asked for), a 1 s timerfd for the tick hook, and whatever fds the caller
 * adds, each handed to the on_event hook.
 */
#ifndef XDPGW_DAEMON_H
#define XDPGW_DAEMON_H

#include <stdbool.h>
#include <linux/types.h>

/* How daemon_run ends: stopped by SIGINT/SIGTERM, or SIGUSR2's handover. */
#define DAEMON_STOP 0
#define DAEMON_HANDOVER 1
/* What a hook returns to keep the loop going. */
#define DAEMON_GO_ON (-1)

struct daemon_loop {
	/* Hooks, set by the caller; each but on_event may be NULL. */
	void *ctx;
	const char *name; /* in messages: "NAME: event loop failed: ..." */
	void (*tick)(void *ctx); /* every DAEMON_TICK_S */
	void (*reload)(void *ctx); /* SIGHUP */
	/* SIGINT, SIGTERM or (with handover) SIGUSR2 arrived; the loop ends. */
	void (*stopping)(void *ctx, int signo);
	/* An added fd is ready: DAEMON_GO_ON, or -errno to end the loop. */
	int (*on_event)(void *ctx, int fd, __u32 events);
	/* Set by daemon_open. */
	int sfd, tfd, ep;
};

#define DAEMON_TICK_S 1

/* Block the signals the loop takes (SIGUSR2 too with handover) and open
 * their signalfd into l->sfd. Call it before any thread starts, so that
 * they reach only the signalfd. 0 or -errno.
 */
int daemon_signals(struct daemon_loop *l, bool handover);

/* The epoll set over the signalfd and, with a tick hook, the timerfd.
 * 0 or -errno.
 */
int daemon_open(struct daemon_loop *l);

/* Add fd (EPOLLIN, level-triggered): its events go to on_event. 0 or -errno. */
int daemon_watch(struct daemon_loop *l, int fd);

/* Run until a signal stops it or on_event fails: DAEMON_STOP,
 * DAEMON_HANDOVER, or -errno (printed).
 */
int daemon_run(struct daemon_loop *l);

/* Close what daemon_signals and daemon_open opened. */
void daemon_close(struct daemon_loop *l);

#endif
