// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the TLS layer (user/proxy/tls_*.c): an OpenSSL client against
 * the layer's server side over loopback TCP, both non-blocking, driven by a
 * poll loop. The test CA and certificates are made at run time in a temp
 * directory with the OpenSSL API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "tls.h"

#define DEADLINE_MS 5000

static char dir[64];
static int lfd = -1;
static struct sockaddr_in laddr;

/* ---------------------------------------------------------------- certificates */

static char *path(const char *name)
{
	static char bufs[8][128];
	static int i;
	char *p = bufs[i++ % 8];

	snprintf(p, sizeof(bufs[0]), "%s/%s", dir, name);
	return p;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, valid from `from` to `to` seconds from now, signed
 * by the issuer (itself when NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *sans, X509 *issuer,
		       EVP_PKEY *issuer_key, long from, long to)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	X509V3_CTX v3;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, issuer ? "CA:FALSE" : "critical,CA:TRUE");
	if (sans)
		add_ext(x, &v3, NID_subject_alt_name, sans);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *file, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path(file), "w");

	assert_non_null(f);
	if (x)
		assert_int_equal(PEM_write_X509(f, x), 1);
	if (key)
		assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

/* ca.pem; X.pem and X.key for leaves a (www.example.com), b
 * (shop.example.com, *.example.net), c (*.example.com), old (expired), all
 * ECDSA P-256, and rsa (RSA 2048, rsa.example.com). */
static void make_certs(void)
{
	static const struct {
		const char *name, *sans;
		long from, to;
		bool rsa;
	} leaves[] = {
		{"a", "DNS:www.example.com", -3600, 86400},
		{"b", "DNS:shop.example.com,DNS:*.example.net", -3600, 86400},
		{"c", "DNS:*.example.com", -3600, 86400},
		{"old", "DNS:old.example.com", -3 * 86400, -86400},
		{"rsa", "DNS:rsa.example.com", -3600, 86400, true},
	};
	EVP_PKEY *ca_key = EVP_EC_gen("P-256");
	X509 *ca = make_cert(ca_key, "xdpgw test CA", NULL, NULL, NULL, -3600, 86400);
	char file[32];
	size_t i;

	write_pem("ca.pem", ca, NULL);
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		EVP_PKEY *key = leaves[i].rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
		X509 *x = make_cert(key, leaves[i].name, leaves[i].sans, ca, ca_key, leaves[i].from,
				    leaves[i].to);

		snprintf(file, sizeof(file), "%s.pem", leaves[i].name);
		write_pem(file, x, NULL);
		snprintf(file, sizeof(file), "%s.key", leaves[i].name);
		write_pem(file, NULL, key);
		X509_free(x);
		EVP_PKEY_free(key);
	}
	/* weak: RSA 1024, below Debian's security level; enc.key: a's key
	 * under a passphrase */
	{
		EVP_PKEY *key = EVP_RSA_gen(1024), *a;
		X509 *x = make_cert(key, "weak", "DNS:weak.example.com", ca, ca_key, -3600, 86400);
		FILE *f;

		write_pem("weak.pem", x, NULL);
		write_pem("weak.key", NULL, key);
		X509_free(x);
		EVP_PKEY_free(key);
		f = fopen(path("a.key"), "r");
		assert_non_null(f);
		a = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		assert_non_null(a);
		f = fopen(path("enc.key"), "w");
		assert_non_null(f);
		assert_int_equal(
			PEM_write_PrivateKey(f, a, EVP_aes_256_cbc(), NULL, 0, NULL, "secret"), 1);
		fclose(f);
		EVP_PKEY_free(a);
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
}

/* A configuration of the pairs named in names ("a c b"). */
static struct tls_cfg cfg_of(const char *names)
{
	struct tls_cfg cfg;
	char err[256], file[32];
	const char *p = names;
	int n;

	tls_cfg_defaults(&cfg);
	while (sscanf(p, "%31s%n", file, &n) == 1) {
		char cert[40];

		snprintf(cert, sizeof(cert), "%s.pem", file);
		assert_int_equal(tls_cfg_set(&cfg, "tls-cert", path(cert), err, sizeof(err)), 0);
		snprintf(cert, sizeof(cert), "%s.key", file);
		assert_int_equal(tls_cfg_set(&cfg, "tls-key", path(cert), err, sizeof(err)), 0);
		p += n;
	}
	return cfg;
}

static struct tls_server *server_of(const char *names)
{
	struct tls_cfg cfg = cfg_of(names);
	char err[256] = "";
	struct tls_server *s = tls_server_new(&cfg, err, sizeof(err));

	if (!s)
		fail_msg("tls_server_new: %s", err);
	return s;
}

/* ---------------------------------------------------------------- connections */

struct link {
	int cfd, sfd;
	SSL *cli;
	struct tls_conn *srv;
	bool cdone, sdone, cfail, sfail;
	enum tls_io sres;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void wait_io(struct link *l)
{
	struct pollfd p[2] = {{l->cfd, POLLIN, 0}, {l->sfd, POLLIN, 0}};

