// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of the NAT programs: hand-built frames in, every
 * output byte compared with a frame the test builds itself (checksums from
 * scratch, see pkt.c), the verdict and the one counter that must move.
 *
 * The programs are opened through the daemon's own code (nat_objects_open:
 * rodata, map sizes, maps shared by pinning) and loaded, not attached.
 * Exit status: 0 all passed, 1 a failure, 4 skipped (not root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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
#include "nat_xdp.skel.h"
#include "strparse.h"
#include "instance.h"
#include "log.h"
#include "pin.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"

#define KSFT_SKIP 4


static struct nat_tuple tuple(const char *s, uint16_t sport, const char *d,
			      uint16_t dport, uint8_t proto)
{
	struct nat_tuple t = { .sport = htons(sport), .dport = htons(dport), .proto = proto };

	inet_pton(AF_INET, s, &t.saddr);
	inet_pton(AF_INET, d, &t.daddr);
	return t;
}

/* ---- The fixture table: run in order on one instance. ---- */

enum mangle {
	M_NONE,
	M_IHL_4, /* IHL below 5 */
	M_IHL_BEYOND, /* IHL 15 in a 28-byte IP packet */
	M_TOTLEN_BEYOND, /* total length larger than the frame */
	M_TOTLEN_BELOW_IHL,
	M_TRUNC_IP, /* frame ends 12 bytes into the IPv4 header */
	M_TRUNC_TCP, /* 10 bytes of TCP header, total length to match */
	M_DOFF_4, /* TCP data offset below 5 */
	M_DOFF_BEYOND, /* TCP data offset past the IP payload */
	M_UDP_LEN_7,
	M_UDP_LEN_BEYOND,
};

static size_t apply_mangle(enum mangle m, uint8_t *f, size_t len)
{
	switch (m) {
	case M_NONE:
		break;
	case M_IHL_4:
		f[OFF_IP_VER_IHL] = 0x44;
		break;
	case M_IHL_BEYOND:
		f[OFF_IP_VER_IHL] = 0x4f;
		break;
	case M_TOTLEN_BEYOND:
		f[OFF_IP_TOT_LEN + 1] += 100;
		break;
	case M_TOTLEN_BELOW_IHL:
		f[OFF_IP_TOT_LEN] = 0;
		f[OFF_IP_TOT_LEN + 1] = 16;
		break;
	case M_TRUNC_IP:
		return OFF_IP + 12;
	case M_TRUNC_TCP:
		f[OFF_IP_TOT_LEN] = 0;
		f[OFF_IP_TOT_LEN + 1] = 30;
		return OFF_L4 + 10;
	case M_DOFF_4:
		f[OFF_TCP_DOFF] = 4 << 4;
		break;
	case M_DOFF_BEYOND:
		f[OFF_TCP_DOFF] = 15 << 4;
		break;
	case M_UDP_LEN_7:
		f[OFF_UDP_LEN] = 0;
		f[OFF_UDP_LEN + 1] = 7;
		break;
	case M_UDP_LEN_BEYOND:
		f[OFF_UDP_LEN + 1] += 1;
		break;
	}
	return len;
}

struct fixture {
	const char *name;
	enum hook hook;
	struct pkt_spec in;
	enum mangle mangle;
	int verdict;
	bool translated; /* else the frame must come out unchanged */
	struct pkt_spec out;
	enum xdpgw_stat stat;
	__u8 state; /* the flow's state afterwards; 0: not checked */
};



/* Packets as they left eth0 (translated) and as the internal host sent them,
 * quoted by the ICMP errors of the fixtures.
 */
static const struct pkt_spec udp_out_ext = OUT_PKT(EXT, 5353, INET, 53, IPPROTO_UDP,
						   .payload_len = 37);
static const struct pkt_spec udp_out_int = OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP,
						   .payload_len = 37);
static const struct pkt_spec tcp_out_ext = OUT_PKT(EXT, 40000, INET, 80, IPPROTO_TCP,
						   .tcp_flags = TCP_ACK, .payload_len = 333);
static const struct pkt_spec tcp_out_int = OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP,
						   .tcp_flags = TCP_ACK, .payload_len = 333);
static const struct pkt_spec echo_out_ext = OUT_PKT(EXT, 40077, INET, 0, IPPROTO_ICMP,
						    .payload_len = 56);
