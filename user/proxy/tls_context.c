// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TLS contexts: one SSL_CTX per certificate/key pair, all set up alike. A
 * connection starts on the first; once its ClientHello names a server (SNI)
 * it moves to the pair whose certificate carries that DNS name
 * (SSL_set_SSL_CTX). Exact names win over wildcards, earlier pairs over
 * later ones, and without SNI or a match the first pair answers.
 *
 * The contexts built from one configuration are a generation. Its first
 * context owns it (ex_data freed with that context), and every connection
 * holds a reference to that first context (OpenSSL's session_ctx) and to the
 * one it moved to, so a reload only drops the server's reference: open
 * connections keep their generation until they end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "log.h"
#include "tls_int.h"

struct tls_gen {
	unsigned int n;
	SSL_CTX *ctx[TLS_MAX_PAIRS]; /* [0] owns the generation; it holds [1..n) */
	struct tls_tickets *tk;
};

struct tls_server {
	pthread_mutex_t lock;
	SSL_CTX *cur; /* the current generation's first context */
	struct tls_tickets *tk;
};

static int gen_idx = -1;
static pthread_once_t gen_idx_once = PTHREAD_ONCE_INIT;

static void gen_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct tls_gen *g = ptr;
	unsigned int i;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (!g)
		return;
	for (i = 1; i < g->n; i++)
		SSL_CTX_free(g->ctx[i]);
	tickets_put(g->tk);
	free(g);
}

static void gen_idx_init(void)
{
	gen_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, gen_free);
}

/* OpenSSL's reason for the last error, and the queue emptied. */
static const char *ssl_why(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown OpenSSL error";
}

/* ---------------------------------------------------------------- files */

struct pair {
	X509 *cert;
	struct stack_st_X509 *chain; /* STACK_OF(X509) */
	EVP_PKEY *key;
};

static void pair_free(struct pair *p)
{
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	EVP_PKEY_free(p->key);
}

static FILE *open_file(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;

	if (!f) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		fclose(f);
		return NULL;
	}
	return f;
}

/* Never ask for a passphrase (there is no one to answer). */
static int no_passphrase(char *buf, int size, int rwflag, void *encrypted)
{
	(void)buf, (void)size, (void)rwflag;
	*(bool *)encrypted = true;
	return -1;
}

static int read_cert(const char *path, struct pair *p, char *err, size_t errlen)
{
	FILE *f = open_file("certificate", path, err, errlen);
	X509 *x;

	if (!f)
		return -EINVAL;
	p->cert = PEM_read_X509(f, NULL, NULL, NULL);
	p->chain = sk_X509_new_null();
	while (p->cert && p->chain && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		if (!sk_X509_push(p->chain, x))
			X509_free(x);
	fclose(f);
	ERR_clear_error(); /* the end of the file reads as an error */
	if (!p->cert || !p->chain) {
		snprintf(err, errlen, "certificate %s: no PEM certificate in it", path);
		return -EINVAL;
	}
	return 0;
}

static int read_key(const char *path, const char *cert_path, struct pair *p, char *err,
		    size_t errlen)
{
	FILE *f = open_file("key", path, err, errlen);
	bool encrypted = false;

	if (!f)
		return -EINVAL;
	p->key = PEM_read_PrivateKey(f, NULL, no_passphrase, &encrypted);
	fclose(f);
	if (!p->key) {
		if (encrypted)
			snprintf(err, errlen, "key %s: encrypted; give it without a passphrase",
				 path);
		else
			snprintf(err, errlen, "key %s: no PEM private key in it", path);
		ERR_clear_error();
		return -EINVAL;
	}
	if (X509_check_private_key(p->cert, p->key) != 1) {
		snprintf(err, errlen, "key %s does not match certificate %s", path, cert_path);
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

static void fmt_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "(unreadable date)");
}

/* Served anyway: clients decide, and refusing to start over a date would
 * turn a late renewal into an outage. */
static void warn_validity(const char *path, X509 *x)
{
	char when[40];

	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
		fmt_time(X509_get0_notAfter(x), when, sizeof(when));
		pr_warn("certificate %s expired on %s (serving it anyway)\n", path, when);
	} else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		fmt_time(X509_get0_notBefore(x), when, sizeof(when));
		pr_warn("certificate %s is not valid before %s (serving it anyway)\n", path, when);
	}
}

