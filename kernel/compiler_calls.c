/* SPDX-License-Identifier: MIT */
/*
 * The four functions gcc and clang may call on their own in freestanding
 * code (struct copies and zeroing, -ffreestanding's documented
 * requirement): plain memset, memcpy, memmove and memcmp. libk's are named
 * libk_memset etc. (libk/names.h) so that a port can take libk without a
 * clash; the kernel is the one home that needs the plain names, so they
 * live here and forward to libk's.
 *
 * libk/string.h is included for the libk_ prototypes; its macros are then
 * removed so the definitions below get the plain names.
 */
#include "libk/string.h"

#undef memset
#undef memcpy
#undef memmove
#undef memcmp

void *memset(void *dst, int c, size_t n)
{
	return libk_memset(dst, c, n);
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	return libk_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return libk_memmove(dst, src, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return libk_memcmp(a, b, n);
}
