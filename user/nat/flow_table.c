// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "flow_table.h"

/* Big enough that a sweep of 1M flows takes a few hundred syscalls. */
#define WALK_BATCH 4096

const char *const census_proto_names[CENSUS__PROTOS] = { "tcp", "udp", "icmp" };

void flow_census_reset(struct flow_census *c)
{
	memset(c, 0, sizeof(*c));
}

void flow_census_add(struct flow_census *c, const struct nat_tuple *key,
		     const struct nat_flow *flow)
{
	int p = key->proto == IPPROTO_TCP ? CENSUS_TCP :
		key->proto == IPPROTO_UDP ? CENSUS_UDP : CENSUS_ICMP;
	__u16 port = ntohs(flow->ext_port);

	c->flows++;
	c->by_proto[p]++;
	if (flow->state < FLOW_STATE__MAX)
		c->by_state[flow->state]++;
	if (!(c->seen[p][port / 8] & (1 << port % 8))) {
		c->seen[p][port / 8] |= 1 << port % 8;
		c->ports[p]++;
	}
}

int flow_table_walk_part(int flows_fd, struct flow_walk *w, __u64 max, flow_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct nat_tuple *keys = calloc(WALK_BATCH, sizeof(*keys));
	struct nat_flow *vals = calloc(WALK_BATCH, sizeof(*vals));
	__u64 seen = 0;
	__u32 count, i;
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	while (!w->done && seen < max && !ret) {
		count = WALK_BATCH;
		if (bpf_map_lookup_batch(flows_fd, w->started ? &w->batch : NULL, &w->batch, keys,
					 vals, &count, &opts)) {
			if (errno != ENOENT) { /* ENOENT: this was the last batch */
				ret = -errno;
				break;
			}
			w->done = true;
		}
		w->started = true;
		seen += count;
		for (i = 0; i < count && !ret; i++)
			ret = fn(&keys[i], &vals[i], ctx);
	}
out:
	free(keys);
	free(vals);
	return ret;
}

int flow_table_walk(int flows_fd, flow_fn fn, void *ctx)
{
	struct flow_walk w = {};

	return flow_table_walk_part(flows_fd, &w, ~0ull, fn, ctx);
}
