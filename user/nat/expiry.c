// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "early_drop.h"
#include "timeouts.h"
#include "flow_table.h"
#include "expiry.h"

#define NSEC_PER_SEC 1000000000ull
#define LANE_ADD_BATCH 4096

struct expiry {
	struct sweeper *sw;
	struct flow_walk walk; /* where the pass stands */
	__u64 pass_flows; /* flows this pass has seen so far */
	__u64 pass_expired; /* flows this pass removed (early drops aside) */
	__u64 last_pass_flows; /* flows the last complete pass saw */
	__u64 passes;
	struct early_drop early; /* this pass's unreplied flows */
	struct flow_census census[2]; /* [done]: the last pass's; the other: this one's */
	int done;
	__u32 lane_n;
	struct nat_tuple lane_add[LANE_ADD_BATCH]; /* due soon, to add to the lane */
};

int expiry_open(struct expiry **exp, const struct sweep_maps *maps)
{
	struct expiry *ex = calloc(1, sizeof(*ex));
	int err;

	if (!ex)
		return -ENOMEM;
	err = sweeper_open_maps(&ex->sw, maps);
	if (err) {
		free(ex);
		return err;
	}
	*exp = ex;
	return 0;
}

void expiry_close(struct expiry *ex)
{
	if (!ex)
		return;
	sweeper_close(ex->sw);
	early_drop_free(&ex->early);
	free(ex);
}

struct sweeper *expiry_sweeper(struct expiry *ex)
{
	return ex->sw;
}

static int lane_flush(struct expiry *ex)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	static const __u64 look_now[LANE_ADD_BATCH]; /* 0: at the next check */
	__u32 n = ex->lane_n;

	ex->lane_n = 0;
	if (n && bpf_map_update_batch(sweeper_lane_fd(ex->sw), ex->lane_add, look_now, &n, &opts))
		return errno == E2BIG || errno == ENOMEM ? 0 : -errno; /* full: the scan's */
	return 0;
}

struct slice {
	struct expiry *ex;
	const struct xdpgw_config *cfg;
	__u64 now;
};

static int slice_one(const struct nat_tuple *key, const struct nat_flow *flow, void *ctx)
{
	struct slice *s = ctx;
	struct expiry *ex = s->ex;
	__u64 deadline = flow_deadline_ns(flow, s->cfg);

	ex->pass_flows++;
	flow_census_add(&ex->census[!ex->done], key, flow);
	if (s->now >= deadline)
		return sweeper_expire(ex->sw, key, flow->last_seen_ns) < 0 ? -EIO : 0;
	if (deadline - s->now <= XDPGW_EXPIRY_LANE_S * NSEC_PER_SEC) {
		ex->lane_add[ex->lane_n++] = *key;
		if (ex->lane_n == LANE_ADD_BATCH && lane_flush(ex))
			return -EIO;
	}
	return early_drop_note(&ex->early, key, flow);
}

/* Flows to scan this tick: the whole table on a daemon's first tick and
 * while it is nearly full (as the last pass counted it, or the lane: a
 * flood of new flows fills the lane first); otherwise enough for a pass in
 * EXPIRY_PASS_S.
 */
static __u64 slice_size(const struct expiry *ex, const struct xdpgw_config *cfg, __u64 lane)
{
	__u64 size = ex->last_pass_flows > ex->pass_flows ? ex->last_pass_flows : ex->pass_flows;
	__u64 want = (size + EXPIRY_PASS_S - 1) / EXPIRY_PASS_S;
	__u64 live = size > lane ? size : lane;

	if (!ex->passes || live * 16 >= (__u64)cfg->max_flows * EARLY_DROP_LOW)
		return ~0ull;
	return want > EXPIRY_MIN_SLICE ? want : EXPIRY_MIN_SLICE;
}

/* The pass reached the table's end: publish its census, drop early if the
 * table is nearly full, start the next one.
 */
static int pass_end(struct expiry *ex, const struct xdpgw_config *cfg, struct sweep_result *res)
{
	__u64 live = ex->pass_flows > ex->pass_expired ? ex->pass_flows - ex->pass_expired : 0;
	int ret = sweeper_early_drop(ex->sw, &ex->early, live, cfg->max_flows,
				     &res->early_dropped);

	ex->done = !ex->done;
	ex->last_pass_flows = ex->pass_flows;
	ex->passes++;
	ex->pass_flows = 0;
	ex->pass_expired = 0;
	ex->walk = (struct flow_walk){};
	early_drop_reset(&ex->early);
	flow_census_reset(&ex->census[!ex->done]);
	return ret;
}

int expiry_tick(struct expiry *ex, int flows_fd, const struct xdpgw_config *cfg, __u64 now_ns,
		struct sweep_result *res)
{
	struct slice s = { .ex = ex, .cfg = cfg, .now = now_ns };
	__u64 pass_before = ex->pass_flows, lane = 0;
	int lane_expired, err, total;

	*res = (struct sweep_result){};
	sweeper_count_reset(ex->sw);
	lane_expired = sweeper_run_lane(ex->sw, cfg, now_ns, &lane);
	if (lane_expired < 0)
		return lane_expired;
	err = flow_table_walk_part(flows_fd, &ex->walk, slice_size(ex, cfg, lane), slice_one, &s);
	res->scanned = ex->pass_flows - pass_before;
	total = sweeper_flush(ex->sw);
	if (!err && total >= 0) {
		ex->pass_expired += total;
		err = lane_flush(ex);
	}
	if (!err && total >= 0 && ex->walk.done)
		total = pass_end(ex, cfg, res);
	res->expired = (total > 0 ? total : 0) + lane_expired;
	res->lane = lane;
	res->census = ex->passes ? &ex->census[ex->done] : NULL;
	return err ?: (total < 0 ? total : 0);
}
