// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TLS settings as options give them. Only their form is checked here; the
 * files, cipher names and keys are checked when the contexts are built
 * (tls_context.c), before anything starts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tls.h"

/* Mozilla's "intermediate" TLS 1.2 list: forward secret AEAD only. TLS 1.3
 * keeps OpenSSL's default suites (all three are AEAD). */
#define DEFAULT_CIPHERS                                                                            \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define DEFAULT_CIPHERSUITES                                                                       \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define DEFAULT_TICKET_ROTATE_S 3600

void tls_cfg_defaults(struct tls_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_version = TLS_V12;
	snprintf(cfg->ciphers, sizeof(cfg->ciphers), "%s", DEFAULT_CIPHERS);
	snprintf(cfg->ciphersuites, sizeof(cfg->ciphersuites), "%s", DEFAULT_CIPHERSUITES);
	cfg->ticket_rotate_s = DEFAULT_TICKET_ROTATE_S;
}

static int set_str(char *dst, size_t size, const char *name, const char *v, char *err,
		   size_t errlen)
{
	if (!*v || strlen(v) >= size) {
		snprintf(err, errlen, "%s: expected a value of 1-%zu characters", name, size - 1);
		return -EINVAL;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_pair(struct tls_cfg *cfg, bool cert, const char *v, char *err, size_t errlen)
{
	struct tls_pair_cfg *last = cfg->npairs ? &cfg->pairs[cfg->npairs - 1] : NULL;

	if (cert) {
		if (last && !last->key[0]) {
			snprintf(err, errlen, "tls-cert %s has no tls-key after it", last->cert);
			return -EINVAL;
		}
		if (cfg->npairs == TLS_MAX_PAIRS) {
			snprintf(err, errlen, "tls-cert: at most %d certificates", TLS_MAX_PAIRS);
			return -EINVAL;
		}
		last = &cfg->pairs[cfg->npairs];
		if (set_str(last->cert, sizeof(last->cert), "tls-cert", v, err, errlen))
			return -EINVAL;
		last->key[0] = '\0';
		cfg->npairs++;
		return 0;
	}
	if (!last || last->key[0]) {
		snprintf(err, errlen, "tls-key %s: give its tls-cert first", v);
		return -EINVAL;
	}
	return set_str(last->key, sizeof(last->key), "tls-key", v, err, errlen);
}

int tls_cfg_set(struct tls_cfg *cfg, const char *name, const char *value, char *err, size_t errlen)
{
	bool cert = !strcmp(name, "tls-cert");

	if (strcmp(name, "tls-cert") && strcmp(name, "tls-key") && strcmp(name, "tls-min") &&
	    strcmp(name, "tls-ciphers") && strcmp(name, "tls-ciphersuites"))
		return -ENOENT;
	if (!value) {
		snprintf(err, errlen, "%s needs a value", name);
		return -EINVAL;
	}
	if (cert || !strcmp(name, "tls-key"))
		return set_pair(cfg, cert, value, err, errlen);
	if (!strcmp(name, "tls-min")) {
		if (strcmp(value, "1.2") && strcmp(value, "1.3")) {
			snprintf(err, errlen, "tls-min '%s': expected 1.2 or 1.3", value);
			return -EINVAL;
		}
		cfg->min_version = !strcmp(value, "1.2") ? TLS_V12 : TLS_V13;
		return 0;
	}
	if (!strcmp(name, "tls-ciphers"))
		return set_str(cfg->ciphers, sizeof(cfg->ciphers), name, value, err, errlen);
	return set_str(cfg->ciphersuites, sizeof(cfg->ciphersuites), name, value, err, errlen);
}

int tls_cfg_check(const struct tls_cfg *cfg, char *err, size_t errlen)
{
	unsigned int i;

	if (!cfg->npairs) {
		snprintf(err, errlen, "TLS needs at least one --tls-cert FILE --tls-key FILE");
		return -EINVAL;
	}
	for (i = 0; i < cfg->npairs; i++) {
		if (!cfg->pairs[i].key[0]) {
			snprintf(err, errlen, "tls-cert %s has no tls-key after it",
				 cfg->pairs[i].cert);
			return -EINVAL;
		}
	}
	if (cfg->min_version != TLS_V12 && cfg->min_version != TLS_V13) {
		snprintf(err, errlen, "tls-min: expected 1.2 or 1.3");
		return -EINVAL;
	}
	if (!cfg->ticket_rotate_s) {
		snprintf(err, errlen, "the ticket key rotation interval must be at least 1 s");
		return -EINVAL;
	}
	return 0;
}
