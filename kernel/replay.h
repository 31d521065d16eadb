/* SPDX-License-Identifier: MIT */
/*
 * kreplay: replay an allocation trace on the kernel heap (kmalloc, kcalloc,
 * krealloc, kfree, kmalloc_aligned), the kernel's counterpart of
 * `build/host/replay --check`. Format: tests/traces/README.md; parser:
 * mm/osmem/trace.h.
 *
 *   int kreplay(name, text, len, r)
 *
 * text[0..len) is the whole trace (a GRUB module read through the direct
 * map, say); it is only read. name labels the error messages.
 *
 * What it does, in three passes over the text:
 *   1. parse every line (a bad one: KREPLAY_EBADTRACE, nothing replayed);
 *   2. check the order of every call (trace_track) and count the peak of
 *      live bytes of the calls to be replayed; if that peak, with a margin
 *      for the allocator's overhead, exceeds the free memory (pmm), return
 *      KREPLAY_ENOMEM before touching the heap;
 *   3. replay the first r->limit calls (all if 0). Every block gets a
 *      pattern over all its bytes (a per-block seed; a realloc'd block keeps
 *      its seed), verified before each free and realloc, and over the kept
 *      bytes after a realloc; kcalloc memory is verified zero first; every
 *      pointer's alignment and ksize() are checked. The heap checker
 *      (kmalloc_allocator()->check) runs every KREPLAY_CHECK_EVERY calls and
 *      at the end. Then the blocks still live are freed (verified too) and
 *      the heap's in-use statistics must be back where they started.
 *
 * The id -> block table comes from vm_map, not kmalloc: the replay must not
 * change the heap it measures. It is unmapped before returning.
 *
 * Returns KREPLAY_OK, or a negative KREPLAY_E* code; *r says what happened
 * (fields below). kreplay keeps r->limit, r->corrupt_at and r->stop and
 * clears every other field first. Not reentrant (it uses kmalloc, which is not).
 */
#ifndef KERNEL_REPLAY_H
#define KERNEL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define KREPLAY_OK		0
#define KREPLAY_EBADTRACE	(-1)	/* r->line, r->why: a line or order refused */
#define KREPLAY_ENOMEM		(-2)	/* r->why, r->need_bytes, r->free_bytes */
#define KREPLAY_EFAIL		(-3)	/* replayed, r->errors > 0, r->first_error */

#define KREPLAY_CHECK_EVERY	50000	/* calls between heap checks */
#define KREPLAY_ERROR_MAX	200	/* bytes of r->first_error */
#define KREPLAY_STOP_EVERY	1024	/* calls between r->stop() polls */

struct kreplay_result {
	/* In: set by the caller (0: the default). */
	size_t limit;		/* replay at most this many calls; 0: all */
	size_t corrupt_at;	/* tests the checker: after call K (from 1),
				 * flip the last byte of the block it made */
	int (*stop)(void);	/* NULL, or asked after every batch of
				 * KREPLAY_STOP_EVERY calls: non-zero ends
				 * the replay there (r->stopped; the live
				 * blocks are freed and checked as at the
				 * end). The shell's Ctrl-C. */

	/* Out. */
	size_t calls;		/* calls replayed */
	size_t trace_calls;	/* calls in the trace */
	size_t ids;		/* entries of the id table (largest id + 1) */
	uint64_t peak_live;	/* peak of the bytes asked for, not yet freed */
	size_t start_foot;	/* heap bytes + mapped bytes before the replay */
	size_t peak_foot;	/* their peak, sampled after each allocation */
	size_t heap_extend_calls;	/* backend calls the replay caused */
	size_t map_calls;		/* (the allocator's statistics, */
	size_t unmap_calls;		/*  final frees included) */
	size_t checks;		/* heap checker runs */
	uint64_t alloc_cycles;	/* TSC cycles inside the kmalloc family */
	uint64_t replay_cycles;	/* TSC cycles of pass 3, parsing and checks
				 * included */
	int stopped;		/* stop() ended the replay early */
	size_t errors;		/* content, alignment, checker errors */
	char first_error[KREPLAY_ERROR_MAX];

	unsigned long line;	/* EBADTRACE: the line (1-based) */
	const char *why;	/* EBADTRACE, ENOMEM: a constant message */
	uint64_t need_bytes;	/* ENOMEM: the estimate of memory needed */
	uint64_t free_bytes;	/* ENOMEM: free memory at the time */
};

int kreplay(const char *name, const char *text, size_t len,
	    struct kreplay_result *r);

#endif
