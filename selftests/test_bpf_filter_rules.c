// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of the inbound filter table (bpf/inbound_filter.h)
 * on XDP ingress: packets of no flow to the external address, judged by
 * the rules (first match), the default policy, port ranges, `from`
 * prefixes and `to` addresses; the counters per rule; the event `watch`
 * gets for a drop; replies of flows made from inside never filtered;
 * the gateway's own connections; 1000 rules. Tables are written as
 * `xdpgw filter` writes them (filter_table_write). Hand-built frames
 * (pkt.c); the verdict, the frame and the one stat that moved are checked.
 * Runs in a network namespace of its own (the gateway's sockets).
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "filter_probe.skel.h"
#include "filter_rules.h"
#include "log.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"

#define KSFT_SKIP 4
#define OTHER_SRC "192.0.2.33" /* outside 198.51.100.0/24 */
#define IPPROTO_GRE_ 47

static struct env env;
static struct filter_maps maps;
static struct filter_table table;

/* The last filter drop event: its rule, and how many came. */
static struct flow_event last_event;
static int events_seen;
static struct ring_buffer *events;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct flow_event *ev = data;

	(void)ctx;
	if (size >= sizeof(*ev) && ev->type == FLOW_EV_REFUSED &&
	    ev->reason == STAT_IN_FILTER_DROP) {
		last_event = *ev;
		events_seen++;
	}
	return 0;
}

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

/* Every CPU's event clock at ns (0: the next drop is told). */
static void set_event_clock(__u64 ns)
{
	int cpu, n = libbpf_num_possible_cpus();

	for (cpu = 0; cpu < n && cpu < 1024; cpu++)
		env.xdp->bss->filter_event_last_ns[cpu] = ns;
}

/* Make the rules (NULL-terminated) and the default the table in use. */
static bool set_table(const char *def, const char *const *rules)
{
	char err[FILTER_ERR_LEN] = "";
	struct filter_rule r;
	bool ok = true;

	memset(&table, 0, sizeof(table));
	filter_action_parse(def, &table.default_action);
	for (; ok && *rules; rules++)
		ok = ASSERT_EQ(filter_rule_parse_line(*rules, &r, err, sizeof(err)) ?:
				       filter_table_add(&table, &r, 0, err, sizeof(err)),
			       0, *rules);
	return ok && ASSERT_EQ(filter_table_write(&maps, &table), 0, "table written");
}

/* A packet of no flow in: verdict and stat; the frame must not change. */
static bool judged(const struct pkt_spec *s, int verdict, enum xdpgw_stat stat)
{
	uint8_t in[PKT_MAX];

	return check_packet(&env, XDP, in, pkt_build(s, in), verdict, NULL, stat);
}

/* One judged packet as a test of its own. */
static void expect(const char *name, const struct pkt_spec *s, int verdict, enum xdpgw_stat stat)
{
	test_name = name;
	report(judged(s, verdict, stat));
}

/* The counter of rule num (from 1; 0: the default) moved by packets and bytes. */
static bool counted(__u32 num, const struct filter_count *before, __u64 packets, __u64 bytes)
{
	__u32 slot = num ? table.rules[num - 1].slot : XDPGW_FILTER_DEFAULT_SLOT;
	struct filter_count now;

	return ASSERT_EQ(filter_count_read(&maps, slot, &now), 0, "counter read") &&
	       ASSERT_EQ(now.packets - before->packets, packets, "packets counted") &&
	       ASSERT_EQ(now.bytes - before->bytes, bytes, "bytes counted");
}

static struct filter_count count_of(__u32 num)
{
	__u32 slot = num ? table.rules[num - 1].slot : XDPGW_FILTER_DEFAULT_SLOT;
	struct filter_count c = {};

	filter_count_read(&maps, slot, &c);
	return c;
}

#define SSH(src, ...) OUT_PKT(src, 40000, EXT, 22, IPPROTO_TCP, ##__VA_ARGS__)

