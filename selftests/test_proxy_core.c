// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmocka tests of the proxy's balancer, passive health, timer wheel and
 * settings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "proxy.h"
#include "proxy_int.h" /* the timer wheel and the balancer */

static struct backend bes[4];
static struct balancer bal;

/* n backends named a, b, c, d with the given weights. */
static void setup_backends(enum proxy_balance mode, int n, const int *weights)
{
	int i;

	memset(bes, 0, sizeof(bes));
	memset(&bal, 0, sizeof(bal));
	for (i = 0; i < n; i++) {
		bes[i].weight = weights[i];
		snprintf(bes[i].name, sizeof(bes[i].name), "%c", 'a' + i);
		bal.be[i] = &bes[i];
	}
	bal.n = n;
	bal.mode = mode;
	bal.max_fails = 3;
	bal.fail_timeout = 10000;
}

/* The names of the next n picks, e.g. "abab". */
static const char *picks(int n, uint64_t now, const struct backend *exclude)
{
	static char s[64];
	int i;

	for (i = 0; i < n; i++) {
		struct backend *be = balance_pick(&bal, now, exclude);

		s[i] = be ? be->name[0] : '-';
	}
	s[n] = '\0';
	return s;
}

static void test_rr_equal(void **state)
{
	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 2, (int[]){1, 1});
	assert_string_equal(picks(6, 0, NULL), "ababab");
	setup_backends(BALANCE_ROUNDROBIN, 3, (int[]){1, 1, 1});
	assert_string_equal(picks(6, 0, NULL), "abcabc");
}

/* nginx's smooth weighted round robin: 5,1,1 spread, not aaaaabc */
static void test_rr_weighted(void **state)
{
	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 3, (int[]){5, 1, 1});
	assert_string_equal(picks(14, 0, NULL), "aabacaaaabacaa");
	setup_backends(BALANCE_ROUNDROBIN, 2, (int[]){2, 1});
	assert_string_equal(picks(6, 0, NULL), "abaaba");
}

static void test_rr_skips_down_and_excluded(void **state)
{
	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 3, (int[]){1, 1, 1});
	bes[1].down_until = 5000;
	assert_string_equal(picks(4, 1000, NULL), "acac");
	/* back once its time is over */
	assert_string_equal(picks(3, 5000, NULL), "abc");
	bes[2].probe_down = true;
	assert_string_equal(picks(4, 6000, NULL), "abab");
	/* the retry of a failed request never goes to where it failed */
	assert_string_equal(picks(3, 6000, &bes[0]), "bbb");
	bes[1].removed = true;
	assert_string_equal(picks(2, 6000, &bes[0]), "--");
	assert_string_equal(picks(2, 6000, NULL), "aa");
	bes[0].probe_down = true;
	assert_null(balance_pick(&bal, 6000, NULL));
}

static void test_leastconn(void **state)
{
	(void)state;
	setup_backends(BALANCE_LEASTCONN, 3, (int[]){1, 1, 1});
	/* all idle: in turn */
	assert_string_equal(picks(6, 0, NULL), "abcabc");
	bes[0].active = 2;
	bes[1].active = 0;
	bes[2].active = 1;
	assert_string_equal(picks(2, 0, NULL), "bb");
	bes[1].active = 5;
	assert_string_equal(picks(1, 0, NULL), "c");
	/* per weight: a (w 3) with 3 in flight beats b (w 1) with 2 */
	setup_backends(BALANCE_LEASTCONN, 2, (int[]){3, 1});
	bes[0].active = 3;
	bes[1].active = 2;
	assert_string_equal(picks(1, 0, NULL), "a");
	/* down and excluded ones are passed over */
	bes[0].down_until = 100;
	assert_string_equal(picks(1, 0, NULL), "b");
	assert_string_equal(picks(1, 0, &bes[1]), "-");
	assert_string_equal(picks(1, 100, &bes[1]), "a");
}

