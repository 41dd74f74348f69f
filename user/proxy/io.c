// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Socket I/O of the proxy, plain or TLS, in three outcomes: moved, would
 * block (the flag it waits for is cleared here, so callers never look at
 * EAGAIN) or failed (the peer is gone).
 */
#include <errno.h>
#include <sys/epoll.h>
#include "proxy_int.h"

static enum io_result outcome(struct sock *s, enum tls_io r, size_t n)
{
	switch (r) {
	case TLS_IO_MOVED:
		/* nothing moved: nothing was offered */
		return n ? IO_MOVED : IO_BLOCKED;
	case TLS_IO_WANT_READ:
		s->rd = false;
		return IO_BLOCKED;
	case TLS_IO_WANT_WRITE:
		s->wr = false;
		return IO_BLOCKED;
	case TLS_IO_FAILED:
		s->err = s->tls ? EPROTO : errno;
		return IO_FAILED;
	default: /* TLS_IO_CLOSED: EOF (errno 0), a reset, close_notify */
		s->err = s->tls ? 0 : errno;
		return IO_FAILED;
	}
}

enum io_result sock_read(struct sock *s, void *p, size_t len, size_t *n)
{
	enum tls_io t;
	enum io_result r;

	errno = 0;
	t = stream_read(s->fd, s->tls, p, len, n);
	r = outcome(s, t, *n);
	/* a recv brings several records, a TLS read returns one: only what
	 * stream_drained says empties the socket and OpenSSL */
	if (r == IO_MOVED && stream_drained(s->tls, len, *n) && !s->rdhup)
		s->rd = false;
	return r;
}

enum io_result sock_read_buf(struct sock *s, struct buf *b)
{
	size_t n = 0;
	enum io_result r = sock_read(s, b->p + b->end, b->cap - b->end, &n);

	b->end += n;
	return r;
}

enum io_result sock_write(struct sock *s, const struct iovec *iov, int cnt, size_t *n)
{
	enum tls_io t;

	errno = 0;
	t = stream_writev(s->fd, s->tls, iov, cnt, n);
	return outcome(s, t, *n);
}

enum io_result sock_discard(struct sock *s, void *scratch, size_t len)
{
	enum tls_io t;
	size_t n;

	errno = 0;
	t = stream_read(s->fd, NULL, scratch, len, &n);
	return outcome(s, t, n);
}

void sock_events(struct sock *s, uint32_t e)
{
	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->rd = true;
	if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->rdhup = true;
	if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->wr = true;
}

int sock_watch(struct worker *w, struct sock *s, struct evsrc *ev)
{
	struct epoll_event ee = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				 .data.ptr = ev};

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->fd, &ee);
}
