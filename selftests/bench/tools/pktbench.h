/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the forwarding benchmark's generator (selftests/bpf/pktgen.bpf.c)
 * and sink (selftests/bpf/pktsink.bpf.c) agree on, shared with their
 * userspace (pktgen.c, fwd_xdp.c in this directory).
 */
#ifndef XDPGW_PKTBENCH_H
#define XDPGW_PKTBENCH_H

/* 14 Ethernet + 20 IPv4 + 8 UDP + 18 payload: a minimal 64-byte Ethernet
 * frame once a wire adds its 4-byte FCS (a veth has none).
 */
#define PKTB_FRAME_LEN 60
#define PKTB_PAYLOAD (PKTB_FRAME_LEN - 14 - 20 - 8)

/* First payload word of every generated frame: how the sink tells them
 * from anything else (ARP, the stack's own traffic).
 */
#define PKTB_MAGIC 0x78676231 /* "xgb1" */

/* The sink's per-CPU counters. */
enum pktb_sink_counter {
	SINK_NATIVE, /* test frames, source still in the internal prefix */
	SINK_TRANSLATED, /* test frames, source = the NAT's external address */
	SINK_STRAY, /* test frames with any other source (a bug somewhere) */
	SINK_OTHER, /* not a test frame: passed to the stack */
	SINK__MAX,
};

#endif
