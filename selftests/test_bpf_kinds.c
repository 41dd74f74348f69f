// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of the translation kinds besides NAPT (issue 13):
 * port forwarding, static NAT, the address pool, ARP for the public
 * addresses, and the rules' add/delete on the maps (user/nat_rules.c).
 * Hand-built frames in (pkt.c: every checksum computed from scratch), every
 * output byte compared with a frame the test builds itself, the verdict and
 * the one counter that must move.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "log.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"
#include "nat_rules.h"

#define KSFT_SKIP 4
#define INT_IF 7
#define FWD_ADDR "203.0.113.10" /* a forward-only public address */
#define STATIC_PUB "203.0.113.57"
#define STATIC_HOST "10.100.20.77"
#define POOL_A "203.0.113.100"
#define POOL_B "203.0.113.101"
#define WEB3 "10.100.20.60"
#define WEB4 "10.100.20.61"
#define WEB5 "10.100.20.62"
#define ROUTER_OUT "198.51.100.1"
#define NOT_OURS "203.0.113.77"
#define IPPROTO_GRE_ 47
#define IPPROTO_DCCP_ 33

#define C0 0x10000001u
#define C1 (C0 + 1)
#define S0 0x20000000u
#define S1 (S0 + 1)
#define SEQ_ACK(s, a) .tcp_seq = (s), .tcp_ack = (a)

static const __u8 ext_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa };

struct fixture {
	const char *name;
	enum hook hook;
	struct pkt_spec in;
	int verdict;
	bool translated;
	struct pkt_spec out;
	enum xdpgw_stat stat;
	size_t cut; /* non-zero: the IP datagram cut to end at this byte of
		     * the frame (total length and IP checksum made to match) */
};

#define UNREACH(src, dst, q) \
	OUT_PKT(src, 0, dst, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 3, .quote = q)

/* What the forwarded UDP flow's packets look like each side. */
static const struct pkt_spec fwd_udp_out_int = OUT_PKT(WEB2, 5353, INET, 5000, IPPROTO_UDP,
						       .payload_len = 20);
static const struct pkt_spec fwd_udp_out_ext = OUT_PKT(FWD_ADDR, 53, INET, 5000, IPPROTO_UDP,
						       .payload_len = 20);
static const struct pkt_spec fwd_udp_in_ext = OUT_PKT(INET, 5000, FWD_ADDR, 53, IPPROTO_UDP,
						      .payload_len = 20);
static const struct pkt_spec fwd_udp_in_int = OUT_PKT(INET, 5000, WEB2, 5353, IPPROTO_UDP,
						      .payload_len = 20);

/* Rules of the fixtures: forward tcp EXT:8080 -> WEB1:80, forward udp
 * FWD_ADDR:53 -> WEB2:5353, static STATIC_PUB <-> STATIC_HOST.
 */
