/*
 * The classic allocator's block header (the OS-course assignment's names).
 *
 * Every block, on the heap or in its own mapping, starts with one header;
 * the payload follows it directly:
 *
 *     | struct block_meta (32 bytes) | payload (size bytes, size % 8 == 0) |
 *
 * `size` is the payload size, not counting the header. `status` is one of
 * the STATUS_* values. prev/next link the block into its list: the heap list
 * (address order, blocks back to back) or the list of mappings.
 */
#ifndef MM_OSMEM_BLOCK_META_H
#define MM_OSMEM_BLOCK_META_H

#include <stddef.h>

#define STATUS_FREE   0
#define STATUS_ALLOC  1
#define STATUS_MAPPED 2

struct block_meta {
	size_t size;
	int status;
	struct block_meta *prev;
	struct block_meta *next;
};

_Static_assert(sizeof(struct block_meta) == 32, "block_meta is 32 bytes");

#endif
