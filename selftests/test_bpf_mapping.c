// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN tests of endpoint-independent mapping and filtering
 * (RFC 4787, RFC 5382, RFC 5508 for echo identifiers): one external port
 * per internal endpoint whatever the destination, never one port for two
 * endpoints, parity and contiguity, each --filtering mode's inbound
 * decisions, the mapping freed by the sweep only with its last flow, and
 * the allocator filling a range the way hosts with the same ephemeral
 * ports do. Frames are hand-built with checksums computed by the test
 * (pkt.c); the map contents are checked.
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
#include "sweep.h"
#include "pkt.h"
#include "check.h"
#include "prog_env.h"

#define KSFT_SKIP 4
#define INET2 "198.51.100.30" /* a second server */
#define INET3 "198.51.100.40" /* a third endpoint, never sent to */

static bool report(bool ok)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", test_name);
	return ok;
}

static struct nat_tuple tuple(const char *s, uint16_t sport, const char *d, uint16_t dport,
			      uint8_t proto)
{
	struct nat_tuple t = { .sport = htons(sport), .dport = htons(dport), .proto = proto };

	inet_pton(AF_INET, s, &t.saddr);
	inet_pton(AF_INET, d, &t.daddr);
	return t;
}

static struct nat_endpoint endpoint(const char *addr, uint16_t port, uint8_t proto)
{
	struct nat_endpoint ep = { .port = htons(port), .proto = proto };

	inet_pton(AF_INET, addr, &ep.addr);
	return ep;
}

static int map_fd(struct env *e, const char *name)
{
	return bpf_object__find_map_fd_by_name(e->tc->obj, name);
}

/* Ports with an owner, of any protocol. */
static int owned_ports(struct env *e)
{
	int fd = map_fd(e, "port_owner"), n = 0;
	__u32 slot;
	__u64 owner;

	for (slot = 0; slot < XDPGW_PORT_SLOTS; slot++)
		n += !bpf_map_lookup_elem(fd, &slot, &owner) && owner;
	return n;
}

/* Send an outbound packet through tc; the external port it left with (host
 * order), after checking the frame against one built with that port; 0 when
 * it was not translated.
 */
