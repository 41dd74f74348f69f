/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the BPF programs and the userspace daemon: the NAT table's
 * keys and values, the counter indexes and the names maps are pinned under.
 * Defined once here; fixed-width types; byte order stated per field.
 *
 * Included from BPF (after vmlinux.h) and from userspace, so only
 * __u8/__u16/__u32/__u64/__be* types appear here.
 */
#ifndef XDPGW_H
#define XDPGW_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Names the maps are pinned under, in <pin-root>/<netns>/<ifname>/. */
#define XDPGW_MAP_FLOWS "flows"
#define XDPGW_MAP_REV "rev"
#define XDPGW_MAP_STATS "stats"
#define XDPGW_MAP_SETTINGS "settings"
#define XDPGW_MAP_EVENTS "events"
#define XDPGW_MAP_FRAGS "frags"
#define XDPGW_FRAGS_MAX 8192
#define XDPGW_EVENTS_BYTES (256 * 1024) /* ring buffer size, a power of 2 */

#define XDPGW_DEFAULT_MAX_FLOWS 262144
#define XDPGW_DEFAULT_PORT_MIN 1024
#define XDPGW_DEFAULT_PORT_MAX 65535

/*
 * A connection as it appears on the wire in one direction. Used as the key
 * of both NAT maps:
 *  - flows: the outbound packet's tuple, internal host -> remote host,
 *    before translation;
 *  - rev:   the inbound reply's tuple, remote host -> external address,
 *    before translation. Owning a rev entry is what owns an external port.
 */
struct nat_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP (echo: the
		     * identifier stands where a port would) */
	__u8 pad[3]; /* zero: keys are compared bytewise */
};

/* Value of the flows map: how the outbound direction is rewritten, and what
 * was seen of the flow. Counters are updated with atomic adds.
 */
struct nat_flow {
	__be32 ext_addr; /* source address written on the way out */
	union {
		struct {
			__be16 ext_port; /* source port written on the way out */
			__u8 state; /* enum flow_state */
			__u8 pad;
		};
		/* The three above as one word: a state change is a
		 * compare-and-swap of it (a FIN each way can meet on two CPUs).
		 */
		__u32 port_state;
	};
	__u64 created_ns; /* CLOCK_MONOTONIC (coarse) at creation */
	__u64 last_seen_ns; /* either direction, CLOCK_MONOTONIC (coarse) */
	__u64 packets_out;
	__u64 bytes_out; /* IP total length, outbound */
	__u64 packets_in;
	__u64 bytes_in;
};

/* The tuple of a flow's replies (the rev key): remote -> external address
 * and port. Built the same way by the programs and by the daemon's sweep.
 */
static inline struct nat_tuple nat_reply_tuple(const struct nat_tuple *out,
					       __be32 ext_addr, __be16 ext_port)
{
	struct nat_tuple r = {
		.saddr = out->daddr,
		.daddr = ext_addr,
		.sport = out->dport,
		.dport = ext_port,
		.proto = out->proto,
	};

	return r;
}

/*
 * Where a flow is in its life, from the packets seen both ways. The daemon
 * expires a flow when it has been idle for its state's timeout.
 */
enum flow_state {
	FLOW_TCP_SYN_SENT = 1, /* SYN out, no answer yet */
	FLOW_TCP_SYN_RECV, /* SYN-ACK in */
	FLOW_TCP_ESTABLISHED, /* handshake done (or picked up mid-stream) */
	FLOW_TCP_FIN_OUT, /* FIN from the internal host */
	FLOW_TCP_FIN_IN, /* FIN from the remote host */
	FLOW_TCP_TIME_WAIT, /* FIN both ways */
	FLOW_TCP_CLOSED, /* RST either way */
	FLOW_UDP_UNREPLIED, /* UDP, nothing came back yet */
	FLOW_UDP_ASSURED, /* UDP, a reply came back */
	FLOW_ICMP_ECHO, /* ICMP echo: the identifier is the flow's "port" */
	FLOW_STATE__MAX,
};

