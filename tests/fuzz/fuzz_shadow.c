/* SPDX-License-Identifier: MIT */
/*
 * The shadow model (contract: fuzz_shadow.h).
 */
#include "tests/fuzz/fuzz_shadow.h"
#include <string.h>

static struct fuzz_block shadow_slots[FUZZ_SLOTS];
static struct fuzz_block *shadow_by_addr[FUZZ_SLOTS];

/* Payloads are 8-aligned and pattern words start at multiples of 8. */
typedef uint64_t __attribute__((may_alias)) shadow_u64;
static unsigned shadow_n;

void shadow_reset(void)
{
	memset(shadow_slots, 0, sizeof(shadow_slots));
	shadow_n = 0;
}

struct fuzz_block *shadow_slot(unsigned i)
{
	return &shadow_slots[i % FUZZ_SLOTS];
}

unsigned shadow_live(void)
{
	return shadow_n;
}

struct fuzz_block *shadow_sorted(unsigned i)
{
	return shadow_by_addr[i];
}

static uintptr_t shadow_start(const struct fuzz_block *b)
{
	return (uintptr_t)b->p;
}

static uintptr_t shadow_end(const struct fuzz_block *b)
{
	return (uintptr_t)b->p + (b->usable ? b->usable : 1);
}

/* The index of the first live block starting at or above p. */
static unsigned shadow_lower_bound(uintptr_t p)
{
	unsigned lo = 0, hi = shadow_n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (shadow_start(shadow_by_addr[mid]) < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct fuzz_block *shadow_overlap(const void *p, size_t n)
{
	uintptr_t s = (uintptr_t)p, e = s + (n ? n : 1);
	unsigned i = shadow_lower_bound(s);

	/* Blocks never overlap each other, so only the one before s and the
	 * one at or after it can reach into [s, e). */
	if (i > 0 && shadow_end(shadow_by_addr[i - 1]) > s)
		return shadow_by_addr[i - 1];
	if (i < shadow_n && shadow_start(shadow_by_addr[i]) < e)
		return shadow_by_addr[i];
	return NULL;
}

struct fuzz_block *shadow_insert(struct fuzz_block *b)
{
	struct fuzz_block *o = shadow_overlap(b->p, b->usable);
	unsigned i;

	if (o)
		return o;
	i = shadow_lower_bound(shadow_start(b));
	memmove(&shadow_by_addr[i + 1], &shadow_by_addr[i],
		(shadow_n - i) * sizeof(shadow_by_addr[0]));
	shadow_by_addr[i] = b;
	shadow_n++;
	b->live = 1;
	return NULL;
}

void shadow_remove(struct fuzz_block *b)
{
	unsigned i = shadow_lower_bound(shadow_start(b));

	if (i < shadow_n && shadow_by_addr[i] == b) {
		memmove(&shadow_by_addr[i], &shadow_by_addr[i + 1],
			(shadow_n - i - 1) * sizeof(shadow_by_addr[0]));
		shadow_n--;
	}
	b->live = 0;
}

struct fuzz_block *shadow_find(const void *p)
{
	unsigned i = shadow_lower_bound((uintptr_t)p);

	if (i < shadow_n && shadow_by_addr[i]->p == p)
		return shadow_by_addr[i];
	return NULL;
}

/*
 * Word j of seed's pattern, every byte made odd. One multiply and a
 * shift: cheap enough to run over every byte the fuzzer hands out, and
 * every byte still depends on both the seed and its position.
 */
static uint64_t shadow_word(uint64_t seed, size_t j)
{
	uint64_t z;

	if (seed == 0)
		return 0;
	z = (seed << 32 ^ (uint64_t)j) * 0x9e3779b97f4a7c15ull;
	return (z ^ z >> 29) | 0x0101010101010101ull;
}

unsigned char shadow_byte(uint64_t seed, size_t i)
{
	return (unsigned char)(shadow_word(seed, i / 8) >> (8 * (i % 8)));
}

void shadow_fill(const struct fuzz_block *b, size_t off, size_t n)
{
	size_t i = off, end = off + n;

	for (; i < end && i % 8; i++)
		b->p[i] = shadow_byte(b->seed, i);
	for (; i + 8 <= end; i += 8)
		*(shadow_u64 *)(void *)(b->p + i) = shadow_word(b->seed, i / 8);
	for (; i < end; i++)
		b->p[i] = shadow_byte(b->seed, i);
}

size_t shadow_check(const struct fuzz_block *b, size_t off, size_t n)
{
	size_t i = off, end = off + n;

	for (; i < end && i % 8; i++)
		if (b->p[i] != shadow_byte(b->seed, i))
			return i;
	/* A bad word stops this loop; the byte loop below names the byte. */
	for (; i + 8 <= end; i += 8)
		if (*(const shadow_u64 *)(const void *)(b->p + i) !=
		    shadow_word(b->seed, i / 8))
			break;
	for (; i < end; i++)
		if (b->p[i] != shadow_byte(b->seed, i))
			return i;
	return SIZE_MAX;
}
