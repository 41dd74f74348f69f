// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of the TCP window check (bpf/tcp_window.h):
 * connections played packet by packet through tc egress and XDP ingress,
 * hand-built frames with checksums from scratch (pkt.c). After each packet
 * the verdict, the output frame, the one counter and the flow's state are
 * checked; a dropped packet must leave the whole flow entry as it was.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "xdpgw.h"
#include "log.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"

#define TCP_FIN 0x01
#define TCP_RSTACK 0x14

/* One packet of a connection, and what must come of it. */
struct step {
	const char *name;
	bool out; /* from the internal host (tc egress), else the reply (XDP) */
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win; /* 0: pkt.c's 64240 */
	uint16_t len; /* payload */
	uint8_t wscale; /* window scale option, shift + 1 (0: none) */
	bool pass; /* translated and passed; else dropped, out of window */
	enum xdpgw_stat stat; /* when passed */
	__u8 state; /* the flow's state afterwards */
};

/* The server's sequence numbers: far from 12345 and the other off-path
 * guesses (a real server's are random).
 */
#define SV(n) (1000000u + (n))

#define PASS_OUT(st) true, STAT_OUT_TRANSLATED, st
#define PASS_IN(st) true, STAT_IN_TRANSLATED, st
#define DROP(st) false, STAT_DROP_TCP_OUT_OF_WINDOW, st

static bool flow_read(struct env *e, uint16_t sport, struct nat_flow *f)
{
	struct nat_tuple k = { .sport = htons(sport), .dport = htons(443), .proto = IPPROTO_TCP };

	inet_pton(AF_INET, WEB1, &k.saddr);
	inet_pton(AF_INET, INET, &k.daddr);
	return bpf_map_lookup_elem(e->flows_fd, &k, f) == 0;
}

/* Run one step of the connection WEB1:sport -> INET:443, mapped onto
 * EXT:sport (a free port in the pool is kept).
 */
static bool play(struct env *e, uint16_t sport, const struct step *s)
{
	struct pkt_spec pkt = { .proto = IPPROTO_TCP, .tcp_flags = s->flags, .tcp_seq = s->seq,
				.tcp_ack = s->ack, .tcp_win = s->win, .payload_len = s->len,
				.tcp_wscale = s->wscale };
	struct pkt_spec want;
	struct nat_flow before = {}, after;
	uint8_t frame[PKT_MAX];
	bool had, ok;

	pkt.saddr = s->out ? WEB1 : INET;
	pkt.sport = s->out ? sport : 443;
	pkt.daddr = s->out ? INET : EXT;
	pkt.dport = s->out ? 443 : sport;
	want = pkt;
	if (s->out)
		want.saddr = EXT;
	else
		want.daddr = WEB1;
	had = flow_read(e, sport, &before);
	ok = check_packet(e, s->out ? TC : XDP, frame, pkt_build(&pkt, frame),
			  s->pass ? (s->out ? TC_ACT_OK : XDP_PASS) :
				    (s->out ? TC_ACT_SHOT : XDP_DROP),
			  s->pass ? &want : NULL, s->stat);
	ok = ASSERT_TRUE(flow_read(e, sport, &after), "flow present") && ok;
	ok = ok && ASSERT_EQ(after.state, s->state, "flow state");
	if (!s->pass && had)
		ok = ASSERT_TRUE(!memcmp(&before, &after, sizeof(after)),
				 "dropped: the flow entry is unchanged (window, counters, last seen)") &&
		     ok;
	return ok;
}

static void play_all(struct env *e, uint16_t sport, const struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		test_name = steps[i].name;
		printf("%s %s\n", play(e, sport, &steps[i]) ? "ok  " : "FAIL", steps[i].name);
	}
}

/* A connection opened with a handshake, both sides scaling by 7. */
static const struct step handshake[] = {
	{ "syn out (scale 7): new flow", true, TCP_SYN, 1000, 0, 64240, 0, 8, true,
	  STAT_OUT_NEW_FLOW, FLOW_TCP_SYN_SENT },
	{ "data in before the syn-ack: dropped", false, TCP_ACK, SV(1), 1001, 0, 10, 0,
	  DROP(FLOW_TCP_SYN_SENT) },
	{ "syn-ack in acking the wrong seq: dropped", false, TCP_SYNACK, SV(0), 999, 0, 0, 8,
	  DROP(FLOW_TCP_SYN_SENT) },
	{ "syn-ack in (scale 7)", false, TCP_SYNACK, SV(0), 1001, 65160, 0, 8,
	  PASS_IN(FLOW_TCP_SYN_RECV) },
	{ "handshake's ack out", true, TCP_ACK, 1001, SV(1), 502, 0, 0,
	  PASS_OUT(FLOW_TCP_ESTABLISHED) },
	{ "100 bytes in", false, TCP_ACK, SV(1), 1001, 509, 100, 0,
	  PASS_IN(FLOW_TCP_ESTABLISHED) },
	{ "off-path rst in, seq 12345: dropped", false, TCP_RST, 12345, 0, 0, 0, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path rst in, seq 2000000000: dropped", false, TCP_RST, 2000000000u, 0, 0, 0, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path rst in, seq 3500000000: dropped", false, TCP_RST, 3500000000u, 0, 0, 0, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path rst+ack in, right seq, ack of unsent data: dropped", false, TCP_RSTACK, SV(101),
	  900000, 0, 0, 0, DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path fin in, seq 12345: dropped", false, TCP_FINACK, 12345, 1001, 509, 0, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path fin in, seq 2000000000: dropped", false, TCP_FINACK, 2000000000u, 1001, 509,
	  0, 0, DROP(FLOW_TCP_ESTABLISHED) },
	{ "off-path fin in, seq 3500000000: dropped", false, TCP_FINACK, 3500000000u, 1001, 509,
	  0, 0, DROP(FLOW_TCP_ESTABLISHED) },
	{ "data in beyond the window (scaled 64256 bytes): dropped", false, TCP_ACK, SV(101 + 70000),
	  1001, 509, 100, 0, DROP(FLOW_TCP_ESTABLISHED) },
	{ "data in older than a window: dropped", false, TCP_ACK, SV(101 - 70000), 1001, 509, 100, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "ack out of data never sent: dropped", true, TCP_ACK, 1001, SV(101 + 100000), 502, 0, 0,
	  DROP(FLOW_TCP_ESTABLISHED) },
	{ "data in at the window's edge (scaled window, not the raw 509)", false, TCP_ACK,
	  SV(101 + 60000), 1001, 509, 100, 0, PASS_IN(FLOW_TCP_ESTABLISHED) },
	{ "retransmission in: passed", false, TCP_ACK, SV(1), 1001, 509, 100, 0,
	  PASS_IN(FLOW_TCP_ESTABLISHED) },
	{ "rst in, in the window but not the next seq: passed, still established", false,
	  TCP_RST, SV(101 + 1000), 0, 0, 0, 0, PASS_IN(FLOW_TCP_ESTABLISHED) },
	{ "fin in, in the window: fin_in", false, TCP_FINACK, SV(101 + 60100), 1001, 509, 0, 0,
	  PASS_IN(FLOW_TCP_FIN_IN) },
	{ "its ack out", true, TCP_ACK, 1001, SV(101 + 60101), 502, 0, 0, PASS_OUT(FLOW_TCP_FIN_IN) },
	{ "rst in at exactly the next seq: closed", false, TCP_RST, SV(101 + 60101), 0, 0, 0, 0,
	  PASS_IN(FLOW_TCP_CLOSED) },
};

