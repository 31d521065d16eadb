/* SPDX-License-Identifier: MIT */
/*
 * The fake tiny kernel: its services over a static region, and a kmain
 * that uses kmalloc the way kernel code does. Runs as a freestanding
 * Linux program (tests/port/ktap_mini.h) so make test can run it; prints
 * KTAP and exits 0 when every check passed.
 */
#include "tests/port/tinyk/tinyk.h"
#include "tests/port/ktap_mini.h"

#define TK_HEAP_BYTES ((size_t)2 << 20)

static _Alignas(4096) char tk_region[TK_HEAP_BYTES];
static char *tk_brk = tk_region;
static int tk_lock_word, tk_irqs_on = 1, tk_nested, tk_reports;

void *tk_sbrk(intptr_t delta)
{
	char *old = tk_brk;

	if (delta > (intptr_t)(tk_region + TK_HEAP_BYTES - old) ||
	    delta < tk_region - old)
		return (void *)-1;
	tk_brk = old + delta;
	return old;             /* .bss: zero the first time, as sbrk */
}

/* A real kernel saves RFLAGS and cli's; tinyk keeps a flag and counts a
 * lock taken twice (the allocator never nests its lock). */
void tk_lock(void)
{
	tk_irqs_on = 0;
	tk_nested += __atomic_exchange_n(&tk_lock_word, 1, __ATOMIC_ACQUIRE);
}

void tk_unlock(void)
{
	__atomic_store_n(&tk_lock_word, 0, __ATOMIC_RELEASE);
	tk_irqs_on = 1;
}

/* The kernel's own string functions, as every kernel has: the names the
 * compiler may call (memset, memcpy, memmove, memcmp) and strlen. osmem.c
 * exports none of them (its own are internal), so they link without a
 * clash, and the kernel's calls reach these (tk_memset_calls counts). */
static int tk_memset_calls;

void *memset(void *d, int c, size_t n)
{
	for (unsigned char *p = d; n--; )
		*p++ = (unsigned char)c;
	tk_memset_calls++;
	return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	for (unsigned char *p = d; n--; )
		*p++ = *(const unsigned char *)s++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	if (p < q)
		return memcpy(d, s, n);
	while (n--)
		p[n] = q[n];
	return d;
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
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void tk_printk(const char *s)
{
	tk_reports++;
	mini_puts("# tinyk: ");
	mini_puts(s);
	mini_puts("\n");
}

void kmain(void)
{
	char *v[64], *big;
	int i, ok = 1;

	mini_puts("KTAP version 1\n1..6\n");
	kheap_init();
	for (i = 0; i < 64; i++) {
		v[i] = kmalloc((size_t)(i + 1) * 24);
		ok &= v[i] != NULL && ((uintptr_t)v[i] & 15) == 0;
	}
	for (i = 0; i < 64; i += 2)
		kfree(v[i]);
	mini_check(ok && kheap_check() == 0, "kmalloc_kfree");
	big = kmalloc(1 << 20);     /* no mapper: from the break */
	mini_check(big >= tk_region && big < tk_region + TK_HEAP_BYTES,
		   "large_block_from_the_break");
	kfree(big);
	kfree(v[0]);                /* a double free: one report, refused */
	mini_check(tk_reports == 1 && kheap_check() == 0,
		   "double_free_reported_once");
	mini_check(kmalloc((size_t)4 << 20) == NULL, "exhaustion_returns_null");
	mini_check(tk_nested == 0 && tk_irqs_on, "lock_balanced_never_nested");
	big = kmalloc(64);
	memset(big, 0xab, 64);      /* the kernel's memset, not osmem's */
	mini_check(big && tk_memset_calls == 1 && big[63] == (char)0xab &&
		   strlen("tinyk") == 5, "own_memset_and_strlen");
	kfree(big);
	mini_exit(mini_failed != 0);
}

MINI_START(kmain);
