// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Backend choice and passive health. Smooth weighted round robin is nginx's
 * (each pick adds every usable backend's weight to its current weight, takes
 * the largest and subtracts the total from it): weights 5,1,1 give
 * a a b a c a a, spread out rather than in bursts. Least connections picks
 * the fewest requests in flight per unit of weight, ties in turn.
 *
 * Passive health follows nginx's max_fails: what counts as a failure is the
 * caller's (connect errors and timeouts, resets before any response byte:
 * proxy_next_upstream's "error timeout"), and the last backend that is up
 * is never marked down; when every backend is down all the same (active
 * checks, reloads), a first try goes to one only marked down by failures.
 */
#include "proxy_int.h"

bool backend_usable(const struct backend *be, uint64_t now)
{
	return !be->removed && !be->probe_down && now >= be->down_until;
}

/* Usable, or only down by failures when `anyway` (all are down). */
static bool eligible(const struct backend *be, uint64_t now, bool anyway)
{
	return anyway ? !be->removed && !be->probe_down : backend_usable(be, now);
}

static struct backend *pick_rr(struct balancer *b, uint64_t now, const struct backend *exclude,
			       bool anyway)
{
	struct backend *best = NULL;
	int total = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct backend *be = b->be[i];

		if (be == exclude || !eligible(be, now, anyway))
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
				      const struct backend *exclude, bool anyway)
{
	struct backend *best = NULL;
	unsigned int i, k, at = 0;

	for (k = 0; k < b->n; k++) {
		struct backend *be;

		i = (b->next + k) % b->n;
		be = b->be[i];
		if (be == exclude || !eligible(be, now, anyway))
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

static struct backend *pick(struct balancer *b, uint64_t now, const struct backend *exclude,
			    bool anyway)
{
	return b->mode == BALANCE_LEASTCONN ? pick_leastconn(b, now, exclude, anyway)
					    : pick_rr(b, now, exclude, anyway);
}

struct backend *balance_pick(struct balancer *b, uint64_t now, const struct backend *exclude)
{
	struct backend *be;

	if (!b->n)
		return NULL;
	be = pick(b, now, exclude, false);
	/* a retry (exclude) is not sent to a backend known to fail */
	return be || exclude ? be : pick(b, now, NULL, true);
}

/* Another backend than be is up. */
static bool other_usable(const struct balancer *b, const struct backend *be, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->be[i] != be && backend_usable(b->be[i], now))
			return true;
	return false;
}

bool backend_failed(struct balancer *b, struct backend *be, uint64_t now)
{
	be->fails++;
	if (!b->max_fails || be->fails < b->max_fails)
		return false;
	/* the last one up stays up: marking it down would turn every
	 * request into a 502 for fail_timeout, whatever one client did */
	if (!other_usable(b, be, now))
		return false;
	/* down again at once when its first request after a rest fails */
	be->down_until = now + b->fail_timeout;
	be->cur_weight = 0;
	return true;
}

/* The pool follows the load: N clients busy at once lately find N
 * connections the next time instead of opening (and leaving in TIME_WAIT)
 * all beyond a fixed --keepalive; idle ones still close after pool-timeout. */
void backend_busy(struct backend *be, uint64_t now, uint64_t window)
{
	be->active++;
	if (be->active >= be->peak || now - be->peak_at > window) {
		be->peak = be->active;
		be->peak_at = now;
	}
}

unsigned int backend_pool_room(const struct backend *be, uint32_t keepalive, uint32_t max)
{
	unsigned int room = be->peak > keepalive ? be->peak : keepalive;

	if (!keepalive)
		return 0;
	if (max < keepalive)
		max = keepalive;
	return room < max ? room : max;
}

bool backend_ok(struct backend *be)
{
	bool was_down = be->down_until != 0;

	be->fails = 0;
	be->down_until = 0;
	return was_down;
}
