/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The fast path's per-direction switch (map fast_dirs, see xdpgw.h), kept
 * by the daemon: a direction is on while its egress interface takes
 * XDP-redirected frames (veth.h), checked at start and every tick, so a
 * veth peer that gains or loses GRO or an XDP program turns it on or off
 * without a reload. Where the kernel cannot tell (before 6.3, a peer in a
 * namespace not named in /run/netns), the direction is on and falls back
 * when the drop counters of its two interfaces grow.
 */
#ifndef XDPGW_FAST_SWITCH_H
#define XDPGW_FAST_SWITCH_H

#include <net/if.h>
#include <linux/types.h>
#include "xdpgw.h"
#include "veth.h"

struct fast_dir_state {
	enum fast_dir dir;
	int from_ifindex; /* where the XDP program that redirects runs */
	int to_ifindex; /* where it redirects to */
	char from[IF_NAMESIZE], to[IF_NAMESIZE];
	enum fast_state state;
	__u64 drops; /* RX dropped of from + TX dropped of to, at the last look */
	char why[1024]; /* of the state, for `run` and the log */
};

struct fast_switch {
	int map_fd; /* fast_dirs; -1 when there is no fast path */
	struct fast_dir_state d[FAST_DIR__MAX];
};

/* Set one direction's switch in map fast_dirs (map_fd). 0 or -errno. */
int fast_dir_write(int map_fd, enum fast_dir dir, enum fast_state state);

/* The next state of a direction, from the egress's verdict and whether
 * the drop counters grew since the last look.
 */
enum fast_state fast_next_state(enum fast_state cur, enum egress_verdict v, bool dropped);

/* Decide both directions between ext_ifindex and int_ifindex, write the
 * map and say per direction whether the fast path is on and why. 0 or
 * -errno (the map could not be written: the fast path stays off).
 */
int fast_switch_start(struct fast_switch *fs, int map_fd, int ext_ifindex, int int_ifindex);
/* Look again (the daemon's 1 s tick); warns once when a direction goes off,
 * says when it comes back.
 */
void fast_switch_tick(struct fast_switch *fs);

#endif
