/* SPDX-License-Identifier: MIT */
/*
 * vmap suite: the page mapper. Other subsystems may hold mappings of their
 * own, so every case compares the state it finds with the state it leaves.
 */
#include "libk/ktest.h"
#include "kernel/ktest_kernel.h"
#include "kernel/arch/x86_64/trap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include "mm/tests/mm_tests.h"


static int same_stats(const struct vmap_stats *a, const struct vmap_stats *b)
{
	return a->mappings == b->mappings && a->pages == b->pages &&
	       a->reservations == b->reservations &&
	       a->reserved_pages == b->reserved_pages &&
	       a->free_bytes == b->free_bytes &&
	       a->largest_free == b->largest_free;
}

KTEST(vmap, map_gives_zeroed_aligned_writable_nx_memory)
{
	const size_t n = 3 * PAGE_SIZE;
	unsigned char *p = vm_map(n);
	uintptr_t a = (uintptr_t)p;

	KASSERT_NOT_NULL(t, p);
	KEXPECT(t, PAGE_ALIGNED(a));
	KEXPECT(t, a >= VMAP_BASE && a + n <= VMAP_BASE + VMAP_BYTES);
	KEXPECT_EQ(t, count_nonzero(p, n), 0);
	for (size_t i = 0; i < n; i++)
		p[i] = 0xee;
	for (size_t i = 0; i < n; i += PAGE_SIZE)
		KEXPECT_EQ(t, vmm_leaf_entry(a + i) & (PTE_W | PTE_NX),
			   PTE_W | PTE_NX);
	KEXPECT_EQ(t, vm_unmap(p, n), 0);
}

KTEST(vmap, guard_page_after_mapping_faults)
{
	unsigned char *p = vm_map(2 * PAGE_SIZE - 100), *next;

	KASSERT_NOT_NULL(t, p);
	/* next fit puts the next mapping right behind p (the last placed) */
	next = vm_map(PAGE_SIZE);
	KASSERT_NOT_NULL(t, next);
	write_byte(p + 2 * PAGE_SIZE - 1);	/* last byte of the last page */
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)p + 2 * PAGE_SIZE, write_byte,
			   p + 2 * PAGE_SIZE);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)p + 2 * PAGE_SIZE), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vm_unmap(p, 2 * PAGE_SIZE - 100), 0);
	KEXPECT_EQ(t, vm_unmap(next, PAGE_SIZE), 0);
}

KTEST(vmap, consecutive_mappings_are_separated_by_guards)
{
	unsigned char *a = vm_map(PAGE_SIZE), *b = vm_map(PAGE_SIZE);

	KASSERT_NOT_NULL(t, a);
	KASSERT_NOT_NULL(t, b);
	/* whatever order the search picks, a guard page lies between */
	if (b > a)
		KEXPECT_GE(t, b - a, 2 * PAGE_SIZE);
	else
		KEXPECT_GE(t, a - b, 2 * PAGE_SIZE);
	vm_unmap(a, PAGE_SIZE);
	vm_unmap(b, PAGE_SIZE);
}

KTEST(vmap, unmap_returns_frames_and_address_space)
{
	struct vmap_stats before, during, after;
	uint64_t frames = pmm_free_frames(), tables = vmm_table_pages();
	void *p;

	vmap_stats(&before);
	p = vm_map(10 * PAGE_SIZE);
	KASSERT_NOT_NULL(t, p);
	vmap_stats(&during);
	KEXPECT_EQ(t, during.mappings, before.mappings + 1);
	KEXPECT_EQ(t, during.pages, before.pages + 10);
	KEXPECT_EQ(t, during.free_bytes, before.free_bytes - 11 * PAGE_SIZE);
	KEXPECT_LE(t, pmm_free_frames(), frames - 10);
	KEXPECT_EQ(t, vm_unmap(p, 10 * PAGE_SIZE), 0);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, pmm_free_frames(), frames);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)p), VMM_NOT_MAPPED);
}

/* Next fit: the range just freed is not the next one handed out, so a
 * stale pointer into it still faults (nothing is mapped there). */
