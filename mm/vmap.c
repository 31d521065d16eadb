/* SPDX-License-Identifier: MIT */
/*
 * vmap: the page mapper (see vmap.h for the contract).
 *
 * State: vmap_areas[0..vmap_count) records the live mappings and
 * reservations, sorted by start address. Record i occupies [start, start +
 * (pages + 1) pages): its pages, all mapped to frames it owns (none for a
 * reservation: nothing is mapped there), then its unmapped guard page. The
 * free address space is exactly the gaps between consecutive records (and
 * before the first / after the last), so freeing a mapping returns its
 * range at once and a long run of map/unmap cannot leak address space.
 *
 * Placement is next fit: the search starts at vmap_next, where the last
 * placement ended, and goes round to VMAP_BASE only when nothing fits
 * above it. A freed range is therefore handed out again only once the
 * cursor has been round the whole range (64 GiB), and until then a stale
 * pointer into a freed mapping faults instead of reaching the memory of
 * the range's next owner. The cost is page-table pages for the spread-out
 * ranges, which vmm gives back when their last page is unmapped.
 *
 * Locking: vmap_lock ("vmap", rank 3 in libk/locking.h) guards the records;
 * each public function takes it with spin_lock_irqsave (under the heap
 * lock when the allocator calls) and calls vmm and pmm inside it.
 */
#include "mm/vmap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include <stdbool.h>

#define VMAP_END	(VMAP_BASE + VMAP_BYTES)
#define VMAP_FLAGS	(VMM_WRITE | VMM_NX | VMM_GLOBAL)

struct vmap_area {
	uintptr_t start;
	size_t pages;		/* its pages; the guard page follows */
	bool reserved;		/* a reservation: none of them is mapped */
};

static struct vmap_area vmap_areas[VMAP_MAX_MAPPINGS];
static size_t vmap_count;
static uintptr_t vmap_next = VMAP_BASE;	/* next fit starts here */
static unsigned long vmap_misuses;
static spinlock_t vmap_lock = SPINLOCK_INIT("vmap", LOCK_RANK_VMAP);

void vmap_init(void)
{
	vmap_count = 0;
	vmap_next = VMAP_BASE;
}

static uintptr_t vmap_area_end(const struct vmap_area *a)
{
	return a->start + (a->pages + 1) * PAGE_SIZE;	/* guard included */
}

/* Where the gap after record i ends (the next start, or the range end). */
static uintptr_t vmap_gap_end(size_t i)
{
	return i + 1 < vmap_count ? vmap_areas[i + 1].start : VMAP_END;
}

/* Pages for bytes, or 0 if bytes is 0 or absurd. */
static size_t vmap_pages_for(size_t bytes)
{
	if (bytes == 0 || bytes > VMAP_BYTES)
		return 0;
	return PAGE_ALIGN_UP(bytes) >> PAGE_SHIFT;
}

/* The first free range of `need` bytes at or above `from`: the index a
 * new record goes to, and its start. */
static int vmap_fit_from(uintptr_t from, uintptr_t need, size_t *index,
			 uintptr_t *start)
{
	uintptr_t prev = VMAP_BASE;

	for (size_t i = 0; i <= vmap_count; i++) {
		uintptr_t next = i < vmap_count ? vmap_areas[i].start : VMAP_END;
		uintptr_t lo = prev > from ? prev : from;

		if (next > lo && next - lo >= need) {
			*index = i;
			*start = lo;
			return 0;
		}
		if (i < vmap_count)
			prev = vmap_area_end(&vmap_areas[i]);
	}
	return -1;
}

/* Next fit (see the top): from the cursor, else round from the base. */
static int vmap_find_gap(size_t pages, size_t *index, uintptr_t *start)
{
	uintptr_t need = (pages + 1) * PAGE_SIZE;

	if (vmap_fit_from(vmap_next, need, index, start) &&
	    vmap_fit_from(VMAP_BASE, need, index, start))
		return -1;
	return 0;
}

/* A record of `pages` pages (and its guard) in the first gap that fits;
 * mapped to fresh frames unless `reserved`. */
static void *vmap_add(size_t pages, bool reserved)
{
	size_t i;
	uintptr_t start;

	if (!pages || vmap_count == VMAP_MAX_MAPPINGS ||
	    vmap_find_gap(pages, &i, &start))
		return NULL;
	if (!reserved &&
	    vmm_map_fresh(start, start + pages * PAGE_SIZE, VMAP_FLAGS))
		return NULL;
	memmove(&vmap_areas[i + 1], &vmap_areas[i],
		(vmap_count - i) * sizeof(vmap_areas[0]));
	vmap_areas[i].start = start;
	vmap_areas[i].pages = pages;
	vmap_areas[i].reserved = reserved;
	vmap_count++;
	vmap_next = vmap_area_end(&vmap_areas[i]);
	return (void *)start;
}

static void *vmap_add_locking(size_t bytes, bool reserved)
{
	uint64_t flags = spin_lock_irqsave(&vmap_lock);
	void *p = vmap_add(vmap_pages_for(bytes), reserved);

	spin_unlock_irqrestore(&vmap_lock, flags);
	return p;
}

