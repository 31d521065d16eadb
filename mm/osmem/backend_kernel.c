/* SPDX-License-Identifier: MIT */
/*
 * The kernel backend (contract: mm/osmem/backend.h): the kernel brk heap
 * (ksbrk) stands in for sbrk, the page mapper (vm_map, vm_unmap, vm_remap)
 * for mmap, munmap and mremap, and vm_reserve (address space with nothing
 * mapped) for a PROT_NONE mapping. Reports go to the serial console.
 *
 * Lengths: the classic allocator maps exactly 32 + ALIGN8(size) bytes, not
 * whole pages; vm_map and vm_unmap round any length up to whole pages the
 * same way, so the same unrounded length maps and unmaps one mapping.
 *
 * Reports (backend_kernel.h): one line on the console, symbolized with the
 * kernel's symbol table; then the kernel goes on (the allocator has
 * refused the operation) unless heap_panic asked for a panic. The secret
 * is made once at boot from the time-stamp counter and, when the CPU has
 * it, RDRAND: not cryptographic, but not knowable by a stray write.
 *
 * Locking: the heap lock is a spinlock ("kmalloc heap", rank 2 in
 * libk/locking.h) taken with spin_lock_irqsave: kernel threads are
 * preempted by the timer interrupt, and with several CPUs the others spin.
 * Found held by this same CPU it means the allocator was re-entered (a
 * report or a backend call that allocates, or an interrupt handler
 * allocating inside the critical section it interrupted - impossible with
 * interrupts off): that is a bug that would corrupt the heap, so it panics
 * instead of the spinlock's nested count. Everything the allocator calls
 * under the lock (ksbrk, vm_map: kbrk, vmap, vmm, pmm, ranked after it) is
 * thereby serialized too.
 */
#include "mm/osmem/backend_kernel.h"
#include "libk/cpu.h"
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/panic.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kbrk.h"
#include "mm/layout.h"
#include "mm/vmap.h"

static void *kernel_heap_extend(const struct osmem_backend *be, intptr_t delta)
{
	(void)be;
	return ksbrk(delta);
}

static void *kernel_pages_map(size_t len)
{
	return vm_map(len);
}

static int kernel_pages_unmap(void *p, size_t len)
{
	return vm_unmap(p, len);
}

static void *kernel_pages_remap(void *p, size_t old_len, size_t new_len)
{
	return vm_remap(p, old_len, new_len);
}

static void *kernel_pages_reserve(size_t len)
{
	return vm_reserve(len);
}

static spinlock_t kheap_lock = SPINLOCK_INIT("kmalloc heap", LOCK_RANK_KHEAP);
static uint64_t kheap_rflags;	/* the holder's, restored by unlock */

static void kernel_lock(const struct osmem_backend *be)
{
	uint64_t flags;

	(void)be;
	if (spin_held_by_me(&kheap_lock))
		panic("kmalloc: heap lock taken again on this CPU (allocator re-entered)");
	flags = spin_lock_irqsave(&kheap_lock);
	kheap_rflags = flags;
}

static void kernel_unlock(const struct osmem_backend *be)
{
	uint64_t flags = kheap_rflags;

	(void)be;
	if (!spin_held_by_me(&kheap_lock))
		panic("kmalloc: heap lock released but not held");
	spin_unlock_irqrestore(&kheap_lock, flags);
}

static struct osmem_kernel_front kernel_fronts[SPIN_MAX_CPUS];

struct osmem_kernel_front *osmem_kernel_front_here(void)
{
	return &kernel_fronts[spin_cpu() % SPIN_MAX_CPUS];
}

/* The count is atomic and the last line is copied whole under kreport's
 * own lock (libk/locking.h: nothing is taken inside it), as several
 * CPUs may report at once; the line is formatted on the stack first. */
static struct {
	bool panic_on_misuse;
	unsigned reports;
	spinlock_t lock;
	char last[256];
} kreport = { .lock = SPINLOCK_INIT("kmalloc report", LOCK_RANK_KREPORT) };

static const void *kernel_caller(void)
{
	return osmem_kernel_front_here()->caller;
}

static void kernel_symbolize(char *buf, size_t len, const void *addr)
{
	console_symbol(buf, len, (uintptr_t)addr);
}

static void kernel_report(const struct osmem_report *r)
{
	char line[sizeof(kreport.last)];
	const struct osmem_kernel_front *f = osmem_kernel_front_here();
	unsigned cpu = spin_cpu();
	uint64_t flags;
	int at;

	at = osmem_report_format(line, sizeof(line) - 16, r,
				 f->front, f->caller,
				 kernel_symbolize);
	if (at < 0)
		at = 0;
	if ((size_t)at > sizeof(line) - 17)
		at = (int)sizeof(line) - 17;
	snprintf(line + at, sizeof(line) - (size_t)at, " on cpu %u", cpu);
	flags = spin_lock_irqsave(&kreport.lock);
	memcpy(kreport.last, line, sizeof(line));
	spin_unlock_irqrestore(&kreport.lock, flags);
	__atomic_fetch_add(&kreport.reports, 1, __ATOMIC_RELAXED);
	if (kreport.panic_on_misuse)
		panic("%s (heap_panic)", line);
	kprintf("%s\n", line);
}

static struct osmem_backend kernel_backend = {
	.name = "kernel",
	.page_size = PAGE_SIZE,
	.heap_extend = kernel_heap_extend,
	.pages_map = kernel_pages_map,
	.pages_unmap = kernel_pages_unmap,
	.pages_remap = kernel_pages_remap,
	.pages_reserve = kernel_pages_reserve,
	.lock = kernel_lock,
	.unlock = kernel_unlock,
	.report = kernel_report,
	.caller = kernel_caller,
	/* vm_map hands an unmapped range out again once its next-fit search
	 * has gone round (mm/vmap.h): to anyone. */
	.unmapped_reused = true,
};

const struct osmem_backend *osmem_kernel_backend(void)
{
	return &kernel_backend;
}

static bool kernel_has_rdrand(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 30) & 1;
}

/* RDRAND may fail for a moment (CF=0): a few tries, then give up. */
static bool kernel_rdrand(uint64_t *out)
{
	for (int i = 0; i < 10; i++) {
		uint64_t v;
		uint8_t ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* splitmix64's finalizer: spreads the counter's few changing low bits. */
static uint64_t kernel_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void osmem_kernel_backend_setup(bool panic_on_misuse, bool debug)
{
	uint64_t s = kernel_mix(rdtsc() ^ 0x9e3779b97f4a7c15ULL), r;

	if (kernel_has_rdrand() && kernel_rdrand(&r))
		s = kernel_mix(s ^ r);
	if (!s)
		s = 0x9e3779b97f4a7c15ULL;
	kernel_backend.secret = (uintptr_t)s;
	kernel_backend.debug = debug;
	kreport.panic_on_misuse = panic_on_misuse;
}

unsigned osmem_kernel_reports(void)
{
	return __atomic_load_n(&kreport.reports, __ATOMIC_RELAXED);
}

const char *osmem_kernel_last_report(void)
{
	return kreport.last;
}
