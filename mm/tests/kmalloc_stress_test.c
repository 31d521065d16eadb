/* SPDX-License-Identifier: MIT */
/*
 * The kmalloc stress test (suite kmalloc_stress): a seeded random sequence
 * of operations (1,000,000 by default) through the kmalloc family on the
 * live kernel heap, checked against a shadow model after every step.
 *
 * Boot options: stress_seed=N picks the seed (printed in a "# " line, so a
 * failure can be replayed), stress_ops=N the number of operations.
 *
 * The model: a table of SLOTS slots (memory from vm_map, not from the heap
 * under test), each empty or holding one live block: pointer, size asked
 * for, usable size, alignment asked for, and the seed of its byte pattern.
 * Live blocks are also kept in a treap ordered by address (keys: payload
 * addresses; priorities: a hash of the slot number), so the nearest lower
 * and higher live blocks are found in O(log n).
 *
 * Invariants checked after each step, for the block it produced:
 * - not NULL (memory is bounded to STRESS_LIVE_MAX bytes, so a refusal is
 *   a bug), aligned to the allocator's minimum (16 for fast, 8 otherwise)
 *   or to the alignment asked for, ksize() >= the size asked for;
 * - its usable range [p, p + ksize) overlaps neither live neighbour's;
 * - kzalloc/kcalloc memory reads as zero; krealloc kept min(old, new)
 *   bytes of the old pattern.
 * Before a block is freed or reallocated its whole pattern is verified and
 * its ksize must not have changed. The heap checker runs every
 * STRESS_CHECK_EVERY operations (and the heap's block counts must equal
 * the baseline plus the live blocks) and at the end; after everything is
 * freed, bytes and blocks in use and mapped return to the baseline.
 *
 * A failure names the operation index and the seed: boot with
 * stress_seed=SEED stress_ops=INDEX+1 to stop right after it.
 */
#include "kernel/cmdline.h"
#include "libk/cpu.h"
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "mm/vmap.h"
#include <stdint.h>

#define STRESS_OPS_DEFAULT	1000000UL
#define STRESS_SEED_DEFAULT	0x6b6d616c6c6f6321ULL
#define STRESS_SLOTS		4096
#define STRESS_CHECK_EVERY	10000UL
#define STRESS_LIVE_MAX		(12UL << 20)	/* bytes asked for, live at once */
/* Free frames needed to run: the live bytes, the heap's fragmentation and
 * the mappings' page rounding on top, and room for the rest of the kernel. */
#define STRESS_FRAMES_NEEDED	((40UL << 20) / PAGE_SIZE)
#define STRESS_MAX_ALIGN	4096
#define STRESS_NIL		(-1)

enum stress_kind { SK_MALLOC, SK_ZALLOC, SK_CALLOC, SK_ARRAY, SK_ALIGNED,
		   SK_REALLOC_NULL, SK_GROW, SK_SHRINK, SK_TO_SMALL, SK_FREE,
		   SK_NKINDS };

static const char *const stress_kind_name[SK_NKINDS] = {
	"kmalloc", "kzalloc", "kcalloc", "kmalloc_array", "kmalloc_aligned",
	"krealloc(NULL)", "krealloc grow", "krealloc shrink",
	"krealloc to small", "kfree",
};

struct stress_slot {
	unsigned char *p;	/* NULL: the slot is empty */
	size_t size;		/* bytes asked for (all patterned) */
	size_t usable;		/* ksize(p) when it was made */
	uint64_t seed;		/* of its byte pattern */
	uint32_t align;		/* alignment asked for */
	int16_t left, right;	/* treap children (slot numbers) */
};

struct stress {
	struct ktest *t;
	struct stress_slot *slot;	/* STRESS_SLOTS of them, vm_map'ed */
	size_t table_bytes;
	int root;			/* of the address treap */
	uint64_t rng;
	uint64_t seed;
	unsigned long op;		/* index of the running operation */
	size_t min_align;		/* the allocator's own alignment */
	size_t max_align;		/* largest alignment it grants */
	size_t live, live_bytes;
	size_t peak_live, peak_live_bytes;
	unsigned long count[SK_NKINDS];
	unsigned long checks;
	size_t base_blocks, base_mapped;
	int failed;
};

/* ---- random numbers: splitmix64, small and good enough for a test ---- */