static const struct pkt_spec echo_out_int = OUT_PKT(WEB1, 40077, INET, 0, IPPROTO_ICMP,
						    .payload_len = 56);
static const struct pkt_spec udp_no_flow = OUT_PKT(EXT, 31000, INET, 53, IPPROTO_UDP);
static const struct pkt_spec error_out_ext = OUT_PKT(EXT, 0, INET, 0, IPPROTO_ICMP,
						     .err_type = 3, .quote = &udp_out_ext);

/* Sequence numbers of the fixture connection: the client's SYN (pkt.c's
 * default seq) and data, the server's SYN-ACK.
 */
#define C0 0x10000001u
#define C1 (C0 + 1)
#define C2 (C1 + 333)
#define S0 0x20000000u
#define S1 (S0 + 1)
#define SEQ_ACK(s, a) .tcp_seq = (s), .tcp_ack = (a)

static const struct fixture fixtures[] = {
	/* TCP: a handshake and data through a new flow. */
	{ "tcp syn out: new flow, internal port kept", TC,
	  OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_SYN), M_NONE,
	  TC_ACT_OK, true, OUT_PKT(EXT, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_SYN),
	  STAT_OUT_NEW_FLOW, FLOW_TCP_SYN_SENT },
	{ "tcp syn-ack in: back to the internal host", XDP,
	  OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK, SEQ_ACK(S0, C1)),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK, SEQ_ACK(S0, C1)),
	  STAT_IN_TRANSLATED, FLOW_TCP_SYN_RECV },
	{ "tcp data out: existing flow", TC,
	  OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_ACK, .payload_len = 333,
		  SEQ_ACK(C1, S1)),
	  M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_ACK, .payload_len = 333,
		  SEQ_ACK(C1, S1)),
	  STAT_OUT_TRANSLATED, FLOW_TCP_ESTABLISHED },
	{ "tcp fin out: closing from inside", TC,
	  OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_FINACK, SEQ_ACK(C2, S1)),
	  M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 40000, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_FINACK, SEQ_ACK(C2, S1)),
	  STAT_OUT_TRANSLATED, FLOW_TCP_FIN_OUT },
	{ "tcp fin in: fin both ways is time_wait", XDP,
	  OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP, .tcp_flags = TCP_FINACK, SEQ_ACK(S1, C2 + 1)),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 80, WEB1, 40000, IPPROTO_TCP, .tcp_flags = TCP_FINACK,
		  SEQ_ACK(S1, C2 + 1)),
	  STAT_IN_TRANSLATED, FLOW_TCP_TIME_WAIT },
	{ "tcp ack out of a flow never seen: picked up, tcp_pickup until answered", TC,
	  OUT_PKT(WEB1, 40100, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_ACK), M_NONE, TC_ACT_OK,
	  true, OUT_PKT(EXT, 40100, INET, 80, IPPROTO_TCP, .tcp_flags = TCP_ACK),
	  STAT_OUT_NEW_FLOW, FLOW_TCP_PICKUP },
	{ "tcp with IP options out: L4 found after the options", TC,
	  OUT_PKT(WEB1, 40001, INET, 80, IPPROTO_TCP, .ip_opt_words = 3), M_NONE, TC_ACT_OK,
	  true, OUT_PKT(EXT, 40001, INET, 80, IPPROTO_TCP, .ip_opt_words = 3),
	  STAT_OUT_NEW_FLOW, FLOW_TCP_SYN_SENT },
	{ "tcp with IP options in", XDP,
	  OUT_PKT(INET, 80, EXT, 40001, IPPROTO_TCP, .ip_opt_words = 3, .tcp_flags = TCP_SYNACK,
		  SEQ_ACK(S0, C1)),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 80, WEB1, 40001, IPPROTO_TCP, .ip_opt_words = 3, .tcp_flags = TCP_SYNACK,
		  SEQ_ACK(S0, C1)),
	  STAT_IN_TRANSLATED, FLOW_TCP_SYN_RECV },
	{ "tcp rst in, its seq exactly the next: closed", XDP,
	  OUT_PKT(INET, 80, EXT, 40001, IPPROTO_TCP, .tcp_flags = TCP_RST, .tcp_seq = S1), M_NONE,
	  XDP_PASS, true,
	  OUT_PKT(INET, 80, WEB1, 40001, IPPROTO_TCP, .tcp_flags = TCP_RST, .tcp_seq = S1),
	  STAT_IN_TRANSLATED, FLOW_TCP_CLOSED },
	{ "tcp syn out after rst: the tuple is reused, syn_sent again", TC,
	  OUT_PKT(WEB1, 40001, INET, 80, IPPROTO_TCP), M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 40001, INET, 80, IPPROTO_TCP), STAT_OUT_TRANSLATED, FLOW_TCP_SYN_SENT },
	/* UDP, with and without a checksum. */
	{ "udp out: new flow", TC,
	  OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP, .payload_len = 37), M_NONE, TC_ACT_OK,
	  true, OUT_PKT(EXT, 5353, INET, 53, IPPROTO_UDP, .payload_len = 37),
	  STAT_OUT_NEW_FLOW, FLOW_UDP_UNREPLIED },
	{ "udp in: reply translated", XDP,
	  OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP, .payload_len = 120), M_NONE, XDP_PASS,
	  true, OUT_PKT(INET, 53, WEB1, 5353, IPPROTO_UDP, .payload_len = 120),
	  STAT_IN_TRANSLATED, FLOW_UDP_ASSURED },
	{ "udp checksum 0 out: stays 0", TC,
	  OUT_PKT(WEB2, 6000, INET, 7, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 6000, INET, 7, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  STAT_OUT_NEW_FLOW, FLOW_UDP_UNREPLIED },
	{ "udp checksum 0 in: stays 0", XDP,
	  OUT_PKT(INET, 7, EXT, 6000, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 7, WEB2, 6000, IPPROTO_UDP, .payload_len = 9, .udp_no_csum = true),
	  STAT_IN_TRANSLATED, FLOW_UDP_ASSURED },
	/* What is not translated: dropped when it carries an internal source. */
	/* ICMP echo: the identifier is the flow's port. */
	{ "icmp echo request out: new flow, identifier (in the pool) kept", TC,
	  OUT_PKT(WEB1, 40077, INET, 0, IPPROTO_ICMP, .payload_len = 56), M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 40077, INET, 0, IPPROTO_ICMP, .payload_len = 56), STAT_OUT_NEW_FLOW,
	  FLOW_ICMP_ECHO },
	{ "icmp echo reply in: back to the internal host", XDP,
	  OUT_PKT(INET, 40077, EXT, 0, IPPROTO_ICMP, .payload_len = 56, .echo_reply = true), M_NONE,
	  XDP_PASS, true,
	  OUT_PKT(INET, 40077, WEB1, 0, IPPROTO_ICMP, .payload_len = 56, .echo_reply = true),
	  STAT_IN_TRANSLATED },
	{ "icmp echo reply from inside (a ping from outside): dropped", TC,
	  OUT_PKT(WEB1, 78, INET, 0, IPPROTO_ICMP, .echo_reply = true), M_NONE, TC_ACT_SHOT,
	  false, {}, STAT_DROP_UNSUPPORTED },
	{ "ping of the gateway itself: passed to the stack", XDP,
	  OUT_PKT(INET, 9, EXT, 0, IPPROTO_ICMP), M_NONE, XDP_PASS, false, {}, STAT_IN_PASS },
	/* ICMP errors about translated flows come back translated. */
	{ "time exceeded quoting the udp flow: translated", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 11, .quote = &udp_out_ext),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(R1, 0, WEB1, 0, IPPROTO_ICMP, .err_type = 11, .quote = &udp_out_int),
	  STAT_IN_ICMP_ERROR },
	{ "port unreachable quoting 8 bytes of tcp: translated", XDP,
	  OUT_PKT(INET, 0, EXT, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 3,
		  .quote = &tcp_out_ext, .quote_len = 28),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 0, WEB1, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 3,
		  .quote = &tcp_out_int, .quote_len = 28),
	  STAT_IN_ICMP_ERROR },
	{ "frag needed quoting a whole tcp header: its checksum translated too", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 4,
		  .quote = &tcp_out_ext),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(R1, 0, WEB1, 0, IPPROTO_ICMP, .err_type = 3, .err_code = 4,
		  .quote = &tcp_out_int),
	  STAT_IN_ICMP_ERROR },
	{ "time exceeded quoting the echo request: translated", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 11, .quote = &echo_out_ext),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(R1, 0, WEB1, 0, IPPROTO_ICMP, .err_type = 11, .quote = &echo_out_int),
	  STAT_IN_ICMP_ERROR },
	{ "error quoting a packet of no flow nor local socket: dropped", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 11, .quote = &udp_no_flow),
	  M_NONE, XDP_DROP, false, {}, STAT_DROP_ICMP_NO_FLOW },
	{ "error quoting only 20 bytes: malformed, passed", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 11, .quote = &udp_out_ext,
		  .quote_len = 20),
	  M_NONE, XDP_PASS, false, {}, STAT_MALFORMED_L4 },
	{ "error quoting an error: passed untouched", XDP,
	  OUT_PKT(R1, 0, EXT, 0, IPPROTO_ICMP, .err_type = 11, .quote = &error_out_ext),
	  M_NONE, XDP_PASS, false, {}, STAT_IN_PASS },
	/* Fragments: the first is translated like a datagram, the rest follow. */
	{ "first fragment out: translated like a datagram", TC,
	  OUT_PKT(WEB1, 6100, INET, 53, IPPROTO_UDP, .payload_len = 2000, .frag_len = 1480),
	  M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 6100, INET, 53, IPPROTO_UDP, .payload_len = 2000, .frag_len = 1480),
	  STAT_OUT_NEW_FLOW },
	{ "later fragment out: source rewritten", TC,
	  OUT_PKT(WEB1, 6100, INET, 53, IPPROTO_UDP, .payload_len = 2000, .frag_off = 185,
		  .frag_len = 1480),
	  M_NONE, TC_ACT_OK, true,
	  OUT_PKT(EXT, 6100, INET, 53, IPPROTO_UDP, .payload_len = 2000, .frag_off = 185,
		  .frag_len = 1480),
	  STAT_OUT_FRAGMENT },
	{ "first fragment in: translated, remembered for the rest", XDP,
	  OUT_PKT(INET, 53, EXT, 6100, IPPROTO_UDP, .payload_len = 3000, .frag_len = 1480),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 53, WEB1, 6100, IPPROTO_UDP, .payload_len = 3000, .frag_len = 1480),
	  STAT_IN_TRANSLATED },
	{ "later fragment in: goes where the first went", XDP,
	  OUT_PKT(INET, 53, EXT, 6100, IPPROTO_UDP, .payload_len = 3000, .frag_off = 370,
		  .frag_len = 1480),
	  M_NONE, XDP_PASS, true,
	  OUT_PKT(INET, 53, WEB1, 6100, IPPROTO_UDP, .payload_len = 3000, .frag_off = 370,
		  .frag_len = 1480),
	  STAT_IN_FRAGMENT },
	{ "later fragment in before its first: passed untouched, counted", XDP,
	  OUT_PKT(INET, 53, EXT, 6100, IPPROTO_UDP, .payload_len = 3000, .frag_off = 185,
		  .frag_len = 1480, .ip_id = 0x4321),
	  M_NONE, XDP_PASS, false, {}, STAT_IN_FRAGMENT_EARLY },
	{ "arp out: passed", TC, OUT_PKT(WEB1, 1, INET, 1, IPPROTO_UDP, .eth_proto = 0x0806),
	  M_NONE, TC_ACT_OK, false, {}, STAT_OUT_PASS },
	{ "arp in: passed", XDP, OUT_PKT(INET, 1, EXT, 1, IPPROTO_UDP, .eth_proto = 0x0806),
	  M_NONE, XDP_PASS, false, {}, STAT_IN_PASS },
	/* (IPv6 frames of IPv6 size: tc's test run checks the header fits.) */
	{ "ipv6 out: passed", TC,
	  OUT_PKT(WEB1, 1, INET, 1, IPPROTO_UDP, .eth_proto = 0x86dd, .payload_len = 64),
	  M_NONE, TC_ACT_OK, false, {}, STAT_OUT_PASS },
	{ "ipv6 in: passed", XDP,
	  OUT_PKT(INET, 1, EXT, 1, IPPROTO_UDP, .eth_proto = 0x86dd, .payload_len = 64),
	  M_NONE, XDP_PASS, false, {}, STAT_IN_PASS },
	{ "the gateway's own traffic out: passed", TC,
	  OUT_PKT(EXT, 22, INET, 50000, IPPROTO_TCP), M_NONE, TC_ACT_OK, false, {},
	  STAT_OUT_PASS },
	{ "ssh to the gateway in: passed", XDP, OUT_PKT(INET, 50000, EXT, 22, IPPROTO_TCP),
	  M_NONE, XDP_PASS, false, {}, STAT_IN_NO_FLOW },
	{ "reply to a port with no flow: passed", XDP,
	  OUT_PKT(INET, 80, EXT, 40999, IPPROTO_TCP), M_NONE, XDP_PASS, false, {},
	  STAT_IN_NO_FLOW },
	{ "reply from another remote port: no flow, passed", XDP,
	  OUT_PKT(INET, 81, EXT, 40000, IPPROTO_TCP), M_NONE, XDP_PASS, false, {},
	  STAT_IN_NO_FLOW },
	{ "source outside the internal prefix: passed", TC,
	  OUT_PKT("10.100.21.5", 40000, INET, 80, IPPROTO_TCP), M_NONE, TC_ACT_OK, false, {},
	  STAT_OUT_PASS },
	/* Malformed: dropped when from inside, passed untouched from outside. */
	{ "ihl 4 out: dropped", TC, OUT_PKT(WEB1, 1000, INET, 53, IPPROTO_UDP), M_IHL_4,
	  TC_ACT_SHOT, false, {}, STAT_MALFORMED_IP },
	{ "ihl 4 in: passed", XDP, OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP), M_IHL_4,
	  XDP_PASS, false, {}, STAT_MALFORMED_IP },
	{ "ihl beyond the packet out: dropped", TC, OUT_PKT(WEB1, 1000, INET, 53, IPPROTO_UDP),
	  M_IHL_BEYOND, TC_ACT_SHOT, false, {}, STAT_MALFORMED_IP },
	{ "ihl beyond the packet in: passed", XDP, OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP),
	  M_IHL_BEYOND, XDP_PASS, false, {}, STAT_MALFORMED_IP },
	{ "total length beyond the frame out: dropped", TC,
	  OUT_PKT(WEB1, 1000, INET, 53, IPPROTO_UDP), M_TOTLEN_BEYOND, TC_ACT_SHOT, false, {},
	  STAT_MALFORMED_IP },
	{ "total length beyond the frame in: passed", XDP,
	  OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP), M_TOTLEN_BEYOND, XDP_PASS, false, {},
	  STAT_MALFORMED_IP },
	{ "total length below ihl out: dropped", TC, OUT_PKT(WEB1, 1000, INET, 53, IPPROTO_UDP),
	  M_TOTLEN_BELOW_IHL, TC_ACT_SHOT, false, {}, STAT_MALFORMED_IP },
	{ "total length below ihl in: passed", XDP, OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP),
	  M_TOTLEN_BELOW_IHL, XDP_PASS, false, {}, STAT_MALFORMED_IP },
	/*
	 * Frames shorter than an Ethernet header never reach either hook: the
	 * kernel refuses them in BPF_PROG_TEST_RUN (-EINVAL) as drivers drop
	 * runts. tc's test run likewise refuses an IPv4 frame whose header is
	 * cut short, so that case is run through XDP only.
	 * test_unreachable_frames() checks those refusals.
	 */
	{ "truncated ipv4 header in: passed", XDP, OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP),
	  M_TRUNC_IP, XDP_PASS, false, {}, STAT_MALFORMED_IP },
	{ "truncated tcp header out: dropped", TC, OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP),
	  M_TRUNC_TCP, TC_ACT_SHOT, false, {}, STAT_MALFORMED_L4 },
	{ "truncated tcp header in: passed", XDP, OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP),
	  M_TRUNC_TCP, XDP_PASS, false, {}, STAT_MALFORMED_L4 },
	{ "tcp data offset 4 out: dropped", TC, OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP),
	  M_DOFF_4, TC_ACT_SHOT, false, {}, STAT_MALFORMED_L4 },
	{ "tcp data offset 4 in: passed", XDP, OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP),
	  M_DOFF_4, XDP_PASS, false, {}, STAT_MALFORMED_L4 },
	{ "tcp data offset past the payload out: dropped", TC,
	  OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_TCP), M_DOFF_BEYOND, TC_ACT_SHOT, false, {},
	  STAT_MALFORMED_L4 },
	{ "tcp data offset past the payload in: passed", XDP,
	  OUT_PKT(INET, 80, EXT, 40000, IPPROTO_TCP), M_DOFF_BEYOND, XDP_PASS, false, {},
	  STAT_MALFORMED_L4 },
	{ "udp length 7 out: dropped", TC, OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP),
	  M_UDP_LEN_7, TC_ACT_SHOT, false, {}, STAT_MALFORMED_L4 },
	{ "udp length 7 in: passed", XDP, OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP),
	  M_UDP_LEN_7, XDP_PASS, false, {}, STAT_MALFORMED_L4 },
	{ "udp length past the payload out: dropped", TC,
	  OUT_PKT(WEB1, 5353, INET, 53, IPPROTO_UDP), M_UDP_LEN_BEYOND, TC_ACT_SHOT, false, {},
	  STAT_MALFORMED_L4 },
	{ "udp length past the payload in: passed", XDP,
	  OUT_PKT(INET, 53, EXT, 5353, IPPROTO_UDP), M_UDP_LEN_BEYOND, XDP_PASS, false, {},
	  STAT_MALFORMED_L4 },
};