KTEST(vmap, freed_range_is_not_handed_out_at_once)
{
	char *a = vm_map(4 * PAGE_SIZE), *b;

	KASSERT_NOT_NULL(t, a);
	KEXPECT_EQ(t, vm_unmap(a, 4 * PAGE_SIZE), 0);
	b = vm_map(4 * PAGE_SIZE);
	KASSERT_NOT_NULL(t, b);
	KEXPECT_PTR_NE(t, b, a);
	for (size_t off = 0; off < 4 * PAGE_SIZE; off += PAGE_SIZE)
		KEXPECT_EQ(t, vmm_translate((uintptr_t)a + off), VMM_NOT_MAPPED);
	vm_unmap(b, 4 * PAGE_SIZE);
}

/* When nothing fits above the cursor, the search goes round from the
 * base: address space freed below is used again, none is lost. The space
 * above is filled with one reservation (no frames), which ends exactly at
 * the range's end when the cursor is the highest placement so far. */
KTEST(vmap, search_goes_round_when_the_top_is_full)
{
	char *p = vm_map(PAGE_SIZE), *r = NULL, *q;
	uintptr_t cursor, end = VMAP_BASE + VMAP_BYTES;

	KASSERT_NOT_NULL(t, p);
	cursor = (uintptr_t)p + 2 * PAGE_SIZE;	/* p's page and its guard */
	KEXPECT_EQ(t, vmap_cursor(), cursor);
	KEXPECT_EQ(t, vm_unmap(p, PAGE_SIZE), 0);
	r = vm_reserve(end - cursor - PAGE_SIZE);	/* its guard: the last page */
	if (!KEXPECT_PTR_EQ(t, r, (char *)cursor)) {
		if (r)
			vm_unmap(r, end - cursor - PAGE_SIZE);
		return;
	}
	q = vm_map(PAGE_SIZE);
	KEXPECT_NOT_NULL(t, q);
	KEXPECT(t, (uintptr_t)q < cursor);
	if (q)
		vm_unmap(q, PAGE_SIZE);
	vm_unmap(r, end - cursor - PAGE_SIZE);
}

KTEST(vmap, reused_memory_is_zeroed_again)
{
	unsigned char *a = vm_map(PAGE_SIZE), *b;

	KASSERT_NOT_NULL(t, a);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		a[i] = 0x77;
	vm_unmap(a, PAGE_SIZE);
	b = vm_map(PAGE_SIZE);
	KASSERT_NOT_NULL(t, b);
	KEXPECT_EQ(t, count_nonzero(b, PAGE_SIZE), 0);
	vm_unmap(b, PAGE_SIZE);
}

KTEST(vmap, bad_unmap_arguments_are_refused)
{
	struct vmap_stats before, after;
	unsigned long reports = vmap_misuse_count();
	unsigned char *p = vm_map(3 * PAGE_SIZE);
	uint64_t frames;

	KASSERT_NOT_NULL(t, p);
	p[0] = 0x42;
	p[3 * PAGE_SIZE - 1] = 0x43;
	vmap_stats(&before);
	frames = pmm_free_frames();
	KEXPECT_EQ(t, vm_unmap(p + 1, 3 * PAGE_SIZE), -1);	/* unaligned */
	KEXPECT_EQ(t, vm_unmap(p + PAGE_SIZE, 2 * PAGE_SIZE), -1); /* inside */
	KEXPECT_EQ(t, vm_unmap(p, 2 * PAGE_SIZE), -1);		/* too short */
	KEXPECT_EQ(t, vm_unmap(p, 4 * PAGE_SIZE), -1);		/* too long */
	KEXPECT_EQ(t, vm_unmap(p, 0), -1);
	KEXPECT_EQ(t, vm_unmap(NULL, PAGE_SIZE), -1);
	KEXPECT_EQ(t, vm_unmap((void *)(VMAP_BASE + VMAP_BYTES - PAGE_SIZE),
			       PAGE_SIZE), -1);			/* unknown */
	KEXPECT_EQ(t, vm_unmap((void *)KBRK_BASE, PAGE_SIZE), -1);
	KEXPECT_EQ(t, vmap_misuse_count(), reports + 8);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, pmm_free_frames(), frames);
	KEXPECT_EQ(t, p[0], 0x42);
	KEXPECT_EQ(t, p[3 * PAGE_SIZE - 1], 0x43);
	KEXPECT_EQ(t, vm_unmap(p, 3 * PAGE_SIZE - 5), 0);	/* same pages */
}

