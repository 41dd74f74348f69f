// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include "strparse.h"
#include "timeouts.h"

#define NSEC_PER_SEC 1000000000ull

void timeouts_default(struct xdpgw_config *cfg)
{
	static const __u32 dflt[FLOW_STATE__MAX] = {
		[0] = 30, /* not yet classified: as short as UDP unreplied */
		[FLOW_TCP_SYN_SENT] = 120,
		[FLOW_TCP_SYN_RECV] = 60,
		[FLOW_TCP_ESTABLISHED] = 5 * 24 * 3600,
		[FLOW_TCP_FIN_OUT] = 120,
		[FLOW_TCP_FIN_IN] = 120,
		[FLOW_TCP_TIME_WAIT] = 120,
		[FLOW_TCP_CLOSED] = 10,
		[FLOW_UDP_UNREPLIED] = 30,
		[FLOW_UDP_ASSURED] = 180,
		[FLOW_ICMP_ECHO] = 30,
		/* conntrack's "unacknowledged": a mid-stream pick-up */
		[FLOW_TCP_PICKUP] = 300,
	};

	memcpy(cfg->timeout, dflt, sizeof(dflt));
}

int timeout_parse(const char *s, struct xdpgw_config *cfg)
{
	const char *eq = s ? strchr(s, '=') : NULL;
	__u32 secs;
	int i;

	if (!eq || parse_u32(eq + 1, 1, 1u << 30, &secs))
		return -EINVAL;
	for (i = 1; i < FLOW_STATE__MAX; i++) {
		if (strlen(flow_state_names[i]) == (size_t)(eq - s) &&
		    !strncmp(s, flow_state_names[i], eq - s)) {
			cfg->timeout[i] = secs;
			return 0;
		}
	}
	return -EINVAL;
}

__u64 flow_deadline_ns(const struct nat_flow *f, const struct xdpgw_config *cfg)
{
	__u8 state = f->state < FLOW_STATE__MAX ? f->state : 0;

	return f->last_seen_ns + XDPGW_LAST_SEEN_GRAIN_NS + cfg->timeout[state] * NSEC_PER_SEC;
}

__u32 max_flows_per_host_default(__u32 max_flows)
{
	return max_flows / 4 ? max_flows / 4 : 1;
}

__u32 host_flows_entries(const struct xdpgw_config *cfg)
{
	__u64 hosts = 1ull << (32 - __builtin_popcount(cfg->internal_mask));
	__u64 most = cfg->max_flows / 16 > 256 ? cfg->max_flows / 16 : 256;

	return hosts < most ? hosts : most;
}

__u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

const char *proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	return "?";
}
