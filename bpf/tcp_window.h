/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP window tracking, after netfilter's tcp_in_window
 * (nf_conntrack_proto_tcp.c): per direction the highest sequence sent
 * (end), the highest the other side allows (maxend) and the largest window
 * advertised (maxwin). A segment of a known flow is accepted when
 *   I   seq <= sender.maxend                      (not beyond the window)
 *   II  end >= sender.end - receiver.maxwin       (not older than a window)
 *   III ack <= receiver.end                       (acks nothing unsent)
 *   IV  ack >= receiver.end - sender.maxwin       (not an ancient ack)
 * and only then updates the state; anything else is dropped with the flow
 * unchanged. A RST in the window closes the flow only when its seq is
 * exactly the sender's next one; one merely in the window is passed to the
 * endpoint, which answers it with a challenge ACK (RFC 5961 3.2), and the
 * flow stays as it is (conntrack does the same).
 *
 * Each direction's fields are written by the packets of one direction,
 * which one CPU handles (one RSS queue per flow): plain loads and stores.
 */
#ifndef XDPGW_TCP_WINDOW_H
#define XDPGW_TCP_WINDOW_H

#include "vmlinux.h"
#include "xdpgw.h"
#include "parse.h"

/* conntrack's MAXACKWINDOW for a sender not seen yet */
#define TCP_MAXACKWIN_DEFAULT 66000

enum tcp_verdict {
	TCP_IN_WINDOW,
	TCP_OUT_OF_WINDOW, /* drop, change nothing */
	TCP_RST_KEEP, /* a RST in the window, not exact: pass, keep the state */
};

static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool seq_after(__u32 a, __u32 b)
{
	return seq_before(b, a);
}

/* The sender's scale shift: its nibble of f->wscale (dir 0 low, 1 high). */
static __always_inline __u32 tcp_scale(__u8 wscale, int dir)
{
	__u32 s = dir ? wscale >> 4 : wscale & 0xf;

	return s == TCP_WSCALE_UNKNOWN ? TCP_WSCALE_MAX : s;
}

/* A direction starts over from its SYN: the window field is unscaled. */
static __always_inline void tcp_dir_init_syn(struct tcp_dir *d, __u32 end, __u32 win)
{
	d->end = end;
	d->maxend = end;
	d->maxwin = win ? win : 1;
}

/*
 * A SYN. Outbound (the internal host connects, or reconnects on the same
 * tuple): the flow starts over. Its wscale byte records the SYN's shift
 * in the low nibble and, in the high one, TCP_WSCALE_UNKNOWN when the SYN
 * carried the option (the answer's shift goes there) or 0 when it did not
 * (RFC 7323: no scaling either way).
 * Inbound: only as the answer to our SYN (flow in syn_sent/syn_recv), a
 * SYN-ACK acking it exactly, or a SYN for a simultaneous open; later only
 * that SYN-ACK again, which changes nothing.
 */
static __always_inline int tcp_syn(struct nat_flow *f, const struct packet *p, bool outbound,
				   __u8 state, __u32 end)
{
	__u8 ws = p->tcp_wscale;

	if (outbound) {
		tcp_dir_init_syn(&f->tcp[0], end, p->tcp_win);
		f->tcp[1].maxwin = 0;
		f->wscale = ws == TCP_WSCALE_NONE ? 0 : ws | TCP_WSCALE_UNKNOWN << 4;
		return TCP_IN_WINDOW;
	}
	if (state != FLOW_TCP_SYN_SENT && state != FLOW_TCP_SYN_RECV)
		/* later: only the SYN-ACK seen, retransmitted (its ack lost) */
		return end == f->tcp[1].end && f->tcp[1].maxwin ? TCP_IN_WINDOW :
								  TCP_OUT_OF_WINDOW;
	if ((p->tcp_flags & TCP_ACK) && p->tcp_ack != f->tcp[0].end)
		return TCP_OUT_OF_WINDOW;
	tcp_dir_init_syn(&f->tcp[1], end, p->tcp_win);
	if (p->tcp_flags & TCP_ACK)
		f->tcp[0].maxend = p->tcp_ack + (p->tcp_win ? p->tcp_win : 1);
	if ((f->wscale >> 4) != TCP_WSCALE_UNKNOWN || ws == TCP_WSCALE_NONE)
		f->wscale = 0; /* one side without the option: no scaling */
	else
		f->wscale = (f->wscale & 0xf) | ws << 4;
	return TCP_IN_WINDOW;
}

