/* SPDX-License-Identifier: MIT */
/*
 * The shell's own memory: a small heap of the fast allocator over a static
 * buffer (mm/osmem/osmem_embed.h, the static arena backend), apart from
 * the kmalloc heap that `alloc`, `free` and `heapmap` work on.
 *
 * Why: the shell's state (the line editor's history) used to come from
 * kmalloc, so a block the user freed could come back as a history line,
 * and the user's next `free` of that address freed the shell's memory
 * (the line editor then reported a double free of its own). Now nothing
 * the shell keeps is in the kmalloc heap: `free` of any address the user
 * can type either is the user's own block or is refused by kmalloc
 * ("pointer not from this heap": the arena is in the kernel's .bss).
 *
 * Contract:
 * - shell_mem_alloc(n): n bytes of the arena, or NULL when it is full
 *   (SHELL_ARENA_BYTES in all; the caller goes on without).
 * - shell_mem_free(p): p from shell_mem_alloc, or NULL. Misuse is
 *   reported on the console as one line starting "shell arena: ".
 * - shell_mem_range(&start, &end): the arena's bytes, for `heap`.
 * - shell_mem_stats(st): its allocator's statistics.
 * Locking: none. Only the shell's thread calls these (never an interrupt
 * handler, never another CPU).
 */
#ifndef KERNEL_SHELL_SHELL_MEM_H
#define KERNEL_SHELL_SHELL_MEM_H

#include "mm/osmem/allocator.h"
#include <stddef.h>

#define SHELL_ARENA_BYTES	(16u * 1024)

void *shell_mem_alloc(size_t n);
void shell_mem_free(void *p);
void shell_mem_range(const void **start, const void **end);
void shell_mem_stats(struct osmem_stats *st);

#endif
