/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The L7 reverse proxy of `xdpgw proxy`, as its users see it: its settings
 * (config.c) and start, reload, stop (group.c). The rest is the proxy's own
 * (proxy_int.h).
 */
#ifndef XDPGW_PROXY_H
#define XDPGW_PROXY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tls.h"

#define PROXY_MAX_BACKENDS 64
#define PROXY_MAX_WORKERS  64
#define PROXY_MAX_LISTENS  16

enum proxy_balance {
	BALANCE_ROUNDROBIN, /* smooth weighted round robin */
	BALANCE_LEASTCONN,  /* fewest requests in flight per weight */
};

struct proxy_backend_cfg {
	struct sockaddr_in addr;
	uint32_t weight;
};

/* --listen (plain HTTP) or --listen-tls: every TLS listener serves the
 * same certificates (tls.pairs), chosen by SNI. */
struct proxy_listen_cfg {
	struct sockaddr_in addr;
	bool tls;
};

/* Everything `xdpgw proxy` can be told; times in milliseconds. */
struct proxy_cfg {
	struct proxy_listen_cfg listens[PROXY_MAX_LISTENS];
	unsigned int nlistens;
	struct proxy_backend_cfg backends[PROXY_MAX_BACKENDS];
	unsigned int nbackends;
	enum proxy_balance balance;
	uint32_t workers;

	uint32_t max_conns;   /* clients at once, all workers; more get a 503 */
	uint32_t max_header;  /* request head bytes: 431 beyond */
	uint32_t max_uri;     /* request-target bytes: 414 beyond */
	uint32_t buffer_size; /* per direction and busy connection (idle ones hold none) */
	uint32_t keepalive;   /* idle upstream connections kept per backend; 0: none */
	uint32_t keepalive_max; /* ... up to this many while as many were busy lately */

	uint32_t header_timeout;  /* whole request head (slowloris) */
	uint32_t idle_timeout;	  /* client keep-alive between requests */
	uint32_t connect_timeout; /* upstream connect */
	uint32_t read_timeout;	  /* longest stall of an exchange, e.g. waiting for the upstream */
	uint32_t drain_timeout;	  /* SIGTERM: longest wait for requests in flight */
	uint32_t pool_timeout;	  /* idle upstream connection kept this long */
	uint32_t handshake_timeout; /* a TLS handshake, from accept to its end */

	uint32_t max_fails;    /* failures in a row that mark a backend down; 0: never */
	uint32_t fail_timeout; /* ... for this long */
	char health_path[256]; /* active check: GET this path; "" for none */
	uint32_t health_interval;
	bool access_log;
	bool underscores_in_headers; /* pass request fields named with '_' */
	struct tls_cfg tls;	     /* for the --listen-tls listeners */
};

void proxy_cfg_defaults(struct proxy_cfg *cfg);
/* Apply one option (`name` is the long option without its dashes) with its
 * value. Returns 0, or -EINVAL after writing why into err. */
int proxy_cfg_set(struct proxy_cfg *cfg, const char *name, const char *value, char *err,
		  size_t errlen);
/* Apply every "name value" line of a file (# starts a comment) at its top
 * and under [proxy]; [nat], which is `xdpgw run`'s, is skipped. Returns 0,
 * or -errno after writing "FILE:LINE: why" into err. */
int proxy_cfg_load(struct proxy_cfg *cfg, const char *path, char *err, size_t errlen);
/* The whole configuration is usable (a listen address, a backend, ...). */
int proxy_cfg_check(const struct proxy_cfg *cfg, char *err, size_t errlen);
/* "A.B.C.D:PORT" into sa. 0 or -EINVAL. */
int proxy_parse_addr(const char *s, struct sockaddr_in *sa);
/* "A.B.C.D:PORT" of sa into buf (at least 22 bytes). */
void proxy_fmt_addr(const struct sockaddr_in *sa, char *buf, size_t len);
/* The certificate and key files of a TLS listener load (proxy_start does
 * the same): for a caller that must refuse a file before anything starts.
 * 0, or -EINVAL with which file and why in err. */
int proxy_cfg_check_files(const struct proxy_cfg *cfg, char *err, size_t errlen);
/* Some listener speaks TLS. */
bool proxy_cfg_has_tls(const struct proxy_cfg *cfg);

/* ---------------------------------------------------------------- run */

struct proxy_group;

/* Listen and start cfg->workers event loops. Signals are the caller's: the
 * workers block them all. NULL, with -errno in *err, after saying why. */
struct proxy_group *proxy_start(const struct proxy_cfg *cfg, int *err);
/* Readable once a worker has stopped on its own: the proxy is broken. */
int proxy_exit_fd(const struct proxy_group *g);
/* New backends, settings and certificates for new requests and
 * connections, dropping no connection; the listeners and the number of
 * workers stay as they are. A certificate or key that cannot be loaded
 * keeps the whole running configuration (a warning says which file). */
void proxy_reload(struct proxy_group *g, const struct proxy_cfg *cfg);
/* Stop accepting, finish the requests in flight (at most drain-timeout),
 * free g. 0, or -EIO when a worker had stopped on its own. */
int proxy_stop(struct proxy_group *g);
/* Build a configuration: defaults, then the file (if any), then argv's
 * options. Used at start and on SIGHUP. Returns 0, -EINVAL (message in err). */
int proxy_cfg_build(struct proxy_cfg *cfg, const char *config_path, int argc, char **argv,
		    char *err, size_t errlen);

#endif
