/* SPDX-License-Identifier: MIT */
/*
 * vmap: the page mapper, the allocator's mmap/munmap/mremap.
 *
 * Mappings live in [VMAP_BASE, VMAP_BASE + VMAP_BYTES). Each mapping is
 * followed by one unmapped guard page that belongs to it, so running off
 * its end faults instead of reaching the next mapping. A reservation is a
 * range of the same space with nothing mapped (and its guard page): every
 * access to it faults.
 *
 * Contract:
 * - vm_map(bytes) returns zeroed, page-aligned, read/write, no-execute
 *   memory of bytes rounded up to whole pages, or NULL (bytes == 0, no
 *   address space, no frames, or VMAP_MAX_MAPPINGS mappings already live).
 *   Address space is taken next-fit from where the last mapping ended,
 *   going round to the start only when nothing fits above: a freed range
 *   is reused only after the whole range has been gone round, so a stale
 *   pointer into a freed mapping faults in the meantime.
 * - vm_unmap(addr, bytes) takes back exactly one mapping: addr its start,
 *   bytes its length (any length that rounds up to the same page count).
 *   Frames go back to pmm and the range (guard included) becomes free.
 *   An unknown, unaligned or mis-sized request is refused: -1, one line on
 *   the console naming the caller, a misuse counted, nothing changed.
 * - vm_remap(addr, old, new) resizes a mapping in place: shrinking frees
 *   the tail pages; growing needs the address space after the guard page
 *   free, and maps zeroed frames. Returns addr, or NULL with nothing
 *   changed (bad arguments, a reservation among them, are reported as for
 *   vm_unmap).
 * - vm_reserve(bytes) takes bytes rounded up to whole pages of address
 *   space, page-aligned, with no page mapped and no frame used, so that
 *   any read, write or fetch there faults (#PF); NULL as for vm_map (no
 *   frames are needed, so never for lack of them). vm_unmap(addr, bytes)
 *   gives it back, under the same rules as a mapping. For the
 *   allocator's zero-size blocks (debug mode), which must fault at once.
 * - At most VMAP_MAX_MAPPINGS mappings and reservations are live at once:
 *   their records sit in a fixed, address-sorted table (the allocator is
 *   built on this file, so it cannot use kmalloc).
 * - Not reentrant, like pmm and vmm: callers serialize with interrupts
 *   off (irq_save(), libk/cpu.h; the kmalloc heap lock does it for the
 *   allocator). The kernel's lock order: libk/locking.h.
 */
#ifndef MM_VMAP_H
#define MM_VMAP_H

#include <stddef.h>
#include <stdint.h>

#define VMAP_MAX_MAPPINGS 4096

void vmap_init(void);
void *vm_map(size_t bytes);
int vm_unmap(void *addr, size_t bytes);
void *vm_remap(void *addr, size_t old_bytes, size_t new_bytes);
void *vm_reserve(size_t bytes);

struct vmap_stats {
	size_t mappings;	/* live mappings */
	size_t pages;		/* pages mapped by them (guards excluded) */
	size_t reservations;	/* live reservations */
	size_t reserved_pages;	/* their pages (guards excluded) */
	size_t free_bytes;	/* address space in no record (nor guard) */
	size_t largest_free;	/* the largest free stretch of it */
};

void vmap_stats(struct vmap_stats *st);
unsigned long vmap_misuse_count(void);

/* Where the next fit's search starts: the end of the last placement.
 * Setting it is for tests that need a freed range handed out again (what
 * happens once the search has gone round the whole range). */
uintptr_t vmap_cursor(void);
void vmap_set_cursor(uintptr_t va);

#endif
