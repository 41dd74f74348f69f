// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Buffers and body framing of the proxy (see proxy_body.h). A request body
 * that is chunked is de-chunked where it was read (only its data stays) and
 * sent either with a Content-Length, when it was held whole, or in chunks
 * of the proxy's making: one per batch of data, "SIZE\r\n" DATA "\r\n",
 * then "0\r\n\r\n". The client's sizes, extensions and trailers are gone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proxy_body.h"

bool buf_put(struct buf *b, const char *s, size_t n)
{
	if (n > b->cap - b->end)
		return false;
	memcpy(b->p + b->end, s, n);
	b->end += n;
	b->ready = b->end;
	return true;
}

bool buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

bool buf_putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->end, b->cap - b->end, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->end)
		return false;
	b->end += n;
	b->ready = b->end;
	return true;
}

void buf_compact(struct buf *b)
{
	if (b->start != b->ready || !b->start)
		return;
	memmove(b->p, b->p + b->ready, b->end - b->ready);
	b->end -= b->ready;
	b->start = b->ready = 0;
}

void framer_init(struct framer *f, enum http_body mode, uint64_t len, bool dechunk)
{
	f->mode = mode;
	f->left = len;
	f->dechunk = dechunk;
	f->done = mode == HTTP_BODY_NONE;
	if (mode == HTTP_BODY_CHUNKED)
		http_chunked_init(&f->ch);
}

int framer_advance(struct framer *f, struct buf *b)
{
	uint32_t p, w;
	uint64_t n;

	if (f->done)
		return 0;
	switch (f->mode) {
	case HTTP_BODY_LENGTH:
		n = b->end - b->ready;
		if (n > f->left)
			n = f->left;
		b->ready += n;
		f->left -= n;
		f->done = !f->left;
		return 0;
	case HTTP_BODY_CLOSE:
		b->ready = b->end; /* done at EOF */
		return 0;
	case HTTP_BODY_CHUNKED:
		p = w = b->ready;
		while (p < b->end && !f->done) {
			size_t used, doff, dlen;
			int r = http_chunked_step(&f->ch, b->p + p, b->end - p, &used, &doff,
						  &dlen);

			if (r == HTTP_CHUNK_ERROR)
				return -1;
			if (f->dechunk) {
				memmove(b->p + w, b->p + p + doff, dlen);
				w += dlen;
			} else {
				w += used;
			}
			p += used;
			f->done = r == HTTP_CHUNK_DONE;
		}
		if (w != p) {
			memmove(b->p + w, b->p + p, b->end - p);
			b->end -= p - w;
		}
		b->ready = w;
		return 0;
	default:
		f->done = true;
		return 0;
	}
}

static void fr_add(struct reframer *r, const char *s, size_t n)
{
	if (r->fs == r->fe)
		r->fs = r->fe = 0;
	/* at most "\r\n" is pending when a chunk's line or the end is added */
	memcpy(r->fr + r->fe, s, n);
	r->fe += n;
}

int reframe_iov(struct reframer *r, const struct buf *b, bool body_done, struct iovec *iov)
{
	uint64_t avail = b->ready - b->start;
	int n = 0;

	if (r->on && !r->left && !r->last) {
		char line[24];

		if (avail) {
			fr_add(r, line, snprintf(line, sizeof(line), "%llx\r\n",
						 (unsigned long long)avail));
			r->left = avail;
		} else if (body_done) {
			fr_add(r, "0\r\n\r\n", 5);
			r->last = true;
		}
	}
	if (r->fs < r->fe)
		iov[n++] = (struct iovec){r->fr + r->fs, r->fe - r->fs};
	if (r->on && avail > r->left)
		avail = r->left;
	if (avail)
		iov[n++] = (struct iovec){b->p + b->start, avail};
	return n;
}

void reframe_sent(struct reframer *r, struct buf *b, size_t n)
{
	size_t k = r->fe - r->fs;

	if (k > n)
		k = n;
	r->fs += k;
	n -= k;
	b->start += n;
	if (r->on && n) {
		r->left -= n;
		if (!r->left)
			fr_add(r, "\r\n", 2);
	}
}

bool reframe_done(const struct reframer *r)
{
	return !r->on || (r->last && r->fs == r->fe);
}