static void test_passive_health(void **state)
{
	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 2, (int[]){1, 1});
	assert_false(backend_failed(&bal, &bes[0], 1000));
	assert_false(backend_failed(&bal, &bes[0], 1000));
	assert_true(backend_usable(&bes[0], 1000));
	/* the third failure in a row: down for fail_timeout */
	assert_true(backend_failed(&bal, &bes[0], 1000));
	assert_false(backend_usable(&bes[0], 1000));
	assert_false(backend_usable(&bes[0], 10999));
	assert_true(backend_usable(&bes[0], 11000));
	/* its first request after the rest fails: down again at once */
	assert_true(backend_failed(&bal, &bes[0], 11000));
	assert_false(backend_usable(&bes[0], 11000));
	/* a response ends the streak */
	assert_true(backend_ok(&bes[0]));
	assert_true(backend_usable(&bes[0], 11000));
	assert_int_equal(bes[0].fails, 0);
	assert_false(backend_ok(&bes[0]));
	/* a success in between restarts the count */
	assert_false(backend_failed(&bal, &bes[1], 0));
	assert_false(backend_failed(&bal, &bes[1], 0));
	backend_ok(&bes[1]);
	assert_false(backend_failed(&bal, &bes[1], 0));
	assert_true(backend_usable(&bes[1], 0));
	/* max-fails 0: never down */
	bal.max_fails = 0;
	for (int i = 0; i < 100; i++)
		assert_false(backend_failed(&bal, &bes[1], 0));
	assert_true(backend_usable(&bes[1], 0));
}

/* The last backend up is never marked down; when all are down anyway, a
 * first try goes to one that failed rather than nowhere. */
static void test_last_backend_stays_up(void **state)
{
	int i;

	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 1, (int[]){1});
	for (i = 0; i < 10; i++)
		assert_false(backend_failed(&bal, &bes[0], 1000));
	assert_true(backend_usable(&bes[0], 1000));
	assert_string_equal(picks(2, 1000, NULL), "aa");

	setup_backends(BALANCE_ROUNDROBIN, 2, (int[]){1, 1});
	for (i = 0; i < 2; i++)
		assert_false(backend_failed(&bal, &bes[0], 1000));
	assert_true(backend_failed(&bal, &bes[0], 1000)); /* b is still up */
	for (i = 0; i < 5; i++)
		assert_false(backend_failed(&bal, &bes[1], 1000)); /* b is the last */
	assert_true(backend_usable(&bes[1], 1000));
	assert_string_equal(picks(3, 1000, NULL), "bbb");
	/* a back after its rest: b's next failure marks it down */
	assert_true(backend_failed(&bal, &bes[1], 11000));
	assert_false(backend_usable(&bes[1], 11000));
	/* the last up is also kept when the others are down by active checks */
	setup_backends(BALANCE_LEASTCONN, 2, (int[]){1, 1});
	bes[0].probe_down = true;
	for (i = 0; i < 5; i++)
		assert_false(backend_failed(&bal, &bes[1], 0));
	/* down by failures when the other's check fails later: still tried
	 * first, never as the retry of a request it failed */
	bes[0].probe_down = false;
	assert_true(backend_failed(&bal, &bes[1], 0));
	bes[0].probe_down = true;
	assert_string_equal(picks(2, 0, NULL), "bb");
	assert_string_equal(picks(1, 0, &bes[1]), "-");
	bes[1].removed = true;
	assert_string_equal(picks(1, 0, NULL), "-");
}