/* The state of the flow a fixture's frame belongs to. */
static bool check_state(struct env *e, const struct fixture *f)
{
	struct nat_tuple key = tuple(f->in.saddr, f->in.sport, f->in.daddr, f->in.dport,
				     f->in.proto);
	struct nat_flow flow;
	struct nat_rev r;

	if (f->hook == XDP) { /* a reply: find the flow through rev */
		if (!ASSERT_EQ(bpf_map_lookup_elem(e->rev_fd, &key, &r), 0, "rev entry"))
			return false;
		key = r.orig;
	}
	if (!ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &key, &flow), 0, "flow entry"))
		return false;
	return ASSERT_EQ(flow.state, f->state, "flow state");
}

static void test_fixtures(struct env *e)
{
	uint8_t in[PKT_MAX];
	size_t i, len;

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		test_name = f->name;
		len = apply_mangle(f->mangle, in, pkt_build(&f->in, in));
		if (check_packet(e, f->hook, in, len, f->verdict,
				 f->translated ? &f->out : NULL, f->stat) &
		    (!f->state || check_state(e, f)))
			printf("ok   %s\n", f->name);
		else
			printf("FAIL %s\n", f->name);
	}
}

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

/* The frames the fixture table cannot give a hook: the kernel refuses to
 * run a program on them, so the programs' handling of them is unreachable.
 */
