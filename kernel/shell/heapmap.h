/* SPDX-License-Identifier: MIT */
/*
 * heapmap: a picture of the kernel's brk heap on the console.
 *
 * heapmap_print(colour) draws [kbrk_start(), kbrk_current()) as rows of
 * HEAPMAP_COLS cells, at most HEAPMAP_ROWS rows: each cell stands for N
 * bytes (N a power of two, at least HEAPMAP_MIN_CELL, the smallest that
 * fits the heap in the rows). A cell shows
 *   '#'  it holds allocated payload bytes,
 *   'c'  else it holds blocks sitting in kmalloc's small-block cache
 *        (free for the kernel, live for the allocator),
 *   '.'  else it holds free payload bytes at least as many as header bytes,
 *   'h'  else (block headers, padding, alignment gaps);
 * with colour, the cells are also painted (ANSI background colours).
 * A legend, a one-line summary (blocks and bytes of each kind) and the
 * mapped blocks (one line each, not in the picture) follow.
 *
 * heapmap_list() prints every block instead: payload address, size, kind.
 *
 * Both are built from the allocator's walk() of the kmalloc heap (payload
 * pointers and sizes); they only read the heap and allocate nothing.
 */
#ifndef KERNEL_HEAPMAP_H
#define KERNEL_HEAPMAP_H

#include <stdbool.h>

#define HEAPMAP_COLS		64
#define HEAPMAP_ROWS		8
#define HEAPMAP_MIN_CELL	16

void heapmap_print(bool colour);
void heapmap_list(void);

#endif
