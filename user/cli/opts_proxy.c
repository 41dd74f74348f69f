// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `xdpgw proxy`'s options, also the keys of [proxy] (proxy_cfg_set): getopt,
 * --help, config keys, xdpgw(8) (opts.h). */
#include <stddef.h>
#include "opts.h"

static const struct opt proxy_opts[] = {
	{ "listen", 0, 0, "ADDR:PORT", OPTF_CONF,
	  "where clients connect with plain HTTP\n"
	  "(repeatable; this or --listen-tls required)",
	  "Where clients connect with plain HTTP; repeatable.\n"
	  "At least one\n"
	  ".B \\-\\-listen\n"
	  "or\n"
	  ".B \\-\\-listen\\-tls\n"
	  "is required; both kinds may run side by side." },
	{ "listen-tls", 0, 0, "ADDR:PORT", OPTF_CONF,
	  "where clients connect with HTTPS (repeatable)",
	  "Where clients connect with HTTPS; repeatable.\n"
	  "Every TLS listener serves the certificates of the\n"
	  ".B \\-\\-tls\\-cert\n"
	  "pairs.\n"
	  "Backends get\n"
	  ".B X\\-Forwarded\\-Proto: https\n"
	  "from it\n"
	  ".RB ( http\n"
	  "from a plain listener), and its access-log lines end with\n"
	  ".BI tls= VERSION\n"
	  ".BI sni= NAME\\fR." },
	{ "tls-cert", 0, 0, "FILE", OPTF_CONF,
	  "a certificate (PEM, then its chain), served on\n"
	  "every --listen-tls with the --tls-key after it;\n"
	  "repeat the pair for more names: the one whose\n"
	  "names match the client's SNI, else the first",
	  "A certificate (PEM, followed by its chain); the\n"
	  ".B \\-\\-tls\\-key\n"
	  "after it is its key.\n"
	  "Repeat the pair for more names: the certificate whose subjectAltName matches\n"
	  "the client's SNI is served (an exact name before a wildcard), else the\n"
	  "first.\n"
	  "A missing or unreadable file, a key that does not match, a key too small\n"
	  "or encrypted: an error before anything starts; an expired certificate: a\n"
	  "warning." },
	{ "tls-key", 0, 0, "FILE", OPTF_CONF,
	  "the key of the --tls-cert before it",
	  "The unencrypted PEM key of the\n"
	  ".B \\-\\-tls\\-cert\n"
	  "before it." },
	{ "tls-min", 0, 0, "1.2|1.3", OPTF_CONF,
	  "oldest TLS version accepted (1.2)",
	  "Oldest TLS version accepted (default 1.2; older ones never are)." },
	{ "tls-ciphers", 0, 0, "LIST", OPTF_CONF,
	  "TLS 1.2 ciphers, OpenSSL's syntax (ECDHE\n"
	  "with AES-GCM or ChaCha20-Poly1305)",
	  "TLS 1.2 ciphers in OpenSSL's syntax (default: ECDHE with AES-GCM or\n"
	  "ChaCha20-Poly1305); a name OpenSSL does not know is an error." },
	{ "tls-ciphersuites", 0, 0, "LIST", OPTF_CONF,
	  "TLS 1.3 suites (OpenSSL's three)",
	  "TLS 1.3 suites (default: OpenSSL's three)." },
	{ "handshake-timeout", 0, 0, "T", OPTF_CONF,
	  "a TLS handshake, else closed (10)",
	  "A TLS handshake not done in T is closed, without a response (default 10)." },
	{ "backend", 0, 0, "ADDR:PORT[,weight=N]", OPTF_CONF,
	  "a backend (at least one; at most 64)",
	  "A backend; at least one, at most 64." },
	{ "balance", 0, 0, "roundrobin|leastconn", OPTF_CONF,
	  "weighted round robin (default) or the\n"
	  "fewest requests in flight per weight",
	  "Weighted round robin (default) or the fewest requests in flight per weight." },
	{ "workers", 0, 0, "N", OPTF_CONF,
	  "event loops sharing the port (default 1)",
	  "Event loops sharing the port (default 1)." },
	{ "config", 'c', OPT_ID_CONFIG, "FILE", 0,
	  "options as \"name value\" lines (# comments),\n"
	  "at the top or under [proxy] ([nat], which is\n"
	  "`xdpgw run`'s, is skipped); re-read on SIGHUP;\n"
	  "backends, listeners and certificate pairs\n"
	  "add up with the command line's",
	  "Options as \"name value\" lines, at the top or under [proxy]; re-read on\n"
	  "SIGHUP; backends, listeners and certificate pairs add up with the command line's." },
	{ "max-conns", 0, 0, "N", OPTF_CONF,
	  "clients at once; more get a 503 (10000)",
	  "Clients at once; more get a 503 (default 10000)." },
	{ "max-header-size", 0, 0, "BYTES", OPTF_CONF,
	  "request head: 431 beyond (16384)",
	  "Longest request head; 431 beyond (default 16384)." },
	{ "max-uri", 0, 0, "BYTES", OPTF_CONF,
	  "request target: 414 beyond (8192)",
	  "Longest request target; 414 beyond (default 8192)." },
	{ "buffer-size", 0, 0, "BYTES", OPTF_CONF,
	  "per direction and busy connection (65536)",
	  "Buffer per direction and connection, taken while a request moves and given\n"
	  "back when the connection goes idle (default 65536, at most 1 MiB)." },
	{ "keepalive", 0, 0, "N", OPTF_CONF,
	  "idle upstream connections per backend (32;\n"
	  "0: none)",
	  "Idle upstream connections kept per backend at least (default 32); the pool\n"
	  "follows the recent peak of busy connections." },
	{ "keepalive-max", 0, 0, "N", OPTF_CONF,
	  "... up to N while as many were busy within\n"
	  "the pool timeout (1024)",
	  "At most this many idle upstream connections per backend (default 1024)." },
	{ "header-timeout", 0, 0, "T", OPTF_CONF,
	  "whole request head, else 408 (10)",
	  "Time for the whole request head, else 408 (default 10)." },
	{ "idle-timeout", 0, 0, "T", OPTF_CONF,
	  "client keep-alive between requests (60)",
	  "Client keep-alive between requests (default 60)." },
	{ "connect-timeout", 0, 0, "T", OPTF_CONF,
	  "upstream connect, else 504 (5)",
	  "Upstream connect, else 504 (default 5)." },
	{ "read-timeout", 0, 0, "T", OPTF_CONF,
	  "longest wait for the upstream, else 504 (60)",
	  "Longest wait for the upstream, else 504 (default 60)." },
	{ "pool-timeout", 0, 0, "T", OPTF_CONF,
	  "idle upstream connection kept (30)",
	  "How long an idle upstream connection is kept (default 30)." },
	{ "drain-timeout", 0, 0, "T", OPTF_CONF,
	  "SIGTERM: longest wait for requests (30)",
	  "On SIGTERM, the longest wait for requests in flight (default 30)." },
	{ "max-fails", 0, 0, "N", OPTF_CONF,
	  "failures in a row marking a backend down (3;\n"
	  "0 never)",
	  "Failures in a row that mark a backend down (default 3; 0 never)." },
	{ "fail-timeout", 0, 0, "T", OPTF_CONF,
	  "... for this long (10)",
	  "How long a backend stays down (default 10)." },
	{ "health-check", 0, 0, "PATH", OPTF_CONF,
	  "GET PATH on each backend every interval:\n"
	  "a 2xx or 3xx keeps it up (default: none)",
	  "GET PATH on each backend every interval: a 2xx or 3xx keeps it up\n"
	  "(default: none)." },
	{ "health-interval", 0, 0, "T", OPTF_CONF,
	  "(5)",
	  "Between health checks (default 5)." },
	{ "access-log", 0, 0, "on|off", OPTF_CONF,
	  "(on)",
	  "One line per request on standard output (default on)." },
	{ "underscores-in-headers", 0, 0, "on|off", OPTF_CONF,
	  "pass request fields whose name has '_'\n"
	  "(off: dropped, as CGI reads X_A as X-A)",
	  "Pass request header names with an underscore (default off: dropped, as\n"
	  "CGI and WSGI backends read them as their dash twins)." },
	OPT_VERBOSE,
	OPT_HELP,
	{ NULL }
};

const struct verb_opts opts_proxy = {
	.verb = "proxy",
	.usage = "Usage: xdpgw proxy --listen ADDR:PORT --backend ADDR:PORT[,weight=N]...\n"
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
		"\n",
	.after = "\n"
		"T is seconds, or milliseconds with \"ms\" (e.g. 500ms).\n",
	.col = 30,
	.opts = proxy_opts,
	.man_after = ".PP\n"
		"T is seconds, or milliseconds with \"ms\" (e.g. 500ms).",
};
