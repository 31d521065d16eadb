/* SPDX-License-Identifier: MIT */
/*
 * lab4_segfit: lab 4's grader (docs/labs/lab4-o1-allocator.md), built by
 * `make lab4` with the student's labs/lab4_segfit.c (contract: labs/lab4.h).
 *
 * The expectations come from the contract's definition of a class, read
 * backwards: class_base() below is the smallest size of a class, so a
 * mapping is right when base(class) <= size < base(next class); a
 * rounding is right when it is a class edge with no edge in [size, it);
 * a search is right when it gives what a scan of every list in class
 * order gives. The bitmaps are this file's (struct lab4_maps is opaque to
 * the student), and the accessors count reads: O(1) is at most 3.
 */
#include "labs/lab4.h"
#include "tests/labs/lab_check.h"

struct lab4_maps {
	uint64_t fl;
	uint32_t sl[LAB4_FL_COUNT];
	unsigned reads;      /* accessor calls since the last reset */
};

uint64_t lab4_fl_map(const struct lab4_maps *m)
{
	((struct lab4_maps *)m)->reads++;
	return m->fl;
}

uint32_t lab4_sl_map(const struct lab4_maps *m, unsigned fl)
{
	((struct lab4_maps *)m)->reads++;
	return fl < LAB4_FL_COUNT ? m->sl[fl] : 0;
}

/* The smallest size of class (fl, sl). */
static size_t class_base(unsigned fl, unsigned sl)
{
	unsigned f = fl + LAB4_LINEAR_SHIFT - 1;

	if (fl == 0)
		return (size_t)sl * 16;
	return ((size_t)1 << f) + ((size_t)sl << (f - LAB4_SL_BITS));
}

/* The smallest size of the class after (fl, sl). */
static size_t class_end(unsigned fl, unsigned sl)
{
	if (fl == 0 && sl + 1 == LAB4_SL_COUNT)
		return (size_t)1 << LAB4_LINEAR_SHIFT;
	if (sl + 1 == LAB4_SL_COUNT)
		return class_base(fl + 1, 0);
	return class_base(fl, sl + 1);
}

/* Mark list (fl, sl) non-empty. */
static void set_list(struct lab4_maps *m, unsigned fl, unsigned sl)
{
	m->sl[fl] |= 1u << sl;
	m->fl |= (uint64_t)1 << fl;
}

static uint32_t lab4_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Expect size in class (fl, sl) by the contract; 0 on the first miss. */
static int expect_mapping(struct ktest *t, size_t size)
{
	unsigned fl = 99, sl = 99;

	lab4_mapping(size, &fl, &sl);
	return LAB_EXPECT(t, fl < LAB4_FL_COUNT && sl < LAB4_SL_COUNT &&
			  class_base(fl, sl) <= size && size < class_end(fl, sl),
			  "size %zu went to class (fl %u, sl %u), which is not "
			  "its class: below 512, fl = 0 and sl = size / 16; from "
			  "512, fl = f - 8 where 2^f <= size < 2^(f+1) "
			  "(bit_fls64), and sl = the 5 bits below bit f",
			  size, fl, sl);
}

KTEST(lab4_segfit, mapping_of_sizes_below_512)
{
	for (size_t s = 16; s < 512; s += 16)
		if (!expect_mapping(t, s))
			return;
}

KTEST(lab4_segfit, mapping_at_each_power_of_two)
{
	/* The edges, where an off-by-one in fl or in the shift shows. */
	for (unsigned f = 9; f < LAB4_MAX_SHIFT; f++) {
		size_t p = (size_t)1 << f;

		if (!expect_mapping(t, p) || !expect_mapping(t, p - 16) ||
		    !expect_mapping(t, p + 16))
			return;
	}
}

KTEST(lab4_segfit, mapping_of_every_size_to_64k_and_random_ones)
{
	uint32_t seed = 4;

	for (size_t s = 512; s < 65536; s += 16)
		if (!expect_mapping(t, s))
			return;
	for (int i = 0; i < 20000; i++) {
		unsigned f = 9 + lab4_rand(&seed) % (LAB4_MAX_SHIFT - 9);
		size_t s = ((size_t)1 << f) |
			   (((size_t)lab4_rand(&seed) << 20 ^ lab4_rand(&seed)) &
			    (((size_t)1 << f) - 1));

		s &= ~(size_t)15;
		if (!expect_mapping(t, s))
			return;
	}
}

/* Expect lab4_round_up(size) to be the first class edge >= size. */
static int expect_round(struct ktest *t, size_t size)
{
	size_t r = lab4_round_up(size), prev;
	unsigned fl, sl;

	/* r's class by the contract, found without the student's mapping. */
	for (fl = 0; fl < LAB4_FL_COUNT; fl++)
		if (class_end(fl, LAB4_SL_COUNT - 1) > r)
			break;
	for (sl = 0; fl < LAB4_FL_COUNT && class_end(fl, sl) <= r; sl++)
		;
	prev = fl == 0 && sl == 0 ? 0 :
	       sl ? class_base(fl, sl - 1) : class_base(fl - 1, LAB4_SL_COUNT - 1);
	return LAB_EXPECT(t, r >= size && fl < LAB4_FL_COUNT &&
			  class_base(fl, sl) == r && prev < size,
			  "lab4_round_up(%zu) gave %zu: it must be the smallest "
			  "class edge >= the size (the class width is 16 below "
			  "512, 2^(f-5) from 2^f up; round up to a multiple of it)",
			  size, r);
}

