/* SPDX-License-Identifier: MIT */
/*
 * lab3_pagewalk: lab 3's grader (docs/labs/lab3-paging.md), built by
 * `make lab3` with the student's labs/lab3_pagewalk.c (contract:
 * labs/lab3.h).
 *
 * The grader owns a small physical memory (struct lab3_mem is opaque to
 * the student) and builds page tables in it with map() below, as
 * mm/vmm.c builds the kernel's: so it knows what each address maps to,
 * with which rights, and which entry is missing. lab3_read() counts the
 * reads and flags one outside the tables (an address taken with its flag
 * bits, or a wrong index): the walk must read one entry per level.
 */
#include "labs/lab3.h"
#include "tests/labs/lab_check.h"
#include <stdio.h>
#include <string.h>

#define P    (1ull << 0)
#define W    (1ull << 1)
#define U    (1ull << 2)
#define PS   (1ull << 7)
#define NX   (1ull << 63)
#define IGNORED ((1ull << 9) | (1ull << 11) | (0x7full << 52))

#define MEM_BASE  0x200000ull   /* the physical address of page 0 */
#define MEM_PAGES 48
#define KIB4 0x1000ull
#define MIB2 0x200000ull
#define GIB1 0x40000000ull

struct lab3_mem {
	uint64_t page[MEM_PAGES][512];
	unsigned used;       /* pages handed out as tables */
	unsigned reads;      /* lab3_read calls */
	unsigned bad;        /* ... outside the tables, or unaligned */
	uint64_t bad_pa;
	uint64_t junk;       /* ORed into every table entry: ignored bits */
};

uint64_t lab3_read(const struct lab3_mem *cm, uint64_t pa)
{
	struct lab3_mem *m = (struct lab3_mem *)cm;
	uint64_t i = (pa - MEM_BASE) / KIB4;

	m->reads++;
	if (pa < MEM_BASE || i >= m->used || pa % 8) {
		if (!m->bad++)
			m->bad_pa = pa;
		return 0;
	}
	return m->page[i][(pa % KIB4) / 8];
}

/* A fresh, empty table: its physical address. */
static uint64_t new_table(struct lab3_mem *m)
{
	memset(m->page[m->used], 0, sizeof(m->page[0]));
	return MEM_BASE + KIB4 * m->used++;
}

/* The entry for va at level (4..1) of the table at pa. */
static uint64_t *slot(struct lab3_mem *m, uint64_t pa, uint64_t va, int level)
{
	unsigned shift = 12 + 9 * (unsigned)(level - 1);

	return &m->page[(pa - MEM_BASE) / KIB4][(va >> shift) & 511];
}

/* A new address space: the PML4's address (cr3). */
static uint64_t new_space(struct lab3_mem *m)
{
	memset(m, 0, sizeof(*m));
	return new_table(m);
}

/*
 * Map va to pa with a page of size bytes (4 KiB, 2 MiB or 1 GiB): leaf
 * entry flags `leaf` (P added), tables on the way made with `table`
 * flags (P added) where missing.
 */
static void map(struct lab3_mem *m, uint64_t cr3, uint64_t va, uint64_t pa,
		uint64_t size, uint64_t leaf, uint64_t table)
{
	int last = size == GIB1 ? 3 : size == MIB2 ? 2 : 1;
	uint64_t t = cr3 & ~(KIB4 - 1);

	for (int level = 4; level > last; level--) {
		uint64_t *e = slot(m, t, va, level);

		if (!(*e & P))
			*e = new_table(m) | P | table | m->junk;
		t = *e & 0x000ffffffffff000ull;
	}
	*slot(m, t, va, last) = pa | P | leaf | (last > 1 ? PS : 0) | m->junk;
}

static const char *status_name(int r)
{
	return r == LAB3_MAPPED ? "LAB3_MAPPED" :
	       r == LAB3_NOT_PRESENT ? "LAB3_NOT_PRESENT" :
	       r == LAB3_NON_CANONICAL ? "LAB3_NON_CANONICAL" : "not a status";
}

