// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "nat_xdp_int.skel.h"
#include "timeouts.h"
#include "instance.h"
#include "log.h"
#include "pin.h"

static const char *const map_names[INSTANCE_NMAPS] = {
	XDPGW_MAP_FLOWS, XDPGW_MAP_REV,	   XDPGW_MAP_STATS,
	XDPGW_MAP_SETTINGS, XDPGW_MAP_EVENTS, XDPGW_MAP_FRAGS,
	XDPGW_MAP_FAST_DIRS,
	XDPGW_MAP_HOST_FLOWS,
	XDPGW_MAP_MAPPINGS, XDPGW_MAP_PORT_OWNER, XDPGW_MAP_PORT_BITMAP, XDPGW_MAP_PEERS,
	XDPGW_MAP_FILTER_CTL, XDPGW_MAP_FILTER_META, XDPGW_MAP_FILTER_RULES,
	XDPGW_MAP_FILTER_PORT_CLASS, XDPGW_MAP_FILTER_PORT_BITS, XDPGW_MAP_FILTER_DST,
	XDPGW_MAP_FILTER_SRC, XDPGW_MAP_FILTER_COUNTS,
	XDPGW_MAP_PUBLIC_ADDRS, XDPGW_MAP_FORWARDS, XDPGW_MAP_HOST_PUBLIC,
	XDPGW_MAP_EXPIRY_LANE,
};
enum { FD_FLOWS, FD_REV, FD_STATS, FD_SETTINGS, FD_EVENTS, FD_FRAGS, FD_FAST_DIRS,
       FD_HOST_FLOWS, FD_MAPPINGS, FD_PORT_OWNER, FD_PORT_BITMAP, FD_PEERS,
       FD_FILTER_CTL, FD_FILTER_META, FD_FILTER_RULES, FD_FILTER_PORT_CLASS,
       FD_FILTER_PORT_BITS, FD_FILTER_DST, FD_FILTER_SRC, FD_FILTER_COUNTS,
       FD_PUBLIC_ADDRS, FD_FORWARDS, FD_HOST_PUBLIC, FD_EXPIRY_LANE };

int instance_unpin(const char *dir)
{
	char path[PATH_MAX];
	int removed = 0;
	size_t i;
	char *slash;

	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		if (unlink(path) == 0)
			removed++;
	}
	if (rmdir(dir) == 0)
		removed++;
	snprintf(path, sizeof(path), "%s", dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path); /* fails harmlessly while other instances live */
	}
	return removed ? 0 : -ENOENT;
}

/* Have libxdp load obj's program `name` and attach it to ifindex: as a
 * dispatcher extension where the kernel allows it, else as a plain XDP
 * program. The object's maps are the instance's, pinned by name.
 */
static int attach_xdp(struct xdp_program **progp, struct bpf_object *obj, const char *name,
		      int ifindex)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .obj = obj, .prog_name = name);
	char msg[256], ifname[IF_NAMESIZE] = "?";
	struct xdp_program *prog;
	int err;

	prog = xdp_program__create(&xopts);
	err = libxdp_get_error(prog);
	if (err)
		return err;
	log_hold_libs();
	err = xdp_program__attach(prog, ifindex, XDP_MODE_NATIVE, 0);
	log_release_libs(err != 0);
	if (err) {
		libxdp_strerror(err, msg, sizeof(msg));
		if_indextoname(ifindex, ifname);
		pr_warn("attaching XDP program %s to %s failed: %s\n", name, ifname, msg);
		if (!strcmp(name, XDPGW_XDP_INT_PROG_NAME))
			pr_warn("(the fast path needs native XDP on %s: name another interface with\n"
				"--internal-if, or run with --no-fast-path)\n", ifname);
		xdp_program__close(prog);
		return err;
	}
	*progp = prog;
	return 0;
}

/* Load the tc object (creating and pinning the maps), then let libxdp load
 * the XDP objects (reusing them, since all pin by name in one directory)
 * and attach them: external, then, with the fast path, internal.
 */
