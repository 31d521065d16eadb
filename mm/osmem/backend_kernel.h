/* SPDX-License-Identifier: MIT */
/*
 * The kernel's backend for the allocators: ksbrk and vm_map (see .c).
 *
 * Misuse reports: the kmalloc front (mm/kmalloc.c) records, for each call,
 * its own name and its caller in osmem_kernel_front; report() formats the
 * one line with those, caller and sites symbolized ("in kfree called from
 * vfs_close+0x2c") and the CPU ("on cpu 1"), prints it on the console and returns (the allocator
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
 * and no caller). One record per CPU, osmem_kernel_front_here() (indexed
 * by spin_cpu(), so mm names no kernel structure), which the scheduler
 * (kernel/sched/thread.c) saves for the outgoing thread and installs for
 * the incoming one on every switch, with interrupts off, so a thread
 * preempted between kmalloc's entry and the heap lock keeps its own
 * caller, on whichever CPU it resumes. Interrupt handlers do not allocate (if
 * one ever does, it must save and restore it).
 */
struct osmem_kernel_front {
	const char *front;
	const void *caller;
};

/* The calling CPU's record (spin_cpu()'s index). */
struct osmem_kernel_front *osmem_kernel_front_here(void);

const struct osmem_backend *osmem_kernel_backend(void);

/* Once, before the kernel heap is initialized: seeds the secret (rdtsc,
 * mixed with RDRAND when the CPU has it), and sets the policy: panic on
 * misuse (heap_panic) and debug mode (heap_debug). */
void osmem_kernel_backend_setup(bool panic_on_misuse, bool debug);

/* For tests: reports since boot and the last report's line ("" if none).
 * Every line ends with " on cpu N", the CPU that made the call. With
 * several CPUs reporting at once the last line is one of theirs, whole. */
unsigned osmem_kernel_reports(void);
const char *osmem_kernel_last_report(void);

#endif
