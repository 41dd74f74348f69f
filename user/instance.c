// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "nat_xdp_int.skel.h"
#include "flow.h"
#include "instance.h"
#include "log.h"
#include "pin.h"

#define UNIX_PATH_MAX 108 /* sizeof(sun_path), linux/un.h */
#define STR(x) #x
#define XSTR(x) STR(x)

static const char *const map_names[INSTANCE_NMAPS] = {
	XDPGW_MAP_FLOWS, XDPGW_MAP_REV,	   XDPGW_MAP_STATS,
	XDPGW_MAP_SETTINGS, XDPGW_MAP_EVENTS, XDPGW_MAP_FRAGS,
	XDPGW_MAP_FAST_DIRS,
	XDPGW_MAP_HOST_FLOWS,
	XDPGW_MAP_MAPPINGS, XDPGW_MAP_PORT_OWNER, XDPGW_MAP_PORT_BITMAP, XDPGW_MAP_PEERS,
	XDPGW_MAP_EXPIRY_LANE,
};
enum { FD_FLOWS, FD_REV, FD_STATS, FD_SETTINGS, FD_EVENTS, FD_FRAGS, FD_FAST_DIRS,
       FD_HOST_FLOWS, FD_MAPPINGS, FD_PORT_OWNER, FD_PORT_BITMAP, FD_PEERS, FD_EXPIRY_LANE };

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

static void set_rodata(const struct xdpgw_config *s, volatile __be32 *net,
		       volatile __be32 *mask, volatile __be32 *ext,
		       volatile __u16 *pmin, volatile __u16 *pmax)
{
	*net = s->internal_net;
	*mask = s->internal_mask;
	*ext = s->ext_addr;
	*pmin = s->port_min;
	*pmax = s->port_max;
}

static int size_maps(struct bpf_map *flows, struct bpf_map *rev, __u32 max_flows)
{
	return bpf_map__set_max_entries(flows, max_flows) ?:
	       bpf_map__set_max_entries(rev, max_flows);
}

/* The expiry lane of obj, before load: any flow may be due soon. */
static int size_expiry_lane(struct bpf_object *obj, __u32 max_flows)
{
	struct bpf_map *lane = bpf_object__find_map_by_name(obj, "expiry_lane");

	return lane ? bpf_map__set_max_entries(lane, max_flows) : -ENOENT;
}

/* The mapping maps of obj, before load. A mapping has a flow at least and
 * owns a port of the range (per protocol: TCP, UDP, echo), so there are
 * never more than either; peers, used by address-dependent filtering only,
 * count one per flow at most.
 */
static int size_mapping_maps(struct bpf_object *obj, const struct xdpgw_config *s)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "mappings");
	struct bpf_map *p = bpf_object__find_map_by_name(obj, "peers");
	__u32 ports = 3 * ((__u32)s->port_max - s->port_min + 1);
	__u32 n = ports < s->max_flows ? ports : s->max_flows;

	if (!m || !p)
		return -ENOENT;
	return bpf_map__set_max_entries(m, n) ?:
	       bpf_map__set_max_entries(p, s->filtering == FILTER_ADDRESS_DEPENDENT ?
						   s->max_flows : 1) ?:
	       size_expiry_lane(obj, s->max_flows);
}

int nat_objects_open(struct nat_tc **tcp, struct nat_xdp **xdpp,
		     const struct instance_cfg *cfg)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = cfg->dir);
	struct nat_xdp *xdp = NULL;
	struct nat_tc *tc;
	int err;

	tc = nat_tc__open_opts(&opts);
	if (tc)
		xdp = nat_xdp__open_opts(&opts);
	if (!tc || !xdp) {
		err = -errno;
		nat_tc__destroy(tc);
		return err;
	}
	set_rodata(&cfg->settings, &tc->rodata->cfg_internal_net, &tc->rodata->cfg_internal_mask,
		   &tc->rodata->cfg_ext_addr, &tc->rodata->cfg_port_min,
		   &tc->rodata->cfg_port_max);
	set_rodata(&cfg->settings, &xdp->rodata->cfg_internal_net, &xdp->rodata->cfg_internal_mask,
		   &xdp->rodata->cfg_ext_addr, &xdp->rodata->cfg_port_min,
		   &xdp->rodata->cfg_port_max);
	xdp->rodata->cfg_ext_ifindex = cfg->ifindex;
	xdp->rodata->cfg_int_ifindex = cfg->settings.internal_ifindex;
	tc->rodata->cfg_max_flows_per_host = cfg->settings.max_flows_per_host;
	tc->rodata->cfg_filtering = cfg->settings.filtering;
	xdp->rodata->cfg_filtering = cfg->settings.filtering;
	xdp->rodata->cfg_route_inbound = cfg->settings.route_inbound;
	tc->rodata->cfg_anti_spoof_ifindex = cfg->settings.anti_spoof_ifindex;
	err = size_maps(tc->maps.flows, tc->maps.rev, cfg->settings.max_flows) ?:
	      size_maps(xdp->maps.flows, xdp->maps.rev, cfg->settings.max_flows) ?:
	      bpf_map__set_max_entries(tc->maps.host_flows, host_flows_entries(&cfg->settings)) ?:
	      size_mapping_maps(tc->obj, &cfg->settings) ?:
	      size_mapping_maps(xdp->obj, &cfg->settings);
	if (err) {
		nat_xdp__destroy(xdp);
		nat_tc__destroy(tc);
		return err;
	}
	*tcp = tc;
	*xdpp = xdp;
	return 0;
}

