/* SPDX-License-Identifier: MIT */
/*
 * The user-space backend (mm/osmem/backend_posix.c): sbrk, mmap, munmap.
 * Used by the user-space bindings (osmem_posix.c) and, for its mappings, by
 * the host home of the allocator tests.
 */
#ifndef MM_OSMEM_BACKEND_POSIX_H
#define MM_OSMEM_BACKEND_POSIX_H

#include "mm/osmem/backend.h"

/*
 * Who called the allocator, for reports: each user-space front (os_free,
 * free, realloc...) records its own name and its caller's return address
 * here before it calls the allocator; the backend's caller() and report()
 * read it. Per thread, so two threads never see each other's caller.
 * initial-exec TLS: no __tls_get_addr call, which could allocate.
 */
struct osmem_posix_front {
	const char *front;
	const void *caller;
};

extern __thread struct osmem_posix_front osmem_posix_front
	__attribute__((tls_model("initial-exec")));

/* In a front, first thing: records its name and its caller. A macro, so
 * __builtin_return_address(0) is the front's own caller. */
#define OSMEM_POSIX_FRONT(name)                                              \
	(osmem_posix_front = (struct osmem_posix_front){                     \
		 (name), __builtin_return_address(0) })

/*
 * The process's backend. Its report() writes the one-line report
 * (osmem_report_format, hex addresses, "in <front> called from <caller>")
 * to stderr with one write() and aborts, as glibc does. secret comes from
 * the kernel's AT_RANDOM bytes; debug is OSMEM_DEBUG=1 in the environment.
 * Both are read once, on the first call.
 */
const struct osmem_backend *osmem_posix_backend(void);

#endif
