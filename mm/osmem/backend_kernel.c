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
 * Locking: kernel threads are preempted by the timer interrupt, so the
 * heap lock is "interrupts off plus a lock word": lock saves RFLAGS and
 * disables interrupts (nothing else can run on this one CPU), then takes
 * the word; unlock drops the word and restores RFLAGS. The word is for a
 * later SMP kernel (it would spin there); on one CPU it can only be found
 * taken when the allocator is re-entered on the same CPU (a report or a
 * backend call that allocates, an interrupt handler allocating inside a
 * critical section it interrupted - impossible with interrupts off): that
 * is a bug that would corrupt the heap, so it panics instead. Everything
 * the allocator calls under the lock (ksbrk, vm_map: pmm and vmm, which
 * are not reentrant) is thereby serialized too.
 */
#include "mm/osmem/backend_kernel.h"
#include "libk/cpu.h"
#include "libk/console.h"
#include "libk/panic.h"
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

static struct {
	bool held;
	uint64_t rflags;	/* the holder's, restored by unlock */
} kheap_lock;

static void kernel_lock(const struct osmem_backend *be)
{
	uint64_t flags = irq_save();

	(void)be;
	if (__atomic_test_and_set(&kheap_lock.held, __ATOMIC_ACQUIRE))
		panic("kmalloc: heap lock taken again on this CPU (allocator re-entered)");
	kheap_lock.rflags = flags;
}

static void kernel_unlock(const struct osmem_backend *be)
{
	uint64_t flags = kheap_lock.rflags;

	(void)be;
	if (!kheap_lock.held)
		panic("kmalloc: heap lock released but not held");
	__atomic_clear(&kheap_lock.held, __ATOMIC_RELEASE);
	irq_restore(flags);
}

struct osmem_kernel_front osmem_kernel_front;

static struct {
	bool panic_on_misuse;
	unsigned reports;
	char last[256];
} kreport;

static const void *kernel_caller(void)
{
	return osmem_kernel_front.caller;
}

static void kernel_symbolize(char *buf, size_t len, const void *addr)
{
	console_symbol(buf, len, (uintptr_t)addr);
}

static void kernel_report(const struct osmem_report *r)
{
	osmem_report_format(kreport.last, sizeof(kreport.last), r,
			    osmem_kernel_front.front, osmem_kernel_front.caller,
			    kernel_symbolize);
	kreport.reports++;
	if (kreport.panic_on_misuse)
		panic("%s (heap_panic)", kreport.last);
	kprintf("%s\n", kreport.last);
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
	return kreport.reports;
}

const char *osmem_kernel_last_report(void)
{
	return kreport.last;
}