KTEST(lab4_segfit, round_up_gives_the_next_class_edge)
{
	uint32_t seed = 9;

	for (size_t s = 16; s < 8192; s += 16)
		if (!expect_round(t, s))
			return;
	for (int i = 0; i < 5000; i++) {
		unsigned f = 9 + lab4_rand(&seed) % 30;
		size_t s = ((size_t)1 << f) + (lab4_rand(&seed) & (((size_t)1 << f) - 1));

		s &= ~(size_t)15;
		if (!expect_round(t, s))
			return;
	}
}

/* The first non-empty list at or after (fl, sl), by a scan: the spec. */
static int scan(const struct lab4_maps *m, unsigned fl, unsigned sl,
		unsigned *ofl, unsigned *osl)
{
	for (unsigned f = fl; f < LAB4_FL_COUNT; f++)
		for (unsigned s = f == fl ? sl : 0; s < LAB4_SL_COUNT; s++)
			if (m->sl[f] & (1u << s)) {
				*ofl = f;
				*osl = s;
				return 1;
			}
	return 0;
}

/* Expect lab4_find to agree with the scan; what went wrong in the LAB line. */
static int expect_find(struct ktest *t, struct lab4_maps *m, unsigned fl,
		       unsigned sl, const char *mistake)
{
	unsigned wf = 0, ws = 0, gf = 999, gs = 999;
	int want = scan(m, fl, sl, &wf, &ws), got;

	got = lab4_find(m, fl, sl, &gf, &gs);
	if (want)
		return LAB_EXPECT(t, got == 1 && gf == wf && gs == ws,
				  "find from (%u, %u): the first non-empty list is "
				  "(%u, %u), got %d (%u, %u): %s", fl, sl, wf, ws,
				  got, gf, gs, mistake);
	return LAB_EXPECT(t, got == 0,
			  "find from (%u, %u): no list at or after it is "
			  "non-empty, so 0, got %d (%u, %u): %s", fl, sl, got,
			  gf, gs, mistake);
}

KTEST(lab4_segfit, find_takes_the_requested_list)
{
	struct lab4_maps m = { 0 };

	set_list(&m, 3, 7);
	set_list(&m, 3, 9);
	expect_find(t, &m, 3, 7, "a non-empty list of the requested class is "
		    "the answer (mask sl_map with the bits at and above sl)");
}

KTEST(lab4_segfit, find_skips_lists_below_the_request)
{
	struct lab4_maps m = { 0 };

	/* Lists below sl on the same level hold blocks that are too small. */
	set_list(&m, 4, 2);
	set_list(&m, 4, 20);
	expect_find(t, &m, 4, 10, "lists below sl hold blocks too small: mask "
		    "them off (sl_map & (~0u << sl))");
	set_list(&m, 6, 0);
	expect_find(t, &m, 4, 21, "nothing at or above sl on level 4: go to "
		    "the next non-empty level, not back below sl");
}

KTEST(lab4_segfit, find_moves_up_to_a_higher_level)
{
	struct lab4_maps m = { 0 };

	set_list(&m, 2, 5);     /* below the request: never the answer */
	set_list(&m, 9, 31);
	set_list(&m, 9, 30);
	set_list(&m, 20, 0);
	expect_find(t, &m, 5, 3, "nothing on level 5: take the lowest set bit "
		    "of fl_map above level 5, then the lowest list there");
	expect_find(t, &m, 9, 31, "the last list of a level is a list too");
	expect_find(t, &m, 0, 0, "level 0 is the sizes below 512");
}

KTEST(lab4_segfit, find_returns_0_when_nothing_is_at_or_above)
{
	struct lab4_maps m = { 0 };

	expect_find(t, &m, 0, 0, "all lists are empty");
	set_list(&m, 1, 1);
	set_list(&m, 7, 3);
	expect_find(t, &m, 7, 4, "only lists below the request are non-empty "
		    "(mask fl_map above fl, and test for 0 before bit_ffs64)");
	expect_find(t, &m, 8, 0, "only lower levels are non-empty");
	expect_find(t, &m, LAB4_FL_COUNT - 1, LAB4_SL_COUNT - 1,
		    "the last list of the last level is empty");
}

KTEST(lab4_segfit, find_agrees_with_a_scan_on_random_bitmaps)
{
	uint32_t seed = 77;

	for (int i = 0; i < 3000; i++) {
		struct lab4_maps m = { 0 };
		int lists = 1 + (int)(lab4_rand(&seed) % 6);

		for (int k = 0; k < lists; k++)
			set_list(&m, lab4_rand(&seed) % LAB4_FL_COUNT,
				 lab4_rand(&seed) % LAB4_SL_COUNT);
		if (!expect_find(t, &m, lab4_rand(&seed) % LAB4_FL_COUNT,
				 lab4_rand(&seed) % LAB4_SL_COUNT,
				 "see the cases above for the rule"))
			return;
	}
}

KTEST(lab4_segfit, find_reads_at_most_three_bitmap_words)
{
	struct lab4_maps m = { 0 };
	unsigned f, s;

	/* The farthest answer: a scan reads a word per level on the way. */
	set_list(&m, LAB4_FL_COUNT - 1, LAB4_SL_COUNT - 1);
	m.reads = 0;
	LAB_ASSERT(t, lab4_find(&m, 0, 0, &f, &s) == 1,
		   "lab4_find from (0, 0) found nothing, yet list (%u, %u) is "
		   "not empty", LAB4_FL_COUNT - 1, LAB4_SL_COUNT - 1);
	LAB_EXPECT(t, m.reads <= 3,
		   "to find the list (%u, %u) from (0, 0), lab4_find read %u "
		   "bitmap words: it must take a constant number (at most 3: "
		   "sl_map of the level, fl_map, sl_map of the level found), "
		   "not one per level or list", LAB4_FL_COUNT - 1,
		   LAB4_SL_COUNT - 1, m.reads);
}