/* Expect va to translate to pa in a page of size with the given rights
 * and no bad read; the LAB line names the first difference. */
static int expect_mapped(struct ktest *t, struct lab3_mem *m, uint64_t cr3,
			 uint64_t va, uint64_t pa, uint64_t size, int wr,
			 int user, int nx, const char *what)
{
	struct lab3_walk w;
	int r, level = size == GIB1 ? 3 : size == MIB2 ? 2 : 1;
	char got[160];

	memset(&w, 0x5a, sizeof(w));
	m->reads = m->bad = 0;
	r = lab3_translate(cr3, va, m, &w);
	snprintf(got, sizeof(got), "%s, pa 0x%llx, page size 0x%llx, level %d, "
		 "writable %d user %d nx %d", status_name(r),
		 (unsigned long long)w.pa, (unsigned long long)w.page_size,
		 w.level, w.writable, w.user, w.nx);
	if (!LAB_EXPECT(t, m->bad == 0, "%s: va 0x%llx: you read physical "
			"address 0x%llx, which is no entry of the tables: the "
			"next table's address is the entry's bits 51..12 (mask "
			"off the flags and bits 52..63), the index 9 bits of va "
			"times 8", what, (unsigned long long)va,
			(unsigned long long)m->bad_pa))
		return 0;
	return LAB_EXPECT(t, r == LAB3_MAPPED && w.pa == pa &&
			  w.page_size == size && w.level == level &&
			  w.writable == wr && w.user == user && w.nx == nx,
			  "%s: va 0x%llx maps to pa 0x%llx in a page of 0x%llx "
			  "bytes (level %d), writable %d user %d nx %d; you "
			  "said %s", what, (unsigned long long)va,
			  (unsigned long long)pa, (unsigned long long)size,
			  level, wr, user, nx, got);
}

/* Expect va to be missing at level, or non-canonical (level 0). */
static int expect_missing(struct ktest *t, struct lab3_mem *m, uint64_t cr3,
			  uint64_t va, int level, const char *what)
{
	struct lab3_walk w = { 0 };
	int r, want = level ? LAB3_NOT_PRESENT : LAB3_NON_CANONICAL;

	m->reads = m->bad = 0;
	r = lab3_translate(cr3, va, m, &w);
	if (!LAB_EXPECT(t, m->bad == 0, "%s: va 0x%llx: you read physical "
			"address 0x%llx, which is no entry of the tables",
			what, (unsigned long long)va,
			(unsigned long long)m->bad_pa))
		return 0;
	if (!level)
		return LAB_EXPECT(t, r == want && m->reads == 0,
				  "%s: va 0x%llx is not canonical (bits 63..48 "
				  "must copy bit 47): LAB3_NON_CANONICAL and no "
				  "read; you said %s after %u reads", what,
				  (unsigned long long)va, status_name(r), m->reads);
	return LAB_EXPECT(t, r == want && w.level == level,
			  "%s: va 0x%llx: the entry at level %d is not present "
			  "(bit 0 clear): LAB3_NOT_PRESENT, level %d; you said "
			  "%s, level %d", what, (unsigned long long)va, level,
			  level, status_name(r), w.level);
}

static struct lab3_mem mem;

