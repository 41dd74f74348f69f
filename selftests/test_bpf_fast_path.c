// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of the XDP fast path, both directions: which
 * packets it takes and which it leaves to the stack, and that what it sends
 * is byte for byte what the slow path sends (the stack's forwarding, then
 * tc's translation): every frame is compared with one the test builds from
 * scratch (pkt.c), and outbound also with tc's own output.
 *
 * The fib lookups need routes and neighbours, so the test runs in a network
 * namespace of its own with two veth pairs standing for the gateway's
 * interfaces: ext0 (203.0.113.1/24, default via r1 203.0.113.254) and int0
 * (10.100.20.1/24, web1 10.100.20.57 as a neighbour). Needs root.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
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
#include "log.h"
#include "nat_tc.skel.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"

#define KSFT_SKIP 4

static const uint8_t WEB1_MAC[6] = { 0x02, 0, 0, 0, 0x10, 0x39 };
static const uint8_t INT0_MAC[6] = { 0x02, 0, 0, 0, 0x10, 0x01 };
static const uint8_t EXT0_MAC[6] = { 0x02, 0, 0, 0, 0xe0, 0x01 };
static const uint8_t R1_MAC[6] = { 0x02, 0, 0, 0, 0xe0, 0xfe };

#define NO_NEIGH_NET "192.0.2.9" /* routed via 203.0.113.253, never resolved */
#define SMALL_MTU_NET "198.18.0.1" /* routed with mtu 1280 */

static const char setup_cmds[] =
	"ip link set lo up && "
	"ip link add ext0 address 02:00:00:00:e0:01 type veth peer name ext1 && "
	"ip link add int0 address 02:00:00:00:10:01 type veth peer name int1 && "
	"for i in ext0 ext1 int0 int1; do ip link set $i up || exit 1; done && "
	"ip addr add 203.0.113.1/24 dev ext0 && ip addr add 10.100.20.1/24 dev int0 && "
	"ip neigh add 203.0.113.254 lladdr 02:00:00:00:e0:fe dev ext0 nud permanent && "
	"ip neigh add 10.100.20.57 lladdr 02:00:00:00:10:39 dev int0 nud permanent && "
	"ip route add default via 203.0.113.254 && "
	"ip route add 192.0.2.0/24 via 203.0.113.253 && "
	"ip route add 198.18.0.0/24 via 203.0.113.254 mtu lock 1280 && "
	"sysctl -qw net.ipv4.ip_forward=1";

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -errno;
	}
	return system(setup_cmds) ? -EIO : 0;
}

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

/* The frame s on one hop: its MACs, and its TTL one less once routed. */
static struct pkt_spec hop(struct pkt_spec s, const uint8_t *dmac, const uint8_t *smac,
			   bool routed)
{
	s.dmac = dmac;
	s.smac = smac;
	if (routed)
		s.ttl = (s.ttl ? s.ttl : 64) - 1;
	return s;
}

/* As the internal host sends it to int0; as tc egress on ext0 gets it
 * after the stack routed it; a reply as r1 hands it to ext0; and as it
 * leaves int0 for the host.
 */
#define from_host(s) hop(s, INT0_MAC, WEB1_MAC, false)
#define routed_out(s) hop(s, R1_MAC, EXT0_MAC, true)
#define from_r1(s) hop(s, EXT0_MAC, R1_MAC, false)
#define routed_in(s) hop(s, WEB1_MAC, INT0_MAC, true)

static uint16_t ext_port_of(struct env *e, const struct pkt_spec *s)
{
	struct nat_tuple k = { .sport = htons(s->sport), .dport = htons(s->dport),
			       .proto = s->proto };
	struct nat_flow f;

	inet_pton(AF_INET, s->saddr, &k.saddr);
	inet_pton(AF_INET, s->daddr, &k.daddr);
	if (bpf_map_lookup_elem(e->flows_fd, &k, &f))
		return 0;
	return ntohs(f.ext_port);
}

/*
 * The slow path makes the flow: tc translates the routed frame. Returns the
 * external port (0 on failure); out/out_len get tc's output.
 */
