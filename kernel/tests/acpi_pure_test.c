/* SPDX-License-Identifier: MIT */
/*
 * Suite acpi_parse: the ACPI parser (kernel/arch/x86_64/acpi_pure.c) on
 * tables built here byte by byte: good ones, then bad checksums, truncated
 * or zero-length MADT entries, lengths that run past the buffer, and the
 * RSDT and XSDT walks over a fake physical memory. Runs in both homes.
 */
#include "kernel/arch/x86_64/acpi_pure.h"
#include "libk/ktest.h"
#include "libk/string.h"

/* A table under construction; its length and checksum are set by tb_end. */
struct tb {
	uint8_t b[256];
	size_t len;
};

static void tb_put(struct tb *t, const void *p, size_t n)
{
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void tb_u32(struct tb *t, uint32_t v)
{
	tb_put(t, &v, 4);
}

static void tb_begin(struct tb *t, const char *sig)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->len = ACPI_SDT_HEADER_BYTES;
}

static void tb_end(struct tb *t)
{
	uint32_t len = (uint32_t)t->len;
	uint8_t sum = 0;

	memcpy(t->b + 4, &len, 4);
	t->b[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum += t->b[i];
	t->b[9] = (uint8_t)-sum;
}

static void madt_cpu(struct tb *t, uint8_t acpi_id, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, acpi_id, apic_id };

	memcpy(e + 4, &flags, 4);
	tb_put(t, e, sizeof(e));
}

/* A MADT: LAPIC at 0xfee00000, CPUs 0 (enabled), 1 (online capable) and
 * 2 (neither), an I/O APIC, an override of IRQ 0 to GSI 2. */
static void madt_good(struct tb *t)
{
	uint8_t io[12] = { 1, 12, 7, 0 }, ovr[10] = { 2, 10, 0, 0 };
	uint32_t v;

	tb_begin(t, "APIC");
	tb_u32(t, 0xfee00000u);
	tb_u32(t, 1);
	madt_cpu(t, 0, 0, ACPI_LAPIC_ENABLED);
	madt_cpu(t, 1, 3, ACPI_LAPIC_ONLINE_CAPABLE);
	madt_cpu(t, 2, 5, 0);
	v = 0xfec00000u;
	memcpy(io + 4, &v, 4);
	v = 0;
	memcpy(io + 8, &v, 4);
	tb_put(t, io, sizeof(io));
	v = 2;
	memcpy(ovr + 4, &v, 4);
	tb_put(t, ovr, sizeof(ovr));
	tb_end(t);
}

static struct tb tb;
static struct acpi_madt madt;

KTEST(acpi_parse, madt_good)
{
	madt_good(&tb);
	KASSERT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), 0);
	KEXPECT_EQ(t, madt.lapic_addr, 0xfee00000u);
	KEXPECT(t, !madt.lapic_overridden);
	KEXPECT_EQ(t, madt.flags, 1);
	KASSERT_EQ(t, madt.ncpus, 3);
	KEXPECT_EQ(t, madt.cpus[1].apic_id, 3);
	KEXPECT_EQ(t, madt.cpus[1].acpi_id, 1);
	KEXPECT(t, acpi_cpu_usable(&madt.cpus[0]));
	KEXPECT(t, acpi_cpu_usable(&madt.cpus[1]));
	KEXPECT(t, !acpi_cpu_usable(&madt.cpus[2]));
	KASSERT_EQ(t, madt.nioapics, 1);
	KEXPECT_EQ(t, madt.ioapics[0].id, 7);
	KEXPECT_EQ(t, madt.ioapics[0].addr, 0xfec00000u);
	KASSERT_EQ(t, madt.noverrides, 1);
	KEXPECT_EQ(t, madt.overrides[0].source, 0);
	KEXPECT_EQ(t, madt.overrides[0].gsi, 2);
}

KTEST(acpi_parse, madt_lapic_address_override)
{
	uint8_t e[12] = { 5, 12 };
	uint64_t addr = 0x1234567000ULL;

	tb_begin(&tb, "APIC");
	tb_u32(&tb, 0xfee00000u);
	tb_u32(&tb, 0);
	memcpy(e + 4, &addr, 8);
	tb_put(&tb, e, sizeof(e));
	tb_end(&tb);
	KASSERT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), 0);
	KEXPECT(t, madt.lapic_overridden);
	KEXPECT_EQ(t, madt.lapic_addr, addr);
}

KTEST(acpi_parse, madt_unknown_entries_skipped)
{
	uint8_t x2apic[16] = { 9, 16 };

	tb_begin(&tb, "APIC");
	tb_u32(&tb, 0xfee00000u);
	tb_u32(&tb, 0);
	tb_put(&tb, x2apic, sizeof(x2apic));
	madt_cpu(&tb, 0, 4, ACPI_LAPIC_ENABLED);
	tb_end(&tb);
	KASSERT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), 0);
	KASSERT_EQ(t, madt.ncpus, 1);
	KEXPECT_EQ(t, madt.cpus[0].apic_id, 4);
}

