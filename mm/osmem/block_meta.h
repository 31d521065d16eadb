/* SPDX-License-Identifier: MIT */
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
 *
 * `check` lives in what the assignment's layout leaves as padding after
 * `status` (bytes 12..15): the layout and every offset are unchanged (the
 * asserts below), so code written against the assignment's struct still
 * reads the same bytes. The classic allocator keeps there a 32-bit value
 * derived from the block's address, size, status and a per-boot secret
 * (mm/osmem/classic.c), so a stray write over a header is caught.
 */
#ifndef MM_OSMEM_BLOCK_META_H
#define MM_OSMEM_BLOCK_META_H

#include <stddef.h>
#include <stdint.h>

#define STATUS_FREE   0
#define STATUS_ALLOC  1
#define STATUS_MAPPED 2

struct block_meta {
	size_t size;
	int status;
	uint32_t check;		/* the assignment's padding: see above */
	struct block_meta *prev;
	struct block_meta *next;
};

_Static_assert(sizeof(struct block_meta) == 32, "block_meta is 32 bytes");
_Static_assert(offsetof(struct block_meta, size) == 0, "size at 0");
_Static_assert(offsetof(struct block_meta, status) == 8, "status at 8");
_Static_assert(offsetof(struct block_meta, check) == 12, "check in the padding");
_Static_assert(offsetof(struct block_meta, prev) == 16, "prev at 16");
_Static_assert(offsetof(struct block_meta, next) == 24, "next at 24");

#endif