static int load_and_attach_xdp(struct instance *in, const struct instance_cfg *cfg)
{
	int err;

	err = nat_objects_open(&in->tc, &in->xdp, cfg);
	if (!err && cfg->settings.internal_ifindex)
		err = nat_int_open(&in->xint, in->xdp, cfg);
	if (err)
		return err;
	err = nat_tc__load(in->tc);
	if (err) {
		pr_warn("loading the tc program for %s failed: %s\n", cfg->ifname,
			strerror(-err));
		return err;
	}
	in->fd[FD_FLOWS] = bpf_map__fd(in->tc->maps.flows);
	in->fd[FD_REV] = bpf_map__fd(in->tc->maps.rev);
	in->fd[FD_STATS] = bpf_map__fd(in->tc->maps.stats);
	in->fd[FD_SETTINGS] = bpf_map__fd(in->tc->maps.settings);
	in->fd[FD_EVENTS] = bpf_map__fd(in->tc->maps.events);
	in->fd[FD_FRAGS] = bpf_map__fd(in->tc->maps.frags);
	in->fd[FD_HOST_FLOWS] = bpf_map__fd(in->tc->maps.host_flows);
	in->fd[FD_MAPPINGS] = bpf_map__fd(in->tc->maps.mappings);
	in->fd[FD_PORT_OWNER] = bpf_map__fd(in->tc->maps.port_owner);
	in->fd[FD_PORT_BITMAP] = bpf_map__fd(in->tc->maps.port_bitmap);
	in->fd[FD_PEERS] = bpf_map__fd(in->tc->maps.peers);
	in->fd[FD_FILTER_CTL] = bpf_map__fd(in->tc->maps.filter_ctl);
	in->fd[FD_FILTER_META] = bpf_map__fd(in->tc->maps.filter_meta);
	in->fd[FD_FILTER_RULES] = bpf_map__fd(in->tc->maps.filter_rules);
	in->fd[FD_FILTER_PORT_CLASS] = bpf_map__fd(in->tc->maps.filter_port_class);
	in->fd[FD_FILTER_PORT_BITS] = bpf_map__fd(in->tc->maps.filter_port_bits);
	in->fd[FD_FILTER_DST] = bpf_map__fd(in->tc->maps.filter_dst);
	in->fd[FD_FILTER_SRC] = bpf_map__fd(in->tc->maps.filter_src);
	in->fd[FD_FILTER_COUNTS] = bpf_map__fd(in->tc->maps.filter_counts);
	in->fd[FD_PUBLIC_ADDRS] = bpf_map__fd(in->tc->maps.public_addrs);
	in->fd[FD_FORWARDS] = bpf_map__fd(in->tc->maps.forwards);
	in->fd[FD_HOST_PUBLIC] = bpf_map__fd(in->tc->maps.host_public);
	in->fd[FD_EXPIRY_LANE] = bpf_map__fd(in->tc->maps.expiry_lane);
	err = attach_xdp(&in->xdp_prog, in->xdp->obj, XDPGW_XDP_PROG_NAME, in->ifindex);
	if (err)
		return err;
	in->xdp_attached = true;
	in->fd[FD_FAST_DIRS] = bpf_map__fd(in->xdp->maps.fast_dirs); /* made by its load */
	if (!in->int_ifindex)
		return 0;
	err = attach_xdp(&in->int_prog, in->xint->obj, XDPGW_XDP_INT_PROG_NAME,
			 in->int_ifindex);
	if (err)
		return err;
	in->int_attached = true;
	return 0;
}

static int attach_tc(struct instance *in, const struct instance_cfg *cfg)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = in->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPGW_TC_HANDLE,
		    .priority = XDPGW_TC_PRIORITY,
		    .prog_fd = bpf_program__fd(in->tc->progs.xdpgw_egress));
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("creating the clsact qdisc on %s failed: %s\n", cfg->ifname,
			strerror(-err));
		return err;
	}
	in->tc_hook_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_warn("attaching the tc egress filter to %s failed: %s\n",
			cfg->ifname, strerror(-err));
		return err;
	}
	in->tc_attached = true;
	return 0;
}