static uint16_t send_out(struct env *e, const struct pkt_spec *in)
{
	struct pkt_spec want = *in;
	uint8_t frame[PKT_MAX], out[PKT_MAX], exp[PKT_MAX];
	size_t len = pkt_build(in, frame), olen, elen;
	struct nat_tuple k = tuple(in->saddr, in->sport, in->daddr, in->dport, in->proto);
	struct nat_flow f;

	if (!ASSERT_EQ(run(e, TC, frame, len, out, &olen), TC_ACT_OK, "verdict out") ||
	    !ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow entry"))
		return 0;
	want.saddr = EXT;
	want.sport = ntohs(f.ext_port);
	elen = pkt_build(&want, exp);
	if (!ASSERT_BYTES(out, olen, exp, elen, "translated frame") ||
	    !ASSERT_TRUE(pkt_csums_ok(out, olen), "checksums of the translated frame"))
		return 0;
	return ntohs(f.ext_port);
}

/* The mapping of an internal endpoint: its external port and references. */
static bool mapping_is(struct env *e, const char *addr, uint16_t port, uint8_t proto,
		       uint16_t ext_port, uint32_t refs)
{
	struct nat_endpoint ep = endpoint(addr, port, proto), owner;
	__u32 slot = xdpgw_port_slot(proto, ext_port);
	struct nat_mapping m;

	return ASSERT_EQ(bpf_map_lookup_elem(map_fd(e, "mappings"), &ep, &m), 0, "mapping") &&
	       ASSERT_EQ(ntohs(m.ext_port), ext_port, "mapping's external port") &&
	       ASSERT_EQ(m.refs, refs, "mapping's references (its flows)") &&
	       ASSERT_EQ(bpf_map_lookup_elem(map_fd(e, "port_owner"), &slot, &owner), 0,
			 "port owner slot") &&
	       ASSERT_TRUE(!memcmp(&owner, &ep, sizeof(ep)), "the port's owner is the endpoint");
}

/*
 * Case 4 of issue 10: web:50000 and web2:50000 to inet:7001, then web2:50000
 * to a second server. web keeps 50000; web2 gets one other port, the same
 * for both servers; echo identifiers behave alike.
 */
static void test_endpoint_independent(void)
{
	struct pkt_spec p = OUT_PKT(WEB1, 50000, INET, 7001, IPPROTO_UDP, .payload_len = 20);
	struct nat_endpoint claimed = endpoint(WEB1, 9000, IPPROTO_UDP);
	__u32 slot = xdpgw_port_slot(IPPROTO_UDP, 9000);
	uint16_t web, web2, web2b, id1, id2;
	struct env e;
	bool ok;

	test_name = "same endpoint to two servers: one external port (REQ-1)";
	ok = ASSERT_EQ(env_open(&e, "1024-65535", 1024, 0, 0), 0, "load");
	web = ok ? send_out(&e, &p) : 0;
	p.saddr = WEB2;
	web2 = ok ? send_out(&e, &p) : 0;
	p.daddr = INET2;
	p.dport = 7002;
	web2b = ok ? send_out(&e, &p) : 0;
	ok = ok && ASSERT_EQ(web, 50000, "web keeps its port") &&
	     ASSERT_TRUE(web2 && web2 != 50000, "web2 gets another port (REQ-3)") &&
	     ASSERT_EQ(web2b, web2, "web2 to the second server: the same port");
	ok = ok && mapping_is(&e, WEB1, 50000, IPPROTO_UDP, 50000, 1) &&
	     mapping_is(&e, WEB2, 50000, IPPROTO_UDP, web2, 2);
	ok = ok && ASSERT_EQ(map_count(map_fd(&e, "mappings")), 2, "mappings entries") &&
	     ASSERT_EQ(owned_ports(&e), 2, "ports owned");
	report(ok);

	test_name = "echo identifier to two servers: one external identifier (RFC 5508)";
	p = (struct pkt_spec)OUT_PKT(WEB1, 7777, INET, 0, IPPROTO_ICMP, .payload_len = 8);
	id1 = send_out(&e, &p);
	p.daddr = INET2;
	id2 = send_out(&e, &p);
	p.saddr = WEB2;
	ok = ASSERT_EQ(id1, 7777, "identifier kept") && ASSERT_EQ(id2, 7777, "the same for both") &&
	     ASSERT_TRUE(send_out(&e, &p) != 7777, "another host's 7777: another identifier") &&
	     mapping_is(&e, WEB1, 7777, IPPROTO_ICMP, 7777, 2);
	report(ok);

	/* Another CPU has just claimed 9000 and not yet set its bit: the
	 * owner entry alone must keep the port from a second endpoint.
	 */
	test_name = "a claimed port not yet in the bitmap: not given to another host";
	p = (struct pkt_spec)OUT_PKT(WEB2, 9000, INET, 53, IPPROTO_UDP);
	ok = ASSERT_EQ(bpf_map_update_elem(map_fd(&e, "port_owner"), &slot, &claimed, BPF_ANY), 0,
		       "claim 9000 for web") &&
	     ASSERT_TRUE(send_out(&e, &p) != 9000, "web2:9000 gets another port");
	report(ok);
	env_close(&e);
}

/* Ports taken by web force web2 off port preservation: the port it gets
 * has its internal port's parity, and its next port follows it.
 */
static void test_parity_contiguity(void)
{
	struct pkt_spec p = OUT_PKT(WEB1, 0, INET, 5004, IPPROTO_UDP);
	uint16_t port, rtp, rtcp;
	bool ok;
	struct env e;
	int i;

	test_name = "port parity kept (REQ-4) when the port itself is taken";
	ok = ASSERT_EQ(env_open(&e, "20000-29999", 4096, 0, 0), 0, "load");
	for (i = 0; i < 64 && ok; i++) { /* web takes 20000-20063 */
		p.sport = 20000 + i;
		ok = ASSERT_EQ(send_out(&e, &p), p.sport, "web keeps its port");
	}
	p.saddr = WEB2;
	for (i = 0; i < 64 && ok; i += 2) { /* web2 asks for the same ports */
		p.sport = 20000 + i + (i / 2) % 2; /* even, odd, even, ... */
		port = send_out(&e, &p);
		ok = ASSERT_TRUE(port >= 20064 && port <= 29999, "a free port in the range") &&
		     ASSERT_EQ(port & 1, p.sport & 1, "parity of the internal port");
	}
	report(ok);

	test_name = "contiguity: the port after the one below's mapping (RTP/RTCP)";
	p.saddr = WEB2;
	p.sport = 40000; /* outside the range: never preserved */
	rtp = send_out(&e, &p);
	p.sport = 40001;
	rtcp = send_out(&e, &p);
	ok = ASSERT_TRUE(rtp && !(rtp & 1), "rtp even") &&
	     ASSERT_EQ(rtcp, rtp + 1, "rtcp on the next port");
	report(ok);
	env_close(&e);
}

struct filter_case {
	const char *from;
	uint16_t sport;
	uint16_t dport; /* the external port it is sent to */
	uint8_t proto;
	uint8_t tcp_flags;
	/* by enum nat_filtering: the counter; translated when IN_TRANSLATED
	 * or IN_NEW_FLOW, dropped when IN_FILTERED, else passed untouched
	 */
	enum xdpgw_stat stat[FILTER__MAX];
	const char *what;
};

#define APD FILTER_ADDRESS_PORT_DEPENDENT
#define AD FILTER_ADDRESS_DEPENDENT
#define EIF FILTER_ENDPOINT_INDEPENDENT

/* web:5000 (UDP) and web:6000 (TCP) have sent to inet:3478; then, in order: */
static const struct filter_case filter_cases[] = {
	{ INET, 3478, 5000, IPPROTO_UDP, 0,
	  { [APD] = STAT_IN_TRANSLATED, [AD] = STAT_IN_TRANSLATED, [EIF] = STAT_IN_TRANSLATED },
	  "udp reply from where the flow went" },
	{ INET, 9999, 5000, IPPROTO_UDP, 0,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_NEW_FLOW, [EIF] = STAT_IN_NEW_FLOW },
	  "udp from another port of the address sent to" },
	{ INET, 9999, 5000, IPPROTO_UDP, 0,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_TRANSLATED, [EIF] = STAT_IN_TRANSLATED },
	  "udp again from there: its flow now" },
	{ INET3, 9999, 5000, IPPROTO_UDP, 0,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_FILTERED, [EIF] = STAT_IN_NEW_FLOW },
	  "udp from an address never sent to" },
	{ INET3, 9999, 5999, IPPROTO_UDP, 0,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_NO_FLOW, [EIF] = STAT_IN_NO_FLOW },
	  "udp to a port no mapping owns" },
	{ INET3, 80, 6000, IPPROTO_TCP, TCP_ACK,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_FILTERED, [EIF] = STAT_IN_FILTERED },
	  "tcp ack (no syn) from an address never sent to" },
	{ INET, 81, 6000, IPPROTO_TCP, TCP_SYN,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_NEW_FLOW, [EIF] = STAT_IN_NEW_FLOW },
	  "tcp syn from another port of the address sent to" },
	{ INET3, 81, 6000, IPPROTO_TCP, TCP_SYN,
	  { [APD] = STAT_IN_NO_FLOW, [AD] = STAT_IN_FILTERED, [EIF] = STAT_IN_NEW_FLOW },
	  "tcp syn from an address never sent to" },
};

