/* SPDX-License-Identifier: MIT */
/*
 * pmm: physical frames, tracked by two bitmaps of one bit per 4 KiB frame
 * from physical 0 up to the end of the highest available RAM range.
 *
 *   pmm_ram[f]  = 1: frame f is RAM that pmm may hand out (available in the
 *                    memory map and not kept)
 *   pmm_used[f] = 1: frame f is not free (handed out, kept, or not RAM)
 *
 * Invariants: pmm_ram[f] == 0 implies pmm_used[f] == 1, so a search for a
 * free frame only looks at pmm_used. pmm_nfree counts frames with
 * pmm_ram == 1 and pmm_used == 0. Every word of pmm_used below pmm_hint is
 * full (all ones), so searches start at pmm_hint.
 *
 * Size: two bits per frame: 32 MiB of RAM need 2 KiB, 4 GiB need 256 KiB
 * (plus the PCI hole QEMU moves above 4 GiB). The bitmaps live in RAM found
 * from the map, reached through the direct map.
 *
 * Locking: pmm_lock ("pmm", rank 5 in libk/locking.h) guards the bitmaps
 * and counters; every public function takes it with spin_lock_irqsave
 * (frames are taken under vmm's and vmap's sections and by threads). Only
 * pmm_init runs without it: at boot, on the boot CPU, before any other
 * user. Reports are printed under it (the console ranks after it).
 */
#include "mm/pmm.h"
#include "mm/layout.h"
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/string.h"

#define FIRST_USABLE_PA		0x100000UL	/* the first MiB stays kept */

static uint64_t *pmm_used;
static uint64_t *pmm_ram;
static uint64_t pmm_nframes;	/* frames covered by the bitmaps */
static uint64_t pmm_nwords;
static uint64_t pmm_hint;	/* first word that may have a free frame */
static uint64_t pmm_total;
static uint64_t pmm_reserved;
static uint64_t pmm_nfree;
static unsigned long pmm_misuses;
static spinlock_t pmm_lock = SPINLOCK_INIT("pmm", LOCK_RANK_PMM);

static inline int bit_test(const uint64_t *map, uint64_t f)
{
	return (map[f >> 6] >> (f & 63)) & 1;
}

static inline void bit_set(uint64_t *map, uint64_t f)
{
	map[f >> 6] |= 1UL << (f & 63);
}

static inline void bit_clear(uint64_t *map, uint64_t f)
{
	map[f >> 6] &= ~(1UL << (f & 63));
}

static int ranges_overlap(phys_addr_t s1, phys_addr_t e1,
			  phys_addr_t s2, phys_addr_t e2)
{
	return s1 < e2 && s2 < e1;
}

/*
 * Find `bytes` of page-aligned available RAM above the first MiB, below the
 * boot direct map's limit, clear of every kept range. Returns 0 if none.
 */
static phys_addr_t pmm_place_bitmaps(uint64_t bytes,
				     const struct pmm_range *avail, int navail,
				     const struct pmm_range *keep, int nkeep)
{
	for (int i = 0; i < navail; i++) {
		phys_addr_t pa = PAGE_ALIGN_UP(avail[i].start);
		phys_addr_t end = avail[i].end;

		if (pa < FIRST_USABLE_PA)
			pa = FIRST_USABLE_PA;
		if (end > BOOT_DIRECT_MAP_BYTES)
			end = BOOT_DIRECT_MAP_BYTES;
again:
		if (pa + bytes > end || pa + bytes < pa)
			continue;
		for (int k = 0; k < nkeep; k++) {
			if (ranges_overlap(pa, pa + bytes, keep[k].start, keep[k].end)) {
				pa = PAGE_ALIGN_UP(keep[k].end);
				goto again;
			}
		}
		return pa;
	}
	return 0;
}

/* Mark the frames wholly inside [start, end) as RAM and free. */
static void pmm_add_ram(phys_addr_t start, phys_addr_t end)
{
	uint64_t f = PAGE_ALIGN_UP(start) >> PAGE_SHIFT;
	uint64_t last = PAGE_ALIGN_DOWN(end) >> PAGE_SHIFT;

	for (; f < last && f < pmm_nframes; f++) {
		if (bit_test(pmm_ram, f))
			continue;	/* overlapping map entries */
		bit_set(pmm_ram, f);
		bit_clear(pmm_used, f);
		pmm_total++;
		pmm_nfree++;
	}
}

/* Keep every frame touched by [start, end): never handed out. */
static void pmm_keep(phys_addr_t start, phys_addr_t end)
{
	uint64_t f = PAGE_ALIGN_DOWN(start) >> PAGE_SHIFT;
	uint64_t last = PAGE_ALIGN_UP(end) >> PAGE_SHIFT;

	for (; f < last && f < pmm_nframes; f++) {
		if (!bit_test(pmm_ram, f))
			continue;
		bit_clear(pmm_ram, f);
		bit_set(pmm_used, f);
		pmm_reserved++;
		pmm_nfree--;
	}
}

