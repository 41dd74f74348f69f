// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Non-blocking TLS over a connected socket, one outcome per call (enum
 * tls_io) in the terms of an epoll loop. The socket is driven through a BIO
 * of ours that uses recv and send(MSG_NOSIGNAL): OpenSSL's socket BIO writes
 * with write(2), which raises SIGPIPE when the peer has reset, and an alert
 * to a client that already left is routine here.
 *
 * A peer that goes away without close_notify (EOF or RST, as browsers and
 * document 003's cl1 do) is TLS_IO_CLOSED, not a failure: for HTTP the
 * framing, not TLS, says whether a message was whole.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include "tls_int.h"

#define GATHER_MAX 16384 /* one TLS record of plaintext */

struct tls_conn {
	SSL *ssl;
	int fd;
	int sys_err;  /* errno of the last failed recv/send, 0 none */
	bool eof;     /* recv returned 0 */
	bool drained; /* the last recv returned less than asked */
	uint8_t end;  /* 0; after SSL_ERROR_SSL/SYSCALL: CLOSED or FAILED, for good */
	bool hs_done;
	const char *why; /* static text: why the last call failed */
};

/* ---------------------------------------------------------------- BIO */

static BIO_METHOD *bio_meth;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_read(BIO *b, char *buf, int len)
{
	struct tls_conn *t = BIO_get_data(b);
	ssize_t n = recv(t->fd, buf, len, 0);

	BIO_clear_retry_flags(b);
	t->drained = n >= 0 && n < len;
	if (n > 0)
		return n;
	if (n == 0) {
		t->eof = true;
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR)
		BIO_set_retry_read(b);
	else
		t->sys_err = errno;
	return -1;
}

static int bio_write(BIO *b, const char *buf, int len)
{
	struct tls_conn *t = BIO_get_data(b);
	ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		BIO_set_retry_write(b);
	else
		t->sys_err = errno;
	return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls_conn *t = BIO_get_data(b);

	(void)num, (void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1; /* nothing is held back */
	case BIO_CTRL_EOF:
		return t->eof;
	default:
		return 0;
	}
}

static void bio_meth_init(void)
{
	bio_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "xdpgw socket");
	if (bio_meth &&
	    (!BIO_meth_set_read(bio_meth, bio_read) || !BIO_meth_set_write(bio_meth, bio_write) ||
	     !BIO_meth_set_ctrl(bio_meth, bio_ctrl))) {
		BIO_meth_free(bio_meth);
		bio_meth = NULL;
	}
}

/* ---------------------------------------------------------------- connection */

struct tls_conn *tls_conn_new(struct tls_server *s, int fd)
{
	struct tls_conn *t;
	SSL_CTX *ctx;
	BIO *bio;

	pthread_once(&bio_once, bio_meth_init);
	if (!bio_meth)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->fd = fd;
	t->why = "";
	ctx = tls_server_ctx(s);
	t->ssl = SSL_new(ctx); /* takes its own reference */
	SSL_CTX_free(ctx);
	bio = BIO_new(bio_meth);
	if (!t->ssl || !bio) {
		BIO_free(bio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return NULL;
	}
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_accept_state(t->ssl);
	return t;
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	free(t);
}

/* The outcome of an SSL call that returned ret <= 0. */
static enum tls_io outcome(struct tls_conn *t, int ret)
{
	int e = SSL_get_error(t->ssl, ret);
	unsigned long err;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN: /* close_notify */
		return TLS_IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		err = ERR_peek_error();
		ERR_clear_error();
		t->end = TLS_IO_CLOSED;
		if (!err && (!t->sys_err || t->sys_err == ECONNRESET || t->sys_err == EPIPE))
			return t->end;
		t->why = t->sys_err ? strerror(t->sys_err) : ERR_reason_error_string(err);
		break;
	default:
		err = ERR_peek_last_error();
		ERR_clear_error();
		t->end = TLS_IO_CLOSED;
		if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
		    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return t->end;
		/* a reset while OpenSSL was sending an alert of its own */
		if (t->sys_err == ECONNRESET || t->sys_err == EPIPE)
			return t->end;
		t->why = ERR_reason_error_string(err);
		break;
	}
	if (!t->why)
		t->why = "unknown TLS error";
	t->end = TLS_IO_FAILED;
	return t->end;
}

/* Every call starts with an empty error queue, or SSL_get_error misreads. */
static bool usable(struct tls_conn *t)
{
	ERR_clear_error();
	t->sys_err = 0;
	return !t->end;
}

enum tls_io tls_handshake(struct tls_conn *t)
{
	int ret;

