// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Backend choice and passive health. Smooth weighted round robin is nginx's
 * (each pick adds every usable backend's weight to its current weight, takes
 * the largest and subtracts the total from it): weights 5,1,1 give
 * a a b a c a a, spread out rather than in bursts. Least connections picks
 * the fewest requests in flight per unit of weight, ties in turn.
 */
#include "proxy.h"

bool backend_usable(const struct backend *be, uint64_t now)
{
	return !be->removed && !be->probe_down && now >= be->down_until;
}

static struct backend *pick_rr(struct balancer *b, uint64_t now, const struct backend *exclude)
{
	struct backend *best = NULL;
	int total = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct backend *be = b->be[i];

		if (be == exclude || !backend_usable(be, now))
			continue;
		be->cur_weight += be->weight;
		total += be->weight;
		if (!best || be->cur_weight > best->cur_weight)
			best = be;
	}
	if (best)
		best->cur_weight -= total;
	return best;
}

static struct backend *pick_leastconn(struct balancer *b, uint64_t now,
				      const struct backend *exclude)
{
	struct backend *best = NULL;
	unsigned int i, k, at = 0;

	for (k = 0; k < b->n; k++) {
		struct backend *be;

		i = (b->next + k) % b->n;
		be = b->be[i];
		if (be == exclude || !backend_usable(be, now))
			continue;
		/* active/weight < best's, without division */
		if (!best ||
		    (uint64_t)be->active * best->weight < (uint64_t)best->active * be->weight) {
			best = be;
			at = i;
		}
	}
	if (best)
		b->next = (at + 1) % b->n;
	return best;
}

struct backend *balance_pick(struct balancer *b, uint64_t now, const struct backend *exclude)
{
	if (!b->n)
		return NULL;
	return b->mode == BALANCE_LEASTCONN ? pick_leastconn(b, now, exclude)
					    : pick_rr(b, now, exclude);
}

bool backend_failed(struct balancer *b, struct backend *be, uint64_t now)
{
	be->fails++;
	if (!b->max_fails || be->fails < b->max_fails)
		return false;
	/* down again at once when its first request after a rest fails */
	be->down_until = now + b->fail_timeout;
	be->cur_weight = 0;
	return true;
}

bool backend_ok(struct backend *be)
{
	bool was_down = be->down_until != 0;

	be->fails = 0;
	be->down_until = 0;
	return was_down;
}
