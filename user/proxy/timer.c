// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hashed timer wheel (Varghese and Lauck's scheme 6): arming and disarming
 * are O(1), which matters as every read can push a connection's deadline.
 * Timers are embedded in the objects they time; a handler may free its
 * object and arm or disarm any other timer.
 */
#include <string.h>
#include "proxy_int.h"

void tw_init(struct timer_wheel *w, uint64_t now_ms)
{
	memset(w->slot, 0, sizeof(w->slot));
	w->tick = now_ms / PROXY_TW_TICK;
}

void tw_del(struct ptimer *t)
{
	if (!t->pprev)
		return;
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

static void link_at(struct ptimer **head, struct ptimer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

void tw_add(struct timer_wheel *w, struct ptimer *t, uint64_t expires)
{
	uint64_t tick = (expires + PROXY_TW_TICK - 1) / PROXY_TW_TICK;

	tw_del(t);
	/* never into a tick already run: it would wait a whole turn */
	if (tick < w->tick)
		tick = w->tick;
	t->expires = expires;
	link_at(&w->slot[tick % PROXY_TW_SLOTS], t);
}

unsigned int tw_run(struct timer_wheel *w, uint64_t now_ms)
{
	uint64_t now_tick = now_ms / PROXY_TW_TICK;
	unsigned int ran = 0;

	while (w->tick <= now_tick) {
		struct ptimer **slot = &w->slot[w->tick % PROXY_TW_SLOTS];
		struct ptimer *due = NULL, *t, *next;

		/* Move what is due to a list of its own first: a handler may
		 * disarm others from this slot, which then leave that list. */
		for (t = *slot; t; t = next) {
			next = t->next;
			if (t->expires > now_ms)
				continue;
			tw_del(t);
			link_at(&due, t);
		}
		while ((t = due)) {
			tw_del(t);
			ran++;
			t->fn(t);
		}
		if (w->tick == now_tick)
			break; /* this tick may get more timers before it ends */
		w->tick++;
	}
	return ran;
}

int tw_wait_ms(const struct timer_wheel *w, uint64_t now_ms)
{
	uint64_t next = (now_ms / PROXY_TW_TICK + 1) * PROXY_TW_TICK;

	(void)w;
	return next - now_ms;
}
