// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"

/* A per-CPU lookup fills one value per possible CPU. */
static __u64 *percpu_buf(int *ncpu)
{
	*ncpu = libbpf_num_possible_cpus();
	return *ncpu > 0 ? calloc(*ncpu, sizeof(__u64)) : NULL;
}

int stats_read(int fd, __u64 *totals)
{
	int ncpu, cpu, err = 0;
	__u64 *vals = percpu_buf(&ncpu);
	__u32 key;

	if (!vals)
		return -ENOMEM;
	for (key = 0; key < STAT__MAX && !err; key++) {
		totals[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals))
			err = -errno;
		for (cpu = 0; cpu < ncpu && !err; cpu++)
			totals[key] += vals[cpu];
	}
	free(vals);
	return err;
}

int stats_add(int fd, enum xdpgw_stat idx, __u64 n)
{
	int ncpu, err = 0;
	__u64 *vals = percpu_buf(&ncpu);
	__u32 key = idx;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals) == 0) {
		vals[0] += n;
		if (bpf_map_update_elem(fd, &key, vals, BPF_EXIST))
			err = -errno;
	} else {
		err = -errno;
	}
	free(vals);
	return err;
}