static uint16_t slow_first(struct env *e, const struct pkt_spec *host, uint8_t *out,
			   size_t *out_len)
{
	struct pkt_spec routed = routed_out(*host);
	uint8_t in[PKT_MAX];
	int verdict;

	verdict = run(e, TC, in, pkt_build(&routed, in), out, out_len);
	if (!ASSERT_EQ(verdict, TC_ACT_OK, "tc verdict for the flow's first packet"))
		return 0;
	return ext_port_of(e, host);
}

/*
 * A packet of an established flow out: the fast path redirects it, and what
 * it sends equals both the reference frame and tc's output for the same
 * packet routed by the stack.
 */
static bool fast_equals_slow(struct env *e, const struct pkt_spec *host, uint16_t ext_port)
{
	struct pkt_spec want = routed_out(*host), routed = routed_out(*host);
	uint8_t in[PKT_MAX], slow[PKT_MAX], fast[PKT_MAX];
	size_t slow_len, fast_len;
	bool ok;

	want.saddr = EXT;
	want.sport = ext_port;
	ok = ASSERT_EQ(run(e, TC, in, pkt_build(&routed, in), slow, &slow_len), TC_ACT_OK,
		       "slow path (tc) verdict");
	ok = check_packet(e, XDP_INT, in, pkt_build(host, in), XDP_REDIRECT, &want,
			  STAT_FAST_OUT) && ok;
	ok = ASSERT_EQ(run(e, XDP_INT, in, pkt_build(host, in), fast, &fast_len), XDP_REDIRECT,
		       "fast path verdict") && ok;
	return ASSERT_BYTES(fast, fast_len, slow, slow_len, "fast path frame = slow path frame") &&
	       ok;
}

static void test_udp(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 5353, INET, 53,
								   IPPROTO_UDP, .payload_len = 37));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 53, EXT, 0, IPPROTO_UDP,
								  .payload_len = 120));
	struct pkt_spec back = routed_in((struct pkt_spec)OUT_PKT(INET, 53, WEB1, 5353,
								   IPPROTO_UDP, .payload_len = 120));
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint16_t port;
	size_t len;
	bool ok;

	test_name = "udp, no flow yet: left to the stack untouched";
	report(check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "udp, second packet: fast path, the same bytes as the slow path";
	port = slow_first(e, &host, out, &len);
	ok = ASSERT_TRUE(port >= 20000 && port <= 20099, "flow made, port from the range");
	report(ok && fast_equals_slow(e, &host, port));

	test_name = "udp reply: fast path in, to the host's MAC, TTL - 1";
	reply.dport = port;
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_REDIRECT, &back,
			    STAT_FAST_IN));

	test_name = "udp reply with TTL 1: translated, left to the stack (time exceeded)";
	reply.ttl = 1;
	back = from_r1((struct pkt_spec)OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP,
						 .payload_len = 120, .ttl = 1));
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_PASS, &back,
			    STAT_IN_TRANSLATED));

	test_name = "udp out with TTL 1: left to the stack untouched";
	host.ttl = 1;
	report(check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "udp without checksum: fast path keeps it 0";
	host = from_host((struct pkt_spec)OUT_PKT(WEB1, 5354, INET, 53, IPPROTO_UDP,
						   .payload_len = 9, .udp_no_csum = true));
	port = slow_first(e, &host, out, &len);
	report(ASSERT_TRUE(port, "flow made") && fast_equals_slow(e, &host, port));
}

