// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "fast_switch.h"
#include "log.h"

static const char *const dir_names[FAST_DIR__MAX] = {
	[FAST_DIR_OUT] = "outbound",
	[FAST_DIR_IN] = "inbound",
};

enum fast_state fast_next_state(enum fast_state cur, enum egress_verdict v, bool dropped)
{
	switch (v) {
	case EGRESS_TAKES:
		return FAST_STATE_ON;
	case EGRESS_REFUSES:
		return FAST_STATE_OFF_PEER;
	case EGRESS_UNKNOWN:
		break;
	}
	/* Nothing tells: try it, and keep off once redirects were dropped. */
	if (cur == FAST_STATE_OFF_DROPS || (cur == FAST_STATE_ON && dropped))
		return FAST_STATE_OFF_DROPS;
	return FAST_STATE_ON;
}

/* "eth0 (netns r1)", "eth0 (this netns)", "eth0 (netns id 3)". */
static void peer_desc(const struct egress_info *e, char *out, size_t len)
{
	char name[IF_NAMESIZE + 16];

	if (e->peer_name[0])
		snprintf(name, sizeof(name), "%s", e->peer_name);
	else
		snprintf(name, sizeof(name), "ifindex %d", e->peer_ifindex);
	if (e->peer_nsid < 0)
		snprintf(out, len, "%s (this netns)", name);
	else if (e->peer_netns[0])
		snprintf(out, len, "%s (netns %s)", name, e->peer_netns);
	else
		snprintf(out, len, "%s (netns id %d)", name, e->peer_nsid);
}

/* The command that gives the peer NAPI. */
static void peer_fix(const struct egress_info *e, char *out, size_t len)
{
	const char *name = e->peer_name[0] ? e->peer_name : "PEER";

	if (e->peer_nsid >= 0 && e->peer_netns[0])
		snprintf(out, len, "`ip netns exec %s ethtool -K %s gro on`", e->peer_netns, name);
	else if (e->peer_nsid >= 0)
		snprintf(out, len, "`ethtool -K %s gro on` in netns id %d", name, e->peer_nsid);
	else
		snprintf(out, len, "`ethtool -K %s gro on`", name);
}

static void explain(struct fast_dir_state *d, const struct egress_info *e)
{
	char peer[IF_NAMESIZE + NAME_MAX + 32], fix[IF_NAMESIZE + NAME_MAX + 64];

	peer_desc(e, peer, sizeof(peer));
	peer_fix(e, fix, sizeof(fix));
	switch (d->state) {
	case FAST_STATE_ON:
		if (!e->is_veth)
			snprintf(d->why, sizeof(d->why), "%s takes redirected frames", d->to);
		else if (e->peer_xdp || e->peer_gro == 1)
			snprintf(d->why, sizeof(d->why), "the peer of veth %s, %s, has %s", d->to,
				 peer, e->peer_xdp ? "an XDP program" : "GRO on");
		else if (e->features_known)
			snprintf(d->why, sizeof(d->why), "veth %s takes redirected frames", d->to);
		else
			snprintf(d->why, sizeof(d->why),
				 "cannot tell if %s, the peer of veth %s, has NAPI; watching for drops",
				 peer, d->to);
		break;
	case FAST_STATE_OFF_PEER:
		snprintf(d->why, sizeof(d->why),
			 "%s, the peer of veth %s, has neither an XDP program nor GRO on, so it\n"
			 "cannot take redirected frames; these packets take the kernel stack. For the\n"
			 "fast path: %s, or an XDP program on it",
			 peer, d->to, fix);
		break;
	case FAST_STATE_OFF_DROPS:
		snprintf(d->why, sizeof(d->why),
			 "frames redirected into veth %s were dropped (RX dropped of %s or TX dropped\n"
			 "of %s grew): its peer %s has no NAPI; these packets take the kernel stack.\n"
			 "For the fast path: %s, or an XDP program on it",
			 d->to, d->from, d->to, peer, fix);
		break;
	default:
		snprintf(d->why, sizeof(d->why), "not decided");
	}
}

