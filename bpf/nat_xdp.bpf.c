// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP ingress on the external interface: reverse NAT. A TCP/UDP reply to the
 * external address that matches a flow gets the internal host's address and
 * port back, checksums fixed incrementally (RFC 1624), and continues into the
 * kernel stack, which routes it to the internal host. Everything else passes
 * untouched: ARP, IPv6, traffic for the gateway itself, malformed frames
 * (which the stack drops and counts on its own).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "xdpgw.h"
#include "parse.h"
#include "csum.h"
#include "maps.h"
#include "nat.h"
#include "flow_state.h"

/* libxdp: where this program runs among others on the same interface. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpgw_ingress);

static __always_inline void dnat_rewrite(struct packet *p, const struct nat_rev *r)
{
	l4_csum_replace_addr_port(p->csum, p->tuple.proto == IPPROTO_UDP,
				  p->tuple.daddr, r->orig.saddr,
				  p->tuple.dport, r->orig.sport);
	csum_replace4(&p->ip->check, p->tuple.daddr, r->orig.saddr);
	p->ip->daddr = r->orig.saddr;
	p->ports->dest = r->orig.sport;
}

static __always_inline enum xdpgw_stat dnat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet p = {};
	struct nat_flow *f;
	struct nat_rev *r;
	int ret;

	ret = parse_packet(data, data_end, data_end - data, &p);
	switch (ret) {
	case PARSE_OK:
		break;
	case PARSE_NOT_IPV4:
	case PARSE_OTHER_PROTO:
		return STAT_IN_PASS;
	case PARSE_FRAGMENT:
		return STAT_IN_FRAGMENT;
	default:
		return parse_stat(ret);
	}
	if (p.tuple.daddr != cfg_ext_addr)
		return STAT_IN_PASS;
	r = bpf_map_lookup_elem(&rev, &p.tuple);
	if (!r)
		return STAT_IN_NO_FLOW;
	f = bpf_map_lookup_elem(&flows, &r->orig);
	if (f)
		flow_track(f, &r->orig, &p, false);
	dnat_rewrite(&p, r);
	return STAT_IN_TRANSLATED;
}

SEC("xdp")
int xdpgw_ingress(struct xdp_md *ctx)
{
	stat_inc(dnat(ctx));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
