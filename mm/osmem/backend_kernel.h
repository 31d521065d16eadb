/*
 * The kernel's backend for the allocators: ksbrk and vm_map (see .c).
 *
 * Misuse reports: the kmalloc front (mm/kmalloc.c) records, for each call,
 * its own name and its caller in osmem_kernel_front; report() formats the
 * one line with those, caller and sites symbolized ("in kfree called from
 * vfs_close+0x2c"), prints it on the console and returns (the allocator
 * refuses the operation, the kernel goes on), or panics when configured
 * so (boot option heap_panic). The last line and a count are kept for the
 * kernel's fault tests.
 */
#ifndef MM_OSMEM_BACKEND_KERNEL_H
#define MM_OSMEM_BACKEND_KERNEL_H

#include "mm/osmem/backend.h"
#include <stdbool.h>

/*
 * Who called the kmalloc family in the current call: set by the front on
 * entry, cleared on return (front NULL: a report then names the core's op
 * and no caller). One CPU: a single global that is per thread in effect,
 * since the scheduler (kernel/sched/thread.c) saves the outgoing thread's record
 * and installs the incoming one's on every switch, so a thread preempted
 * between kmalloc's entry and the heap lock keeps its own caller. Under
 * SMP it becomes per-CPU; interrupt handlers do not allocate (if one ever
 * does, it must save and restore it).
 */
struct osmem_kernel_front {
	const char *front;
	const void *caller;
};

extern struct osmem_kernel_front osmem_kernel_front;

const struct osmem_backend *osmem_kernel_backend(void);

/* Once, before the kernel heap is initialized: seeds the secret (rdtsc,
 * mixed with RDRAND when the CPU has it), and sets the policy: panic on
 * misuse (heap_panic) and debug mode (heap_debug). */
void osmem_kernel_backend_setup(bool panic_on_misuse, bool debug);

/* For tests: reports since boot and the last report's line ("" if none). */
unsigned osmem_kernel_reports(void);
const char *osmem_kernel_last_report(void);

#endif
