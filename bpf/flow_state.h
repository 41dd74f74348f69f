/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A flow's state from the packets seen both ways, as netfilter's conntrack
 * tracks it: enough to pick the idle timeout. TCP segments are checked
 * against the flow's window first (tcp_window.h); one outside it changes
 * nothing and is dropped.
 */
#ifndef XDPGW_FLOW_STATE_H
#define XDPGW_FLOW_STATE_H

#include "vmlinux.h"
#include "xdpgw.h"
#include "parse.h"
#include "maps.h"
#include "tcp_window.h"
#include "expiry.h"

static __always_inline __u8 tcp_state_next(__u8 state, __u8 flags, bool outbound)
{
	if (flags & TCP_RST)
		return FLOW_TCP_CLOSED;
	/* A new connection, possibly reusing the tuple (the window starts
	 * over with it, tcp_syn).
	 */
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && outbound)
		return FLOW_TCP_SYN_SENT;
	if (!state)
		return FLOW_TCP_PICKUP; /* picked up mid-stream */
	if (state == FLOW_TCP_PICKUP && !outbound)
		return FLOW_TCP_ESTABLISHED; /* the other side answered */
	if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) && !outbound)
		return state == FLOW_TCP_SYN_SENT ? FLOW_TCP_SYN_RECV : state;
	if (flags & TCP_FIN) {
		if (outbound)
			return state == FLOW_TCP_FIN_IN || state == FLOW_TCP_TIME_WAIT ?
				       FLOW_TCP_TIME_WAIT : FLOW_TCP_FIN_OUT;
		return state == FLOW_TCP_FIN_OUT || state == FLOW_TCP_TIME_WAIT ?
			       FLOW_TCP_TIME_WAIT : FLOW_TCP_FIN_IN;
	}
	if (state == FLOW_TCP_SYN_RECV && outbound && (flags & TCP_ACK))
		return FLOW_TCP_ESTABLISHED;
	return state;
}

static __always_inline __u8 flow_state_next(__u8 state, const struct packet *p, __u8 tcp_flags,
					    bool outbound)
{
	if (p->tuple.proto == IPPROTO_TCP)
		return tcp_state_next(state, tcp_flags, outbound);
	if (p->tuple.proto == IPPROTO_ICMP)
		return FLOW_ICMP_ECHO;
	return outbound && !state ? FLOW_UDP_UNREPLIED : FLOW_UDP_ASSURED;
}

/*
 * Counters and last seen, with no locked instruction on the flow's line
 * (shared by every CPU that sees the flow):
 * - the counters are plain adds. One direction of a flow reaches one CPU
 *   at a time (an RSS queue, a veth sender's NAPI), and each direction has
 *   words of its own, so an increment is lost only when two CPUs take
 *   packets of the same flow and direction at the same instant;
 * - last_seen_ns is read and stored only when the coarse clock (a tick
 *   behind at most) has moved XDPGW_LAST_SEEN_GRAIN_NS past it: at most
 *   one store per flow per grain, whatever the packet rate. Deadlines add
 *   the grain (user/nat/timeouts.c, bpf/sweep.bpf.c).
 */
static __always_inline void flow_account(struct nat_flow *f, const struct packet *p,
					 bool outbound)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	if (outbound) {
		f->packets_out++;
		f->bytes_out += p->ip_len;
	} else {
		f->packets_in++;
		f->bytes_in += p->ip_len;
	}
	/* signed: a store from another CPU may be a tick ahead of this clock */
	if ((__s64)(now - f->last_seen_ns) >= (__s64)XDPGW_LAST_SEEN_GRAIN_NS)
		f->last_seen_ns = now;
}

/* Tries of the state's compare-and-swap before giving up on a change that
 * keeps racing (the other CPU's change then stands).
 */
#define STATE_CAS_TRIES 4

/* Account a packet to its flow (key: the flows map key): counters, last
 * seen, state. A state change is an event for `xdpgw watch`; the first one,
 * from "none", is the flow's "new" event. Returns -1, having changed
 * nothing, for a TCP segment outside the flow's window: the caller drops
 * it (STAT_DROP_TCP_OUT_OF_WINDOW).
 */
static __always_inline int flow_track(struct nat_flow *f, const struct nat_tuple *key,
				      const struct packet *p, bool outbound)
{
	struct nat_flow seen; /* only its port_state word is used */
	__u8 tcp_flags = p->tcp_flags;
	__u32 old;
	__u8 prev, next;
	int i;

	if (p->tuple.proto == IPPROTO_TCP) {
		switch (tcp_window(f, p, outbound, f->state)) {
		case TCP_OUT_OF_WINDOW:
			return -1;
		case TCP_RST_KEEP:
			tcp_flags &= ~TCP_RST;
			break;
		}
	}

	flow_account(f, p, outbound);

	/* A FIN out (tc, one CPU) and a FIN in (XDP, the other) can meet:
	 * a plain read-modify-write would lose one of them.
	 */
	for (i = 0; i < STATE_CAS_TRIES; i++) {
		old = *(volatile __u32 *)&f->port_state;
		seen.port_state = old;
		prev = seen.state;
		next = flow_state_next(prev, p, tcp_flags, outbound);
		if (next == prev)
			return 0; /* keep the cache line clean when nothing changes */
		seen.state = next;
		if (__sync_val_compare_and_swap(&f->port_state, old, seen.port_state) != old)
			continue;
		/* the first change, from "none", is the flow's "new" event */
		flow_event(prev ? FLOW_EV_STATE : FLOW_EV_NEW, key, f->ext_addr, f->ext_port,
			   next, 0);
		expiry_lane_note(key, next);
		return 0;
	}
	return 0;
}

#endif /* XDPGW_FLOW_STATE_H */
