// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Chunked body decoder (RFC 9112 7.1): checks the framing byte by byte and
 * tells which bytes are chunk data, so a caller may pass the encoding
 * through untouched or strip it. Sizes, extensions and the trailer section
 * are bounded; a bare LF or an obs-fold in the trailer is an error.
 */
#include <string.h>
#include "http_parse_int.h"

enum {
	C_SIZE,
	C_SIZE_MORE,
	C_SIZE_WS, /* BWS before a chunk extension */
	C_EXT,
	C_SIZE_LF,
	C_DATA,
	C_DATA_CR,
	C_DATA_LF,
	C_TRAILER_START,
	C_TRAILER_NAME,
	C_TRAILER_VALUE,
	C_TRAILER_LF,
	C_END_LF,
	C_DONE,
};

void http_chunked_init(struct http_chunked *d)
{
	memset(d, 0, sizeof(*d));
	d->state = C_SIZE;
}

int http_chunked_step(struct http_chunked *d, const char *buf, size_t len, size_t *used,
		      size_t *data_off, size_t *data_len)
{
	size_t i = 0, run;

	*data_off = 0;
	*data_len = 0;
	while (i < len) {
		uint8_t c = buf[i];

		if (d->state == C_DATA) {
			run = len - i < d->left ? len - i : d->left;
			*data_off = i;
			*data_len = run;
			d->left -= run;
			if (!d->left)
				d->state = C_DATA_CR;
			*used = i + run;
			return HTTP_CHUNK_MORE;
		}
		if (d->state <= C_SIZE_LF && ++d->line > HTTP_CHUNK_MAX_LINE)
			return HTTP_CHUNK_ERROR;
		if (d->state >= C_TRAILER_START && d->state <= C_END_LF &&
		    ++d->trailer > HTTP_CHUNK_MAX_TRAILER)
			return HTTP_CHUNK_ERROR;
		switch (d->state) {
		case C_SIZE:
			if (!is(c, C_HEX))
				return HTTP_CHUNK_ERROR;
			d->left = hexval(c);
			d->state = C_SIZE_MORE;
			break;
		case C_SIZE_MORE:
			if (is(c, C_HEX)) {
				/* refused before the shift could drop bits; leading
				 * zeros are fine (the size line's length is bounded) */
				if (d->left > (HTTP_MAX_LENGTH - hexval(c)) >> 4)
					return HTTP_CHUNK_ERROR;
				d->left = d->left << 4 | hexval(c);
			} else if (c == ';') {
				d->state = C_EXT;
			} else if (c == ' ' || c == '\t') {
				d->state = C_SIZE_WS;
			} else if (c == '\r') {
				d->state = C_SIZE_LF;
			} else {
				return HTTP_CHUNK_ERROR;
			}
			break;
		case C_SIZE_WS:
			if (c == ';')
				d->state = C_EXT;
			else if (c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_EXT:
			if (c == '\r')
				d->state = C_SIZE_LF;
			else if (!is(c, C_VCHAR) && c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_SIZE_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->line = 0;
			d->state = d->left ? C_DATA : C_TRAILER_START;
			break;
		case C_DATA_CR:
			if (c != '\r')
				return HTTP_CHUNK_ERROR;
			d->state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_SIZE;
			break;
		case C_TRAILER_START:
			if (c == '\r')
				d->state = C_END_LF;
			else if (is(c, C_TCHAR))
				d->state = C_TRAILER_NAME;
			else
				return HTTP_CHUNK_ERROR; /* obs-fold, bare LF */
			break;
		case C_TRAILER_NAME:
			if (c == ':')
				d->state = C_TRAILER_VALUE;
			else if (!is(c, C_TCHAR))
				return HTTP_CHUNK_ERROR;
			break;
		case C_TRAILER_VALUE:
			if (c == '\r')
				d->state = C_TRAILER_LF;
			else if (!is(c, C_VCHAR) && c != ' ' && c != '\t')
				return HTTP_CHUNK_ERROR;
			break;
		case C_TRAILER_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_TRAILER_START;
			break;
		case C_END_LF:
			if (c != '\n')
				return HTTP_CHUNK_ERROR;
			d->state = C_DONE;
			*used = i + 1;
			return HTTP_CHUNK_DONE;
		case C_DONE:
			*used = 0;
			return HTTP_CHUNK_DONE;
		}
		i++;
	}
	*used = i;
	return d->state == C_DONE ? HTTP_CHUNK_DONE : HTTP_CHUNK_MORE;
}
