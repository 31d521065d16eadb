/* SPDX-License-Identifier: MIT */
/*
 * Every ktest suite, once: its name, the homes it runs in and one line
 * saying what it checks (libk/ktest.h, struct ktest_suite). Linked into
 * both homes, so each knows the other's suites too: `make test KTEST=pmm`
 * runs pmm in the kernel while the host program names it and runs nothing,
 * and a name neither home knows fails the run with this list.
 *
 * A new suite gets a line here: the suite ktest checks, in each home, that
 * every suite with cases linked there is listed with that home and that
 * every suite listed with that home has cases there.
 */
#include "libk/ktest.h"

#define B KTEST_HOME_BOTH
#define K KTEST_HOME_KERNEL
#define H KTEST_HOME_HOST

/* the framework and libk */
KTEST_SUITE(ktest, B,
	    "the test framework itself: expectations, suite names and this table");
KTEST_SUITE(libk_string, B,
	    "libk's string and memory functions");
KTEST_SUITE(libk_printf, B,
	    "libk's printf family: conversions, flags, widths, truncation");
KTEST_SUITE(libk_bitops, B,
	    "libk's bit operations");
KTEST_SUITE(libk_vs_libc, H,
	    "libk's string and printf functions against glibc's on the same inputs");
KTEST_SUITE(spinlock, B,
	    "spinlocks and the lock-order (rank) checker");
/* the allocators, shared by both homes */
KTEST_SUITE(osmem_common, B,
	    "the contract every allocator keeps: malloc, free, realloc, calloc, out of memory");
KTEST_SUITE(osmem_classic, B,
	    "the classic allocator: block layout, splitting, merging, check, realloc");
KTEST_SUITE(osmem_classic_policies, B,
	    "classic's placement policies (best, first, next, worst fit; lab 2)");
KTEST_SUITE(osmem_fast, B,
	    "the fast allocator: heap blocks, mappings, misuse reports");
KTEST_SUITE(osmem_fast_debug, B,
	    "the fast allocator's debug mode: red zones, poisoning, quarantine");
KTEST_SUITE(osmem_fast_keep, B,
	    "the fast allocator keeping freed mappings for reuse");
KTEST_SUITE(osmem_faults, B,
	    "every misuse the allocators detect, provoked once per allocator");
KTEST_SUITE(osmem_report, B,
	    "the one-line misuse report format");
KTEST_SUITE(osmem_sized_free, B,
	    "free_sized: a wrong size is reported and refused");
KTEST_SUITE(osmem_cache, B,
	    "the per-thread / per-CPU front cache of small size classes");
KTEST_SUITE(osmem_cache_remote, B,
	    "a heap's remote-free stack: pushes, drains, double-free search");
KTEST_SUITE(osmem_embed, B,
	    "the embedding API and the static arena backend");
KTEST_SUITE(osmem_version, B,
	    "the version string and osmem_version()");
KTEST_SUITE(replay_parse, H,
	    "the allocation-trace parser of the replay tools");
KTEST_SUITE(acpi_parse, B,
	    "the ACPI parser on tables built byte by byte (MADT, RSDT, XSDT)");
/* the kernel */
KTEST_SUITE(multiboot2, K,
	    "the multiboot2 boot information parser");
KTEST_SUITE(cmdline, K,
	    "the kernel command line: flags and key=value options");
KTEST_SUITE(boot_options, K,
	    "the boot options table: unknown, malformed and cut-off options reported");
KTEST_SUITE(exceptions, K,
	    "CPU exceptions are caught, named and survived");
KTEST_SUITE(symbols, K,
	    "the kernel's symbol table and backtraces");
KTEST_SUITE(kprintf, K,
	    "kprintf's %pS: addresses printed as symbol+offset");
KTEST_SUITE(cpu, K,
	    "the CPUs smp_init found, against smp_expect=N");
KTEST_SUITE(smp, K,
	    "cross-CPU calls, IPIs, TLB shootdown");
KTEST_SUITE(mmio, K,
	    "uncached mappings of device registers");
KTEST_SUITE(pmm, K,
	    "the physical frame allocator");
KTEST_SUITE(vmm, K,
	    "page tables: map, unmap, protections, faults after unmap");
KTEST_SUITE(vmap, K,
	    "the page mapper vm_map/vm_unmap: guard pages, reuse, misuse");
KTEST_SUITE(kbrk, K,
	    "the kernel break heap ksbrk");
KTEST_SUITE(mm_locks, K,
	    "each mm lock exists, is taken, and has its rank");
KTEST_SUITE(kmalloc, K,
	    "kmalloc, kzalloc, krealloc, kfree and their array forms");
KTEST_SUITE(kmalloc_faults, K,
	    "kfree of foreign, freed or shifted pointers; out of memory survived");
KTEST_SUITE(kmalloc_cache, K,
	    "kmalloc's per-CPU caches");
KTEST_SUITE(kmalloc_smp, K,
	    "every CPU allocating and freeing at once");
KTEST_SUITE(kmalloc_stress, K,
	    "a million kmalloc operations, contents checked");
KTEST_SUITE(kmalloc_bench, K,
	    "kmalloc timing (make bench-kernel; no timing asserted)");
KTEST_SUITE(kmem_cache, K,
	    "object caches: slabs, per-CPU magazines, misuse");
KTEST_SUITE(fast_debug_faults, K,
	    "debug mode's zero-size blocks fault at once in the kernel");
KTEST_SUITE(threads, K,
	    "kernel threads: create, join, sleep, preemption");
KTEST_SUITE(sched, K,
	    "the scheduler: run queues per CPU, pinning, stealing");
KTEST_SUITE(ramfs, K,
	    "the RAM file system and the boot modules in it");
KTEST_SUITE(replay, K,
	    "real programs' allocation traces replayed on kmalloc");
