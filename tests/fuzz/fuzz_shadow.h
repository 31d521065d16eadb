/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's shadow model: what the allocator should be holding.
 *
 * A fixed table of FUZZ_SLOTS slots; the input names slots by number. A live
 * slot is one block the allocator gave out: its payload, the size asked for,
 * the usable size the allocator reported, and the seed of the byte pattern
 * the fuzzer wrote over all of its usable bytes (seed 0: all zero, for a
 * calloc'd block).
 *
 * The live blocks are also kept sorted by address, so that a new block is
 * checked against its two neighbours only: the set then never holds two
 * overlapping blocks (each extends over max(usable, 1) bytes, so even two
 * size-0 blocks must be distinct).
 *
 * The pattern: byte i of a block with seed s depends on s and i (never on
 * the address) and is never 0, so a lost, shifted or unwritten byte shows up
 * even in memory that was zero before. It is written and checked a 64-bit
 * word at a time (payloads are at least 8-aligned).
 */
#ifndef TESTS_FUZZ_FUZZ_SHADOW_H
#define TESTS_FUZZ_FUZZ_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_SLOTS 64

struct fuzz_block {
	unsigned char *p;
	size_t req;        /* bytes asked for */
	size_t usable;     /* usable_size() when it was taken */
	uint64_t seed;     /* pattern seed, 0 for all-zero */
	int live;
};

void shadow_reset(void);
struct fuzz_block *shadow_slot(unsigned i);   /* i < FUZZ_SLOTS */
unsigned shadow_live(void);
/* The i-th live block by address (i < shadow_live()). */
struct fuzz_block *shadow_sorted(unsigned i);

/* Mark b live and add it to the sorted set, unless it overlaps a live
 * block: then nothing changes and that block is returned. */
struct fuzz_block *shadow_insert(struct fuzz_block *b);
void shadow_remove(struct fuzz_block *b);
/* The live block whose payload is p, or NULL. */
struct fuzz_block *shadow_find(const void *p);
/* A live block overlapping [p, p + n), or NULL. */
struct fuzz_block *shadow_overlap(const void *p, size_t n);

/* Write b's pattern into b->p[off .. off+n). */
void shadow_fill(const struct fuzz_block *b, size_t off, size_t n);
/* The offset of the first byte of b->p[off .. off+n) that is not b's
 * pattern, or SIZE_MAX when all are. */
size_t shadow_check(const struct fuzz_block *b, size_t off, size_t n);
/* Byte i of the pattern of seed. */
unsigned char shadow_byte(uint64_t seed, size_t i);

#endif
