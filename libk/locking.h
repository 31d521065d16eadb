/* SPDX-License-Identifier: MIT */
/*
 * The kernel's locks and the order they are taken in, in one place (as
 * Linux's mm/slub.c writes its rules at the top). Every layer may read it;
 * a new lock gets its line here before its first use.
 *
 * Each lock is a spinlock_t (libk/spinlock.h) declared with its class
 * name and its rank below; the lockdep-lite checks, on every take, that a
 * CPU takes locks in strictly increasing rank and reports the first take
 * of each lock that breaks it (one line: both names and ranks, the CPU,
 * the caller). Locks of the same rank are siblings: never nest them.
 * A lock below may be taken while holding one above it, never the other
 * way round:
 *
 *   0. scheduler run queues  kernel/sched/thread.c "runq", one per CPU: its
 *                            ready FIFO, sleepers, current thread, and the
 *                            state/cpu of the threads on it. Held across a
 *                            context switch (the incoming thread releases
 *                            it, on the same CPU); two are never nested
 *                            (stealing and waking take one, release it,
 *                            then the other). Taken with interrupts off,
 *                            also from the timer interrupt.
 *      thread list           kernel/sched/thread.c "threads": the list of
 *                            live threads and join claims. A sibling of
 *                            the runq locks: never nested with one.
 *      Nothing of 1 to 5 is called under either (stacks and control
 *      blocks are allocated and freed outside them); a CPU waiting for
 *      any spinlock serves its smp_call slot (libk/spinlock.h's wait
 *      hook), so a holder's TLB shootdown never waits on a spinner.
 *      per-CPU caches        no lock: kmalloc's cache of each CPU
 *                            (mm/kmalloc_cache.h) and each kmem_cache's
 *                            magazine of each CPU (mm/kmem_cache.c) are
 *                            changed only by their CPU, with interrupts
 *                            off on it (so neither a thread switch, a
 *                            move to another CPU nor an interrupt handler
 *                            comes between); a refill or flush takes 1 or
 *                            2 inside that section. Other CPUs only read
 *                            them (double-free search, stats), under 2
 *                            for kmalloc's, under 1 for a magazine,
 *                            checking what they read before using it.
 *   1. kmem_cache lists      mm/kmem_cache.c "kmem_cache": list and slab
 *                            updates; kmalloc/kfree are called outside it
 *   2. the kmalloc heap      mm/osmem/backend_kernel.c "kmalloc heap":
 *                            spin_lock_irqsave; taking it again on the same
 *                            CPU panics (the allocator re-entered)
 *   3. kbrk, vmap            mm/kbrk.c "kbrk", mm/vmap.c "vmap": the break
 *                            and the vmap area list; under 2 for the
 *                            allocator, alone for other callers
 *      mmio                  mm/mmio.c: irq_save around its bump pointer
 *                            and the mappings (takes 4 and 5 inside; not
 *                            yet a spinlock)
 *   4. vmm page tables       mm/vmm.c: under 3 or irq_save (not yet a
 *                            spinlock: the TLB-shootdown work changes vmm.c)
 *   5. pmm frame bitmaps     mm/pmm.c "pmm"
 *   6. the console           libk/console.c "console": one sink call (a
 *                            kprintf line) under it, so lines from two CPUs
 *                            never mix. A CPU that already holds it (a
 *                            fault inside the sink) or has panicked
 *                            (console_set_panic_mode) writes without it.
 *      kmalloc report        mm/osmem/backend_kernel.c: copies a misuse
 *                            report's line for the tests; held over
 *                            nothing (a sibling of the console's)
 *
 *   beside them: the CPU table and the parsed ACPI MADT
 *   (kernel/arch/x86_64/smp.c, acpi.c, ap_start.c: written by the boot
 *   CPU at boot, read-only after, no lock; an AP writes only its own
 *   per-CPU `online` and `stopped` flags, release/acquire); the per-CPU
 *   smp_call slots (kernel/arch/x86_64/smp_call.c: the slot's state word
 *   is its lock, taken by CAS FREE->CLAIMED, handed over by release/
 *   acquire; innermost: held over no other lock's section, taken with
 *   interrupts off or on, and a CPU waiting on one runs calls posted to
 *   its own slot, so two CPUs calling each other cannot deadlock (a call
 *   function takes no lock, so serving one inside a wait nests none);
 *   4, the vmm, waits on them for TLB shootdowns, never the reverse. A CPU
 *   spinning on a spinlock with interrupts off takes no shootdown IPI, so
 *   the spin loop serves the slot itself (see 0. above));
 *   the panic owner (kernel/panic.c, a CAS: the first CPU to panic);
 *   the IRQ handler table (kernel/arch/x86_64/irq.c, CPU 0's).
 *
 * Interrupt handlers take none of 1 to 5: they must not allocate.
 * smp_call functions take no lock at all and allocate nothing: they run
 * in the IPI handler or inside this CPU's wait for any lock above (the
 * wait hook), i.e. possibly nested in that lock's caller, and while one
 * runs its CPU answers no shootdown. smp_call marks them
 * (spin_call_enter/exit) and the lockdep-lite reports a lock taken
 * inside one (kernel/arch/x86_64/smp_call.h). Per-CPU work that needs
 * locks or memory runs in a thread pinned to that CPU.
 */
#ifndef LIBK_LOCKING_H
#define LIBK_LOCKING_H

/* The ranks, as above: spinlock_t declarations use these names. */
#define LOCK_RANK_RUNQ		0
#define LOCK_RANK_THREADS	0
#define LOCK_RANK_KMEM_CACHE	1
#define LOCK_RANK_KHEAP		2
#define LOCK_RANK_KBRK		3
#define LOCK_RANK_VMAP		3
#define LOCK_RANK_MMIO		3
#define LOCK_RANK_VMM		4
#define LOCK_RANK_PMM		5
#define LOCK_RANK_CONSOLE	6
#define LOCK_RANK_KREPORT	6
#endif
