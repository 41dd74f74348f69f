// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for wrk in selftests/bench/tls.sh's handshake rows: wrk
 * closes a connection with SSL_shutdown and SSL_clear, and SSL_clear keeps
 * the session, so its next connection offers it and resumes. Here
 * SSL_clear forgets the session first: every connection is a full
 * handshake. At exit it prints to stderr how many connections had resumed
 * anyway ("no_resume: N connections, M resumed"), for the script to check.
 *
 * Built by tls.sh (a library, not one of the Makefile's bench tools):
 *   cc -shared -fPIC -o no_resume.so no_resume.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <openssl/ssl.h>

static atomic_ulong conns, resumed;

int SSL_clear(SSL *s)
{
	static int (*real)(SSL *);

	if (!real)
		real = (int (*)(SSL *))dlsym(RTLD_NEXT, "SSL_clear");
	if (SSL_get_session(s)) {
		conns++;
		if (SSL_session_reused(s))
			resumed++;
	}
	SSL_set_session(s, NULL);
	return real(s);
}

__attribute__((destructor)) static void report(void)
{
	fprintf(stderr, "no_resume: %lu connections, %lu resumed\n", (unsigned long)conns,
		(unsigned long)resumed);
}
