/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parsing over byte buffers (see acpi_pure.h for the contract).
 *
 * Fields are read with memcpy: ACPI tables are packed, and an RSDT entry or
 * a MADT field may sit at any alignment.
 */
#include "kernel/arch/x86_64/acpi_pure.h"
#include "libk/string.h"

/* Offsets from the ACPI specification (RSDP, SDT header, MADT). */
#define RSDP_CHECKSUM_V1_BYTES	20
#define RSDP_OFF_REVISION	15
#define RSDP_OFF_RSDT		16
#define RSDP_OFF_LENGTH		20
#define RSDP_OFF_XSDT		24
#define SDT_OFF_LENGTH		4
#define MADT_OFF_LAPIC		36
#define MADT_OFF_FLAGS		40

#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_ADDR		5

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint32_t acpi_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t acpi_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t acpi_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int acpi_rsdp_parse(const void *buf, size_t len, struct acpi_rsdp *out)
{
	const uint8_t *p = buf;
	uint32_t length;

	memset(out, 0, sizeof(*out));
	if (!buf || len < ACPI_RSDP_V1_BYTES)
		return ACPI_ERR_LENGTH;
	if (memcmp(p, "RSD PTR ", 8) != 0)
		return ACPI_ERR_SIGNATURE;
	if (acpi_sum(p, RSDP_CHECKSUM_V1_BYTES) != 0)
		return ACPI_ERR_CHECKSUM;
	if (p[RSDP_OFF_REVISION] == 0) {
		out->rsdt = acpi_u32(p + RSDP_OFF_RSDT);
		return 0;
	}
	/* Revision 1 was never used; 2 and later share the 36-byte layout. */
	if (p[RSDP_OFF_REVISION] < 2)
		return ACPI_ERR_REVISION;
	if (len < ACPI_RSDP_V2_BYTES)
		return ACPI_ERR_LENGTH;
	length = acpi_u32(p + RSDP_OFF_LENGTH);
	if (length < ACPI_RSDP_V2_BYTES || length > len)
		return ACPI_ERR_LENGTH;
	if (acpi_sum(p, length) != 0)
		return ACPI_ERR_CHECKSUM;
	out->revision = p[RSDP_OFF_REVISION];
	out->rsdt = acpi_u32(p + RSDP_OFF_RSDT);
	out->xsdt = acpi_u64(p + RSDP_OFF_XSDT);
	return 0;
}

int acpi_sdt_check(const void *buf, size_t avail, const char *sig)
{
	const uint8_t *p = buf;
	uint32_t length;

	if (!buf || avail < ACPI_SDT_HEADER_BYTES)
		return ACPI_ERR_LENGTH;
	if (memcmp(p, sig, 4) != 0)
		return ACPI_ERR_SIGNATURE;
	length = acpi_u32(p + SDT_OFF_LENGTH);
	if (length < ACPI_SDT_HEADER_BYTES || length > avail ||
	    length > ACPI_MAX_TABLE_BYTES)
		return ACPI_ERR_LENGTH;
	if (acpi_sum(p, length) != 0)
		return ACPI_ERR_CHECKSUM;
	return (int)length;
}

/* Read a whole table at pa: its header first (for the length), then all
 * of it. Returns its checked length or an error. */
static int acpi_read_table(uint64_t pa, acpi_read_fn read, void *ctx,
			   const char *sig, const void **tbl)
{
	const uint8_t *h = read(pa, ACPI_SDT_HEADER_BYTES, ctx);
	uint32_t length;

	*tbl = NULL;
	if (!h)
		return ACPI_ERR_UNREACHABLE;
	if (memcmp(h, sig, 4) != 0)
		return ACPI_ERR_SIGNATURE;
	length = acpi_u32(h + SDT_OFF_LENGTH);
	if (length < ACPI_SDT_HEADER_BYTES || length > ACPI_MAX_TABLE_BYTES)
		return ACPI_ERR_LENGTH;
	h = read(pa, length, ctx);
	if (!h)
		return ACPI_ERR_UNREACHABLE;
	*tbl = h;
	return acpi_sdt_check(h, length, sig);
}