	poll(p, 2, 20);
}

static SSL_CTX *client_ctx(int min, int max, const char *alpn)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_load_verify_file(ctx, path("ca.pem")), 1);
	if (min < TLS1_2_VERSION) {
		/* OpenSSL 3 allows TLS 1.1 only at security level 0 */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	}
	SSL_CTX_set_min_proto_version(ctx, min);
	SSL_CTX_set_max_proto_version(ctx, max);
	if (alpn)
		SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)alpn, strlen(alpn));
	return ctx;
}

/* A TCP connection over loopback, the client end with an OpenSSL client
 * (cctx NULL: none, raw bytes), the server end with the layer. */
static void link_open(struct link *l, struct tls_server *s, SSL_CTX *cctx, const char *sni)
{
	memset(l, 0, sizeof(*l));
	l->cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(l->cfd >= 0);
	assert_true(!connect(l->cfd, (struct sockaddr *)&laddr, sizeof(laddr)) ||
		    errno == EINPROGRESS);
	l->sfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(l->sfd >= 0);
	/* as the proxy's sockets: no Nagle wait behind a small record */
	setsockopt(l->cfd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	setsockopt(l->sfd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	if (cctx) {
		l->cli = SSL_new(cctx);
		SSL_set_fd(l->cli, l->cfd);
		SSL_set_connect_state(l->cli);
		if (sni) {
			SSL_set_tlsext_host_name(l->cli, sni);
			SSL_set1_host(l->cli, sni);
		}
	}
	l->srv = tls_conn_new(s, l->sfd);
	assert_non_null(l->srv);
}

static void link_close(struct link *l)
{
	SSL_free(l->cli);
	tls_conn_free(l->srv);
	close(l->cfd);
	close(l->sfd);
	ERR_clear_error();
}

static bool ssl_retry(SSL *ssl, int ret)
{
	int e = SSL_get_error(ssl, ret);

	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Both handshakes until each is done or failed; the side that fails first
 * closes its socket so that the other one hears of it. */
static void handshake(struct link *l)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	int r;

	while (now_ms() < deadline) {
		if (!l->sdone && !l->sfail) {
			l->sres = tls_handshake(l->srv);
			l->sdone = l->sres == TLS_IO_MOVED;
			l->sfail = l->sres == TLS_IO_FAILED || l->sres == TLS_IO_CLOSED;
			if (l->sfail)
				shutdown(l->sfd, SHUT_RDWR);
		}
		if (l->cli && !l->cdone && !l->cfail) {
			r = SSL_do_handshake(l->cli);
			l->cdone = r == 1;
			l->cfail = r != 1 && !ssl_retry(l->cli, r);
			if (l->cfail) {
				ERR_clear_error();
				shutdown(l->cfd, SHUT_RDWR);
			}
		}
		if ((l->sdone || l->sfail) && (!l->cli || l->cdone || l->cfail))
			return;
		wait_io(l);
	}
	fail_msg("handshake did not end within %d ms", DEADLINE_MS);
}

static void handshake_ok(struct link *l)
{
	handshake(l);
	if (!l->sdone || !l->cdone)
		fail_msg("handshake failed: server %d (%s), client %d", l->sres,
			 tls_conn_error(l->srv), l->cfail);
}

/* The server reads exactly len bytes. */
static enum tls_io srv_read(struct link *l, char *buf, size_t len)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	size_t got = 0, n;
	enum tls_io r;

	while (got < len && now_ms() < deadline) {
		r = tls_read(l->srv, buf + got, len - got, &n);
		if (r == TLS_IO_MOVED)
			got += n;
		else if (r == TLS_IO_CLOSED || r == TLS_IO_FAILED)
			return r;
		else
			wait_io(l);
	}
	assert_int_equal(got, len);
	return TLS_IO_MOVED;
}

static void cli_write(struct link *l, const char *s)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	size_t n;
	int r;

	while (now_ms() < deadline) {
		r = SSL_write_ex(l->cli, s, strlen(s), &n);
		if (r == 1)
			return;
		assert_true(ssl_retry(l->cli, r));
		wait_io(l);
	}
	fail_msg("client write timed out");
}

/* The client reads len bytes; returns SSL_read_ex's last error, 0 if none. */
static int cli_read(struct link *l, char *buf, size_t len)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	size_t got = 0, n;
	int r;

	while (got < len && now_ms() < deadline) {
		r = SSL_read_ex(l->cli, buf + got, len - got, &n);
		if (r == 1) {
			got += n;
			continue;
		}
		if (!ssl_retry(l->cli, r))
			return SSL_get_error(l->cli, r);
		wait_io(l);
	}
	assert_int_equal(got, len);
	return 0;
}

/* "ping" one way, "pong" back through tls_writev (two iovecs). */
static void echo(struct link *l)
{
	struct iovec iov[2] = {{"po", 2}, {"ng", 2}};
	char buf[8] = "";
	size_t n;

	cli_write(l, "ping");
	assert_int_equal(srv_read(l, buf, 4), TLS_IO_MOVED);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(tls_writev(l->srv, iov, 2, &n), TLS_IO_MOVED);
	assert_int_equal(n, 4);
	assert_int_equal(cli_read(l, buf, 4), 0);
	assert_memory_equal(buf, "pong", 4);
}

