/* SPDX-License-Identifier: MIT */
/*
 * libk string and memory functions: the freestanding subset of <string.h>.
 * Same contracts as the C standard's functions of the same names; the
 * symbols are libk_memset etc. (libk/names.h). The compiler may emit calls
 * to plain memset/memcpy/memmove/memcmp on its own: the kernel provides those
 * (kernel/compiler_calls.c), not libk.
 */
#ifndef LIBK_STRING_H
#define LIBK_STRING_H

#include "libk/names.h"
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);

#endif