static void test_default(void)
{
	static const char *const none[] = { NULL };
	struct pkt_spec ssh = SSH(INET, .payload_len = 10);
	struct filter_count d;

	test_name = "no rule, default allow: ssh to the gateway passes (as before)";
	set_table("allow", none);
	d = count_of(0);
	report(judged(&ssh, XDP_PASS, STAT_IN_NO_FLOW) && counted(0, &d, 1, 20 + 20 + 10));

	test_name = "no rule, default drop: ssh to the gateway dropped, on the default";
	set_table("drop", none);
	d = count_of(0);
	set_event_clock(0);
	events_seen = 0;
	report(judged(&ssh, XDP_DROP, STAT_IN_FILTER_DROP) && counted(0, &d, 1, 50) &&
	       ASSERT_EQ(ring_buffer__consume(events) >= 0, 1, "events read") &&
	       ASSERT_EQ(events_seen, 1, "one drop event") &&
	       ASSERT_EQ(last_event.rule, 0, "event: the default") &&
	       ASSERT_EQ(last_event.orig.saddr, inet_addr(INET), "event: source") &&
	       ASSERT_EQ(last_event.orig.dport, htons(22), "event: port"));

	test_name = "a second drop within 1/100 s: not told again (rate limit)";
	set_event_clock(0);
	judged(&ssh, XDP_DROP, STAT_IN_FILTER_DROP);
	events_seen = 0;
	report(judged(&ssh, XDP_DROP, STAT_IN_FILTER_DROP) &&
	       ASSERT_EQ(ring_buffer__consume(events) >= 0, 1, "events read") &&
	       ASSERT_EQ(events_seen, 1, "one event for two drops"));
}

static void test_first_match(void)
{
	static const char *const rules[] = {
		"drop tcp 22 from 198.51.100.20",
		"allow tcp 22 from 198.51.100.0/24",
		"allow tcp 443 to 192.0.2.1",
		"allow tcp 443 to " EXT,
		NULL,
	};
	struct pkt_spec from_inet = SSH(INET), from_r = SSH("198.51.100.21");
	struct pkt_spec from_other = SSH(OTHER_SRC);
	struct pkt_spec https = OUT_PKT(OTHER_SRC, 40000, EXT, 443, IPPROTO_TCP);
	struct filter_count c[5];
	int i;

	set_table("drop", rules);
	for (i = 0; i < 5; i++)
		c[i] = count_of(i);
	test_name = "rule 1 (drop from /32) before rule 2 (allow the /24): dropped";
	set_event_clock(0);
	events_seen = 0;
	report(judged(&from_inet, XDP_DROP, STAT_IN_FILTER_DROP) && counted(1, &c[1], 1, 40) &&
	       ASSERT_EQ(ring_buffer__consume(events) >= 0, 1, "events read") &&
	       ASSERT_EQ(events_seen, 1, "one drop event") &&
	       ASSERT_EQ(last_event.rule, 1, "event: rule 1"));
	test_name = "another source of the /24: rule 2 allows";
	report(judged(&from_r, XDP_PASS, STAT_IN_NO_FLOW) && counted(2, &c[2], 1, 40));
	test_name = "a source outside the /24: the default drops";
	report(judged(&from_other, XDP_DROP, STAT_IN_FILTER_DROP) && counted(0, &c[0], 1, 40) &&
	       counted(1, &c[1], 1, 40) && counted(2, &c[2], 1, 40));
	test_name = "to: the rule for another address does not match, the one for ours does";
	report(judged(&https, XDP_PASS, STAT_IN_NO_FLOW) && counted(3, &c[3], 0, 0) &&
	       counted(4, &c[4], 1, 40));
}

static void test_ranges(void)
{
	static const char *const rules[] = {
		"allow udp 1000-2000",
		"allow tcp 1000-2000 from " OTHER_SRC "/32",
		NULL,
	};
	static const struct {
		const char *name;
		__u8 proto;
		__u16 port;
		bool pass;
	} cases[] = {
		{ "udp 999: below the range, dropped", IPPROTO_UDP, 999, false },
		{ "udp 1000: the range's first port, allowed", IPPROTO_UDP, 1000, true },
		{ "udp 1500: allowed", IPPROTO_UDP, 1500, true },
		{ "udp 2000: the range's last port, allowed", IPPROTO_UDP, 2000, true },
		{ "udp 2001: above, dropped", IPPROTO_UDP, 2001, false },
		{ "tcp 1500 from inet: the tcp rule is for another source, dropped", IPPROTO_TCP,
		  1500, false },
	};
	size_t i;

	set_table("drop", rules);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec s = OUT_PKT(INET, 53, EXT, cases[i].port, cases[i].proto,
					    .payload_len = 8);

		test_name = cases[i].name;
		report(judged(&s, cases[i].pass ? XDP_PASS : XDP_DROP,
			      cases[i].pass ? STAT_IN_NO_FLOW : STAT_IN_FILTER_DROP));
	}
	test_name = "tcp 1500 from that source: allowed";
	{
		struct pkt_spec s = OUT_PKT(OTHER_SRC, 53, EXT, 1500, IPPROTO_TCP);

		report(judged(&s, XDP_PASS, STAT_IN_NO_FLOW));
	}
}