/* A handshake both sides give up, the server with why (NULL: any). */
static void expect_refused(struct tls_server *s, SSL_CTX *cctx, const char *sni, const char *why)
{
	struct link l;

	link_open(&l, s, cctx, sni);
	handshake(&l);
	assert_int_equal(l.sres, TLS_IO_FAILED);
	assert_true(l.cfail);
	if (why)
		assert_string_equal(tls_conn_error(l.srv), why);
	link_close(&l);
}

/* A connection with its handshake done and one exchange made. */
static void link_ready(struct link *l, struct tls_server *s, SSL_CTX *cctx, const char *sni)
{
	link_open(l, s, cctx, sni);
	handshake_ok(l);
	echo(l);
}

static const char *peer_cn(struct link *l)
{
	static char cn[64];
	X509 *x = SSL_get1_peer_certificate(l->cli);

	assert_non_null(x);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	X509_free(x);
	return cn;
}

/* ---------------------------------------------------------------- tests */

/* Most tests: a server with pair a, a client for TLS 1.2 and 1.3. */
struct fixture {
	SSL_CTX *cctx;
	struct tls_server *s;
};

static int with_server_a(void **state)
{
	static struct fixture fx;

	fx.cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	fx.s = server_of("a");
	*state = &fx;
	return 0;
}

static int free_server(void **state)
{
	struct fixture *fx = *state;

	SSL_CTX_free(fx->cctx);
	tls_server_free(fx->s);
	return 0;
}

/* The pair whose names match SNI; exact names before wildcards; else the
 * first; the chosen certificate verifies for the name. */
static void test_sni_picks_pair(void **state)
{
	static const struct {
		const char *sni, *cn;
		bool verifies; /* the certificate is valid for the name */
	} cases[] = {
		{"www.example.com", "a", true},	 {"shop.example.com", "b", true},
		{"img.example.com", "c", true},	 {"x.example.net", "b", true},
		{"unknown.test", "a", false},	 {NULL, "a", false},
		{"a.b.example.com", "a", false}, /* a wildcard covers one label only */
	};
	struct tls_server *s = server_of("a c b");
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	struct link l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		link_open(&l, s, cctx, cases[i].sni);
		handshake_ok(&l);
		assert_string_equal(peer_cn(&l), cases[i].cn);
		assert_string_equal(tls_conn_sni(l.srv), cases[i].sni ? cases[i].sni : "");
		if (cases[i].verifies)
			assert_int_equal(SSL_get_verify_result(l.cli), X509_V_OK);
		echo(&l);
		link_close(&l);
	}
	SSL_CTX_free(cctx);
	tls_server_free(s);
}

static void test_versions(void **state)
{
	struct tls_server *s = server_of("a rsa");
	struct tls_cfg cfg13 = cfg_of("a");
	SSL_CTX *c11 = client_ctx(TLS1_1_VERSION, TLS1_1_VERSION, NULL);
	SSL_CTX *c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL);
	SSL_CTX *c13 = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	struct tls_server *s13;
	char err[256];
	struct link l;

	(void)state;
	link_open(&l, s, c13, "www.example.com");
	assert_string_equal(tls_conn_version(l.srv), "-");
	handshake_ok(&l);
	assert_string_equal(tls_conn_version(l.srv), "TLSv1.3");
	echo(&l);
	link_close(&l);

	link_open(&l, s, c12, "www.example.com");
	handshake_ok(&l);
	assert_string_equal(tls_conn_version(l.srv), "TLSv1.2");
	echo(&l);
	link_close(&l);

	/* an RSA certificate, chosen by SNI, with either version */
	link_open(&l, s, c12, "rsa.example.com");
	handshake_ok(&l);
	assert_string_equal(peer_cn(&l), "rsa");
	assert_memory_equal(SSL_CIPHER_get_name(SSL_get_current_cipher(l.cli)), "ECDHE-RSA-", 10);
	echo(&l);
	link_close(&l);
	link_open(&l, s, c13, "rsa.example.com");
	handshake_ok(&l);
	assert_string_equal(peer_cn(&l), "rsa");
	echo(&l);
	link_close(&l);

	expect_refused(s, c11, "www.example.com", "unsupported protocol");

	/* --tls-min 1.3 refuses a TLS 1.2 client */
	assert_int_equal(tls_cfg_set(&cfg13, "tls-min", "1.3", err, sizeof(err)), 0);
	s13 = tls_server_new(&cfg13, err, sizeof(err));
	assert_non_null(s13);
	expect_refused(s13, c12, "www.example.com", "unsupported protocol");
	link_open(&l, s13, c13, "www.example.com");
	handshake_ok(&l);
	link_close(&l);

	tls_server_free(s13);

	/* the TLS 1.2 cipher list is the configured one */
	cfg13 = cfg_of("rsa");
	assert_int_equal(
		tls_cfg_set(&cfg13, "tls-ciphers", "ECDHE-RSA-CHACHA20-POLY1305", err, sizeof(err)),
		0);
	s13 = tls_server_new(&cfg13, err, sizeof(err));
	assert_non_null(s13);
	link_open(&l, s13, c12, NULL);
	handshake_ok(&l);
	assert_string_equal(SSL_CIPHER_get_name(SSL_get_current_cipher(l.cli)),
			    "ECDHE-RSA-CHACHA20-POLY1305");
	link_close(&l);
	tls_server_free(s13);

	SSL_CTX_free(c11);
	SSL_CTX_free(c12);
	SSL_CTX_free(c13);
	tls_server_free(s);
}

