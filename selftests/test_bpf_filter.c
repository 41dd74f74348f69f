// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of what issue 10 hardened: ICMP errors from inside
 * translated out (RFC 5508), inbound filtering, anti-spoofing (BCP 38) and
 * fragments (unknown first, unsupported protocol, overlaps), both ways.
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
#include <time.h>
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

#define KSFT_SKIP 4
#define INT_IF 7 /* the internal interface's ifindex, as the tests give it */
#define OTHER_IF 9 /* another interface of the gateway */
#define ROUTER "10.100.20.254" /* a router inside the internal prefix */
#define SPOOFED "192.0.2.99"
#define IPPROTO_GRE_ 47

enum { E_DEFAULT, E_OPEN, E_MAX }; /* filtering on; --route-inbound --no-anti-spoof */

/* The packets the errors quote: as they came in (to the internal host) and
 * as they went past the gateway (to the external address).
 */
static const struct pkt_spec udp_in_int = OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP,
						  .payload_len = 37);
static const struct pkt_spec udp_in_ext = OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP,
						  .payload_len = 37);
static const struct pkt_spec tcp_in_int = OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP,
						  .tcp_flags = TCP_SYNACK, .payload_len = 20);
static const struct pkt_spec tcp_in_ext = OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP,
						  .tcp_flags = TCP_SYNACK, .payload_len = 20);
static const struct pkt_spec echo_in_int = OUT_PKT(INET, 40077, WEB1, 0, IPPROTO_ICMP,
						   .echo_reply = true, .payload_len = 56);
static const struct pkt_spec echo_in_ext = OUT_PKT(INET, 40077, EXT, 0, IPPROTO_ICMP,
						   .echo_reply = true, .payload_len = 56);
static const struct pkt_spec nocsum_in_int = OUT_PKT(INET, 7, WEB2, 6000, IPPROTO_UDP,
						     .payload_len = 9, .udp_no_csum = true);
static const struct pkt_spec nocsum_in_ext = OUT_PKT(INET, 7, EXT, 6000, IPPROTO_UDP,
						     .payload_len = 9, .udp_no_csum = true);
static const struct pkt_spec opts_in_int = OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP,
						   .ip_opt_words = 2, .payload_len = 3);
static const struct pkt_spec opts_in_ext = OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP,
						   .ip_opt_words = 2, .payload_len = 3);
static const struct pkt_spec no_flow_in = OUT_PKT(INET, 53, WEB1, 9999, IPPROTO_UDP);
static const struct pkt_spec later_frag_in = OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP,
						     .frag_off = 185);
static const struct pkt_spec error_in = OUT_PKT(INET, 0, WEB1, 0, IPPROTO_ICMP, .err_type = 3,
						.quote = &udp_in_int);

struct fixture {
	const char *name;
	int env;
	enum hook hook;
	int iif; /* tc: where the packet was forwarded from (0: the gateway's own) */
	struct pkt_spec in;
	int verdict;
	bool translated; /* else the frame must come out unchanged */
	struct pkt_spec out;
	enum xdpgw_stat stat;
};

#define UNREACH(src, dst, q, ...) \
	OUT_PKT(src, 0, dst, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 3, .quote = q, ##__VA_ARGS__)
#define DGRAM(id, ...) OUT_PKT(WEB1, 6300, INET, 53, IPPROTO_UDP, .payload_len = 3000, \
			       .frag_len = 1480, .ip_id = id, ##__VA_ARGS__)
#define DGRAM_OUT(id, ...) OUT_PKT(EXT, 6300, INET, 53, IPPROTO_UDP, .payload_len = 3000, \
				   .frag_len = 1480, .ip_id = id, ##__VA_ARGS__)
#define DGRAM_IN(id, ...) OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 3000, \
				  .frag_len = 1480, .ip_id = id, ##__VA_ARGS__)
#define DGRAM_BACK(id, ...) OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP, .payload_len = 3000, \
				    .frag_len = 1480, .ip_id = id, ##__VA_ARGS__)

/* The last fragment of a 2000-byte datagram, from byte 1600 (unit 200);
 * 800 bytes from unit 251 of an 8000-byte one; the last fragment of a
 * 4000-byte one, from unit 376.
 */
#define SHORT_IN(id) OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 2000, \
			     .frag_off = 200, .frag_len = 1480, .ip_id = id)
