// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include "early_drop.h"

void early_drop_reset(struct early_drop *ed)
{
	ed->n = 0;
}

int early_drop_note(struct early_drop *ed, const struct nat_tuple *key,
		    const struct nat_flow *f)
{
	struct sweep_candidate *grown;
	size_t cap;

	if (f->packets_in)
		return 0; /* it has seen a reply: never dropped early */
	if (ed->n == ed->cap) {
		cap = ed->cap ? 2 * ed->cap : 1024;
		grown = realloc(ed->unreplied, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ed->unreplied = grown;
		ed->cap = cap;
	}
	ed->unreplied[ed->n].key = *key;
	ed->unreplied[ed->n].last_seen_ns = f->last_seen_ns;
	ed->n++;
	return 0;
}

static int oldest_first(const void *a, const void *b)
{
	const struct sweep_candidate *x = a, *y = b;

	return x->last_seen_ns < y->last_seen_ns ? -1 : x->last_seen_ns > y->last_seen_ns;
}

size_t early_drop_pick(struct early_drop *ed, __u64 live, __u32 max_flows)
{
	__u64 high = (__u64)max_flows * EARLY_DROP_HIGH / 16;
	__u64 low = (__u64)max_flows * EARLY_DROP_LOW / 16;
	__u64 excess;

	if (!max_flows || live <= high || !ed->n)
		return 0;
	excess = live - low;
	qsort(ed->unreplied, ed->n, sizeof(*ed->unreplied), oldest_first);
	return excess < ed->n ? excess : ed->n;
}

void early_drop_free(struct early_drop *ed)
{
	free(ed->unreplied);
	ed->unreplied = NULL;
	ed->n = ed->cap = 0;
}