static void test_alpn(void **state)
{
	struct tls_server *s = server_of("a");
	SSL_CTX *both = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, "\x02h2\x08http/1.1");
	SSL_CTX *h2 = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, "\x02h2");
	SSL_CTX *none = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	const unsigned char *p;
	unsigned int len;
	struct link l;

	(void)state;
	link_open(&l, s, both, "www.example.com");
	handshake_ok(&l);
	assert_string_equal(tls_conn_alpn(l.srv), "http/1.1");
	SSL_get0_alpn_selected(l.cli, &p, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(p, "http/1.1", 8);
	link_close(&l);

	/* a client that speaks only h2 is told no_application_protocol */
	expect_refused(s, h2, "www.example.com", "no application protocol");

	link_open(&l, s, none, "www.example.com");
	handshake_ok(&l);
	assert_string_equal(tls_conn_alpn(l.srv), "");
	link_close(&l);

	SSL_CTX_free(both);
	SSL_CTX_free(h2);
	SSL_CTX_free(none);
	tls_server_free(s);
}

/* A full handshake, then one that resumes with sess (if any); returns the
 * session the connection ended with and whether it resumed. */
static SSL_SESSION *connect_with(struct tls_server *s, SSL_CTX *cctx, SSL_SESSION *sess,
				 const char *sni, bool *resumed)
{
	SSL_SESSION *out;
	struct link l;

	link_open(&l, s, cctx, sni);
	if (sess)
		assert_int_equal(SSL_set_session(l.cli, sess), 1);
	handshake_ok(&l);
	echo(&l); /* the client reads the tickets (TLS 1.3 sends them after) */
	*resumed = tls_conn_resumed(l.srv);
	assert_int_equal(*resumed, SSL_session_reused(l.cli));
	out = SSL_get1_session(l.cli);
	/* a client that leaves without close_notify drops its session */
	assert_true(SSL_shutdown(l.cli) >= 0);
	link_close(&l);
	return out;
}

static bool same_ticket(const SSL_SESSION *a, const SSL_SESSION *b)
{
	const unsigned char *ta, *tb;
	size_t la, lb;

	SSL_SESSION_get0_ticket(a, &ta, &la);
	SSL_SESSION_get0_ticket(b, &tb, &lb);
	return la == lb && !memcmp(ta, tb, la);
}

static void test_resumption(void **state)
{
	struct tls_server *s = server_of("a c b");
	struct tls_cfg cfg = cfg_of("a c b");
	SSL_CTX *c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL);
	SSL_CTX *c13 = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION, NULL);
	SSL_CTX *ctxs[] = {c12, c13};
	SSL_SESSION *sess, *next;
	char err[256];
	bool resumed;
	int i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		sess = connect_with(s, ctxs[k], NULL, "shop.example.com", &resumed);
		assert_false(resumed);
		next = connect_with(s, ctxs[k], sess, "shop.example.com", &resumed);
		assert_true(resumed);
		/* TLS 1.3 clients use a ticket once: a resumption brings a new one */
		if (ctxs[k] == c13)
			assert_false(same_ticket(sess, next));
		SSL_SESSION_free(next);

		/* a reload keeps the ticket keys */
		assert_int_equal(tls_server_reload(s, &cfg, err, sizeof(err)), 0);
		next = connect_with(s, ctxs[k], sess, "shop.example.com", &resumed);
		assert_true(resumed);
		SSL_SESSION_free(next);

		/* an older key still opens a ticket; one rotated out does not */
		tls_server_rotate_tickets(s);
		next = connect_with(s, ctxs[k], sess, "shop.example.com", &resumed);
		assert_true(resumed);
		SSL_SESSION_free(next);
		for (i = 0; i < 2; i++)
			tls_server_rotate_tickets(s);
		next = connect_with(s, ctxs[k], sess, "shop.example.com", &resumed);
		assert_false(resumed);
		SSL_SESSION_free(next);
		SSL_SESSION_free(sess);
	}
	SSL_CTX_free(c12);
	SSL_CTX_free(c13);
	tls_server_free(s);
}

static void expect_error(struct tls_cfg *cfg, const char *want)
{
	char err[512] = "";
	struct tls_server *s = tls_server_new(cfg, err, sizeof(err));

	assert_null(s);
	assert_string_equal(err, want);
}

/* want with each {name} replaced by the path of that test file, {} by the
 * directory. */
static const char *expand(const char *want)
{
	static char out[512];
	size_t n = 0;

	while (*want && n < sizeof(out) - 1) {
		const char *close = *want == '{' ? strchr(want, '}') : NULL;

		if (close) {
			char name[32];

			snprintf(name, sizeof(name), "%.*s", (int)(close - want - 1), want + 1);
			n += snprintf(out + n, sizeof(out) - n, "%s", name[0] ? path(name) : dir);
			want = close + 1;
		} else {
			out[n++] = *want++;
		}
	}
	out[n] = '\0';
	return out;
}