static uint64_t stress_rand(struct stress *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t stress_below(struct stress *s, size_t n)
{
	return (size_t)(stress_rand(s) % n);
}

/* Mostly small, a quarter mid-sized, rarely past the mapping threshold
 * (128 KiB for fast), as kernel code asks. */
static size_t stress_size(struct stress *s)
{
	size_t r = stress_below(s, 1000);

	if (r < 740)
		return 1 + stress_below(s, 256);
	if (r < 995)
		return 257 + stress_below(s, 8192 - 256);
	return (128UL << 10) + stress_below(s, 256UL << 10);
}

/* ---- byte patterns: byte i of a block is byte i%8 of word i/8 ---- */

static uint64_t stress_word(uint64_t seed, size_t w)
{
	uint64_t z = (seed ^ (w * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;

	return z ^ (z >> 29);
}

static unsigned char stress_byte(uint64_t seed, size_t i)
{
	return (unsigned char)(stress_word(seed, i / 8) >> (8 * (i % 8)));
}

/* Pattern bytes [from, to) of p. Payloads are at least 8-aligned, so the
 * middle goes a word at a time (this loop is most of the test's time). */
static void stress_fill(unsigned char *p, size_t from, size_t to, uint64_t seed)
{
	size_t i = from;

	for (; i < to && (i & 7); i++)
		p[i] = stress_byte(seed, i);
	for (; i + 8 <= to; i += 8)
		*(uint64_t *)(p + i) = stress_word(seed, i / 8);
	for (; i < to; i++)
		p[i] = stress_byte(seed, i);
}

/* Offset of the first byte in [0, n) that breaks the pattern, or n. */
static size_t stress_first_bad(const unsigned char *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		if (*(const uint64_t *)(p + i) != stress_word(seed, i / 8))
			break;
	for (; i < n; i++)
		if (p[i] != stress_byte(seed, i))
			return i;
	return n;
}

static size_t stress_first_nonzero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		if (*(const uint64_t *)(p + i))
			break;
	for (; i < n; i++)
		if (p[i])
			return i;
	return n;
}

/* ---- failures ---- */

#define stress_fail(s, ...)                                                  \
	do {                                                                 \
		if (!(s)->failed)                                            \
			KTEST_FAIL_((s)->t, __VA_ARGS__);                    \
		(s)->failed = 1;                                             \
	} while (0)

/* Every failure line starts with this, so it can be replayed. */
#define SFMT "op %lu (seed 0x%llx, replay: stress_seed=0x%llx stress_ops=%lu): "
#define SARG(s) (s)->op, (unsigned long long)(s)->seed,                      \
	(unsigned long long)(s)->seed, (s)->op + 1

/* ---- the address treap over live slots ---- */

static uint32_t stress_prio(int i)
{
	uint32_t x = (uint32_t)i * 0x9e3779b1u;

	return x ^ (x >> 15);
}

static uintptr_t stress_key(struct stress *s, int i)
{
	return (uintptr_t)s->slot[i].p;
}

/* Split tree t into keys < key (*l) and keys >= key (*r). */
static void stress_split(struct stress *s, int t, uintptr_t key, int *l, int *r)
{
	if (t == STRESS_NIL) {
		*l = *r = STRESS_NIL;
	} else if (stress_key(s, t) < key) {
		int a, b;

		stress_split(s, s->slot[t].right, key, &a, &b);
		s->slot[t].right = (int16_t)a;
		*l = t;
		*r = b;
	} else {
		int a, b;

		stress_split(s, s->slot[t].left, key, &a, &b);
		s->slot[t].left = (int16_t)b;
		*l = a;
		*r = t;
	}
}

/* Join l and r, every key of l below every key of r. */
static int stress_merge(struct stress *s, int l, int r)
{
	if (l == STRESS_NIL)
		return r;
	if (r == STRESS_NIL)
		return l;
	if (stress_prio(l) > stress_prio(r)) {
		s->slot[l].right = (int16_t)stress_merge(s, s->slot[l].right, r);
		return l;
	}
	s->slot[r].left = (int16_t)stress_merge(s, l, s->slot[r].left);
	return r;
}

static void stress_tree_insert(struct stress *s, int i)
{
	int l, r;

	s->slot[i].left = s->slot[i].right = STRESS_NIL;
	stress_split(s, s->root, stress_key(s, i), &l, &r);
	s->root = stress_merge(s, stress_merge(s, l, i), r);
}

static void stress_tree_remove(struct stress *s, int i)
{
	uintptr_t key = stress_key(s, i);
	int l, m, r;

	stress_split(s, s->root, key, &l, &r);
	stress_split(s, r, key + 1, &m, &r);
	if (m != i)
		stress_fail(s, SFMT "shadow treap lost block %p", SARG(s),
			    (void *)s->slot[i].p);
	s->root = stress_merge(s, l, r);
}

/* The live blocks nearest below p (key < p) and at or above p. */
static void stress_neighbours(struct stress *s, uintptr_t p, int *below,
			      int *above)
{
	int t = s->root;

	*below = *above = STRESS_NIL;
	while (t != STRESS_NIL) {
		if (stress_key(s, t) < p) {
			*below = t;
			t = s->slot[t].right;
		} else {
			*above = t;
			t = s->slot[t].left;
		}
	}
}

/* ---- checks on one block ---- */

/* Block p (size bytes asked, aligned to align) just came back from the
 * allocator for slot i; slot i is not in the treap. Returns 0 when it is
 * sound, with its usable size in *usable. */
static int stress_check_new(struct stress *s, const char *what,
			    unsigned char *p, size_t size, size_t align,
			    size_t *usable)
{
	uintptr_t a = (uintptr_t)p;
	int below, above;
	size_t us;

	if (!p) {
		stress_fail(s, SFMT "%s(%zu) returned NULL with %zu bytes live",
			    SARG(s), what, size, s->live_bytes);
		return -1;
	}
	if (a & (align - 1)) {
		stress_fail(s, SFMT "%s(%zu) returned %p, not %zu-aligned",
			    SARG(s), what, size, (void *)p, align);
		return -1;
	}
	us = ksize(p);
	if (us < size) {
		stress_fail(s, SFMT "%s(%zu) returned %p with ksize %zu",
			    SARG(s), what, size, (void *)p, us);
		return -1;
	}
	stress_neighbours(s, a, &below, &above);
	if (below != STRESS_NIL &&
	    stress_key(s, below) + s->slot[below].usable > a) {
		stress_fail(s, SFMT "%s(%zu) returned %p, inside live block "
			    "%p (usable %zu)", SARG(s), what, size, (void *)p,
			    (void *)s->slot[below].p, s->slot[below].usable);
		return -1;
	}
	if (above != STRESS_NIL && a + us > stress_key(s, above)) {
		stress_fail(s, SFMT "%s(%zu) returned %p (usable %zu), "
			    "overlapping live block %p", SARG(s), what, size,
			    (void *)p, us, (void *)s->slot[above].p);
		return -1;
	}
	*usable = us;
	return 0;
}

/* Slot i's block is about to be freed or reallocated: its bytes and its
 * usable size must be as we left them. */
static int stress_check_live(struct stress *s, int i, const char *what)
{
	struct stress_slot *b = &s->slot[i];
	size_t bad = stress_first_bad(b->p, b->size, b->seed);
	size_t us;

	if (bad != b->size) {
		stress_fail(s, SFMT "before %s: block %p (%zu bytes) byte %zu "
			    "is 0x%02x, expected 0x%02x", SARG(s), what,
			    (void *)b->p, b->size, bad, b->p[bad],
			    stress_byte(b->seed, bad));
		return -1;
	}
	us = ksize(b->p);
	if (us != b->usable) {
		stress_fail(s, SFMT "before %s: block %p ksize changed from "
			    "%zu to %zu", SARG(s), what, (void *)b->p,
			    b->usable, us);
		return -1;
	}
	return 0;
}

/* ---- the operations ---- */

static void stress_adopt(struct stress *s, int i, unsigned char *p,
			 size_t size, size_t usable, size_t align)
{
	struct stress_slot *b = &s->slot[i];

	b->p = p;
	b->size = size;
	b->usable = usable;
	b->align = (uint32_t)align;
	stress_tree_insert(s, i);
	s->live++;
	s->live_bytes += size;
	if (s->live > s->peak_live)
		s->peak_live = s->live;
	if (s->live_bytes > s->peak_live_bytes)
		s->peak_live_bytes = s->live_bytes;
}

static void stress_forget(struct stress *s, int i)
{
	stress_tree_remove(s, i);
	s->live--;
	s->live_bytes -= s->slot[i].size;
	s->slot[i].p = NULL;
}

/* Keep the memory bounded: a request that would pass the budget is cut
 * down to a small one. */
static size_t stress_fit(struct stress *s, size_t size, size_t old)
{
	if (s->live_bytes - old + size > STRESS_LIVE_MAX)
		return 1 + stress_below(s, 64);
	return size;
}

static void stress_alloc(struct stress *s, int i)
{
	size_t size = stress_fit(s, stress_size(s), 0), align = s->min_align;
	size_t r = stress_below(s, 100), usable, n = 1, elem = size, bad;
	enum stress_kind k;
	unsigned char *p;

	if (r < 45) {
		k = SK_MALLOC;
		p = kmalloc(size);
	} else if (r < 60) {
		k = SK_ZALLOC;
		p = kzalloc(size);
	} else if (r < 80) {
		/* n elements of elem bytes; size becomes their product. */
		k = r < 70 ? SK_CALLOC : SK_ARRAY;
		n = 1 + stress_below(s, 16);
		elem = 1 + size / n;
		size = n * elem;
		p = k == SK_CALLOC ? kcalloc(n, elem) : kmalloc_array(n, elem);
	} else if (r < 95) {
		k = SK_ALIGNED;
		align = (size_t)8 << stress_below(s, 10);	/* 8 .. 4096 */
		p = kmalloc_aligned(size, align);
		if (!p && align > s->max_align)
			return;		/* the allocator does not align that far */
		if (align < s->min_align)
			align = s->min_align;
	} else {
		k = SK_REALLOC_NULL;
		p = krealloc(NULL, size);
	}
	s->count[k]++;
	if (stress_check_new(s, stress_kind_name[k], p, size, align, &usable))
		return;
	if (k == SK_ZALLOC || k == SK_CALLOC) {
		bad = stress_first_nonzero(p, size);
		if (bad != size) {
			stress_fail(s, SFMT "%s(%zu) at %p: byte %zu is 0x%02x, "
				    "not zero", SARG(s), stress_kind_name[k],
				    size, (void *)p, bad, p[bad]);
			kfree(p);
			return;
		}
	}
	s->slot[i].seed = stress_rand(s);
	stress_fill(p, 0, size, s->slot[i].seed);
	stress_adopt(s, i, p, size, usable, align);
}

static void stress_free(struct stress *s, int i)
{
	s->count[SK_FREE]++;
	if (stress_check_live(s, i, "kfree"))
		return;
	kfree(s->slot[i].p);
	stress_forget(s, i);
}

static void stress_realloc(struct stress *s, int i, enum stress_kind k)
{
	struct stress_slot *b = &s->slot[i];
	size_t old = b->size, size, kept, usable, bad;
	unsigned char *oldp = b->p, *p;
	uint64_t seed = b->seed;

	if (k == SK_GROW)
		size = old + 1 + (stress_below(s, 4) ? stress_below(s, old + 64)
						    : stress_size(s));
	else if (k == SK_SHRINK)
		size = 1 + stress_below(s, old);
	else
		size = 1 + stress_below(s, 32);
	size = stress_fit(s, size, old);
	s->count[k]++;
	if (stress_check_live(s, i, stress_kind_name[k]))
		return;
	/* Out of the treap first: the new block may sit at the same place. */
	stress_forget(s, i);
	p = krealloc(oldp, size);
	if (stress_check_new(s, stress_kind_name[k], p, size, s->min_align,
			     &usable)) {
		if (!p)		/* oldp is still the caller's */
			stress_adopt(s, i, oldp, old, b->usable, b->align);
		return;
	}
	kept = old < size ? old : size;
	bad = stress_first_bad(p, kept, seed);
	if (bad != kept) {
		stress_fail(s, SFMT "%s %p (%zu bytes) to %zu at %p: byte %zu "
			    "is 0x%02x, expected 0x%02x", SARG(s),
			    stress_kind_name[k], (void *)oldp, old, size,
			    (void *)p, bad, p[bad], stress_byte(seed, bad));
		kfree(p);
		return;
	}
	stress_fill(p, kept, size, seed);
	stress_adopt(s, i, p, size, usable, s->min_align);
}

/* One operation on a random slot: an empty slot gets a block; a live one
 * is freed (about half the time, so the table stays half full) or
 * reallocated. */
static void stress_step(struct stress *s)
{
	int i = (int)stress_below(s, STRESS_SLOTS);
	size_t r;

	if (!s->slot[i].p) {
		stress_alloc(s, i);
		return;
	}
	r = stress_below(s, 100);
	if (r < 50)
		stress_free(s, i);
	else if (r < 70)
		stress_realloc(s, i, SK_GROW);
	else if (r < 90)
		stress_realloc(s, i, SK_SHRINK);
	else
		stress_realloc(s, i, SK_TO_SMALL);
}

/* ---- the heap as a whole ---- */

static void stress_stats(struct osmem_stats *st)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), st);
}

