/* The kernel's backend for the allocators: ksbrk and vm_map (see .c). */
#ifndef MM_OSMEM_BACKEND_KERNEL_H
#define MM_OSMEM_BACKEND_KERNEL_H

#include "mm/osmem/backend.h"

const struct osmem_backend *osmem_kernel_backend(void);

#endif
