/*
 * The user-space backend: sbrk, mmap and munmap through the C library's
 * system-call wrappers (contract: mm/osmem/backend.h).
 *
 * Nothing here calls the C library's malloc or stdio: either would move the
 * break or map memory behind the allocator's back, and a course checker
 * tracing brk/mmap/munmap would see calls the reference does not make.
 * No remap (the classic allocator never uses mremap). The lock is a
 * test-and-set spin lock built on compiler atomics: free of libc, and the
 * allocator holds it only for the length of one call.
 */
#define _DEFAULT_SOURCE
#include "mm/osmem/backend.h"
#include "mm/osmem/backend_posix.h"
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

static bool posix_lock_word;

static void *posix_heap_extend(intptr_t delta)
{
	return sbrk(delta);
}

static void *posix_pages_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int posix_pages_unmap(void *p, size_t len)
{
	return munmap(p, len) == 0 ? 0 : -1;
}

static void posix_lock(void)
{
	while (__atomic_test_and_set(&posix_lock_word, __ATOMIC_ACQUIRE))
		;
}

static void posix_unlock(void)
{
	__atomic_clear(&posix_lock_word, __ATOMIC_RELEASE);
}

/* One line on stderr with a single write (no stdio buffer to allocate). */
static void posix_report(const char *msg)
{
	char line[256];
	size_t n = 0;

	while (msg[n] && n < sizeof(line) - 1) {
		line[n] = msg[n];
		n++;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;         /* nowhere left to say it */
}

static struct osmem_backend posix_backend = {
	.name = "posix",
	.heap_extend = posix_heap_extend,
	.pages_map = posix_pages_map,
	.pages_unmap = posix_pages_unmap,
	.pages_remap = NULL,
	.lock = posix_lock,
	.unlock = posix_unlock,
	.report = posix_report,
};

/* The backend, with its page size filled in on first use (sysconf reads
 * the auxiliary vector: no system call, no allocation). */
const struct osmem_backend *osmem_posix_backend(void)
{
	if (!posix_backend.page_size)
		posix_backend.page_size = (size_t)sysconf(_SC_PAGESIZE);
	return &posix_backend;
}