static void test_unreachable_frames(struct env *e)
{
	struct pkt_spec spec = OUT_PKT(WEB1, 1000, INET, 53, IPPROTO_UDP);
	uint8_t frame[PKT_MAX], out[PKT_MAX];
	size_t olen;
	bool ok;

	test_name = "frames the kernel never hands to a hook: refused by test run";
	pkt_build(&spec, frame);
	ok = ASSERT_EQ(run(e, XDP, frame, 10, out, &olen), -EINVAL, "XDP, 10-byte frame");
	ok = ASSERT_EQ(run(e, TC, frame, 10, out, &olen), -EINVAL, "tc, 10-byte frame") && ok;
	ok = ASSERT_EQ(run(e, TC, frame, OFF_IP + 12, out, &olen), -EINVAL,
		       "tc, IPv4 header cut at 12 bytes") && ok;
	report(ok);
}


/* The flow the fixtures made keeps per-direction counters. */
static void test_flow_accounting(struct env *e)
{
	struct nat_tuple key = tuple(WEB1, 40000, INET, 80, IPPROTO_TCP);
	struct nat_flow f;
	bool ok;

	test_name = "flow entry: counters and translation of the tcp fixture flow";
	ok = ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &key, &f), 0, "flow present");
	ok = ok && ASSERT_EQ(ntohs(f.ext_port), 40000, "ext_port");
	ok = ok && ASSERT_EQ(f.packets_out, 3, "packets_out (syn, data, fin)");
	ok = ok && ASSERT_EQ(f.bytes_out, 40 + 40 + 333 + 40, "bytes_out");
	ok = ok && ASSERT_EQ(f.packets_in, 2, "packets_in (syn-ack, fin)");
	ok = ok && ASSERT_EQ(f.bytes_in, 40 + 40, "bytes_in");
	ok = ok && ASSERT_TRUE(f.last_seen_ns >= f.created_ns && f.created_ns, "timestamps");
	report(ok);
}