static const char *const mode_names[FILTER__MAX] = {
	[APD] = "address-port-dependent",
	[AD] = "address-dependent",
	[EIF] = "endpoint-independent",
};

static bool filter_one(struct env *e, enum nat_filtering mode, const struct filter_case *c)
{
	struct pkt_spec in = OUT_PKT(c->from, c->sport, EXT, c->dport, c->proto,
				     .tcp_flags = c->tcp_flags, .payload_len = 10);
	struct pkt_spec back = in;
	struct nat_tuple k = tuple(WEB1, c->dport, c->from, c->sport, c->proto);
	enum xdpgw_stat stat = c->stat[mode];
	bool translated = stat == STAT_IN_TRANSLATED || stat == STAT_IN_NEW_FLOW;
	uint8_t frame[PKT_MAX];
	struct nat_flow f;
	bool ok;

	back.daddr = WEB1;
	ok = check_packet(e, XDP, frame, pkt_build(&in, frame),
			  stat == STAT_IN_FILTERED ? XDP_DROP : XDP_PASS,
			  translated ? &back : NULL, stat);
	if (stat == STAT_IN_NEW_FLOW) /* the flow web would have made, on its mapping */
		ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "new flow") &&
		     ASSERT_EQ(ntohs(f.ext_port), c->dport, "on the mapping's port");
	if (stat == STAT_IN_NEW_FLOW && c->proto == IPPROTO_TCP) {
		/* syn_recv until web answers; its SYN-ACK leaves on the mapping */
		struct pkt_spec synack = OUT_PKT(WEB1, c->dport, c->from, c->sport, IPPROTO_TCP,
						 .tcp_flags = TCP_SYNACK);

		ok = ok && ASSERT_EQ(f.state, FLOW_TCP_SYN_RECV, "state after the SYN in") &&
		     ASSERT_EQ(send_out(e, &synack), c->dport, "SYN-ACK out on the mapping") &&
		     ASSERT_EQ(bpf_map_lookup_elem(e->flows_fd, &k, &f), 0, "flow") &&
		     ASSERT_EQ(f.state, FLOW_TCP_ESTABLISHED, "state after the SYN-ACK out");
	}
	else if (!translated)
		ok = ok && ASSERT_TRUE(bpf_map_lookup_elem(e->flows_fd, &k, &f), "no flow made");
	return ok;
}

