/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's part of expiry: a flow that enters a state whose timeout
 * is within the expiry lane's horizon (XDPGW_EXPIRY_LANE_S: new UDP and
 * echo flows, a SYN, FIN or RST) is put in the lane map, where the daemon
 * checks it every second (bpf/sweep.bpf.c). Flows in long states are found
 * by the daemon's slow scan once their deadline comes within the horizon.
 * Costs a settings lookup and a hash update per change of state, never per
 * packet.
 */
#ifndef XDPGW_EXPIRY_H
#define XDPGW_EXPIRY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpgw.h"
#include "maps.h"

_Static_assert(FLOW_STATE__MAX <= 16 && 16 * 4 <= sizeof(struct xdpgw_config),
	       "a state masked to 4 bits indexes inside the settings value");

static __always_inline void expiry_lane_note(const struct nat_tuple *key, __u8 state)
{
	struct xdpgw_config *cfg;
	__u64 look_now = 0;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	/* No settings (a test's bare maps): every state counts as short. The
	 * mask is the bound the verifier sees (a state is below
	 * FLOW_STATE__MAX; 16 stays inside the settings value).
	 */
	if (cfg && cfg->timeout[state & 15] > XDPGW_EXPIRY_LANE_S)
		return;
	/* A full lane leaves the flow to the slow scan: late, never lost.
	 * 0: the daemon's next check looks at the flow (and notes its
	 * deadline); any earlier note of the lane may now be too late.
	 */
	bpf_map_update_elem(&expiry_lane, key, &look_now, BPF_ANY);
}

#endif /* XDPGW_EXPIRY_H */