/* The heap checker, and the heap's own count of live blocks against the
 * model's. */
static void stress_heap_check(struct stress *s)
{
	struct osmem_stats st;
	size_t blocks;

	s->checks++;
	if (kmalloc_allocator()->check(kmalloc_heap_instance())) {
		stress_fail(s, SFMT "heap check failed", SARG(s));
		return;
	}
	stress_stats(&st);
	blocks = st.blocks_in_use + st.mapped_blocks;
	if (blocks != s->base_blocks + s->base_mapped + s->live)
		stress_fail(s, SFMT "heap counts %zu live blocks, expected "
			    "%zu before + %zu of the test", SARG(s), blocks,
			    s->base_blocks + s->base_mapped, s->live);
}

/* Alignment the allocator itself promises, and the largest it grants
 * (probed once: kmalloc_aligned may refuse what it cannot do). */
static void stress_probe_align(struct stress *s)
{
	s->min_align = strcmp(kmalloc_allocator()->name, "fast") == 0 ? 16 : 8;
	s->max_align = 8;
	for (size_t a = 16; a <= STRESS_MAX_ALIGN; a <<= 1) {
		void *p = kmalloc_aligned(64, a);

		if (!p)
			break;
		kfree(p);
		s->max_align = a;
	}
}

static unsigned long stress_option(const char *key, unsigned long dflt)
{
	const char *v = cmdline_get(key);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

/* Free every live block, checking its bytes first. */
static void stress_release_all(struct stress *s)
{
	for (int i = 0; i < STRESS_SLOTS; i++) {
		if (!s->slot[i].p)
			continue;
		if (!s->failed)
			stress_check_live(s, i, "the final kfree");
		kfree(s->slot[i].p);
		stress_forget(s, i);
	}
}

static void stress_report(struct stress *s, unsigned long ops, uint64_t cycles)
{
	struct ktest *t = s->t;
	struct osmem_stats st;

	stress_stats(&st);
	ktest_note(t, "%lu ops in %llu Mcycles (TSC); peak %zu live blocks, "
		   "%zu live bytes; %lu heap checks; heap now %zu bytes, "
		   "%zu mapped", ops, (unsigned long long)(cycles / 1000000),
		   s->peak_live, s->peak_live_bytes, s->checks, st.heap_bytes,
		   st.mapped_bytes);
	for (int k = 0; k < SK_NKINDS; k++)
		ktest_note(t, "  %-18s %lu", stress_kind_name[k], s->count[k]);
}

KTEST(kmalloc_stress, random_ops_keep_the_shadow_model)
{
	static struct stress st;
	struct stress *s = &st;
	unsigned long ops = stress_option("stress_ops", STRESS_OPS_DEFAULT);
	struct osmem_stats before, after;
	uint64_t t0;

	memset(s, 0, sizeof(*s));
	s->t = t;
	s->seed = stress_option("stress_seed", STRESS_SEED_DEFAULT);
	s->rng = s->seed;
	s->root = STRESS_NIL;
	ktest_note(t, "seed 0x%llx, %lu ops, allocator %s (boot with "
		   "stress_seed=N stress_ops=N to change)",
		   (unsigned long long)s->seed, ops, kmalloc_allocator()->name);
	if (pmm_free_frames() < STRESS_FRAMES_NEEDED) {
		static char why[96];

		snprintf(why, sizeof(why), "needs %lu MiB of free memory, "
			 "%llu MiB free (boot with MEM=64M or more)",
			 STRESS_FRAMES_NEEDED * PAGE_SIZE >> 20,
			 (unsigned long long)(pmm_free_frames() * PAGE_SIZE >> 20));
		KTEST_SKIP(t, why);
	}
	s->table_bytes = STRESS_SLOTS * sizeof(struct stress_slot);
	s->slot = vm_map(s->table_bytes);	/* zeroed: every slot empty */
	KASSERT_NOT_NULL(t, s->slot);
	stress_probe_align(s);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	stress_stats(&before);
	s->base_blocks = before.blocks_in_use;
	s->base_mapped = before.mapped_blocks;

	t0 = rdtsc();
	for (s->op = 0; s->op < ops && !s->failed; s->op++) {
		stress_step(s);
		if ((s->op + 1) % STRESS_CHECK_EVERY == 0)
			stress_heap_check(s);
	}
	if (!s->failed)
		stress_heap_check(s);
	stress_report(s, s->op, rdtsc() - t0);

	stress_release_all(s);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
	KEXPECT_EQ(t, vm_unmap(s->slot, s->table_bytes), 0);
	if (s->failed) {
		/* The failing operation's block was never adopted. */
		ktest_note(t, "usage not compared with the baseline after a failure");
		return;
	}
	stress_stats(&after);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.mapped_bytes, before.mapped_bytes);
	KEXPECT_EQ(t, after.mapped_blocks, before.mapped_blocks);
}