#define SHORT_BACK(id) OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP, .payload_len = 2000, \
			       .frag_off = 200, .frag_len = 1480, .ip_id = id)
#define BEYOND_IN(id) OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 8000, \
			      .frag_off = 251, .frag_len = 800, .ip_id = id)
#define LONGER_IN(id) OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 4000, \
			      .frag_off = 376, .frag_len = 1480, .ip_id = id)

static const struct fixture fixtures[] = {
	/* The flows the errors are about. */
	{ "udp out: the flow the errors are about", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP, .payload_len = 37), TC_ACT_OK, true,
	  OUT_PKT(EXT, 5353, INET, 53, IPPROTO_UDP, .payload_len = 37), STAT_OUT_NEW_FLOW },
	{ "tcp syn out", E_DEFAULT, TC, INT_IF, OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP),
	  TC_ACT_OK, true, OUT_PKT(EXT, 40000, INET, 80, IPPROTO_TCP), STAT_OUT_NEW_FLOW },
	{ "echo request out", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB1, 40077, INET, 0, IPPROTO_ICMP, .payload_len = 56), TC_ACT_OK, true,
	  OUT_PKT(EXT, 40077, INET, 0, IPPROTO_ICMP, .payload_len = 56), STAT_OUT_NEW_FLOW },
	{ "udp out with checksum 0", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB2, 6000, INET, 7, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  TC_ACT_OK, true,
	  OUT_PKT(EXT, 6000, INET, 7, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  STAT_OUT_NEW_FLOW },
	/* ICMP errors from inside about those flows go out translated. */
	{ "port unreachable from web about the udp flow: translated out", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &udp_in_int), TC_ACT_OK, true, UNREACH(EXT, INET, &udp_in_ext),
	  STAT_OUT_ICMP_ERROR },
	{ "error quoting 8 bytes of tcp (no checksum quoted): translated", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &tcp_in_int, .quote_len = 28), TC_ACT_OK, true,
	  UNREACH(EXT, INET, &tcp_in_ext, .quote_len = 28), STAT_OUT_ICMP_ERROR },
	{ "error quoting a whole tcp segment: its checksum translated too", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &tcp_in_int), TC_ACT_OK, true, UNREACH(EXT, INET, &tcp_in_ext),
	  STAT_OUT_ICMP_ERROR },
	{ "time exceeded from a router inside about the echo reply: translated", E_DEFAULT, TC,
	  INT_IF, OUT_PKT(ROUTER, 0, INET, 0, IPPROTO_ICMP, .err_type = 11, .quote = &echo_in_int),
	  TC_ACT_OK, true,
	  OUT_PKT(EXT, 0, INET, 0, IPPROTO_ICMP, .err_type = 11, .quote = &echo_in_ext),
	  STAT_OUT_ICMP_ERROR },
	{ "error quoting udp with checksum 0: it stays 0", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB2, INET, &nocsum_in_int), TC_ACT_OK, true,
	  UNREACH(EXT, INET, &nocsum_in_ext), STAT_OUT_ICMP_ERROR },
	{ "error quoting an IP header with options: translated", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &opts_in_int), TC_ACT_OK, true, UNREACH(EXT, INET, &opts_in_ext),
	  STAT_OUT_ICMP_ERROR },
	{ "error about a packet of no flow: dropped", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &no_flow_in), TC_ACT_SHOT, false, {}, STAT_DROP_OUT_ICMP_NO_FLOW },
	{ "error about the flow sent to another host than its remote: dropped", E_DEFAULT, TC,
	  INT_IF, UNREACH(WEB1, "198.51.100.99", &udp_in_int), TC_ACT_SHOT, false, {},
	  STAT_DROP_OUT_ICMP_NO_FLOW },
	{ "error quoting an error: dropped", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &error_in), TC_ACT_SHOT, false, {}, STAT_DROP_OUT_ICMP_NO_FLOW },
	{ "error quoting a later fragment (no ports): dropped", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &later_frag_in), TC_ACT_SHOT, false, {},
	  STAT_DROP_OUT_ICMP_NO_FLOW },
	{ "error quoting 20 bytes: malformed, dropped", E_DEFAULT, TC, INT_IF,
	  UNREACH(WEB1, INET, &udp_in_int, .quote_len = 20), TC_ACT_SHOT, false, {},
	  STAT_MALFORMED_L4 },
	{ "the gateway's own error (its address): passed", E_DEFAULT, TC, 0,
	  UNREACH(EXT, INET, &udp_in_ext), TC_ACT_OK, false, {}, STAT_OUT_PASS },
	/* Inbound filtering: nothing from outside reaches the internal prefix. */
	{ "udp from outside to an internal host: dropped", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 53, WEB1, 53, IPPROTO_UDP), XDP_DROP, false, {}, STAT_DROP_INBOUND },
	{ "tcp syn from outside to an internal host: dropped", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 40000, WEB1, 22, IPPROTO_TCP), XDP_DROP, false, {}, STAT_DROP_INBOUND },
	{ "ping of an internal host: dropped", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 9, WEB1, 0, IPPROTO_ICMP), XDP_DROP, false, {}, STAT_DROP_INBOUND },
	{ "gre to an internal host: dropped", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 0, WEB1, 0, IPPROTO_GRE_, .payload_len = 40), XDP_DROP, false, {},
	  STAT_DROP_INBOUND },
	{ "later fragment to an internal host: dropped", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 53, WEB1, 53, IPPROTO_UDP, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  XDP_DROP, false, {}, STAT_DROP_INBOUND },
	{ "icmp error to an internal host: dropped", E_DEFAULT, XDP, 0,
	  UNREACH(INET, WEB1, &udp_in_ext), XDP_DROP, false, {}, STAT_DROP_INBOUND },
	{ "to an address neither internal nor external: passed", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 53, "198.51.100.99", 53, IPPROTO_UDP), XDP_PASS, false, {},
	  STAT_IN_PASS },
	{ "--route-inbound: udp to an internal host is routed in", E_OPEN, XDP, 0,
	  OUT_PKT(INET, 53, WEB1, 53, IPPROTO_UDP), XDP_PASS, false, {}, STAT_IN_PASS },
	{ "--route-inbound: a later fragment to an internal host too", E_OPEN, XDP, 0,
	  OUT_PKT(INET, 53, WEB1, 53, IPPROTO_UDP, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  XDP_PASS, false, {}, STAT_IN_PASS },
	/* Anti-spoofing: from inside only sources of the internal prefix. */
	{ "udp from inside with source 192.0.2.99: dropped", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(SPOOFED, 5000, INET, 53, IPPROTO_UDP), TC_ACT_SHOT, false, {},
	  STAT_DROP_SPOOFED },
	{ "tcp syn from inside with source 192.0.2.99: dropped", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(SPOOFED, 5000, INET, 80, IPPROTO_TCP), TC_ACT_SHOT, false, {},
	  STAT_DROP_SPOOFED },
	{ "gre from inside with source 192.0.2.99: dropped", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(SPOOFED, 0, INET, 0, IPPROTO_GRE_, .payload_len = 40), TC_ACT_SHOT, false, {},
	  STAT_DROP_SPOOFED },
	{ "later fragment from inside with source 192.0.2.99: dropped", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(SPOOFED, 5000, INET, 53, IPPROTO_UDP, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  TC_ACT_SHOT, false, {}, STAT_DROP_SPOOFED },
	{ "the gateway's own traffic (no ingress interface): passed", E_DEFAULT, TC, 0,
	  OUT_PKT(EXT, 22, INET, 50000, IPPROTO_TCP), TC_ACT_OK, false, {}, STAT_OUT_PASS },
	{ "forwarded from another interface, source outside the prefix: passed", E_DEFAULT, TC,
	  OTHER_IF, OUT_PKT(SPOOFED, 5000, INET, 53, IPPROTO_UDP), TC_ACT_OK, false, {},
	  STAT_OUT_PASS },
	{ "--no-anti-spoof: source 192.0.2.99 from inside passed", E_OPEN, TC, INT_IF,
	  OUT_PKT(SPOOFED, 5000, INET, 53, IPPROTO_UDP), TC_ACT_OK, false, {}, STAT_OUT_PASS },
	/* Fragments out: as the whole datagram would be, or as their first. */
	{ "gre from inside: dropped (not translated)", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB1, 0, INET, 0, IPPROTO_GRE_, .payload_len = 40), TC_ACT_SHOT, false, {},
	  STAT_DROP_UNSUPPORTED },
	{ "a later gre fragment from inside: dropped as gre is", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB1, 0, INET, 0, IPPROTO_GRE_, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  TC_ACT_SHOT, false, {}, STAT_DROP_UNSUPPORTED },
	{ "a later fragment whose first never came: dropped", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x5555, .frag_off = 185), TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_NO_FIRST },
	{ "first fragment of an echo reply from inside: dropped (not translated)", E_DEFAULT, TC,
	  INT_IF,
	  OUT_PKT(WEB1, 78, INET, 0, IPPROTO_ICMP, .echo_reply = true, .payload_len = 3000,
		  .frag_len = 1480, .ip_id = 0x6666),
	  TC_ACT_SHOT, false, {}, STAT_DROP_UNSUPPORTED },
	{ "its later fragment: dropped too", E_DEFAULT, TC, INT_IF,
	  OUT_PKT(WEB1, 78, INET, 0, IPPROTO_ICMP, .echo_reply = true, .payload_len = 3000,
		  .frag_off = 185, .frag_len = 1480, .ip_id = 0x6666),
	  TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_NO_FIRST },
	{ "datagram 0x7001 out: its first fragment makes the flow", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7001), TC_ACT_OK, true, DGRAM_OUT(0x7001), STAT_OUT_NEW_FLOW },
	{ "its last fragment, before the middle one: translated", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7001, .frag_off = 370), TC_ACT_OK, true, DGRAM_OUT(0x7001, .frag_off = 370),
	  STAT_OUT_FRAGMENT },
	{ "the middle one, filling the gap, completing it: translated", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7001, .frag_off = 185), TC_ACT_OK, true, DGRAM_OUT(0x7001, .frag_off = 185),
	  STAT_OUT_FRAGMENT },
	{ "a first fragment with id 0x7001 again: a new datagram (the whole one's entry went)",
	  E_DEFAULT, TC, INT_IF, DGRAM(0x7001), TC_ACT_OK, true, DGRAM_OUT(0x7001),
	  STAT_OUT_TRANSLATED },
	{ "datagram 0x7004: first fragment", E_DEFAULT, TC, INT_IF, DGRAM(0x7004), TC_ACT_OK,
	  true, DGRAM_OUT(0x7004), STAT_OUT_TRANSLATED },
	{ "its middle one", E_DEFAULT, TC, INT_IF, DGRAM(0x7004, .frag_off = 185), TC_ACT_OK, true,
	  DGRAM_OUT(0x7004, .frag_off = 185), STAT_OUT_FRAGMENT },
	{ "its middle one again (a duplicate): dropped", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7004, .frag_off = 185), TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "its last one: dropped with its datagram", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7004, .frag_off = 370), TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "datagram 0x7002: first fragment", E_DEFAULT, TC, INT_IF, DGRAM(0x7002), TC_ACT_OK,
	  true, DGRAM_OUT(0x7002), STAT_OUT_TRANSLATED },
	{ "a fragment overlapping it (from byte 1000): dropped", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7002, .frag_off = 125), TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "the next, clean on its own: dropped with its datagram", E_DEFAULT, TC, INT_IF,
	  DGRAM(0x7002, .frag_off = 185), TC_ACT_SHOT, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "datagram 0x7003: first fragment", E_DEFAULT, TC, INT_IF, DGRAM(0x7003), TC_ACT_OK,
	  true, DGRAM_OUT(0x7003), STAT_OUT_TRANSLATED },
	{ "its first fragment again: dropped", E_DEFAULT, TC, INT_IF, DGRAM(0x7003), TC_ACT_SHOT,
	  false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "a later fragment with no data from inside: malformed, dropped", E_DEFAULT, TC, INT_IF,
	  /* 3008 bytes of UDP are 376 units: from unit 376 on, nothing is left */
	  DGRAM(0x7003, .frag_off = 376), TC_ACT_SHOT, false, {}, STAT_MALFORMED_IP },
	/* Fragments in. */
	{ "datagram 0x8001 in: first fragment translated", E_DEFAULT, XDP, 0, DGRAM_IN(0x8001),
	  XDP_PASS, true, DGRAM_BACK(0x8001), STAT_IN_TRANSLATED },
	{ "its second fragment: translated", E_DEFAULT, XDP, 0, DGRAM_IN(0x8001, .frag_off = 185),
	  XDP_PASS, true, DGRAM_BACK(0x8001, .frag_off = 185), STAT_IN_FRAGMENT },
	{ "its second fragment again: dropped", E_DEFAULT, XDP, 0,
	  DGRAM_IN(0x8001, .frag_off = 185), XDP_DROP, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "its last fragment after that: dropped with its datagram", E_DEFAULT, XDP, 0,
	  DGRAM_IN(0x8001, .frag_off = 370), XDP_DROP, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "datagram 0x8002 in: first fragment", E_DEFAULT, XDP, 0, DGRAM_IN(0x8002), XDP_PASS,
	  true, DGRAM_BACK(0x8002), STAT_IN_TRANSLATED },
	{ "its first fragment again: dropped", E_DEFAULT, XDP, 0, DGRAM_IN(0x8002), XDP_DROP,
	  false, {}, STAT_DROP_FRAG_OVERLAP },
	/* The datagram's end is its last fragment's: nothing may lie beyond
	 * it, nor come as a second last fragment.
	 */
	{ "datagram 0x8003 in: first fragment", E_DEFAULT, XDP, 0, DGRAM_IN(0x8003), XDP_PASS,
	  true, DGRAM_BACK(0x8003), STAT_IN_TRANSLATED },
	{ "a last fragment ending at byte 2008", E_DEFAULT, XDP, 0,
	  SHORT_IN(0x8003), XDP_PASS, true,
	  SHORT_BACK(0x8003), STAT_IN_FRAGMENT },
	{ "a fragment beyond that end (units 251-351, more to come): dropped", E_DEFAULT, XDP, 0,
	  BEYOND_IN(0x8003), XDP_DROP, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "datagram 0x8004 in: first fragment", E_DEFAULT, XDP, 0, DGRAM_IN(0x8004), XDP_PASS,
	  true, DGRAM_BACK(0x8004), STAT_IN_TRANSLATED },
	{ "its last fragment", E_DEFAULT, XDP, 0, DGRAM_IN(0x8004, .frag_off = 370), XDP_PASS,
	  true, DGRAM_BACK(0x8004, .frag_off = 370), STAT_IN_FRAGMENT },
	{ "a second last fragment, after the first one's end: dropped", E_DEFAULT, XDP, 0,
	  LONGER_IN(0x8004), XDP_DROP, false, {}, STAT_DROP_FRAG_OVERLAP },
	{ "a later gre fragment to the external address: passed as gre is", E_DEFAULT, XDP, 0,
	  OUT_PKT(INET, 0, EXT, 0, IPPROTO_GRE_, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480),
	  XDP_PASS, false, {}, STAT_IN_PASS },
	{ "a later fragment with no data from outside: malformed, passed", E_DEFAULT, XDP, 0,
	  DGRAM_IN(0x8002, .frag_off = 376), XDP_PASS, false, {}, STAT_MALFORMED_IP },
};

