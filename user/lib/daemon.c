// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "daemon.h"
#include "log.h"

int daemon_signals(struct daemon_loop *l, bool handover)
{
	sigset_t set;

	l->tfd = l->ep = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (handover)
		sigaddset(&set, SIGUSR2);
	l->sfd = -1;
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	l->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	return l->sfd < 0 ? -errno : 0;
}

static int tick_fd(void)
{
	struct itimerspec every = { .it_interval = { DAEMON_TICK_S, 0 },
				    .it_value = { DAEMON_TICK_S, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &every, NULL)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int daemon_watch(struct daemon_loop *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int daemon_open(struct daemon_loop *l)
{
	int err;

	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		return -errno;
	err = daemon_watch(l, l->sfd);
	if (err || !l->tick)
		return err;
	l->tfd = tick_fd();
	return l->tfd < 0 ? l->tfd : daemon_watch(l, l->tfd);
}

/* A stop or a handover by signal: DAEMON_STOP or DAEMON_HANDOVER; else
 * (SIGHUP, a short read) DAEMON_GO_ON.
 */
static int on_signal(struct daemon_loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->sfd, &si, sizeof(si)) != sizeof(si))
		return DAEMON_GO_ON;
	if (si.ssi_signo == SIGHUP) {
		if (l->reload)
			l->reload(l->ctx);
		return DAEMON_GO_ON;
	}
	if (l->stopping)
		l->stopping(l->ctx, si.ssi_signo);
	return si.ssi_signo == SIGUSR2 ? DAEMON_HANDOVER : DAEMON_STOP;
}

int daemon_run(struct daemon_loop *l)
{
	struct epoll_event got;
	__u64 ticks;
	int n, ret;

	for (;;) {
		n = epoll_wait(l->ep, &got, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			pr_warn("%s: event loop failed: %s\n", l->name, strerror(-ret));
			return ret;
		}
		if (got.data.fd == l->tfd) {
			if (read(l->tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				l->tick(l->ctx);
			continue;
		}
		if (got.data.fd == l->sfd)
			ret = on_signal(l);
		else
			ret = l->on_event(l->ctx, got.data.fd, got.events);
		if (ret != DAEMON_GO_ON)
			return ret;
	}
}

void daemon_close(struct daemon_loop *l)
{
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->ep >= 0)
		close(l->ep);
	if (l->sfd >= 0)
		close(l->sfd);
	l->tfd = l->ep = l->sfd = -1;
}
