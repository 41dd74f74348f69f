// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* open_memstream */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "control.h"

#define CONTROL_REQUEST_MAX 64
#define UNIX_PATH_MAX 108 /* sizeof(sun_path), linux/un.h */
#define STR(x) #x
#define XSTR(x) STR(x)

void control_answer(int lock_fd, control_fn fn, void *ctx)
{
	char req[CONTROL_REQUEST_MAX + 1], *text;
	struct sockaddr_un peer;
	socklen_t plen;
	size_t len;
	ssize_t n;
	FILE *f;

	for (;;) {
		plen = sizeof(peer);
		n = recvfrom(lock_fd, req, CONTROL_REQUEST_MAX, MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return; /* EAGAIN: all answered */
		if (plen <= offsetof(struct sockaddr_un, sun_path))
			continue; /* an unbound sender cannot be answered */
		req[n] = '\0';
		text = NULL;
		f = open_memstream(&text, &len);
		if (!f)
			continue;
		fn(f, req, ctx);
		if (!fclose(f))
			sendto(lock_fd, text, len, MSG_DONTWAIT, (struct sockaddr *)&peer, plen);
		free(text);
	}
}

int control_query(const char *ifname, const char *request, char *buf, size_t len,
		  int timeout_ms)
{
	struct sockaddr_un to, self = { .sun_family = AF_UNIX };
	socklen_t tlen = control_addr(&to, ifname);
	struct pollfd p = { .events = POLLIN };
	ssize_t n;
	int ret;

	p.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p.fd < 0)
		return -errno;
	/* An address of the kernel's choosing (autobind), to be answered at. */
	if (bind(p.fd, (struct sockaddr *)&self, sizeof(sa_family_t)) ||
	    sendto(p.fd, request, strlen(request), 0, (struct sockaddr *)&to, tlen) < 0) {
		ret = -errno;
		goto out;
	}
	ret = poll(&p, 1, timeout_ms);
	if (ret <= 0) {
		ret = ret ? -errno : -ETIMEDOUT;
		goto out;
	}
	n = recv(p.fd, buf, len, MSG_TRUNC);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n >= len)
		ret = -EMSGSIZE;
	else
		buf[ret = n] = '\0';
out:
	close(p.fd);
	return ret;
}

/* The lock's abstract unix address (leading NUL): per network namespace,
 * and released by the kernel when the process dies however it dies. Its
 * length, for bind().
 */
socklen_t control_addr(struct sockaddr_un *sa, const char *ifname)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "xdpgw/%s", ifname);
}

int control_lock(const char *ifname)
{
	struct sockaddr_un sa;
	socklen_t len = control_addr(&sa, ifname);
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, len)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* The inode of the socket bound to the lock of ifname, from this netns's
 * /proc/net/unix (which shows an abstract address as "@name"); 0 if none.
 */
static unsigned long lock_inode(const char *ifname)
{
	char line[512], want[UNIX_PATH_MAX + 2], path[UNIX_PATH_MAX + 2];
	unsigned long inode, found = 0;
	FILE *f = fopen("/proc/net/unix", "re");

	snprintf(want, sizeof(want), "@xdpgw/%s", ifname);
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %" XSTR(UNIX_PATH_MAX) "s", &inode,
			   path) == 2 &&
		    !strcmp(path, want))
			found = inode;
	if (f)
		fclose(f);
	return found;
}

/* The process with an fd open on socket inode, found in /proc; 0 if none. */
static int socket_owner(unsigned long inode)
{
	char dir[64], path[64 + 256], link[64], want[64];
	struct dirent *p, *fd;
	DIR *procs, *fds;
	int pid = 0;
	ssize_t n;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	procs = opendir("/proc");
	while (procs && !pid && (p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.32s/fd", p->d_name);
		fds = opendir(dir);
		while (fds && !pid && (fd = readdir(fds))) {
			snprintf(path, sizeof(path), "%s/%s", dir, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', !strcmp(link, want)))
				pid = atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (procs)
		closedir(procs);
	return pid;
}

int control_lock_owner(const char *ifname)
{
	unsigned long inode = lock_inode(ifname);

	return inode ? socket_owner(inode) : 0;
}