/* The daemon's per-direction switch (map fast_dirs), read per packet. */
static void test_switch(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 5399, INET, 53,
								   IPPROTO_UDP, .payload_len = 11));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 53, EXT, 0, IPPROTO_UDP,
								  .payload_len = 11));
	struct pkt_spec back = from_r1((struct pkt_spec)OUT_PKT(INET, 53, WEB1, 5399,
								 IPPROTO_UDP, .payload_len = 11));
	struct pkt_spec routed = routed_in((struct pkt_spec)OUT_PKT(INET, 53, WEB1, 5399,
								     IPPROTO_UDP, .payload_len = 11));
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint16_t port;
	size_t len;
	bool ok;

	port = slow_first(e, &host, out, &len);
	reply.dport = port;
	test_name = "outbound switched off: an established flow's packet takes the stack untouched";
	ok = ASSERT_EQ(env_fast_dir(e, FAST_DIR_OUT, FAST_STATE_OFF_PEER), 0, "switch off");
	report(ASSERT_TRUE(port, "flow made") && ok &&
	       check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "inbound still on: the reply takes the fast path";
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_REDIRECT, &routed,
			    STAT_FAST_IN));

	test_name = "inbound switched off: the reply is translated and left to the stack";
	ok = ASSERT_EQ(env_fast_dir(e, FAST_DIR_IN, FAST_STATE_OFF_DROPS), 0, "switch off");
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_PASS, &back,
			    STAT_IN_TRANSLATED) && ok);

	test_name = "unset (0) is off too";
	ok = ASSERT_EQ(env_fast_dir(e, FAST_DIR_OUT, FAST_STATE_UNSET), 0, "unset");
	report(check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT) &&
	       ok);

	test_name = "switched on again: fast path, the same bytes as the slow path";
	ok = ASSERT_EQ(env_fast_dir(e, FAST_DIR_OUT, FAST_STATE_ON), 0, "switch on") &&
	     ASSERT_EQ(env_fast_dir(e, FAST_DIR_IN, FAST_STATE_ON), 0, "switch on");
	report(ok && fast_equals_slow(e, &host, port));
}

/* Sequence numbers: the host's SYN (pkt.c's default seq), the server's. */
#define C1 0x10000002u
#define S0 0x20000000u
#define S1 (S0 + 1)
#define SEQ_ACK(s, a) .tcp_seq = (s), .tcp_ack = (a)

static void test_tcp(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 40000, INET, 80,
								   IPPROTO_TCP));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 80, EXT, 0, IPPROTO_TCP,
								  .tcp_flags = TCP_SYNACK,
								  SEQ_ACK(S0, C1)));
	struct pkt_spec back = from_r1((struct pkt_spec)OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP,
								 .tcp_flags = TCP_SYNACK,
								 SEQ_ACK(S0, C1)));
	struct pkt_spec routed;
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint16_t port;
	size_t len;
	bool ok;

	test_name = "tcp syn: the stack and tc make the flow";
	ok = check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT);
	port = slow_first(e, &host, out, &len);
	report(ASSERT_TRUE(port, "flow made") && ok);

	test_name = "tcp syn-ack: translated, left to the stack (handshake)";
	reply.dport = port;
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_PASS, &back,
			    STAT_IN_TRANSLATED));

	test_name = "tcp handshake's ack: left to the stack (state syn_recv)";
	host.tcp_flags = TCP_ACK;
	host.tcp_seq = C1;
	host.tcp_ack = S1;
	ok = check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT);
	routed = routed_out(host);
	ok = ASSERT_EQ(run(e, TC, in, pkt_build(&routed, in), out, &len), TC_ACT_OK,
		       "tc verdict") && ok;
	report(ok);

	test_name = "tcp data, established: fast path, the same bytes as the slow path";
	host.payload_len = 1000;
	report(fast_equals_slow(e, &host, port));

	test_name = "tcp data in, established: fast path";
	reply.tcp_flags = TCP_ACK;
	reply.payload_len = 1400;
	reply.tcp_seq = S1;
	reply.tcp_ack = C1 + 1000;
	back = routed_in((struct pkt_spec)OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP,
						   .tcp_flags = TCP_ACK, .payload_len = 1400,
						   SEQ_ACK(S1, C1 + 1000)));
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_REDIRECT, &back,
			    STAT_FAST_IN));

	test_name = "tcp fin out: left to the stack (tc sees the close)";
	host.tcp_flags = TCP_FINACK;
	host.tcp_seq = C1 + 1000;
	host.tcp_ack = S1 + 1400;
	host.payload_len = 0;
	report(check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "tcp rst in: translated, left to the stack";
	reply.tcp_flags = TCP_RST;
	reply.tcp_seq = S1 + 1400;
	reply.payload_len = 0;
	back = from_r1((struct pkt_spec)OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP,
						 .tcp_flags = TCP_RST, SEQ_ACK(S1 + 1400, C1 + 1000)));
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_PASS, &back,
			    STAT_IN_TRANSLATED));
}

