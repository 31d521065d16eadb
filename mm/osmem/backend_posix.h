/*
 * The user-space backend (mm/osmem/backend_posix.c): sbrk, mmap, munmap.
 * Used by the user-space bindings (osmem_posix.c) and, for its mappings, by
 * the host home of the allocator tests.
 */
#ifndef MM_OSMEM_BACKEND_POSIX_H
#define MM_OSMEM_BACKEND_POSIX_H

#include "mm/osmem/backend.h"

const struct osmem_backend *osmem_posix_backend(void);

#endif
