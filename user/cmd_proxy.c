// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw proxy: the HTTP reverse proxy and load balancer. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "cli.h"
#include "log.h"
#include "proxy.h"

static const char proxy_usage[] =
	"Usage: xdpgw proxy --listen ADDR:PORT --backend ADDR:PORT[,weight=N]...\n"
	"                   [--listen-tls ADDR:PORT --tls-cert FILE --tls-key FILE...]\n"
	"                   [--balance roundrobin|leastconn] [--workers N] [--config FILE]\n"
	"                   [OPTION VALUE]... [-v]\n"
	"\n"
	"HTTP/1.1 and 1.0 reverse proxy: requests to ADDR:PORT are spread over the\n"
	"backends, with keep-alive on both sides, streamed bodies, retry of idempotent\n"
	"requests refused or reset before any response byte, passive (and optional\n"
	"active) health checks. One access-log line per request on stdout.\n"
	"SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.\n"
	"SIGHUP: read FILE and the options again; new backends, settings and\n"
	"certificates apply to new requests and connections, no connection is\n"
	"dropped; a file that cannot be loaded keeps the running configuration.\n"
	"\n"
	"  --listen ADDR:PORT          where clients connect with plain HTTP\n"
	"                              (repeatable; this or --listen-tls required)\n"
	"  --listen-tls ADDR:PORT      where clients connect with HTTPS (repeatable)\n"
	"  --tls-cert FILE --tls-key FILE  a certificate (PEM, then its chain) and\n"
	"                              its key, served on every --listen-tls; repeat\n"
	"                              the pair for more names: the one whose names\n"
	"                              match the client's SNI, else the first\n"
	"  --tls-min 1.2|1.3           oldest TLS version accepted (1.2)\n"
	"  --tls-ciphers LIST          TLS 1.2 ciphers, OpenSSL's syntax (ECDHE\n"
	"                              with AES-GCM or ChaCha20-Poly1305)\n"
	"  --tls-ciphersuites LIST     TLS 1.3 suites (OpenSSL's three)\n"
	"  --handshake-timeout T       a TLS handshake, else closed (10)\n"
	"  --backend ADDR:PORT[,weight=N]  a backend (at least one; at most 64)\n"
	"  --balance roundrobin|leastconn  weighted round robin (default) or the\n"
	"                              fewest requests in flight per weight\n"
	"  --workers N                 event loops sharing the port (default 1)\n"
	"  --config FILE               options as \"name value\" lines (# comments),\n"
	"                              at the top or under [proxy] ([nat], which is\n"
	"                              `xdpgw run`'s, is skipped); re-read on SIGHUP;\n"
	"                              backends, listeners and certificate pairs\n"
	"                              add up with the command line's\n"
	"  --max-conns N               clients at once; more get a 503 (10000)\n"
	"  --max-header-size BYTES     request head: 431 beyond (16384)\n"
	"  --max-uri BYTES             request target: 414 beyond (8192)\n"
	"  --buffer-size BYTES         per direction and busy connection (65536)\n"
	"  --keepalive N               idle upstream connections per backend (32;\n"
	"                              0: none)\n"
	"  --keepalive-max N           ... up to N while as many were busy within\n"
	"                              the pool timeout (1024)\n"
	"  --header-timeout T          whole request head, else 408 (10)\n"
	"  --idle-timeout T            client keep-alive between requests (60)\n"
	"  --connect-timeout T         upstream connect, else 504 (5)\n"
	"  --read-timeout T            longest wait for the upstream, else 504 (60)\n"
	"  --pool-timeout T            idle upstream connection kept (30)\n"
	"  --drain-timeout T           SIGTERM: longest wait for requests (30)\n"
	"  --max-fails N               failures in a row marking a backend down (3;\n"
	"                              0 never)\n"
	"  --fail-timeout T            ... for this long (10)\n"
	"  --health-check PATH         GET PATH on each backend every interval:\n"
	"                              a 2xx or 3xx keeps it up (default: none)\n"
	"  --health-interval T         (5)\n"
	"  --access-log on|off         (on)\n"
	"  --underscores-in-headers on|off  pass request fields whose name has '_'\n"
	"                              (off: dropped, as CGI reads X_A as X-A)\n"
	"  -v, --verbose               more output\n"
	"  -h, --help                  this text\n"
	"\n"
	"T is seconds, or milliseconds with \"ms\" (e.g. 500ms).\n";

#define OPT_BASE 256