static void test_echo(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 777, INET, 0, IPPROTO_ICMP,
								   .payload_len = 56));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 0, EXT, 0, IPPROTO_ICMP,
								  .payload_len = 56,
								  .echo_reply = true));
	struct pkt_spec back = routed_in((struct pkt_spec)OUT_PKT(INET, 0, WEB1, 0, IPPROTO_ICMP,
								   .payload_len = 56,
								   .echo_reply = true));
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint16_t port;
	size_t len;

	test_name = "echo request: identifier translated on the fast path, as by tc";
	port = slow_first(e, &host, out, &len);
	report(ASSERT_TRUE(port, "flow made") && fast_equals_slow(e, &host, port));

	/* pkt_build puts sport where the identifier goes, in either kind */
	test_name = "echo reply: fast path in, identifier given back";
	reply.sport = port;
	back.sport = 777;
	report(check_packet(e, XDP, in, pkt_build(&reply, in), XDP_REDIRECT, &back,
			    STAT_FAST_IN));
}

/* Flows that exist but that the fib lookup does not let through. */
static void test_route_misses(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 6000, NO_NEIGH_NET, 53,
								   IPPROTO_UDP));
	uint8_t in[PKT_MAX], out[PKT_MAX];
	uint16_t port;
	size_t len;
	bool ok;

	test_name = "next hop without a neighbour entry: left to the stack (it resolves)";
	ok = ASSERT_TRUE(slow_first(e, &host, out, &len), "flow made");
	report(check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL,
			    STAT_SLOW_OUT) && ok);

	test_name = "bigger than the route's MTU: left to the stack (it fragments or says so)";
	host = from_host((struct pkt_spec)OUT_PKT(WEB1, 6001, SMALL_MTU_NET, 53, IPPROTO_UDP,
						   .payload_len = 1400));
	port = slow_first(e, &host, out, &len);
	ok = ASSERT_TRUE(port, "flow made");
	ok = check_packet(e, XDP_INT, in, pkt_build(&host, in), XDP_PASS, NULL, STAT_SLOW_OUT) &&
	     ok;
	report(ok);

	test_name = "the same flow within the MTU: fast path";
	host.payload_len = 1200;
	report(fast_equals_slow(e, &host, port));
}

/*
 * Give a built TCP frame the checksum a sender leaves for offload
 * (CHECKSUM_PARTIAL): the folded sum of the pseudo-header alone.
 */
static void make_partial(uint8_t *frame)
{
	const uint8_t *ip = frame + OFF_IP;
	uint16_t l4_len = ((ip[2] << 8) | ip[3]) - 20;
	uint8_t pseudo[12];
	uint16_t seed;

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	pseudo[10] = l4_len >> 8;
	pseudo[11] = l4_len & 0xff;
	seed = ~inet_csum(pseudo, sizeof(pseudo), 0);
	frame[OFF_L4 + 16] = seed >> 8;
	frame[OFF_L4 + 17] = seed & 0xff;
}