static struct env envs[E_MAX];

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The clock of the errors from inside, on every CPU. */
static void set_error_clock(struct env *e, __u64 ns)
{
	int cpu, n = libbpf_num_possible_cpus();

	for (cpu = 0; cpu < n && cpu < 1024; cpu++)
		e->tc->bss->icmp_out_last_ns[cpu] = ns;
}

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

static void test_fixtures(void)
{
	uint8_t in[PKT_MAX];
	size_t i, len;

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct env *e = &envs[f->env];

		test_name = f->name;
		set_error_clock(e, 0);
		e->tc_iif = f->iif;
		len = pkt_build(&f->in, in);
		report(check_packet(e, f->hook, in, len, f->verdict,
				    f->translated ? &f->out : NULL, f->stat));
	}
}

/* Within 1/100 s of the last error out (on this CPU), the next is dropped. */
static void test_error_rate(struct env *e)
{
	struct pkt_spec err = UNREACH(WEB1, INET, &udp_in_int);
	struct pkt_spec out = UNREACH(EXT, INET, &udp_in_ext);
	uint8_t in[PKT_MAX];
	size_t len = pkt_build(&err, in);

	e->tc_iif = INT_IF;
	test_name = "error out within 1/100 s of the last: dropped (rate limit)";
	set_error_clock(e, now_ns() + 1000000000ull); /* "just now", whatever the delay */
	report(check_packet(e, TC, in, len, TC_ACT_SHOT, NULL, STAT_DROP_OUT_ICMP_RATE));
	test_name = "after 1/100 s: the next goes";
	set_error_clock(e, now_ns() - 1000000000ull);
	report(check_packet(e, TC, in, len, TC_ACT_OK, &out, STAT_OUT_ICMP_ERROR));
	test_name = "the admin-prohibited errors keep their own clock";
	report(ASSERT_EQ(e->tc->bss->icmp_last_ns[0], 0, "icmp_last_ns untouched"));
}