KTEST(lab3_pagewalk, split_gives_the_four_indices_and_the_offset)
{
	static const uint64_t vas[] = {
		0xffff900000000000ull, 0xffffffff80101234ull,
		0xffffa00000003008ull, 0x00007fffffffffffull, 0x0000000000401abcull,
	};

	for (unsigned i = 0; i < 5; i++) {
		unsigned idx[4] = { 999, 999, 999, 999 }, off = 99999;
		uint64_t va = vas[i];

		lab3_split(va, idx, &off);
		LAB_ASSERT(t, idx[0] == ((va >> 39) & 511) &&
			   idx[1] == ((va >> 30) & 511) &&
			   idx[2] == ((va >> 21) & 511) &&
			   idx[3] == ((va >> 12) & 511) && off == (va & 4095),
			   "va 0x%llx: indices %llu %llu %llu %llu, offset %llu; "
			   "you said %u %u %u %u, offset %u: 9 bits per level "
			   "from bit 39 down to bit 12, then 12 bits of offset",
			   (unsigned long long)va,
			   (unsigned long long)((va >> 39) & 511),
			   (unsigned long long)((va >> 30) & 511),
			   (unsigned long long)((va >> 21) & 511),
			   (unsigned long long)((va >> 12) & 511),
			   (unsigned long long)(va & 4095),
			   idx[0], idx[1], idx[2], idx[3], off);
	}
}

KTEST(lab3_pagewalk, translates_a_4k_page)
{
	uint64_t cr3 = new_space(&mem);

	/* The kernel heap's first page, as ksbrk maps it. */
	map(&mem, cr3, 0xffff900000000000ull, 0x7654000, KIB4, W | NX, W);
	expect_mapped(t, &mem, cr3, 0xffff900000000abcull, 0x7654abc, KIB4,
		      1, 0, 1, "a heap page (4 KiB)");
}

KTEST(lab3_pagewalk, translates_a_2m_page)
{
	uint64_t cr3 = new_space(&mem);

	/* The direct map: 2 MiB pages, the PS bit in the PD entry. */
	map(&mem, cr3, 0xffff800000200000ull, 0x200000, MIB2, W | NX, W);
	expect_mapped(t, &mem, cr3, 0xffff8000002fedcbull, 0x2fedcb, MIB2,
		      1, 0, 1, "a direct-map page (2 MiB: PS set in the PD "
		      "entry; the offset is the low 21 bits)");
}

KTEST(lab3_pagewalk, translates_a_1g_page)
{
	uint64_t cr3 = new_space(&mem);

	map(&mem, cr3, 0x0000004000000000ull, 0x80000000ull, GIB1, W | U, W | U);
	expect_mapped(t, &mem, cr3, 0x000000403456789aull, 0xb456789aull, GIB1,
		      1, 1, 0, "a 1 GiB page (PS set in the PDPT entry; the "
		      "offset is the low 30 bits)");
}

KTEST(lab3_pagewalk, a_missing_entry_at_each_level)
{
	uint64_t cr3 = new_space(&mem), va = 0xffffa00000010000ull;

	map(&mem, cr3, va, 0x123000, KIB4, W, W);
	if (!expect_missing(t, &mem, cr3, 0xffffc00000000000ull, 4,
			    "an empty PML4 slot") ||
	    !expect_missing(t, &mem, cr3, va + GIB1, 3, "an empty PDPT slot") ||
	    !expect_missing(t, &mem, cr3, va + MIB2, 2, "an empty PD slot"))
		return;
	/* The guard page after a vm_map mapping: its PT entry is empty. */
	expect_missing(t, &mem, cr3, va + KIB4, 1, "a guard page (an empty "
		       "PT slot)");
}

KTEST(lab3_pagewalk, non_canonical_addresses_are_refused)
{
	uint64_t cr3 = new_space(&mem);

	map(&mem, cr3, 0xffff800000000000ull, 0, MIB2, W, W);
	if (!expect_missing(t, &mem, cr3, 0x0000800000000000ull, 0,
			    "bit 47 set, bits 63..48 clear"))
		return;
	expect_missing(t, &mem, cr3, 0xfff7800000000000ull, 0,
		       "bit 51 clear among bits 63..48");
}

