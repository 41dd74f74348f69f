// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpgw status: every instance of this network namespace at a glance: what
 * it translates, where its programs are attached and how, the fast path's
 * directions, how full the table and the port pool are, and its daemon.
 * Read from the pinned maps and the kernel; what only the daemon knows
 * (its sweep, why a direction is off, the proxy) it is asked (control.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "xdpgw.h"
#include "cli.h"
#include "control.h"
#include "flow_table.h"
#include "iface.h"
#include "instance.h"
#include "json.h"
#include "log.h"

#define STATUS_MAX 64 /* instances listed */
#define ANSWER_MAX 65536 /* the daemon's answer */

struct status {
	const char *ifname;
	char dir[PATH_MAX];
	struct xdpgw_config set;
	char int_ifname[IF_NAMESIZE];
	const char *xdp_mode, *tc, *int_xdp_mode;
	char driver[32], int_driver[32];
	__u32 fast[FAST_DIR__MAX]; /* enum fast_state; FAST_STATE__MAX: unknown */
	struct flow_census *use;
	bool table_ok;
	int pid; /* of the daemon; 0: none */
	char *daemon; /* its answer (JSON, or text lines), or NULL */
};

static int count_flow(const struct nat_tuple *key, const struct nat_flow *f, void *ctx)
{
	flow_census_add(ctx, key, f);
	return 0;
}

static int map_open(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

static void status_read(struct status *st, bool json)
{
	__u32 zero = 0, i;
	int fd, ifindex;

	fd = map_open(st->dir, XDPGW_MAP_SETTINGS);
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &st->set);
		close(fd);
	}
	fd = map_open(st->dir, XDPGW_MAP_FLOWS);
	st->table_ok = fd >= 0 && !flow_table_walk(fd, count_flow, st->use);
	if (fd >= 0)
		close(fd);
	fd = map_open(st->dir, XDPGW_MAP_FAST_DIRS);
	for (i = 0; i < FAST_DIR__MAX; i++)
		if (fd < 0 || bpf_map_lookup_elem(fd, &i, &st->fast[i]))
			st->fast[i] = FAST_STATE__MAX;
	if (fd >= 0)
		close(fd);

	ifindex = if_nametoindex(st->ifname);
	st->xdp_mode = ifindex ? instance_xdp_mode(ifindex, XDPGW_XDP_PROG_NAME) : NULL;
	st->tc = ifindex && instance_tc_attached(ifindex) ? "egress" : NULL;
	iface_driver(st->ifname, st->driver, sizeof(st->driver));
	if (st->set.internal_ifindex &&
	    if_indextoname(st->set.internal_ifindex, st->int_ifname)) {
		st->int_xdp_mode =
			instance_xdp_mode(st->set.internal_ifindex, XDPGW_XDP_INT_PROG_NAME);
		iface_driver(st->int_ifname, st->int_driver, sizeof(st->int_driver));
	}

	st->pid = control_lock_owner(st->ifname);
	if (st->pid > 0) {
		st->daemon = malloc(ANSWER_MAX);
		if (st->daemon &&
		    control_query(st->ifname, json ? CONTROL_STATUS : CONTROL_STATUS_TEXT,
				  st->daemon, ANSWER_MAX, 1000) < 0) {
			free(st->daemon);
			st->daemon = NULL;
		}
	}
}

static const char *fast_state_text(__u32 s)
{
	switch (s) {
	case FAST_STATE_ON:
		return "on";
	case FAST_STATE_UNSET:
		return "off (not decided yet)";
	case FAST_STATE_OFF_PEER:
		return "off (its egress, a veth, cannot take redirected frames)";
	case FAST_STATE_OFF_DROPS:
		return "off (redirected frames were dropped)";
	default:
		return "unknown";
	}
}

static __u32 pool_size(const struct status *st)
{
	return st->set.port_max >= st->set.port_min ?
		       (__u32)st->set.port_max - st->set.port_min + 1 : 0;
}