/*
 * Check a segment against its flow's window and, when it is in, learn
 * from it. state is the flow's state before the packet. Returns an enum
 * tcp_verdict.
 */
static __always_inline int tcp_window(struct nat_flow *f, const struct packet *p,
				      bool outbound, __u8 state)
{
	int dir = !outbound;
	struct tcp_dir *snd = &f->tcp[dir], *rcv = &f->tcp[!dir];
	__u8 flags = p->tcp_flags;
	__u32 seq = p->tcp_seq, ack = p->tcp_ack;
	__u32 end = seq + p->tcp_len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	__u32 win, maxackwin;

	if (flags & TCP_SYN)
		return tcp_syn(f, p, outbound, state, end);
	if (state == FLOW_TCP_SYN_SENT && !outbound) {
		/* Before the SYN-ACK only a RST answering our SYN comes back. */
		if ((flags & (TCP_RST | TCP_ACK)) == (TCP_RST | TCP_ACK) && ack == rcv->end)
			return TCP_IN_WINDOW;
		return TCP_OUT_OF_WINDOW;
	}
	if (!state) /* picked up mid-stream: both scales unknown */
		f->wscale = TCP_WSCALE_UNKNOWN | TCP_WSCALE_UNKNOWN << 4;
	win = (__u32)p->tcp_win << tcp_scale(f->wscale, dir);
	if (!snd->maxwin && !snd->maxend) {
		/* Nothing is known of this side (a flow picked up mid-stream):
		 * learn it from this packet, as conntrack does. An unknown
		 * scale counts as the largest: the window is never taken
		 * smaller than it is. Once the other side's ack has set
		 * maxend, its first packet is checked like any other.
		 */
		snd->end = end;
		snd->maxend = end + (win ? win : 1);
		if (!rcv->maxwin && (flags & TCP_ACK))
			rcv->end = rcv->maxend = ack;
	}
	/* No ACK (or a RST with a zero ack, some stacks): nothing to check. */
	if (!(flags & TCP_ACK) || ((flags & TCP_RST) && !ack))
		ack = rcv->end;
	maxackwin = snd->maxwin > win ? snd->maxwin : win;
	if (!maxackwin)
		maxackwin = TCP_MAXACKWIN_DEFAULT;
	if (seq_after(seq, snd->maxend) ||
	    (rcv->maxwin && seq_before(end, snd->end - rcv->maxwin)) ||
	    seq_after(ack, rcv->end) || seq_before(ack, rcv->end - maxackwin))
		return TCP_OUT_OF_WINDOW;

	if (flags & TCP_RST)
		/* Closing needs the exact next sequence number (no update:
		 * a RST carries no data and the flow ends or stays).
		 */
		return seq == snd->end ? TCP_IN_WINDOW : TCP_RST_KEEP;
	if (snd->maxwin < win || !snd->maxwin)
		snd->maxwin = win ? win : 1; /* 0 means "not seen yet" */
	if (seq_after(end, snd->end)) {
		if (rcv->maxwin && seq_after(end, snd->maxend))
			rcv->maxwin += end - snd->maxend;
		snd->end = end;
	}
	if (seq_after(ack + win, rcv->maxend - 1))
		rcv->maxend = ack + (win ? win : 1);
	return TCP_IN_WINDOW;
}

#endif /* XDPGW_TCP_WINDOW_H */
