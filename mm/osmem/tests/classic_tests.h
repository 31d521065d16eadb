/* SPDX-License-Identifier: MIT */
/*
 * Shorthands for the osmem_classic cases: they pin the classic allocator's
 * exact behaviour (issue 4), so they may know its layout: a 32-byte header
 * before each payload, the heap starting at the test backend's heap start.
 */
#ifndef MM_OSMEM_TESTS_CLASSIC_TESTS_H
#define MM_OSMEM_TESTS_CLASSIC_TESTS_H

#include "mm/osmem/tests/osmem_tests.h"
#include "mm/osmem/block_meta.h"
#include "libk/string.h"
#include <stdint.h>

#define CL            (&osmem_classic)
#define CL_META       32
#define CL_PREALLOC   131072
#define CL_THRESHOLD  131072
/* The address heap start + off. */
#define CL_H(off)     ((void *)(osmem_tb_heap_start() + (off)))
#define CL_HDR(p)     ((struct block_meta *)((char *)(p) - CL_META))
#define CL_PAGE       (osmem_test_home_backend()->page_size)

#define CL_START(t)   OSMEM_START(t, CL)
#define CL_END(t)     OSMEM_END(t, CL)

#endif
