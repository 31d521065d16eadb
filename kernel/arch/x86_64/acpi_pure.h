/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables as bytes: the RSDP, the RSDT/XSDT walk and the MADT, parsed
 * by pure functions over buffers (no physical memory, no console), so the
 * same code runs in the kernel and in the host test program
 * (kernel/tests/acpi_pure_test.c; a *_pure.c file builds in both homes).
 *
 * Contract (every function):
 * - reads only the bytes it was given: each length inside a table (the
 *   table's own length, each MADT entry's length) is checked against what
 *   is readable before it is used;
 * - returns 0 or a negative ACPI_ERR_* (acpi_strerror() names it) and, on
 *   error, leaves *out cleared: a bad table is refused whole.
 *
 * acpi_rsdp_parse(buf, len, out): buf holds an RSDP (from the multiboot2
 *   tag, 20 bytes for revision 0, 36 for 2+). Checks the signature, the
 *   checksum of the first 20 bytes and, for revision >= 2, the length
 *   field and the extended checksum. out->xsdt is 0 for revision 0.
 * acpi_sdt_check(buf, avail, sig): the table header at buf (avail bytes
 *   readable) has signature sig, a length within [36, avail] and a zero
 *   byte sum over that length. Returns the length (> 0) or an error.
 * acpi_find_table(rsdp, read, ctx, sig, &tbl, &len): walks the XSDT (when
 *   the RSDP gives one) else the RSDT for the first table with signature
 *   sig and checks it. read(pa, len, ctx) returns a pointer to len
 *   readable bytes at physical address pa, or NULL: the home decides what
 *   is reachable (the kernel: its direct map; tests: a byte array).
 * acpi_madt_parse(buf, len, out): a checked MADT ("APIC") of len bytes:
 *   the LAPIC address (type 5 overrides the header's), processor local
 *   APICs (type 0), I/O APICs (type 1), interrupt source overrides
 *   (type 2). Other entry types are skipped by their length. An entry
 *   shorter than its type needs, of length < 2, or running past the table
 *   is an error. Tables beyond the ACPI_MAX_* below are cut, and
 *   *_truncated says so.
 */
#ifndef KERNEL_ARCH_X86_64_ACPI_PURE_H
#define KERNEL_ARCH_X86_64_ACPI_PURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_RSDP_V1_BYTES	20
#define ACPI_RSDP_V2_BYTES	36
#define ACPI_SDT_HEADER_BYTES	36
#define ACPI_MADT_HEADER_BYTES	44
#define ACPI_MAX_TABLE_BYTES	(1u << 20)	/* larger: surely corrupt */

#define ACPI_MAX_CPUS		64
#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_OVERRIDES	16

/* Processor local APIC flags (MADT entry type 0). */
#define ACPI_LAPIC_ENABLED	(1u << 0)
#define ACPI_LAPIC_ONLINE_CAPABLE (1u << 1)

#define ACPI_ERR_SIGNATURE	(-1)	/* not the table asked for */
#define ACPI_ERR_CHECKSUM	(-2)	/* bytes do not sum to 0 */
#define ACPI_ERR_LENGTH		(-3)	/* length too small or past the end */
#define ACPI_ERR_ENTRY		(-4)	/* an entry's length is bad */
#define ACPI_ERR_NOT_FOUND	(-5)	/* no such table in the RSDT/XSDT */
#define ACPI_ERR_UNREACHABLE	(-6)	/* a table outside readable memory */
#define ACPI_ERR_REVISION	(-7)	/* an RSDP revision we do not know */

struct acpi_rsdp {
	uint8_t revision;
	uint64_t rsdt;		/* physical address, 32-bit table */
	uint64_t xsdt;		/* physical address, 64-bit table; 0: none */
};

struct acpi_madt_cpu {
	uint8_t acpi_id;	/* the processor's ACPI id */
	uint8_t apic_id;
	uint32_t flags;		/* ACPI_LAPIC_* */
};

struct acpi_madt_ioapic {
	uint8_t id;
	uint32_t addr;		/* physical MMIO base */
	uint32_t gsi_base;	/* first global system interrupt it serves */
};

struct acpi_madt_override {
	uint8_t bus, source;	/* ISA IRQ source */
	uint32_t gsi;		/* the GSI it is wired to */
	uint16_t flags;		/* polarity and trigger mode */
};

struct acpi_madt {
	uint64_t lapic_addr;	/* after any type-5 override */
	bool lapic_overridden;
	uint32_t flags;		/* bit 0: a dual 8259 PIC is present too */

	size_t ncpus;
	bool cpus_truncated;
	struct acpi_madt_cpu cpus[ACPI_MAX_CPUS];

	size_t nioapics;
	bool ioapics_truncated;
	struct acpi_madt_ioapic ioapics[ACPI_MAX_IOAPICS];

	size_t noverrides;
	bool overrides_truncated;
	struct acpi_madt_override overrides[ACPI_MAX_OVERRIDES];
};

typedef const void *(*acpi_read_fn)(uint64_t pa, size_t len, void *ctx);

int acpi_rsdp_parse(const void *buf, size_t len, struct acpi_rsdp *out);
int acpi_sdt_check(const void *buf, size_t avail, const char *sig);
int acpi_find_table(const struct acpi_rsdp *rsdp, acpi_read_fn read, void *ctx,
		    const char *sig, const void **tbl, size_t *len);
int acpi_madt_parse(const void *buf, size_t len, struct acpi_madt *out);

/* A CPU the OS may start: enabled now, or may be brought online later. */
bool acpi_cpu_usable(const struct acpi_madt_cpu *c);

const char *acpi_strerror(int err);

#endif
