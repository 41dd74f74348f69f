// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Live-frames UDP generator for selftests/bench/forward_rate.sh: runs
 * pktgen.bpf.c with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES, so each
 * run's XDP_TX sends a real frame out of IFNAME to its veth peer (which
 * must have an XDP program of its own, or veth refuses the frames).
 *
 * Full rate: runs for --warmup seconds, then measures for --seconds: the
 * frames offered (built by the program, counted in its .bss) and, with
 * --sink, the frames the sink counted over the same window (its pinned
 * per-CPU map, any namespace: a map is not tied to one). --stop-at N ends
 * the window early once the sink has counted N (a table that must not
 * fill). --rate paces the frames (one batch per syscall, each sent when
 * due) instead of sending as fast as the CPU can; --count sends N frames
 * and stops (no warm-up).
 *
 * --hold IF keeps the program attached (generic XDP) to IF, a device that
 * sees no traffic, while it runs: a test run of a program attached nowhere
 * adds it to the kernel's XDP dispatcher and takes it out again, two RCU
 * grace periods (some 25 ms here) per syscall.
 *
 * Prints one line of "key value" pairs. Run it inside IFNAME's namespace.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include "pktgen.skel.h"
#include "pktbench.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static int parse_ip(const char *s, __u32 *host)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*host = ntohl(a.s_addr);
	return 0;
}

