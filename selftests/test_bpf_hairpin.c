// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of hairpin (bpf/hairpin.h; scenario S3: web2
 * connects to web's static address or a forwarded port of gw): the tc
 * ingress program of the internal interface on both legs of TCP and UDP
 * flows to a static and to a forwarded address. Hand-built frames in
 * (pkt.c: every checksum computed from scratch), every output byte
 * compared with a frame the test builds itself, the verdict (a redirect
 * back out of the interface), the one counter that must move, and the
 * flow's two entries.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "log.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"
#include "nat_rules.h"

#define KSFT_SKIP 4
#define GW_IN "10.100.20.1"
#define STATIC_PUB "203.0.113.57"
#define C0 0x10000001u
#define C1 (C0 + 1)
#define S0 0x20000000u
#define S1 (S0 + 1)
#define SEQ_ACK(s, a) .tcp_seq = (s), .tcp_ack = (a)

static struct env env;
static struct nat_rules rules;

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

static __be32 addr(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* Every counter moved by 0, but stat by 1 (STAT__MAX: none). */
static bool counters_moved(const __u64 *before, enum xdpgw_stat stat)
{
	bool ok = true;
	int i;

	for (i = 0; i < STAT__MAX; i++)
		ok = ASSERT_EQ(stat_total(&env, i) - before[i], i == (int)stat,
			       xdpgw_stat_names[i]) && ok;
	return ok;
}

/*
 * A connection's first packet, client -> public side: it leaves to the
 * server from GW_IN and a port the program picks; that port is read from
 * the flow (key client -> server) and returned in *hport, the expected
 * frame built with it.
 */
static bool first_leg(const struct pkt_spec *in, const char *server, __u16 server_port,
		      __u16 *hport)
{
	struct nat_tuple key = { .saddr = addr(in->saddr), .daddr = addr(server),
				 .sport = htons(in->sport), .dport = htons(server_port),
				 .proto = in->proto };
	uint8_t fin[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	size_t len = pkt_build(in, fin), out_len = sizeof(out), want_len;
	struct pkt_spec exp = *in;
	__u64 before[STAT__MAX];
	struct nat_tuple rk;
	struct nat_rev rv;
	struct nat_flow f;
	bool ok;
	int i;

	for (i = 0; i < STAT__MAX; i++)
		before[i] = stat_total(&env, i);
	ok = ASSERT_EQ(run(&env, TC, fin, len, out, &out_len), TC_ACT_REDIRECT, "verdict") &&
	     ASSERT_EQ(bpf_map_lookup_elem(env.flows_fd, &key, &f), 0, "flow client -> server") &&
	     ASSERT_EQ(f.ext_addr, addr(GW_IN), "flow leaves from the inside address") &&
	     ASSERT_TRUE(ntohs(f.ext_port) >= 61000, "port above the ephemeral range");
	if (!ok)
		return false;
	*hport = ntohs(f.ext_port);
	rk = nat_reply_tuple(&key, f.ext_addr, f.ext_port);
	ok = ASSERT_EQ(bpf_map_lookup_elem(env.rev_fd, &rk, &rv), 0, "rev: the server's answer") &&
	     ASSERT_EQ(rv.orig.saddr, key.saddr, "rev: client") &&
	     ASSERT_EQ(rv.orig.sport, key.sport, "rev: client port") &&
	     ASSERT_EQ(rv.orig.daddr, addr(in->daddr), "rev: the public address asked for") &&
	     ASSERT_EQ(rv.orig.dport, htons(in->dport), "rev: the public port asked for");
	exp.saddr = GW_IN;
	exp.sport = *hport;
	exp.daddr = server;
	exp.dport = server_port;
	exp.ttl = 63;
	want_len = pkt_build(&exp, want);
	return ASSERT_BYTES(out, out_len, want, want_len, "output frame") &&
	       ASSERT_TRUE(pkt_csums_ok(out, out_len), "output checksums valid") &&
	       counters_moved(before, STAT_HAIRPIN_NEW) && ok;
}

/* One connection both ways: the client's first packet, the server's
 * answer, the client's next packet; TCP a handshake, UDP a datagram each
 * way then one more.
 */
static void connection(const char *what, __u8 proto, const char *pub, __u16 pub_port,
		       __u16 server_port, __u16 cport)
{
	bool tcp = proto == IPPROTO_TCP;
	struct pkt_spec c1 = OUT_PKT(WEB2, cport, pub, pub_port, proto, .payload_len = tcp ? 0 : 20,
				     .tcp_flags = tcp ? TCP_SYN : 0, SEQ_ACK(C0, 0));
	struct pkt_spec s1 = OUT_PKT(WEB1, server_port, GW_IN, 0, proto,
				     .payload_len = tcp ? 0 : 30,
				     .tcp_flags = tcp ? TCP_SYNACK : 0, SEQ_ACK(S0, C1));
	struct pkt_spec s1_out = s1;
	struct pkt_spec c2 = c1;
	struct pkt_spec c2_out;
	uint8_t in[PKT_MAX];
	char name[160];
	__u16 hport = 0;

	snprintf(name, sizeof(name), "%s: web2's first packet goes to web from " GW_IN, what);
	test_name = name;
	if (!report(first_leg(&c1, WEB1, server_port, &hport)))
		return;

	snprintf(name, sizeof(name), "%s: web's answer goes to web2 from the public side", what);
	s1.dport = hport;
	s1.ttl = 64;
	s1_out.saddr = pub;
	s1_out.sport = pub_port;
	s1_out.daddr = WEB2;
	s1_out.dport = cport;
	s1_out.ttl = 63;
	report(check_packet(&env, TC, in, pkt_build(&s1, in), TC_ACT_REDIRECT, &s1_out,
			    STAT_HAIRPIN_TO_CLIENT));

	snprintf(name, sizeof(name), "%s: web2's next packet goes to web on the flow", what);
	c2.tcp_flags = tcp ? TCP_ACK : 0;
	c2.tcp_seq = C1;
	c2.tcp_ack = S1;
	c2_out = c2;
	c2_out.saddr = GW_IN;
	c2_out.sport = hport;
	c2_out.daddr = WEB1;
	c2_out.dport = server_port;
	c2_out.ttl = 63;
	report(check_packet(&env, TC, in, pkt_build(&c2, in), TC_ACT_REDIRECT, &c2_out,
			    STAT_HAIRPIN_TO_SERVER));
}

static bool add_rules(void)
{
	struct forward_rule f;
	struct static_rule st;
	char err[256];

	test_name = "rules: static " STATIC_PUB " " WEB1 ", forwards tcp :8081 and udp :5555";
	return report(ASSERT_EQ(static_rule_parse(STATIC_PUB " " WEB1, &st, err, sizeof(err)), 0,
				err) &&
		      ASSERT_EQ(nat_static_add(&rules, &st, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(forward_rule_parse("tcp " EXT ":8081 " WEB1 ":8080", &f, err,
						   sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(forward_rule_parse("udp " EXT ":5555 " WEB1 ":5454", &f, err,
						   sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), 0, err));
}

/* What is not hairpin traffic: left alone, or dropped and counted. */
static void others(void)
{
	struct pkt_spec to_inet = OUT_PKT(WEB2, 40100, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_SYN);
	struct pkt_spec to_gw = OUT_PKT(WEB1, 8080, GW_IN, 61000, IPPROTO_TCP,
					.tcp_flags = TCP_SYNACK);
	struct pkt_spec ack = OUT_PKT(WEB2, 40101, STATIC_PUB, 8080, IPPROTO_TCP,
				      .tcp_flags = TCP_ACK);
	struct pkt_spec other_port = OUT_PKT(WEB2, 40102, EXT, 8082, IPPROTO_TCP,
					     .tcp_flags = TCP_SYN);
	struct pkt_spec ttl1 = OUT_PKT(WEB2, 40103, STATIC_PUB, 8080, IPPROTO_TCP,
				       .tcp_flags = TCP_SYN, .ttl = 1);
	uint8_t in[PKT_MAX];

	test_name = "not hairpin: web2 to inet passes untouched, uncounted here";
	report(check_packet(&env, TC, in, pkt_build(&to_inet, in), TC_ACT_OK, NULL, STAT__MAX));
	test_name = "not hairpin: web to gw's inside address of no flow passes untouched";
	report(check_packet(&env, TC, in, pkt_build(&to_gw, in), TC_ACT_OK, NULL, STAT__MAX));
	test_name = "not hairpin: web2 to a port of EXT not forwarded passes untouched";
	report(check_packet(&env, TC, in, pkt_build(&other_port, in), TC_ACT_OK, NULL,
			    STAT__MAX));
	test_name = "hairpin: a tcp ack of no flow to the static address: dropped";
	report(check_packet(&env, TC, in, pkt_build(&ack, in), TC_ACT_SHOT, NULL,
			    STAT_DROP_IN_NOT_SYN));
	test_name = "hairpin: ttl 1 is left to the stack (time exceeded), no flow made";
	report(check_packet(&env, TC, in, pkt_build(&ttl1, in), TC_ACT_OK, NULL, STAT__MAX) &&
	       ASSERT_EQ(map_count(env.flows_fd), 4, "flows"));
}

int main(void)
{
	char err[256];
	int ret;

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	ret = env_open_hairpin(&env, GW_IN);
	if (ret) {
		fprintf(stderr, "loading the programs failed: %s\n", strerror(-ret));
		return 1;
	}
	env.fd[TC] = bpf_program__fd(env.tc->progs.xdpgw_hairpin);
	if (nat_rules_open(&rules, env.dir, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		env_close(&env);
		return 1;
	}
	rules.ext_addr = addr(EXT);
	rules.internal_net = addr("10.100.20.0");
	rules.internal_mask = htonl(0xffffff00);
	if (add_rules()) {
		connection("static, tcp", IPPROTO_TCP, STATIC_PUB, 8080, 8080, 40000);
		connection("static, udp", IPPROTO_UDP, STATIC_PUB, 5454, 5454, 40001);
		connection("forward, tcp", IPPROTO_TCP, EXT, 8081, 8080, 40002);
		connection("forward, udp", IPPROTO_UDP, EXT, 5555, 5454, 40003);
		others();
	}
	nat_rules_close(&rules);
	env_close(&env);
	printf("test_bpf_hairpin: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