static void test_partial_csum(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 40001, INET, 80,
								   IPPROTO_TCP));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 80, EXT, 0, IPPROTO_TCP,
								  .tcp_flags = TCP_SYNACK,
								  SEQ_ACK(S0, C1)));
	struct pkt_spec routed;
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len, olen;
	__u64 slow;
	bool ok;

	test_name = "a second tcp flow, established through the slow path";
	reply.dport = slow_first(e, &host, out, &olen);
	ok = ASSERT_TRUE(reply.dport, "flow made");
	ok = ASSERT_EQ(run(e, XDP, in, pkt_build(&reply, in), out, &olen), XDP_PASS,
		       "syn-ack verdict") && ok;
	host.tcp_flags = reply.tcp_flags = TCP_ACK;
	host.payload_len = reply.payload_len = 100;
	host.tcp_seq = C1, host.tcp_ack = S1;
	reply.tcp_seq = S1, reply.tcp_ack = C1 + 100;
	routed = routed_out(host);
	ok = ASSERT_EQ(run(e, TC, in, pkt_build(&routed, in), out, &olen), TC_ACT_OK,
		       "ack verdict") && ok;
	report(ok);

	test_name = "tcp data out with a checksum left for offload: left to the stack";
	len = pkt_build(&host, in);
	make_partial(in);
	report(check_packet(e, XDP_INT, in, len, XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "the same with its checksum finished: fast path";
	report(fast_equals_slow(e, &host, reply.dport));

	test_name = "tcp data in with a checksum left for offload: slow path";
	len = pkt_build(&reply, in);
	make_partial(in);
	slow = stat_total(e, STAT_IN_TRANSLATED);
	ok = ASSERT_EQ(run(e, XDP, in, len, out, &olen), XDP_PASS, "verdict");
	report(ASSERT_EQ(stat_total(e, STAT_IN_TRANSLATED) - slow, 1, "in_translated") && ok);
}

/* What the fast path never looks further at. */
static void test_not_ours(struct env *e)
{
	struct pkt_spec s = from_host((struct pkt_spec)OUT_PKT("192.168.9.9", 5353, INET, 53,
								IPPROTO_UDP));
	uint8_t in[PKT_MAX];

	test_name = "source outside the internal prefix: left to the stack";
	report(check_packet(e, XDP_INT, in, pkt_build(&s, in), XDP_PASS, NULL, STAT_SLOW_OUT));

	test_name = "first fragment of a flow's datagram: left to the stack";
	s = from_host((struct pkt_spec)OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP,
						.payload_len = 3000, .frag_len = 1480));
	report(check_packet(e, XDP_INT, in, pkt_build(&s, in), XDP_PASS, NULL, STAT_SLOW_OUT));
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* CLOCK_MONOTONIC_COARSE, the clock of bpf_ktime_get_coarse_ns(). */
static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Runs prog on the frame n times; true when each run gave want. */
static bool run_n(struct env *e, enum hook prog, const struct pkt_spec *s, int n, int want)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len;
	bool ok = true;

	while (n--)
		ok = ASSERT_EQ(run(e, prog, in, pkt_build(s, in), out, &len), want, "verdict") && ok;
	return ok;
}

/*
 * Accounting on the fast path (bpf/flow_state.h): counters add each
 * packet's IP length per direction; last_seen_ns is stored only once the
 * clock is XDPGW_LAST_SEEN_GRAIN_NS past it, then it is the packet's time.
 */
