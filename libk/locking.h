/*
 * The kernel's locks and the order they are taken in, in one place (as
 * Linux's mm/slub.c writes its rules at the top). Every layer may read it;
 * a new lock gets its line here before its first use.
 *
 * Today there is one CPU and the kernel's one critical-section primitive
 * is "interrupts off" (irq_save()/irq_restore(), libk/cpu.h): a section
 * is a lock, and sections nest. A lock below may be taken while holding
 * one above it, never the other way round:
 *
 *   1. kmem_cache lists      mm/kmem_cache.c: irq_save around list and slab
 *                            updates; kmalloc/kfree are called outside it
 *   2. the kmalloc heap      mm/osmem/backend_kernel.c: irq_save + a held
 *                            flag (taking it again panics: re-entry)
 *   3. kbrk, vmap            mm/kbrk.c, mm/vmap.c: callers serialize; the
 *                            heap lock does it for the allocator, threads
 *                            and the replay take irq_save themselves
 *      mmio                  mm/mmio.c: irq_save around its bump pointer
 *                            and the mappings (takes 4 and 5 inside)
 *   4. vmm page tables       mm/vmm.c: under 3 or irq_save
 *   5. pmm frame bitmaps     mm/pmm.c: under 3, 4 or irq_save
 *   6. the console           libk/console.c, kernel/console/serial.c: no
 *                            lock; a line is one sink call, written with
 *                            interrupts as the caller has them
 *
 *   beside them: the CPU table and the parsed ACPI MADT
 *   (kernel/arch/x86_64/smp.c, acpi.c, ap_start.c: written by the boot
 *   CPU at boot, read-only after, no lock; an AP writes only its own
 *   per-CPU `online` and `stopped` flags, release/acquire); the per-CPU
 *   smp_call slots (kernel/arch/x86_64/smp_call.c: the slot's state word
 *   is its lock, taken by CAS FREE->CLAIMED, handed over by release/
 *   acquire; innermost: held over no other lock's section, taken with
 *   interrupts off or on, and a CPU waiting on one runs calls posted to
 *   its own slot, so two CPUs calling each other cannot deadlock; 4, the
 *   vmm, waits on them for TLB shootdowns, never the reverse);
 *   the panic owner (kernel/panic.c, a CAS: the first CPU to panic);
 *   the scheduler's thread lists
 *   (kernel/sched/thread.c,
 *   irq_save; may call 2 to 5 for stacks and control blocks, never from the
 *   timer interrupt) and the IRQ handler table (kernel/arch/x86_64/irq.c).
 *
 * Interrupt handlers take none of 1 to 5: they must not allocate.
 * With several CPUs each line becomes a spinlock with its rank, checked in
 * debug builds (the SMP issue).
 */
#ifndef LIBK_LOCKING_H
#define LIBK_LOCKING_H
#endif
