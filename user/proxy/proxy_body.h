/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The proxy's byte buffers and message bodies: where a body ends (framer),
 * and a de-chunked request body sent on in the proxy's own chunks
 * (reframer), so that client chunk extensions and trailers never reach a
 * backend.
 */
#ifndef XDPGW_PROXY_BODY_H
#define XDPGW_PROXY_BODY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "http_parse.h"

/* [start, ready) is checked and to be sent, [ready, end) not yet looked at. */
struct buf {
	char *p;
	uint32_t cap, start, ready, end;
};

bool buf_put(struct buf *b, const char *s, size_t n);
bool buf_puts(struct buf *b, const char *s);
__attribute__((format(printf, 2, 3))) bool buf_putf(struct buf *b, const char *fmt, ...);
/* Drop what was sent: move the unsent rest to the front. */
void buf_compact(struct buf *b);

/* Where a body ends, and which of its bytes may go on. */
struct framer {
	uint8_t mode; /* enum http_body */
	bool done;
	bool dechunk; /* strip the chunked framing: only data stays in the buffer */
	uint64_t left;
	struct http_chunked ch;
};

void framer_init(struct framer *f, enum http_body mode, uint64_t len, bool dechunk);
/* Check the bytes after b->ready and move ready past those that belong to
 * the body, stripping the chunked framing if asked. -1 on a framing error. */
int framer_advance(struct framer *f, struct buf *b);

/* Chunked framing of the proxy's own around de-chunked data. */
struct reframer {
	bool on;   /* off: the data goes as it is */
	bool last; /* the last chunk is queued */
	uint8_t fs, fe;
	char fr[32];   /* framing bytes to send before the data: fr[fs, fe) */
	uint64_t left; /* data bytes of the current chunk still to send */
};

/* Up to two iovecs (framing, data) of what may be sent from b's checked
 * bytes; body_done: no more data will come. Returns how many. */
int reframe_iov(struct reframer *r, const struct buf *b, bool body_done, struct iovec *iov);
/* n bytes of what reframe_iov gave were sent. */
void reframe_sent(struct reframer *r, struct buf *b, size_t n);
/* Nothing of the framing is left to send (the last chunk went). */
bool reframe_done(const struct reframer *r);

#endif
