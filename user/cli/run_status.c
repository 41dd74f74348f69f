// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What `run`'s daemon answers `xdpgw status` (control.h): the last sweep,
 * the fast path's switch, the proxy's backends, /metrics' address. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "control.h"
#include "json.h"
#include "proxy_stats.h"
#include "run_daemon.h"
#include "timeouts.h"

static const char *const dir_names[FAST_DIR__MAX] = { "out", "in" };

/* `xdpgw status` as text: lines indented as its own. */
static void answer_status_text(FILE *f, struct run_daemon *d)
{
	__u64 now = monotonic_ns();
	char addr[24];
	unsigned int i;

	if (d->sweeps)
		fprintf(f,
			"  sweep       last %.3f ms, %.1f s ago: %llu flows scanned, %llu expired, "
			"%llu due soon (expiry lane)\n",
			d->last_sweep_took_ns / 1e6, (now - d->last_sweep_at_ns) / 1e9,
			(unsigned long long)d->last.scanned, (unsigned long long)d->last.expired,
			(unsigned long long)d->last.lane);
	for (i = 0; d->fs->map_fd >= 0 && i < FAST_DIR__MAX; i++)
		if (d->fs->d[i].state != FAST_STATE_ON)
			fprintf(f, "  fast %-3s    %s\n", dir_names[i], d->fs->d[i].why);
	if (d->pg) {
		fprintf(f, "  proxy       ");
		for (i = 0; i < d->proxy->nlistens; i++) {
			proxy_fmt_addr(&d->proxy->listens[i].addr, addr, sizeof(addr));
			fprintf(f, "%s%s%s", i ? ", " : "", addr, d->proxy->listens[i].tls ? " (tls)" : "");
		}
		fputc(':', f);
		for (i = 0; i < proxy_stats.nbackends; i++)
			fprintf(f, "%s %s %s", i ? "," : "", proxy_stats.name[i],
				atomic_load(&proxy_stats.down[i]) ? "down" : "up");
		fputc('\n', f);
	}
	if (d->metrics) {
		proxy_fmt_addr(d->metrics, addr, sizeof(addr));
		fprintf(f, "  metrics     http://%s/metrics\n", addr);
	}
}

/* `xdpgw status`: what only the daemon knows, as one JSON object (or text). */
void run_daemon_status(FILE *f, const char *request, void *ctx)
{
	struct run_daemon *d = ctx;
	__u64 now = monotonic_ns();
	char addr[24];
	int i;

	if (!strcmp(request, CONTROL_STATUS_TEXT)) {
		answer_status_text(f, d);
		return;
	}
	if (strcmp(request, CONTROL_STATUS)) {
		fprintf(f, "{\"error\":\"unknown request\"}");
		return;
	}
	fprintf(f, "{\"pid\":%d,\"uptime_s\":%llu,\"sweep\":{\"runs\":%llu", getpid(),
		(unsigned long long)((now - d->started_ns) / 1000000000ull),
		(unsigned long long)d->sweeps);
	if (d->sweeps)
		fprintf(f,
			",\"last_ms\":%.3f,\"ago_s\":%.1f,\"scanned\":%llu,\"expired\":%llu,"
			"\"early_dropped\":%llu,\"lane\":%llu",
			d->last_sweep_took_ns / 1e6, (now - d->last_sweep_at_ns) / 1e9,
			(unsigned long long)d->last.scanned, (unsigned long long)d->last.expired,
			(unsigned long long)d->last.early_dropped, (unsigned long long)d->last.lane);
	fprintf(f, "},\"fast_path\":[");
	for (i = 0; d->fs->map_fd >= 0 && i < FAST_DIR__MAX; i++) {
		fprintf(f, "%s{\"direction\":\"%s\",\"from\":", i ? "," : "", dir_names[i]);
		json_str(f, d->fs->d[i].from);
		fprintf(f, ",\"to\":");
		json_str(f, d->fs->d[i].to);
		fprintf(f, ",\"on\":%s,\"why\":",
			d->fs->d[i].state == FAST_STATE_ON ? "true" : "false");
		json_str(f, d->fs->d[i].why);
		fprintf(f, "}");
	}
	fprintf(f, "],\"proxy\":");
	if (d->pg) {
		fprintf(f, "{\"listen\":[");
		for (i = 0; i < (int)d->proxy->nlistens; i++) {
			proxy_fmt_addr(&d->proxy->listens[i].addr, addr, sizeof(addr));
			fprintf(f, "%s{\"address\":\"%s\",\"tls\":%s}", i ? "," : "", addr,
				d->proxy->listens[i].tls ? "true" : "false");
		}
		fprintf(f, "],\"backends\":");
		proxy_stats_backends_json(f, &proxy_stats);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\"metrics\":");
	if (d->metrics) {
		proxy_fmt_addr(d->metrics, addr, sizeof(addr));
		fprintf(f, "\"http://%s/metrics\"", addr);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "}");
}

