// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How long the daemon's sweep takes over a large NAT table: real BPF hash
 * maps sized as `xdpgw run --max-flows N` makes them, filled with N flows,
 * swept once with nothing to expire and once with everything expired.
 * Prints CPU time (user + system), wall time, and the longest single kernel
 * step (one BPF_PROG_RUN deleting a batch of 4096 expired flows): the
 * longest the sweep keeps a CPU in the kernel at a stretch. Needs root.
 *
 * Usage: bench_sweep [FLOWS]   (default 1048576)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include "xdpgw.h"
#include "timeouts.h"
#include "sweep.h"

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void)
{
	return monotonic_ns() / 1e9;
}

/* N distinct flows from 10.0.0.0/8 hosts to one server, one port each. */
static int fill(int flows_fd, int rev_fd, __u32 n, __u64 last_seen)
{
	const __u32 chunk = 65536;
	struct nat_tuple *k = calloc(chunk, sizeof(*k)), *rk = calloc(chunk, sizeof(*rk));
	struct nat_flow *v = calloc(chunk, sizeof(*v));
	struct nat_rev *r = calloc(chunk, sizeof(*r));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i, done, cnt;
	int err = 0;

	for (done = 0; done < n && !err; done += cnt) {
		cnt = n - done < chunk ? n - done : chunk;
		for (i = 0; i < cnt; i++) {
			__u32 id = done + i;

			k[i] = (struct nat_tuple){ .saddr = htonl(0x0a000000 | (id >> 6)),
						   .daddr = htonl(0xc6336414),
						   .sport = htons(1024 + (id & 63)),
						   .dport = htons(80), .proto = IPPROTO_TCP };
			v[i] = (struct nat_flow){ .ext_addr = htonl(0xcb007101),
						  .ext_port = htons(1024 + id % 64512),
						  .state = FLOW_TCP_ESTABLISHED,
						  .last_seen_ns = last_seen };
			/* distinct rev keys: vary the remote port with the id */
			k[i].dport = htons(1 + id / 64512);
			rk[i] = nat_reply_tuple(&k[i], v[i].ext_addr, v[i].ext_port);
			r[i].orig = k[i];
		}
		err = bpf_map_update_batch(flows_fd, k, v, &cnt, &opts) ?:
		      bpf_map_update_batch(rev_fd, rk, r, &cnt, &opts);
	}
	free(k);
	free(rk);
	free(v);
	free(r);
	return err;
}

static void run_sweep(const char *what, struct sweeper *sw, int flows_fd,
		      const struct xdpgw_config *cfg, __u64 now, __u32 n)
{
	struct sweep_result res;
	double c0 = cpu_s(), w0 = wall_s();

	if (sweep_flows(sw, flows_fd, cfg, now, &res)) {
		perror("sweep");
		exit(1);
	}
	printf("%-34s %9u %9llu %10.3f %10.3f %11.0f %12.2f\n", what, n,
	       (unsigned long long)res.expired, cpu_s() - c0, wall_s() - w0,
	       (cpu_s() - c0) * 1e9 / (n ? n : 1), res.longest_batch_ns / 1e6);
}

int main(int argc, char **argv)
{
	__u32 n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1u << 20;
	struct xdpgw_config cfg;
	struct sweeper *sw;
	int flows_fd, rev_fd;
	__u64 now;

	if (geteuid()) {
		fprintf(stderr, "bench_sweep: needs root\n");
		return 4;
	}
	timeouts_default(&cfg);
	flows_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "flows", sizeof(struct nat_tuple),
				  sizeof(struct nat_flow), n, NULL);
	rev_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "rev", sizeof(struct nat_tuple),
				sizeof(struct nat_rev), n, NULL);
	if (flows_fd < 0 || rev_fd < 0) {
		perror("bpf_map_create");
		return 1;
	}
	now = monotonic_ns();
	if (fill(flows_fd, rev_fd, n, now)) {
		perror("filling the maps");
		return 1;
	}
	printf("%-34s %9s %9s %10s %10s %11s %12s\n", "sweep", "flows", "expired", "cpu_s",
	       "wall_s", "cpu_ns/flow", "longest_ms");
	if (sweeper_open(&sw, flows_fd, rev_fd, -1, -1)) {
		perror("loading the sweep program");
		return 1;
	}
	run_sweep("scan, nothing expired", sw, flows_fd, &cfg, now, n);
	run_sweep("scan, all expired and deleted", sw, flows_fd, &cfg,
		  now + 6ull * 24 * 3600 * 1000000000ull, n);
	sweeper_close(sw);
	close(flows_fd);
	close(rev_fd);
	return 0;
}