/*
 * The value of the settings map (one entry), written by `xdpgw run`: idle
 * timeouts, read by the sweep and by `xdpgw flows`; and the translation the
 * programs were loaded with, so that a later `run` adopting a kept instance
 * can check it asks for the same.
 */
struct xdpgw_config {
	__u32 timeout[FLOW_STATE__MAX]; /* seconds, indexed by enum flow_state */
	__be32 internal_net;
	__be32 internal_mask;
	__be32 ext_addr;
	__u16 port_min; /* host order */
	__u16 port_max;
	__u32 max_flows;
	__u8 owns_clsact; /* xdpgw created the clsact qdisc: remove it at the end */
	__u8 pad[3];
	/* The fast path's internal interface (its XDP program is part of the
	 * instance); 0 when the instance runs without the fast path.
	 */
	__u32 internal_ifindex;
	/* The interface the internal prefix is routed to: packets forwarded
	 * from it must come from the internal prefix (BCP 38); 0 when
	 * `--no-anti-spoof`.
	 */
	__u32 anti_spoof_ifindex;
	/* 1 with `--route-inbound`: packets from outside to the internal
	 * prefix are routed in as by the stack; 0: dropped (the default).
	 */
	__u8 route_inbound;
	__u8 pad2[3];
};

/* What `xdpgw watch` is told, through the events ring buffer. */
enum flow_event_type {
	FLOW_EV_NEW = 1, /* a flow was created */
	FLOW_EV_STATE, /* its state changed (to event.state) */
	FLOW_EV_EXPIRED, /* the sweep removed it */
	FLOW_EV_REFUSED, /* no flow could be made (event.reason: a STAT_DROP_*) */
};

struct flow_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	struct nat_tuple orig; /* internal -> remote, before translation */
	__be32 ext_addr; /* after translation (0 when refused) */
	__be16 ext_port;
	__u8 type; /* enum flow_event_type */
	__u8 state; /* enum flow_state, after the event */
	__u32 reason; /* enum xdpgw_stat, for FLOW_EV_REFUSED */
	__u32 pad;
};

/* A fragmented datagram whose first fragment was translated, as it is on
 * the wire before translation: the key of the frags map. Inbound keys have
 * the external address as daddr, outbound ones an internal saddr.
 */
struct frag_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id; /* IP identification */
	__u8 proto;
	__u8 pad;
};

/* The value of the frags map: where the datagram's first fragment was
 * translated to, and which parts of the datagram went through, in 8-byte
 * units ([start, end), adjacent parts joined), to find overlaps. seen[i]
 * with start == end is unused. Removed once the datagram is whole; an entry
 * older than XDPGW_FRAG_TIMEOUT_S (the kernel's ipfrag_time) is forgotten.
 */
#define XDPGW_FRAG_RANGES 8
#define XDPGW_FRAG_TIMEOUT_S 30
struct frag_state {
	__be32 addr; /* inbound: the internal host; outbound: the external address */
	__u8 dead; /* an overlap was seen: the rest of the datagram is dropped */
	__u8 last_in; /* the last fragment (MF clear) went through */
	__u16 total; /* with last_in: the datagram's length, 8-byte units */
	__u64 first_ns; /* CLOCK_MONOTONIC (coarse) of the first fragment */
	struct {
		__u16 start;
		__u16 end;
	} seen[XDPGW_FRAG_RANGES];
};

/* Expired flows are handed to the kernel in batches of this many. */
#define XDPGW_SWEEP_BATCH 4096

/* A flow the daemon's scan found expired, for the expire program: it is
 * deleted only if its last_seen_ns is still this (no packet since).
 */
struct sweep_candidate {
	struct nat_tuple key;
	__u64 last_seen_ns;
};

/* Value of the rev map: the flows key of the same connection, i.e. the
 * internal address and port an inbound reply is written back to.
 */
struct nat_rev {
	struct nat_tuple orig;
};