/* The keep-alive pool follows the recent peak of requests in flight. */
static void test_pool_follows_peak(void **state)
{
	int i;

	(void)state;
	setup_backends(BALANCE_ROUNDROBIN, 1, (int[]){1});
	assert_int_equal(backend_pool_room(&bes[0], 32, 1024), 32);
	for (i = 0; i < 50; i++)
		backend_busy(&bes[0], 1000, 30000);
	assert_int_equal(bes[0].peak, 50);
	assert_int_equal(backend_pool_room(&bes[0], 32, 1024), 50);
	assert_int_equal(backend_pool_room(&bes[0], 32, 40), 40); /* bounded */
	assert_int_equal(backend_pool_room(&bes[0], 64, 40), 64); /* the floor wins */
	assert_int_equal(backend_pool_room(&bes[0], 0, 1024), 0); /* off */
	/* the load drops: the peak holds for the window, then follows */
	bes[0].active = 3;
	backend_busy(&bes[0], 31000, 30000);
	assert_int_equal(bes[0].peak, 50);
	backend_busy(&bes[0], 31001, 30000);
	assert_int_equal(bes[0].peak, 5);
	assert_int_equal(backend_pool_room(&bes[0], 32, 1024), 32);
	/* reaching the peak again keeps it recent */
	bes[0].active = 4;
	backend_busy(&bes[0], 40000, 30000);
	backend_busy(&bes[0], 65000, 30000);
	assert_int_equal(bes[0].peak, 6);
	assert_int_equal(bes[0].peak_at, 65000);
}

/* ---------------------------------------------------------------- timers */

struct tt {
	struct ptimer t;
	int fired;
	uint64_t at;
	struct ptimer *victim; /* disarmed by this one's handler */
};

static uint64_t tw_now;

static void tt_fire(struct ptimer *t)
{
	struct tt *x = (struct tt *)t;

	x->fired++;
	x->at = tw_now;
	if (x->victim)
		tw_del(x->victim);
}

static void run_until(struct timer_wheel *w, uint64_t from, uint64_t to)
{
	for (tw_now = from; tw_now <= to; tw_now += 10)
		tw_run(w, tw_now);
}

static void test_timer_wheel(void **state)
{
	static struct timer_wheel w;
	struct tt a = {.t.fn = tt_fire}, b = {.t.fn = tt_fire}, c = {.t.fn = tt_fire},
		  far = {.t.fn = tt_fire}, d = {.t.fn = tt_fire};

	(void)state;
	tw_init(&w, 100000);
	tw_add(&w, &a.t, 100000 + 120);
	tw_add(&w, &b.t, 100000 + 500);
	tw_add(&w, &c.t, 100000 + 300);
	/* further than a whole turn of the wheel: must not fire a turn early */
	tw_add(&w, &far.t, 100000 + PROXY_TW_SLOTS * PROXY_TW_TICK + 200);
	assert_true(tw_armed(&a.t));
	tw_del(&c.t);
	assert_false(tw_armed(&c.t));
	run_until(&w, 100000, 100000 + 119);
	assert_int_equal(a.fired, 0);
	run_until(&w, 100000 + 120, 100000 + 1000);
	assert_int_equal(a.fired, 1);
	assert_true(a.at >= 100000 + 120 && a.at < 100000 + 120 + PROXY_TW_TICK);
	assert_int_equal(b.fired, 1);
	assert_true(b.at >= 100000 + 500);
	assert_int_equal(c.fired, 0);
	assert_false(tw_armed(&a.t));
	/* re-arming moves it */
	tw_add(&w, &a.t, 100000 + 2000);
	tw_add(&w, &a.t, 100000 + 3000);
	run_until(&w, 100000 + 1001, 100000 + 2500);
	assert_int_equal(a.fired, 1);
	run_until(&w, 100000 + 2501, 100000 + 3100);
	assert_int_equal(a.fired, 2);
	/* a handler disarming another timer due in the same tick */
	a.victim = &d.t;
	tw_add(&w, &a.t, 100000 + 4000);
	tw_add(&w, &d.t, 100000 + 4000);
	run_until(&w, 100000 + 3101, 100000 + 4100);
	assert_int_equal(a.fired + d.fired, 3); /* whichever ran first, the other did not */
	assert_int_equal(far.fired, 0);
	run_until(&w, 100000 + 4101, 100000 + PROXY_TW_SLOTS * PROXY_TW_TICK + 100);
	assert_int_equal(far.fired, 0);
	run_until(&w, 100000 + PROXY_TW_SLOTS * PROXY_TW_TICK + 101,
		  100000 + PROXY_TW_SLOTS * PROXY_TW_TICK + 300);
	assert_int_equal(far.fired, 1);
	/* a deadline already past fires at the next run */
	tw_add(&w, &b.t, 0);
	tw_run(&w, tw_now);
	assert_int_equal(b.fired, 2);
}