/* web2:5353 -> inet:53 gets another external port than web1's 5353: the
 * error about it carries that port in its quote.
 */
static void test_error_other_port(struct env *e)
{
	struct pkt_spec out = OUT_PKT(WEB2, 5353, INET, 53, IPPROTO_UDP, .payload_len = 37);
	struct pkt_spec quoted = OUT_PKT(INET, 53, WEB2, 5353, IPPROTO_UDP, .payload_len = 37);
	struct pkt_spec quoted_ext = OUT_PKT(INET, 53, EXT, 0, IPPROTO_UDP, .payload_len = 37);
	struct pkt_spec err = UNREACH(WEB2, INET, &quoted);
	struct pkt_spec want = UNREACH(EXT, INET, &quoted_ext);
	struct nat_tuple k = { .sport = htons(5353), .dport = htons(53), .proto = IPPROTO_UDP };
	uint8_t in[PKT_MAX], obuf[PKT_MAX];
	struct nat_flow f;
	size_t olen;
	bool ok;

	test_name = "error about a flow whose port was changed: the quote gets that port";
	inet_pton(AF_INET, WEB2, &k.saddr);
	inet_pton(AF_INET, INET, &k.daddr);
	e->tc_iif = INT_IF;
	set_error_clock(e, 0);
	ok = ASSERT_EQ(run(e, TC, in, pkt_build(&out, in), obuf, &olen), TC_ACT_OK, "flow made");
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow present");
	ok = ok && ASSERT_TRUE(ntohs(f.ext_port) != 5353, "another port than 5353");
	if (ok) {
		quoted_ext.dport = ntohs(f.ext_port);
		ok = check_packet(e, TC, in, pkt_build(&err, in), TC_ACT_OK, &want,
				  STAT_OUT_ICMP_ERROR);
	}
	report(ok);
}

