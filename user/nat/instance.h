/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One xdpgw instance: the two programs on one external interface and the maps
 * they share, pinned in the instance's directory.
 */
#ifndef XDPGW_INSTANCE_H
#define XDPGW_INSTANCE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "xdpgw.h"

/* tc filter identity on the egress hook, so `down` can find it again. */
#define XDPGW_TC_HANDLE 0x78677700
#define XDPGW_TC_PRIORITY 0x7867
#define XDPGW_XDP_PROG_NAME "xdpgw_ingress"
#define XDPGW_XDP_INT_PROG_NAME "xdpgw_internal" /* the fast path's, inside */

struct instance_cfg {
	const char *ifname;
	int ifindex;
	const char *int_ifname; /* --internal-if, else found by cmd_run */
	bool no_fast_path; /* --no-fast-path */
	bool no_anti_spoof; /* --no-anti-spoof */
	/* The translation, the timeouts and the fast path's internal
	 * interface (internal_ifindex, 0 for none); written to the settings
	 * map (the instance's own owns_clsact is filled in by instance_start).
	 */
	struct xdpgw_config settings;
	bool keep; /* --keep */
	const char *dir; /* pin directory of this instance */
	/* Hairpin (bpf/hairpin.h): the internal interface its tc ingress
	 * program goes on and the gateway's address there; 0: no hairpin.
	 */
	int hairpin_ifindex;
	__be32 hairpin_addr;
};

#define INSTANCE_NMAPS 24 /* flows, rev, stats, settings, events, frags, fast_dirs,
			    * host_flows, mappings, port_owner, port_bitmap, peers,
			    * the 8 filter_* maps, public_addrs, forwards, host_public,
			    * expiry_lane */

struct instance {
	struct nat_tc *tc;
	struct nat_xdp *xdp;
	struct nat_xdp_int *xint;
	struct xdp_program *xdp_prog;
	struct xdp_program *int_prog;
	int ifindex;
	int int_ifindex;
	bool dir_created;
	bool tc_hook_created;
	bool tc_attached;
	bool xdp_attached;
	bool int_attached;
	bool hairpin_hook_created; /* a clsact qdisc made on hairpin_ifindex */
	bool hairpin_attached;
	int hairpin_ifindex;
	bool adopted; /* found attached and pinned, left by `run --keep` */
	bool keep; /* on stop, leave programs attached and maps pinned */
	int fd[INSTANCE_NMAPS]; /* by instance_map_fd's names; owned if adopted */
	char dir[PATH_MAX];
};

struct nat_tc;
struct nat_xdp;
struct nat_xdp_int;

/* Open both program objects and apply cfg (rodata, map sizes, pin dir),
 * loading nothing. instance_start uses it; so do the program tests.
 */
int nat_objects_open(struct nat_tc **tc, struct nat_xdp **xdp,
		     const struct instance_cfg *cfg);
/* The same for the fast path's internal program; it and xdp (opened, not
 * loaded) get one devmap of the two interfaces to redirect to.
 */
int nat_int_open(struct nat_xdp_int **xint, struct nat_xdp *xdp,
		 const struct instance_cfg *cfg);

/*
 * Attach everything or nothing: on error, what was done is undone. When the
 * interface carries a whole instance left by `run --keep` (both programs and
 * the pins), adopt it instead, if it translates as cfg asks (-EINVAL if not).
 * -EEXIST when only part of an instance is there. Says why it fails.
 */
int instance_start(struct instance *in, const struct instance_cfg *cfg);
/* fds of the instance's maps, valid while it runs. */
int instance_map_fd(const struct instance *in, const char *name);
/* Detach and unpin exactly what instance_start did, or the adopted
 * instance; with in->keep, leave all of it in place.
 */
void instance_stop(struct instance *in);
/* Remove an instance left behind by a process that is gone: detach our XDP
 * program and tc filter from ifindex (and the clsact qdisc if xdpgw made it),
 * the fast path's program from the internal interface the settings name,
 * and remove the pins in dir. Returns -ENOENT when there was nothing.
 */
int instance_remove(const char *dir, int ifindex);
/* Remove the map pins and the directory; the netns directory above it goes
 * too when this was its last instance. -ENOENT when there was nothing.
 */
int instance_unpin(const char *dir);
/* What of an instance is there: our XDP program, our tc filter, pins. */
void instance_find(const char *dir, int ifindex, bool *xdp, bool *tc, bool *pins);
/* How XDP program name is attached to ifindex ("native", "generic", ...,
 * "native, libxdp dispatcher"); NULL when it is not.
 */
const char *instance_xdp_mode(int ifindex, const char *name);
/* Whether xdpgw's tc filter is on ifindex's egress. */
bool instance_tc_attached(int ifindex);

#endif