/* ICMP, other protocols, ICMP errors and later fragments under default drop. */
static void test_protocols(void)
{
	static const char *const none[] = { NULL };
	static const char *const icmp[] = { "allow icmp", NULL };
	static const char *const any[] = { "allow any from 198.51.100.0/24", NULL };
	static const struct pkt_spec quoted = OUT_PKT(EXT, 5353, INET, 53, IPPROTO_UDP);
	struct pkt_spec ping = OUT_PKT(INET, 9, EXT, 0, IPPROTO_ICMP, .payload_len = 56);
	struct pkt_spec gre = OUT_PKT(INET, 0, EXT, 0, IPPROTO_GRE_, .payload_len = 40);
	struct pkt_spec later = OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 3000,
					.frag_off = 185, .frag_len = 1480);
	struct pkt_spec err = OUT_PKT(INET, 0, EXT, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 3,
				      .quote = &quoted);

	set_table("drop", none);
	expect("default drop: a ping of the gateway dropped", &ping, XDP_DROP, STAT_IN_FILTER_DROP);
	expect("default drop: gre to the gateway dropped", &gre, XDP_DROP, STAT_IN_FILTER_DROP);
	expect("default drop: a later fragment (no ports) passes; its first was judged",
	       &later, XDP_PASS, STAT_IN_FRAGMENT_EARLY);
	expect("default drop: an icmp error is judged as before, not by the table",
	       &err, XDP_DROP, STAT_DROP_ICMP_NO_FLOW);
	set_table("drop", icmp);
	expect("allow icmp: the ping passes", &ping, XDP_PASS, STAT_IN_PASS);
	expect("allow icmp: gre still dropped", &gre, XDP_DROP, STAT_IN_FILTER_DROP);
	set_table("drop", any);
	expect("allow any from the /24: gre passes", &gre, XDP_PASS, STAT_IN_PASS);
	expect("allow any from the /24: a ping passes", &ping, XDP_PASS, STAT_IN_PASS);
}

