/* SPDX-License-Identifier: MIT */
/*
 * The shell's arena (contract in kernel/shell/shell_mem.h).
 *
 * The heap is made on first use, so nothing at boot depends on it. Its
 * backend is the static arena's with a report hook added: misuse of the
 * shell's own memory is a kernel bug, and must not pass silently.
 */
#include "kernel/shell/shell_mem.h"
#include "libk/console.h"
#include "mm/osmem/osmem_embed.h"
#include <stdint.h>

static _Alignas(64) unsigned char shell_arena[SHELL_ARENA_BYTES];
static struct osmem_heap_space shell_space;
static struct osmem_heap *shell_heap;

static void shell_mem_symbol(char *buf, size_t len, const void *addr)
{
	console_symbol(buf, len, (uintptr_t)addr);
}

static void shell_mem_report(const struct osmem_report *r)
{
	char line[256];

	/* No caller: the arena has no front that records one. */
	osmem_report_format(line, sizeof(line), r, NULL, NULL,
			    shell_mem_symbol);
	kprintf("shell arena: %s\n", line);
}

static struct osmem_heap *shell_mem_heap(void)
{
	struct osmem_backend *be;

	if (shell_heap)
		return shell_heap;
	be = osmem_static_backend(shell_arena, sizeof(shell_arena));
	if (!be)
		return NULL;
	be->report = shell_mem_report;
	shell_heap = osmem_heap_create(&shell_space, be);
	return shell_heap;
}

void *shell_mem_alloc(size_t n)
{
	struct osmem_heap *h = shell_mem_heap();

	return h ? osmem_heap_malloc(h, n) : NULL;
}

void shell_mem_free(void *p)
{
	struct osmem_heap *h = shell_mem_heap();

	if (h)
		osmem_heap_free(h, p);
}

void shell_mem_range(const void **start, const void **end)
{
	*start = shell_arena;
	*end = shell_arena + sizeof(shell_arena);
}

void shell_mem_stats(struct osmem_stats *st)
{
	struct osmem_heap *h = shell_mem_heap();

	*st = (struct osmem_stats){ 0 };
	if (h)
		osmem_heap_stats(h, st);
}