/* Hairpin's tc ingress program on the internal interface (bpf/hairpin.h). */
static int attach_hairpin(struct instance *in, const struct instance_cfg *cfg)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = cfg->hairpin_ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPGW_TC_HANDLE,
		    .priority = XDPGW_TC_PRIORITY,
		    .prog_fd = bpf_program__fd(in->tc->progs.xdpgw_hairpin));
	char ifname[IF_NAMESIZE] = "?";
	int err;

	if (!cfg->hairpin_ifindex)
		return 0;
	if_indextoname(cfg->hairpin_ifindex, ifname);
	in->hairpin_ifindex = cfg->hairpin_ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("creating the clsact qdisc on %s failed: %s\n", ifname, strerror(-err));
		return err;
	}
	in->hairpin_hook_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_warn("attaching the tc ingress filter (hairpin) to %s failed: %s\n", ifname,
			strerror(-err));
		return err;
	}
	in->hairpin_attached = true;
	return 0;
}

/* Take the hairpin program off ifindex; the clsact qdisc too if ours. */
static void detach_hairpin(int ifindex, bool destroy_hook)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPGW_TC_HANDLE,
		    .priority = XDPGW_TC_PRIORITY);

	log_quiet_libs(true); /* absent from a kept instance's interface: fine */
	bpf_tc_detach(&hook, &opts);
	log_quiet_libs(false);
	if (destroy_hook) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static int write_settings(const struct instance *in, const struct xdpgw_config *s)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(in->fd[FD_SETTINGS], &zero, s, 0)) {
		pr_warn("writing map " XDPGW_MAP_SETTINGS " in %s failed: %s\n", in->dir,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static bool same_translation(const struct xdpgw_config *a, const struct xdpgw_config *b)
{
	return a->internal_net == b->internal_net && a->internal_mask == b->internal_mask &&
	       a->ext_addr == b->ext_addr && a->port_min == b->port_min &&
	       a->port_max == b->port_max && a->max_flows == b->max_flows &&
	       a->max_flows_per_host == b->max_flows_per_host &&
	       a->internal_ifindex == b->internal_ifindex && a->filtering == b->filtering &&
	       a->anti_spoof_ifindex == b->anti_spoof_ifindex &&
	       a->route_inbound == b->route_inbound;
}

/* Our XDP program `name` on ifindex, whether libxdp runs it alone or in a
 * dispatcher. The caller closes the returned multiprog.
 */
static struct xdp_program *find_xdp(int ifindex, const char *name,
				    struct xdp_multiprog **mpp)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;

	*mpp = NULL;
	if (libxdp_get_error(mp) || !mp)
		return NULL;
	*mpp = mp;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && !strcmp(xdp_program__name(p), name) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), name))
			return p;
	return NULL;
}

static bool xdp_present(int ifindex, const char *name)
{
	struct xdp_multiprog *mp;
	bool there = find_xdp(ifindex, name, &mp) != NULL;

	xdp_multiprog__close(mp);
	return there;
}

const char *instance_xdp_mode(int ifindex, const char *name)
{
	struct xdp_multiprog *mp;
	const char *mode = NULL;

	if (find_xdp(ifindex, name, &mp)) {
		switch (xdp_multiprog__attach_mode(mp)) {
		case XDP_MODE_NATIVE:
			mode = xdp_multiprog__is_legacy(mp) ? "native" : "native, libxdp dispatcher";
			break;
		case XDP_MODE_SKB:
			mode = xdp_multiprog__is_legacy(mp) ? "generic" : "generic, libxdp dispatcher";
			break;
		case XDP_MODE_HW:
			mode = "offloaded";
			break;
		default:
			mode = "attached";
		}
	}
	xdp_multiprog__close(mp);
	return mode;
}

/* Say that start failed with err, having attached nothing; err. */
static int not_attached(const struct instance_cfg *cfg, int err)
{
	pr_warn("interface '%s': nothing attached (%s)\n", cfg->ifname, strerror(-err));
	return err;
}

/* Say that part of an instance is in the way; -EEXIST. */
static int left_over(const struct instance_cfg *cfg)
{
	pr_warn("interface '%s' has part of an xdpgw instance left (pins in %s);\n"
		"remove it with `xdpgw down --external %s`\n", cfg->ifname, cfg->dir, cfg->ifname);
	return -EEXIST;
}

/* Take over an instance left attached and pinned by `run --keep`. Says why
 * it cannot. */
