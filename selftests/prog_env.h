/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The NAT programs loaded for BPF_PROG_TEST_RUN, as the daemon would load
 * them (nat_objects_open: rodata, map sizes, maps shared by pinning), but
 * attached nowhere; and the checks every program test makes of a frame.
 */
#ifndef XDPGW_TEST_PROG_ENV_H
#define XDPGW_TEST_PROG_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdpgw.h"
#include "pkt.h"

#define INTERNAL "10.100.20.0/24"
#define EXT "203.0.113.1"
#define WEB1 "10.100.20.57"
#define WEB2 "10.100.20.58"
#define INET "198.51.100.20"
#define R1 "203.0.113.254"

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_SYNACK 0x12
#define TCP_FINACK 0x11
#define TCP_RST 0x04
#define OUT_PKT(s, sp, d, dp, pr, ...) \
	{ .saddr = s, .sport = sp, .daddr = d, .dport = dp, .proto = pr, __VA_ARGS__ }

/* tc egress, XDP on the external interface, XDP on the internal one. */
enum hook { TC, XDP, XDP_INT };

struct env {
	struct nat_tc *tc;
	struct nat_xdp *xdp;
	struct nat_xdp_int *xint; /* with the fast path only */
	int fd[3]; /* programs, by enum hook */
	int flows_fd, rev_fd, stats_fd;
	int ext_ifindex, int_ifindex; /* what test runs give as ingress */
	int tc_iif; /* what tc test runs give as skb->ingress_ifindex (0: none) */
	char dir[PATH_MAX];
};

/* Load the programs translating INTERNAL to EXT with ports "LO-HI".
 * ext_ifindex/int_ifindex non-zero: with the fast path between the two.
 */
int env_open(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
	     int int_ifindex);
/* The same with --max-flows-per-host (0: no limit). */
int env_open_per_host(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		      int int_ifindex, __u32 max_flows_per_host);
/* A program test's start, without the fast path: 0 when loaded, else the
 * test's exit status (4: skipped, not root; 1: the programs did not load).
 */
int env_start(struct env *e, const char *ports, __u32 max_flows, __u32 max_flows_per_host);
/* The same with an inbound filtering mode (env_open: the default). */
int env_open_filtering(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		       int int_ifindex, enum nat_filtering filtering);
/* Both. */
int env_open_full(struct env *e, const char *ports, __u32 max_flows, int ext_ifindex,
		  int int_ifindex, __u32 max_flows_per_host, enum nat_filtering filtering);
/* The same, ports 1024-65535, 1024 flows, no fast path, with the
 * filtering settings (struct xdpgw_config's fields of the same names).
 */
int env_open_filter(struct env *e, __u8 route_inbound, __u32 anti_spoof_ifindex);
/* Ports 1024-65535, 1024 flows, no fast path, hairpin on with the
 * gateway's inside address addr (as xdpgw run finds it on in0).
 */
int env_open_hairpin(struct env *e, const char *addr);
void env_close(struct env *e);
/* Set one direction's fast path switch (map fast_dirs). 0 or -errno. */
int env_fast_dir(struct env *e, enum fast_dir dir, enum fast_state state);
/* A counter summed over CPUs; ~0 when unreadable. */
__u64 stat_total(struct env *e, enum xdpgw_stat idx);
/* Entries of a map whose keys are at most 16 bytes (a nat_tuple). */
int map_count(int fd);
/* Run one program on a frame (arriving on the hook's interface); returns
 * the verdict or -errno.
 */
int run(struct env *e, enum hook hook, const uint8_t *in, size_t len, uint8_t *out,
	size_t *out_len);
/* The kernel's mean ns per run of prog on frame, repeated n times; an XDP
 * program gets the frame arriving on ingress_ifindex (0: none). -1 on error.
 * For the benchmarks.
 */
double prog_cost(int prog, const uint8_t *frame, size_t len, __u32 n, bool xdp,
		 int ingress_ifindex);
/* One counter of a stats map fd, summed over CPUs; ~0 when unreadable. */
__u64 stat_read_one(int stats_fd, enum xdpgw_stat idx);
/* A frame goes through `hook`; the verdict, the output frame and the single
 * counter that moved are checked. expect == NULL means "unchanged".
 */
bool check_packet(struct env *e, enum hook hook, const uint8_t *in, size_t len, int verdict,
		  const struct pkt_spec *expect, enum xdpgw_stat stat);

#endif
