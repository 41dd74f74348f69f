/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A worker's cache of connection buffers. Buffers are mapped apart from
 * the heap, so that the small structures of idle connections pack densely
 * there (a buffer freed between them would leave each on a page of its
 * own), and go back to the system when unused: the cache keeps what the
 * last interval needed and unmaps the rest.
 */
#ifndef XDPGW_PROXY_MEM_H
#define XDPGW_PROXY_MEM_H

#include <stddef.h>

struct blk_cache {
	void *free;	 /* a list through each block's first word */
	unsigned int n;	 /* blocks in the list */
	unsigned int low; /* fewest in the list since the last trim */
	size_t size;	 /* of the cached blocks */
};

/* A block of size bytes (page-rounded), or NULL. */
void *blk_take(struct blk_cache *bc, size_t size);
/* Back to the cache (or unmapped, if it is of another size). */
void blk_give(struct blk_cache *bc, void *b, size_t size);
/* Unmap the blocks not needed since the last trim. */
void blk_trim(struct blk_cache *bc);
/* Unmap every cached block. */
void blk_flush(struct blk_cache *bc);

#endif
