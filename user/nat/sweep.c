// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sweep.skel.h"
#include "timeouts.h"
#include "early_drop.h"
#include "flow_table.h"
#include "sweep.h"

struct sweeper {
	struct sweep *skel;
	int prog_fd;
	int cand_fd;
	__u32 queued;
	__u64 expired;
	__u64 longest_batch_ns;
	struct early_drop early;
	struct flow_census census; /* of the last scan */
	__u32 index[XDPGW_SWEEP_BATCH]; /* 0, 1, 2, ...: the array's keys */
	struct sweep_candidate queue[XDPGW_SWEEP_BATCH];
};

int sweeper_open(struct sweeper **swp, int flows_fd, int rev_fd, int events_fd,
		 int host_flows_fd)
{
	struct sweep_maps m = { .flows = flows_fd, .rev = rev_fd, .events = events_fd,
				.mappings = -1, .port_owner = -1, .port_bitmap = -1,
				.peers = -1, .host_flows = host_flows_fd, .expiry_lane = -1 };

	return sweeper_open_maps(swp, &m);
}

/* A kinds' map (sweep_maps): 0 counts as absent too, the field unset. */
static int reuse_kind(struct bpf_map *map, int fd)
{
	return fd > 0 ? bpf_map__reuse_fd(map, fd) : 0;
}

/* Reuse fd as the program's map, unless it is -1 (a private, empty one). */
static int reuse(struct bpf_map *map, int fd)
{
	return fd >= 0 ? bpf_map__reuse_fd(map, fd) : 0;
}

int sweeper_open_maps(struct sweeper **swp, const struct sweep_maps *m)
{
	struct sweeper *sw = calloc(1, sizeof(*sw));
	struct bpf_map *map;
	__u32 i;
	int err;

	if (!sw)
		return -ENOMEM;
	sw->skel = sweep__open();
	if (!sw->skel) {
		err = -errno;
		goto fail;
	}
	/* Work on the instance's own maps by fd; create nothing pinned. */
	bpf_object__for_each_map(map, sw->skel->obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_map__reuse_fd(sw->skel->maps.flows, m->flows) ?:
	      bpf_map__reuse_fd(sw->skel->maps.rev, m->rev) ?:
	      reuse(sw->skel->maps.events, m->events) ?:
	      reuse(sw->skel->maps.mappings, m->mappings) ?:
	      reuse(sw->skel->maps.port_owner, m->port_owner) ?:
	      reuse(sw->skel->maps.port_bitmap, m->port_bitmap) ?:
	      reuse(sw->skel->maps.peers, m->peers) ?:
	      reuse(sw->skel->maps.host_flows, m->host_flows) ?:
	      reuse_kind(sw->skel->maps.public_addrs, m->public_addrs) ?:
	      reuse_kind(sw->skel->maps.forwards, m->forwards) ?:
	      reuse_kind(sw->skel->maps.host_public, m->host_public) ?:
	      reuse(sw->skel->maps.expiry_lane, m->expiry_lane > 0 ? m->expiry_lane : -1) ?:
	      sweep__load(sw->skel);
	if (err)
		goto fail;
	sw->prog_fd = bpf_program__fd(sw->skel->progs.xdpgw_expire);
	sw->cand_fd = bpf_map__fd(sw->skel->maps.candidates);
	for (i = 0; i < XDPGW_SWEEP_BATCH; i++)
		sw->index[i] = i;
	*swp = sw;
	return 0;
fail:
	sweeper_close(sw);
	return err;
}

void sweeper_close(struct sweeper *sw)
{
	if (!sw)
		return;
	sweep__destroy(sw->skel);
	early_drop_free(&sw->early);
	free(sw);
}

/* Run one of the sweep's programs once (they look at no packet); its run
 * time counts toward the longest batch.
 */
static int sweeper_run(struct sweeper *sw, int prog_fd)
{
	__u8 frame[64] = {}; /* the program looks at no packet; test run wants one */
	LIBBPF_OPTS(bpf_test_run_opts, ropts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);
	__u64 start = monotonic_ns();

	if (bpf_prog_test_run_opts(prog_fd, &ropts))
		return -errno;
	if (monotonic_ns() - start > sw->longest_batch_ns)
		sw->longest_batch_ns = monotonic_ns() - start;
	return 0;
}

int sweeper_flush(struct sweeper *sw)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 n = sw->queued;
	int err;

	if (!n)
		return sw->expired;
	sw->queued = 0;
	if (bpf_map_update_batch(sw->cand_fd, sw->index, sw->queue, &n, &bopts))
		return -errno;
	sw->skel->bss->candidate_count = n;
	err = sweeper_run(sw, sw->prog_fd);
	if (err)
		return err;
	sw->expired += sw->skel->bss->expired_count;
	return sw->expired;
}

