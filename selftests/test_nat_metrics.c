// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmocka tests of the Prometheus exposition (user/metrics.c): every series
 * has its # HELP and # TYPE, every counter of `xdpgw stats` is there with
 * its value, the flow gauges by protocol and state; and the request routing
 * of the /metrics endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "xdpgw.h"
#include "metrics.h"

/* The value of the line that starts with series (name and labels), or -1. */
static long long value_of(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static void test_render_counters(void **state)
{
	struct metrics_input in = { .ifname = "eth0" };
	char series[160], *text;
	int i;

	(void)state;
	for (i = 0; i < STAT__MAX; i++)
		in.stats[i] = 1000 + i;
	text = metrics_render(&in);
	assert_non_null(text);
	assert_non_null(strstr(text, "# HELP xdpgw_packets_total "));
	assert_non_null(strstr(text, "# TYPE xdpgw_packets_total counter\n"));
	for (i = 0; i < STAT__MAX; i++) {
		if (i == STAT_EXPIRED || i == STAT_ICMP_PROHIBITED)
			continue;
		snprintf(series, sizeof(series),
			 "xdpgw_packets_total{interface=\"eth0\",outcome=\"%s\"}",
			 xdpgw_stat_names[i]);
		assert_int_equal(value_of(text, series), 1000 + i);
	}
	/* not packet outcomes: series of their own */
	assert_int_equal(value_of(text, "xdpgw_flows_expired_total{interface=\"eth0\"}"),
			 1000 + STAT_EXPIRED);
	assert_int_equal(value_of(text, "xdpgw_icmp_prohibited_sent_total{interface=\"eth0\"}"),
			 1000 + STAT_ICMP_PROHIBITED);
	assert_null(strstr(text, "outcome=\"expired\""));
	/* no table figures before a sweep */
	assert_null(strstr(text, "xdpgw_flows{"));
	free(text);
}

static void test_render_table(void **state)
{
	struct metrics_input in = {
		.ifname = "eth0", .have_table = true, .max_flows = 262144,
		.ports_tcp = 3, .ports_udp = 2, .ports_icmp = 1, .port_pool = 64512,
		.sweep_seconds = 0.0125, .sweeps = 7,
		.extra = "# HELP x_y A proxy series.\n# TYPE x_y gauge\nx_y 1\n",
	};
	char *text, *p;
	int types = 0, helps = 0;

	(void)state;
	in.flows_by_state[FLOW_TCP_ESTABLISHED] = 5;
	in.flows_by_state[FLOW_UDP_ASSURED] = 4;
	in.flows_by_state[FLOW_ICMP_ECHO] = 2;
	text = metrics_render(&in);
	assert_non_null(text);
	assert_int_equal(value_of(text, "xdpgw_flows{interface=\"eth0\",proto=\"tcp\","
					"state=\"established\"}"), 5);
	assert_int_equal(value_of(text, "xdpgw_flows{interface=\"eth0\",proto=\"udp\","
					"state=\"udp_assured\"}"), 4);
	assert_int_equal(value_of(text, "xdpgw_flows{interface=\"eth0\",proto=\"icmp\","
					"state=\"icmp_echo\"}"), 2);
	assert_int_equal(value_of(text, "xdpgw_flows{interface=\"eth0\",proto=\"tcp\","
					"state=\"syn_sent\"}"), 0);
	assert_int_equal(value_of(text, "xdpgw_flows_capacity{interface=\"eth0\"}"), 262144);
	assert_int_equal(value_of(text, "xdpgw_ports_in_use{interface=\"eth0\",proto=\"udp\"}"), 2);
	assert_int_equal(value_of(text, "xdpgw_port_pool_size{interface=\"eth0\"}"), 64512);
	assert_non_null(strstr(text, "xdpgw_sweep_duration_seconds{interface=\"eth0\"} 0.012500\n"));
	assert_int_equal(value_of(text, "xdpgw_sweeps_total{interface=\"eth0\"}"), 7);
	assert_non_null(strstr(text, "\nx_y 1\n"));
	/* one # HELP and one # TYPE per family, each before its samples */
	for (p = text; (p = strstr(p, "# TYPE ")); p++)
		types++;
	for (p = text; (p = strstr(p, "# HELP ")); p++)
		helps++;
	assert_int_equal(types, helps);
	assert_int_equal(types, 10);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

static void test_route(void **state)
{
	bool head_only;

	(void)state;
	assert_int_equal(metrics_route("GET /metrics HTTP/1.1", 21, &head_only), 200);
	assert_false(head_only);
	assert_int_equal(metrics_route("GET /metrics?x=1 HTTP/1.0", 25, &head_only), 200);
	assert_int_equal(metrics_route("HEAD /metrics HTTP/1.1", 22, &head_only), 200);
	assert_true(head_only);
	assert_int_equal(metrics_route("GET / HTTP/1.1", 14, &head_only), 404);
	assert_int_equal(metrics_route("GET /metricsx HTTP/1.1", 22, &head_only), 404);
	assert_int_equal(metrics_route("POST /metrics HTTP/1.1", 22, &head_only), 405);
	assert_int_equal(metrics_route("GET /metrics", 12, &head_only), 400);
	assert_int_equal(metrics_route("GET /metrics SPDY/3", 19, &head_only), 400);
	assert_int_equal(metrics_route("garbage", 7, &head_only), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_counters),
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