/* A connection the NAT first sees in the middle (after a restart, say). */
static const struct step pickup[] = {
	{ "bare ack out, no flow: picked up, tcp_pickup", true, TCP_ACK, 7000, 9000, 1000, 10, 0,
	  true, STAT_OUT_NEW_FLOW, FLOW_TCP_PICKUP },
	{ "rst in, seq 3500000000: dropped", false, TCP_RST, 3500000000u, 0, 0, 0, 0,
	  DROP(FLOW_TCP_PICKUP) },
	{ "rst in, seq 2000000000: dropped", false, TCP_RST, 2000000000u, 0, 0, 0, 0,
	  DROP(FLOW_TCP_PICKUP) },
	{ "reply acking data never sent: dropped", false, TCP_ACK, 9000, 8000, 2000, 50, 0,
	  DROP(FLOW_TCP_PICKUP) },
	{ "the reply: established (window learnt)", false, TCP_ACK, 9000, 7010, 2000, 50, 0,
	  PASS_IN(FLOW_TCP_ESTABLISHED) },
	{ "more data out", true, TCP_ACK, 7010, 9050, 1000, 10, 0,
	  PASS_OUT(FLOW_TCP_ESTABLISHED) },
	{ "fin in, in the window: fin_in", false, TCP_FINACK, 9050, 7020, 2000, 0, 0,
	  PASS_IN(FLOW_TCP_FIN_IN) },
};

/* What the window state holds after the handshake and the first data. */
static void test_window_fields(struct env *e)
{
	const struct step s[] = {
		{ "syn", true, TCP_SYN, 1000, 0, 64240, 0, 8, true, STAT_OUT_NEW_FLOW,
		  FLOW_TCP_SYN_SENT },
		{ "syn-ack, no window scale option", false, TCP_SYNACK, SV(0), 1001, 65160, 0, 0,
		  PASS_IN(FLOW_TCP_SYN_RECV) },
		{ "ack", true, TCP_ACK, 1001, SV(1), 502, 0, 0, PASS_OUT(FLOW_TCP_ESTABLISHED) },
		{ "100 bytes in", false, TCP_ACK, SV(1), 1001, 509, 100, 0,
		  PASS_IN(FLOW_TCP_ESTABLISHED) },
	};
	struct nat_flow f;
	bool ok = true;
	size_t i;

	test_name = "window state: one side without the scale option, no scaling either way";
	for (i = 0; i < sizeof(s) / sizeof(s[0]) && ok; i++)
		ok = play(e, 41002, &s[i]);
	ok = ok && ASSERT_TRUE(flow_read(e, 41002, &f), "flow");
	ok = ok && ASSERT_EQ(f.wscale, 0, "wscale: none (the syn-ack had no option)");
	ok = ok && ASSERT_EQ(f.tcp[0].end, 1001, "internal side: end");
	ok = ok && ASSERT_EQ(f.tcp[0].maxwin, 64240, "internal side: largest window (syn's)");
	ok = ok && ASSERT_EQ(f.tcp[0].maxend, 1001 + 65160, "internal side: syn-ack's ack + window");
	ok = ok && ASSERT_EQ(f.tcp[1].end, SV(101), "remote side: end");
	ok = ok && ASSERT_EQ(f.tcp[1].maxwin, 65160, "remote side: largest window");
	ok = ok && ASSERT_EQ(f.tcp[1].maxend, SV(1) + 502, "remote side: ack + internal window");
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
}

int main(void)
{
	struct env e;
	int err = env_start(&e, "1024-65535", 1024, 0);

	if (err)
		return err;
	play_all(&e, 41000, handshake, sizeof(handshake) / sizeof(handshake[0]));
	play_all(&e, 41001, pickup, sizeof(pickup) / sizeof(pickup[0]));
	test_window_fields(&e);
	env_close(&e);
	printf("test_bpf_tcp_window: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
