// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "proxy_stats.h"

struct proxy_stats proxy_stats;

/* 1 ms to 10 s, about three to a decade. */
static const uint64_t bounds_us[PROXY_HIST_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000,
};

static void hist_add(struct proxy_hist *h, uint64_t us)
{
	int i = 0;

	while (i < PROXY_HIST_BUCKETS && us > bounds_us[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

void proxy_stats_request(struct proxy_stats *s, unsigned int status, uint64_t us)
{
	unsigned int class = status / 100;

	atomic_fetch_add_explicit(&s->requests[class >= 1 && class <= 5 ? class : 0], 1,
				  memory_order_relaxed);
	hist_add(&s->response, us);
}

void proxy_stats_connect(struct proxy_stats *s, uint64_t us)
{
	hist_add(&s->connect, us);
}

void proxy_stats_backend(struct proxy_stats *s, const char *name, bool down)
{
	unsigned int i;

	for (i = 0; i < s->nbackends; i++)
		if (!strcmp(s->name[i], name))
			atomic_store_explicit(&s->down[i], down, memory_order_relaxed);
}

void proxy_stats_set_backends(struct proxy_stats *s, const char (*names)[24], unsigned int n)
{
	bool down[PROXY_STATS_BACKENDS] = {};
	unsigned int i, j;

	if (n > PROXY_STATS_BACKENDS)
		n = PROXY_STATS_BACKENDS;
	for (i = 0; i < n; i++)
		for (j = 0; j < s->nbackends; j++)
			if (!strcmp(names[i], s->name[j]))
				down[i] = atomic_load(&s->down[j]);
	for (i = 0; i < n; i++) {
		memcpy(s->name[i], names[i], sizeof(s->name[i]));
		atomic_store(&s->down[i], down[i]);
	}
	s->nbackends = n;
}

static void render_hist(FILE *f, const char *name, const char *help, const struct proxy_hist *h,
			const char *listen)
{
	uint64_t cum = 0;
	int i;

	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i <= PROXY_HIST_BUCKETS; i++) {
		cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
		if (i < PROXY_HIST_BUCKETS)
			fprintf(f, "%s_bucket{listen=\"%s\",le=\"%g\"} %llu\n", name, listen,
				bounds_us[i] / 1e6, (unsigned long long)cum);
		else
			fprintf(f, "%s_bucket{listen=\"%s\",le=\"+Inf\"} %llu\n", name, listen,
				(unsigned long long)cum);
	}
	fprintf(f, "%s_sum{listen=\"%s\"} %.6f\n%s_count{listen=\"%s\"} %llu\n", name, listen,
		atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6, name, listen,
		(unsigned long long)cum);
}

void proxy_stats_render(FILE *f, const struct proxy_stats *s, const char *listen)
{
	static const char *const classes[6] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx" };
	unsigned int i;

	fprintf(f, "# HELP xdpgw_proxy_requests_total Requests answered, by status class.\n"
		   "# TYPE xdpgw_proxy_requests_total counter\n");
	for (i = 0; i < 6; i++)
		fprintf(f, "xdpgw_proxy_requests_total{listen=\"%s\",class=\"%s\"} %llu\n", listen,
			classes[i],
			(unsigned long long)atomic_load_explicit(&s->requests[i],
								 memory_order_relaxed));
	fprintf(f, "# HELP xdpgw_proxy_backend_up Whether the backend takes requests (1) or is "
		   "marked down (0).\n# TYPE xdpgw_proxy_backend_up gauge\n");
	for (i = 0; i < s->nbackends; i++)
		fprintf(f, "xdpgw_proxy_backend_up{listen=\"%s\",backend=\"%s\"} %d\n", listen,
			s->name[i], !atomic_load(&s->down[i]));
	render_hist(f, "xdpgw_proxy_upstream_connect_seconds",
		    "Time to connect to a backend, per new upstream connection.", &s->connect,
		    listen);
	render_hist(f, "xdpgw_proxy_response_seconds",
		    "Time from a request's first byte to the end of its response.", &s->response,
		    listen);
}

void proxy_stats_backends_json(FILE *f, const struct proxy_stats *s)
{
	unsigned int i;

	fputc('[', f);
	for (i = 0; i < s->nbackends; i++)
		fprintf(f, "%s{\"backend\":\"%s\",\"up\":%s}", i ? "," : "", s->name[i],
			atomic_load(&s->down[i]) ? "false" : "true");
	fputc(']', f);
}
