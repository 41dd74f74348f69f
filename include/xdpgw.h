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
#define XDPGW_MAP_HOST_FLOWS "host_flows"
#define XDPGW_FRAGS_MAX 8192
#define XDPGW_MAP_MAPPINGS "mappings"
#define XDPGW_MAP_PORT_OWNER "port_owner"
#define XDPGW_MAP_PORT_BITMAP "port_bitmap"
#define XDPGW_MAP_PEERS "peers"
#define XDPGW_MAP_PUBLIC_ADDRS "public_addrs"
#define XDPGW_MAP_FORWARDS "forwards"
#define XDPGW_MAP_HOST_PUBLIC "host_public"
#define XDPGW_PUBLIC_MAX 4096 /* entries of public_addrs and of host_public */
#define XDPGW_FORWARDS_MAX 65536 /* forwarded ports, all addresses */
#define XDPGW_MAP_EXPIRY_LANE "expiry_lane"
/* The expiry lane's horizon: a flow whose deadline is at most this far off
 * is in the lane (checked every second); the daemon's scan of the whole
 * table takes at most half of it (bpf/expiry.h, user/expiry.h).
 */
#define XDPGW_EXPIRY_LANE_S 120

/* A flow's last_seen_ns is stored at most once per this much time (plain
 * store, bpf/flow_state.h), so it may be this much behind the flow's last
 * packet: every idle deadline adds it, and a flow used within its timeout
 * is never removed.
 */
#define XDPGW_LAST_SEEN_GRAIN_NS 50000000ull
#define XDPGW_EVENTS_BYTES (256 * 1024) /* ring buffer size, a power of 2 */

#define XDPGW_DEFAULT_MAX_FLOWS 262144
#define XDPGW_DEFAULT_PORT_MIN 1024
#define XDPGW_DEFAULT_PORT_MAX 65535

/*
 * An address or port field in network order, with a byte view beside it:
 * `bpftool map dump` prints every member of a union, so an address reads
 * [10,100,20,57] and a port its two bytes, high first ([136,132] is
 * 136 * 256 + 132 = 34948). The code uses the word; the bytes cost nothing.
 */
#define XDPGW_ADDR(name)                                                       \
	union {                                                                \
		__be32 name;                                                   \
		__u8 name##_bytes[4];                                          \
	}
#define XDPGW_PORT(name)                                                       \
	union {                                                                \
		__be16 name;                                                   \
		__u8 name##_bytes[2];                                          \
	}

/*
 * A connection as it appears on the wire in one direction. Used as the key
 * of both NAT maps:
 *  - flows: the outbound packet's tuple, internal host -> remote host,
 *    before translation;
 *  - rev:   the inbound reply's tuple, remote host -> external address,
 *    before translation. Owning a rev entry is what owns an external port.
 */
struct nat_tuple {
	XDPGW_ADDR(saddr);
	XDPGW_ADDR(daddr);
	XDPGW_PORT(sport);
	XDPGW_PORT(dport);
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP (echo: the
		     * identifier stands where a port would) */
	__u8 pad[3]; /* zero: keys are compared bytewise */
};

/* What one side of a TCP connection has sent, as netfilter's conntrack
 * keeps it (struct ip_ct_tcp_state): sequence numbers in host order.
 */
struct tcp_dir {
	__u32 end; /* highest seq + len it sent */
	__u32 maxend; /* highest seq it may send: the other side's ack + window */
	__u32 maxwin; /* largest window it advertised (scaled); 0: not seen yet */
};

#define TCP_WSCALE_UNKNOWN 15 /* a wscale nibble: picked up mid-stream */

/* Value of the flows map: how the outbound direction is rewritten, and what
 * was seen of the flow. Counters are plain adds (no locked instruction),
 * last_seen_ns is stored at most once per XDPGW_LAST_SEEN_GRAIN_NS
 * (bpf/flow_state.h says how precise that is).
 */
