// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <bpf/bpf.h>
#include "flow.h"
#include "flow_table.h"
#include "sweep.h"

int sweep_expire_one(int flows_fd, int rev_fd, const struct nat_tuple *key,
		     const struct nat_flow *seen, const struct xdpgw_config *cfg, __u64 now)
{
	struct nat_tuple rk;
	struct nat_flow cur;

	if (bpf_map_lookup_elem(flows_fd, key, &cur))
		return 0; /* gone already */
	if (cur.last_seen_ns != seen->last_seen_ns || !flow_expired(&cur, cfg, now))
		return 0;
	if (bpf_map_delete_elem(flows_fd, key))
		return 0;
	rk = nat_reply_tuple(key, cur.ext_addr, cur.ext_port);
	bpf_map_delete_elem(rev_fd, &rk);
	return 1;
}

struct sweep_ctx {
	int flows_fd, rev_fd;
	const struct xdpgw_config *cfg;
	__u64 now;
	struct sweep_result *res;
};

static int sweep_one(const struct nat_tuple *key, const struct nat_flow *flow, void *ctx)
{
	struct sweep_ctx *c = ctx;

	c->res->scanned++;
	if (flow_expired(flow, c->cfg, c->now))
		c->res->expired += sweep_expire_one(c->flows_fd, c->rev_fd, key, flow, c->cfg, c->now);
	return 0;
}

int sweep_flows(int flows_fd, int rev_fd, const struct xdpgw_config *cfg, __u64 now_ns,
		struct sweep_result *res)
{
	struct sweep_ctx c = { flows_fd, rev_fd, cfg, now_ns, res };

	res->scanned = res->expired = 0;
	return flow_table_walk(flows_fd, sweep_one, &c);
}
