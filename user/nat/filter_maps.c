// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The filter table in the pinned maps: two generations of the classifier;
 * the programs read the one filter_ctl names. A write fills the other one
 * completely, switches filter_ctl (one 4-byte word, 0 or 1: a reader sees
 * the old value or the new), then waits an RCU grace period: XDP programs
 * run inside RCU read-side sections, so once synchronize_rcu() returned no
 * packet is still classified with the old generation, and the next write
 * may overwrite it. membarrier(MEMBARRIER_CMD_GLOBAL) is that wait from
 * userspace. A program derives every key from the generation it read, so
 * its reads depend on that one load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "filter_rules.h"
#include "log.h"

#define MAX_CPUS 1024

static const struct {
	const char *name;
	size_t off;
} map_list[] = {
	{ XDPGW_MAP_FILTER_CTL, offsetof(struct filter_maps, ctl) },
	{ XDPGW_MAP_FILTER_META, offsetof(struct filter_maps, meta) },
	{ XDPGW_MAP_FILTER_RULES, offsetof(struct filter_maps, rules) },
	{ XDPGW_MAP_FILTER_PORT_CLASS, offsetof(struct filter_maps, port_class) },
	{ XDPGW_MAP_FILTER_PORT_BITS, offsetof(struct filter_maps, port_bits) },
	{ XDPGW_MAP_FILTER_DST, offsetof(struct filter_maps, dst) },
	{ XDPGW_MAP_FILTER_SRC, offsetof(struct filter_maps, src) },
	{ XDPGW_MAP_FILTER_COUNTS, offsetof(struct filter_maps, counts) },
};
#define NMAPS (sizeof(map_list) / sizeof(map_list[0]))

static int *map_fd(struct filter_maps *m, size_t i)
{
	return (int *)((char *)m + map_list[i].off);
}

int filter_maps_open(const char *dir, struct filter_maps *m)
{
	char path[4096];
	size_t i;
	int err;

	for (i = 0; i < NMAPS; i++)
		*map_fd(m, i) = -1;
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_list[i].name);
		*map_fd(m, i) = bpf_obj_get(path);
		if (*map_fd(m, i) < 0) {
			err = -errno;
			pr_warn("cannot open map %s: %s\n", path, strerror(errno));
			filter_maps_close(m);
			return err;
		}
	}
	return 0;
}

void filter_maps_close(struct filter_maps *m)
{
	size_t i;

	for (i = 0; i < NMAPS; i++) {
		if (*map_fd(m, i) >= 0)
			close(*map_fd(m, i));
		*map_fd(m, i) = -1;
	}
}

static int warn_map(const char *what, const char *map, int err)
{
	pr_warn("%s map %s failed: %s\n", what, map, strerror(-err));
	return err;
}

static int active_gen(const struct filter_maps *m, __u32 *gen)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->ctl, &zero, gen))
		return warn_map("reading", XDPGW_MAP_FILTER_CTL, -errno);
	*gen &= 1;
	return 0;
}

int filter_table_read(const struct filter_maps *m, struct filter_table *t)
{
	struct filter_meta meta;
	__u32 gen, i, key;
	int err = active_gen(m, &gen);

	if (err)
		return err;
	if (bpf_map_lookup_elem(m->meta, &gen, &meta))
		return warn_map("reading", XDPGW_MAP_FILTER_META, -errno);
	if (meta.nrules > XDPGW_FILTER_RULES_MAX)
		return warn_map("reading", XDPGW_MAP_FILTER_META, -EINVAL);
	t->n = meta.nrules;
	t->default_action = meta.default_action;
	for (i = 0; i < t->n; i++) {
		key = gen * XDPGW_FILTER_RULES_MAX + i;
		if (bpf_map_lookup_elem(m->rules, &key, &t->rules[i]))
			return warn_map("reading", XDPGW_MAP_FILTER_RULES, -errno);
	}
	return 0;
}

int filter_count_read(const struct filter_maps *m, __u32 slot, struct filter_count *sum)
{
	struct filter_count v[MAX_CPUS];
	int cpu, n = libbpf_num_possible_cpus();

	memset(sum, 0, sizeof(*sum));
	if (n > MAX_CPUS || bpf_map_lookup_elem(m->counts, &slot, v))
		return warn_map("reading", XDPGW_MAP_FILTER_COUNTS, n > MAX_CPUS ? -E2BIG : -errno);
	for (cpu = 0; cpu < n; cpu++) {
		sum->packets += v[cpu].packets;
		sum->bytes += v[cpu].bytes;
	}
	return 0;
}

/* Give the new rules of t a free counter slot each, zeroed: a free slot is
 * no rule's in the generation in use, so no program writes it.
 */