/* The fast path's egress ports, in one devmap both XDP objects use. */
static int share_tx_ports(struct nat_xdp *xdp, struct nat_xdp_int *xint,
			  const struct instance_cfg *cfg)
{
	int ifindexes[2] = { cfg->ifindex, cfg->settings.internal_ifindex };
	int fd, i, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "tx_ports", sizeof(__u32), sizeof(__u32),
			    2, NULL);
	if (fd < 0)
		return -errno;
	for (i = 0; i < 2 && !err; i++) {
		__u32 ifindex = ifindexes[i];

		if (bpf_map_update_elem(fd, &ifindex, &ifindex, 0))
			err = -errno;
	}
	if (!err)
		err = bpf_map__reuse_fd(xdp->maps.tx_ports, fd) ?:
		      bpf_map__reuse_fd(xint->maps.tx_ports, fd);
	close(fd); /* the objects hold their own references */
	if (err)
		pr_warn("creating the fast path's devmap failed: %s\n", strerror(-err));
	return err;
}

int nat_int_open(struct nat_xdp_int **xintp, struct nat_xdp *xdp,
		 const struct instance_cfg *cfg)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = cfg->dir);
	struct nat_xdp_int *xint = nat_xdp_int__open_opts(&opts);
	int err;

	if (!xint)
		return -errno;
	set_rodata(&cfg->settings, &xint->rodata->cfg_internal_net,
		   &xint->rodata->cfg_internal_mask, &xint->rodata->cfg_ext_addr,
		   &xint->rodata->cfg_port_min, &xint->rodata->cfg_port_max);
	xint->rodata->cfg_ext_ifindex = cfg->ifindex;
	xint->rodata->cfg_int_ifindex = cfg->settings.internal_ifindex;
	xint->rodata->cfg_filtering = cfg->settings.filtering;
	err = size_maps(xint->maps.flows, xint->maps.rev, cfg->settings.max_flows) ?:
	      size_mapping_maps(xint->obj, &cfg->settings) ?:
	      share_tx_ports(xdp, xint, cfg);
	if (err) {
		nat_xdp_int__destroy(xint);
		return err;
	}
	*xintp = xint;
	return 0;
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

/* Take over an instance left attached and pinned by `run --keep`. */
static int adopt(struct instance *in, const struct instance_cfg *cfg)
{
	struct xdpgw_config have, want = cfg->settings;
	char path[PATH_MAX + 64], net[INET_ADDRSTRLEN], ext[INET_ADDRSTRLEN];
	char int_ifname[IF_NAMESIZE + 16] = "";
	__u32 zero = 0;
	int i;

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
			return -errno;
		}
	}
	if (bpf_map_lookup_elem(in->fd[FD_SETTINGS], &zero, &have))
		return -errno;
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
		return -EEXIST;
	}
	want.owns_clsact = have.owns_clsact;
	return write_settings(in, &want);
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
		return -EEXIST;

	err = pin_dir_create(cfg->dir);
	if (err) {
		pr_warn("cannot create pin directory %s: %s\n", cfg->dir, strerror(-err));
		return err;
	}
	in->dir_created = true;

	err = load_and_attach_xdp(in, cfg);
	if (!err)
		err = attach_tc(in, cfg);
	if (!err) {
		settings.owns_clsact = in->tc_hook_created;
		err = write_settings(in, &settings);
	}
	if (err)
		instance_stop(in);
	return err;
}

/* The lock's abstract unix address (leading NUL): per network namespace,
 * and released by the kernel when the process dies however it dies. Its
 * length, for bind().
 */
socklen_t instance_lock_addr(struct sockaddr_un *sa, const char *ifname)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "xdpgw/%s", ifname);
}

int instance_lock(const char *ifname)
{
	struct sockaddr_un sa;
	socklen_t len = instance_lock_addr(&sa, ifname);
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, len)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* The inode of the socket bound to the lock of ifname, from this netns's
 * /proc/net/unix (which shows an abstract address as "@name"); 0 if none.
 */
static unsigned long lock_inode(const char *ifname)
{
	char line[512], want[UNIX_PATH_MAX + 2], path[UNIX_PATH_MAX + 2];
	unsigned long inode, found = 0;
	FILE *f = fopen("/proc/net/unix", "re");

	snprintf(want, sizeof(want), "@xdpgw/%s", ifname);
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %" XSTR(UNIX_PATH_MAX) "s", &inode,
			   path) == 2 &&
		    !strcmp(path, want))
			found = inode;
	if (f)
		fclose(f);
	return found;
}

/* The process with an fd open on socket inode, found in /proc; 0 if none. */
static int socket_owner(unsigned long inode)
{
	char dir[64], path[64 + 256], link[64], want[64];
	struct dirent *p, *fd;
	DIR *procs, *fds;
	int pid = 0;
	ssize_t n;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	procs = opendir("/proc");
	while (procs && !pid && (p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.32s/fd", p->d_name);
		fds = opendir(dir);
		while (fds && !pid && (fd = readdir(fds))) {
			snprintf(path, sizeof(path), "%s/%s", dir, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', !strcmp(link, want)))
				pid = atoi(p->d_name);
		}
		if (fds)
			closedir(fds);
	}
	if (procs)
		closedir(procs);
	return pid;
}

int instance_lock_owner(const char *ifname)
{
	unsigned long inode = lock_inode(ifname);

	return inode ? socket_owner(inode) : 0;
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
	if (instance_unpin(dir) == 0)
		removed++;
	return removed ? 0 : -ENOENT;
}