int acpi_find_table(const struct acpi_rsdp *rsdp, acpi_read_fn read, void *ctx,
		    const char *sig, const void **tbl, size_t *len)
{
	bool x = rsdp->xsdt != 0;
	size_t width = x ? 8 : 4, n;
	const uint8_t *root;
	int rlen;

	*tbl = NULL;
	*len = 0;
	rlen = acpi_read_table(x ? rsdp->xsdt : rsdp->rsdt, read, ctx,
			       x ? "XSDT" : "RSDT", (const void **)&root);
	if (rlen < 0)
		return rlen;
	n = ((size_t)rlen - ACPI_SDT_HEADER_BYTES) / width;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = root + ACPI_SDT_HEADER_BYTES + i * width;
		uint64_t pa = x ? acpi_u64(e) : acpi_u32(e);
		const uint8_t *h = read(pa, ACPI_SDT_HEADER_BYTES, ctx);
		const void *t;
		int tlen;

		/* An unreachable entry may be a table we do not want. */
		if (!h || memcmp(h, sig, 4) != 0)
			continue;
		tlen = acpi_read_table(pa, read, ctx, sig, &t);
		if (tlen < 0)
			return tlen;
		*tbl = t;
		*len = (size_t)tlen;
		return 0;
	}
	return ACPI_ERR_NOT_FOUND;
}

/* The smallest length each entry type we read may have. */
static size_t madt_entry_min(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_OVERRIDE:
		return 10;
	case MADT_LAPIC_ADDR:
		return 12;
	default:
		return 2;
	}
}

static void madt_entry(const uint8_t *e, struct acpi_madt *m)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (m->ncpus == ACPI_MAX_CPUS) {
			m->cpus_truncated = true;
			return;
		}
		m->cpus[m->ncpus].acpi_id = e[2];
		m->cpus[m->ncpus].apic_id = e[3];
		m->cpus[m->ncpus].flags = acpi_u32(e + 4);
		m->ncpus++;
		return;
	case MADT_IOAPIC:
		if (m->nioapics == ACPI_MAX_IOAPICS) {
			m->ioapics_truncated = true;
			return;
		}
		m->ioapics[m->nioapics].id = e[2];
		m->ioapics[m->nioapics].addr = acpi_u32(e + 4);
		m->ioapics[m->nioapics].gsi_base = acpi_u32(e + 8);
		m->nioapics++;
		return;
	case MADT_OVERRIDE:
		if (m->noverrides == ACPI_MAX_OVERRIDES) {
			m->overrides_truncated = true;
			return;
		}
		m->overrides[m->noverrides].bus = e[2];
		m->overrides[m->noverrides].source = e[3];
		m->overrides[m->noverrides].gsi = acpi_u32(e + 4);
		m->overrides[m->noverrides].flags = acpi_u16(e + 8);
		m->noverrides++;
		return;
	case MADT_LAPIC_ADDR:
		m->lapic_addr = acpi_u64(e + 4);
		m->lapic_overridden = true;
		return;
	}
}

int acpi_madt_parse(const void *buf, size_t len, struct acpi_madt *out)
{
	const uint8_t *p = buf;
	int tlen;
	size_t off;

	memset(out, 0, sizeof(*out));
	tlen = acpi_sdt_check(buf, len, "APIC");
	if (tlen < 0)
		return tlen;
	if ((size_t)tlen < ACPI_MADT_HEADER_BYTES)
		return ACPI_ERR_LENGTH;
	out->lapic_addr = acpi_u32(p + MADT_OFF_LAPIC);
	out->flags = acpi_u32(p + MADT_OFF_FLAGS);
	for (off = ACPI_MADT_HEADER_BYTES; off < (size_t)tlen; off += p[off + 1]) {
		/* Type and length must both be inside the table. */
		if ((size_t)tlen - off < 2 || p[off + 1] < madt_entry_min(p[off]) ||
		    p[off + 1] > (size_t)tlen - off) {
			memset(out, 0, sizeof(*out));
			return ACPI_ERR_ENTRY;
		}
		madt_entry(p + off, out);
	}
	return 0;
}

bool acpi_cpu_usable(const struct acpi_madt_cpu *c)
{
	return (c->flags & (ACPI_LAPIC_ENABLED | ACPI_LAPIC_ONLINE_CAPABLE)) != 0;
}

const char *acpi_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case ACPI_ERR_SIGNATURE:
		return "wrong signature";
	case ACPI_ERR_CHECKSUM:
		return "bad checksum";
	case ACPI_ERR_LENGTH:
		return "bad table length";
	case ACPI_ERR_ENTRY:
		return "bad MADT entry length";
	case ACPI_ERR_NOT_FOUND:
		return "table not found";
	case ACPI_ERR_UNREACHABLE:
		return "table outside mapped memory";
	case ACPI_ERR_REVISION:
		return "unknown RSDP revision";
	default:
		return "unknown error";
	}
}
