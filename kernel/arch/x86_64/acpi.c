/* SPDX-License-Identifier: MIT */
/*
 * ACPI at boot: the RSDP from multiboot2, the MADT through the direct map
 * (see acpi.h). Runs once, before any other CPU is started, so it needs
 * no lock; the parsed MADT is read-only afterwards.
 */
#include "kernel/arch/x86_64/acpi.h"
#include "libk/console.h"
#include "mm/layout.h"
#include "mm/vmm.h"

static struct acpi_madt acpi_boot_madt;
static struct acpi_rsdp acpi_boot_rsdp;
static bool acpi_ok;

/* The home's reader: [pa, pa + len) must be in the direct map, page by
 * page (the map has holes where there is no RAM-like range). */
static const void *acpi_direct_read(uint64_t pa, size_t len, void *ctx)
{
	(void)ctx;
	if (len == 0 || pa + len < pa || pa + len > vmm_direct_map_end())
		return NULL;
	for (uint64_t p = PAGE_ALIGN_DOWN(pa); p < pa + len; p += PAGE_SIZE)
		if (vmm_translate((uintptr_t)phys_to_virt(p)) != p)
			return NULL;
	return phys_to_virt(pa);
}

int acpi_init(const struct mb2_info *info)
{
	const void *madt;
	size_t len;
	int err;

	acpi_ok = false;
	if (!info || !info->has_rsdp) {
		kprintf("acpi: no RSDP from the boot loader\n");
		return ACPI_ERR_NO_RSDP;
	}
	err = acpi_rsdp_parse(info->rsdp, info->rsdp_len, &acpi_boot_rsdp);
	if (err) {
		kprintf("acpi: RSDP (multiboot2 tag %d) refused: %s\n",
			info->rsdp_new ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD,
			acpi_strerror(err));
		return err;
	}
	err = acpi_find_table(&acpi_boot_rsdp, acpi_direct_read, NULL, "APIC",
			      &madt, &len);
	if (!err)
		err = acpi_madt_parse(madt, len, &acpi_boot_madt);
	if (err) {
		kprintf("acpi: MADT via %s at 0x%llx refused: %s\n",
			acpi_boot_rsdp.xsdt ? "XSDT" : "RSDT",
			(unsigned long long)(acpi_boot_rsdp.xsdt ? acpi_boot_rsdp.xsdt :
					     acpi_boot_rsdp.rsdt),
			acpi_strerror(err));
		return err;
	}
	kprintf("acpi: RSDP revision %u, MADT at 0x%llx: %zu local APICs, "
		"%zu I/O APICs, %zu overrides%s\n",
		acpi_boot_rsdp.revision,
		(unsigned long long)virt_to_phys(madt), acpi_boot_madt.ncpus,
		acpi_boot_madt.nioapics, acpi_boot_madt.noverrides,
		acpi_boot_madt.cpus_truncated ? " (CPU list truncated)" : "");
	acpi_ok = true;
	return 0;
}

const struct acpi_madt *acpi_madt(void)
{
	return acpi_ok ? &acpi_boot_madt : NULL;
}

const struct acpi_rsdp *acpi_rsdp(void)
{
	return acpi_ok ? &acpi_boot_rsdp : NULL;
}