static void test_load_errors(void **state)
{
	/* the pairs, then one file put in place of a pair's cert or key */
	static const struct {
		const char *pairs;
		int pair;
		char field;	  /* 'c' or 'k' */
		const char *file; /* "" the directory; NULL nothing replaced */
		const char *want;
	} files[] = {
		{"a", 0, 'c', "nope.pem", "certificate {nope.pem}: No such file or directory"},
		{"a", 0, 'k', "b.key", "key {b.key} does not match certificate {a.pem}"},
		{"a", 0, 'k', "a.pem", "key {a.pem}: no PEM private key in it"},
		{"a", 0, 'c', "", "certificate {}: not a regular file"},
		{"a", 0, 'c', "a.key", "certificate {a.key}: no PEM certificate in it"},
		{"a", 0, 'k', "enc.key", "key {enc.key}: encrypted; give it without a passphrase"},
		{"weak", 0, 0, NULL, "certificate {weak.pem}: ee key too small"},
		/* the second pair is checked as well as the first */
		{"a b", 1, 'c', "c.pem", "key {b.key} does not match certificate {c.pem}"},
	};
	struct tls_cfg cfg;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cfg = cfg_of(files[i].pairs);
		if (files[i].file) {
			struct tls_pair_cfg *pc = &cfg.pairs[files[i].pair];
			char *field = files[i].field == 'c' ? pc->cert : pc->key;

			snprintf(field, TLS_PATH_MAX, "%s",
				 files[i].file[0] ? path(files[i].file) : dir);
		}
		expect_error(&cfg, expand(files[i].want));
	}

	cfg = cfg_of("a");
	assert_int_equal(tls_cfg_set(&cfg, "tls-ciphers",
				     "ECDHE-RSA-AES128-GCM-SHA256:BOGUS:!aNULL", err, sizeof(err)),
			 0);
	expect_error(&cfg, "tls-ciphers: 'BOGUS' is not a TLS 1.2 cipher this OpenSSL knows and "
			   "allows");
	cfg = cfg_of("a");
	assert_int_equal(
		tls_cfg_set(&cfg, "tls-ciphers", "TLS_AES_128_GCM_SHA256", err, sizeof(err)), 0);
	expect_error(&cfg, "tls-ciphers: 'TLS_AES_128_GCM_SHA256' is not a TLS 1.2 cipher this "
			   "OpenSSL knows and allows (TLS 1.3 suites go in tls-ciphersuites)");
	cfg = cfg_of("a");
	assert_int_equal(tls_cfg_set(&cfg, "tls-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_NOPE",
				     err, sizeof(err)),
			 0);
	expect_error(&cfg, "tls-ciphersuites: 'TLS_NOPE' is not a TLS 1.3 cipher suite this "
			   "OpenSSL knows and allows");

	/* the form of the options */
	tls_cfg_defaults(&cfg);
	assert_int_equal(tls_cfg_set(&cfg, "tls-min", "1.1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tls-min '1.1': expected 1.2 or 1.3");
	assert_int_equal(tls_cfg_set(&cfg, "tls-key", "k.pem", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tls-key k.pem: give its tls-cert first");
	assert_int_equal(tls_cfg_set(&cfg, "tls-cert", "a.pem", err, sizeof(err)), 0);
	assert_int_equal(tls_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tls-cert a.pem has no tls-key after it");
	assert_int_equal(tls_cfg_set(&cfg, "tls-cert", "b.pem", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tls-cert a.pem has no tls-key after it");
	assert_int_equal(tls_cfg_set(&cfg, "listen", "x", err, sizeof(err)), -ENOENT);
	tls_cfg_defaults(&cfg);
	assert_int_equal(tls_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "TLS needs at least one --tls-cert FILE --tls-key FILE");
}

/* What fn printed on stderr while it ran. */
static const char *stderr_of(struct tls_server *(*fn)(void), struct tls_server **out)
{
	static char text[1024];
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	*out = fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	return text;
}

static struct tls_server *server_old(void)
{
	return server_of("old");
}

static struct tls_server *server_a(void)
{
	return server_of("a");
}

/* An expired certificate: a warning with its date, and it is served. */
static void test_expired_warns(void **state)
{
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	struct tls_server *s;
	const char *text;
	char want[256];
	struct link l;

	(void)state;
	text = stderr_of(server_old, &s);
	assert_non_null(s);
	snprintf(want, sizeof(want), "xdpgw: certificate %s expired on ", path("old.pem"));
	if (strncmp(text, want, strlen(want)) || !strstr(text, "UTC (serving it anyway)\n"))
		fail_msg("stderr was: %s", text);
	link_open(&l, s, cctx, "old.example.com");
	handshake_ok(&l);
	assert_string_equal(peer_cn(&l), "old");
	assert_int_equal(SSL_get_verify_result(l.cli), X509_V_ERR_CERT_HAS_EXPIRED);
	link_close(&l);
	tls_server_free(s);

	/* and a valid one says nothing */
	text = stderr_of(server_a, &s);
	assert_string_equal(text, "");
	tls_server_free(s);
	SSL_CTX_free(cctx);
}

/* A bad file keeps the running contexts; a good reload serves new
 * connections; a connection from before keeps working, also once the
 * server is gone. */
static void test_reload(void **state)
{
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	struct tls_server *s = server_of("a c");
	struct tls_cfg bad = cfg_of("b"), good = cfg_of("b");
	char err[256], want[256];
	struct link before, l;

	(void)state;
	link_open(&before, s, cctx, "img.example.com");
	handshake_ok(&before);
	assert_string_equal(peer_cn(&before), "c");

	snprintf(bad.pairs[0].key, sizeof(bad.pairs[0].key), "%s", path("gone.key"));
	assert_int_equal(tls_server_reload(s, &bad, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "key %s: No such file or directory", path("gone.key"));
	assert_string_equal(err, want);
	link_open(&l, s, cctx, "img.example.com");
	handshake_ok(&l);
	assert_string_equal(peer_cn(&l), "c");
	link_close(&l);

	assert_int_equal(tls_server_reload(s, &good, err, sizeof(err)), 0);
	link_open(&l, s, cctx, "img.example.com");
	handshake_ok(&l);
	assert_string_equal(peer_cn(&l), "b"); /* the only pair now */
	link_close(&l);

	echo(&before);
	tls_server_free(s);
	echo(&before);
	link_close(&before);
	SSL_CTX_free(cctx);
}

struct reloader {
	struct tls_server *s;
	atomic_bool stop;
	int reloads;
	char err[256]; /* cmocka's asserts belong to the main thread */
};

static void *reload_loop(void *arg)
{
	struct reloader *r = arg;
	struct tls_cfg a = cfg_of("a"), b = cfg_of("b");
	while (!atomic_load(&r->stop) &&
	       !tls_server_reload(r->s, r->reloads % 2 ? &a : &b, r->err, sizeof(r->err)))
		r->reloads++;
	return NULL;
}

/* Reloads in another thread while connections come and go (the proxy's
 * main thread on SIGHUP and its workers). */
static void test_reload_concurrent(void **state)
{
	SSL_CTX *cctx = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL);
	struct reloader r = {.s = server_of("a")};
	struct link l[4];
	pthread_t th;
	int i, k;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, reload_loop, &r), 0);
	for (i = 0; i < 50; i++) {
		for (k = 0; k < 4; k++)
			link_open(&l[k], r.s, cctx, NULL);
		for (k = 0; k < 4; k++) {
			handshake_ok(&l[k]);
			assert_true(strchr("ab", peer_cn(&l[k])[0]));
		}
		for (k = 0; k < 4; k++) {
			echo(&l[k]);
			link_close(&l[k]);
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	assert_string_equal(r.err, "");
	assert_true(r.reloads > 1);
	print_message("# %d reloads during 200 connections\n", r.reloads);
	tls_server_free(r.s);
	SSL_CTX_free(cctx);
}

/* Not a ClientHello: FAILED at once, with OpenSSL's reason; nobody else
 * disturbed. */
static void test_garbage(void **state)
{
#define C(b, why)                                                                                  \
	{                                                                                          \
		b, sizeof(b) - 1, why                                                              \
	}
	static const struct {
		const char *bytes;
		size_t len;
		const char *why;
	} cases[] = {
		C("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n", "http request"),
		/* a handshake record whose message is not a ClientHello */
		C("\x16\x03\x01\x00\x08garbage!", "unexpected message"),
		C("\x16\x03\x01\xff\xff", "packet length too long"),
		C("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b", "wrong version number"),
	};
#undef C
	struct fixture *fx = *state;
	SSL_CTX *cctx = fx->cctx;
	struct tls_server *s = fx->s;
	struct link good, l;
	size_t i;

	link_open(&good, s, cctx, "www.example.com");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		link_open(&l, s, NULL, NULL);
		assert_int_equal(send(l.cfd, cases[i].bytes, cases[i].len, 0),
				 (ssize_t)cases[i].len);
		handshake(&l);
		if (l.sres != TLS_IO_FAILED)
			fail_msg("case %zu: %d, %s", i, l.sres, tls_conn_error(l.srv));
		assert_string_equal(tls_conn_error(l.srv), cases[i].why);
		assert_int_equal(tls_read(l.srv, (char[4]){0}, 4, &(size_t){0}), TLS_IO_FAILED);
		assert_int_equal(tls_shutdown(l.srv), TLS_IO_CLOSED);
		link_close(&l);
	}
	/* a ClientHello that stops half-way waits (the caller's timeout ends
	 * it) and is freed cleanly */
	link_open(&l, s, NULL, NULL);
	assert_int_equal(send(l.cfd, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, 0), 11);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tls_handshake(l.srv), TLS_IO_WANT_READ);
		wait_io(&l);
	}
	assert_false(tls_handshake_done(l.srv));
	link_close(&l);

	handshake_ok(&good);
	echo(&good);
	link_close(&good);
}

static void rst(int fd)
{
	struct linger lg = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A client that leaves with RST, or with EOF and no close_notify, reads as
 * CLOSED; one that sends close_notify gets ours back. Writing to a reset
 * peer is CLOSED too, and raises no SIGPIPE. */
static void test_peer_close(void **state)
{
	struct fixture *fx = *state;
	SSL_CTX *cctx = fx->cctx;
	struct tls_server *s = fx->s;
	char big[65536] = {0}, buf[16];
	enum tls_io r = TLS_IO_MOVED;
	struct link l;
	size_t n;
	int i;

	/* RST in the middle of a stream */
	link_ready(&l, s, cctx, NULL);
	cli_write(&l, "half a request");
	rst(l.cfd);
	l.cfd = -1;
	assert_int_equal(srv_read(&l, buf, 14), TLS_IO_MOVED);
	assert_int_equal(srv_read(&l, buf, 1), TLS_IO_CLOSED);
	assert_string_equal(tls_conn_error(l.srv), "");
	/* the end stays the end, and there is no close_notify to send */
	assert_int_equal(tls_write(l.srv, "x", 1, &n), TLS_IO_CLOSED);
	assert_int_equal(tls_shutdown(l.srv), TLS_IO_CLOSED);
	link_close(&l);

	/* a write into a reset connection */
	link_ready(&l, s, cctx, NULL);
	rst(l.cfd);
	l.cfd = -1;
	for (i = 0; i < 4 && r == TLS_IO_MOVED; i++)
		r = tls_write(l.srv, big, sizeof(big), &n);
	assert_int_equal(r, TLS_IO_CLOSED);
	assert_string_equal(tls_conn_error(l.srv), "");
	assert_int_equal(tls_read(l.srv, buf, 1, &n), TLS_IO_CLOSED);
	link_close(&l);

	/* ... whose reset was already reported (to a plain recv): EPIPE, and
	 * SIGPIPE unless the layer sends with MSG_NOSIGNAL */
	link_ready(&l, s, cctx, NULL);
	rst(l.cfd);
	l.cfd = -1;
	while (recv(l.sfd, buf, sizeof(buf), 0) < 0 && errno == EAGAIN)
		wait_io(&l);
	assert_int_equal(errno, ECONNRESET);
	signal(SIGPIPE, SIG_DFL); /* the test dies here without MSG_NOSIGNAL */
	assert_int_equal(tls_write(l.srv, "x", 1, &n), TLS_IO_CLOSED);
	signal(SIGPIPE, SIG_IGN);
	link_close(&l);

	/* EOF without close_notify */
	link_ready(&l, s, cctx, NULL);
	shutdown(l.cfd, SHUT_WR);
	assert_int_equal(srv_read(&l, buf, 1), TLS_IO_CLOSED);
	assert_string_equal(tls_conn_error(l.srv), "");
	link_close(&l);

	/* RST during the handshake */
	link_open(&l, s, cctx, NULL);
	assert_int_equal(SSL_do_handshake(l.cli), -1); /* ClientHello sent */
	assert_int_equal(tls_handshake(l.srv), TLS_IO_WANT_READ);
	rst(l.cfd);
	l.cfd = -1;
	handshake(&l);
	assert_int_equal(l.sres, TLS_IO_CLOSED);
	link_close(&l);

	/* close_notify both ways */
	link_ready(&l, s, cctx, NULL);
	assert_true(SSL_shutdown(l.cli) >= 0);
	assert_int_equal(srv_read(&l, buf, 1), TLS_IO_CLOSED);
	assert_int_equal(tls_shutdown(l.srv), TLS_IO_MOVED);
	assert_int_equal(cli_read(&l, buf, 1), SSL_ERROR_ZERO_RETURN);
	link_close(&l);

	/* and the server's close_notify first */
	link_ready(&l, s, cctx, NULL);
	assert_int_equal(tls_shutdown(l.srv), TLS_IO_MOVED);
	assert_int_equal(cli_read(&l, buf, 1), SSL_ERROR_ZERO_RETURN);
	link_close(&l);
}

/* A short read means "drained" only when OpenSSL holds no more records. */
static void test_read_drained(void **state)
{
	struct fixture *fx = *state;
	SSL_CTX *cctx = fx->cctx;
	struct tls_server *s = fx->s;
	char buf[100];
	struct link l;
	size_t n;

	link_ready(&l, s, cctx, NULL);
	/* two records, both in the server's socket before it reads */
	cli_write(&l, "abc");
	cli_write(&l, "defg");
	assert_int_equal(srv_read(&l, buf, 3), TLS_IO_MOVED);
	assert_false(tls_read_drained(l.srv)); /* "defg" waits inside OpenSSL */
	assert_false(stream_drained(l.srv, sizeof(buf), 3));
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_MOVED);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "defg", 4);
	assert_true(stream_drained(l.srv, sizeof(buf), n));
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_WANT_READ);
	/* plain sockets: a short read is drained */
	assert_true(stream_drained(NULL, sizeof(buf), 3));
	assert_false(stream_drained(NULL, 3, 3));
	link_close(&l);
}

