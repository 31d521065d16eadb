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

	mini_puts("KTAP version 1\n1..5\n");
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
	mini_exit(mini_failed != 0);
}

MINI_START(kmain);