static void test_accounting(struct env *e)
{
	struct pkt_spec host = from_host((struct pkt_spec)OUT_PKT(WEB1, 5360, INET, 53,
								   IPPROTO_UDP, .payload_len = 37));
	struct pkt_spec reply = from_r1((struct pkt_spec)OUT_PKT(INET, 53, EXT, 0, IPPROTO_UDP,
								  .payload_len = 120));
	struct nat_tuple k = { .sport = htons(5360), .dport = htons(53), .proto = IPPROTO_UDP };
	uint8_t out[PKT_MAX];
	struct nat_flow f;
	__u64 t0, t1, old;
	size_t len;
	bool ok;

	inet_pton(AF_INET, WEB1, &k.saddr);
	inet_pton(AF_INET, INET, &k.daddr);
	test_name = "accounting: counters per direction, last seen held within its grain";
	reply.dport = slow_first(e, &host, out, &len);
	ok = ASSERT_TRUE(reply.dport, "flow made") &&
	     ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow in the map");
	/* half a grain ago: a store would write a later time (a tick moves
	 * the coarse clock, so "now" could equal a last seen of now)
	 */
	t0 = coarse_ns();
	old = t0 - XDPGW_LAST_SEEN_GRAIN_NS / 2;
	f.packets_out = f.bytes_out = f.packets_in = f.bytes_in = 0;
	f.last_seen_ns = old;
	ok = ok && ASSERT_EQ(bpf_map_update_elem(e->flows_fd, &k, &f, BPF_EXIST), 0, "reset");
	ok = ok && run_n(e, XDP_INT, &host, 3, XDP_REDIRECT) && run_n(e, XDP, &reply, 2, XDP_REDIRECT);
	t1 = coarse_ns();
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow in the map");
	/* IP lengths: 20 + 8 + 37 out, 20 + 8 + 120 in */
	ok = ok && ASSERT_EQ(f.packets_out, 3, "packets out") &&
	     ASSERT_EQ(f.bytes_out, 3 * 65, "bytes out") &&
	     ASSERT_EQ(f.packets_in, 2, "packets in") && ASSERT_EQ(f.bytes_in, 2 * 148, "bytes in");
	if (t1 - old < XDPGW_LAST_SEEN_GRAIN_NS) /* else the store was due */
		ok = ok && ASSERT_EQ(f.last_seen_ns, old, "last seen not stored within the grain");
	report(ok);

	test_name = "accounting: last seen stored once the grain has passed";
	old = t0 - 2 * XDPGW_LAST_SEEN_GRAIN_NS;
	f.last_seen_ns = old;
	ok = ASSERT_EQ(bpf_map_update_elem(e->flows_fd, &k, &f, BPF_EXIST), 0, "age the flow");
	t0 = coarse_ns();
	ok = ok && run_n(e, XDP, &reply, 1, XDP_REDIRECT);
	t1 = coarse_ns();
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow in the map");
	ok = ok && ASSERT_TRUE(f.last_seen_ns >= t0 && f.last_seen_ns <= t1,
			       "last seen is the packet's time") &&
	     ASSERT_EQ(f.packets_in, 3, "packets in");
	report(ok);
}

/* A socket of the gateway's own on port (host order), bound to any address. */
static int own_socket(int type, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 1))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * ICMP errors quoting a packet of no flow: the gateway's own sockets get
 * theirs (path MTU discovery of its own connections); the rest is dropped.
 */
static void test_error_no_flow(struct env *e)
{
	static const struct pkt_spec udp_own = OUT_PKT(EXT, 31001, INET, 53, IPPROTO_UDP);
	static const struct pkt_spec tcp_own = OUT_PKT(EXT, 31002, INET, 80, IPPROTO_TCP);
	static const struct pkt_spec udp_none = OUT_PKT(EXT, 31003, INET, 53, IPPROTO_UDP);
	struct pkt_spec err = from_r1((struct pkt_spec)OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP,
								.err_type = 3, .err_code = 4));
	int ufd = own_socket(SOCK_DGRAM, 31001), tfd = own_socket(SOCK_STREAM, 31002);
	uint8_t in[PKT_MAX];

	test_name = "error about a packet of the gateway's own UDP socket: passed";
	err.quote = &udp_own;
	report(ASSERT_TRUE(ufd >= 0 && tfd >= 0, "own sockets") &&
	       check_packet(e, XDP, in, pkt_build(&err, in), XDP_PASS, NULL, STAT_IN_NO_FLOW));

	test_name = "error about a packet of the gateway's own TCP socket: passed";
	err.quote = &tcp_own;
	report(check_packet(e, XDP, in, pkt_build(&err, in), XDP_PASS, NULL, STAT_IN_NO_FLOW));

	test_name = "error about a packet of no flow and no socket: dropped";
	err.quote = &udp_none;
	report(check_packet(e, XDP, in, pkt_build(&err, in), XDP_DROP, NULL,
			    STAT_DROP_ICMP_NO_FLOW));
	close(ufd);
	close(tfd);
}

/*
 * No external port left: the sender is told with an ICMP "administratively
 * prohibited" from the gateway's address towards it, quoting its packet,
 * sent out of int0 (RFC 5508); at most ICMP_PROHIBITED_PER_SEC a second.
 */