static __u64 dir_drops(const struct fast_dir_state *d)
{
	__u64 rx = 0, tx = 0, rx_to, tx_to;

	if (link_dropped(d->from_ifindex, &rx, &tx_to) || link_dropped(d->to_ifindex, &rx_to, &tx))
		return d->drops;
	return rx + tx;
}

int fast_dir_write(int map_fd, enum fast_dir dir, enum fast_state state)
{
	__u32 key = dir, val = state;

	return bpf_map_update_elem(map_fd, &key, &val, 0) ? -errno : 0;
}

static int write_state(const struct fast_switch *fs, const struct fast_dir_state *d)
{
	return fast_dir_write(fs->map_fd, d->dir, d->state);
}

/* Look at one direction; true when its state changed (map written). */
static bool look(struct fast_switch *fs, struct fast_dir_state *d)
{
	enum fast_state next = d->state;
	struct egress_info e;
	__u64 drops = dir_drops(d);
	int err;

	err = egress_inspect(d->to_ifindex, false, &e);
	if (err) {
		pr_debug("fast path %s: cannot inspect %s: %s\n", dir_names[d->dir], d->to,
			 strerror(-err));
		d->drops = drops;
		return false;
	}
	next = fast_next_state(d->state, egress_verdict(&e), drops != d->drops);
	d->drops = drops;
	if (next == d->state)
		return false;
	d->state = next;
	if (e.is_veth && e.features_known)
		egress_inspect(d->to_ifindex, true, &e); /* the peer, to name it */
	explain(d, &e);
	err = write_state(fs, d);
	if (err)
		pr_warn("fast path %s: writing map " XDPGW_MAP_FAST_DIRS " failed: %s\n",
			dir_names[d->dir], strerror(-err));
	return true;
}

static void say(const struct fast_dir_state *d, const char *again)
{
	if (d->state == FAST_STATE_ON)
		pr_info("xdpgw: fast path %s %s -> %s: on%s (%s)\n", dir_names[d->dir], d->from,
			d->to, again, d->why);
	else
		pr_warn("fast path %s %s -> %s: off: %s\n", dir_names[d->dir], d->from,
			d->to, d->why);
}

static void dir_init(struct fast_dir_state *d, enum fast_dir dir, int from, int to)
{
	memset(d, 0, sizeof(*d));
	d->dir = dir;
	d->from_ifindex = from;
	d->to_ifindex = to;
	if (!if_indextoname(from, d->from))
		snprintf(d->from, sizeof(d->from), "ifindex %d", from);
	if (!if_indextoname(to, d->to))
		snprintf(d->to, sizeof(d->to), "ifindex %d", to);
	d->drops = dir_drops(d);
}

int fast_switch_start(struct fast_switch *fs, int map_fd, int ext_ifindex, int int_ifindex)
{
	int i, err;

	fs->map_fd = map_fd;
	dir_init(&fs->d[FAST_DIR_OUT], FAST_DIR_OUT, int_ifindex, ext_ifindex);
	dir_init(&fs->d[FAST_DIR_IN], FAST_DIR_IN, ext_ifindex, int_ifindex);
	for (i = 0; i < FAST_DIR__MAX; i++) {
		/* A kept instance's map holds its last states: decide afresh. */
		fs->d[i].state = FAST_STATE_UNSET;
		err = write_state(fs, &fs->d[i]);
		if (err) {
			pr_warn("fast path: writing map " XDPGW_MAP_FAST_DIRS " failed: %s\n",
				strerror(-err));
			return err;
		}
		if (!look(fs, &fs->d[i]))
			pr_warn("fast path %s %s -> %s: off: cannot inspect %s\n",
				dir_names[i], fs->d[i].from, fs->d[i].to, fs->d[i].to);
		else
			say(&fs->d[i], "");
	}
	return 0;
}

void fast_switch_tick(struct fast_switch *fs)
{
	int i;

	if (fs->map_fd < 0)
		return;
	for (i = 0; i < FAST_DIR__MAX; i++)
		if (look(fs, &fs->d[i]))
			say(&fs->d[i], " again");
}