KTEST(vmap, double_unmap_is_refused)
{
	unsigned long reports = vmap_misuse_count();
	void *p = vm_map(PAGE_SIZE);

	KASSERT_NOT_NULL(t, p);
	KEXPECT_EQ(t, vm_unmap(p, PAGE_SIZE), 0);
	KEXPECT_EQ(t, vm_unmap(p, PAGE_SIZE), -1);
	KEXPECT_EQ(t, vmap_misuse_count(), reports + 1);
}

KTEST(vmap, zero_or_huge_length_gives_null)
{
	struct vmap_stats before, after;

	vmap_stats(&before);
	KEXPECT_NULL(t, vm_map(0));
	KEXPECT_NULL(t, vm_map(VMAP_BYTES));
	KEXPECT_NULL(t, vm_map((size_t)-1));
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
}

KTEST(vmap, out_of_frames_gives_null_and_changes_nothing)
{
	struct vmap_stats before, after;
	uint64_t tables = vmm_table_pages();
	phys_addr_t hoard;
	void *p;

	vmap_stats(&before);
	hoard = mmt_drain(5);
	p = vm_map(32 * PAGE_SIZE);
	KEXPECT_EQ(t, pmm_free_frames(), 5);
	mmt_refill(hoard);
	KEXPECT_NULL(t, p);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, vmm_table_pages(), tables);
}

KTEST(vmap, remap_grows_in_place)
{
	uint64_t frames = pmm_free_frames();
	unsigned char *p = vm_map(2 * PAGE_SIZE), *q;

	KASSERT_NOT_NULL(t, p);
	p[0] = 1;
	p[2 * PAGE_SIZE - 1] = 2;
	/* another subsystem's mapping may follow p's guard: then there is
	 * no room to grow in place, which is a skip, not a failure */
	q = vm_remap(p, 2 * PAGE_SIZE, 5 * PAGE_SIZE);
	if (!q) {
		vm_unmap(p, 2 * PAGE_SIZE);
		KTEST_SKIP(t, "no free space after the mapping");
	}
	KEXPECT_PTR_EQ(t, q, p);
	KEXPECT_EQ(t, p[0], 1);
	KEXPECT_EQ(t, p[2 * PAGE_SIZE - 1], 2);
	KEXPECT_EQ(t, count_nonzero(p + 2 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)p + 5 * PAGE_SIZE, write_byte,
			   p + 5 * PAGE_SIZE);
	KEXPECT_EQ(t, vm_unmap(p, 2 * PAGE_SIZE), -1);	/* old length */
	KEXPECT_EQ(t, vm_unmap(p, 5 * PAGE_SIZE), 0);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(vmap, remap_shrinks_and_frees_the_tail)
{
	uint64_t frames = pmm_free_frames();
	unsigned char *p = vm_map(6 * PAGE_SIZE);

	KASSERT_NOT_NULL(t, p);
	KEXPECT_PTR_EQ(t, vm_remap(p, 6 * PAGE_SIZE, PAGE_SIZE + 1), p);
	KEXPECT_LE(t, pmm_free_frames(), frames - 2);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)p + 2 * PAGE_SIZE), VMM_NOT_MAPPED);
	ktest_expect_fault(t, TRAP_PF, (uintptr_t)p + 2 * PAGE_SIZE, write_byte,
			   p + 2 * PAGE_SIZE);
	write_byte(p + 2 * PAGE_SIZE - 1);
	KEXPECT_EQ(t, vm_unmap(p, 2 * PAGE_SIZE), 0);
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(vmap, remap_blocked_by_neighbour_changes_nothing)
{
	struct vmap_stats before, after;
	unsigned char *a = vm_map(PAGE_SIZE), *b = vm_map(PAGE_SIZE);

	KASSERT_NOT_NULL(t, a);
	KASSERT_NOT_NULL(t, b);
	if (b != a + 2 * PAGE_SIZE) {
		vm_unmap(a, PAGE_SIZE);
		vm_unmap(b, PAGE_SIZE);
		KTEST_SKIP(t, "next fit did not place the mappings together");
	}
	vmap_stats(&before);
	/* a's guard is all the room there is: a cannot grow */
	KEXPECT_NULL(t, vm_remap(a, PAGE_SIZE, 2 * PAGE_SIZE));
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, vmm_translate((uintptr_t)a + PAGE_SIZE), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vm_unmap(b, PAGE_SIZE), 0);
	KEXPECT_PTR_EQ(t, vm_remap(a, PAGE_SIZE, 2 * PAGE_SIZE), a);
	KEXPECT_EQ(t, vm_unmap(a, 2 * PAGE_SIZE), 0);
}

