/* SPDX-License-Identifier: MIT */
/*
 * lab2_contract: lab 2's grader, part 1 (docs/labs/lab2-placement-policies.md):
 * the student's classic_worst_fit() called directly on hand-made lists.
 *
 * Through malloc, classic.c forgives some wrong answers (a block that is
 * too small counts as "none fits", and a free last block is taken when
 * nothing else is): only a direct call sees them. Each case is one of the
 * classic mistakes, named in its LAB line:
 *   - the loop stops before the last block (b->next instead of b);
 *   - a block is returned when none fits (the size test missing, or only
 *     applied to the first candidate);
 *   - off by one at the exact fit (size > request instead of >=);
 *   - the 32-byte header added to the request, or counted as payload
 *     (block_meta.size is the payload alone, and so is the request);
 *   - allocated blocks taken, ties going to the last block, the list
 *     changed.
 *
 * The blocks are headers in an array, linked in address order: the
 * contract (mm/osmem/classic_lab.h) reads only size, status and next.
 */
#include "mm/osmem/classic_lab.h"
#include "tests/labs/lab_check.h"
#include <string.h>

#define F STATUS_FREE
#define A STATUS_ALLOC
#define META ((size_t)sizeof(struct block_meta))

struct spec {
	size_t size;
	int status;
};

/* Link n headers of b as the heap list the specs describe; the head. */
static struct block_meta *make_list(struct block_meta *b,
				    const struct spec *s, unsigned n)
{
	memset(b, 0, n * sizeof(*b));
	for (unsigned i = 0; i < n; i++) {
		b[i].size = s[i].size;
		b[i].status = s[i].status;
		b[i].prev = i ? &b[i - 1] : NULL;
		b[i].next = i + 1 < n ? &b[i + 1] : NULL;
	}
	return n ? b : NULL;
}

/* Which block of b[0..n) p is, as text for a LAB line. */
static const char *which(const struct block_meta *b, unsigned n,
			 const struct block_meta *p)
{
	static const char *const names[] = {
		"block 0", "block 1", "block 2", "block 3", "block 4", "block 5",
	};

	if (!p)
		return "NULL";
	for (unsigned i = 0; i < n && i < 6; i++)
		if (p == &b[i])
			return names[i];
	return "a pointer that is not on the list";
}

KTEST(lab2_contract, takes_the_last_block)
{
	static const struct spec s[] = {
		{ 64, F }, { 48, A }, { 128, F }, { 48, A }, { 400, F },
	};
	struct block_meta b[5], *got;

	got = classic_worst_fit(make_list(b, s, 5), 100);
	LAB_EXPECT(t, got == &b[4],
		   "free 64, 128, 400 (the last block), request 100: the largest "
		   "that fits is the LAST block, got %s: does your loop stop "
		   "before the last block (while (b->next) instead of while (b))?",
		   which(b, 5, got));
}

KTEST(lab2_contract, takes_the_last_block_when_only_it_fits)
{
	static const struct spec s[] = { { 32, F }, { 48, A }, { 520, F } };
	struct block_meta b[3], *got;

	got = classic_worst_fit(make_list(b, s, 3), 256);
	LAB_EXPECT(t, got == &b[2],
		   "free 32 then free 520 (the last block), request 256: only the "
		   "last block fits, got %s: the last block of the list must be "
		   "considered too", which(b, 3, got));
}

KTEST(lab2_contract, returns_null_when_nothing_fits)
{
	static const struct spec s[] = { { 64, F }, { 48, A }, { 128, F }, { 8, A } };
	struct block_meta b[4], *got;

	got = classic_worst_fit(make_list(b, s, 4), 136);
	LAB_EXPECT(t, got == NULL,
		   "free 64 and 128, request 136: no free block is large enough, "
		   "the answer must be NULL, got %s: check size >= request on every "
		   "block you keep, not only the largest", which(b, 4, got));
}

KTEST(lab2_contract, returns_null_on_an_empty_list)
{
	struct block_meta *got = classic_worst_fit(NULL, 8);

	LAB_EXPECT(t, got == NULL,
		   "an empty list (head == NULL): the answer must be NULL, got %p",
		   (void *)got);
}

KTEST(lab2_contract, exact_fit_is_taken)
{
	static const struct spec s[] = { { 504, A }, { 120, F }, { 112, F }, { 8, A } };
	struct block_meta b[4], *got;

	got = classic_worst_fit(make_list(b, s, 4), 120);
	LAB_EXPECT(t, got == &b[1],
		   "free 120 and 112, request 120: the block of exactly 120 bytes "
		   "fits, got %s: off by one at the exact fit (size > request "
		   "where it must be size >= request)?", which(b, 4, got));
}

KTEST(lab2_contract, fits_up_to_a_header_above_the_request)
{
	/* 120 + 8 and 120 + 24, both less than a header above the request:
	 * both hold it (the header is not part of either size). */
	static const struct spec s[] = { { 128, F }, { 8, A }, { 144, F }, { 8, A } };
	struct block_meta b[4], *got;

	got = classic_worst_fit(make_list(b, s, 4), 120);
	LAB_EXPECT(t, got == &b[2],
		   "free 128 and 144, request 120: both fit and 144 is the largest, "
		   "got %s: block_meta.size and the request both count the payload "
		   "only; do not add the 32-byte header to the request",
		   which(b, 4, got));
}

KTEST(lab2_contract, a_block_short_of_the_request_never_fits)
{
	/* 8 and 32 bytes short: a header's worth of size is not payload. */
	static const struct spec s[] = { { 144, F }, { 8, A }, { 152 - META, F }, { 8, A } };
	struct block_meta b[4], *got;

	got = classic_worst_fit(make_list(b, s, 4), 152);
	LAB_EXPECT(t, got == NULL,
		   "free 144 and 120, request 152: neither holds 152 bytes, the "
		   "answer must be NULL, got %s: the header is not payload; do not "
		   "count its 32 bytes as room for the request", which(b, 4, got));
}

KTEST(lab2_contract, allocated_blocks_are_never_returned)
{
	static const struct spec s[] = { { 4000, A }, { 96, F }, { 2000, STATUS_MAPPED } };
	struct block_meta b[3], *got;

	got = classic_worst_fit(make_list(b, s, 3), 64);
	LAB_EXPECT(t, got == &b[1],
		   "allocated 4000, free 96, a 2000-byte block of status "
		   "STATUS_MAPPED, request 64: only the free block may be returned, "
		   "got %s: test status == STATUS_FREE", which(b, 3, got));
}

KTEST(lab2_contract, ties_go_to_the_block_nearest_the_head)
{
	static const struct spec s[] = { { 200, F }, { 8, A }, { 400, F }, { 8, A }, { 400, F } };
	struct block_meta b[5], *got;

	got = classic_worst_fit(make_list(b, s, 5), 8);
	LAB_EXPECT(t, got == &b[2],
		   "free 200, 400 (block 2), 400 (block 4), request 8: on a tie the "
		   "block nearest the head wins, got %s: replace the best so far "
		   "only when strictly larger (>, not >=)", which(b, 5, got));
}

KTEST(lab2_contract, leaves_the_list_unchanged)
{
	static const struct spec s[] = { { 64, F }, { 48, A }, { 300, F }, { 8, A } };
	struct block_meta b[4], before[4];

	make_list(b, s, 4);
	memcpy(before, b, sizeof(b));
	(void)classic_worst_fit(b, 100);
	LAB_EXPECT(t, memcmp(before, b, sizeof(b)) == 0,
		   "classic_worst_fit changed a header: it must only read the list "
		   "(classic.c splits and marks the block you return)");
}
