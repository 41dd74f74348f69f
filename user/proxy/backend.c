// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A worker's backends: made from the configuration and kept across
 * reloads, referenced by connections and exchanges, and what their faults
 * and answers say about their health (balance.c decides).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "log.h"
#include "proxy_int.h"
#include "proxy_stats.h"

static struct backend *be_new(const struct proxy_backend_cfg *bc)
{
	struct backend *be = calloc(1, sizeof(*be));

	if (!be)
		return NULL;
	be->addr = bc->addr;
	be->weight = bc->weight;
	be->refs = 1; /* the balancer's */
	proxy_fmt_addr(&be->addr, be->name, sizeof(be->name));
	return be;
}

void be_get(struct backend *be)
{
	be->refs++;
}

void be_put(struct backend *be)
{
	if (--be->refs == 0)
		free(be);
}

void be_trouble(struct worker *w, struct backend *be, bool counted, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_warn("backend %s: %s\n", be->name, why);
	if (!counted)
		return;
	if (backend_failed(&w->bal, be, w->now)) {
		pr_warn("backend %s down for %u ms after %u failures\n", be->name,
			w->cfg->fail_timeout, be->fails);
		proxy_stats_backend(&proxy_stats, be->name, true);
	} else if (w->bal.max_fails && be->fails >= w->bal.max_fails) {
		pr_warn("backend %s: %u failures, but no other backend is up: kept\n", be->name,
			be->fails);
	}
}

void be_answered(struct backend *be)
{
	if (backend_ok(be)) {
		pr_info("backend %s is up again\n", be->name);
		proxy_stats_backend(&proxy_stats, be->name, false);
	}
}

void be_drop(struct worker *w, struct backend *be)
{
	be->removed = true;
	pool_close_all(be);
	probe_stop(w, be);
	be_put(be);
}

/* The running backend at bc's address, taken out of w's balancer. */
static struct backend *be_take(struct worker *w, const struct proxy_backend_cfg *bc)
{
	unsigned int j;

	for (j = 0; j < w->bal.n; j++) {
		struct backend *old = w->bal.be[j];

		if (old && old->addr.sin_addr.s_addr == bc->addr.sin_addr.s_addr &&
		    old->addr.sin_port == bc->addr.sin_port) {
			w->bal.be[j] = NULL;
			return old;
		}
	}
	return NULL;
}

void backends_apply(struct worker *w, const struct proxy_cfg *cfg)
{
	struct balancer nb = {.mode = cfg->balance,
			      .max_fails = cfg->max_fails,
			      .fail_timeout = cfg->fail_timeout};
	unsigned int i, j;

	for (i = 0; i < cfg->nbackends; i++) {
		const struct proxy_backend_cfg *bc = &cfg->backends[i];
		struct backend *be = be_take(w, bc);

		if (be) {
			if (be->weight != (int)bc->weight)
				be->cur_weight = 0;
			be->weight = bc->weight;
		} else {
			be = be_new(bc);
			if (!be)
				continue;
		}
		nb.be[nb.n++] = be;
	}
	for (j = 0; j < w->bal.n; j++)
		if (w->bal.be[j])
			be_drop(w, w->bal.be[j]);
	nb.next = w->bal.next < nb.n ? w->bal.next : 0;
	w->bal = nb;
}
