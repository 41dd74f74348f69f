/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS termination for the proxy, with OpenSSL: the certificate chosen by
 * SNI, TLS 1.2 and 1.3, ALPN http/1.1, resumption by session tickets whose
 * key rotates, reload without dropping connections, and non-blocking I/O
 * over a connected socket for an epoll loop. docs/tls.md says how the proxy
 * calls it.
 *
 * Settings (tls_config.c), contexts and reload (tls_context.c), ticket keys
 * (tls_ticket.c), per-connection I/O (tls_conn.c).
 */
#ifndef XDPGW_TLS_H
#define XDPGW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define TLS_MAX_PAIRS 16
#define TLS_PATH_MAX  256

/* Versions as on the wire (OpenSSL's TLS1_2_VERSION, TLS1_3_VERSION). */
#define TLS_V12 0x0303
#define TLS_V13 0x0304

struct tls_pair_cfg {
	char cert[TLS_PATH_MAX]; /* PEM: the certificate, then its chain */
	char key[TLS_PATH_MAX];	 /* PEM, not encrypted */
};

/* What --tls-cert/--tls-key (repeatable pairs), --tls-min, --tls-ciphers
 * and --tls-ciphersuites set. Plain data: copied with the proxy's settings. */
struct tls_cfg {
	struct tls_pair_cfg pairs[TLS_MAX_PAIRS]; /* [0]: no SNI or no match */
	unsigned int npairs;
	uint16_t min_version;	  /* TLS_V12 or TLS_V13 */
	char ciphers[512];	  /* TLS 1.2, OpenSSL's cipher list syntax */
	char ciphersuites[256];	  /* TLS 1.3 */
	uint32_t ticket_rotate_s; /* a new ticket key this often */
};

void tls_cfg_defaults(struct tls_cfg *cfg);
/* Apply one option: tls-cert (starts a pair), tls-key (ends it), tls-min,
 * tls-ciphers, tls-ciphersuites. 0; -EINVAL with why in err; -ENOENT (err
 * untouched) for a name that is not one of these. */
int tls_cfg_set(struct tls_cfg *cfg, const char *name, const char *value, char *err, size_t errlen);
/* Every pair complete. Files are read by tls_server_new, not here. */
int tls_cfg_check(const struct tls_cfg *cfg, char *err, size_t errlen);

/* ---------------------------------------------------------------- contexts */

struct tls_server;

/* Read every file and build the contexts. NULL with why in err ("key FILE
 * does not match certificate FILE", ...); warnings (an expired certificate)
 * go to pr_warn. Thread-safe against tls_conn_new after it returns. */
struct tls_server *tls_server_new(const struct tls_cfg *cfg, char *err, size_t errlen);
/* New contexts from cfg for the connections that come next; open ones keep
 * theirs. On any error the running contexts stay: -EINVAL, why in err.
 * Ticket keys are kept, so clients still resume after a reload. */
int tls_server_reload(struct tls_server *s, const struct tls_cfg *cfg, char *err, size_t errlen);
/* Connections may outlive it: they hold their own references. */
void tls_server_free(struct tls_server *s);
/* Start a new ticket key now (it also happens every ticket_rotate_s). */
void tls_server_rotate_tickets(struct tls_server *s);

/* ---------------------------------------------------------------- connections */

/* The outcome of every I/O call. The rd/wr flags of an edge-triggered loop
 * are cleared on WANT_READ/WANT_WRITE only: OpenSSL may hold decrypted bytes
 * that no epoll event will announce. */
enum tls_io {
	TLS_IO_MOVED = 0,  /* bytes moved (*n > 0), or the step is complete */
	TLS_IO_WANT_READ,  /* retry once the socket is readable */
	TLS_IO_WANT_WRITE, /* retry once the socket is writable */
	TLS_IO_CLOSED,	   /* the peer closed: close_notify, EOF or RST */
	TLS_IO_FAILED,	   /* a protocol or socket error; tls_conn_error says which */
};

struct tls_conn;

/* A server-side connection over the connected, non-blocking socket fd (not
 * owned: the caller closes it after tls_conn_free). NULL on ENOMEM. */
struct tls_conn *tls_conn_new(struct tls_server *s, int fd);
void tls_conn_free(struct tls_conn *t);

/* One handshake step: MOVED when it is complete. tls_read also completes
 * it; the timeout for it is the caller's (docs/tls.md). */
enum tls_io tls_handshake(struct tls_conn *t);
bool tls_handshake_done(const struct tls_conn *t);
enum tls_io tls_read(struct tls_conn *t, void *buf, size_t len, size_t *n);
/* After a read that moved fewer bytes than asked: true when OpenSSL holds
 * nothing more and its last recv emptied the socket. An edge-triggered loop
 * may then clear "may read" as after WANT_READ, saving the recv that would
 * say EAGAIN. A short read alone does not say so: a recv brings several
 * records, a read returns one. */
bool tls_read_drained(const struct tls_conn *t);
/* After WANT_WRITE the same first bytes must be offered again (at least as
 * many): OpenSSL has already sealed them into a record. */
enum tls_io tls_write(struct tls_conn *t, const void *buf, size_t len, size_t *n);
/* The iovecs in one record (up to 16 KB) rather than one record each. */
enum tls_io tls_writev(struct tls_conn *t, const struct iovec *iov, int iovcnt, size_t *n);
/* Send close_notify (not waiting for the peer's). MOVED when it is out;
 * CLOSED when there is nothing to send (failed or unfinished handshake). */
enum tls_io tls_shutdown(struct tls_conn *t);

/* For the access log: "TLSv1.3", "-" before the handshake is done. */
const char *tls_conn_version(const struct tls_conn *t);
/* The client's SNI, "" without one. */
const char *tls_conn_sni(const struct tls_conn *t);
bool tls_conn_resumed(const struct tls_conn *t);
/* The ALPN protocol chosen, "" for none. */
const char *tls_conn_alpn(const struct tls_conn *t);
/* Why the last call FAILED ("wrong version number", "Connection reset by
 * peer", ...); "" if it did not. */
const char *tls_conn_error(const struct tls_conn *t);

/* The same calls for plain and TLS connections (t NULL: recv/sendmsg on fd,
 * errors mapped alike), so the proxy keeps one code path. */
enum tls_io stream_read(int fd, struct tls_conn *t, void *buf, size_t len, size_t *n);
/* stream_read asked for len and moved n: nothing is left to read (plain: a
 * short read; TLS: tls_read_drained). */
bool stream_drained(const struct tls_conn *t, size_t len, size_t n);
enum tls_io stream_writev(int fd, struct tls_conn *t, const struct iovec *iov, int iovcnt,
			  size_t *n);

#endif
