/* SPDX-License-Identifier: MIT */
/*
 * The OS-course allocator interface (the assignment's header, same names).
 * In user space, build/host/libosmem.so exports exactly these four functions,
 * served by the classic allocator over sbrk/mmap.
 */
#ifndef OSMEM_H
#define OSMEM_H

#include <stddef.h>

void *os_malloc(size_t size);
void os_free(void *ptr);
void *os_calloc(size_t nmemb, size_t size);
void *os_realloc(void *ptr, size_t size);

#endif