KTEST(acpi_parse, madt_bad_checksum)
{
	madt_good(&tb);
	tb.b[50] ^= 0x40;
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_CHECKSUM);
	KEXPECT_EQ(t, madt.ncpus, 0);
}

KTEST(acpi_parse, madt_wrong_signature)
{
	madt_good(&tb);
	memcpy(tb.b, "FACP", 4);
	tb_end(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_SIGNATURE);
}

/* The last entry (the override) claims 10 bytes; the table ends 6 into it. */
KTEST(acpi_parse, madt_truncated_entry)
{
	madt_good(&tb);
	tb.len -= 4;	/* its length byte still says 10 */
	tb_end(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_ENTRY);
	KEXPECT_EQ(t, madt.ncpus, 0);
}

KTEST(acpi_parse, madt_entry_length_zero)
{
	tb_begin(&tb, "APIC");
	tb_u32(&tb, 0xfee00000u);
	tb_u32(&tb, 0);
	madt_cpu(&tb, 0, 0, ACPI_LAPIC_ENABLED);
	tb.b[tb.len - 8 + 1] = 0;
	tb_end(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_ENTRY);
}

/* A processor entry of 6 bytes: its flags would be read past it. */
KTEST(acpi_parse, madt_entry_shorter_than_its_type)
{
	uint8_t e[6] = { 0, 6, 0, 0, 1, 0 };

	tb_begin(&tb, "APIC");
	tb_u32(&tb, 0xfee00000u);
	tb_u32(&tb, 0);
	tb_put(&tb, e, sizeof(e));
	tb_end(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_ENTRY);
}

/* A single byte left after the last entry: no room for its length. */
KTEST(acpi_parse, madt_odd_byte_at_end)
{
	uint8_t one = 0;

	madt_good(&tb);
	tb_put(&tb, &one, 1);
	tb_end(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len, &madt), ACPI_ERR_ENTRY);
}

KTEST(acpi_parse, table_length_past_buffer)
{
	madt_good(&tb);
	KEXPECT_EQ(t, acpi_madt_parse(tb.b, tb.len - 1, &madt), ACPI_ERR_LENGTH);
	KEXPECT_EQ(t, acpi_sdt_check(tb.b, 20, "APIC"), ACPI_ERR_LENGTH);
	/* A length field smaller than the header itself. */
	tb.b[4] = 10;
	tb.b[5] = tb.b[6] = tb.b[7] = 0;
	KEXPECT_EQ(t, acpi_sdt_check(tb.b, tb.len, "APIC"), ACPI_ERR_LENGTH);
}

/* -------------------------------------------------------------- RSDP --- */

static void rsdp_fill(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint32_t len = ACPI_RSDP_V2_BYTES;
	uint8_t sum = 0;

	memset(r, 0, ACPI_RSDP_V2_BYTES);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "OSMEM ", 6);
	r[15] = rev;
	memcpy(r + 16, &rsdt, 4);
	for (int i = 0; i < 20; i++)
		sum += r[i];
	r[8] = (uint8_t)-sum;
	if (rev < 2)
		return;
	memcpy(r + 20, &len, 4);
	memcpy(r + 24, &xsdt, 8);
	sum = 0;
	for (int i = 0; i < ACPI_RSDP_V2_BYTES; i++)
		sum += r[i];
	r[32] = (uint8_t)-sum;
}

KTEST(acpi_parse, rsdp_v1_and_v2)
{
	uint8_t r[ACPI_RSDP_V2_BYTES];
	struct acpi_rsdp rsdp;

	rsdp_fill(r, 0, 0x7fe1234, 0);
	KASSERT_EQ(t, acpi_rsdp_parse(r, ACPI_RSDP_V1_BYTES, &rsdp), 0);
	KEXPECT_EQ(t, rsdp.rsdt, 0x7fe1234);
	KEXPECT_EQ(t, rsdp.xsdt, 0);

	rsdp_fill(r, 2, 0x7fe1234, 0x123456789000ULL);
	KASSERT_EQ(t, acpi_rsdp_parse(r, sizeof(r), &rsdp), 0);
	KEXPECT_EQ(t, rsdp.revision, 2);
	KEXPECT_EQ(t, rsdp.xsdt, 0x123456789000ULL);
	/* A revision 2 RSDP cut to the first 20 bytes. */
	KEXPECT_EQ(t, acpi_rsdp_parse(r, ACPI_RSDP_V1_BYTES, &rsdp), ACPI_ERR_LENGTH);
	KEXPECT_EQ(t, rsdp.xsdt, 0);
}