/*
 * Global counters: one per-CPU array slot each. Every packet the programs
 * see bumps exactly one outcome counter (STAT_EXPIRED, kept by the daemon,
 * counts flows; STAT_ICMP_PROHIBITED counts errors sent, in addition to a
 * drop_no_port); userspace sums over CPUs.
 * Malformed packets are counted by kind; on egress one from the internal
 * prefix is dropped, anything else malformed passes untouched.
 */
enum xdpgw_stat {
	STAT_OUT_TRANSLATED, /* egress: source rewritten */
	STAT_OUT_NEW_FLOW, /* egress: a flow was created (also translated) */
	STAT_OUT_PASS, /* egress: not from the internal prefix, untouched */
	STAT_IN_TRANSLATED, /* ingress: destination rewritten, left to the stack */
	STAT_IN_PASS, /* ingress: not for the external address, or not TCP/UDP */
	STAT_IN_NO_FLOW, /* ingress: TCP/UDP/echo reply to the external
			  * address of no flow, or an ICMP error about a
			  * packet of the gateway's own sockets (passed) */
	STAT_IN_ICMP_ERROR, /* ingress: ICMP error about a flow, translated */
	STAT_DROP_NO_PORT, /* egress: no free external port */
	STAT_DROP_TABLE_FULL, /* egress: flow table full */
	STAT_DROP_UNSUPPORTED, /* egress: internal source, protocol not NATed
				* (also ICMP other than echo requests and
				* errors, and its later fragments) */
	STAT_OUT_FRAGMENT, /* egress: a later fragment, source rewritten */
	STAT_IN_FRAGMENT, /* ingress: a later fragment, destination rewritten */
	STAT_IN_FRAGMENT_EARLY, /* ingress: a later fragment before its first
				 * one (or of no flow): passed untouched */
	STAT_MALFORMED_ETH, /* frame shorter than an Ethernet header */
	STAT_MALFORMED_IP, /* truncated IPv4, IHL < 5 or beyond packet,
			    * total length beyond the frame or < IHL */
	STAT_MALFORMED_L4, /* truncated TCP/UDP header, bad data offset
			    * or UDP length */
	STAT_ERROR, /* a helper failed on a packet that was valid */
	STAT_DROP_ICMP_NO_FLOW, /* ingress: ICMP error about a packet of no flow
				 * and no local socket (dropped) */
	STAT_FAST_OUT, /* internal XDP: translated and redirected out (fast path) */
	STAT_SLOW_OUT, /* internal XDP: left to the stack (new flow, not yet
			* established, TTL <= 1, no route or neighbour, ...) */
	STAT_FAST_IN, /* external XDP: translated and redirected in (fast path) */
	STAT_EXPIRED, /* flows removed by the daemon's sweep (not a packet) */
	STAT_ICMP_PROHIBITED, /* ICMP "administratively prohibited" sent back
			       * for a drop_no_port (RFC 5508; rate-limited;
			       * an addition, not a packet's outcome) */
	STAT_OUT_ICMP_ERROR, /* egress: ICMP error from inside about a flow,
			      * translated (RFC 5508) */
	STAT_DROP_OUT_ICMP_NO_FLOW, /* egress: ICMP error from inside about a
				     * packet of no flow (or to another host
				     * than the flow's remote) */
	STAT_DROP_OUT_ICMP_RATE, /* egress: such an error over the rate limit
				  * (of icmp_prohibited.h: 100/s per CPU) */
	STAT_DROP_INBOUND, /* ingress: from outside to the internal prefix,
			    * unsolicited (no mapping covers it); not with
			    * --route-inbound */
	STAT_DROP_SPOOFED, /* egress: forwarded from the internal interface
			    * with a source outside the internal prefix
			    * (BCP 38); not with --no-anti-spoof */
	STAT_DROP_FRAG_NO_FIRST, /* egress: a later fragment from inside whose
				  * first fragment was not translated (dropped,
				  * not seen yet, or forgotten) */
	STAT_DROP_FRAG_OVERLAP, /* either way: a fragment overlapping (or
				 * repeating) one before it, and the rest of
				 * that datagram; also one of a datagram in
				 * more than XDPGW_FRAG_RANGES separate runs */
	STAT__MAX,
};