KTEST(vmap, remap_bad_arguments_are_refused)
{
	unsigned long reports = vmap_misuse_count();
	void *p = vm_map(2 * PAGE_SIZE);

	KASSERT_NOT_NULL(t, p);
	KEXPECT_NULL(t, vm_remap(p, PAGE_SIZE, 3 * PAGE_SIZE));	/* wrong old */
	KEXPECT_NULL(t, vm_remap((char *)p + 8, 2 * PAGE_SIZE, PAGE_SIZE));
	KEXPECT_NULL(t, vm_remap(p, 2 * PAGE_SIZE, 0));
	KEXPECT_EQ(t, vmap_misuse_count(), reports + 3);
	KEXPECT_EQ(t, vm_unmap(p, 2 * PAGE_SIZE), 0);
}

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t lcg_next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Pages for a mixed workload: mostly 1-4, sometimes up to 32. */
static size_t mixed_bytes(uint32_t r)
{
	if ((r & 15) == 0)
		return ((r >> 4) % 32 + 1) * PAGE_SIZE - (r >> 12) % 100;
	return ((r >> 4) % 4 + 1) * PAGE_SIZE - (r >> 10) % PAGE_SIZE;
}

#define CYCLE_SLOTS	16
#define CYCLES		100000

KTEST(vmap, cycles_of_mixed_sizes_leave_no_trace)
{
	struct vmap_stats before, after;
	uint64_t frames = pmm_free_frames(), tables = vmm_table_pages();
	unsigned char *slot[CYCLE_SLOTS] = { 0 };
	size_t len[CYCLE_SLOTS] = { 0 };
	uint32_t seed = 12345;
	int failures = 0, corrupt = 0;

	vmap_stats(&before);
	for (int i = 0; i < CYCLES; i++) {
		uint32_t r = lcg_next(&seed);
		int s = (int)(r % CYCLE_SLOTS);

		if (slot[s]) {
			corrupt += slot[s][0] != (unsigned char)s ||
				   slot[s][len[s] - 1] != (unsigned char)s;
			failures += vm_unmap(slot[s], len[s]) != 0;
			slot[s] = NULL;
			continue;
		}
		len[s] = mixed_bytes(lcg_next(&seed));
		slot[s] = vm_map(len[s]);
		if (!slot[s]) {
			failures++;
			continue;
		}
		corrupt += slot[s][0] != 0 || slot[s][len[s] - 1] != 0;
		slot[s][0] = slot[s][len[s] - 1] = (unsigned char)s;
	}
	for (int s = 0; s < CYCLE_SLOTS; s++)
		if (slot[s])
			failures += vm_unmap(slot[s], len[s]) != 0;
	KEXPECT_EQ(t, failures, 0);
	KEXPECT_EQ(t, corrupt, 0);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, pmm_free_frames(), frames);
	KEXPECT_EQ(t, vmm_table_pages(), tables);
}

