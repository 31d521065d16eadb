/* SPDX-License-Identifier: MIT */
/* boot_mem_init: hand the boot loader's memory map to mm_init (see .c). */
#ifndef KERNEL_BOOT_MEM_H
#define KERNEL_BOOT_MEM_H

#include "kernel/multiboot2.h"

void boot_mem_init(const struct mb2_info *info);

#endif
