/* SPDX-License-Identifier: MIT */
/*
 * Inside build/host/libosmem-preload.so: what preload_posix.c (the C
 * front) offers the C++ front, preload_cxx.cc, and the library's other C
 * files. Hidden: nothing here is exported. Each entry leaves the front
 * name and caller (OSMEM_POSIX_FRONT) to its caller, which must record
 * them first, so a report names the function the program called.
 */
#ifndef MM_OSMEM_PRELOAD_POSIX_H
#define MM_OSMEM_PRELOAD_POSIX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#define PRELOAD_NOEXCEPT noexcept
#else
#define PRELOAD_NOEXCEPT
#endif

/* n bytes aligned to align (0: the default 16), or NULL; errno is left
 * alone (operator new reports failure by the new-handler loop). */
void *osmem_preload_new(size_t n, size_t align) PRELOAD_NOEXCEPT;
/* free(p), errno kept. */
void osmem_preload_free(void *p) PRELOAD_NOEXCEPT;
/* The core's sized free (allocator.h: free_sized): p must have been
 * allocated for `size` bytes; a mismatch is reported (and aborts). */
void osmem_preload_free_sized(void *p, size_t size) PRELOAD_NOEXCEPT;

/* For the library's other C files (not the C++ front). */
#ifndef __cplusplus
#define PRELOAD_API __attribute__((visibility("default")))
struct osmem_allocator;
/* Init done (once) and the fork handlers registered: every exported
 * function's first step off its fast path. */
const struct osmem_allocator *osmem_preload(void);
/* preload_fork_posix.c: the pthread_atfork handlers. */
void osmem_preload_fork_prepare(void);
void osmem_preload_fork_parent(void);
void osmem_preload_fork_child(void);
/* preload_tune_posix.c: the MALLOC_*_ variables, at init. */
void osmem_preload_tune_from_env(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
