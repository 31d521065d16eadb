/* SPDX-License-Identifier: MIT */
/*
 * heapmap: the picture of the brk heap (contract in kernel/shell/heapmap.h).
 *
 * One walk of the heap adds every payload's bytes to the cells it covers
 * (alloc[], cached[] and free[] counters per cell); what a cell holds
 * beyond those is headers and padding. A cell with allocated bytes is
 * '#', else one with blocks in kmalloc's small-block cache 'c' (free for
 * the kernel, live for the allocator: mm/kmalloc_cache.h). The cells are
 * static: the picture must not allocate from the heap it draws.
 */
#include "kernel/shell/heapmap.h"
#include "libk/console.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kbrk.h"
#include "mm/kmalloc.h"
#include <stddef.h>
#include <stdint.h>

#define HEAPMAP_CELLS	(HEAPMAP_COLS * HEAPMAP_ROWS)

#define ANSI_ALLOC	"\x1b[41m"	/* red background */
#define ANSI_FREE	"\x1b[42m"	/* green */
#define ANSI_HDR	"\x1b[43m"	/* yellow */
#define ANSI_CACHED	"\x1b[44m"	/* blue */
#define ANSI_RESET	"\x1b[0m"

struct heapmap_sum {
	size_t blocks[4];	/* by enum osmem_block_kind */
	size_t bytes[4];
};

static struct heapmap_state {
	uintptr_t start, end;	/* the heap: [start, end) */
	size_t cell;		/* bytes per cell */
	size_t ncells;
	uint32_t alloc[HEAPMAP_CELLS];
	uint32_t free[HEAPMAP_CELLS];
	uint32_t cached[HEAPMAP_CELLS];
	struct heapmap_sum sum;
} hm;

static const char *const heapmap_kind[] = {
	[OSMEM_BLOCK_FREE] = "free",
	[OSMEM_BLOCK_ALLOC] = "allocated",
	[OSMEM_BLOCK_MAPPED] = "mapped",
	[OSMEM_BLOCK_CACHED] = "cached",
};

/* Add the payload [a, b) to the cells, clipped to the heap. */
static void heapmap_add(uintptr_t a, uintptr_t b, uint32_t *counts)
{
	if (a < hm.start)
		a = hm.start;
	if (b > hm.end)
		b = hm.end;
	while (a < b) {
		size_t i = (a - hm.start) / hm.cell;
		uintptr_t cell_end = hm.start + (i + 1) * hm.cell;
		uintptr_t stop = b < cell_end ? b : cell_end;

		counts[i] += (uint32_t)(stop - a);
		a = stop;
	}
}

static void heapmap_count(void *payload, size_t size,
			  enum osmem_block_kind kind, void *arg)
{
	uintptr_t p = (uintptr_t)payload;

	(void)arg;
	hm.sum.blocks[kind]++;
	hm.sum.bytes[kind] += size;
	if (kind == OSMEM_BLOCK_ALLOC)
		heapmap_add(p, p + size, hm.alloc);
	else if (kind == OSMEM_BLOCK_FREE)
		heapmap_add(p, p + size, hm.free);
	else if (kind == OSMEM_BLOCK_CACHED)
		heapmap_add(p, p + size, hm.cached);
}

/* The smallest power-of-two cell (>= HEAPMAP_MIN_CELL) that fits. */
static void heapmap_scan(void)
{
	size_t bytes;

	memset(&hm, 0, sizeof(hm));
	hm.start = (uintptr_t)kbrk_start();
	hm.end = (uintptr_t)kbrk_current();
	bytes = hm.end - hm.start;
	hm.cell = HEAPMAP_MIN_CELL;
	while (hm.cell * HEAPMAP_CELLS < bytes)
		hm.cell <<= 1;
	hm.ncells = (bytes + hm.cell - 1) / hm.cell;
	kmalloc_allocator()->walk(kmalloc_heap_instance(), heapmap_count, NULL);
}