static int use_pair(SSL_CTX *ctx, const struct tls_pair_cfg *pc, char *err, size_t errlen)
{
	struct pair p = {0};
	int ret = -EINVAL;

	if (read_cert(pc->cert, &p, err, errlen) || read_key(pc->key, pc->cert, &p, err, errlen))
		goto out;
	if (SSL_CTX_use_certificate(ctx, p.cert) != 1 || SSL_CTX_set1_chain(ctx, p.chain) != 1) {
		snprintf(err, errlen, "certificate %s: %s", pc->cert, ssl_why());
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(ctx, p.key) != 1) {
		snprintf(err, errlen, "key %s: %s", pc->key, ssl_why());
		goto out;
	}
	warn_validity(pc->cert, p.cert);
	ret = 0;
out:
	pair_free(&p);
	return ret;
}

/* ---------------------------------------------------------------- contexts */

/* OpenSSL skips the names it does not know in a cipher list: name the
 * first one here, then set the whole list. */
static int set_ciphers(SSL_CTX *ctx, const char *list, bool tls13, char *err, size_t errlen)
{
	const char *opt = tls13 ? "tls-ciphersuites" : "tls-ciphers";
	char buf[512], *save, *tok;
	int ok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ":, ", &save); tok; tok = strtok_r(NULL, ":, ", &save)) {
		if (!tls13 && strchr("!-+@", tok[0]))
			continue; /* removes, reorders or sets a level: matches nothing alone */
		ok = tls13 ? SSL_CTX_set_ciphersuites(ctx, tok) : SSL_CTX_set_cipher_list(ctx, tok);
		if (!ok) {
			ERR_clear_error();
			snprintf(err, errlen,
				 "%s: '%s' is not a %s this OpenSSL knows and allows%s", opt, tok,
				 tls13 ? "TLS 1.3 cipher suite" : "TLS 1.2 cipher",
				 !tls13 && !strncmp(tok, "TLS_", 4) ? " (TLS 1.3 suites go in "
								      "tls-ciphersuites)"
								    : "");
			return -EINVAL;
		}
	}
	ok = tls13 ? SSL_CTX_set_ciphersuites(ctx, list) : SSL_CTX_set_cipher_list(ctx, list);
	if (!ok) {
		snprintf(err, errlen, "%s '%s': %s", opt, list, ssl_why());
		return -EINVAL;
	}
	return 0;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1";
	unsigned char *sel;

	(void)ssl, (void)arg;
	if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL; /* no_application_protocol (RFC 7301) */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* The pair for an SNI name: exact names first, then wildcards. */
static unsigned int pick_pair(const struct tls_gen *g, const char *name)
{
	static const unsigned int flags[] = {
		X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_WILDCARDS,
		X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
	};
	unsigned int pass, i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < g->n; i++)
			if (X509_check_host(SSL_CTX_get0_certificate(g->ctx[i]), name, 0,
					    flags[pass], NULL) == 1)
				return i;
	return 0;
}

