/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The inbound filter's decision for a packet from outside that is about to
 * open a forwarded or static flow, or to cross to a static host without a
 * flow: true lets it in. This stand-in allows everything (the filter's
 * default policy "allow"); the filter of issue 13 replaces this header.
 * Its one call site is nat_inbound.h's inbound_open (STAT_DROP_IN_RULE).
 */
#ifndef XDPGW_INBOUND_FILTER_H
#define XDPGW_INBOUND_FILTER_H

#include "vmlinux.h"
#include "parse.h"

static __always_inline bool inbound_allowed(const struct packet *p)
{
	(void)p;
	return true;
}

#endif /* XDPGW_INBOUND_FILTER_H */