static char heapmap_cell_char(size_t i)
{
	uintptr_t a = hm.start + i * hm.cell;
	size_t span = hm.end - a < hm.cell ? hm.end - a : hm.cell;
	size_t hdr = span - hm.alloc[i] - hm.free[i] - hm.cached[i];

	if (hm.alloc[i])
		return '#';
	if (hm.cached[i])
		return 'c';
	return hm.free[i] >= hdr ? '.' : 'h';
}

static const char *heapmap_paint(char c)
{
	return c == '#' ? ANSI_ALLOC : c == '.' ? ANSI_FREE :
	       c == 'c' ? ANSI_CACHED : ANSI_HDR;
}

static void heapmap_put_cell(char c, bool colour)
{
	if (colour)
		kprintf("%s%c" ANSI_RESET, heapmap_paint(c), c);
	else
		kprintf("%c", c);
}

/* One row of cells, from cell `first`, as one kprintf; a colour code only
 * where the kind changes, so a row stays short on the wire. */
static void heapmap_print_row(size_t first, bool colour)
{
	char row[HEAPMAP_COLS * 8 + 32];
	size_t len = 0, last = first + HEAPMAP_COLS;
	char prev = 0;

	if (last > hm.ncells)
		last = hm.ncells;
	for (size_t i = first; i < last; i++) {
		char c = heapmap_cell_char(i);

		if (colour && c != prev)
			len += (size_t)snprintf(row + len, sizeof(row) - len,
						"%s", heapmap_paint(c));
		row[len++] = c;
		prev = c;
	}
	row[len] = '\0';
	kprintf("  +%06zx %s%s\n", first * hm.cell, row,
		colour ? ANSI_RESET : "");
}

static void heapmap_print_mapped(void *payload, size_t size,
				 enum osmem_block_kind kind, void *arg)
{
	(void)arg;
	if (kind == OSMEM_BLOCK_MAPPED)
		kprintf("  mapped %p: %zu bytes\n", payload, size);
}

void heapmap_print(bool colour)
{
	struct heapmap_sum *s = &hm.sum;

	heapmap_scan();
	kprintf("heap %p-%p (%zu bytes), one cell = %zu bytes\n",
		(void *)hm.start, (void *)hm.end, hm.end - hm.start, hm.cell);
	if (hm.ncells == 0)
		kprintf("  (the heap is empty)\n");
	for (size_t i = 0; i < hm.ncells; i += HEAPMAP_COLS)
		heapmap_print_row(i, colour);
	kprintf("legend: ");
	heapmap_put_cell('#', colour);
	kprintf(" allocated  ");
	heapmap_put_cell('.', colour);
	kprintf(" free  ");
	heapmap_put_cell('h', colour);
	kprintf(" headers/padding  ");
	heapmap_put_cell('c', colour);
	kprintf(" cached\n");
	kprintf("blocks: %zu allocated (%zu bytes), %zu free (%zu bytes), %zu mapped (%zu bytes), %zu cached (%zu bytes)\n",
		s->blocks[OSMEM_BLOCK_ALLOC], s->bytes[OSMEM_BLOCK_ALLOC],
		s->blocks[OSMEM_BLOCK_FREE], s->bytes[OSMEM_BLOCK_FREE],
		s->blocks[OSMEM_BLOCK_MAPPED], s->bytes[OSMEM_BLOCK_MAPPED],
		s->blocks[OSMEM_BLOCK_CACHED], s->bytes[OSMEM_BLOCK_CACHED]);
	kmalloc_allocator()->walk(kmalloc_heap_instance(), heapmap_print_mapped,
				  NULL);
}

static void heapmap_print_block(void *payload, size_t size,
				enum osmem_block_kind kind, void *arg)
{
	(void)arg;
	kprintf("  %p %8zu %s\n", payload, size, heapmap_kind[kind]);
}

void heapmap_list(void)
{
	kprintf("  payload            size     kind\n");
	kmalloc_allocator()->walk(kmalloc_heap_instance(), heapmap_print_block,
				  NULL);
}