/* ---------------------------------------------------------------- settings */

static void test_cfg_set(void **state)
{
	struct proxy_cfg cfg;
	char err[256];

	(void)state;
	proxy_cfg_defaults(&cfg);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--listen"));
	assert_int_equal(proxy_cfg_set(&cfg, "listen", "203.0.113.1:80", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--backend"));
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.57:80", err, sizeof(err)), 0);
	assert_int_equal(
		proxy_cfg_set(&cfg, "backend", "10.100.20.58:80,weight=3", err, sizeof(err)), 0);
	assert_int_equal(cfg.nbackends, 2);
	assert_int_equal(cfg.backends[1].weight, 3);
	assert_int_equal(ntohs(cfg.backends[1].addr.sin_port), 80);
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.57:80", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.59", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.59:0", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		proxy_cfg_set(&cfg, "backend", "10.100.20.59:80,weight=0", err, sizeof(err)),
		-EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.59:80,w=2", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cfg.nbackends, 2);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), 0);

	assert_int_equal(proxy_cfg_set(&cfg, "header-timeout", "2", err, sizeof(err)), 0);
	assert_int_equal(cfg.header_timeout, 2000);
	assert_int_equal(proxy_cfg_set(&cfg, "connect-timeout", "250ms", err, sizeof(err)), 0);
	assert_int_equal(cfg.connect_timeout, 250);
	assert_int_equal(proxy_cfg_set(&cfg, "idle-timeout", "5s", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "idle-timeout", "ms", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "idle-timeout", "1ms", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "idle-timeout '1ms'"));
	assert_int_equal(proxy_cfg_set(&cfg, "balance", "leastconn", err, sizeof(err)), 0);
	assert_int_equal(cfg.balance, BALANCE_LEASTCONN);
	assert_int_equal(proxy_cfg_set(&cfg, "balance", "random", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "workers", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "max-header-size", "100", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "health-check", "healthz", err, sizeof(err)), -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "health-check", "/healthz", err, sizeof(err)), 0);
	assert_string_equal(cfg.health_path, "/healthz");
	assert_int_equal(proxy_cfg_set(&cfg, "access-log", "off", err, sizeof(err)), 0);
	assert_false(cfg.access_log);
	assert_false(cfg.underscores_in_headers);
	assert_int_equal(proxy_cfg_set(&cfg, "underscores-in-headers", "on", err, sizeof(err)), 0);
	assert_true(cfg.underscores_in_headers);
	assert_int_equal(proxy_cfg_set(&cfg, "underscores-in-headers", "yes", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(proxy_cfg_set(&cfg, "frobnicate", "1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown option"));
	assert_int_equal(proxy_cfg_set(&cfg, "workers", NULL, err, sizeof(err)), -EINVAL);
	/* the URI limit cannot exceed the head limit */
	assert_int_equal(proxy_cfg_set(&cfg, "max-uri", "20000", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
}

/* Listeners: plain and TLS side by side; the pairs need a TLS listener. */
static void test_cfg_listeners_tls(void **state)
{
	struct proxy_cfg cfg;
	char err[256];

	(void)state;
	proxy_cfg_defaults(&cfg);
	assert_int_equal(cfg.handshake_timeout, 10000);
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.57:80", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_set(&cfg, "listen", "203.0.113.1:80", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_set(&cfg, "tls-cert", "/x/www.pem", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_set(&cfg, "tls-key", "/x/www.key", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no --listen-tls"));
	assert_false(proxy_cfg_has_tls(&cfg));
	assert_int_equal(proxy_cfg_set(&cfg, "listen-tls", "203.0.113.1:443", err, sizeof(err)), 0);
	assert_true(proxy_cfg_has_tls(&cfg));
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nlistens, 2);
	assert_false(cfg.listens[0].tls);
	assert_true(cfg.listens[1].tls);
	assert_int_equal(ntohs(cfg.listens[1].addr.sin_port), 443);
	/* an address once, plain or TLS */
	assert_int_equal(proxy_cfg_set(&cfg, "listen", "203.0.113.1:443", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "given twice"));
	assert_int_equal(proxy_cfg_set(&cfg, "listen-tls", "203.0.113.1", err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg.nlistens, 2);
	/* the TLS layer's names pass through, its errors too */
	assert_int_equal(proxy_cfg_set(&cfg, "tls-min", "1.3", err, sizeof(err)), 0);
	assert_int_equal(cfg.tls.min_version, TLS_V13);
	assert_int_equal(proxy_cfg_set(&cfg, "tls-min", "1.1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tls-min '1.1'"));
	assert_int_equal(proxy_cfg_set(&cfg, "handshake-timeout", "500ms", err, sizeof(err)), 0);
	assert_int_equal(cfg.handshake_timeout, 500);
	assert_int_equal(proxy_cfg_set(&cfg, "tls-cert", "/x/alt.pem", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tls-cert /x/alt.pem has no tls-key after it"));
	/* a TLS listener without pairs */
	proxy_cfg_defaults(&cfg);
	assert_int_equal(proxy_cfg_set(&cfg, "backend", "10.100.20.57:80", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_set(&cfg, "listen-tls", "203.0.113.1:443", err, sizeof(err)), 0);
	assert_int_equal(proxy_cfg_check(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at least one --tls-cert"));
}

static void test_cfg_file_and_build(void **state)
{
	char path[] = "/tmp/xdpgw-proxy-cfg-XXXXXX", err[512];
	static const char text[] = "# S2\n"
				   "listen 203.0.113.1:80\n"
				   "backend 10.100.20.57:80   # web1\n"
				   "\n"
				   "backend\t10.100.20.58:80,weight=2\n"
				   "balance leastconn\n";
	char *argv[] = {
		"proxy", "--config", path, "--backend", "10.100.20.59:80", "--header-timeout",
		"3",	 "-v",	     NULL};
	struct proxy_cfg cfg;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(proxy_cfg_build(&cfg, path, 8, argv, err, sizeof(err)), 0);
	assert_int_equal(cfg.nbackends, 3);
	assert_int_equal(cfg.backends[1].weight, 2);
	assert_int_equal(cfg.balance, BALANCE_LEASTCONN);
	assert_int_equal(cfg.header_timeout, 3000);
	assert_int_equal(cfg.nlistens, 1);

	f = fopen(path, "w");
	fputs("listen 203.0.113.1:80\nbackend 10.100.20.57:80\nbalance sideways\n", f);
	fclose(f);
	assert_int_equal(proxy_cfg_build(&cfg, path, 1, argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: balance 'sideways'"));
	f = fopen(path, "w");
	fputs("listen 203.0.113.1:80 extra\n", f);
	fclose(f);
	assert_int_equal(proxy_cfg_build(&cfg, path, 1, argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: one value per line"));
	unlink(path);
	assert_int_equal(proxy_cfg_build(&cfg, path, 1, argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cannot open config"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_equal),
		cmocka_unit_test(test_rr_weighted),
		cmocka_unit_test(test_rr_skips_down_and_excluded),
		cmocka_unit_test(test_leastconn),
		cmocka_unit_test(test_passive_health),
		cmocka_unit_test(test_last_backend_stays_up),
		cmocka_unit_test(test_pool_follows_peak),
		cmocka_unit_test(test_timer_wheel),
		cmocka_unit_test(test_cfg_set),
		cmocka_unit_test(test_cfg_listeners_tls),
		cmocka_unit_test(test_cfg_file_and_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