/* Flows made from inside: their replies are translated under default drop. */
static void test_inside_flows(void)
{
	static const char *const none[] = { NULL };
	static const char *const deny[] = { "drop any", NULL };
	struct pkt_spec udp_out = OUT_PKT(WEB1, 5000, INET, 53, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec udp_ext = OUT_PKT(EXT, 5000, INET, 53, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec udp_in = OUT_PKT(INET, 53, EXT, 5000, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec udp_back = OUT_PKT(INET, 53, WEB1, 5000, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec ping_out = OUT_PKT(WEB1, 4242, INET, 0, IPPROTO_ICMP, .payload_len = 56);
	struct pkt_spec ping_ext = OUT_PKT(EXT, 4242, INET, 0, IPPROTO_ICMP, .payload_len = 56);
	struct pkt_spec pong_in = OUT_PKT(INET, 4242, EXT, 0, IPPROTO_ICMP, .echo_reply = true,
					  .payload_len = 56);
	struct pkt_spec pong_back = OUT_PKT(INET, 4242, WEB1, 0, IPPROTO_ICMP, .echo_reply = true,
					    .payload_len = 56);
	struct pkt_spec stray_pong = OUT_PKT(INET, 4343, EXT, 0, IPPROTO_ICMP, .echo_reply = true,
					     .payload_len = 56);
	uint8_t in[PKT_MAX];
	struct filter_count d;

	set_table("drop", none);
	test_name = "default drop: udp out makes a flow";
	report(check_packet(&env, TC, in, pkt_build(&udp_out, in), TC_ACT_OK, &udp_ext,
			    STAT_OUT_NEW_FLOW));
	d = count_of(0);
	test_name = "its reply: translated, not filtered, not counted";
	report(check_packet(&env, XDP, in, pkt_build(&udp_in, in), XDP_PASS, &udp_back,
			    STAT_IN_TRANSLATED) &&
	       counted(0, &d, 0, 0));
	test_name = "a ping out makes a flow";
	report(check_packet(&env, TC, in, pkt_build(&ping_out, in), TC_ACT_OK, &ping_ext,
			    STAT_OUT_NEW_FLOW));
	set_table("drop", deny);
	test_name = "under `drop any`: its echo reply translated";
	report(check_packet(&env, XDP, in, pkt_build(&pong_in, in), XDP_PASS, &pong_back,
			    STAT_IN_TRANSLATED));
	test_name = "under `drop any`: the udp reply translated";
	report(check_packet(&env, XDP, in, pkt_build(&udp_in, in), XDP_PASS, &udp_back,
			    STAT_IN_TRANSLATED));
	expect("an echo reply of no flow: judged (dropped)",
	       &stray_pong, XDP_DROP, STAT_IN_FILTER_DROP);
}

/*
 * The gateway's own connections (sockets of this namespace on the external
 * address): a connected UDP socket's and an established TCP connection's
 * packets pass under default drop; a SYN to a listener or a datagram to an
 * unconnected socket is the table's.
 */
static void test_own_connections(void)
{
	static const char *const none[] = { NULL };
	struct sockaddr_in ext = { .sin_family = AF_INET, .sin_addr.s_addr = inet_addr(EXT) };
	struct sockaddr_in inet = { .sin_family = AF_INET, .sin_addr.s_addr = inet_addr(INET),
				    .sin_port = htons(53) };
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), a = -1;
	bool ok;

	test_name = "the gateway's own sockets: set up";
	ext.sin_port = htons(4000);
	ok = ASSERT_EQ(bind(u, (void *)&ext, sizeof(ext)), 0, "udp bind") &&
	     ASSERT_EQ(connect(u, (void *)&inet, sizeof(inet)), 0, "udp connect");
	ext.sin_port = htons(4001);
	ok = ok && ASSERT_EQ(bind(v, (void *)&ext, sizeof(ext)), 0, "udp bind, unconnected");
	ext.sin_port = htons(2222);
	ok = ok && ASSERT_EQ(bind(l, (void *)&ext, sizeof(ext)), 0, "tcp bind") &&
	     ASSERT_EQ(listen(l, 4), 0, "listen");
	inet.sin_port = 0;
	ok = ok && ASSERT_EQ(bind(c, (void *)&inet, sizeof(inet)), 0, "client bind") &&
	     ASSERT_EQ(connect(c, (void *)&ext, sizeof(ext)), 0, "tcp connect") &&
	     ASSERT_TRUE((a = accept(l, NULL, NULL)) >= 0, "accept") &&
	     ASSERT_EQ(getsockname(c, (void *)&got, &len), 0, "client port");
	if (!report(ok))
		goto out;
	set_table("drop", none);
	{
		struct pkt_spec dns = OUT_PKT(INET, 53, EXT, 4000, IPPROTO_UDP, .payload_len = 30);
		struct pkt_spec stray = OUT_PKT(INET, 53, EXT, 4001, IPPROTO_UDP,
						.payload_len = 30);
		struct pkt_spec seg = OUT_PKT(INET, ntohs(got.sin_port), EXT, 2222, IPPROTO_TCP,
					      .tcp_flags = TCP_ACK, .payload_len = 5);
		struct pkt_spec syn = OUT_PKT(INET, 41000, EXT, 2222, IPPROTO_TCP);

		expect("default drop: a reply to the gateway's connected udp socket passes",
		       &dns, XDP_PASS, STAT_IN_NO_FLOW);
		expect("default drop: a datagram to an unconnected udp socket dropped",
		       &stray, XDP_DROP, STAT_IN_FILTER_DROP);
		expect("default drop: a segment of an established local connection passes",
		       &seg, XDP_PASS, STAT_IN_NO_FLOW);
		expect("default drop: a new connection to the listener dropped",
		       &syn, XDP_DROP, STAT_IN_FILTER_DROP);
	}
out:
	close(u);
	close(v);
	close(l);
	close(c);
	if (a >= 0)
		close(a);
}

/* 1000 rules: drop tcp 1..999 and allow tcp 5000 last; the lookups find them. */
static void test_thousand(void)
{
	static char texts[1000][40];
	static const char *rules[1001];
	struct pkt_spec s = SSH(INET);
	struct filter_count c999, c1000, c64;
	int i;

	for (i = 0; i < 999; i++) {
		snprintf(texts[i], sizeof(texts[i]), "drop tcp %d", i + 1);
		rules[i] = texts[i];
	}
	rules[999] = "allow tcp 5000";
	rules[1000] = NULL;
	test_name = "1000 rules written";
	report(set_table("allow", rules) && ASSERT_EQ(table.n, 1000, "rules"));
	c64 = count_of(64);
	c999 = count_of(999);
	c1000 = count_of(1000);
	test_name = "1000 rules: port 999 dropped by rule 999";
	s.dport = 999;
	set_event_clock(0);
	events_seen = 0;
	report(judged(&s, XDP_DROP, STAT_IN_FILTER_DROP) && counted(999, &c999, 1, 40) &&
	       ASSERT_EQ(ring_buffer__consume(events) >= 0, 1, "events read") &&
	       ASSERT_EQ(last_event.rule, 999, "event: rule 999"));
	test_name = "1000 rules: port 64 (the word boundary) dropped by rule 64";
	s.dport = 64;
	report(judged(&s, XDP_DROP, STAT_IN_FILTER_DROP) && counted(64, &c64, 1, 40));
	test_name = "1000 rules: port 5000 allowed by rule 1000";
	s.dport = 5000;
	report(judged(&s, XDP_PASS, STAT_IN_NO_FLOW) && counted(1000, &c1000, 1, 40));
	test_name = "1000 rules: port 6000 matches none, the default allows";
	s.dport = 6000;
	report(judged(&s, XDP_PASS, STAT_IN_NO_FLOW));
}

/* A change keeps the counters of the rules that stay; the table reads back. */
static void test_change(void)
{
	static const char *const rules[] = { "allow tcp 22", "drop udp 53", NULL };
	struct pkt_spec ssh = SSH(INET);
	char err[FILTER_ERR_LEN];
	struct filter_table back;
	struct filter_rule r;
	struct filter_count c;
	uint8_t in[PKT_MAX];
	__u32 gen_before, gen_after, zero = 0;
	bool ok;

	set_table("drop", rules);
	run(&env, XDP, in, pkt_build(&ssh, in), in, &(size_t){ 0 });
	c = count_of(1);
	bpf_map_lookup_elem(maps.ctl, &zero, &gen_before);
	test_name = "a rule added at the top: the others keep their counters and slots";
	ok = ASSERT_EQ(filter_table_read(&maps, &back), 0, "read") &&
	     ASSERT_EQ(filter_rule_parse_line("drop tcp 22 from 10.9.9.0/24", &r, err, sizeof(err)),
		       0, "parse") &&
	     ASSERT_EQ(filter_table_add(&back, &r, 1, err, sizeof(err)), 0, "add") &&
	     ASSERT_EQ(filter_table_write(&maps, &back), 0, "write");
	bpf_map_lookup_elem(maps.ctl, &zero, &gen_after);
	table = back;
	ok = ok && ASSERT_EQ(gen_after, !gen_before, "generation switched") &&
	     ASSERT_EQ(filter_table_read(&maps, &back), 0, "read again") &&
	     ASSERT_EQ(back.n, 3, "three rules") &&
	     ASSERT_EQ(back.default_action, RULE_DROP, "default") &&
	     ASSERT_EQ(back.rules[1].slot, table.rules[1].slot, "slot kept") &&
	     ASSERT_EQ(count_of(2).packets, c.packets, "count kept");
	ok = ok && judged(&ssh, XDP_PASS, STAT_IN_NO_FLOW) && counted(2, &c, 1, 40);
	report(ok);
}

/*
 * inbound_allowed(), the entry point for forwarded and static addresses,
 * through filter_probe.bpf.c (XDP_DROP when it says no), on the instance's
 * maps: a forwarded address 10.1.3.12, a rule for it, the default.
 */
static void test_inbound_allowed(void)
{
	static const char *const rules[] = {
		"drop tcp 443 to 10.1.3.12",
		"allow tcp to 10.1.3.12 from 198.51.100.0/24",
		NULL,
	};
	static const struct {
		const char *name, *src, *dst;
		__u16 port;
		int verdict;
		__u32 rule; /* counted on (0: the default) */
	} cases[] = {
		{ "inbound_allowed: tcp 443 to the forwarded address, rule 1 drops", INET,
		  "10.1.3.12", 443, XDP_DROP, 1 },
		{ "inbound_allowed: tcp 80 from the /24, rule 2 allows", INET, "10.1.3.12", 80,
		  XDP_PASS, 2 },
		{ "inbound_allowed: from another source, the default drops", OTHER_SRC,
		  "10.1.3.12", 80, XDP_DROP, 0 },
		{ "inbound_allowed: to another address, the default drops", INET, "10.1.3.13",
		  80, XDP_DROP, 0 },
	};
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = env.dir);
	struct filter_probe *probe = filter_probe__open_opts(&oo);
	struct bpf_map *map;
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct filter_count before;
	size_t i;

	test_name = "filter_probe loads on the instance's maps";
	/* only the maps it uses: the rest are the NAT's, sized by the loader */
	bpf_object__for_each_map(map, probe ? probe->obj : NULL)
		if (strncmp(bpf_map__name(map), "filter_", 7) &&
		    strcmp(bpf_map__name(map), "events") &&
		    !strstr(bpf_map__name(map), ".bss"))
			bpf_map__set_autocreate(map, false);
	if (!report(ASSERT_TRUE(probe && !filter_probe__load(probe), "loaded")) ||
	    !set_table("drop", rules))
		goto out;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec s = OUT_PKT(cases[i].src, 40000, cases[i].dst, cases[i].port,
					    IPPROTO_TCP);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);
		int fd = bpf_program__fd(probe->progs.filter_probe);
		bool ok;

		test_name = cases[i].name;
		o.data_size_in = pkt_build(&s, in);
		before = count_of(cases[i].rule);
		memset(probe->bss->filter_event_last_ns, 0,
		       sizeof(probe->bss->filter_event_last_ns));
		events_seen = 0;
		ok = ASSERT_EQ(bpf_prog_test_run_opts(fd, &o), 0, "test run") &&
		     ASSERT_EQ(o.retval, cases[i].verdict, "verdict") &&
		     counted(cases[i].rule, &before, 1, 40) &&
		     ASSERT_EQ(ring_buffer__consume(events) >= 0, 1, "events read") &&
		     ASSERT_EQ(events_seen, cases[i].verdict == XDP_DROP, "a drop is told");
		if (ok && events_seen)
			ok = ASSERT_EQ(last_event.rule, cases[i].rule, "event: the rule");
		report(ok);
	}
out:
	filter_probe__destroy(probe);
}