static int frag_entry(struct env *e, const char *saddr, const char *daddr, __u16 id,
		      struct frag_state *s)
{
	struct frag_key k = { .id = htons(id), .proto = IPPROTO_UDP };

	inet_pton(AF_INET, saddr, &k.saddr);
	inet_pton(AF_INET, daddr, &k.daddr);
	return bpf_map_lookup_elem(bpf_map__fd(e->tc->maps.frags), &k, s);
}

/* The frags entry of datagram 0x7004 (first, middle, the middle again):
 * one range, the two fragments; the address its first fragment got; dead.
 */
static void test_frag_entry(struct env *e)
{
	struct frag_state s;
	bool ok;
	int i, used = 0;

	test_name = "frags entry of datagram 0x7004: one range, units 0-370, external address, dead";
	ok = ASSERT_EQ(frag_entry(e, WEB1, INET, 0x7004, &s), 0, "entry");
	for (i = 0; ok && i < XDPGW_FRAG_RANGES; i++) {
		if (s.seen[i].start == s.seen[i].end)
			continue;
		used++;
		ok = ASSERT_EQ(s.seen[i].start, 0, "start") && ASSERT_EQ(s.seen[i].end, 370, "end");
	}
	ok = ok && ASSERT_EQ(used, 1, "ranges in use") && ASSERT_EQ(s.dead, 1, "dead");
	ok = ok && ASSERT_EQ(s.last_in, 0, "no last fragment");
	ok = ok && ASSERT_EQ(s.addr, htonl(0xcb007101), "addr 203.0.113.1");
	report(ok);
}

