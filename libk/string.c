/* SPDX-License-Identifier: MIT */
/*
 * libk string and memory functions (contract: libk/string.h, which is the C
 * standard's). The symbols are libk_memset etc. in every build
 * (libk/names.h), so a port that takes this file keeps its own memset; the
 * kernel's plain memset/memcpy/memmove/memcmp, which the compiler calls on
 * its own, are in kernel/compiler_calls.c. The host tests check these
 * against libc's.
 *
 * memset/memcpy/memmove work a word (8 bytes) at a time once the
 * destination is aligned. Word accesses go through word_t, declared
 * may_alias (so they do not break strict aliasing for the caller's objects,
 * whatever their type) and aligned(1) (the source may be misaligned, which
 * x86 loads and stores handle).
 *
 * Self-call hazard: gcc's loop distribution (-ftree-loop-distribute-
 * patterns) turns a copy loop into a call to memcpy and a fill loop into a
 * call to memset. Inside memcpy that call is infinite recursion. gcc 12
 * refrains under -ffreestanding or -fno-builtin, but nothing promises that
 * for other compilers or flag sets (a plain -O3 build of this file without
 * the guard does emit memcpy from memcpy). So every loop below passes its
 * destination pointer through LIBK_OPAQUE(): an empty asm statement claiming
 * to change the pointer. The loop then has no visible induction variable and
 * is not recognized as a pattern; the asm itself emits no instruction. This
 * holds for any flags, gcc or clang, so neither home needs a per-file flag.
 * Check: `objdump -dr string.o` shows no relocation against mem* or str*.
 */
#include "libk/string.h"
#include <limits.h>
#include <stdint.h>

#define LIBK_OPAQUE(p) __asm__("" : "+r"(p))

typedef unsigned long __attribute__((may_alias, aligned(1))) word_t;

#define WORD sizeof(word_t)
#define WORD_ONES (~0UL / 0xff)		/* 0x0101...01 */

static int word_aligned(const void *p)
{
	return ((uintptr_t)p & (WORD - 1)) == 0;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;
	word_t w = WORD_ONES * b;	/* b copied into every byte */

	for (; n && !word_aligned(d); n--) {
		*d++ = b;
		LIBK_OPAQUE(d);
	}
	for (; n >= WORD; n -= WORD) {
		*(word_t *)d = w;
		d += WORD;
		LIBK_OPAQUE(d);
	}
	for (; n; n--) {
		*d++ = b;
		LIBK_OPAQUE(d);
	}
	return dst;
}

/*
 * Copy upwards. Also correct for overlapping buffers when d < s: each word
 * is read before any store can reach it, since stores trail the loads.
 */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	for (; n && !word_aligned(d); n--) {
		*d++ = *s++;
		LIBK_OPAQUE(d);
	}
	for (; n >= WORD; n -= WORD) {
		*(word_t *)d = *(const word_t *)s;
		d += WORD;
		s += WORD;
		LIBK_OPAQUE(d);
	}
	for (; n; n--) {
		*d++ = *s++;
		LIBK_OPAQUE(d);
	}
}

/* Copy downwards from the ends: the mirror image, correct when d > s. */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	for (; n && !word_aligned(d); n--) {
		*--d = *--s;
		LIBK_OPAQUE(d);
	}
	for (; n >= WORD; n -= WORD) {
		d -= WORD;
		s -= WORD;
		*(word_t *)d = *(const word_t *)s;
		LIBK_OPAQUE(d);
	}
	for (; n; n--) {
		*--d = *--s;
		LIBK_OPAQUE(d);
	}
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	/*
	 * Forward is safe unless dst starts inside [src, src + n). In unsigned
	 * arithmetic dst - src wraps to a huge value when dst < src, so one
	 * compare covers both safe cases (and avoids comparing pointers into
	 * different objects, which C leaves undefined).
	 */
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		copy_forward(dst, src, n);
	else
		copy_backward(dst, src, n);
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/* The standard compares as unsigned char, so "\xff" > "a". */
int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++)
		if (*p != *q || !*p)
			return *p - *q;
	return 0;
}

/* c is converted to char; strchr(s, 0) finds the terminator. */
char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

static int str_isspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Value of c as a digit in any base up to 36; 36 (never valid) if none. */
static unsigned str_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A' + 10);
	return 36;
}

/*
 * As C: "0x"/"0X" selects base 16 when base is 0 or 16, but only if a hex
 * digit follows (otherwise "0" is the number and *end points at the 'x').
 * '-' negates the result in unsigned arithmetic ("-1" is ULONG_MAX). On
 * overflow every digit is still consumed and the result is ULONG_MAX, also
 * with '-'. No digits, or a base outside 0 and 2..36: 0, and *end = s.
 */
unsigned long strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	unsigned long v = 0;
	int neg = 0, overflow = 0, any = 0;

	if (end)
		*end = (char *)s;
	if (base < 0 || base == 1 || base > 36)
		return 0;
	while (str_isspace(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && str_digit(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (; str_digit(*p) < (unsigned)base; p++) {
		unsigned d = str_digit(*p);

		any = 1;
		if (v > (ULONG_MAX - d) / (unsigned)base)
			overflow = 1;
		else
			v = v * (unsigned)base + d;
	}
	if (!any)
		return 0;
	if (end)
		*end = (char *)p;
	if (overflow)
		return ULONG_MAX;
	return neg ? -v : v;
}
