// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Settings of `xdpgw proxy`. One table of options serves the command line
 * and the --config file (a line "name value" is the option --name value),
 * so both accept exactly the same things.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf_file.h"
#include "strparse.h"
#include "proxy.h"

void proxy_cfg_defaults(struct proxy_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->balance = BALANCE_ROUNDROBIN;
	cfg->workers = 1;
	cfg->max_conns = 10000;
	cfg->max_header = 16384;
	cfg->max_uri = 8192;
	cfg->buffer_size = 65536;
	cfg->keepalive = 32;
	cfg->keepalive_max = 1024;
	cfg->header_timeout = 10000;
	cfg->idle_timeout = 60000;
	cfg->connect_timeout = 5000;
	cfg->read_timeout = 60000;
	cfg->drain_timeout = 30000;
	cfg->pool_timeout = 30000;
	cfg->max_fails = 3;
	cfg->fail_timeout = 10000;
	cfg->health_interval = 5000;
	cfg->handshake_timeout = 10000;
	cfg->access_log = true;
	tls_cfg_defaults(&cfg->tls);
}

int proxy_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = s ? strrchr(s, ':') : NULL;
	__u32 port;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (parse_ipv4_addr(ip, &sa->sin_addr.s_addr) || parse_u32(colon + 1, 1, 65535, &port))
		return -EINVAL;
	sa->sin_port = htons(port);
	return 0;
}

void proxy_fmt_addr(const struct sockaddr_in *sa, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(sa->sin_port));
}

/* "N" seconds, or "Nms". */
static int parse_ms(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char num[16];
	size_t n = strlen(s);
	__u32 v, mult = 1000;

	if (n > 2 && !strcmp(s + n - 2, "ms")) {
		n -= 2;
		mult = 1;
	}
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u32(num, 0, 86400000, &v) || (uint64_t)v * mult < min || (uint64_t)v * mult > max)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static bool same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* "A.B.C.D:PORT" or "A.B.C.D:PORT,weight=N" */
static int parse_backend(struct proxy_cfg *cfg, const char *s)
{
	struct proxy_backend_cfg *b;
	char addr[32];
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);
	__u32 weight = 1;
	unsigned int i;

	if (cfg->nbackends >= PROXY_MAX_BACKENDS || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (comma &&
	    (strncmp(comma + 1, "weight=", 7) || parse_u32(comma + 1 + 7, 1, 1000, &weight)))
		return -EINVAL;
	b = &cfg->backends[cfg->nbackends];
	if (proxy_parse_addr(addr, &b->addr))
		return -EINVAL;
	for (i = 0; i < cfg->nbackends; i++)
		if (same_addr(&cfg->backends[i].addr, &b->addr))
			return -EEXIST;
	b->weight = weight;
	cfg->nbackends++;
	return 0;
}

/* "A.B.C.D:PORT", plain or TLS; the same address at most once. */
static int parse_listen(struct proxy_cfg *cfg, const char *s, bool tls)
{
	struct proxy_listen_cfg *l;
	unsigned int i;

	if (cfg->nlistens >= PROXY_MAX_LISTENS)
		return -EINVAL;
	l = &cfg->listens[cfg->nlistens];
	if (proxy_parse_addr(s, &l->addr))
		return -EINVAL;
	for (i = 0; i < cfg->nlistens; i++)
		if (same_addr(&cfg->listens[i].addr, &l->addr))
			return -EEXIST;
	l->tls = tls;
	cfg->nlistens++;
	return 0;
}

int proxy_cfg_check_files(const struct proxy_cfg *cfg, char *err, size_t errlen)
{
	struct tls_server *s;

	if (!proxy_cfg_has_tls(cfg))
		return 0;
	s = tls_server_new(&cfg->tls, err, errlen);
	if (!s)
		return -EINVAL;
	tls_server_free(s);
	return 0;
}