static int queued(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

static void cli_write_n(struct link *l, size_t len)
{
	static char blob[65536];

	assert_true(len < sizeof(blob));
	memset(blob, 'x', len);
	blob[len] = '\0';
	cli_write(l, blob);
}

/* OpenSSL's recv can end exactly after a record with more in the socket:
 * not drained, though OpenSSL holds nothing. Built from the sizes this
 * OpenSSL shows: a record's overhead and how much one recv takes. */
static void test_read_drained_boundary(void **state)
{
	SSL_CTX *cctx = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION, NULL);
	struct tls_server *s = server_of("a");
	static char buf[65536];
	size_t n, ovh, took, second;
	struct link l;
	int w;

	(void)state;
	link_ready(&l, s, cctx, NULL);
	cli_write_n(&l, 100);
	ovh = queued(l.sfd) - 100;
	assert_int_equal(srv_read(&l, buf, 100), TLS_IO_MOVED);

	cli_write_n(&l, 3 * 16384 - 1);
	w = queued(l.sfd);
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_MOVED);
	took = w - queued(l.sfd);
	assert_int_equal(srv_read(&l, buf, 3 * 16384 - 1 - n), TLS_IO_MOVED);
	assert_true(tls_read_drained(l.srv));

	/* one record of 16384, one that ends where that recv ends, one more */
	second = took - (16384 + ovh) - ovh;
	assert_true(second > 0 && second < 16384);
	cli_write_n(&l, 16384);
	cli_write_n(&l, second);
	cli_write_n(&l, 10);
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_MOVED);
	assert_int_equal(n, 16384);
	assert_false(tls_read_drained(l.srv));
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_MOVED);
	assert_int_equal(n, second);
	assert_int_equal(queued(l.sfd), 10 + ovh); /* the case is the one meant */
	assert_false(tls_read_drained(l.srv));
	assert_int_equal(tls_read(l.srv, buf, sizeof(buf), &n), TLS_IO_MOVED);
	assert_int_equal(n, 10);
	assert_true(tls_read_drained(l.srv));
	link_close(&l);
	SSL_CTX_free(cctx);
	tls_server_free(s);
}