/* Two internal hosts use the same source port towards the same server: the
 * second gets another external port and each reply finds its own host.
 */
static void test_port_clash(struct env *e)
{
	struct nat_tuple k2 = tuple(WEB2, 40000, INET, 80, IPPROTO_TCP);
	struct pkt_spec in = OUT_PKT(WEB2, 40000, INET, 80, IPPROTO_TCP);
	struct pkt_spec out = OUT_PKT(EXT, 0, INET, 80, IPPROTO_TCP);
	struct pkt_spec reply = OUT_PKT(INET, 80, EXT, 0, IPPROTO_TCP, .tcp_flags = TCP_SYNACK,
					SEQ_ACK(S0, C1));
	struct pkt_spec back = OUT_PKT(INET, 80, WEB2, 40000, IPPROTO_TCP, .tcp_flags = TCP_SYNACK,
				       SEQ_ACK(S0, C1));
	uint8_t frame[PKT_MAX], obuf[PKT_MAX];
	struct nat_flow f;
	size_t len, olen;
	bool ok;

	test_name = "port in use by another host: a different port is chosen";
	len = pkt_build(&in, frame);
	ok = ASSERT_EQ(run(e, TC, frame, len, obuf, &olen), TC_ACT_OK, "verdict");
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k2, &f), 0, "flow present");
	ok = ok && ASSERT_TRUE(ntohs(f.ext_port) != 40000 && ntohs(f.ext_port) >= 1024,
			       "external port differs from the taken 40000 and is in range");
	if (ok) {
		out.sport = ntohs(f.ext_port);
		len = pkt_build(&out, frame);
		ok = ASSERT_BYTES(obuf, olen, frame, len, "output frame");
	}
	report(ok);

	test_name = "replies to two hosts behind one port number go to the right host";
	reply.dport = ntohs(f.ext_port);
	ok = check_packet(e, XDP, frame, pkt_build(&reply, frame), XDP_PASS, &back,
			  STAT_IN_TRANSLATED);
	/* web1's flow is in time_wait: the last ack of its close */
	reply.dport = 40000;
	back.daddr = WEB1;
	reply.tcp_flags = back.tcp_flags = TCP_ACK;
	reply.tcp_seq = back.tcp_seq = S1 + 1;
	reply.tcp_ack = back.tcp_ack = C2 + 1;
	ok = check_packet(e, XDP, frame, pkt_build(&reply, frame), XDP_PASS, &back,
			  STAT_IN_TRANSLATED) && ok;
	report(ok);
}