static void test_icmp_prohibited(int ext_ifindex, int int_ifindex)
{
	struct pkt_spec first = routed_out((struct pkt_spec)OUT_PKT(WEB1, 7000, INET, 53,
								     IPPROTO_UDP));
	struct pkt_spec refused = routed_out((struct pkt_spec)OUT_PKT(WEB1, 7001, INET, 53,
								       IPPROTO_UDP,
								       .payload_len = 100));
	struct pkt_spec error = OUT_PKT("10.100.20.1", 0, WEB1, 0, IPPROTO_ICMP, .err_type = 3,
					.err_code = 13, .quote = &refused, .quote_len = 28,
					.dmac = WEB1_MAC, .smac = INT0_MAC);
	uint8_t in[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	size_t len, olen;
	struct env e;
	bool ok;

	test_name = "no port left: ICMP admin prohibited to the sender, out of int0";
	if (!ASSERT_EQ(env_open(&e, "30000-30000", 16, ext_ifindex, int_ifindex), 0, "load")) {
		env_close(&e);
		return;
	}
	ok = ASSERT_EQ(run(&e, TC, in, pkt_build(&first, in), out, &olen), TC_ACT_OK,
		       "the first flow takes the one port");
	len = pkt_build(&refused, in);
	ok = ASSERT_EQ(run(&e, TC, in, len, out, &olen), TC_ACT_REDIRECT, "verdict") && ok;
	ok = ASSERT_BYTES(out, olen, want, pkt_build(&error, want), "the ICMP error") && ok;
	ok = ASSERT_TRUE(pkt_csums_ok(out, olen), "its checksums") && ok;
	ok = ASSERT_EQ(stat_total(&e, STAT_DROP_NO_PORT), 1, "drop_no_port") && ok;
	ok = ASSERT_EQ(stat_total(&e, STAT_ICMP_PROHIBITED), 1, "icmp_prohibited") && ok;
	report(ok);

	/* The limiter's clock is the test's: CPU 0's last error is set to
	 * just now (a second ahead, so no delay of this process matters),
	 * then to a second ago.
	 */
	test_name = "rate-limited: within 1/100 s of the last, the packet is only dropped";
	e.tc->bss->icmp_last_ns[0] = now_ns() + 1000000000ull;
	ok = ASSERT_EQ(run(&e, TC, in, len, out, &olen), TC_ACT_SHOT, "verdict");
	ok = ASSERT_EQ(stat_total(&e, STAT_DROP_NO_PORT), 2, "drop_no_port") && ok;
	report(ASSERT_EQ(stat_total(&e, STAT_ICMP_PROHIBITED), 1, "icmp_prohibited") && ok);

	test_name = "after 1/100 s another error may go";
	e.tc->bss->icmp_last_ns[0] = now_ns() - 1000000000ull;
	ok = ASSERT_EQ(run(&e, TC, in, len, out, &olen), TC_ACT_REDIRECT, "verdict");
	report(ASSERT_EQ(stat_total(&e, STAT_ICMP_PROHIBITED), 2, "icmp_prohibited") && ok);
	env_close(&e);
}

int main(void)
{
	cpu_set_t cpu0;
	struct env e;
	int err;

	if (geteuid() != 0) {
		printf("skip: needs root (a network namespace, BPF_PROG_TEST_RUN)\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	/* the ICMP rate limit is per CPU: keep every test run on one */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	if (netns_setup()) {
		fprintf(stderr, "setting up the test's network namespace failed\n");
		return 1;
	}
	err = env_open(&e, "20000-20099", 1024, if_nametoindex("ext0"),
		       if_nametoindex("int0"));
	if (err) {
		fprintf(stderr, "loading the programs failed: %s\n", strerror(-err));
		env_close(&e);
		return 1;
	}
	test_udp(&e);
	test_accounting(&e);
	test_switch(&e);
	test_tcp(&e);
	test_echo(&e);
	test_route_misses(&e);
	test_partial_csum(&e);
	test_not_ours(&e);
	test_error_no_flow(&e);
	env_close(&e);
	test_icmp_prohibited(if_nametoindex("ext0"), if_nametoindex("int0"));
	printf("test_bpf_fast_path: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
