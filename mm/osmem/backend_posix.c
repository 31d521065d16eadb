/* SPDX-License-Identifier: MIT */
/*
 * The user-space backend: sbrk, mmap and munmap through the C library's
 * system-call wrappers (contract: mm/osmem/backend.h); a reservation is a
 * PROT_NONE mapping with MAP_NORESERVE (no memory, no commit charge).
 *
 * Nothing here calls the C library's malloc or stdio: either would move the
 * break or map memory behind the allocator's back, and a course checker
 * tracing brk/mmap/munmap would see calls the reference does not make.
 * No remap (the classic allocator never uses mremap). The lock is a
 * test-and-set spin lock built on compiler atomics: free of libc, and the
 * allocator holds it only for the length of one call.
 *
 * Misuse: the report is formatted into a stack buffer (libk's formatter,
 * no allocation), written to stderr with one write(), then abort(). The
 * allocator never sees report() return in user space: a heap that was
 * misused is not trusted to go on, exactly as glibc's "free(): double
 * free detected" ends the process.
 */
#define _DEFAULT_SOURCE
#include "mm/osmem/backend.h"
#include "mm/osmem/backend_posix.h"
#include "libk/string.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

static bool posix_lock_word;

__thread struct osmem_posix_front osmem_posix_front
	__attribute__((tls_model("initial-exec")));

static void *posix_heap_extend(const struct osmem_backend *be, intptr_t delta)
{
	(void)be;
	return sbrk(delta);
}

static void *posix_pages_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void *posix_pages_reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A refused munmap (ENOMEM at vm.max_map_count) changes nothing, errno
 * included: the allocator keeps the mapping for later, and free and
 * realloc must not leak the error to the program. */
static int posix_pages_unmap(void *p, size_t len)
{
	int saved = errno, rc = munmap(p, len) == 0 ? 0 : -1;

	errno = saved;
	return rc;
}

static void posix_lock(const struct osmem_backend *be)
{
	(void)be;
	while (__atomic_test_and_set(&posix_lock_word, __ATOMIC_ACQUIRE))
		;
}

static void posix_unlock(const struct osmem_backend *be)
{
	(void)be;
	__atomic_clear(&posix_lock_word, __ATOMIC_RELEASE);
}

static const void *posix_caller(void)
{
	return osmem_posix_front.caller;
}

/* One line on stderr with a single write (no stdio buffer to allocate),
 * then the process ends with SIGABRT. */
static void posix_report(const struct osmem_report *r)
{
	char line[320];
	int n;

	n = osmem_report_format(line, sizeof(line) - 1, r,
				osmem_posix_front.front,
				osmem_posix_front.caller, NULL);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to say it; stop all the same */
	}
	abort();
}

/* 8 of the 16 random bytes the kernel put in the auxiliary vector. Never
 * zero: a zero secret would make check values a function of the address
 * alone. */
static uintptr_t posix_secret(void)
{
	const unsigned char *rnd = (const void *)getauxval(AT_RANDOM);
	uintptr_t s = 0;

	if (rnd)
		memcpy(&s, rnd + 8, sizeof(s));
	if (!s)
		s = (uintptr_t)&posix_lock_word ^ (uintptr_t)0x9e3779b97f4a7c15ULL;
	return s;
}

static bool posix_debug(void)
{
	const char *v = getenv("OSMEM_DEBUG");

	return v && v[0] == '1' && v[1] == '\0';
}

static struct osmem_backend posix_backend = {
	.name = "posix",
	.heap_extend = posix_heap_extend,
	.pages_map = posix_pages_map,
	.pages_unmap = posix_pages_unmap,
	.pages_remap = NULL,
	.pages_reserve = posix_pages_reserve,
	.lock = posix_lock,
	.unlock = posix_unlock,
	.report = posix_report,
	.caller = posix_caller,
};

/* The backend, with its page size, secret and debug flag filled in on
 * first use (sysconf and getauxval read the auxiliary vector, getenv the
 * environment: no system call, no allocation). */
const struct osmem_backend *osmem_posix_backend(void)
{
	if (!posix_backend.page_size) {
		posix_backend.secret = posix_secret();
		posix_backend.debug = posix_debug();
		posix_backend.page_size = (size_t)sysconf(_SC_PAGESIZE);
	}
	return &posix_backend;
}
