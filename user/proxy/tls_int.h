/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Between the files of the TLS layer; the proxy uses tls.h only. */
#ifndef XDPGW_TLS_INT_H
#define XDPGW_TLS_INT_H

#include <stdint.h>
#include <openssl/ssl.h>
#include "tls.h"

/* Rotating ticket keys (tls_ticket.c), reference counted: the server and
 * every context generation built from it hold one. */
struct tls_tickets;

struct tls_tickets *tickets_new(uint32_t rotate_s);
void tickets_get(struct tls_tickets *tk);
void tickets_put(struct tls_tickets *tk);
void tickets_set_interval(struct tls_tickets *tk, uint32_t rotate_s);
void tickets_rotate(struct tls_tickets *tk);
/* Seal and open ctx's tickets with tk's keys (tk goes in ctx's app data);
 * rotate_s: the interval the keys rotate at, which bounds a ticket's life. */
int tickets_install(SSL_CTX *ctx, struct tls_tickets *tk, uint32_t rotate_s);

/* The current default context (one reference, SSL_CTX_free it), for a new
 * connection (tls_context.c). */
SSL_CTX *tls_server_ctx(struct tls_server *s);

#endif
