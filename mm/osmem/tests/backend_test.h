/* SPDX-License-Identifier: MIT */
/*
 * The test backend: a fake break over an arena, real page mappings, every
 * call recorded, any call made to fail on request.
 *
 * osmem_tb_init() returns a fresh backend (contract: mm/osmem/backend.h):
 * - heap_extend moves a fake break inside an arena supplied by the home
 *   (osmem_test_arena); the heap starts at the arena's (page-aligned)
 *   start. Memory is zeroed the first time the break passes it; memory the
 *   break gives back is poisoned (0xa5), so an allocator that assumes it
 *   is still zero fails its tests.
 * - pages_map/pages_unmap/pages_remap/pages_reserve go to the home's real
 *   backend (osmem_test_home_backend; pages_reserve is NULL when the
 *   home's is), and the backend keeps a table of live mappings and
 *   reservations: an unmap that does not match one exactly (same pointer,
 *   same length) is counted as bad and refused.
 * - every call is recorded in order (kind, delta or length, result); lock
 *   and unlock are counted and checked for nesting, and each recorded call
 *   notes whether the lock was held.
 * - osmem_tb_fail_at(n) fails call number n (1-based, counting the
 *   heap_extend/map/unmap/remap calls since init); osmem_tb_fail_from(n)
 *   fails every call from number n on. A failed call changes nothing.
 *
 * - report(r) records a copy of each report and its line, formatted by
 *   osmem_report_format() with no front (the core's op names it), the
 *   caller set by osmem_tb_set_caller() and hex addresses; the allocator
 *   then goes on (nothing aborts).
 * - caller() returns the value of osmem_tb_set_caller() (NULL by default);
 *   secret is the fixed OSMEM_TB_SECRET, so check values are reproducible;
 *   debug is false unless osmem_tb_set_debug(true) was called.
 * - osmem_tb_set_debug()/osmem_tb_set_caller() act on the current backend
 *   and, when called before osmem_tb_init(), on the next one (once): so a
 *   test may set them before or after osmem_tb_init(), but before the
 *   allocator's init() (which reads debug once). Each osmem_tb_init()
 *   without them resets both.
 *
 * Leftover mappings of the previous test are unmapped by the next
 * osmem_tb_init(). The file is freestanding: it builds in both homes.
 */
#ifndef MM_OSMEM_TESTS_BACKEND_TEST_H
#define MM_OSMEM_TESTS_BACKEND_TEST_H

#include "mm/osmem/backend.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSMEM_TB_ARENA_BYTES ((size_t)16 << 20)
#define OSMEM_TB_MAX_CALLS   1024
#define OSMEM_TB_MAX_MAPS    256
#define OSMEM_TB_MAX_REPORTS 32
#define OSMEM_TB_REPORT_LINE 256
#define OSMEM_TB_SECRET      ((uintptr_t)0x5eb1c0de7e57a11ULL)

/* --- supplied by the home (tests/host/osmem_test_home.c, the kernel's) --- */

/* The arena under the fake break: `bytes` of page-aligned, read-write
 * memory, the same region on every call (NULL if it cannot be had). */
void *osmem_test_arena(size_t bytes);
/* The home's real backend; only its page_size and page calls are used. */
const struct osmem_backend *osmem_test_home_backend(void);

/* --- the recording backend --- */

enum osmem_tb_kind { OSMEM_TB_EXTEND, OSMEM_TB_MAP, OSMEM_TB_UNMAP, OSMEM_TB_REMAP,
		     OSMEM_TB_RESERVE };

struct osmem_tb_call {
	enum osmem_tb_kind kind;
	intptr_t delta;   /* EXTEND: the delta asked for */
	long offset;      /* EXTEND: old break - heap start (-1 if failed) */
	size_t len;       /* MAP, UNMAP, RESERVE: the length; REMAP: the new one */
	void *ptr;        /* MAP, REMAP, RESERVE: the result; UNMAP: the argument */
	int failed;       /* the call failed (injected, or refused) */
	int locked;       /* the allocator held the lock during the call */
};

/* A fresh backend: break at heap start, no calls, no failures set. NULL if
 * the home has no arena. */
const struct osmem_backend *osmem_tb_init(void);

void osmem_tb_fail_at(unsigned n);
void osmem_tb_fail_from(unsigned n);
void osmem_tb_fail_none(void);
/* Refuse to move the break past heap start + bytes. */
void osmem_tb_set_limit(size_t bytes);
/* Move the break behind the allocator's back (not recorded). */
void osmem_tb_move_break(intptr_t delta);

unsigned osmem_tb_ncalls(void);                     /* all calls since init */
const struct osmem_tb_call *osmem_tb_call(unsigned i); /* 0-based; NULL past end */
unsigned osmem_tb_count(enum osmem_tb_kind kind);
char *osmem_tb_heap_start(void);
size_t osmem_tb_brk(void);                 /* break - heap start */
size_t osmem_tb_live_maps(void);                /* mappings, not reservations */
int osmem_tb_is_mapped(const void *p, size_t len); /* inside a live mapping? */
size_t osmem_tb_live_reserves(void);
int osmem_tb_is_reserved(const void *p);  /* inside a live reservation? */
unsigned osmem_tb_bad_unmaps(void);
unsigned osmem_tb_reports(void);                /* reports since init */
const char *osmem_tb_last_report(void);         /* the last line ("" if none) */
/* Report i (0-based) and its line; NULL past the end or past the record. */
const struct osmem_report *osmem_tb_report(unsigned i);
const char *osmem_tb_report_line(unsigned i);
void osmem_tb_set_debug(bool on);
void osmem_tb_set_caller(const void *caller);
unsigned osmem_tb_locks(void);             /* lock() calls */
unsigned osmem_tb_lock_errors(void);       /* nested lock or stray unlock */
int osmem_tb_lock_held(void);

#endif