static int adopt(struct instance *in, const struct instance_cfg *cfg)
{
	struct xdpgw_config have, want = cfg->settings;
	char path[PATH_MAX + 64], net[INET_ADDRSTRLEN], ext[INET_ADDRSTRLEN];
	char int_ifname[IF_NAMESIZE + 16] = "";
	__u32 zero = 0;
	int i, err;

	in->adopted = true;
	for (i = 0; i < INSTANCE_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", in->dir, map_names[i]);
		in->fd[i] = bpf_obj_get(path);
		/* kept by an xdpgw from before the expiry lane: the daemon's
		 * scan fills a private one (expiry.h)
		 */
		if (in->fd[i] < 0 && i == FD_EXPIRY_LANE && errno == ENOENT)
			continue;
		if (in->fd[i] < 0) {
			pr_warn("cannot open map %s: %s\n", path, strerror(errno));
			return not_attached(cfg, -errno);
		}
	}
	if (bpf_map_lookup_elem(in->fd[FD_SETTINGS], &zero, &have))
		return not_attached(cfg, -errno);
	in->int_ifindex = have.internal_ifindex;
	if (in->int_ifindex && !if_indextoname(in->int_ifindex, int_ifname))
		snprintf(int_ifname, sizeof(int_ifname), "ifindex %d", in->int_ifindex);
	if (!same_translation(&have, &want)) {
		inet_ntop(AF_INET, &have.internal_net, net, sizeof(net));
		inet_ntop(AF_INET, &have.ext_addr, ext, sizeof(ext));
		pr_warn("interface '%s' has a kept instance translating %s/%d to %s ports %u-%u,\n"
			"max %u flows, %s%s; run with the same options, or `xdpgw down --external %s`\n",
			cfg->ifname, net, __builtin_popcount(have.internal_mask), ext,
			have.port_min, have.port_max, have.max_flows,
			in->int_ifindex ? "fast path on " : "no fast path", int_ifname, cfg->ifname);
		return -EINVAL;
	}
	if (in->int_ifindex && !xdp_present(in->int_ifindex, XDPGW_XDP_INT_PROG_NAME)) {
		pr_warn("interface '%s': the kept instance's fast path program is gone from %s;\n"
			"remove the rest with `xdpgw down --external %s`\n", cfg->ifname, int_ifname,
			cfg->ifname);
		return left_over(cfg);
	}
	want.owns_clsact = have.owns_clsact;
	err = write_settings(in, &want);
	return err ? not_attached(cfg, err) : 0;
}

int instance_start(struct instance *in, const struct instance_cfg *cfg)
{
	struct xdpgw_config settings = cfg->settings;
	bool xdp, tc, pins;
	int i, err;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < INSTANCE_NMAPS; i++)
		in->fd[i] = -1;
	in->ifindex = cfg->ifindex;
	in->int_ifindex = cfg->settings.internal_ifindex;
	snprintf(in->dir, sizeof(in->dir), "%s", cfg->dir);
	instance_find(cfg->dir, cfg->ifindex, &xdp, &tc, &pins);
	if (xdp && tc && pins) {
		err = adopt(in, cfg);
		if (err) {
			in->keep = true; /* not ours to remove */
			instance_stop(in);
		}
		return err;
	}
	if (xdp || tc || pins)
		return left_over(cfg);

	err = pin_dir_create(cfg->dir);
	if (err) {
		pr_warn("cannot create pin directory %s: %s\n", cfg->dir, strerror(-err));
		return not_attached(cfg, err);
	}
	in->dir_created = true;

	err = load_and_attach_xdp(in, cfg);
	if (!err)
		err = attach_tc(in, cfg);
	if (!err)
		err = attach_hairpin(in, cfg);
	if (!err) {
		settings.owns_clsact = in->tc_hook_created;
		err = write_settings(in, &settings);
	}
	if (err) {
		instance_stop(in);
		not_attached(cfg, err);
	}
	return err;
}

int instance_map_fd(const struct instance *in, const char *name)
{
	int i;

	for (i = 0; i < INSTANCE_NMAPS; i++)
		if (!strcmp(name, map_names[i]))
			return in->fd[i];
	return -ENOENT;
}