static void test_filtering(void)
{
	struct pkt_spec udp = OUT_PKT(WEB1, 5000, INET, 3478, IPPROTO_UDP, .payload_len = 20);
	struct pkt_spec tcp = OUT_PKT(WEB1, 6000, INET, 3478, IPPROTO_TCP);
	char name[160];
	struct env e;
	size_t i;
	int mode;
	bool ok;

	for (mode = 0; mode < FILTER__MAX; mode++) {
		snprintf(name, sizeof(name), "filtering %s: set up", mode_names[mode]);
		test_name = name;
		ok = ASSERT_EQ(env_open_filtering(&e, "1024-65535", 1024, 0, 0, mode), 0, "load") &&
		     ASSERT_EQ(send_out(&e, &udp), 5000, "udp mapping") &&
		     ASSERT_EQ(send_out(&e, &tcp), 6000, "tcp mapping");
		if (!report(ok)) {
			env_close(&e);
			continue;
		}
		for (i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++) {
			snprintf(name, sizeof(name), "filtering %s: %s", mode_names[mode],
				 filter_cases[i].what);
			report(filter_one(&e, mode, &filter_cases[i]));
		}
		/* Address-dependent: the peers map counts the flows per address. */
		if (mode == AD) {
			struct nat_peer_key pk = { .ext_port = htons(5000), .proto = IPPROTO_UDP };
			__u32 refs = 0;

			test_name = "filtering address-dependent: peers count flows per address";
			inet_pton(AF_INET, INET, &pk.remote);
			ok = ASSERT_EQ(bpf_map_lookup_elem(map_fd(&e, "peers"), &pk, &refs), 0,
				       "peer entry") &&
			     ASSERT_EQ(refs, 2, "inet:3478 and inet:9999");
			report(ok);
		}
		env_close(&e);
	}
}

/* Run the daemon's sweep over the env's maps; flows idle for 1 s expire. */
static int sweep_all(struct env *e, struct sweeper *sw, __u64 now)
{
	struct xdpgw_config c = {};
	struct sweep_result res;
	int i;

	for (i = 0; i < FLOW_STATE__MAX; i++)
		c.timeout[i] = 1;
	return sweep_flows(sw, e->flows_fd, &c, now, &res) ?: (int)res.expired;
}

/* Two flows on one mapping: the sweep takes one, the mapping and its port
 * stay; it takes the other, both go, and the port is free for anyone.
 */
