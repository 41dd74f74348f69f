/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The per-CPU counter map: summed reads, and the daemon's own counts. */
#ifndef XDPGW_STATS_H
#define XDPGW_STATS_H

#include <linux/types.h>
#include "xdpgw.h"

/* Sum every counter over CPUs into totals[STAT__MAX]. */
int stats_read(int fd, __u64 *totals);
/* Add n to counter idx (on CPU 0's slot; only for counters the programs
 * never touch, such as STAT_EXPIRED, so no update is lost).
 */
int stats_add(int fd, enum xdpgw_stat idx, __u64 n);

#endif
