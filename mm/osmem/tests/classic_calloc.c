/* SPDX-License-Identifier: MIT */
/*
 * osmem_classic: calloc. Its threshold is the page size, not 128 KiB, and
 * the product is checked for overflow before any call.
 */
#include "mm/osmem/tests/classic_tests.h"

KTEST(osmem_classic, calloc_zero_argument_returns_null)
{
	CL_START(t);
	KEXPECT_NULL(t, CL->calloc(h, 0, 5));
	KEXPECT_NULL(t, CL->calloc(h, 5, 0));
	KEXPECT_NULL(t, CL->calloc(h, 0, 0));
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	CL_END(t);
}

KTEST(osmem_classic, calloc_overflow_returns_null_without_calls)
{
	CL_START(t);
	KEXPECT_NULL(t, CL->calloc(h, SIZE_MAX / 2 + 1, 2));
	KEXPECT_NULL(t, CL->calloc(h, (size_t)1 << 32, (size_t)1 << 32));
	KEXPECT_NULL(t, CL->calloc(h, 1, SIZE_MAX - 7));     /* rounding overflows */
	KEXPECT_NULL(t, CL->calloc(h, SIZE_MAX - 31, 1));    /* the header overflows */
	KEXPECT_EQ(t, osmem_tb_ncalls(), 0);
	CL_END(t);
}

/* 32 + (page - 32) reaches the page size: mapped; 8 less: heap. */
KTEST(osmem_classic, calloc_threshold_is_the_page_size)
{
	char *p, *q;

	CL_START(t);
	p = CL->calloc(h, 1, CL_PAGE - 32);
	KASSERT_NOT_NULL(t, p);
	OSMEM_EXPECT_MAP(t, 0, CL_PAGE);
	KEXPECT_PTR_EQ(t, p - 32, osmem_tb_call(0)->ptr);
	q = CL->calloc(h, 1, CL_PAGE - 40);
	KEXPECT_PTR_EQ(t, q, CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 1, CL_PREALLOC, 0);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 2);
	CL_END(t);
}

KTEST(osmem_classic, calloc_4080_is_mapped_and_zero)
{
	char *p;

	if (CL_PAGE != 4096)
		KTEST_SKIP(t, "page size is not 4096");
	CL_START(t);
	p = CL->calloc(h, 1, 4080);
	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	OSMEM_EXPECT_MAP(t, 0, 4112);
	KEXPECT(t, osmem_is_zero(p, 4080));
	CL->free(h, p);
	OSMEM_EXPECT_UNMAP(t, 1, p - 32, 4112);
	CL_END(t);
}

/* The threshold applies to the product, not to either argument. */
KTEST(osmem_classic, calloc_threshold_uses_the_product)
{
	CL_START(t);
	KASSERT_NOT_NULL(t, CL->calloc(h, 2, CL_PAGE / 2 - 8));
	OSMEM_EXPECT_MAP(t, 0, 32 + CL_PAGE - 16);
	KEXPECT_EQ(t, osmem_tb_ncalls(), 1);
	CL_END(t);
}

/* malloc of the same size stays on the heap: only calloc uses pages. */
KTEST(osmem_classic, malloc_of_calloc_mapped_size_is_heap)
{
	CL_START(t);
	KEXPECT_PTR_EQ(t, CL->malloc(h, CL_PAGE), CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	KEXPECT_EQ(t, osmem_tb_count(OSMEM_TB_MAP), 0);
	CL_END(t);
}

KTEST(osmem_classic, calloc_first_heap_use_preallocates)
{
	char *p;

	CL_START(t);
	p = CL->calloc(h, 10, 10);
	KEXPECT_PTR_EQ(t, p, CL_H(32));
	OSMEM_EXPECT_EXTEND(t, 0, CL_PREALLOC, 0);
	KEXPECT(t, osmem_is_zero(p, 100));
	CL_END(t);
}

KTEST(osmem_classic, calloc_zeroes_a_reused_block)
{
	char *p, *q;

	CL_START(t);
	p = CL->malloc(h, 1000);
	KASSERT_NOT_NULL(t, p);
	osmem_fill(p, 1000, 7);
	CL->free(h, p);
	q = CL->calloc(h, 1000, 1);
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT(t, osmem_is_zero(q, 1000));
	CL_END(t);
}