static void test_sweep_release(void)
{
	struct pkt_spec p = OUT_PKT(WEB1, 40000, INET, 80, IPPROTO_UDP);
	struct nat_tuple k1 = tuple(WEB1, 40000, INET, 80, IPPROTO_UDP);
	struct nat_endpoint ep = endpoint(WEB1, 40000, IPPROTO_UDP);
	__u32 slot = xdpgw_port_slot(IPPROTO_UDP, 40000);
	__u64 owner;
	__u32 word = XDPGW_PORT_WORDS + 40000 / 64; /* UDP's block */
	struct nat_flow f;
	struct nat_mapping m;
	struct sweeper *sw = NULL;
	struct env e;
	__u64 bits;
	bool ok;

	test_name = "sweep: the mapping goes only with its last flow";
	ok = ASSERT_EQ(env_open(&e, "1024-65535", 64, 0, 0), 0, "load") &&
	     ASSERT_EQ(sweeper_open_maps(&sw, &(struct sweep_maps){
				.flows = e.flows_fd, .rev = e.rev_fd, .events = -1,
				.mappings = map_fd(&e, "mappings"),
				.port_owner = map_fd(&e, "port_owner"),
				.port_bitmap = map_fd(&e, "port_bitmap"),
				.peers = map_fd(&e, "peers"),
				.host_flows = map_fd(&e, "host_flows") }), 0, "sweeper");
	ok = ok && ASSERT_EQ(send_out(&e, &p), 40000, "flow 1");
	/* flow 1 ages: it alone is past its timeout at the sweep */
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(e.flows_fd, &k1, &f), 0, "flow 1 entry");
	f.last_seen_ns = 1;
	ok = ok && ASSERT_EQ(bpf_map_update_elem(e.flows_fd, &k1, &f, BPF_EXIST), 0, "age it");
	p.daddr = INET2;
	ok = ok && ASSERT_EQ(send_out(&e, &p), 40000, "flow 2, the same mapping");
	ok = ok && mapping_is(&e, WEB1, 40000, IPPROTO_UDP, 40000, 2);
	/* its deadline: last seen, the 1 s timeout and the last-seen grain */
	ok = ok && ASSERT_EQ(sweep_all(&e, sw, f.last_seen_ns + 1000000000ull +
						   XDPGW_LAST_SEEN_GRAIN_NS), 1,
			     "the sweep expires flow 1");
	ok = ok && mapping_is(&e, WEB1, 40000, IPPROTO_UDP, 40000, 1);
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(map_fd(&e, "port_bitmap"), &word, &bits), 0,
			     "bitmap word") &&
	     ASSERT_TRUE(bits & (1ull << (40000 % 64)), "port still marked taken");
	ok = ok && ASSERT_EQ(sweep_all(&e, sw, ~0ull >> 1), 1, "the sweep expires flow 2");
	ok = ok && ASSERT_EQ(bpf_map_lookup_elem(map_fd(&e, "mappings"), &ep, &m), -ENOENT,
			     "mapping gone") &&
	     ASSERT_EQ(bpf_map_lookup_elem(map_fd(&e, "port_owner"), &slot, &owner), 0,
		       "port owner slot") &&
	     ASSERT_EQ(owner, 0, "port owner gone") &&
	     ASSERT_EQ(bpf_map_lookup_elem(map_fd(&e, "port_bitmap"), &word, &bits), 0,
		       "bitmap word") &&
	     ASSERT_TRUE(!(bits & (1ull << (40000 % 64))), "port marked free");
	p.saddr = WEB2; /* another host may now have 40000 */
	ok = ok && ASSERT_EQ(send_out(&e, &p), 40000, "port free for another host");
	report(ok);
	sweeper_close(sw);
	env_close(&e);
}

/*
 * The way many hosts with the same ephemeral ports fill a range: HOSTS
 * hosts each open a mapping from the same source ports, which lie in the
 * range, until 90 % of it is taken. At that occupancy, STEADY more hosts
 * with those ports come and go (each mapping expired by the sweep right
 * after it is made): fewer than 0.1 % of them may be refused. Then the
 * rest of the range fills with no refusal while a port is free. Prints the
 * cost per new mapping and how often the bitmap scan was needed, which is
 * how often random probes alone would have refused.
 */
#define FILL_LO 20000
#define FILL_PORTS 4096
#define HOSTS 20
#define STEADY 4000

static struct pkt_spec fill_spec(char *addr, int host, uint16_t sport)
{
	struct pkt_spec p = OUT_PKT(addr, sport, INET, 443, IPPROTO_UDP);

	snprintf(addr, 32, "10.100.20.%d", host); /* host < 256: in INTERNAL */
	return p;
}

static bool fill_one(struct env *e, int host, uint16_t sport, double *ns)
{
	char addr[32];
	struct pkt_spec p = fill_spec(addr, host, sport);
	uint8_t frame[PKT_MAX];
	size_t len;
	double d;

	len = pkt_build(&p, frame);
	d = prog_cost(e->fd[TC], frame, len, 1, false, 0);
	*ns += d > 0 ? d : 0;
	return d >= 0;
}

/* The flow fill_one made, expired by the sweep's kernel half. */
static bool fill_expire(struct env *e, struct sweeper *sw, int host, uint16_t sport)
{
	char addr[32];
	struct nat_tuple k;
	struct nat_flow f;

	fill_spec(addr, host, sport);
	k = tuple(addr, sport, INET, 443, IPPROTO_UDP);
	if (bpf_map_lookup_elem(e->flows_fd, &k, &f))
		return true; /* refused: nothing to expire */
	return sweeper_expire(sw, &k, f.last_seen_ns) >= 0 && sweeper_flush(sw) > 0;
}

static void fill_print(struct env *e, const char *what, int attempts, __u64 refused0,
		       __u64 fallback0, double ns)
{
	printf("     %s: %d attempts, %llu refused, %llu found by the bitmap scan "
	       "(%.2f %%, refused by random probes alone), %.0f ns per attempt\n",
	       what, attempts,
	       (unsigned long long)(stat_total(e, STAT_DROP_NO_PORT) - refused0),
	       (unsigned long long)(stat_total(e, STAT_PORT_FALLBACK) - fallback0),
	       100.0 * (stat_total(e, STAT_PORT_FALLBACK) - fallback0) / attempts,
	       ns / attempts);
}