/* Writes that block resume where they stopped: 4 MB through writev with a
 * client that reads only when the server is blocked, every byte checked. */
static void test_write_backpressure(void **state)
{
	struct fixture *fx = *state;
	SSL_CTX *cctx = fx->cctx;
	struct tls_server *s = fx->s;
	const size_t total = 4 << 20;
	unsigned char *data = malloc(total), *got = malloc(total);
	size_t sent = 0, recvd = 0, n, i;
	uint64_t deadline = now_ms() + 4 * DEADLINE_MS;
	unsigned int blocked = 0;
	struct link l;

	assert_non_null(data);
	assert_non_null(got);
	for (i = 0; i < total; i++)
		data[i] = i * 7 + (i >> 12);
	link_open(&l, s, cctx, NULL);
	handshake_ok(&l);
	while (recvd < total && now_ms() < deadline) {
		enum tls_io r = TLS_IO_MOVED;

		while (sent < total && r == TLS_IO_MOVED) {
			/* a small head and a body, as the proxy sends them */
			size_t head = sent % 3000 < 100 ? 100 - sent % 3000 : 0;
			struct iovec iov[2] = {{data + sent, head},
					       {data + sent + head, total - sent - head}};

			if (iov[1].iov_len > 50000)
				iov[1].iov_len = 50000;
			r = tls_writev(l.srv, iov, 2, &n);
			if (r == TLS_IO_MOVED)
				sent += n;
		}
		assert_true(r == TLS_IO_MOVED || r == TLS_IO_WANT_WRITE);
		blocked += r == TLS_IO_WANT_WRITE;
		while (recvd < total && SSL_read_ex(l.cli, got + recvd, total - recvd, &n) == 1)
			recvd += n;
		ERR_clear_error();
		wait_io(&l);
	}
	assert_int_equal(recvd, total);
	assert_memory_equal(got, data, total);
	assert_true(blocked > 0); /* or the test did not test blocking */
	link_close(&l);
	free(data);
	free(got);
}

