/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What may cross the gateway untranslated. From outside, nothing reaches
 * the internal prefix except what the operator maps (`--route-inbound`
 * restores plain routing). From inside, nothing leaves with a source
 * outside the internal prefix (BCP 38; `--no-anti-spoof` turns it off).
 */
#ifndef XDPGW_FILTER_H
#define XDPGW_FILTER_H

#include "vmlinux.h"
#include "parse.h"
#include "nat.h"

/* Set by the loader (struct xdpgw_config's fields of the same names). */
const volatile __u8 cfg_route_inbound = 0;
const volatile __u32 cfg_anti_spoof_ifindex = 0; /* 0: not checked */

/*
 * The hook for static mappings and port forwards: true when one covers this
 * packet from outside to an internal address. xdpgw has none yet, so
 * nothing is covered; they go here when they come.
 */
static __always_inline bool inbound_mapped(const struct packet *p)
{
	(void)p;
	return false;
}

/* A packet arriving on the external interface for the internal prefix. */
static __always_inline bool inbound_refused(const struct packet *p)
{
	return !cfg_route_inbound && from_internal(p->tuple.daddr) && !inbound_mapped(p);
}

/* A packet the gateway forwards from the internal interface (tc egress:
 * ingress_ifindex is where it came in, 0 for the gateway's own) with a
 * source outside the internal prefix.
 */
static __always_inline bool spoofed(const struct __sk_buff *skb, const struct packet *p)
{
	return cfg_anti_spoof_ifindex && skb->ingress_ifindex == cfg_anti_spoof_ifindex &&
	       !from_internal(p->tuple.saddr);
}

#endif /* XDPGW_FILTER_H */
