// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP programs of selftests/bench/forward_rate.sh other than the
 * generator: attach one to an interface of the current namespace with a
 * BPF link pinned in PINDIR (removing PINDIR detaches it), and read the
 * counters it keeps.
 *
 *   fwd_xdp attach IFNAME pass|router|sink PINDIR [NAT_ADDR INTERNAL/LEN]
 *	pass:   floor_pass (floors.bpf.c): XDP_PASS, so that a veth peer
 *	        takes XDP frames at all
 *	router: floor_router (floors.bpf.c, bench_mode off): fib lookup,
 *	        MACs and TTL, bpf_redirect
 *	sink:   pktsink.bpf.c: counts the generator's frames by source
 *	        (NAT_ADDR, the internal prefix, other) and drops them
 *   fwd_xdp read PINDIR
 *	prints "native N translated N stray N other N" (sink) or
 *	"routed N last_fib_ret N" (pass, router)
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "floors.skel.h"
#include "pktsink.skel.h"
#include "pktbench.h"

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) < (int)len ? 0 : -ENAMETOOLONG;
}

/* Attach prog to ifindex and pin its link, and map, in dir. */
static int attach_pin(struct bpf_program *prog, int ifindex, struct bpf_map *map,
		      const char *map_name, const char *dir)
{
	struct bpf_link *link;
	char path[256];
	int err;

	link = bpf_program__attach_xdp(prog, ifindex);
	if (!link)
		return -errno;
	err = pin_path(path, sizeof(path), dir, map_name) ?: bpf_map__pin(map, path) ?:
	      pin_path(path, sizeof(path), dir, "link") ?: bpf_link__pin(link, path);
	bpf_link__destroy(link); /* the pin holds it from now on */
	return err;
}

static int attach(const char *ifname, const char *what, const char *dir, const char *nat,
		  const char *prefix)
{
	int ifindex = if_nametoindex(ifname), err;

	if (!ifindex) {
		fprintf(stderr, "fwd_xdp: no interface %s here\n", ifname);
		return 1;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "fwd_xdp: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (!strcmp(what, "sink")) {
		struct pktsink *s = pktsink__open();
		struct in_addr a = {};
		char net[32];
		int len = -1;

		if (!s)
			return 1;
		if (nat && inet_pton(AF_INET, nat, &a) == 1)
			s->rodata->sink_nat_addr = ntohl(a.s_addr);
		if (prefix && sscanf(prefix, "%31[0-9.]/%d", net, &len) == 2 && len >= 0 &&
		    len <= 32 && inet_pton(AF_INET, net, &a) == 1) {
			s->rodata->sink_int_mask = len ? ~0u << (32 - len) : 0;
			s->rodata->sink_int_net = ntohl(a.s_addr) & s->rodata->sink_int_mask;
		}
		err = pktsink__load(s) ?: attach_pin(s->progs.pktsink, ifindex,
						    s->maps.sink_counts, "counts", dir);
		pktsink__destroy(s);
	} else if (!strcmp(what, "pass") || !strcmp(what, "router")) {
		struct floors *f = floors__open();

		if (!f)
			return 1;
		f->rodata->bench_mode = false; /* keep the TTL check: real traffic */
		err = floors__load(f) ?:
		      attach_pin(what[0] == 'p' ? f->progs.floor_pass : f->progs.floor_router,
				 ifindex, f->maps.bss, "bss", dir);
		floors__destroy(f);
	} else {
		fprintf(stderr, "fwd_xdp: unknown program %s\n", what);
		return 2;
	}
	if (err)
		fprintf(stderr, "fwd_xdp: attaching %s to %s: %s\n", what, ifname, strerror(-err));
	return !!err;
}

static int read_counters(const char *dir)
{
	static const char *const names[SINK__MAX] = { "native", "translated", "stray", "other" };
	char path[256];
	__u32 k = 0;
	int fd;

	if (pin_path(path, sizeof(path), dir, "counts"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		int ncpu = libbpf_num_possible_cpus(), c;
		__u64 v[ncpu], sum;

		for (k = 0; k < SINK__MAX; k++) {
			if (bpf_map_lookup_elem(fd, &k, v))
				return 1;
			for (sum = 0, c = 0; c < ncpu; c++)
				sum += v[c];
			printf("%s%s %llu", k ? " " : "", names[k], (unsigned long long)sum);
		}
		printf("\n");
		return 0;
	}
	if (pin_path(path, sizeof(path), dir, "bss"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		struct floors__bss b;

		if (bpf_map_lookup_elem(fd, &k, &b))
			return 1;
		printf("routed %llu last_fib_ret %d\n", (unsigned long long)b.routed,
		       b.last_fib_ret);
		return 0;
	}
	fprintf(stderr, "fwd_xdp: nothing pinned in %s\n", dir);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "attach"))
		return attach(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL,
			      argc > 6 ? argv[6] : NULL);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return read_counters(argv[2]);
	fprintf(stderr, "usage: fwd_xdp attach IFNAME pass|router|sink PINDIR [NAT_ADDR PREFIX]\n"
			"       fwd_xdp read PINDIR\n");
	return 2;
}