/* Heap of an idle server connection after a request (RELEASE_BUFFERS):
 * printed, and bounded. The clients are freed before it is measured. */
static void test_idle_memory(void **state)
{
	enum { N = 200 };
	struct fixture *fx = *state;
	SSL_CTX *cctx = fx->cctx;
	struct tls_server *s = fx->s;
	static struct link l[N];
	struct mallinfo2 before, after;
	size_t per;
	int i;

	before = mallinfo2();
	for (i = 0; i < N; i++) {
		link_open(&l[i], s, cctx, "www.example.com");
		handshake_ok(&l[i]);
		echo(&l[i]);
		SSL_free(l[i].cli);
		l[i].cli = NULL;
	}
	after = mallinfo2();
	per = (after.uordblks - before.uordblks) / N;
	printf("# idle TLS 1.3 server connection after a request: %zu bytes of heap\n", per);
	for (i = 0; i < N; i++)
		link_close(&l[i]);
	assert_true(per < 20480); /* without RELEASE_BUFFERS: 33 KB more */
}

static int setup(void **state)
{
	socklen_t len = sizeof(laddr);

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* the test's client writes with write(2) */
	snprintf(dir, sizeof(dir), "/tmp/xdpgw-tls-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	make_certs();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&laddr, sizeof(laddr)) ||
	    getsockname(lfd, (struct sockaddr *)&laddr, &len) || listen(lfd, 512))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(lfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_picks_pair),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_alpn),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_expired_warns),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_reload_concurrent),
		cmocka_unit_test_setup_teardown(test_garbage, with_server_a, free_server),
		cmocka_unit_test_setup_teardown(test_peer_close, with_server_a, free_server),
		cmocka_unit_test_setup_teardown(test_write_backpressure, with_server_a,
						free_server),
		cmocka_unit_test_setup_teardown(test_read_drained, with_server_a, free_server),
		cmocka_unit_test(test_read_drained_boundary),
		cmocka_unit_test_setup_teardown(test_idle_memory, with_server_a, free_server),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