int sweeper_run_lane(struct sweeper *sw, const struct xdpgw_config *cfg, __u64 now_ns,
		     __u64 *left)
{
	__u32 *t = sw->skel->bss->timeout_s;
	size_t i;
	int err;

	sw->skel->bss->now_ns = now_ns;
	for (i = 0; i < sizeof(sw->skel->bss->timeout_s) / sizeof(*t); i++)
		t[i] = cfg->timeout[i < FLOW_STATE__MAX ? i : 0]; /* flow_deadline_ns's */
	err = sweeper_run(sw, bpf_program__fd(sw->skel->progs.xdpgw_expire_lane));
	if (err)
		return err;
	*left = sw->skel->bss->lane_left;
	return sw->skel->bss->expired_count;
}

void sweeper_count_reset(struct sweeper *sw)
{
	sw->expired = 0;
}

int sweeper_lane_fd(const struct sweeper *sw)
{
	return bpf_map__fd(sw->skel->maps.expiry_lane);
}

int sweeper_expire(struct sweeper *sw, const struct nat_tuple *key, __u64 last_seen_ns)
{
	sw->queue[sw->queued].key = *key;
	sw->queue[sw->queued].last_seen_ns = last_seen_ns;
	if (++sw->queued == XDPGW_SWEEP_BATCH)
		return sweeper_flush(sw);
	return sw->expired;
}

struct scan {
	struct sweeper *sw;
	const struct xdpgw_config *cfg;
	__u64 now;
	__u64 scanned;
};

static int scan_one(const struct nat_tuple *key, const struct nat_flow *flow, void *ctx)
{
	struct scan *s = ctx;

	s->scanned++;
	flow_census_add(&s->sw->census, key, flow);
	if (!flow_expired(flow, s->cfg, s->now))
		return early_drop_note(&s->sw->early, key, flow);
	return sweeper_expire(s->sw, key, flow->last_seen_ns) < 0 ? -EIO : 0;
}

/* The table nearly full after the expiry: the oldest unreplied flows go,
 * through the same re-check (a packet since, a reply say, keeps one).
 */
int sweeper_early_drop(struct sweeper *sw, struct early_drop *ed, __u64 live, __u32 max_flows,
		       __u64 *dropped)
{
	size_t i, n = early_drop_pick(ed, live, max_flows);
	__u64 before = sw->expired;
	int ret = sw->expired;

	for (i = 0; i < n && ret >= 0; i++)
		ret = sweeper_expire(sw, &ed->unreplied[i].key, ed->unreplied[i].last_seen_ns);
	if (ret >= 0)
		ret = sweeper_flush(sw);
	*dropped = ret >= 0 ? sw->expired - before : 0;
	return ret;
}

int sweep_flows(struct sweeper *sw, int flows_fd, const struct xdpgw_config *cfg,
		__u64 now_ns, struct sweep_result *res)
{
	struct scan s = { .sw = sw, .cfg = cfg, .now = now_ns };
	int err, expired;

	sw->expired = 0;
	sw->queued = 0;
	sw->longest_batch_ns = 0;
	res->early_dropped = 0;
	early_drop_reset(&sw->early);
	flow_census_reset(&sw->census);
	err = flow_table_walk(flows_fd, scan_one, &s);
	expired = sweeper_flush(sw);
	if (!err && expired >= 0)
		expired = sweeper_early_drop(sw, &sw->early, s.scanned - expired, cfg->max_flows,
					     &res->early_dropped);
	res->scanned = s.scanned;
	res->expired = expired > 0 ? expired : 0;
	res->longest_batch_ns = sw->longest_batch_ns;
	res->census = &sw->census;
	return err ?: (expired < 0 ? expired : 0);
}
