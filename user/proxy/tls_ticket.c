// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Session tickets with keys that rotate. The key that seals new tickets is
 * replaced every rotate_s seconds; the TICKET_KEYS - 1 before it still open
 * tickets (and have them renewed), so a ticket is good for (TICKET_KEYS - 1)
 * rotations at least, and a key stolen from memory opens only the sessions
 * of the last few hours. Keys are random, live only in memory and are shared
 * by every context built from the same tls_server (across reloads too).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include "tls_int.h"

#define TICKET_KEYS 3

struct ticket_key {
	unsigned char name[16]; /* in the clear in the ticket: which key sealed it */
	unsigned char aes[32];	/* AES-256-CBC */
	unsigned char hmac[32]; /* HMAC-SHA256 */
};

struct tls_tickets {
	atomic_int refs;
	pthread_mutex_t lock;
	uint32_t rotate_s;
	uint64_t rotated_s;		     /* CLOCK_MONOTONIC */
	struct ticket_key keys[TICKET_KEYS]; /* [0] seals; all open */
	unsigned int nkeys;
};

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Under tk->lock. */
static int rotate_locked(struct tls_tickets *tk)
{
	struct ticket_key k;

	if (RAND_bytes((unsigned char *)&k, sizeof(k)) != 1)
		return -1;
	/* the oldest key is overwritten: its tickets are refused from now on */
	memmove(&tk->keys[1], &tk->keys[0], sizeof(tk->keys[0]) * (TICKET_KEYS - 1));
	tk->keys[0] = k;
	OPENSSL_cleanse(&k, sizeof(k));
	if (tk->nkeys < TICKET_KEYS)
		tk->nkeys++;
	tk->rotated_s = now_s();
	return 0;
}

struct tls_tickets *tickets_new(uint32_t rotate_s)
{
	struct tls_tickets *tk = calloc(1, sizeof(*tk));

	if (!tk)
		return NULL;
	atomic_init(&tk->refs, 1);
	pthread_mutex_init(&tk->lock, NULL);
	tk->rotate_s = rotate_s;
	if (rotate_locked(tk)) {
		free(tk);
		return NULL;
	}
	return tk;
}

void tickets_get(struct tls_tickets *tk)
{
	atomic_fetch_add(&tk->refs, 1);
}

void tickets_put(struct tls_tickets *tk)
{
	if (!tk || atomic_fetch_sub(&tk->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&tk->lock);
	OPENSSL_cleanse(tk->keys, sizeof(tk->keys));
	free(tk);
}

void tickets_set_interval(struct tls_tickets *tk, uint32_t rotate_s)
{
	pthread_mutex_lock(&tk->lock);
	tk->rotate_s = rotate_s;
	pthread_mutex_unlock(&tk->lock);
}

void tickets_rotate(struct tls_tickets *tk)
{
	pthread_mutex_lock(&tk->lock);
	rotate_locked(tk);
	pthread_mutex_unlock(&tk->lock);
}

/* A copy of the key that seals (name NULL) or of the one called name.
 * Returns its age in rotations, -1 when there is none (too old). */
static int key_lookup(struct tls_tickets *tk, const unsigned char *name, struct ticket_key *out)
{
	unsigned int i;
	int age = -1;

	pthread_mutex_lock(&tk->lock);
	if (now_s() - tk->rotated_s >= tk->rotate_s)
		rotate_locked(tk); /* on failure the old key stays: still sound */
	for (i = 0; i < tk->nkeys; i++) {
		if (!name || !memcmp(tk->keys[i].name, name, sizeof(tk->keys[i].name))) {
			*out = tk->keys[i];
			age = i;
			break;
		}
	}
	pthread_mutex_unlock(&tk->lock);
	return age;
}

/* OpenSSL's ticket callback: 1 sealed/opened, 2 opened and to be renewed
 * (an older key, or TLS 1.3), 0 unknown key (a full handshake), -1 error.
 * TLS 1.3 clients use a ticket once (RFC 8446 C.4): without a new one on
 * each resumption, their next connection is a full handshake again. */
static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
		     EVP_MAC_CTX *hctx, int enc)
{
	struct tls_tickets *tk = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct ticket_key k;
	OSSL_PARAM params[3];
	int age, ret;

	age = key_lookup(tk, enc ? NULL : name, &k);
	if (age < 0)
		return 0;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac, sizeof(k.hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (enc) {
		memcpy(name, k.name, sizeof(k.name));
		ret = RAND_bytes(iv, EVP_MAX_IV_LENGTH) == 1 &&
		      EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) == 1;
	} else {
		ret = EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) == 1;
	}
	ret = ret && EVP_MAC_CTX_set_params(hctx, params) == 1;
	OPENSSL_cleanse(&k, sizeof(k));
	if (!ret)
		return -1;
	return enc || (age == 0 && SSL_version(ssl) < TLS1_3_VERSION) ? 1 : 2;
}

int tickets_install(SSL_CTX *ctx, struct tls_tickets *tk, uint32_t rotate_s)
{
	/* a ticket lives as long as a key surely opens it */
	SSL_CTX_set_timeout(ctx, (long)rotate_s * (TICKET_KEYS - 1));
	if (!SSL_CTX_set_app_data(ctx, tk))
		return -1;
	return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) == 1 ? 0 : -1;
}