/* A range of three ports: three flows to one server fit, the fourth is
 * dropped and counted, and no half-made flow is left behind.
 */
static void test_port_exhaustion(void)
{
	struct pkt_spec in = OUT_PKT(WEB1, 0, INET, 80, IPPROTO_TCP);
	uint8_t frame[PKT_MAX], out[PKT_MAX];
	bool ok = true, seen[3] = {};
	struct nat_flow f;
	struct nat_tuple k;
	struct env e;
	size_t olen;
	int i;

	test_name = "port range 40000-40002: fourth mapping dropped, counted, nothing half-made";
	if (!ASSERT_EQ(env_open(&e, "40000-40002", 64, 0, 0), 0, "load")) {
		env_close(&e);
		report(false);
		return;
	}
	for (i = 0; i < 3 && ok; i++) {
		in.sport = 50000 + i; /* outside the range: a random start */
		ok = ASSERT_EQ(run(&e, TC, frame, pkt_build(&in, frame), out, &olen),
			       TC_ACT_OK, "verdict of flows 1-3");
		k = tuple(WEB1, in.sport, INET, 80, IPPROTO_TCP);
		ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e.flows_fd, &k, &f), 0, "flow");
		ok = ok && ASSERT_TRUE(ntohs(f.ext_port) >= 40000 && ntohs(f.ext_port) <= 40002 &&
					       !seen[ntohs(f.ext_port) - 40000],
				       "distinct port within the range");
		if (ok)
			seen[ntohs(f.ext_port) - 40000] = true;
	}
	in.sport = 50003;
	ok = ok && check_packet(&e, TC, frame, pkt_build(&in, frame), TC_ACT_SHOT, NULL,
				STAT_DROP_NO_PORT);
	ok = ok && ASSERT_EQ(map_count(e.flows_fd), 3, "flows entries");
	ok = ok && ASSERT_EQ(map_count(e.rev_fd), 3, "rev entries");
	/* Another server: the ports are one pool for every destination
	 * (endpoint-independent mapping); a mapped endpoint keeps its port.
	 */
	in.dport = 443;
	ok = ok && check_packet(&e, TC, frame, pkt_build(&in, frame), TC_ACT_SHOT, NULL,
				STAT_DROP_NO_PORT);
	in.sport = 50000;
	ok = ok && ASSERT_EQ(run(&e, TC, frame, pkt_build(&in, frame), out, &olen),
			     TC_ACT_OK, "verdict of a mapped endpoint towards another server");
	k = tuple(WEB1, 50000, INET, 443, IPPROTO_TCP);
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e.flows_fd, &k, &f), 0,
			     "a flow to another server on the endpoint's mapping");
	env_close(&e);
	report(ok);
}