struct nat_flow {
	XDPGW_ADDR(ext_addr); /* source address written on the way out */
	union {
		struct {
			XDPGW_PORT(ext_port); /* source port written on the way out */
			__u8 state; /* enum flow_state */
			/* TCP: the window scale shift of each direction's
			 * sender (low nibble: the internal host, high: the
			 * remote); TCP_WSCALE_UNKNOWN when picked up
			 * mid-stream.
			 */
			__u8 wscale;
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
	/* TCP window tracking (bpf/tcp_window.h); [0]: what the internal
	 * host sends, [1]: what the remote host sends.
	 */
	struct tcp_dir tcp[2];
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
	FLOW_TCP_PICKUP, /* TCP made by anything but a SYN, no reply yet */
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
	__u8 filtering; /* enum nat_filtering */
	__u8 pad[2];
	/* The fast path's internal interface (its XDP program is part of the
	 * instance); 0 when the instance runs without the fast path.
	 */
	__u32 internal_ifindex;
	/* Flows one internal address may hold at once (--max-flows-per-host). */
	__u32 max_flows_per_host;
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

/* Value of the host_flows map (key: an internal address): its flows. */
struct host_flows {
	__u32 count;
	__u32 pad;
	__u64 refused_ns; /* when `watch` was last told of a refusal */
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
	/* reason STAT_IN_FILTER_DROP: the filter rule that dropped the
	 * packet, numbered from 1 as `xdpgw filter list` shows it; 0 for the
	 * default policy. orig is then the inbound packet's tuple (remote ->
	 * the address it was sent to), ext_addr and ext_port 0.
	 */
	__u32 rule;
};

/* A fragmented datagram whose first fragment was translated, as it is on
 * the wire before translation: the key of the frags map. Inbound keys have
 * the external address as daddr, outbound ones an internal saddr.
 */
struct frag_key {
	XDPGW_ADDR(saddr);
	XDPGW_ADDR(daddr);
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
	STAT_DROP_TCP_OUT_OF_WINDOW, /* TCP of a known flow outside the
				      * window (or a SYN it did not ask for):
				      * dropped, the flow unchanged */
	STAT_DROP_HOST_LIMIT, /* egress: the internal host holds
			       * --max-flows-per-host flows already */
	STAT_IN_NEW_FLOW, /* ingress: TCP/UDP to a mapped port from a new
			   * remote endpoint the filtering mode lets in: a
			   * flow was created (also translated) */
	STAT_IN_FILTERED, /* ingress: TCP/UDP to a mapped port from a remote
			   * endpoint the filtering mode refuses (dropped) */
	STAT_PORT_FALLBACK, /* a new mapping's port found by the bitmap scan
			     * after the random probes missed (an addition,
			     * not a packet's outcome) */
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
	STAT_IN_FILTER_DROP, /* ingress: a packet of no flow to the gateway's
			      * own, a forwarded or a static address that
			      * the filter table drops (a rule or the default;
			      * allowed ones keep their outcome) */
	STAT_IN_FORWARD_NEW, /* ingress: first packet to a forwarded port: a
			      * flow was created (also translated) */
	STAT_IN_STATIC_NEW, /* ingress: first TCP/UDP packet to a static
			     * address: a flow was created (also translated) */
	STAT_IN_STATIC, /* ingress: to a static address, no TCP/UDP/echo
			 * flow (other protocols, pings): the destination
			 * rewritten without a flow */
	STAT_OUT_STATIC, /* egress: from a static host, no TCP/UDP/echo
			  * flow (other protocols, echo replies): the source
			  * rewritten without a flow */
	STAT_DROP_IN_NOT_SYN, /* ingress: TCP other than a SYN to a forwarded
			       * port or static address, of no flow */
	STAT_DROP_IN_RULE, /* ingress: a new forwarded/static flow the
			    * inbound filter refused */
	STAT_POOL_FALLBACK, /* a host found no free pool address: its flow
			     * went through NAPT (an addition, not a
			     * packet's outcome) */
	STAT_ARP_REPLY, /* ingress: an ARP request for a public address
			 * xdpgw owns, answered (XDP_TX) */
	STAT_RULE_FLOWS_ENDED, /* flows ended by deleting their forward,
				* static or pool rule (kept by userspace,
				* not a packet) */
	STAT_DROP_PUBLIC_NO_FLOW, /* ingress: to a forward or pool address
				   * (not the external one), of no flow and
				   * no rule */
	STAT_HAIRPIN_NEW, /* internal tc ingress: first packet from inside to
			   * a forwarded port or static address of this
			   * gateway: a hairpin flow made, sent to the server */
	STAT_HAIRPIN_TO_SERVER, /* internal tc ingress: a hairpin client's
				 * packet, sent to the server from the
				 * gateway's inside address */
	STAT_HAIRPIN_TO_CLIENT, /* internal tc ingress: a server's answer to
				 * the inside address, sent to the hairpin
				 * client from the public address */
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
	[FLOW_TCP_PICKUP] = "tcp_pickup",
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
	[STAT_DROP_TCP_OUT_OF_WINDOW] = "drop_tcp_out_of_window",
	[STAT_DROP_HOST_LIMIT] = "drop_host_limit",
	[STAT_IN_NEW_FLOW] = "in_new_flow",
	[STAT_IN_FILTERED] = "in_filtered",
	[STAT_PORT_FALLBACK] = "port_fallback",
	[STAT_OUT_ICMP_ERROR] = "out_icmp_error",
	[STAT_DROP_OUT_ICMP_NO_FLOW] = "drop_out_icmp_no_flow",
	[STAT_DROP_OUT_ICMP_RATE] = "drop_out_icmp_rate",
	[STAT_DROP_INBOUND] = "drop_inbound",
	[STAT_DROP_SPOOFED] = "drop_spoofed",
	[STAT_DROP_FRAG_NO_FIRST] = "drop_frag_no_first",
	[STAT_DROP_FRAG_OVERLAP] = "drop_frag_overlap",
	[STAT_IN_FILTER_DROP] = "in_filter_drop",
	[STAT_IN_FORWARD_NEW] = "in_forward_new",
	[STAT_IN_STATIC_NEW] = "in_static_new",
	[STAT_IN_STATIC] = "in_static",
	[STAT_OUT_STATIC] = "out_static",
	[STAT_DROP_IN_NOT_SYN] = "drop_in_not_syn",
	[STAT_DROP_IN_RULE] = "drop_in_rule",
	[STAT_POOL_FALLBACK] = "pool_fallback",
	[STAT_ARP_REPLY] = "arp_reply",
	[STAT_RULE_FLOWS_ENDED] = "rule_flows_ended",
	[STAT_DROP_PUBLIC_NO_FLOW] = "drop_public_no_flow",
	[STAT_HAIRPIN_NEW] = "hairpin_new",
	[STAT_HAIRPIN_TO_SERVER] = "hairpin_to_server",
	[STAT_HAIRPIN_TO_CLIENT] = "hairpin_to_client",
};
#endif

/*
 * The fast path's switch, per direction: map XDPGW_MAP_FAST_DIRS, an array
 * indexed by enum fast_dir whose value is an enum fast_state. The XDP
 * programs redirect only in a direction that is FAST_STATE_ON; the daemon
 * turns a direction off while its egress interface cannot take redirected
 * frames (a veth whose peer has no NAPI), and on again, without a reload.
 * 0 (FAST_STATE_UNSET) is off: nothing is redirected before the daemon
 * has looked.
 */
#define XDPGW_MAP_FAST_DIRS "fast_dirs"

enum fast_dir {
	FAST_DIR_OUT, /* internal -> external: redirected into the external interface */
	FAST_DIR_IN, /* external -> internal: redirected into the internal interface */
	FAST_DIR__MAX,
};

enum fast_state {
	FAST_STATE_UNSET, /* off: not decided yet */
	FAST_STATE_ON,
	FAST_STATE_OFF_PEER, /* off: the egress is a veth whose peer has no NAPI */
	FAST_STATE_OFF_DROPS, /* off: redirected frames were dropped */
	FAST_STATE__MAX,
};

/*
 * Endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 REQ-1): one
 * external port per internal endpoint (protocol, address, port or echo
 * identifier), whatever the destination. The key of the mappings map and,
 * as one word, the value of port_owner.
 */
struct nat_endpoint {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad; /* zero: keys are compared bytewise */
};

/* Value of the mappings map. refs counts the flows using the mapping; 0
 * means it is being freed and nobody may take a reference again.
 */
struct nat_mapping {
	__be16 ext_port;
	__u16 pad;
	__u32 refs;
};

/* Key of the peers map (address-dependent filtering only): a remote address
 * a mapping has sent to; the value counts the flows between them.
 */
struct nat_peer_key {
	__be32 remote;
	__be16 ext_port;
	__u8 proto;
	__u8 pad;
};

/* Which inbound packets to a mapped port, of no flow yet, are let in and
 * make a flow (RFC 4787 REQ-8, RFC 5382 REQ-3). 0 is the default.
 */
enum nat_filtering {
	FILTER_ADDRESS_PORT_DEPENDENT, /* only replies from where a flow went */
	FILTER_ADDRESS_DEPENDENT, /* from any port of an address sent to */
	FILTER_ENDPOINT_INDEPENDENT, /* from anywhere */
	FILTER__MAX,
};

/* port_owner: a slot per external port and protocol, at block * 65536 +
 * port (host order), the blocks TCP, UDP, ICMP echo; its value the owning
 * nat_endpoint as one word, 0 when the port is free. A compare-and-swap
 * from 0 claims a port for one mapping (no port overloading, REQ-3).
 * port_bitmap: the same ports a bit each, 64 a word, for the allocator.
 */
#define XDPGW_PORT_SLOTS (3 * 65536)
#define XDPGW_PORT_WORDS (65536 / 64)
#define XDPGW_PORT_BITMAP_WORDS (3 * XDPGW_PORT_WORDS)

/* The port_owner slot of a port (host order) of a protocol. */
static inline __u32 xdpgw_port_slot(__u8 proto, __u32 port)
{
	return (proto == 6 /* TCP */ ? 0 : proto == 17 /* UDP */ ? 1 : 2) * 65536 + port;
}

/*
 * The inbound filter table (`xdpgw filter`, bpf/inbound_filter.h): rules
 * `allow|drop PROTO [PORT[-PORT]] [to ADDR] [from PREFIX]`, first match
 * wins, else the default policy. Evaluated as a bit-vector classifier: per
 * dimension (protocol and destination port, destination address, source
 * prefix) one lookup gives the bitmap of the rules that match in that
 * dimension, bit i for the i-th rule; the lowest bit set in the AND of the
 * three is the first rule that matches. Userspace compiles the ordered list
 * into two generations of the maps and switches filter_ctl between them.
 */
#define XDPGW_MAP_FILTER_CTL "filter_ctl"
#define XDPGW_MAP_FILTER_META "filter_meta"
#define XDPGW_MAP_FILTER_RULES "filter_rules"
#define XDPGW_MAP_FILTER_PORT_CLASS "filter_port_class"
#define XDPGW_MAP_FILTER_PORT_BITS "filter_port_bits"
#define XDPGW_MAP_FILTER_DST "filter_dst"
#define XDPGW_MAP_FILTER_SRC "filter_src"
#define XDPGW_MAP_FILTER_COUNTS "filter_counts"

#define XDPGW_FILTER_RULES_MAX 1024
#define XDPGW_FILTER_WORDS (XDPGW_FILTER_RULES_MAX / 64)
#define XDPGW_FILTER_GENS 2
/* filter_port_class slots of one generation: a TCP port block, a UDP port
 * block, then one slot for ICMP and one for every other protocol.
 */
#define XDPGW_FILTER_PORT_SLOTS (2 * 65536 + 2)
#define XDPGW_FILTER_SLOT_ICMP (2 * 65536)
#define XDPGW_FILTER_SLOT_OTHER (2 * 65536 + 1)
/* Port classes of one generation: the ranges of N rules cut each port
 * space into at most 2N + 1 runs alike, TCP and UDP; ICMP, other.
 */
#define XDPGW_FILTER_CLASSES (2 * (2 * XDPGW_FILTER_RULES_MAX + 1) + 2)
/* filter_counts: a slot per rule (kept while the rule lives, whatever its
 * number), and this one for the default policy.
 */
#define XDPGW_FILTER_DEFAULT_SLOT XDPGW_FILTER_RULES_MAX

enum filter_action {
	RULE_ALLOW, /* 0: what an empty table does */
	RULE_DROP,
};

/* One rule: the value of filter_rules, at generation * RULES_MAX + its
 * position (0 first). What `filter list` reads back.
 */
struct filter_rule {
	__be32 to_addr; /* destination address; 0: any */
	__be32 from_net; /* source prefix, masked; with from_len 0: any */
	__u16 port_lo; /* host order; TCP/UDP only, else 0-65535 */
	__u16 port_hi;
	__u16 slot; /* its filter_counts slot */
	__u8 from_len;
	__u8 proto; /* IPPROTO_TCP, _UDP, _ICMP; 0: any protocol */
	__u8 action; /* enum filter_action */
	__u8 pad[3];
};

/* Bitmap of rules (bit i: the rule at position i), one per class. */
struct filter_bits {
	__u64 w[XDPGW_FILTER_WORDS];
};

/* Value of filter_meta, by generation. */
struct filter_meta {
	__u32 nrules;
	__u8 default_action; /* enum filter_action */
	__u8 pad[3];
};

/* Key of filter_dst: the rules for a destination address; address 0 holds
 * the rules for any other (the rules without `to`).
 */
struct filter_dst_key {
	__u32 gen;
	__be32 addr;
};

/* Key of filter_src (an LPM trie): prefixlen is 32 + the source prefix's
 * length, the generation standing as its first 32 bits.
 */
struct filter_src_key {
	__u32 prefixlen;
	__be32 gen; /* network order, as the trie compares bytes */
	__be32 addr;
};

/* Value of filter_counts (per CPU). */
struct filter_count {
	__u64 packets;
	__u64 bytes; /* IP total length */
};

_Static_assert(sizeof(struct filter_rule) == 20, "filter_rule layout");

/*
 * The translation kinds besides NAPT (docs/design.md, "Forwarding, static
 * NAT, the pool"). A public address xdpgw translates to has an entry in
 * public_addrs (key: the address, network order); an address may carry
 * several kinds' bits, except that a static or pool address is nothing
 * else. Forwarded ports of any public address are in forwards, a port an
 * entry (userspace expands a range). host_public binds an internal host to
 * its static address or the pool address it borrowed.
 */
enum public_kind {
	PUBLIC_EXTERNAL = 1, /* the NAPT address (--external-ip) */
	PUBLIC_STATIC = 2, /* 1:1 with .internal */
	PUBLIC_POOL = 4, /* lent to .internal, 0 when free */
	PUBLIC_FORWARD = 8, /* has forwarded ports */
};

/* Value of public_addrs. */
struct nat_public {
	__u8 kinds; /* enum public_kind bits */
	__u8 arp; /* 1: not on the external interface: xdpgw answers ARP */
	__u8 dying; /* 1: being deleted: no new flow, no new borrower */
	__u8 pad;
	/* STATIC: the internal host; POOL: its borrower, claimed by a
	 * compare-and-swap from 0 and given back when its last flow goes.
	 */
	XDPGW_ADDR(internal);
	__u8 mac[6]; /* the external interface's, for the ARP reply */
	__u8 pad2[2];
};

/* Key of forwards: a public address and port (network order). */
struct nat_forward_key {
	XDPGW_ADDR(addr);
	XDPGW_PORT(port);
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* Value of forwards: where that port leads. */
struct nat_forward {
	XDPGW_ADDR(internal);
	XDPGW_PORT(port);
	__u8 dying; /* 1: being deleted: no new flow */
	__u8 pad;
};

/* Value of host_public (key: an internal address, network order). */
struct nat_host_public {
	XDPGW_ADDR(public);
	__u8 kind; /* PUBLIC_STATIC or PUBLIC_POOL */
	__u8 dying; /* STATIC: being deleted */
	__u8 pad[2];
	__u32 refs; /* POOL: flows on the borrowed address; 0: being freed */
	__u32 pad2;
};

_Static_assert(sizeof(struct nat_public) == 16, "nat_public layout");
_Static_assert(sizeof(struct nat_forward_key) == 8, "nat_forward_key layout");
_Static_assert(sizeof(struct nat_forward) == 8, "nat_forward layout");
_Static_assert(sizeof(struct nat_host_public) == 16, "nat_host_public layout");
_Static_assert(sizeof(struct nat_tuple) == 16, "nat_tuple is a 16-byte key");
_Static_assert(sizeof(struct nat_flow) == 80, "nat_flow layout");
_Static_assert(sizeof(struct nat_rev) == 16, "nat_rev layout");
_Static_assert(sizeof(struct sweep_candidate) == 24, "sweep_candidate layout");
_Static_assert(sizeof(struct flow_event) == 40, "flow_event layout");
_Static_assert(sizeof(struct frag_key) == 12, "frag_key layout");
_Static_assert(sizeof(struct host_flows) == 16, "host_flows layout");
_Static_assert(sizeof(struct nat_endpoint) == 8, "nat_endpoint layout");
_Static_assert(sizeof(struct nat_mapping) == 8, "nat_mapping layout");
_Static_assert(sizeof(struct nat_peer_key) == 8, "nat_peer_key layout");
_Static_assert(sizeof(struct xdpgw_config) == 4 * FLOW_STATE__MAX + 40, "config layout");
_Static_assert(sizeof(struct frag_state) == 16 + 4 * XDPGW_FRAG_RANGES, "frag_state layout");

#endif /* XDPGW_H */