/* An entry older than the kernel's reassembly timeout is another datagram's
 * that never completed: a first fragment with its id starts anew, a later
 * one does not follow it.
 */
static void test_frag_stale(struct env *e)
{
	struct frag_state old = { .addr = htonl(0x01020304), .dead = 1,
				  .first_ns = now_ns() - (XDPGW_FRAG_TIMEOUT_S + 1) * 1000000000ull };
	struct pkt_spec first = DGRAM(0x7200), first_out = DGRAM_OUT(0x7200);
	struct pkt_spec later = DGRAM(0x7201, .frag_off = 185);
	struct frag_key k = { .proto = IPPROTO_UDP };
	int fd = bpf_map__fd(e->tc->maps.frags);
	uint8_t in[PKT_MAX];
	bool ok;

	inet_pton(AF_INET, WEB1, &k.saddr);
	inet_pton(AF_INET, INET, &k.daddr);
	e->tc_iif = INT_IF;
	test_name = "a first fragment whose id has an entry 31 s old: a new datagram";
	k.id = htons(0x7200);
	ok = ASSERT_EQ(bpf_map_update_elem(fd, &k, &old, 0), 0, "old entry");
	report(ok && check_packet(e, TC, in, pkt_build(&first, in), TC_ACT_OK, &first_out,
				  STAT_OUT_TRANSLATED));
	test_name = "a later fragment whose entry is 31 s old: not followed, dropped";
	k.id = htons(0x7201);
	old.dead = 0;
	old.addr = htonl(0xcb007101);
	old.seen[0].end = 185;
	ok = ASSERT_EQ(bpf_map_update_elem(fd, &k, &old, 0), 0, "old entry");
	report(ok && check_packet(e, TC, in, pkt_build(&later, in), TC_ACT_SHOT, NULL,
				  STAT_DROP_FRAG_NO_FIRST));
}

