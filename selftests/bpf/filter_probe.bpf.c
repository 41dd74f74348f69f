// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The filter table's entry point for forwarded and static addresses,
 * inbound_allowed(), on its own: an XDP program that parses the frame and
 * drops it when inbound_allowed() says no, passes it otherwise. Loaded
 * with its maps pinned in a test instance's directory, it reads that
 * instance's table (test_bpf_filter_rules).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "parse.h"
#include "inbound_filter.h"

SEC("xdp")
int filter_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet p = {};
	int ret = parse_packet(data, data_end, data_end - data, &p);

	if (ret != PARSE_OK && ret != PARSE_OTHER_PROTO)
		return XDP_ABORTED;
	return inbound_allowed(&p) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
