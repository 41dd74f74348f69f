/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * NAT decisions shared by the programs: configuration, which packets are
 * ours, and creating a flow with its external port.
 */
#ifndef XDPGW_NAT_H
#define XDPGW_NAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpgw.h"
#include "maps.h"
#include "parse.h"

#define EEXIST 17

/* Set by the loader through the skeleton before load; never change after. */
const volatile __be32 cfg_internal_net = 0; /* network order, masked */
const volatile __be32 cfg_internal_mask = 0; /* network order */
const volatile __be32 cfg_ext_addr = 0; /* network order */
const volatile __u16 cfg_port_min = XDPGW_DEFAULT_PORT_MIN;
const volatile __u16 cfg_port_max = XDPGW_DEFAULT_PORT_MAX;

/*
 * Probes per new flow: the first choice, then a linear scan from a random
 * port, which covers a whole range of up to PORT_PROBES - 1 ports.
 */
#define PORT_PROBES 128

static __always_inline bool from_internal(__be32 saddr)
{
	return (saddr & cfg_internal_mask) == cfg_internal_net;
}

/* The stat that counts a parse failure, by kind. */
static __always_inline enum xdpgw_stat parse_stat(int ret)
{
	switch (ret) {
	case PARSE_BAD_ETH:
		return STAT_MALFORMED_ETH;
	case PARSE_BAD_IP:
		return STAT_MALFORMED_IP;
	default:
		return STAT_MALFORMED_L4;
	}
}

/* Outcome of flow_create, when it does not return a flow. */
enum flow_err {
	FLOW_NO_PORT = 1,
	FLOW_TABLE_FULL,
};

/*
 * Create the flow for an outbound tuple: claim an external port by inserting
 * the reverse entry with BPF_NOEXIST (atomic, so two CPUs can never claim the
 * same port for the same remote endpoint), then insert the forward entry. If
 * the forward insert fails the reverse entry is removed again, so neither
 * half ever exists alone. The internal port is kept when it is free;
 * otherwise probing starts at a random port in the range.
 */
static __always_inline struct nat_flow *flow_create(const struct nat_tuple *out,
						    int *err)
{
	struct nat_tuple rk = nat_reply_tuple(out, cfg_ext_addr, 0);
	struct nat_rev rv = { .orig = *out };
	__u32 range = (__u32)cfg_port_max - cfg_port_min + 1;
	__u32 port = bpf_ntohs(out->sport);
	__u64 now = bpf_ktime_get_coarse_ns();
	struct nat_flow f = {};
	struct nat_flow *fp;
	int i, ret;

	if (port < cfg_port_min || port > cfg_port_max)
		port = cfg_port_min + bpf_get_prandom_u32() % range;

	for (i = 0; i < PORT_PROBES && i <= range; i++) {
		rk.dport = bpf_htons(port);
		ret = bpf_map_update_elem(&rev, &rk, &rv, BPF_NOEXIST);
		if (ret == 0)
			goto claimed;
		if (ret != -EEXIST) {
			*err = FLOW_TABLE_FULL;
			return NULL;
		}
		/* The first choice was the internal port; then scan on from a
		 * random point so busy ranges do not cluster.
		 */
		if (i == 0)
			port = cfg_port_min + bpf_get_prandom_u32() % range;
		else
			port = port >= cfg_port_max ? cfg_port_min : port + 1;
	}
	*err = FLOW_NO_PORT;
	return NULL;

claimed:
	f.ext_addr = cfg_ext_addr;
	f.ext_port = rk.dport;
	f.created_ns = now;
	f.last_seen_ns = now;
	ret = bpf_map_update_elem(&flows, out, &f, BPF_NOEXIST);
	if (ret) {
		bpf_map_delete_elem(&rev, &rk);
		if (ret != -EEXIST) {
			*err = FLOW_TABLE_FULL;
			return NULL;
		}
		/* Another CPU created this flow first: use its mapping. */
	}
	fp = bpf_map_lookup_elem(&flows, out);
	if (!fp)
		*err = FLOW_TABLE_FULL;
	return fp;
}

#endif /* XDPGW_NAT_H */
