// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpgw flows: the NAT table, one flow a line, as `conntrack -L` shows it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "xdpgw.h"
#include "cli.h"
#include "strparse.h"
#include "timeouts.h"
#include "flow_table.h"
#include "log.h"

struct flow_filter {
	__u8 proto; /* 0: any */
	bool by_addr;
	__be32 addr;
	bool by_port;
	__be16 port;
};

struct listing {
	struct flow_filter filter;
	struct xdpgw_config cfg;
	__u64 now;
	bool json;
	unsigned int shown;
};

static bool flow_matches(const struct flow_filter *m, const struct nat_tuple *k,
			 const struct nat_flow *f)
{
	if (m->proto && k->proto != m->proto)
		return false;
	if (m->by_addr && k->saddr != m->addr && k->daddr != m->addr && f->ext_addr != m->addr)
		return false;
	if (m->by_port && k->sport != m->port && k->dport != m->port && f->ext_port != m->port)
		return false;
	return true;
}

static const char *state_name(__u8 state)
{
	return state && state < FLOW_STATE__MAX ? flow_state_names[state] : "new";
}

static void endpoint(char *buf, size_t len, __be32 addr, __be16 port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(port));
}

static int print_flow(const struct nat_tuple *k, const struct nat_flow *f, void *ctx)
{
	struct listing *l = ctx;
	char in[32], ext[32], rem[32];
	__u64 deadline = flow_deadline_ns(f, &l->cfg);
	unsigned long long age = (l->now - f->created_ns) / 1000000000ull;
	unsigned long long left = deadline > l->now ? (deadline - l->now) / 1000000000ull : 0;
	const char *proto = proto_name(k->proto);

	if (!flow_matches(&l->filter, k, f))
		return 0;
	endpoint(in, sizeof(in), k->saddr, k->sport);
	endpoint(ext, sizeof(ext), f->ext_addr, f->ext_port);
	endpoint(rem, sizeof(rem), k->daddr, k->dport);
	if (l->json)
		printf("%s{\"proto\":\"%s\",\"state\":\"%s\",\"internal\":\"%s\","
		       "\"external\":\"%s\",\"remote\":\"%s\",\"packets_out\":%llu,"
		       "\"bytes_out\":%llu,\"packets_in\":%llu,\"bytes_in\":%llu,"
		       "\"age_s\":%llu,\"expires_s\":%llu}",
		       l->shown ? ",\n " : "", proto, state_name(f->state), in, ext, rem,
		       (unsigned long long)f->packets_out, (unsigned long long)f->bytes_out,
		       (unsigned long long)f->packets_in, (unsigned long long)f->bytes_in, age,
		       left);
	else {
		char out_pb[48], in_pb[48];

		snprintf(out_pb, sizeof(out_pb), "%llu/%llu", (unsigned long long)f->packets_out,
			 (unsigned long long)f->bytes_out);
		snprintf(in_pb, sizeof(in_pb), "%llu/%llu", (unsigned long long)f->packets_in,
			 (unsigned long long)f->bytes_in);
		printf("%-5s %-13s %-21s %-21s %-21s %-20s %-20s %7llus %8llus\n", proto,
		       state_name(f->state), in, ext, rem, out_pb, in_pb, age, left);
	}
	l->shown++;
	return 0;
}

static int parse_filter(const struct verb_args *a, struct flow_filter *m)
{
	__u32 port;

	if (a->proto) {
		if (!strcmp(a->proto, "tcp"))
			m->proto = IPPROTO_TCP;
		else if (!strcmp(a->proto, "udp"))
			m->proto = IPPROTO_UDP;
		else if (!strcmp(a->proto, "icmp"))
			m->proto = IPPROTO_ICMP;
		else
			return fprintf(stderr, "xdpgw flows: --proto '%s': tcp, udp or icmp\n",
				       a->proto),
			       -EINVAL;
	}
	if (a->addr) {
		if (parse_ipv4_addr(a->addr, &m->addr))
			return fprintf(stderr, "xdpgw flows: --addr '%s': not an IPv4 address\n",
				       a->addr),
			       -EINVAL;
		m->by_addr = true;
	}
	if (a->port) {
		if (parse_u32(a->port, 1, 65535, &port))
			return fprintf(stderr, "xdpgw flows: --port '%s': not a port 1-65535\n",
				       a->port),
			       -EINVAL;
		m->port = htons(port);
		m->by_port = true;
	}
	return 0;
}

enum verb_result cmd_flows(int argc, char **argv)
{
	struct verb_args args = {};
	struct listing l = {};
	int ret, flows_fd, settings_fd, err;
	__u32 zero = 0;

	ret = cli_parse_verb(argc, argv, &opts_flows, false, &args);
	if (ret != VERB_OK)
		return ret;
	if (parse_filter(&args, &l.filter)) {
		opts_usage(stderr, &opts_flows);
		return VERB_USAGE;
	}
	flows_fd = cli_open_map(&args.c, XDPGW_MAP_FLOWS);
	if (flows_fd < 0)
		return VERB_RUNTIME;
	settings_fd = cli_open_map(&args.c, XDPGW_MAP_SETTINGS);
	if (settings_fd < 0 || bpf_map_lookup_elem(settings_fd, &zero, &l.cfg)) {
		close(flows_fd);
		return VERB_RUNTIME;
	}
	close(settings_fd);
	l.json = args.json;
	l.now = monotonic_ns();
	if (l.json)
		putchar('[');
	else
		printf("%-5s %-13s %-21s %-21s %-21s %-20s %-20s %8s %9s\n", "proto", "state",
		       "internal", "external", "remote", "out packets/bytes", "in packets/bytes",
		       "age", "expires");
	err = flow_table_walk(flows_fd, print_flow, &l);
	if (l.json)
		puts("]");
	close(flows_fd);
	if (err) {
		pr_warn("reading map " XDPGW_MAP_FLOWS " of '%s' failed: %s\n", args.c.ifname,
			strerror(-err));
		return VERB_RUNTIME;
	}
	return VERB_OK;
}