/* A datagram in 8-byte fragments, every other one sent: 8 separate runs
 * are tracked, a 9th cannot be and is dropped with the rest.
 */
static void test_frag_scattered(struct env *e)
{
	struct pkt_spec s = OUT_PKT(WEB1, 6400, INET, 53, IPPROTO_UDP, .payload_len = 200,
				    .frag_len = 8, .ip_id = 0x7100);
	struct pkt_spec o = s;
	uint8_t in[PKT_MAX];
	bool ok = true;
	int unit;

	o.saddr = EXT;
	e->tc_iif = INT_IF;
	test_name = "8 separate runs of one datagram: tracked, translated";
	for (unit = 0; unit <= 14 && ok; unit += 2) {
		s.frag_off = o.frag_off = unit;
		ok = check_packet(e, TC, in, pkt_build(&s, in), TC_ACT_OK, &o,
				  unit ? STAT_OUT_FRAGMENT : STAT_OUT_NEW_FLOW);
	}
	report(ok);
	test_name = "a 9th run: dropped (cannot be checked)";
	s.frag_off = 16;
	report(check_packet(e, TC, in, pkt_build(&s, in), TC_ACT_SHOT, NULL,
			    STAT_DROP_FRAG_OVERLAP));
	test_name = "a fragment joining two runs after that: dropped with its datagram";
	s.frag_off = 1;
	report(check_packet(e, TC, in, pkt_build(&s, in), TC_ACT_SHOT, NULL,
			    STAT_DROP_FRAG_OVERLAP));
}

int main(void)
{
	int err, i;

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	err = env_open_filter(&envs[E_DEFAULT], 0, INT_IF) ?: env_open_filter(&envs[E_OPEN], 1, 0);
	if (err) {
		fprintf(stderr, "loading the programs failed: %s\n", strerror(-err));
		for (i = 0; i < E_MAX; i++)
			env_close(&envs[i]);
		return 1;
	}
	test_fixtures();
	test_error_rate(&envs[E_DEFAULT]);
	test_error_other_port(&envs[E_DEFAULT]);
	test_frag_entry(&envs[E_DEFAULT]);
	test_frag_stale(&envs[E_DEFAULT]);
	test_frag_scattered(&envs[E_DEFAULT]);
	for (i = 0; i < E_MAX; i++)
		env_close(&envs[i]);
	printf("test_bpf_filter: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
