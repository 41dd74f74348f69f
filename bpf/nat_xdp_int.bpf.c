// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP ingress on the internal interface: the outbound half of the fast
 * path. A packet from the internal prefix of a flow tc has already made,
 * routed out of the external interface, is translated here exactly as tc
 * would (source address and port, L4 and IP checksums) and forwarded
 * straight to the external interface (fast_path.h). Everything else goes to
 * the stack untouched, where routing and tc egress take it as before: new
 * flows, the handshake and the close, fragments, TTL <= 1, no neighbour.
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
#include "fast_path.h"

struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpgw_internal);

/* nat_tc's snat_rewrite_skb, on an XDP frame: checksums fixed by hand (RFC 1624). */
static __always_inline void snat_rewrite_xdp(struct packet *p, const struct nat_flow *f)
{
	/* TCP and UDP checksums cover the address (pseudo-header); ICMP's
	 * covers only the ICMP message, where the identifier changes.
	 */
	if (p->tuple.proto == IPPROTO_ICMP)
		csum_replace2(p->csum, p->tuple.sport, f->ext_port);
	else
		l4_csum_replace_addr_port(p->csum, p->tuple.proto == IPPROTO_UDP,
					  p->tuple.saddr, f->ext_addr,
					  p->tuple.sport, f->ext_port);
	csum_replace4(&p->ip->check, p->tuple.saddr, f->ext_addr);
	p->ip->saddr = f->ext_addr;
	*p->id = f->ext_port;
}

static __always_inline enum xdpgw_stat fast_out(struct xdp_md *ctx, int *action)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct packet p = {};
	struct nat_flow *f;

	if (parse_packet(data, data_end, data_end - data, &p) != PARSE_OK ||
	    !from_internal(p.tuple.saddr))
		return STAT_SLOW_OUT;
	if (p.tuple.proto == IPPROTO_ICMP && p.icmp_type != ICMP_T_ECHO)
		return STAT_SLOW_OUT;
	f = bpf_map_lookup_elem(&flows, &p.tuple);
	if (!f || !fast_eligible(&p, f) ||
	    fast_route(ctx, &p, p.tuple.saddr, p.tuple.daddr, cfg_ext_ifindex, &fib))
		return STAT_SLOW_OUT;
	if (flow_track(f, &p.tuple, &p, true)) {
		*action = XDP_DROP;
		return STAT_DROP_TCP_OUT_OF_WINDOW;
	}
	snat_rewrite_xdp(&p, f);
	*action = fast_forward(data, p.ip, &fib);
	return STAT_FAST_OUT;
}

SEC("xdp")
int xdpgw_internal(struct xdp_md *ctx)
{
	int action = XDP_PASS;

	stat_inc(fast_out(ctx, &action));
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