#ifndef __VMLINUX_H__
/* Names for `xdpgw flows` and the --timeout option; by enum flow_state. */
static const char *const flow_state_names[FLOW_STATE__MAX] __attribute__((unused)) = {
	[FLOW_TCP_SYN_SENT] = "syn_sent",
	[FLOW_TCP_SYN_RECV] = "syn_recv",
	[FLOW_TCP_ESTABLISHED] = "established",
	[FLOW_TCP_FIN_OUT] = "fin_out",
	[FLOW_TCP_FIN_IN] = "fin_in",
	[FLOW_TCP_TIME_WAIT] = "time_wait",
	[FLOW_TCP_CLOSED] = "closed",
	[FLOW_UDP_UNREPLIED] = "udp_unreplied",
	[FLOW_UDP_ASSURED] = "udp_assured",
	[FLOW_ICMP_ECHO] = "icmp_echo",
};
#endif

#ifndef BPF_NO_STAT_NAMES
/* Printed by `xdpgw stats`; indexed by enum xdpgw_stat. */
static const char *const xdpgw_stat_names[STAT__MAX] __attribute__((unused)) = {
	[STAT_OUT_TRANSLATED] = "out_translated",
	[STAT_OUT_NEW_FLOW] = "out_new_flow",
	[STAT_OUT_PASS] = "out_pass",
	[STAT_IN_TRANSLATED] = "in_translated",
	[STAT_IN_PASS] = "in_pass",
	[STAT_IN_NO_FLOW] = "in_no_flow",
	[STAT_IN_ICMP_ERROR] = "in_icmp_error",
	[STAT_DROP_NO_PORT] = "drop_no_port",
	[STAT_DROP_TABLE_FULL] = "drop_table_full",
	[STAT_DROP_UNSUPPORTED] = "drop_unsupported_proto",
	[STAT_OUT_FRAGMENT] = "out_fragment",
	[STAT_IN_FRAGMENT] = "in_fragment",
	[STAT_IN_FRAGMENT_EARLY] = "in_fragment_early",
	[STAT_MALFORMED_ETH] = "malformed_eth",
	[STAT_MALFORMED_IP] = "malformed_ip",
	[STAT_MALFORMED_L4] = "malformed_l4",
	[STAT_ERROR] = "error",
	[STAT_DROP_ICMP_NO_FLOW] = "drop_icmp_no_flow",
	[STAT_FAST_OUT] = "fast_out",
	[STAT_SLOW_OUT] = "slow_out",
	[STAT_FAST_IN] = "fast_in",
	[STAT_EXPIRED] = "expired",
	[STAT_ICMP_PROHIBITED] = "icmp_prohibited",
	[STAT_OUT_ICMP_ERROR] = "out_icmp_error",
	[STAT_DROP_OUT_ICMP_NO_FLOW] = "drop_out_icmp_no_flow",
	[STAT_DROP_OUT_ICMP_RATE] = "drop_out_icmp_rate",
	[STAT_DROP_INBOUND] = "drop_inbound",
	[STAT_DROP_SPOOFED] = "drop_spoofed",
	[STAT_DROP_FRAG_NO_FIRST] = "drop_frag_no_first",
	[STAT_DROP_FRAG_OVERLAP] = "drop_frag_overlap",
};
#endif

_Static_assert(sizeof(struct nat_tuple) == 16, "nat_tuple is a 16-byte key");
_Static_assert(sizeof(struct nat_flow) == 56, "nat_flow layout");
_Static_assert(sizeof(struct nat_rev) == 16, "nat_rev layout");
_Static_assert(sizeof(struct sweep_candidate) == 24, "sweep_candidate layout");
_Static_assert(sizeof(struct flow_event) == 40, "flow_event layout");
_Static_assert(sizeof(struct frag_key) == 12, "frag_key layout");
_Static_assert(sizeof(struct frag_state) == 16 + 4 * XDPGW_FRAG_RANGES, "frag_state layout");
_Static_assert(sizeof(struct xdpgw_config) == 4 * FLOW_STATE__MAX + 36, "config layout");

#endif /* XDPGW_H */
