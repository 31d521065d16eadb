/* SPDX-License-Identifier: MIT */
/*
 * Suites symbols and kprintf: the generated symbol table names kernel
 * functions (global and static), ksym_format gives "name+0xoff", the
 * frame-pointer walker names the callers and stops on garbage; kprintf
 * returns what it wrote.
 */
#include "kernel/arch/x86_64/backtrace.h"
#include "libk/console.h"
#include "kernel/symbols.h"
#include "libk/ktest.h"
#include "libk/string.h"

extern char __text_start[], __text_end[];
static int some_data;

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

KTEST(symbols, table_is_sorted_and_covers_text)
{
	KASSERT_GE(t, ksym_count, 10);
	for (size_t i = 1; i < ksym_count; i++)
		if (ksym_table[i - 1].addr > ksym_table[i].addr) {
			KTEST_FAIL_(t, "entry %zu (%s) is before entry %zu (%s)", i,
				    ksym_table[i].name, i - 1, ksym_table[i - 1].name);
			return;
		}
}

KTEST(symbols, lookup_names_a_global_function)
{
	uintptr_t off = 99;

	KEXPECT_STREQ(t, ksym_lookup((uintptr_t)kprintf, &off), "kprintf");
	KEXPECT_EQ(t, off, 0);
	KEXPECT_STREQ(t, ksym_lookup((uintptr_t)kvprintf + 5, &off), "kvprintf");
	KEXPECT_EQ(t, off, 5);
}

static __attribute__((noinline)) int symbols_static_helper(int x)
{
	return x * 3 + 1;
}

KTEST(symbols, lookup_names_a_static_function)
{
	KEXPECT_EQ(t, symbols_static_helper(1), 4);
	KEXPECT(t, starts_with(ksym_lookup((uintptr_t)symbols_static_helper, NULL),
			       "symbols_static_helper"));
}

KTEST(symbols, format_gives_name_plus_offset)
{
	char buf[KSYM_FORMAT_MAX];

	KEXPECT_STREQ(t, ksym_format(buf, sizeof(buf), (uintptr_t)kvprintf + 0x10),
		      "kvprintf+0x10");
	KEXPECT_STREQ(t, ksym_format(buf, sizeof(buf), (uintptr_t)kprintf),
		      "kprintf+0x0");
	/* Not text: no name, the bare address. */
	KEXPECT_NULL(t, ksym_lookup((uintptr_t)&some_data, NULL));
	KEXPECT_NULL(t, ksym_lookup((uintptr_t)__text_end, NULL));
	KEXPECT_NULL(t, ksym_lookup(0, NULL));
	KEXPECT_STREQ(t, ksym_format(buf, sizeof(buf), 0x1234), "0x1234");
	/* A tiny buffer is cut, still terminated. */
	KEXPECT_STREQ(t, ksym_format(buf, 4, (uintptr_t)kprintf), "kpr");
}

static __attribute__((noinline)) int bt_level2(uintptr_t *pcs, int max)
{
	return backtrace_walk((uintptr_t)__builtin_frame_address(0), pcs, max);
}

static __attribute__((noinline)) int bt_level1(uintptr_t *pcs, int max)
{
	int n = bt_level2(pcs, max);

	/* Use n after the call, so it is not a tail call (no frame). */
	return n > 0 ? n : -1;
}

KTEST(symbols, backtrace_names_the_callers)
{
	uintptr_t pcs[BACKTRACE_MAX_DEPTH];
	int n = bt_level1(pcs, BACKTRACE_MAX_DEPTH);

	KASSERT_GE(t, n, 3);
	/* pcs[] are return addresses: name the call instruction's byte. */
	KEXPECT(t, starts_with(ksym_lookup(pcs[0] - 1, NULL), "bt_level1"));
	KEXPECT(t, starts_with(ksym_lookup(pcs[1] - 1, NULL),
			       "ktest_fn_symbols__backtrace_names_the_callers"));
	/* The chain ends at kmain's caller, kmain_entry: boot.asm set rbp = 0
	 * before jumping there (kernel/arch/x86_64/kmain_entry.c). */
	KEXPECT_STREQ(t, ksym_lookup(pcs[n - 1] - 1, NULL), "kmain_entry");
}

KTEST(symbols, backtrace_stops_on_garbage)
{
	uintptr_t pcs[BACKTRACE_MAX_DEPTH];
	uintptr_t frames[4];

	/* A loop: frame 2 points back at frame 0. */
	frames[0] = (uintptr_t)&frames[2];
	frames[1] = 0x1111;
	frames[2] = (uintptr_t)&frames[0];
	frames[3] = 0x2222;
	KEXPECT_EQ(t, backtrace_walk((uintptr_t)frames, pcs, BACKTRACE_MAX_DEPTH), 2);
	KEXPECT_EQ(t, pcs[0], 0x1111);
	KEXPECT_EQ(t, pcs[1], 0x2222);
	KEXPECT_EQ(t, backtrace_walk((uintptr_t)frames, pcs, 1), 1);
	KEXPECT_EQ(t, backtrace_walk(0, pcs, BACKTRACE_MAX_DEPTH), 0);
	KEXPECT_EQ(t, backtrace_walk(0x8000000000000000UL, pcs, BACKTRACE_MAX_DEPTH), 0);
	KEXPECT_EQ(t, backtrace_walk((uintptr_t)frames + 1, pcs, BACKTRACE_MAX_DEPTH), 0);
	/* Not on any stack: a global. */
	KEXPECT_EQ(t, backtrace_walk((uintptr_t)&some_data, pcs, BACKTRACE_MAX_DEPTH), 0);
}

KTEST(kprintf, returns_bytes_written)
{
	/* Written as KTAP diagnostic lines, so the report stays valid. */
	KEXPECT_EQ(t, kprintf("  # kprintf: %d %s %x\n", 42, "ok", 255u), 22);
	KEXPECT_EQ(t, kprintf("  # kprintf: %zu %lld %5d|\n", (size_t)7, -3LL, 9), 25);
	KEXPECT_EQ(t, kprintf("%s", ""), 0);
}
