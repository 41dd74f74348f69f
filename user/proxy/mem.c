// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connection buffers (see proxy_mem.h): mmap'd blocks kept in a list for
 * reuse. The list's low-water mark over an interval is what the load did
 * not need: blk_trim unmaps that many, so a burst's buffers go back within
 * two intervals while a steady load maps nothing.
 */
#include <sys/mman.h>
#include "proxy_mem.h"

static size_t page_round(size_t size)
{
	return (size + 4095) & ~(size_t)4095;
}

void *blk_take(struct blk_cache *bc, size_t size)
{
	void *b;

	if (bc->size == size && bc->free) {
		b = bc->free;
		bc->free = *(void **)b;
		if (--bc->n < bc->low)
			bc->low = bc->n;
		return b;
	}
	b = mmap(NULL, page_round(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	return b == MAP_FAILED ? NULL : b;
}

void blk_give(struct blk_cache *bc, void *b, size_t size)
{
	if (!b)
		return;
	if (bc->size != size) {
		/* the configuration changed the size: the old ones go */
		if (bc->n) {
			munmap(b, page_round(size));
			return;
		}
		bc->size = size;
	}
	*(void **)b = bc->free;
	bc->free = b;
	bc->n++;
}

void blk_trim(struct blk_cache *bc)
{
	while (bc->low && bc->free) {
		void *b = bc->free;

		bc->free = *(void **)b;
		munmap(b, page_round(bc->size));
		bc->n--;
		bc->low--;
	}
	bc->low = bc->n;
}

void blk_flush(struct blk_cache *bc)
{
	bc->low = bc->n;
	blk_trim(bc);
}