static const struct fixture fixtures[] = {
	/* Port forwarding on the NAPT address. */
	{ "forward: tcp syn to EXT:8080 goes to web1:80", XDP,
	  OUT_PKT(INET, 40000, EXT, 8080, IPPROTO_TCP, SEQ_ACK(C0, 0)), XDP_PASS, true,
	  OUT_PKT(INET, 40000, WEB1, 80, IPPROTO_TCP, SEQ_ACK(C0, 0)), STAT_IN_FORWARD_NEW },
	{ "forward: web1's syn-ack leaves from EXT:8080", TC,
	  OUT_PKT(WEB1, 80, INET, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK, SEQ_ACK(S0, C1)),
	  TC_ACT_OK, true,
	  OUT_PKT(EXT, 8080, INET, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK, SEQ_ACK(S0, C1)),
	  STAT_OUT_TRANSLATED },
	{ "forward: the ack in goes to web1:80", XDP,
	  OUT_PKT(INET, 40000, EXT, 8080, IPPROTO_TCP, .tcp_flags = TCP_ACK, SEQ_ACK(C1, S1)),
	  XDP_PASS, true,
	  OUT_PKT(INET, 40000, WEB1, 80, IPPROTO_TCP, .tcp_flags = TCP_ACK, SEQ_ACK(C1, S1)),
	  STAT_IN_TRANSLATED },
	{ "forward: an ack of no flow to the forwarded port: dropped", XDP,
	  OUT_PKT(INET, 40001, EXT, 8080, IPPROTO_TCP, .tcp_flags = TCP_ACK), XDP_DROP, false, {},
	  STAT_DROP_IN_NOT_SYN },
	{ "forward: udp to a port of EXT not forwarded: no flow, passed", XDP,
	  OUT_PKT(INET, 40000, EXT, 8081, IPPROTO_UDP), XDP_PASS, false, {}, STAT_IN_NO_FLOW },
	/* On an address of its own. */
	{ "forward: udp to FWD_ADDR:53 goes to web2:5353", XDP, fwd_udp_in_ext, XDP_PASS, true,
	  fwd_udp_in_int, STAT_IN_FORWARD_NEW },
	{ "forward: web2's answer leaves from FWD_ADDR:53", TC, fwd_udp_out_int, TC_ACT_OK, true,
	  fwd_udp_out_ext, STAT_OUT_TRANSLATED },
	{ "forward: udp to another port of FWD_ADDR: dropped", XDP,
	  OUT_PKT(INET, 5000, FWD_ADDR, 54, IPPROTO_UDP), XDP_DROP, false, {},
	  STAT_DROP_PUBLIC_NO_FLOW },
	{ "forward: a ping of FWD_ADDR: dropped", XDP, OUT_PKT(INET, 9, FWD_ADDR, 0, IPPROTO_ICMP),
	  XDP_DROP, false, {}, STAT_DROP_PUBLIC_NO_FLOW },
	{ "forward: an error in about the forwarded flow goes to web2, quote translated", XDP,
	  UNREACH(ROUTER_OUT, FWD_ADDR, &fwd_udp_out_ext), XDP_PASS, true,
	  UNREACH(ROUTER_OUT, WEB2, &fwd_udp_out_int), STAT_IN_ICMP_ERROR },
	{ "forward: an error from web2 about the flow leaves from FWD_ADDR, quote translated", TC,
	  UNREACH(WEB2, INET, &fwd_udp_in_int), TC_ACT_OK, true,
	  UNREACH(FWD_ADDR, INET, &fwd_udp_in_ext), STAT_OUT_ICMP_ERROR },
	/* Static NAT. */
	{ "static: tcp syn to the static address goes to its host, port kept", XDP,
	  OUT_PKT(INET, 40000, STATIC_PUB, 22, IPPROTO_TCP, SEQ_ACK(C0, 0)), XDP_PASS, true,
	  OUT_PKT(INET, 40000, STATIC_HOST, 22, IPPROTO_TCP, SEQ_ACK(C0, 0)),
	  STAT_IN_STATIC_NEW },
	{ "static: its syn-ack leaves from the static address", TC,
	  OUT_PKT(STATIC_HOST, 22, INET, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK,
		  SEQ_ACK(S0, C1)),
	  TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 22, INET, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK,
		  SEQ_ACK(S0, C1)),
	  STAT_OUT_TRANSLATED },
	{ "static: the host's own udp leaves from its address, port kept (no NAPT)", TC,
	  OUT_PKT(STATIC_HOST, 7000, INET, 53, IPPROTO_UDP, .payload_len = 10), TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 7000, INET, 53, IPPROTO_UDP, .payload_len = 10), STAT_OUT_NEW_FLOW },
	{ "static: its reply goes back to the host", XDP,
	  OUT_PKT(INET, 53, STATIC_PUB, 7000, IPPROTO_UDP, .payload_len = 10), XDP_PASS, true,
	  OUT_PKT(INET, 53, STATIC_HOST, 7000, IPPROTO_UDP, .payload_len = 10), STAT_IN_TRANSLATED },
	{ "static: the host's ping leaves from its address, identifier kept", TC,
	  OUT_PKT(STATIC_HOST, 4242, INET, 0, IPPROTO_ICMP, .payload_len = 56), TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 4242, INET, 0, IPPROTO_ICMP, .payload_len = 56), STAT_OUT_NEW_FLOW },
	{ "static: a ping of the static address goes to the host (no flow)", XDP,
	  OUT_PKT(INET, 9, STATIC_PUB, 0, IPPROTO_ICMP, .payload_len = 56), XDP_PASS, true,
	  OUT_PKT(INET, 9, STATIC_HOST, 0, IPPROTO_ICMP, .payload_len = 56), STAT_IN_STATIC },
	{ "static: the host's echo reply leaves from its address", TC,
	  OUT_PKT(STATIC_HOST, 9, INET, 0, IPPROTO_ICMP, .echo_reply = true, .payload_len = 56),
	  TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 9, INET, 0, IPPROTO_ICMP, .echo_reply = true, .payload_len = 56),
	  STAT_OUT_STATIC },
	{ "static: gre from the host leaves from its address", TC,
	  OUT_PKT(STATIC_HOST, 0, INET, 0, IPPROTO_GRE_, .payload_len = 40), TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 0, INET, 0, IPPROTO_GRE_, .payload_len = 40), STAT_OUT_STATIC },
	{ "static: gre to the static address goes to the host", XDP,
	  OUT_PKT(INET, 0, STATIC_PUB, 0, IPPROTO_GRE_, .payload_len = 40), XDP_PASS, true,
	  OUT_PKT(INET, 0, STATIC_HOST, 0, IPPROTO_GRE_, .payload_len = 40), STAT_IN_STATIC },
	{ "static: dccp from the host (checksum over the addresses): dropped", TC,
	  OUT_PKT(STATIC_HOST, 0, INET, 0, IPPROTO_DCCP_, .payload_len = 40), TC_ACT_SHOT, false,
	  {}, STAT_DROP_UNSUPPORTED },
	{ "static: a later gre fragment from the host leaves from its address", TC,
	  OUT_PKT(STATIC_HOST, 0, INET, 0, IPPROTO_GRE_, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  TC_ACT_OK, true,
	  OUT_PKT(STATIC_PUB, 0, INET, 0, IPPROTO_GRE_, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  STAT_OUT_STATIC },
	{ "static: a tcp ack of no flow to the static address: dropped", XDP,
	  OUT_PKT(INET, 40001, STATIC_PUB, 22, IPPROTO_TCP, .tcp_flags = TCP_ACK), XDP_DROP,
	  false, {}, STAT_DROP_IN_NOT_SYN },
	/* Malformed input to the public addresses: never translated, and
	 * from the static host never out with its internal address.
	 */
	{ "static: truncated tcp header in: passed untranslated", XDP,
	  OUT_PKT(INET, 40000, STATIC_PUB, 22, IPPROTO_TCP), XDP_PASS, false, {},
	  STAT_MALFORMED_L4, OFF_L4 + 10 },
	{ "static: a truncated udp header from the host: dropped", TC,
	  OUT_PKT(STATIC_HOST, 7001, INET, 53, IPPROTO_UDP, .payload_len = 4), TC_ACT_SHOT, false,
	  {}, STAT_MALFORMED_L4, OFF_L4 + 6 },
	{ "forward: truncated udp to FWD_ADDR:53: passed untranslated", XDP,
	  OUT_PKT(INET, 5001, FWD_ADDR, 53, IPPROTO_UDP, .payload_len = 4), XDP_PASS, false, {},
	  STAT_MALFORMED_L4, OFF_L4 + 6 },
};

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

static bool add_rules(void)
{
	struct forward_rule f;
	struct static_rule st;
	struct pool_rule p;
	char err[256];

	test_name = "rules: add";
	return report(ASSERT_EQ(forward_rule_parse("tcp " EXT ":8080 " WEB1 ":80", &f, err,
						   sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(forward_rule_parse("udp " FWD_ADDR ":53 -> " WEB2 ":5353", &f,
						   err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(static_rule_parse(STATIC_PUB " " STATIC_HOST, &st, err,
						  sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_static_add(&rules, &st, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(pool_rule_parse(POOL_A "-" POOL_B, &p, err, sizeof(err)), 0, err) &&
		      ASSERT_EQ(nat_pool_add(&rules, &p, err, sizeof(err)), 0, err));
}

/* A datagram whose L4 header is cut short, consistent at the IP layer. */
static size_t cut(uint8_t *frame, size_t len)
{
	uint16_t csum;

	frame[OFF_IP_TOT_LEN] = (len - OFF_IP) >> 8;
	frame[OFF_IP_TOT_LEN + 1] = (len - OFF_IP) & 0xff;
	frame[OFF_IP + 10] = frame[OFF_IP + 11] = 0;
	csum = inet_csum(frame + OFF_IP, 20, 0); /* big-endian words, host order */
	frame[OFF_IP + 10] = csum >> 8;
	frame[OFF_IP + 11] = csum & 0xff;
	return len;
}

static void test_fixtures(void)
{
	uint8_t in[PKT_MAX];
	size_t i, len;

	env.tc_iif = INT_IF;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		test_name = f->name;
		len = pkt_build(&f->in, in);
		if (f->cut)
			len = cut(in, f->cut);
		report(check_packet(&env, f->hook, in, len, f->verdict,
				    f->translated ? &f->out : NULL, f->stat));
	}
}

/* The public address host's new udp flow leaves from, or 0 (dropped). */
static __be32 out_addr(const char *host, __u16 sport)
{
	struct pkt_spec s = OUT_PKT(host, sport, INET, 53, IPPROTO_UDP, .payload_len = 8);
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len = pkt_build(&s, in), out_len = sizeof(out);
	__be32 a;

	if (run(&env, TC, in, len, out, &out_len) != TC_ACT_OK || out_len != len ||
	    !pkt_csums_ok(out, out_len))
		return 0;
	memcpy(&a, out + OFF_IP + 12, 4);
	return a;
}

/* Pool: two hosts, two addresses, ports kept; a third falls back to NAPT
 * (counted); a host keeps its address for its next flows; when the first
 * host's flows end, its address goes to the next host that asks.
 */
static void test_pool(void)
{
	__be32 a3, a4, a5, again, a5b;
	__u64 fallback = stat_total(&env, STAT_POOL_FALLBACK);
	struct nat_host_public hp;
	struct nat_public pv;
	struct pkt_spec s;
	uint8_t in[PKT_MAX];
	size_t len;

	test_name = "pool: web3 and web4 borrow the two addresses, web5 falls back to NAPT";
	a3 = out_addr(WEB3, 6000);
	a4 = out_addr(WEB4, 6000);
	a5 = out_addr(WEB5, 6000);
	report(ASSERT_TRUE((a3 == addr(POOL_A) && a4 == addr(POOL_B)) ||
			   (a3 == addr(POOL_B) && a4 == addr(POOL_A)), "two hosts, two addresses") &&
	       ASSERT_EQ(a5, addr(EXT), "web5 on the NAPT address") &&
	       ASSERT_EQ(stat_total(&env, STAT_POOL_FALLBACK), fallback + 1, "pool_fallback"));

	test_name = "pool: web3's next flow keeps its address, port kept";
	again = out_addr(WEB3, 6001);
	report(ASSERT_EQ(again, a3, "same address") &&
	       ASSERT_EQ(bpf_map_lookup_elem(rules.host_public, &(__be32){ addr(WEB3) }, &hp), 0,
			 "web3 bound") &&
	       ASSERT_EQ(hp.refs, 2, "two flows on the binding"));

	test_name = "pool: the reply to web3's address goes back to web3:6000";
	s = (struct pkt_spec)OUT_PKT(INET, 53, WEB3, 6000, IPPROTO_UDP, .payload_len = 8);
	{
		struct in_addr ia = { .s_addr = a3 };
		char buf[INET_ADDRSTRLEN];
		struct pkt_spec reply = OUT_PKT(INET, 53, inet_ntop(AF_INET, &ia, buf, sizeof(buf)),
						6000, IPPROTO_UDP, .payload_len = 8);

		len = pkt_build(&reply, in);
		report(check_packet(&env, XDP, in, len, XDP_PASS, &s, STAT_IN_TRANSLATED));
	}

	test_name = "pool: web3's flows end: the address is free, web3 unbound";
	report(ASSERT_EQ(nat_flows_end(&rules, a3, 0, 0, 0), 2, "flows ended") &&
	       ASSERT_TRUE(bpf_map_lookup_elem(rules.host_public, &(__be32){ addr(WEB3) }, &hp),
			   "web3 unbound") &&
	       ASSERT_EQ(bpf_map_lookup_elem(rules.public_addrs, &a3, &pv), 0, "still in pool") &&
	       ASSERT_EQ(pv.internal, 0, "not lent"));

	test_name = "pool: web5 (no flow on NAPT's address of its own port) borrows it next";
	a5b = out_addr(WEB5, 6100);
	report(ASSERT_EQ(a5b, a3, "web5 has web3's old address"));
}

/* An ARP request for ip from 198.51.100.1 at 02:..:01. */
static size_t arp_request(uint8_t *f, const char *ip, const char *sender)
{
	static const uint8_t head[] = { 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1 };
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	__be32 t = addr(ip), s = addr(sender);

	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, &s, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &t, 4);
	return 42;
}

static void test_arp(void)
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t in[64], out[128], want[42];
	size_t len, out_len;
	__be32 t = addr(STATIC_PUB), s = addr(ROUTER_OUT);
	__u64 before;
	int ret;

	test_name = "arp: a request for the static address is answered from the external MAC";
	len = arp_request(in, STATIC_PUB, ROUTER_OUT);
	/* The reply, byte by byte (RFC 826). */
	memcpy(want, peer, 6);
	memcpy(want + 6, ext_mac, 6);
	memcpy(want + 12, (uint8_t[]){ 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 2 }, 10);
	memcpy(want + 22, ext_mac, 6);
	memcpy(want + 28, &t, 4);
	memcpy(want + 32, peer, 6);
	memcpy(want + 38, &s, 4);
	before = stat_total(&env, STAT_ARP_REPLY);
	out_len = sizeof(out);
	ret = run(&env, XDP, in, len, out, &out_len);
	report(ASSERT_EQ(ret, XDP_TX, "verdict") &&
	       ASSERT_BYTES(out, out_len, want, sizeof(want), "reply") &&
	       ASSERT_EQ(stat_total(&env, STAT_ARP_REPLY), before + 1, "arp_reply"));

	test_name = "arp: requests for a pool and a forward address are answered";
	out_len = sizeof(out);
	len = arp_request(in, POOL_B, ROUTER_OUT);
	ret = run(&env, XDP, in, len, out, &out_len);
	out_len = sizeof(out);
	len = arp_request(in, FWD_ADDR, ROUTER_OUT);
	report(ASSERT_EQ(ret, XDP_TX, "pool verdict") &&
	       ASSERT_EQ(run(&env, XDP, in, len, out, &out_len), XDP_TX, "forward verdict"));

	test_name = "arp: nothing answered for an address xdpgw does not own";
	out_len = sizeof(out);
	len = arp_request(in, NOT_OURS, ROUTER_OUT);
	before = stat_total(&env, STAT_IN_PASS);
	ret = run(&env, XDP, in, len, out, &out_len);
	report(ASSERT_EQ(ret, XDP_PASS, "verdict") &&
	       ASSERT_BYTES(out, out_len, in, len, "untouched") &&
	       ASSERT_EQ(stat_total(&env, STAT_IN_PASS), before + 1, "in_pass"));

	test_name = "arp: a gratuitous ARP for the static address is not answered";
	out_len = sizeof(out);
	len = arp_request(in, STATIC_PUB, STATIC_PUB);
	report(ASSERT_EQ(run(&env, XDP, in, len, out, &out_len), XDP_PASS, "verdict"));
}

/* Bad rules change nothing. */
static void test_refused(void)
{
	struct forward_rule f;
	struct static_rule st;
	struct pool_rule p;
	char err[256];
	int before_fwd = map_count(rules.forwards), before_pub = map_count(rules.public_addrs);

	test_name = "rules: an overlapping forward is refused";
	forward_rule_parse("tcp " EXT ":8000-8080 " WEB2 ":9000-9080", &f, err, sizeof(err));
	report(ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), -EEXIST, "refused") &&
	       ASSERT_TRUE(strstr(err, "overlaps"), err));

	test_name = "rules: a forward on a port of a live NAPT flow is refused, naming it";
	/* web1:41000 -> INET makes a NAPT mapping on EXT:41000. */
	out_addr(WEB1, 41000);
	forward_rule_parse("udp " EXT ":41000 " WEB2 ":41000", &f, err, sizeof(err));
	report(ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), -EBUSY, "refused") &&
	       ASSERT_TRUE(strstr(err, WEB1 ":41000"), err));

	test_name = "rules: a pool address that is the interface's is refused";
	pool_rule_parse("203.0.113.0-203.0.113.2", &p, err, sizeof(err));
	report(ASSERT_EQ(nat_pool_add(&rules, &p, err, sizeof(err)), -EINVAL, "refused"));

	test_name = "rules: a static address already in the pool is refused";
	static_rule_parse(POOL_A " " WEB5, &st, err, sizeof(err));
	report(ASSERT_EQ(nat_static_add(&rules, &st, err, sizeof(err)), -EEXIST, "refused"));

	test_name = "rules: a forward to an address outside the internal prefix is refused";
	forward_rule_parse("tcp " FWD_ADDR ":80 192.168.9.9:80", &f, err, sizeof(err));
	report(ASSERT_EQ(nat_forward_add(&rules, &f, err, sizeof(err)), -EINVAL, "refused"));

	test_name = "rules: the refusals changed nothing";
	report(ASSERT_EQ(map_count(rules.forwards), before_fwd, "forwards") &&
	       ASSERT_EQ(map_count(rules.public_addrs), before_pub, "public_addrs"));
}

/* Deleting a rule ends its flows (counted); its packets are no longer
 * translated, and the forwarded ports go back to NAPT.
 */
static void test_delete(void)
{
	struct pkt_spec ack = OUT_PKT(INET, 40000, EXT, 8080, IPPROTO_TCP, .tcp_flags = TCP_ACK,
				      SEQ_ACK(C1, S1));
	struct forward_rule f;
	struct static_rule st;
	uint8_t in[PKT_MAX];
	__u64 ended = 0, counted = stat_total(&env, STAT_RULE_FLOWS_ENDED);
	__u32 slot = xdpgw_port_slot(IPPROTO_TCP, 8080);
	__u64 owner = 1;
	char err[256];
	size_t len;

	test_name = "delete: the tcp forward ends its flow, its port goes back to NAPT";
	forward_rule_parse("tcp " EXT ":8080 " WEB1 ":80", &f, err, sizeof(err));
	report(ASSERT_EQ(nat_forward_del(&rules, &f, &ended, err, sizeof(err)), 0, err) &&
	       ASSERT_EQ(ended, 1, "flows ended") &&
	       ASSERT_EQ(stat_total(&env, STAT_RULE_FLOWS_ENDED), counted + 1, "counted") &&
	       ASSERT_EQ(bpf_map_lookup_elem(rules.port_owner, &slot, &owner), 0, "slot") &&
	       ASSERT_EQ(owner, 0, "port free"));

	test_name = "delete: the forwarded connection's next ack is not translated";
	len = pkt_build(&ack, in);
	report(check_packet(&env, XDP, in, len, XDP_PASS, NULL, STAT_IN_NO_FLOW));

	test_name = "delete: the static mapping ends its tcp, udp and echo flows";
	static_rule_parse(STATIC_PUB " " STATIC_HOST, &st, err, sizeof(err));
	report(ASSERT_EQ(nat_static_del(&rules, &st, &ended, err, sizeof(err)), 0, err) &&
	       ASSERT_EQ(ended, 3, "flows ended"));

	test_name = "delete: the static host's next flow goes through NAPT";
	report(ASSERT_EQ(out_addr(STATIC_HOST, 7002), addr(EXT), "NAPT address"));

	test_name = "delete: a forward that does not exist is refused";
	report(ASSERT_EQ(nat_forward_del(&rules, &f, NULL, err, sizeof(err)), -ENOENT, err));
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
	ret = env_start(&env, "1024-65535", 1024, 0);
	if (ret)
		return ret;
	if (nat_rules_open(&rules, env.dir, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		env_close(&env);
		return 1;
	}
	memcpy(rules.mac, ext_mac, sizeof(ext_mac));
	/* The programs are loaded, not started: no settings map written. */
	rules.ext_addr = addr(EXT);
	rules.internal_net = addr("10.100.20.0");
	rules.internal_mask = htonl(0xffffff00);
	if (add_rules()) {
		test_fixtures();
		test_pool();
		test_arp();
		test_refused();
		test_delete();
	}
	nat_rules_close(&rules);
	env_close(&env);
	printf("test_bpf_kinds: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