KTEST(vmap, record_table_limit_gives_null)
{
	static void *maps[VMAP_MAX_MAPPINGS + 1];
	struct vmap_stats before, after;
	uint64_t frames = pmm_free_frames();
	size_t n = 0, room;

	vmap_stats(&before);
	room = VMAP_MAX_MAPPINGS - before.mappings - before.reservations;
	/* one frame per mapping, plus page tables: about 1 in 256 */
	if (frames < room + room / 128 + 64)
		KTEST_SKIP(t, "not enough RAM to fill the record table");
	while (n <= room && (maps[n] = vm_map(PAGE_SIZE)) != NULL)
		n++;
	KEXPECT_EQ(t, n, room);
	KEXPECT_NULL(t, vm_map(PAGE_SIZE));
	while (n > 0)
		KEXPECT_EQ(t, vm_unmap(maps[--n], PAGE_SIZE), 0);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

/* A load that must fault: called through ktest_expect_fault. */
static void read_byte(void *p)
{
	(void)*(volatile unsigned char *)p;
}

KTEST(vmap, reserve_gives_a_range_where_every_access_faults)
{
	struct vmap_stats before, during, after;
	uint64_t frames = pmm_free_frames();
	unsigned char *p;
	uintptr_t a;

	vmap_stats(&before);
	p = vm_reserve(3 * PAGE_SIZE - 100);
	KASSERT_NOT_NULL(t, p);
	a = (uintptr_t)p;
	KEXPECT(t, PAGE_ALIGNED(a));
	KEXPECT(t, a >= VMAP_BASE && a + 3 * PAGE_SIZE <= VMAP_BASE + VMAP_BYTES);
	/* no frame, no page: the first, a middle and the last byte fault */
	KEXPECT_EQ(t, pmm_free_frames(), frames);
	for (size_t i = 0; i < 3 * PAGE_SIZE; i += PAGE_SIZE)
		KEXPECT_EQ(t, vmm_translate(a + i), VMM_NOT_MAPPED);
	ktest_expect_fault(t, TRAP_PF, a, read_byte, p);
	ktest_expect_fault(t, TRAP_PF, a + 16, write_byte, p + 16);
	ktest_expect_fault(t, TRAP_PF, a + 2 * PAGE_SIZE + 7, write_byte,
			   p + 2 * PAGE_SIZE + 7);
	vmap_stats(&during);
	KEXPECT_EQ(t, during.mappings, before.mappings);
	KEXPECT_EQ(t, during.pages, before.pages);
	KEXPECT_EQ(t, during.reservations, before.reservations + 1);
	KEXPECT_EQ(t, during.reserved_pages, before.reserved_pages + 3);
	KEXPECT_EQ(t, during.free_bytes, before.free_bytes - 4 * PAGE_SIZE);
	KEXPECT_EQ(t, vm_unmap(p, 3 * PAGE_SIZE), 0);
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
	KEXPECT_EQ(t, pmm_free_frames(), frames);
}

KTEST(vmap, reservation_and_mapping_never_overlap)
{
	unsigned char *r = vm_reserve(2 * PAGE_SIZE), *m;

	KASSERT_NOT_NULL(t, r);
	m = vm_map(PAGE_SIZE);
	KASSERT_NOT_NULL(t, m);
	/* both records keep their guard page between them */
	KEXPECT(t, m >= r + 3 * PAGE_SIZE || m + 2 * PAGE_SIZE <= r);
	m[0] = 1;
	KEXPECT_EQ(t, vmm_translate((uintptr_t)r), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vm_unmap(m, PAGE_SIZE), 0);
	KEXPECT_EQ(t, vm_unmap(r, 2 * PAGE_SIZE), 0);
}

KTEST(vmap, reservation_misuse_is_refused)
{
	struct vmap_stats before, after;
	unsigned long reports = vmap_misuse_count();
	void *r;

	vmap_stats(&before);
	KEXPECT_NULL(t, vm_reserve(0));
	KEXPECT_NULL(t, vm_reserve(VMAP_BYTES));
	r = vm_reserve(PAGE_SIZE);
	KASSERT_NOT_NULL(t, r);
	/* a reservation cannot grow into memory, nor be given back in part */
	KEXPECT_NULL(t, vm_remap(r, PAGE_SIZE, 2 * PAGE_SIZE));
	KEXPECT_EQ(t, vm_unmap(r, 2 * PAGE_SIZE), -1);
	KEXPECT_EQ(t, vmap_misuse_count(), reports + 2);
	KEXPECT_EQ(t, vmm_translate((uintptr_t)r), VMM_NOT_MAPPED);
	KEXPECT_EQ(t, vm_unmap(r, PAGE_SIZE), 0);
	KEXPECT_EQ(t, vm_unmap(r, PAGE_SIZE), -1);		/* twice */
	vmap_stats(&after);
	KEXPECT(t, same_stats(&before, &after));
}
