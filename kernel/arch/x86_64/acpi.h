/* SPDX-License-Identifier: MIT */
/*
 * acpi: the boot's ACPI tables, reached through the direct map.
 *
 * acpi_init(info) takes the RSDP the boot loader copied into the
 * multiboot2 information (tag 15, else 14), checks it, walks the XSDT (or
 * RSDT) to the MADT and parses it (kernel/arch/x86_64/acpi_pure.h does the
 * byte work). Every table must lie in pages the direct map covers (ACPI
 * tables are in "ACPI reclaimable" or "NVS" ranges, which it does after
 * mm_init). Returns 0, or a negative error after printing one line saying
 * what was refused: a bad table never stops the boot, the kernel then
 * runs on the boot CPU alone.
 * acpi_madt() is the parsed MADT after a successful acpi_init, else NULL.
 */
#ifndef KERNEL_ARCH_X86_64_ACPI_H
#define KERNEL_ARCH_X86_64_ACPI_H

#include "kernel/arch/x86_64/acpi_pure.h"
#include "kernel/multiboot2.h"

#define ACPI_ERR_NO_RSDP	(-20)	/* the loader gave no RSDP tag */

int acpi_init(const struct mb2_info *info);
const struct acpi_madt *acpi_madt(void);
const struct acpi_rsdp *acpi_rsdp(void);

#endif