bool proxy_cfg_has_tls(const struct proxy_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nlistens; i++)
		if (cfg->listens[i].tls)
			return true;
	return false;
}

enum opt_kind { K_MS, K_U32, K_SPECIAL, K_TLS };

static const struct {
	const char *name;
	enum opt_kind kind;
	size_t off;
	uint32_t min, max;
	const char *what;
} opts[] = {
#define U(n, f, lo, hi, w)                                                                         \
	{                                                                                          \
		n, K_U32, offsetof(struct proxy_cfg, f), lo, hi, w                                 \
	}
#define T(n, f, lo, hi)                                                                            \
	{                                                                                          \
		n, K_MS, offsetof(struct proxy_cfg, f), lo, hi, "a time: N (seconds) or Nms"       \
	}
	U("workers", workers, 1, PROXY_MAX_WORKERS, "a number of workers 1-64"),
	U("max-conns", max_conns, 1, 1000000, "a number 1-1000000"),
	U("max-header-size", max_header, 1024, 65535, "bytes, 1024-65535"),
	U("max-uri", max_uri, 64, 65535, "bytes, 64-65535"),
	U("buffer-size", buffer_size, 4096, 1048576, "bytes, 4096-1048576"),
	U("keepalive", keepalive, 0, 10000, "idle connections per backend, 0-10000"),
	U("keepalive-max", keepalive_max, 0, 100000, "idle connections per backend, 0-100000"),
	U("max-fails", max_fails, 0, 1000, "a count 0-1000 (0: never mark down)"),
	T("header-timeout", header_timeout, 100, 3600000),
	T("idle-timeout", idle_timeout, 100, 3600000),
	T("connect-timeout", connect_timeout, 10, 600000),
	T("read-timeout", read_timeout, 100, 3600000),
	T("drain-timeout", drain_timeout, 0, 3600000),
	T("pool-timeout", pool_timeout, 100, 3600000),
	T("fail-timeout", fail_timeout, 100, 3600000),
	T("health-interval", health_interval, 100, 3600000),
	T("handshake-timeout", handshake_timeout, 100, 3600000),
	{"listen", K_SPECIAL, 0, 0, 0, "an address A.B.C.D:PORT, each once, at most 16"},
	{"listen-tls", K_SPECIAL, 0, 0, 0, "an address A.B.C.D:PORT, each once, at most 16"},
	{"backend", K_SPECIAL, 0, 0, 0, "A.B.C.D:PORT[,weight=1-1000], each once, at most 64"},
	{"balance", K_SPECIAL, 0, 0, 0, "roundrobin or leastconn"},
	{"health-check", K_SPECIAL, 0, 0, 0, "a path starting with /"},
	{"access-log", K_SPECIAL, 0, 0, 0, "on or off"},
	{"underscores-in-headers", K_SPECIAL, 0, 0, 0, "on or off"},
	/* tls_cfg_set's */
	{"tls-cert", K_TLS, 0, 0, 0, NULL},
	{"tls-key", K_TLS, 0, 0, 0, NULL},
	{"tls-min", K_TLS, 0, 0, 0, NULL},
	{"tls-ciphers", K_TLS, 0, 0, 0, NULL},
	{"tls-ciphersuites", K_TLS, 0, 0, 0, NULL},
#undef U
#undef T
};

static int parse_on_off(const char *v, bool *out)
{
	if (strcmp(v, "on") && strcmp(v, "off"))
		return -EINVAL;
	*out = !strcmp(v, "on");
	return 0;
}

