/* SPDX-License-Identifier: MIT */
/*
 * The kmalloc family: how kernel code allocates memory.
 *
 * Served by one allocator of mm/osmem/, chosen at boot with the command
 * line option heap=NAME: heap=fast (the default, O(1) segregated fit) or
 * heap=classic (the course allocator, O(n)). Every call goes to it through
 * the kernel backend (ksbrk for small blocks, vm_map for large ones).
 *
 * Contracts:
 * - kmalloc(size): size bytes aligned for any object, or NULL. kmalloc(0)
 *   returns what the allocator returns for 0 (fast: a unique minimal block
 *   that kfree takes; classic: NULL).
 * - kzalloc(size): as kmalloc, zeroed.
 * - kcalloc(n, size), kmalloc_array(n, size): n * size bytes (kcalloc
 *   zeroed), NULL when the product overflows.
 * - krealloc(p, size): as C's realloc; on failure p stays valid, unchanged.
 *   A p that is no live block gives NULL and one misuse line (classic's
 *   realloc refuses it quietly, mm/osmem/allocator.h; krealloc then names
 *   it), never an out-of-memory line.
 * - kfree(p): NULL is a no-op.
 * - ksize(p): the usable size of p's block (>= the size asked for).
 * - kmalloc_aligned(size, align): align a power of two; NULL if the
 *   allocator cannot align that far.
 * Misuse (double kfree, kfree of a pointer kmalloc did not give...) is
 * reported on the console as one line naming the call and its caller, and
 * refused; the kernel goes on, or panics with the boot option heap_panic.
 * A failed allocation prints a rate-limited "kmalloc: out of memory" line.
 * Not callable from interrupt handlers until the backend's lock says so.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "mm/osmem/allocator.h"
#include <stddef.h>

/* kmalloc_init flags, from the boot options heap_panic and heap_debug. */
#define KMALLOC_PANIC_ON_MISUSE 0x1	/* a misuse report panics */
#define KMALLOC_DEBUG           0x2	/* the allocator's debug mode; an
					 * allocator without one (classic)
					 * says at boot that it ignores it */

/* Pick the allocator by name (NULL or "" for the default) and bind it to
 * the kernel backend, configured by flags. Returns 0, or -1 for an unknown
 * name (the default is used then, and the error is printed). */
int kmalloc_init(const char *name, unsigned flags);
/* How many kmalloc-family allocations have failed, and how many
 * "out of memory" lines that printed (the first 10, then one in 1000). */
unsigned long kmalloc_oom_events(void);
unsigned long kmalloc_oom_lines_printed(void);
/* The allocator of that name, or NULL. */
const struct osmem_allocator *kmalloc_find(const char *name);
/* The chosen allocator and the kernel heap instance, for statistics, the
 * heap checker and walks: kmalloc_allocator()->check(kmalloc_heap_instance()). */
const struct osmem_allocator *kmalloc_allocator(void);
struct osmem_heap *kmalloc_heap_instance(void);

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kcalloc(size_t n, size_t size);
void *kmalloc_array(size_t n, size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
size_t ksize(void *p);
void *kmalloc_aligned(size_t size, size_t align);

#endif