static void detach_tc(int ifindex, bool destroy_hook)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPGW_TC_HANDLE,
		    .priority = XDPGW_TC_PRIORITY);

	bpf_tc_detach(&hook, &opts);
	if (destroy_hook) {
		/* Both points at once: that removes the clsact qdisc itself. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static void detach_xdp(struct xdp_program *prog, int ifindex)
{
	int err = xdp_program__detach(prog, ifindex, XDP_MODE_NATIVE, 0);

	if (err)
		pr_warn("detaching XDP from ifindex %d failed: %s\n", ifindex, strerror(-err));
}

void instance_stop(struct instance *in)
{
	int i;

	if (in->adopted) {
		if (!in->keep)
			instance_remove(in->dir, in->ifindex);
		for (i = 0; i < INSTANCE_NMAPS; i++)
			if (in->fd[i] >= 0)
				close(in->fd[i]);
		memset(in, 0, sizeof(*in));
		return;
	}
	if (!in->keep && (in->tc_attached || in->tc_hook_created))
		detach_tc(in->ifindex, in->tc_hook_created);
	if (!in->keep && (in->hairpin_attached || in->hairpin_hook_created))
		detach_hairpin(in->hairpin_ifindex, in->hairpin_hook_created);
	if (!in->keep && in->int_attached)
		detach_xdp(in->int_prog, in->int_ifindex);
	if (!in->keep && in->xdp_attached)
		detach_xdp(in->xdp_prog, in->ifindex);
	/* libxdp does not close an object it was handed; the skeleton does.
	 * Closing fds detaches nothing: the attachments hold their programs.
	 */
	xdp_program__close(in->int_prog);
	xdp_program__close(in->xdp_prog);
	nat_xdp_int__destroy(in->xint);
	nat_xdp__destroy(in->xdp);
	nat_tc__destroy(in->tc);
	if (!in->keep && in->dir_created)
		instance_unpin(in->dir);
	memset(in, 0, sizeof(*in));
}

bool instance_tc_attached(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPGW_TC_HANDLE,
		    .priority = XDPGW_TC_PRIORITY);

	int err;

	/* Without a clsact qdisc the query fails, which only means "absent". */
	log_quiet_libs(true);
	err = bpf_tc_query(&hook, &opts);
	log_quiet_libs(false);
	return err == 0;
}

void instance_find(const char *dir, int ifindex, bool *xdp, bool *tc, bool *pins)
{
	char path[PATH_MAX + 64];
	struct stat st;

	*xdp = xdp_present(ifindex, XDPGW_XDP_PROG_NAME);
	*tc = instance_tc_attached(ifindex);
	snprintf(path, sizeof(path), "%s/" XDPGW_MAP_FLOWS, dir);
	*pins = stat(path, &st) == 0;
}

/* The instance's settings as pinned in dir; zeroes when unreadable. */
static struct xdpgw_config pinned_settings(const char *dir)
{
	struct xdpgw_config s = {};
	char path[PATH_MAX + 64];
	__u32 zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/" XDPGW_MAP_SETTINGS, dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return s;
	if (bpf_map_lookup_elem(fd, &zero, &s))
		memset(&s, 0, sizeof(s));
	close(fd);
	return s;
}

/* Detach our program `name` from ifindex, however libxdp attached it.
 * 1 when it was there and is gone, else 0.
 */
static int remove_xdp(int ifindex, const char *name)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = 0;

	p = find_xdp(ifindex, name, &mp);
	if (p) {
		err = xdp_multiprog__is_legacy(mp) ?
			      xdp_multiprog__detach(mp) :
			      xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
		if (err)
			pr_warn("detaching XDP from ifindex %d failed: %s\n", ifindex,
				strerror(-err));
	}
	xdp_multiprog__close(mp);
	return p && !err;
}

int instance_remove(const char *dir, int ifindex)
{
	struct xdpgw_config s = pinned_settings(dir);
	int removed = 0;

	removed += remove_xdp(ifindex, XDPGW_XDP_PROG_NAME);
	if (s.internal_ifindex)
		removed += remove_xdp(s.internal_ifindex, XDPGW_XDP_INT_PROG_NAME);
	if (instance_tc_attached(ifindex)) {
		detach_tc(ifindex, s.owns_clsact);
		removed++;
	}
	/* hairpin's program, on the internal interface (cmd_run's choice) */
	if (s.internal_ifindex)
		detach_hairpin(s.internal_ifindex, false);
	if (s.anti_spoof_ifindex && s.anti_spoof_ifindex != s.internal_ifindex)
		detach_hairpin(s.anti_spoof_ifindex, false);
	if (instance_unpin(dir) == 0)
		removed++;
	return removed ? 0 : -ENOENT;
}