static void print_text(const struct status *st)
{
	char ext[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	const struct flow_census *u = st->use;
	int i;

	inet_ntop(AF_INET, &st->set.ext_addr, ext, sizeof(ext));
	inet_ntop(AF_INET, &st->set.internal_net, net, sizeof(net));
	printf("%s: translating %s/%d to %s\n", st->ifname, net,
	       __builtin_popcount(st->set.internal_mask), ext);
	if (st->pid > 0)
		printf("  daemon      pid %d\n", st->pid);
	else
		printf("  daemon      none: kept without daemon (translating; nothing expires)\n");
	printf("  xdp         %s: %s%s%s%s\n", st->ifname,
	       st->xdp_mode ? XDPGW_XDP_PROG_NAME " " : "missing", st->xdp_mode ?: "",
	       *st->driver ? ", driver " : "", st->driver);
	printf("  tc          %s: %s\n", st->ifname,
	       st->tc ? "xdpgw_egress on clsact egress" : "missing");
	if (*st->int_ifname) {
		printf("  fast path   %s: %s%s%s%s\n", st->int_ifname,
		       st->int_xdp_mode ? XDPGW_XDP_INT_PROG_NAME " " : "missing",
		       st->int_xdp_mode ?: "", *st->int_driver ? ", driver " : "",
		       st->int_driver);
		printf("              out %s -> %s: %s\n", st->int_ifname, st->ifname,
		       fast_state_text(st->fast[FAST_DIR_OUT]));
		printf("              in  %s -> %s: %s\n", st->ifname, st->int_ifname,
		       fast_state_text(st->fast[FAST_DIR_IN]));
	} else {
		printf("  fast path   off (--no-fast-path)\n");
	}
	if (st->table_ok) {
		printf("  flows       %llu of %u (", (unsigned long long)u->flows, st->set.max_flows);
		for (i = 0; i < CENSUS__PROTOS; i++)
			printf("%s%s %llu", i ? ", " : "", census_proto_names[i],
			       (unsigned long long)u->by_proto[i]);
		printf(")\n  ports       %s:", ext);
		for (i = 0; i < CENSUS__PROTOS; i++)
			printf("%s %s %llu", i ? "," : "", census_proto_names[i],
			       (unsigned long long)u->ports[i]);
		printf(" of %u (%u-%u)\n", pool_size(st), st->set.port_min, st->set.port_max);
	} else {
		printf("  flows       unreadable\n");
	}
	printf("  pins        %s\n", st->dir);
	if (st->daemon)
		fputs(st->daemon, stdout); /* its own lines: sweep, proxy, ... */
}

static void print_json(const struct status *st, bool first)
{
	char ext[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	const struct flow_census *u = st->use;
	int i;

	inet_ntop(AF_INET, &st->set.ext_addr, ext, sizeof(ext));
	inet_ntop(AF_INET, &st->set.internal_net, net, sizeof(net));
	printf("%s{\"external\":", first ? "" : ",");
	json_str(stdout, st->ifname);
	printf(",\"internal\":\"%s/%d\",\"external_ip\":\"%s\",\"pins\":", net,
	       __builtin_popcount(st->set.internal_mask), ext);
	json_str(stdout, st->dir);
	printf(",\"xdp\":{\"program\":\"" XDPGW_XDP_PROG_NAME "\",\"mode\":");
	json_str(stdout, st->xdp_mode);
	printf(",\"driver\":");
	json_str(stdout, *st->driver ? st->driver : NULL);
	printf("},\"tc\":%s", st->tc ? "{\"program\":\"xdpgw_egress\",\"hook\":\"egress\"}" :
					"null");
	printf(",\"fast_path\":");
	if (*st->int_ifname) {
		printf("{\"internal\":");
		json_str(stdout, st->int_ifname);
		printf(",\"mode\":");
		json_str(stdout, st->int_xdp_mode);
		printf(",\"driver\":");
		json_str(stdout, *st->int_driver ? st->int_driver : NULL);
		printf(",\"out\":");
		json_str(stdout, fast_state_text(st->fast[FAST_DIR_OUT]));
		printf(",\"in\":");
		json_str(stdout, fast_state_text(st->fast[FAST_DIR_IN]));
		printf("}");
	} else {
		printf("null");
	}
	if (st->table_ok) {
		printf(",\"flows\":{\"in_use\":%llu,\"capacity\":%u", (unsigned long long)u->flows,
		       st->set.max_flows);
		for (i = 0; i < CENSUS__PROTOS; i++)
			printf(",\"%s\":%llu", census_proto_names[i],
			       (unsigned long long)u->by_proto[i]);
		printf("},\"ports\":[{\"address\":\"%s\",\"pool\":%u", ext, pool_size(st));
		for (i = 0; i < CENSUS__PROTOS; i++)
			printf(",\"%s\":%llu", census_proto_names[i], (unsigned long long)u->ports[i]);
		printf("}]");
	}
	if (st->pid > 0)
		printf(",\"daemon\":{\"pid\":%d,\"status\":%s}", st->pid, st->daemon ?: "null");
	else
		printf(",\"daemon\":null");
	printf("}");
}

enum verb_result cmd_status(int argc, char **argv)
{
	static char names[STATUS_MAX][NAME_MAX + 1];
	char netns_dir[PATH_MAX + 256];
	struct verb_args args = {};
	struct status st;
	int ret, n, i;

	ret = cli_parse_verb(argc, argv, &opts_status, true, &args);
	if (ret != VERB_OK)
		return ret;
	if (args.c.ifname) {
		snprintf(names[0], sizeof(names[0]), "%s", args.c.ifname);
		n = 1;
	} else {
		n = cli_instances(&args.c, names, STATUS_MAX, netns_dir, sizeof(netns_dir));
		if (n < 0)
			return VERB_RUNTIME;
		if (n > STATUS_MAX)
			n = STATUS_MAX;
	}
	if (!n && !args.json)
		printf("no xdpgw instance in this network namespace (none pinned in %s)\n",
		       netns_dir);
	if (args.json)
		putchar('[');
	for (i = 0; i < n; i++) {
		memset(&st, 0, sizeof(st));
		st.ifname = names[i];
		args.c.ifname = names[i];
		if (cli_instance_dir(&args.c, st.dir, sizeof(st.dir)))
			return VERB_RUNTIME;
		st.use = calloc(1, sizeof(*st.use));
		if (!st.use)
			return VERB_RUNTIME;
		if (access(st.dir, F_OK)) {
			pr_warn("no xdpgw instance on '%s' (nothing pinned in %s)\n", st.ifname,
				st.dir);
			free(st.use);
			return VERB_RUNTIME;
		}
		status_read(&st, args.json);
		if (args.json)
			print_json(&st, i == 0);
		else
			print_text(&st);
		free(st.use);
		free(st.daemon);
	}
	if (args.json)
		puts("]");
	return VERB_OK;
}