static const struct option proxy_options[] = {
	{"listen", required_argument, NULL, OPT_BASE + 0},
	{"backend", required_argument, NULL, OPT_BASE + 1},
	{"balance", required_argument, NULL, OPT_BASE + 2},
	{"workers", required_argument, NULL, OPT_BASE + 3},
	{"max-conns", required_argument, NULL, OPT_BASE + 4},
	{"max-header-size", required_argument, NULL, OPT_BASE + 5},
	{"max-uri", required_argument, NULL, OPT_BASE + 6},
	{"buffer-size", required_argument, NULL, OPT_BASE + 7},
	{"keepalive", required_argument, NULL, OPT_BASE + 8},
	{"header-timeout", required_argument, NULL, OPT_BASE + 9},
	{"idle-timeout", required_argument, NULL, OPT_BASE + 10},
	{"connect-timeout", required_argument, NULL, OPT_BASE + 11},
	{"read-timeout", required_argument, NULL, OPT_BASE + 12},
	{"pool-timeout", required_argument, NULL, OPT_BASE + 13},
	{"drain-timeout", required_argument, NULL, OPT_BASE + 14},
	{"max-fails", required_argument, NULL, OPT_BASE + 15},
	{"fail-timeout", required_argument, NULL, OPT_BASE + 16},
	{"health-check", required_argument, NULL, OPT_BASE + 17},
	{"health-interval", required_argument, NULL, OPT_BASE + 18},
	{"access-log", required_argument, NULL, OPT_BASE + 19},
	{"underscores-in-headers", required_argument, NULL, OPT_BASE + 20},
	{"keepalive-max", required_argument, NULL, OPT_BASE + 21},
	{"listen-tls", required_argument, NULL, OPT_BASE + 22},
	{"tls-cert", required_argument, NULL, OPT_BASE + 23},
	{"tls-key", required_argument, NULL, OPT_BASE + 24},
	{"tls-min", required_argument, NULL, OPT_BASE + 25},
	{"tls-ciphers", required_argument, NULL, OPT_BASE + 26},
	{"tls-ciphersuites", required_argument, NULL, OPT_BASE + 27},
	{"handshake-timeout", required_argument, NULL, OPT_BASE + 28},
	{"config", required_argument, NULL, 'c'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{}};

static void reload(struct proxy_group *g, const char *config_path, int argc, char **argv)
{
	struct proxy_cfg cfg;
	char err[512];

	if (proxy_cfg_build(&cfg, config_path, argc, argv, err, sizeof(err)))
		pr_warn("reload: %s; keeping the running configuration\n", err);
	else
		proxy_reload(g, &cfg);
}

/* Wait for a signal or a worker's end; SIGHUP reloads. 0 or -errno. */
static int wait_signals(struct proxy_group *g, int sfd, const char *config_path, int argc,
			char **argv)
{
	struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {proxy_exit_fd(g), POLLIN, 0}};
	struct signalfd_siginfo si;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents) {
			pr_warn("a worker stopped; stopping\n");
			return -EIO;
		}
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP) {
			pr_info("signal %d: finishing requests in flight\n", si.ssi_signo);
			return 0;
		}
		reload(g, config_path, argc, argv);
	}
}

/* Run the proxy until SIGTERM or SIGINT. 0 or -errno. */
static int serve(const struct proxy_cfg *cfg, const char *config_path, int argc, char **argv)
{
	struct proxy_group *g;
	sigset_t mask;
	int sfd, err, stop;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* blocked, so that only the signalfd sees them (the workers block all) */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		err = -errno;
		pr_warn("signalfd: %s\n", strerror(errno));
		return err;
	}
	g = proxy_start(cfg, &err);
	if (g) {
		err = wait_signals(g, sfd, config_path, argc, argv);
		stop = proxy_stop(g);
		err = err ?: stop;
	}
	close(sfd);
	return err;
}

int cmd_proxy(int argc, char **argv)
{
	const char *config_path = NULL;
	struct proxy_cfg cfg;
	char err[512];
	int opt, verbose = 0;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "c:vh", proxy_options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			fputs(proxy_usage, stdout);
			return EXIT_OK;
		case '?':
			fputs(proxy_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdpgw proxy: unexpected argument '%s'\n", argv[optind]);
		fputs(proxy_usage, stderr);
		return EXIT_USAGE;
	}
	cli_set_verbosity(verbose);
	if (proxy_cfg_build(&cfg, config_path, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "xdpgw proxy: %s\n", err);
		/* a file that cannot be read or is wrong is a failure, not usage */
		return config_path && strstr(err, config_path) ? EXIT_FAIL : EXIT_USAGE;
	}
	return serve(&cfg, config_path, argc, argv) ? EXIT_FAIL : EXIT_OK;
}