KTEST(acpi_parse, rsdp_bad)
{
	uint8_t r[ACPI_RSDP_V2_BYTES];
	struct acpi_rsdp rsdp;

	rsdp_fill(r, 0, 0x1000, 0);
	r[16] ^= 1;
	KEXPECT_EQ(t, acpi_rsdp_parse(r, sizeof(r), &rsdp), ACPI_ERR_CHECKSUM);
	rsdp_fill(r, 2, 0x1000, 0x2000);
	r[28] ^= 1;	/* the extended part only */
	KEXPECT_EQ(t, acpi_rsdp_parse(r, sizeof(r), &rsdp), ACPI_ERR_CHECKSUM);
	rsdp_fill(r, 0, 0x1000, 0);
	r[0] = 'X';
	KEXPECT_EQ(t, acpi_rsdp_parse(r, sizeof(r), &rsdp), ACPI_ERR_SIGNATURE);
	KEXPECT_EQ(t, acpi_rsdp_parse(r, 12, &rsdp), ACPI_ERR_LENGTH);
	rsdp_fill(r, 1, 0x1000, 0);
	KEXPECT_EQ(t, acpi_rsdp_parse(r, sizeof(r), &rsdp), ACPI_ERR_REVISION);
}

/* ------------------------------------------- RSDT/XSDT over fake memory --- */

#define FAKE_BASE 0x10000u
#define FAKE_BYTES 2048u

static uint8_t fake[FAKE_BYTES];

static const void *fake_read(uint64_t pa, size_t len, void *ctx)
{
	(void)ctx;
	if (pa < FAKE_BASE || pa - FAKE_BASE > FAKE_BYTES ||
	    len > FAKE_BYTES - (pa - FAKE_BASE))
		return NULL;
	return fake + (pa - FAKE_BASE);
}

static void fake_put(uint32_t off, const struct tb *t)
{
	memcpy(fake + off, t->b, t->len);
}

/* Fake memory: a FACP at +0x100, a MADT with one CPU (apic_id) at
 * +0x200, a second MADT with two CPUs at +0x400; RSDT at +0x600 lists
 * FACP and the one-CPU MADT, XSDT at +0x700 FACP and the two-CPU one. */
static void fake_build(void)
{
	memset(fake, 0, sizeof(fake));
	tb_begin(&tb, "FACP");
	tb_end(&tb);
	fake_put(0x100, &tb);
	tb_begin(&tb, "APIC");
	tb_u32(&tb, 0xfee00000u);
	tb_u32(&tb, 0);
	madt_cpu(&tb, 0, 9, ACPI_LAPIC_ENABLED);
	tb_end(&tb);
	fake_put(0x200, &tb);
	madt_good(&tb);
	fake_put(0x400, &tb);

	tb_begin(&tb, "RSDT");
	tb_u32(&tb, FAKE_BASE + 0x100);
	tb_u32(&tb, FAKE_BASE + 0x200);
	tb_end(&tb);
	fake_put(0x600, &tb);

	uint64_t e[2] = { FAKE_BASE + 0x100, FAKE_BASE + 0x400 };
	tb_begin(&tb, "XSDT");
	tb_put(&tb, e, sizeof(e));
	tb_end(&tb);
	fake_put(0x700, &tb);
}

KTEST(acpi_parse, find_madt_via_rsdt)
{
	struct acpi_rsdp rsdp = { 0, FAKE_BASE + 0x600, 0 };
	const void *m;
	size_t len;

	fake_build();
	KASSERT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len), 0);
	KEXPECT_PTR_EQ(t, m, fake + 0x200);
	KASSERT_EQ(t, acpi_madt_parse(m, len, &madt), 0);
	KASSERT_EQ(t, madt.ncpus, 1);
	KEXPECT_EQ(t, madt.cpus[0].apic_id, 9);
}

/* With both, the XSDT is the one to follow (ACPI 2.0+). */
KTEST(acpi_parse, find_madt_via_xsdt)
{
	struct acpi_rsdp rsdp = { 2, FAKE_BASE + 0x600, FAKE_BASE + 0x700 };
	const void *m;
	size_t len;

	fake_build();
	KASSERT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len), 0);
	KEXPECT_PTR_EQ(t, m, fake + 0x400);
	KASSERT_EQ(t, acpi_madt_parse(m, len, &madt), 0);
	KEXPECT_EQ(t, madt.ncpus, 3);
}

KTEST(acpi_parse, find_refuses_bad_tables)
{
	struct acpi_rsdp rsdp = { 0, FAKE_BASE + 0x600, 0 };
	const void *m;
	size_t len;

	fake_build();
	KEXPECT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "HPET", &m, &len),
		   ACPI_ERR_NOT_FOUND);
	fake[0x200 + 40] ^= 1;	/* the MADT's checksum breaks */
	KEXPECT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len),
		   ACPI_ERR_CHECKSUM);
	KEXPECT_NULL(t, m);
	fake[0x600 + 36] ^= 1;	/* now the RSDT's */
	KEXPECT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len),
		   ACPI_ERR_CHECKSUM);
	/* A root table past the end of readable memory. */
	rsdp.rsdt = FAKE_BASE + FAKE_BYTES - 8;
	KEXPECT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len),
		   ACPI_ERR_UNREACHABLE);
	/* A MADT whose length field runs past readable memory. */
	fake_build();
	uint32_t huge = FAKE_BYTES;
	memcpy(fake + 0x200 + 4, &huge, 4);
	rsdp.rsdt = FAKE_BASE + 0x600;
	KEXPECT_EQ(t, acpi_find_table(&rsdp, fake_read, NULL, "APIC", &m, &len),
		   ACPI_ERR_UNREACHABLE);
}