static int set_special(struct proxy_cfg *cfg, const char *name, const char *v)
{
	if (!strcmp(name, "listen") || !strcmp(name, "listen-tls"))
		return parse_listen(cfg, v, !strcmp(name, "listen-tls"));
	if (!strcmp(name, "backend"))
		return parse_backend(cfg, v);
	if (!strcmp(name, "balance")) {
		if (!strcmp(v, "roundrobin"))
			cfg->balance = BALANCE_ROUNDROBIN;
		else if (!strcmp(v, "leastconn"))
			cfg->balance = BALANCE_LEASTCONN;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(name, "health-check")) {
		size_t i, n = strlen(v);

		if (v[0] != '/' || n >= sizeof(cfg->health_path))
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (v[i] <= 0x20 || v[i] >= 0x7f)
				return -EINVAL;
		memcpy(cfg->health_path, v, n + 1);
		return 0;
	}
	if (!strcmp(name, "access-log"))
		return parse_on_off(v, &cfg->access_log);
	if (!strcmp(name, "underscores-in-headers"))
		return parse_on_off(v, &cfg->underscores_in_headers);
	return -ENOENT;
}

int proxy_cfg_set(struct proxy_cfg *cfg, const char *name, const char *value, char *err,
		  size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		uint32_t *field = (uint32_t *)((char *)cfg + opts[i].off);

		if (strcmp(opts[i].name, name))
			continue;
		if (opts[i].kind == K_TLS)
			return tls_cfg_set(&cfg->tls, name, value, err, errlen);
		if (!value) {
			snprintf(err, errlen, "%s needs a value: %s", name, opts[i].what);
			return -EINVAL;
		}
		switch (opts[i].kind) {
		case K_MS:
			ret = parse_ms(value, opts[i].min, opts[i].max, field);
			break;
		case K_U32:
			ret = parse_u32(value, opts[i].min, opts[i].max, field);
			break;
		default:
			ret = set_special(cfg, name, value);
			break;
		}
		if (ret == -EEXIST)
			snprintf(err, errlen, "%s '%s': given twice", name, value);
		else if (ret)
			snprintf(err, errlen, "%s '%s': expected %s", name, value, opts[i].what);
		return ret ? -EINVAL : 0;
	}
	snprintf(err, errlen, "unknown option '%s'", name);
	return -EINVAL;
}

/* A line of the file of `xdpgw proxy`: at the top or under [proxy]; [nat]
 * is for `xdpgw run`, so that one file serves both. */
static int proxy_file_line(void *ctx, const char *section, const char *name, const char *value,
			   char *err, size_t errlen)
{
	if (!strcmp(section, "nat"))
		return 0;
	if (*section && strcmp(section, "proxy")) {
		snprintf(err, errlen, "unknown section [%s]: [proxy] or [nat]", section);
		return -EINVAL;
	}
	return name ? proxy_cfg_set(ctx, name, value, err, errlen) : 0;
}

int proxy_cfg_load(struct proxy_cfg *cfg, const char *path, char *err, size_t errlen)
{
	char *text;
	int ret = conf_file_read(path, proxy_file_line, cfg, &text, err, errlen);

	free(text);
	return ret;
}

int proxy_cfg_check(const struct proxy_cfg *cfg, char *err, size_t errlen)
{
	if (!cfg->nlistens) {
		snprintf(err, errlen, "--listen ADDR:PORT is required (or --listen-tls ADDR:PORT)");
		return -EINVAL;
	}
	if (proxy_cfg_has_tls(cfg)) {
		char why[256];

		if (tls_cfg_check(&cfg->tls, why, sizeof(why))) {
			snprintf(err, errlen, "--listen-tls: %s", why);
			return -EINVAL;
		}
	} else if (cfg->tls.npairs) {
		snprintf(err, errlen,
			 "--tls-cert %s is given but no --listen-tls ADDR:PORT: say which "
			 "listeners speak TLS",
			 cfg->tls.pairs[0].cert);
		return -EINVAL;
	}
	if (!cfg->nbackends) {
		snprintf(err, errlen, "at least one --backend ADDR:PORT is required");
		return -EINVAL;
	}
	if (cfg->max_uri > cfg->max_header) {
		snprintf(err, errlen, "max-uri (%u) is larger than max-header-size (%u)",
			 cfg->max_uri, cfg->max_header);
		return -EINVAL;
	}
	return 0;
}