/* Table of two flows: the third is refused; and when the forward insert is
 * the one that fails, the reverse entry it followed is removed again.
 */
static void test_table_full(void)
{
	struct pkt_spec in = OUT_PKT(WEB1, 0, INET, 80, IPPROTO_UDP);
	uint8_t frame[PKT_MAX], out[PKT_MAX];
	struct nat_flow junk = {};
	struct nat_tuple k;
	struct env e;
	size_t olen;
	bool ok;
	int i;

	test_name = "table of 2 flows: the third is dropped and counted";
	ok = ASSERT_EQ(env_open(&e, "1024-65535", 2, 0, 0), 0, "load");
	for (i = 0; i < 2 && ok; i++) {
		in.sport = 3000 + i;
		ok = ASSERT_EQ(run(&e, TC, frame, pkt_build(&in, frame), out, &olen),
			       TC_ACT_OK, "verdict of flows 1-2");
	}
	in.sport = 3002;
	ok = ok && check_packet(&e, TC, frame, pkt_build(&in, frame), TC_ACT_SHOT, NULL,
				STAT_DROP_TABLE_FULL);
	ok = ok && ASSERT_EQ(map_count(e.flows_fd), 2, "flows entries");
	ok = ok && ASSERT_EQ(map_count(e.rev_fd), 2, "rev entries");
	env_close(&e);
	report(ok);

	test_name = "forward insert fails: the reverse entry is removed again";
	ok = ASSERT_EQ(env_open(&e, "1024-65535", 2, 0, 0), 0, "load");
	for (i = 0; i < 2 && ok; i++) { /* fill flows only; rev stays empty */
		k = tuple("10.9.9.9", 1 + i, INET, 1, IPPROTO_UDP);
		ok = ASSERT_EQ(bpf_map_update_elem(e.flows_fd, &k, &junk, BPF_NOEXIST), 0,
			       "prefill flows");
	}
	in.sport = 4000;
	ok = ok && check_packet(&e, TC, frame, pkt_build(&in, frame), TC_ACT_SHOT, NULL,
				STAT_DROP_TABLE_FULL);
	ok = ok && ASSERT_EQ(map_count(e.rev_fd), 0, "rev entries (none may be orphaned)");
	env_close(&e);
	report(ok);
}

int main(void)
{
	struct env e;
	int err;

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	err = env_open(&e, "1024-65535", 1024, 0, 0);
	if (err) {
		fprintf(stderr, "loading the programs failed: %s\n", strerror(-err));
		env_close(&e);
		return 1;
	}
	test_fixtures(&e);
	test_flow_accounting(&e);
	test_unreachable_frames(&e);
	test_port_clash(&e);
	env_close(&e);
	test_port_exhaustion();
	test_table_full();
	printf("test_bpf_nat: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