static void test_fill(void)
{
	const int per_host = FILL_PORTS * 9 / 10 / HOSTS; /* 184: 3680 of 4096 */
	struct sweeper *sw = NULL;
	__u64 made, refused, fallback;
	char ports[32];
	double ns = 0;
	struct env e;
	int h, i;
	bool ok;

	test_name = "fill to 90 % of a 4096-port range, 20 hosts with the same ports";
	snprintf(ports, sizeof(ports), "%d-%d", FILL_LO, FILL_LO + FILL_PORTS - 1);
	ok = ASSERT_EQ(env_open(&e, ports, 16384, 0, 0), 0, "load") &&
	     ASSERT_EQ(sweeper_open_maps(&sw, &(struct sweep_maps){
				.flows = e.flows_fd, .rev = e.rev_fd, .events = -1,
				.mappings = map_fd(&e, "mappings"),
				.port_owner = map_fd(&e, "port_owner"),
				.port_bitmap = map_fd(&e, "port_bitmap"),
				.peers = map_fd(&e, "peers"),
				.host_flows = map_fd(&e, "host_flows") }), 0, "sweeper");
	for (h = 0; h < HOSTS && ok; h++)
		for (i = 0; i < per_host && ok; i++)
			ok = fill_one(&e, h, FILL_LO + i, &ns);
	fill_print(&e, "filling to 90 %", HOSTS * per_host, 0, 0, ns);
	made = stat_total(&e, STAT_OUT_NEW_FLOW);
	refused = stat_total(&e, STAT_DROP_NO_PORT);
	ok = ok && ASSERT_EQ(made + refused, HOSTS * per_host, "every attempt counted once") &&
	     ASSERT_TRUE(refused * 1000 < made, "fewer than 0.1 % refused");
	report(ok);

	test_name = "at 90 % occupancy: fewer than 0.1 % of new mappings refused";
	fallback = stat_total(&e, STAT_PORT_FALLBACK);
	ns = 0;
	for (i = 0; i < STEADY && ok; i++) {
		h = HOSTS + i / per_host; /* more hosts, the same ports */
		ok = fill_one(&e, h, FILL_LO + i % per_host, &ns) &&
		     ASSERT_TRUE(fill_expire(&e, sw, h, FILL_LO + i % per_host), "expire");
	}
	fill_print(&e, "at 90 %", STEADY, refused, fallback, ns);
	ok = ok && ASSERT_EQ(map_count(map_fd(&e, "mappings")), HOSTS * per_host,
			     "occupancy held") &&
	     ASSERT_TRUE((stat_total(&e, STAT_DROP_NO_PORT) - refused) * 1000 < STEADY,
			 "fewer than 0.1 % refused");
	report(ok);

	test_name = "fill the rest: every free port is found, then refusal";
	refused = stat_total(&e, STAT_DROP_NO_PORT);
	fallback = stat_total(&e, STAT_PORT_FALLBACK);
	ns = 0;
	for (i = 0; ok && map_count(map_fd(&e, "mappings")) < FILL_PORTS &&
		    i < FILL_PORTS; i++)
		ok = fill_one(&e, 250, 1 + i, &ns); /* one host, ports outside the range */
	fill_print(&e, "90 % to 100 %", i, refused, fallback, ns);
	ok = ok && ASSERT_EQ(map_count(map_fd(&e, "mappings")), FILL_PORTS, "all ports mapped") &&
	     ASSERT_EQ(owned_ports(&e), FILL_PORTS, "all ports owned") &&
	     ASSERT_EQ(stat_total(&e, STAT_DROP_NO_PORT), refused, "no refusal on the way");
	ok = ok && fill_one(&e, 251, 4242, &ns) &&
	     ASSERT_EQ(stat_total(&e, STAT_DROP_NO_PORT), refused + 1, "full: refused");
	report(ok);
	sweeper_close(sw);
	env_close(&e);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return KSFT_SKIP;
	}
	log_setup_libs();
	test_endpoint_independent();
	test_parity_contiguity();
	test_filtering();
	test_sweep_release();
	test_fill();
	printf("test_bpf_mapping: %d failed\n", test_failures);
	return test_failures ? 1 : 0;
}