	if (t->hs_done)
		return TLS_IO_MOVED;
	if (!usable(t))
		return t->end;
	ret = SSL_do_handshake(t->ssl);
	if (ret == 1) {
		t->hs_done = true;
		return TLS_IO_MOVED;
	}
	return outcome(t, ret);
}

bool tls_handshake_done(const struct tls_conn *t)
{
	return t->hs_done;
}

enum tls_io tls_read(struct tls_conn *t, void *buf, size_t len, size_t *n)
{
	int ret;

	*n = 0;
	if (!usable(t))
		return t->end;
	ret = SSL_read_ex(t->ssl, buf, len, n);
	if (SSL_is_init_finished(t->ssl))
		t->hs_done = true;
	return ret == 1 ? TLS_IO_MOVED : outcome(t, ret);
}

bool tls_read_drained(const struct tls_conn *t)
{
	return t->drained && !SSL_has_pending(t->ssl);
}

enum tls_io tls_write(struct tls_conn *t, const void *buf, size_t len, size_t *n)
{
	int ret;

	*n = 0;
	if (!usable(t))
		return t->end;
	if (!len)
		return TLS_IO_MOVED;
	ret = SSL_write_ex(t->ssl, buf, len, n);
	if (SSL_is_init_finished(t->ssl))
		t->hs_done = true;
	return ret == 1 ? TLS_IO_MOVED : outcome(t, ret);
}

enum tls_io tls_writev(struct tls_conn *t, const struct iovec *iov, int iovcnt, size_t *n)
{
	static __thread char gather[GATHER_MAX];
	size_t len = 0;
	int i;

	/* skip empty ones; a single one, or one that fills a record, goes as is */
	while (iovcnt && !iov->iov_len)
		iov++, iovcnt--;
	if (iovcnt <= 1 || iov->iov_len >= GATHER_MAX)
		return tls_write(t, iovcnt ? iov->iov_base : NULL, iovcnt ? iov->iov_len : 0, n);
	for (i = 0; i < iovcnt && len < GATHER_MAX; i++) {
		size_t k = iov[i].iov_len < GATHER_MAX - len ? iov[i].iov_len : GATHER_MAX - len;

		memcpy(gather + len, iov[i].iov_base, k);
		len += k;
	}
	return tls_write(t, gather, len, n);
}

enum tls_io tls_shutdown(struct tls_conn *t)
{
	int ret;

	if (!usable(t) || !SSL_is_init_finished(t->ssl))
		return TLS_IO_CLOSED;
	ret = SSL_shutdown(t->ssl);
	if (ret >= 0)
		return TLS_IO_MOVED; /* 0: ours is out, the peer's not awaited */
	return outcome(t, ret);
}

const char *tls_conn_version(const struct tls_conn *t)
{
	return t->hs_done ? SSL_get_version(t->ssl) : "-";
}

const char *tls_conn_sni(const struct tls_conn *t)
{
	const char *name = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);

	return name ? name : "";
}

bool tls_conn_resumed(const struct tls_conn *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

const char *tls_conn_alpn(const struct tls_conn *t)
{
	static __thread char proto[256];
	const unsigned char *p;
	unsigned int len;

	SSL_get0_alpn_selected(t->ssl, &p, &len);
	memcpy(proto, p ? (const char *)p : "", p ? len : 0);
	proto[p ? len : 0] = '\0';
	return proto;
}

const char *tls_conn_error(const struct tls_conn *t)
{
	return t->why;
}

/* ---------------------------------------------------------------- plain or TLS */

static enum tls_io sock_outcome(ssize_t ret, bool reading, size_t *n)
{
	if (ret > 0) {
		*n = ret;
		return TLS_IO_MOVED;
	}
	*n = 0;
	if (ret == 0)
		return reading ? TLS_IO_CLOSED : TLS_IO_MOVED; /* EOF; nothing to send */
	if (errno == EAGAIN || errno == EINTR)
		return reading ? TLS_IO_WANT_READ : TLS_IO_WANT_WRITE;
	return errno == ECONNRESET || errno == EPIPE ? TLS_IO_CLOSED : TLS_IO_FAILED;
}

enum tls_io stream_read(int fd, struct tls_conn *t, void *buf, size_t len, size_t *n)
{
	if (t)
		return tls_read(t, buf, len, n);
	return sock_outcome(recv(fd, buf, len, 0), true, n);
}

bool stream_drained(const struct tls_conn *t, size_t len, size_t n)
{
	return n < len && (!t || tls_read_drained(t));
}

enum tls_io stream_writev(int fd, struct tls_conn *t, const struct iovec *iov, int iovcnt,
			  size_t *n)
{
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt};

	if (t)
		return tls_writev(t, iov, iovcnt, n);
	return sock_outcome(sendmsg(fd, &mh, MSG_NOSIGNAL), false, n);
}