KTEST(lab3_pagewalk, flag_bits_are_no_part_of_an_address)
{
	uint64_t cr3 = new_space(&mem);

	/* Bits the MMU ignores, set in every entry; cr3's own flags too. */
	mem.junk = IGNORED;
	map(&mem, cr3, 0xffffffff80100000ull, 0x100000, KIB4, 0, 0);
	map(&mem, cr3, 0xffff800040000000ull, 0x40000000, MIB2, W | NX, W);
	if (!expect_mapped(t, &mem, cr3 | 0x18, 0xffffffff80100123ull, 0x100123,
			   KIB4, 0, 0, 0, "entries with ignored bits 9, 11 and "
			   "52..58 set, and cr3 with PWT and PCD"))
		return;
	expect_mapped(t, &mem, cr3 | 0x18, 0xffff800040000008ull, 0x40000008,
		      MIB2, 1, 0, 1, "a 2 MiB entry with ignored bits set");
}

KTEST(lab3_pagewalk, rights_are_those_of_every_level)
{
	uint64_t cr3 = new_space(&mem);

	/* Leaf writable and user, a table on the way neither. */
	map(&mem, cr3, 0x0000000000400000ull, 0x9000, KIB4, W | U, 0);
	if (!expect_mapped(t, &mem, cr3, 0x400000, 0x9000, KIB4, 0, 0, 0,
			   "the leaf is writable and user, the tables above "
			   "are not: the page is neither (every level must "
			   "allow it)"))
		return;
	/* No-execute on a table entry covers everything below it. */
	map(&mem, cr3, 0x0000008000000000ull, 0xa000, KIB4, W, W | NX);
	expect_mapped(t, &mem, cr3, 0x0000008000000000ull, 0xa000, KIB4, 1, 0, 1,
		      "NX is set on the PML4 entry only: the page is no-execute "
		      "(any level may forbid it)");
}

KTEST(lab3_pagewalk, reads_one_entry_per_level)
{
	uint64_t cr3 = new_space(&mem);

	map(&mem, cr3, 0xffff900000000000ull, 0x5000, KIB4, W, W);
	map(&mem, cr3, 0xffff800000000000ull, 0, MIB2, W, W);
	if (!expect_mapped(t, &mem, cr3, 0xffff900000000000ull, 0x5000, KIB4,
			   1, 0, 0, "a 4 KiB page"))
		return;
	LAB_EXPECT(t, mem.reads == 4, "a 4 KiB page takes 4 reads (one entry "
		   "per level), you made %u", mem.reads);
	if (!expect_mapped(t, &mem, cr3, 0xffff800000000010ull, 0x10, MIB2, 1,
			   0, 0, "a 2 MiB page"))
		return;
	LAB_EXPECT(t, mem.reads == 3, "a 2 MiB page takes 3 reads (the PD "
		   "entry is the last), you made %u", mem.reads);
}

KTEST(lab3_pagewalk, agrees_with_the_tables_on_random_mappings)
{
	uint32_t seed = 31;
	uint64_t cr3 = new_space(&mem);
	struct { uint64_t va, pa, size; } m[24];
	unsigned n = 0;

	while (n < 24 && mem.used < MEM_PAGES - 4) {
		uint64_t size = (seed = seed * 1103515245u + 12345u) % 3 == 0 ? MIB2 : KIB4;
		uint64_t va = 0xffff900000000000ull +
			      (((uint64_t)(seed >> 8) % 64) << 30) +
			      ((uint64_t)((seed >> 4) % 512) << 21) +
			      (size == KIB4 ? ((uint64_t)(seed % 512) << 12) : 0);
		int clash = 0;

		for (unsigned k = 0; k < n; k++)
			if ((va & ~(MIB2 - 1)) == (m[k].va & ~(MIB2 - 1)))
				clash = 1;
		if (clash)
			continue;
		m[n].va = va;
		m[n].size = size;
		m[n].pa = (uint64_t)(n + 1) << 21;
		map(&mem, cr3, va, m[n].pa, size, W | NX, W);
		n++;
	}
	for (unsigned k = 0; k < n; k++)
		if (!expect_mapped(t, &mem, cr3, m[k].va + 0x18, m[k].pa + 0x18,
				   m[k].size, 1, 0, 1, "random 4 KiB and 2 MiB pages"))
			return;
}