static int on_sni(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	struct tls_gen *g = arg;
	unsigned int i;

	if (!name || g->n == 1)
		return SSL_TLSEXT_ERR_OK;
	i = pick_pair(g, name);
	if (i && !SSL_set_SSL_CTX(ssl, g->ctx[i])) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *ctx_new(const struct tls_cfg *cfg, struct tls_tickets *tk, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "xdpgw";
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		snprintf(err, errlen, "TLS context: %s", ssl_why());
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* buffers only while bytes wait in them; write from buffers that move */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1); /* one recv for a record, not header and body */
	/* tickets carry the sessions: no server-side cache to grow and lock */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (SSL_CTX_set_min_proto_version(ctx, cfg->min_version) != 1) {
		snprintf(err, errlen, "tls-min: %s", ssl_why());
		goto fail;
	}
	if (set_ciphers(ctx, cfg->ciphers, false, err, errlen) ||
	    set_ciphers(ctx, cfg->ciphersuites, true, err, errlen))
		goto fail;
	/* the same on every pair's context, or a session moved by SNI would
	 * not resume */
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1 ||
	    tickets_install(ctx, tk, cfg->ticket_rotate_s)) {
		snprintf(err, errlen, "TLS session tickets: %s", ssl_why());
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* A generation from cfg: its first context (owning the others), or NULL. */
static SSL_CTX *gen_build(const struct tls_cfg *cfg, struct tls_tickets *tk, char *err,
			  size_t errlen)
{
	struct tls_gen *g;
	SSL_CTX *first = NULL, *ctx;
	unsigned int i;

	pthread_once(&gen_idx_once, gen_idx_init);
	if (gen_idx < 0) {
		snprintf(err, errlen, "TLS: no ex_data index: %s", ssl_why());
		return NULL;
	}
	if (tls_cfg_check(cfg, err, errlen))
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "TLS: out of memory");
		return NULL;
	}
	for (i = 0; i < cfg->npairs; i++) {
		ctx = ctx_new(cfg, tk, err, errlen);
		if (!ctx)
			goto fail;
		if (!first) {
			if (!SSL_CTX_set_ex_data(ctx, gen_idx, g)) {
				SSL_CTX_free(ctx);
				snprintf(err, errlen, "TLS: %s", ssl_why());
				goto fail;
			}
			first = ctx; /* frees g from now on */
			tickets_get(tk);
			g->tk = tk;
			SSL_CTX_set_tlsext_servername_callback(ctx, on_sni);
			SSL_CTX_set_tlsext_servername_arg(ctx, g);
		}
		g->ctx[g->n++] = ctx;
		if (use_pair(ctx, &cfg->pairs[i], err, errlen))
			goto fail;
	}
	return first;
fail:
	if (first)
		SSL_CTX_free(first);
	else
		free(g);
	ERR_clear_error();
	return NULL;
}

/* ---------------------------------------------------------------- server */

struct tls_server *tls_server_new(const struct tls_cfg *cfg, char *err, size_t errlen)
{
	struct tls_server *s = calloc(1, sizeof(*s));

	if (!s || tls_cfg_check(cfg, err, errlen)) {
		if (!s)
			snprintf(err, errlen, "TLS: out of memory");
		free(s);
		return NULL;
	}
	s->tk = tickets_new(cfg->ticket_rotate_s);
	if (!s->tk) {
		snprintf(err, errlen, "TLS session ticket keys: %s", ssl_why());
		free(s);
		return NULL;
	}
	s->cur = gen_build(cfg, s->tk, err, errlen);
	if (!s->cur) {
		tickets_put(s->tk);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

int tls_server_reload(struct tls_server *s, const struct tls_cfg *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx, *old;

	if (tls_cfg_check(cfg, err, errlen))
		return -EINVAL;
	ctx = gen_build(cfg, s->tk, err, errlen);
	if (!ctx)
		return -EINVAL;
	tickets_set_interval(s->tk, cfg->ticket_rotate_s);
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = ctx;
	pthread_mutex_unlock(&s->lock);
	SSL_CTX_free(old); /* gone once its last connection is */
	return 0;
}

void tls_server_free(struct tls_server *s)
{
	if (!s)
		return;
	SSL_CTX_free(s->cur);
	tickets_put(s->tk);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void tls_server_rotate_tickets(struct tls_server *s)
{
	tickets_rotate(s->tk);
}

SSL_CTX *tls_server_ctx(struct tls_server *s)
{
	SSL_CTX *ctx;

	pthread_mutex_lock(&s->lock);
	ctx = s->cur;
	SSL_CTX_up_ref(ctx);
	pthread_mutex_unlock(&s->lock);
	return ctx;
}