static int assign_slots(const struct filter_maps *m, struct filter_table *t)
{
	static struct filter_count zero[MAX_CPUS];
	bool used[XDPGW_FILTER_RULES_MAX] = {};
	__u32 i, next = 0, slot;

	for (i = 0; i < t->n; i++)
		if (t->rules[i].slot < XDPGW_FILTER_RULES_MAX)
			used[t->rules[i].slot] = true;
	for (i = 0; i < t->n; i++) {
		if (t->rules[i].slot < XDPGW_FILTER_RULES_MAX)
			continue;
		while (next < XDPGW_FILTER_RULES_MAX && used[next])
			next++;
		if (next == XDPGW_FILTER_RULES_MAX)
			return -ENOSPC;
		slot = next;
		if (bpf_map_update_elem(m->counts, &slot, zero, 0))
			return warn_map("clearing a counter of", XDPGW_MAP_FILTER_COUNTS, -errno);
		used[slot] = true;
		t->rules[i].slot = slot;
	}
	return 0;
}

/* Write n values of an array map from key first on, in one call. */
static int array_write(int fd, const char *name, __u32 first, const void *values, __u32 n)
{
	__u32 *keys = malloc(n * sizeof(*keys)), i, count = n;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = first + i;
	if (n && bpf_map_update_batch(fd, keys, values, &count, NULL))
		err = warn_map("writing", name, -errno);
	free(keys);
	return err;
}

/* Delete the entries of generation gen from filter_dst (src false) or
 * filter_src (src true): the keys are collected first, then deleted.
 */
static int delete_gen(int fd, const char *name, bool src, __u32 gen)
{
	union any_key {
		struct filter_src_key s;
		struct filter_dst_key d;
	};
	static union any_key keys[XDPGW_FILTER_GENS * (XDPGW_FILTER_RULES_MAX + 1)];
	union any_key k, next;
	__u32 n = 0, i;
	void *prev = NULL;

	while (n < sizeof(keys) / sizeof(keys[0]) && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if ((src ? ntohl(next.s.gen) : next.d.gen) == gen)
			keys[n++] = next;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT)
			return warn_map("clearing", name, -errno);
	return 0;
}

static int write_gen(const struct filter_maps *m, const struct filter_table *t,
		     const struct filter_compiled *c, __u32 gen)
{
	__u32 i, key;
	int err;

	err = array_write(m->port_class, XDPGW_MAP_FILTER_PORT_CLASS,
			  gen * XDPGW_FILTER_PORT_SLOTS, c->port_class, XDPGW_FILTER_PORT_SLOTS) ?:
	      array_write(m->port_bits, XDPGW_MAP_FILTER_PORT_BITS, gen * XDPGW_FILTER_CLASSES,
			  c->classes, c->nclasses) ?:
	      array_write(m->rules, XDPGW_MAP_FILTER_RULES, gen * XDPGW_FILTER_RULES_MAX,
			  t->rules, t->n) ?:
	      delete_gen(m->dst, XDPGW_MAP_FILTER_DST, false, gen) ?:
	      delete_gen(m->src, XDPGW_MAP_FILTER_SRC, true, gen);
	for (i = 0; !err && i < c->ndst; i++) {
		struct filter_dst_key k = { .gen = gen, .addr = c->dst[i].addr };

		if (bpf_map_update_elem(m->dst, &k, &c->dst[i].bits, 0))
			err = warn_map("writing", XDPGW_MAP_FILTER_DST, -errno);
	}
	for (i = 0; !err && i < c->nsrc; i++) {
		struct filter_src_key k = { .prefixlen = 32 + c->src[i].len, .gen = htonl(gen),
					    .addr = c->src[i].net };

		if (bpf_map_update_elem(m->src, &k, &c->src[i].bits, 0))
			err = warn_map("writing", XDPGW_MAP_FILTER_SRC, -errno);
	}
	key = gen;
	if (!err && bpf_map_update_elem(m->meta, &key, &c->meta, 0))
		err = warn_map("writing", XDPGW_MAP_FILTER_META, -errno);
	return err;
}

/* Until no program can be reading the generation just left. */
static void grace_period(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	/* synchronize_rcu(); refused with nohz_full CPUs: then a wait far
	 * longer than any program run instead.
	 */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		nanosleep(&ts, NULL);
}

int filter_table_write(const struct filter_maps *m, struct filter_table *t)
{
	struct filter_compiled *c = malloc(sizeof(*c));
	__u32 gen, zero = 0;
	int err;

	if (!c)
		return -ENOMEM;
	err = active_gen(m, &gen) ?: assign_slots(m, t) ?: filter_compile(t, c);
	if (!err)
		err = write_gen(m, t, c, !gen);
	free(c);
	if (err)
		return err;
	gen = !gen;
	if (bpf_map_update_elem(m->ctl, &zero, &gen, 0))
		return warn_map("switching", XDPGW_MAP_FILTER_CTL, -errno);
	grace_period();
	return 0;
}