/* Test frames the sink counted (all sources), summed over CPUs. */
static __u64 sink_read(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 v[ncpu], sum = 0;
	__u32 k;
	int c;

	for (k = 0; k < SINK__MAX; k++) {
		if (k == SINK_OTHER || bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (c = 0; c < ncpu; c++)
			sum += v[c];
	}
	return sum;
}

/* n frames in one syscall; the kernel sends them batch by batch. */
static int send_frames(int prog_fd, int ifindex, __u32 n, __u32 batch)
{
	static __u8 frame[PKTB_FRAME_LEN]; /* the program writes every byte */
	struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);

	return bpf_prog_test_run_opts(prog_fd, &o);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pktgen IFNAME --smac MAC --dmac MAC --src ADDR --dst ADDR [options]\n"
		"  --addrs N --ports N     source addresses x source ports (flows; 1 x 1)\n"
		"  --peers N               destination ports each of those sends to (1)\n"
		"  --sport P --dport P     first source port (1024), destination port of\n"
		"                          the first address (9; +1 per address)\n"
		"  --seconds S --warmup S  full rate: measure S seconds after a warm-up (3, 0.5)\n"
		"  --sink PIN              the sink's pinned counter map: count delivered\n"
		"  --stop-at N             end the window once the sink counted N\n"
		"  --rate PPS              pace the frames at PPS (default: as fast as it can)\n"
		"  --count N               at most N frames, no warm-up (no time limit\n"
		"                          unless --seconds)\n"
		"  --batch N               frames per live-frames batch (64)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smac", 1, 0, 'S' },    { "dmac", 1, 0, 'D' },  { "src", 1, 0, 's' },
		{ "dst", 1, 0, 'd' },     { "addrs", 1, 0, 'a' }, { "ports", 1, 0, 'p' },
		{ "peers", 1, 0, 'e' },
		{ "sport", 1, 0, 'P' },   { "dport", 1, 0, 'Q' }, { "seconds", 1, 0, 't' },
		{ "warmup", 1, 0, 'w' },  { "sink", 1, 0, 'k' },  { "stop-at", 1, 0, 'x' },
		{ "count", 1, 0, 'n' },   { "rate", 1, 0, 'r' },  { "batch", 1, 0, 'b' },
		{ "hold", 1, 0, 'H' },
		{},
	};
	double secs = -1, warmup = 0.5, rate = 0, start, t0 = 0, t1, t;
	unsigned long long count = 0, stop_at = 0, chunk, sent, n;
	__u64 runs0 = 0, runs1, sink0 = 0, sink1 = 0;
	bool measuring = false, have_smac = false, have_dmac = false, have_src = false, have_dst = false;
	const char *sink = NULL, *hold = NULL;
	int hold_ifindex = 0;
	struct pktgen *skel;
	int ifindex, prog_fd, c, fd = -1, err = 0, ret = 1;
	__u32 batch = 64;

	if (argc < 2 || argv[1][0] == '-')
		usage();
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "pktgen: no interface %s here\n", argv[1]);
		return 1;
	}
	skel = pktgen__open();
	if (!skel) {
		fprintf(stderr, "pktgen: open failed\n");
		return 1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S': have_smac = !parse_mac(optarg, skel->rodata->gen_smac); break;
		case 'D': have_dmac = !parse_mac(optarg, skel->rodata->gen_dmac); break;
		case 's': have_src = !parse_ip(optarg, &skel->rodata->gen_saddr); break;
		case 'd': have_dst = !parse_ip(optarg, &skel->rodata->gen_daddr); break;
		case 'a': skel->rodata->gen_addrs = strtoul(optarg, NULL, 0); break;
		case 'p': skel->rodata->gen_ports = strtoul(optarg, NULL, 0); break;
		case 'e': skel->rodata->gen_peers = strtoul(optarg, NULL, 0); break;
		case 'P': skel->rodata->gen_sport = strtoul(optarg, NULL, 0); break;
		case 'Q': skel->rodata->gen_dport = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'k': sink = optarg; break;
		case 'x': stop_at = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'r': rate = atof(optarg); break;
		case 'b': batch = strtoul(optarg, NULL, 0); break;
		case 'H': hold = optarg; break;
		default: usage();
		}
	}
	if (!have_smac || !have_dmac || !have_src || !have_dst || !skel->rodata->gen_addrs ||
	    !skel->rodata->gen_ports || !skel->rodata->gen_peers || !batch)
		usage();
	if (pktgen__load(skel)) {
		fprintf(stderr, "pktgen: load failed\n");
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.pktgen);
	if (hold) {
		hold_ifindex = if_nametoindex(hold);
		if (!hold_ifindex || bpf_xdp_attach(hold_ifindex, prog_fd, XDP_FLAGS_SKB_MODE, NULL)) {
			fprintf(stderr, "pktgen: cannot attach to %s\n", hold);
			goto out;
		}
	}
	if (sink) {
		fd = bpf_obj_get(sink);
		if (fd < 0) {
			fprintf(stderr, "pktgen: %s: %s\n", sink, strerror(errno));
			goto out;
		}
	}
	/*
	 * Unpaced: some ms of frames per syscall. Paced: a batch, or 0.5 ms
	 * of frames, per syscall (a live-frames run costs some 0.2 ms to set
	 * up), each sent when due.
	 */
	chunk = rate > 0 ? (rate * 0.0005 > batch ? rate * 0.0005 : batch) : 32768;
	if (count)
		warmup = 0;
	if (secs < 0)
		secs = count ? 1e9 : 3;
	start = now_s();
	for (sent = 0; !err; sent += n) {
		t = now_s();
		if (!measuring && t - start >= warmup) {
			runs0 = skel->bss->gen_runs;
			sink0 = fd >= 0 ? sink_read(fd) : 0;
			t0 = t;
			measuring = true;
		}
		if (measuring && (t - t0 >= secs || (count && sent >= count) ||
				  (stop_at && fd >= 0 && sink_read(fd) - sink0 >= stop_at)))
			break;
		n = count && count - sent < chunk ? count - sent : chunk;
		if (rate > 0 && start + sent / rate > t)
			usleep((start + sent / rate - t) * 1e6);
		err = send_frames(prog_fd, ifindex, n, batch);
	}
	sink1 = fd >= 0 ? sink_read(fd) : 0;
	t1 = now_s();
	runs1 = skel->bss->gen_runs;
	if (err) {
		fprintf(stderr, "pktgen: BPF_PROG_RUN (live frames) on %s: %s\n", argv[1],
			strerror(-err));
		goto out;
	}
	/* total: frames of the whole run, warm-up included */
	printf("total %llu offered %llu seconds %.4f offered_pps %.0f",
	       (unsigned long long)runs1, (unsigned long long)(runs1 - runs0), t1 - t0,
	       (runs1 - runs0) / (t1 - t0));
	if (fd >= 0)
		printf(" delivered %llu delivered_pps %.0f", (unsigned long long)(sink1 - sink0),
		       (sink1 - sink0) / (t1 - t0));
	printf("\n");
	ret = 0;
out:
	if (hold_ifindex)
		bpf_xdp_detach(hold_ifindex, XDP_FLAGS_SKB_MODE, NULL);
	pktgen__destroy(skel);
	return ret;
}
