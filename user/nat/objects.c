// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The NAT's BPF objects opened and sized for one instance, before load:
 * instance_start loads them, the program tests too. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdpgw.h"
#include "nat_tc.skel.h"
#include "nat_xdp.skel.h"
#include "nat_xdp_int.skel.h"
#include "instance.h"
#include "log.h"
#include "timeouts.h"

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
	tc->rodata->cfg_hairpin_addr = cfg->hairpin_ifindex ? cfg->hairpin_addr : 0;
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

