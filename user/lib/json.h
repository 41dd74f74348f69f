/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writing JSON by hand: strings quoted and escaped (RFC 8259). */
#ifndef XDPGW_JSON_H
#define XDPGW_JSON_H

#include <stdio.h>

/* s as a JSON string, quotes included; NULL as null. */
void json_str(FILE *f, const char *s);

#endif