int pmm_init(const struct pmm_range *avail, int navail,
	     const struct pmm_range *keep, int nkeep)
{
	phys_addr_t top = 0, where;
	uint64_t bytes;

	for (int i = 0; i < navail; i++)
		if (avail[i].end > top)
			top = avail[i].end;
	if (top == 0)
		return -1;
	pmm_nframes = PAGE_ALIGN_DOWN(top) >> PAGE_SHIFT;
	pmm_nwords = (pmm_nframes + 63) / 64;
	bytes = PAGE_ALIGN_UP(2 * pmm_nwords * sizeof(uint64_t));

	where = pmm_place_bitmaps(bytes, avail, navail, keep, nkeep);
	if (where == 0)
		return -1;
	pmm_used = phys_to_virt(where);
	pmm_ram = pmm_used + pmm_nwords;
	memset(pmm_used, 0xff, pmm_nwords * sizeof(uint64_t));
	memset(pmm_ram, 0, pmm_nwords * sizeof(uint64_t));
	pmm_total = pmm_reserved = pmm_nfree = 0;

	for (int i = 0; i < navail; i++)
		pmm_add_ram(avail[i].start, avail[i].end);
	pmm_keep(0, FIRST_USABLE_PA);
	for (int k = 0; k < nkeep; k++)
		pmm_keep(keep[k].start, keep[k].end);
	pmm_keep(where, where + bytes);
	pmm_hint = 0;
	return 0;
}

static void pmm_take(uint64_t f)
{
	bit_set(pmm_used, f);
	pmm_nfree--;
}

/* Under pmm_lock. */
static phys_addr_t pmm_alloc_locked(void)
{
	for (uint64_t w = pmm_hint; w < pmm_nwords; w++) {
		uint64_t f;

		if (pmm_used[w] == ~0UL)
			continue;
		pmm_hint = w;
		f = w * 64 + (uint64_t)__builtin_ctzl(~pmm_used[w]);
		/* the bits past pmm_nframes are set, so f is in range */
		pmm_take(f);
		return f << PAGE_SHIFT;
	}
	pmm_hint = pmm_nwords;
	return 0;
}

phys_addr_t pmm_alloc(void)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	phys_addr_t pa = pmm_alloc_locked();

	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

phys_addr_t pmm_alloc_zeroed(void)
{
	phys_addr_t pa = pmm_alloc();

	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Under pmm_lock. */
static phys_addr_t pmm_alloc_run_locked(size_t n)
{
	uint64_t run = 0, start = 0;

	if (n == 0 || n > pmm_nfree)
		return 0;
	if (n == 1)
		return pmm_alloc_locked();
	for (uint64_t f = pmm_hint * 64; f < pmm_nframes; f++) {
		if ((f & 63) == 0 && pmm_used[f >> 6] == ~0UL) {
			run = 0;
			f += 63;
			continue;
		}
		if (bit_test(pmm_used, f)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			start = f;
		if (run == n) {
			for (uint64_t i = start; i < start + n; i++)
				pmm_take(i);
			return start << PAGE_SHIFT;
		}
	}
	return 0;
}

phys_addr_t pmm_alloc_run(size_t n)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	phys_addr_t pa = pmm_alloc_run_locked(n);

	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

static void pmm_report(phys_addr_t pa, size_t n, const char *why, void *caller)
{
	char sym[128];

	pmm_misuses++;
	console_symbol(sym, sizeof(sym), (uintptr_t)caller);
	kprintf("pmm: free of frame 0x%lx (%zu frames) refused: %s, caller %s\n",
		(unsigned long)pa, n, why, sym);
}

/* Why frame pa may not be freed now, or NULL if it may. */
static const char *pmm_free_refusal(phys_addr_t pa)
{
	uint64_t f = pa >> PAGE_SHIFT;

	if (!PAGE_ALIGNED(pa))
		return "unaligned address";
	if (f >= pmm_nframes || !bit_test(pmm_ram, f))
		return "not a frame pmm hands out";
	if (!bit_test(pmm_used, f))
		return "frame is free (double free?)";
	return NULL;
}

static void pmm_release(uint64_t f)
{
	bit_clear(pmm_used, f);
	pmm_nfree++;
	if ((f >> 6) < pmm_hint)
		pmm_hint = f >> 6;
}

void pmm_free(phys_addr_t pa)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	const char *why = pmm_free_refusal(pa);

	if (why)
		pmm_report(pa, 1, why, __builtin_return_address(0));
	else
		pmm_release(pa >> PAGE_SHIFT);
	spin_unlock_irqrestore(&pmm_lock, flags);
}

/* Under pmm_lock: all n frames are checked before any is freed. */
static void pmm_free_run_locked(phys_addr_t pa, size_t n, void *caller)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = pmm_free_refusal(pa + i * PAGE_SIZE);

		if (why) {
			pmm_report(pa + i * PAGE_SIZE, n, why, caller);
			return;
		}
	}
	for (size_t i = 0; i < n; i++)
		pmm_release((pa >> PAGE_SHIFT) + i);
}

void pmm_free_run(phys_addr_t pa, size_t n)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);

	pmm_free_run_locked(pa, n, __builtin_return_address(0));
	spin_unlock_irqrestore(&pmm_lock, flags);
}

int pmm_is_allocated(phys_addr_t pa)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	int r = pmm_free_refusal(PAGE_ALIGN_DOWN(pa)) == NULL;

	spin_unlock_irqrestore(&pmm_lock, flags);
	return r;
}

void pmm_stats(struct pmm_stats *st)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);

	st->total_frames = pmm_total;
	st->reserved_frames = pmm_reserved;
	st->free_frames = pmm_nfree;
	spin_unlock_irqrestore(&pmm_lock, flags);
}

uint64_t pmm_free_frames(void)
{
	return pmm_nfree;
}

unsigned long pmm_misuse_count(void)
{
	return pmm_misuses;
}
