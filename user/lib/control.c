// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "control.h"
#include "instance.h"

#define CONTROL_REQUEST_MAX 64

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
	socklen_t tlen = instance_lock_addr(&to, ifname);
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
