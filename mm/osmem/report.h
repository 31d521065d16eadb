/* SPDX-License-Identifier: MIT */
/*
 * Misuse and corruption reports: one mechanism for every allocator and home.
 *
 * The allocator core fills a struct osmem_report and hands it to its
 * backend's report(); the home prints it as ONE line built by
 * osmem_report_format(), in the spirit of Linux's SLUB and KASAN:
 *
 *   osmem: double free of 0xffff800000123450 (block of 64 bytes) in kfree called from vfs_close+0x2c
 *
 * "in kfree" is the front the caller used (kfree, free, os_free; the core's
 * own op when the home has no front name), "called from" the front's
 * caller, symbolized where the home can (kernel) or in hex (user space).
 * In debug mode the allocation and free sites follow:
 *   "; allocated from X; freed from Y".
 * A size mismatch (a sized free whose size is not the block's) always
 * names the block's size (usable_size's answer) and the size given:
 *   osmem: sized delete size mismatch of 0x55d0c3a2f010 (block of 40 bytes): size given 48 in operator delete called from 0x55d0c1e8a275
 *
 * Contract for the core: a report is made at the moment misuse is seen,
 * before anything is changed; the operation is then refused (NULL, or
 * nothing done for free) and the bad block is never merged or reused. The
 * home decides what follows the line: the kernel goes on (or panics with
 * heap_panic), user space aborts as glibc does, the test backend records.
 */
#ifndef MM_OSMEM_REPORT_H
#define MM_OSMEM_REPORT_H

#include <stddef.h>

enum osmem_fault {
	OSMEM_FAULT_DOUBLE_FREE,	/* free/realloc of a block already free */
	OSMEM_FAULT_INVALID_POINTER,	/* in the heap, not the start of a live block */
	OSMEM_FAULT_FOREIGN_POINTER,	/* not memory of this heap at all */
	OSMEM_FAULT_CORRUPT_HEADER,	/* the block's check value does not match */
	OSMEM_FAULT_REDZONE,		/* debug: a red zone was written (overflow) */
	OSMEM_FAULT_USE_AFTER_FREE,	/* debug: a freed block's poison was written */
	OSMEM_FAULT_HEAP_CORRUPT,	/* the heap checker found a broken invariant */
	OSMEM_FAULT_BACKEND,		/* the backend misbehaved (break moved, unmap failed) */
	OSMEM_FAULT_SIZE_MISMATCH,	/* free_sized: the size given is not the block's */
	OSMEM_FAULT_COUNT
};

/* The allocator entry a report names ("in free"): the core names its
 * operations by this enum and turns it into the report's op string. */
enum osmem_op {
	OSMEM_OP_MALLOC,
	OSMEM_OP_FREE,
	OSMEM_OP_REALLOC,
	OSMEM_OP_USABLE_SIZE,
	OSMEM_OP_FREE_SIZED,
	OSMEM_OP_CHECK,
	OSMEM_OP_TRIM,
	OSMEM_OP_COUNT
};

/* "malloc", "free", ... (the names the reports have always used). */
const char *osmem_op_name(enum osmem_op op);

struct osmem_report {
	enum osmem_fault fault;
	const char *op;		/* the core's entry: "free", "realloc", "usable_size", "malloc", "check" */
	const void *ptr;	/* the pointer given (or the block's payload) */
	size_t size;		/* the block's payload size when known, else 0 */
	const void *alloc_site;	/* debug mode: who allocated the block, else NULL */
	const void *free_site;	/* debug mode: who freed it, else NULL */
	const char *detail;	/* what exactly, for HEAP_CORRUPT/BACKEND/CORRUPT_HEADER; may be NULL */
	size_t given;		/* SIZE_MISMATCH: the size the caller gave */
};

/* "double free", "invalid pointer", ... */
const char *osmem_fault_name(enum osmem_fault f);

/* Writes a name for addr into buf (kernel: "vfs_close+0x2c"). */
typedef void (*osmem_symbolize_fn)(char *buf, size_t len, const void *addr);

/*
 * The report's one line (no newline) into buf[0..len): front names the
 * function the caller used (NULL: r->op), caller is that caller's return
 * address (NULL: no "called from"), sym turns addresses into names (NULL:
 * hex). Returns the length the full line would have had, as snprintf.
 */
int osmem_report_format(char *buf, size_t len, const struct osmem_report *r,
			const char *front, const void *caller,
			osmem_symbolize_fn sym);

#endif