void *vm_map(size_t bytes)
{
	return vmap_add_locking(bytes, false);
}

void *vm_reserve(size_t bytes)
{
	return vmap_add_locking(bytes, true);
}

static void vmap_report(const char *what, void *addr, size_t bytes,
			const char *why, void *caller)
{
	char sym[128];

	vmap_misuses++;
	console_symbol(sym, sizeof(sym), (uintptr_t)caller);
	kprintf("vmap: %s(%p, %zu) refused: %s, caller %s\n",
		what, addr, bytes, why, sym);
}

/* Binary search for the record starting at va: its index, or -1. */
static long vmap_lookup(uintptr_t va)
{
	size_t lo = 0, hi = vmap_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vmap_areas[mid].start == va)
			return (long)mid;
		if (vmap_areas[mid].start < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Why (addr, bytes) does not name a live mapping, or NULL; *index set. */
static const char *vmap_check(void *addr, size_t bytes, long *index)
{
	uintptr_t va = (uintptr_t)addr;

	if (!PAGE_ALIGNED(va))
		return "unaligned address";
	*index = vmap_lookup(va);
	if (*index < 0)
		return "not the start of a mapping";
	if (vmap_pages_for(bytes) != vmap_areas[*index].pages)
		return "length differs from the mapping's";
	return NULL;
}

/* Under vmap_lock. */
static int vmap_unmap_locked(void *addr, size_t bytes, void *caller)
{
	long i;
	const char *why = vmap_check(addr, bytes, &i);
	struct vmap_area *a;

	if (why) {
		vmap_report("vm_unmap", addr, bytes, why, caller);
		return -1;
	}
	a = &vmap_areas[i];
	if (!a->reserved)
		vmm_unmap_free(a->start, a->start + a->pages * PAGE_SIZE);
	memmove(a, a + 1, (vmap_count - (size_t)i - 1) * sizeof(*a));
	vmap_count--;
	return 0;
}

int vm_unmap(void *addr, size_t bytes)
{
	uint64_t flags = spin_lock_irqsave(&vmap_lock);
	int r = vmap_unmap_locked(addr, bytes, __builtin_return_address(0));

	spin_unlock_irqrestore(&vmap_lock, flags);
	return r;
}

/* Under vmap_lock. */
static void *vmap_remap_locked(void *addr, size_t old_bytes, size_t new_bytes,
			       void *caller)
{
	long i;
	const char *why = vmap_check(addr, old_bytes, &i);
	size_t pages = vmap_pages_for(new_bytes);
	struct vmap_area *a;
	uintptr_t old_end, new_end;

	if (!why && !pages)
		why = "new length is 0 or too large";
	if (!why && vmap_areas[i].reserved)
		why = "a reservation, not a mapping";
	if (why) {
		vmap_report("vm_remap", addr, old_bytes, why, caller);
		return NULL;
	}
	a = &vmap_areas[i];
	old_end = a->start + a->pages * PAGE_SIZE;
	new_end = a->start + pages * PAGE_SIZE;
	if (pages < a->pages) {
		vmm_unmap_free(new_end, old_end);
	} else if (pages > a->pages) {
		/* the grown mapping and its guard must fit before the next */
		if (vmap_gap_end((size_t)i) - a->start < (pages + 1) * PAGE_SIZE)
			return NULL;
		if (vmm_map_fresh(old_end, new_end, VMAP_FLAGS))
			return NULL;
	}
	a->pages = pages;
	return addr;
}

void *vm_remap(void *addr, size_t old_bytes, size_t new_bytes)
{
	uint64_t flags = spin_lock_irqsave(&vmap_lock);
	void *p = vmap_remap_locked(addr, old_bytes, new_bytes,
				    __builtin_return_address(0));

	spin_unlock_irqrestore(&vmap_lock, flags);
	return p;
}

void vmap_stats(struct vmap_stats *st)
{
	uintptr_t prev = VMAP_BASE;
	uint64_t flags;

	memset(st, 0, sizeof(*st));
	flags = spin_lock_irqsave(&vmap_lock);
	for (size_t i = 0; i <= vmap_count; i++) {
		uintptr_t next = i < vmap_count ? vmap_areas[i].start : VMAP_END;

		st->free_bytes += next - prev;
		if (next - prev > st->largest_free)
			st->largest_free = next - prev;
		if (i < vmap_count) {
			const struct vmap_area *a = &vmap_areas[i];

			if (a->reserved) {
				st->reservations++;
				st->reserved_pages += a->pages;
			} else {
				st->mappings++;
				st->pages += a->pages;
			}
			prev = vmap_area_end(a);
		}
	}
	spin_unlock_irqrestore(&vmap_lock, flags);
}

unsigned long vmap_misuse_count(void)
{
	return vmap_misuses;
}

uintptr_t vmap_cursor(void)
{
	return vmap_next;
}

void vmap_set_cursor(uintptr_t va)
{
	uint64_t flags = spin_lock_irqsave(&vmap_lock);

	if (va >= VMAP_BASE && va < VMAP_END)
		vmap_next = va;
	spin_unlock_irqrestore(&vmap_lock, flags);
}