static int open_maps(void)
{
	maps = (struct filter_maps){
		.ctl = bpf_map__fd(env.tc->maps.filter_ctl),
		.meta = bpf_map__fd(env.tc->maps.filter_meta),
		.rules = bpf_map__fd(env.tc->maps.filter_rules),
		.port_class = bpf_map__fd(env.tc->maps.filter_port_class),
		.port_bits = bpf_map__fd(env.tc->maps.filter_port_bits),
		.dst = bpf_map__fd(env.tc->maps.filter_dst),
		.src = bpf_map__fd(env.tc->maps.filter_src),
		.counts = bpf_map__fd(env.tc->maps.filter_counts),
	};
	events = ring_buffer__new(bpf_map__fd(env.tc->maps.events), on_event, NULL, NULL);
	return events ? 0 : -errno;
}

/* A namespace where the gateway owns EXT and reaches INET (loopback). */
static int setup_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return system("ip link set lo up && ip addr add " EXT "/32 dev lo && "
		      "ip addr add " INET "/32 dev lo") ? -EIO : 0;
}

int main(void)
{
	int err;

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	err = setup_netns();
	if (err) {
		fprintf(stderr, "network namespace setup failed: %s\n", strerror(-err));
		return 1;
	}
	err = env_open_filter(&env, 0, 0) ?: open_maps();
	if (err) {
		fprintf(stderr, "loading the programs failed: %s\n", strerror(-err));
		env_close(&env);
		return 1;
	}
	test_default();
	test_first_match();
	test_ranges();
	test_protocols();
	test_inside_flows();
	test_own_connections();
	test_thousand();
	test_change();
	test_inbound_allowed();
	ring_buffer__free(events);
	env_close(&env);
	printf("test_bpf_filter_rules: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
