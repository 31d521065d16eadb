/* SPDX-License-Identifier: MIT */
/*
 * Object caches (contract: mm/kmem_cache.h): a slab allocator on kmalloc.
 *
 * Design. A cache hands out objects of one size from slabs. A slab is one
 * kmalloc block of slab_bytes (16 KiB, four pages, doubled up to 256 KiB
 * until at least KMEM_SLAB_MIN_OBJS objects fit): a header, then
 * objects_per_slab objects at the cache's alignment. Free objects are
 * chained through their first word (the free list lives inside the slab),
 * and a bitmap in the header says which objects are allocated, so a double
 * free is told from a first free exactly.
 *
 * Slabs come from kmalloc, not from vm_map, because:
 * - vm_map keeps at most VMAP_MAX_MAPPINGS mappings for the whole kernel
 *   and puts an unmapped guard page after each: a four-page slab would
 *   waste a fifth of its address space and caches could exhaust the table;
 * - vm_map is not reentrant; kmalloc brings the allocator's lock;
 * - slab memory then shows in kmalloc's statistics (the shell's heap
 *   command), so "destroy returns every byte" is visible there;
 * - it works on every allocator (heap=classic aligns to 8 only, so slabs
 *   are not page-aligned and objects are aligned inside the slab by hand).
 * The price of unaligned slabs is that a pointer cannot be mapped to its
 * slab by masking its low bits. kmem_cache_free finds the slab by comparing
 * addresses along the cache's slab lists instead (O(slabs)): it never reads
 * memory at a pointer it has not validated, so a foreign pointer, even an
 * unmapped one, is reported instead of faulting.
 *
 * Lists and invariants (per cache):
 * - partial: slabs with free and allocated objects (new ones may briefly
 *   be entirely free there, see kmem_cache_alloc); full: no free object;
 *   empty: at most one entirely free slab, the spare kept to stop a cache
 *   at a slab boundary from allocating and freeing a slab on every call.
 *   A slab that becomes empty while a spare exists is given back to kmalloc.
 * - in_use + nfree == slabs * objects_per_slab; in_use is the sum of the
 *   slabs' inuse counts.
 *
 * Magazines (per-CPU object caches, as illumos' kmem and Linux's SLUB
 * put in front of their slabs). Each cache has one per CPU (mag[cpu],
 * KMEM_MAG_OBJS objects): kmem_cache_alloc pops this CPU's and
 * kmem_cache_free pushes onto it, with interrupts off and no lock; an
 * empty one is refilled to half from the slabs, a full one gives half back
 * (oldest first), both under kmem_lock. An object in a magazine is taken
 * from its slab (its bit set, counted in c->in_use) but counted as free
 * by the stats (objects_cached says how many).
 * Hardening on the lock-free free: with magazines on, slabs are aligned
 * to their size (kmalloc_aligned), so p's slab is p with its low bits
 * cleared; that address is read only when it lies in kmalloc's heap
 * window (mapped: a wild pointer reads nothing else), and it is c's slab
 * only if its first word is c's key ^ its address (cleared before a slab
 * goes back to kmalloc). Then p must be an object boundary whose bit is
 * set. A cached object carries c's key ^ its address in its first word
 * (the mark): a free of a marked object takes the locked path, which
 * searches every CPU's magazine and reports a double free if it is there
 * (else the mark was the caller's data, and the free goes on). Anything
 * that fails a check takes the locked path, which checks as before
 * (foreign, inside an object, double free) and reports. An alloc that
 * pops an object whose mark is gone (written after its free) reports it
 * and gives it back to its slab. Limits: an object written after its
 * free in a way that erases the mark and then freed again is not caught
 * (glibc's tcache has the same); a wild free racing with the last free of
 * a slab may read the slab's memory as kmalloc takes it back (as the
 * kmalloc caches' window, mm/osmem/cache.h).
 * Magazines are on when kmalloc's per-CPU caches are (the fast heap, not
 * heap_debug) and slabs are at most KMEM_MAG_SLAB_MAX (in the brk heap);
 * otherwise every call takes the lock as before.
 *
 * Locking: one spinlock, kmem_lock ("kmem_cache", rank 1 in
 * libk/locking.h, taken with spin_lock_irqsave), guards the list of caches
 * and every cache's lists and counters. A magazine is changed only by its
 * CPU with interrupts off (rank 0 in libk/locking.h), under kmem_lock for a
 * refill or a drain; other CPUs read magazines only under kmem_lock
 * (stats, the double-free search), comparing entries, never following
 * them. kmalloc/kfree are only called outside kmem_lock (they take the
 * heap lock, rank 2, which could also be taken inside), so a slab's
 * allocation never holds up the other caches. kmem_cache_for_each walks
 * the cache list without it (the shell's listing, on the one CPU that
 * creates and destroys caches). kmem_cache_destroy drops every CPU's
 * magazine with the cache: no CPU may use a cache being destroyed.
 */
#include "mm/kmem_cache.h"
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/printf.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cache.h"
#include "mm/layout.h"
#include <stdbool.h>
#include <stdint.h>

#define KMEM_SLAB_BYTES_MIN	(4 * PAGE_SIZE)
#define KMEM_SLAB_BYTES_MAX	(64 * PAGE_SIZE)
#define KMEM_SLAB_MIN_OBJS	8
#define KMEM_SLAB_MAX_OBJS	1024	/* bounded by the bitmap */
#define KMEM_MIN_ALIGN		8
#define KMEM_MAP_WORDS		(KMEM_SLAB_MAX_OBJS / 64)
#define KMEM_MAG_OBJS		13	/* a magazine: 128 bytes */
#define KMEM_MAG_SLAB_MAX	(16 * PAGE_SIZE)	/* aligned slabs, in the brk heap */

struct kmem_slab {
	uintptr_t magic;		/* key ^ its address, 0 once freed */
	struct kmem_slab *next, *prev;
	char *objs;			/* the first object */
	void *free;			/* free objects, chained by first word */
	unsigned inuse;
	uint64_t used[KMEM_MAP_WORDS];	/* bit i: object i is allocated */
};

/* A CPU's magazine (see the top): written by that CPU only. 128 bytes
 * (not aligned to a line: the cache comes from kzalloc, 16-aligned on
 * fast, 8 on classic; two CPUs' magazines share at most a line's end). */
struct kmem_mag {
	unsigned n;			/* objects in obj[0..n) */
	unsigned long allocs, frees;	/* served here, no lock */
	void *obj[KMEM_MAG_OBJS];
};

struct kmem_cache {
	char name[KMEM_CACHE_NAME_MAX];
	size_t obj_size, align, slab_bytes, per_slab;
	struct kmem_slab *partial, *full, *empty;
	/* in_use: objects taken from the slabs (handed out or in a
	 * magazine); allocs, frees: calls served under the lock. */
	size_t nslabs, in_use, nfree, allocs, frees;
	struct kmem_cache *next;	/* all caches, in creation order */
	bool mags;			/* magazines on (see the top) */
	uint64_t key;			/* slab magic and cached-object mark */
	struct kmem_mag mag[SPIN_MAX_CPUS];
};

static struct kmem_cache *kmem_caches;
static spinlock_t kmem_lock = SPINLOCK_INIT("kmem_cache", LOCK_RANK_KMEM_CACHE);
static unsigned long kmem_misuse;
static char kmem_last[200];	/* the last misuse line (tests read it) */

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Objects that fit in a slab of `bytes`, whatever alignment kmalloc gives
 * the block (at least 8: the worst case pads align - 8 bytes). */
static size_t slab_capacity(size_t bytes, size_t obj, size_t align)
{
	size_t hdr = align_up(sizeof(struct kmem_slab), KMEM_MIN_ALIGN);
	size_t pad = align - KMEM_MIN_ALIGN;
	size_t n;

	if (bytes < hdr + pad + obj)
		return 0;
	n = (bytes - hdr - pad) / obj;
	return n > KMEM_SLAB_MAX_OBJS ? KMEM_SLAB_MAX_OBJS : n;
}

unsigned long kmem_cache_misuse_count(void)
{
	return __atomic_load_n(&kmem_misuse, __ATOMIC_RELAXED);
}

const char *kmem_cache_last_report(void)
{
	return kmem_last;
}

/* One misuse line, naming the CPU that made the call; counted, kept
 * (copied under kmem_lock: several CPUs may report at once), printed.
 * Called with no lock held. */
static void kmem_say(const char *line)
{
	unsigned long flags;

	__atomic_fetch_add(&kmem_misuse, 1, __ATOMIC_RELAXED);
	flags = spin_lock_irqsave(&kmem_lock);
	memcpy(kmem_last, line, sizeof(kmem_last));
	spin_unlock_irqrestore(&kmem_lock, flags);
	kprintf("%s\n", line);
}

static void kmem_report(const char *what, const struct kmem_cache *c,
			const void *p, void *caller)
{
	char who[CONSOLE_SYMBOL_MAX], line[sizeof(kmem_last)];

	console_symbol(who, sizeof(who), (uintptr_t)caller);
	snprintf(line, sizeof(line),
		 "kmem_cache: %s %p in cache '%s' refused (caller %s) on cpu %u",
		 what, p, c ? c->name : "(null)", who, spin_cpu());
	kmem_say(line);
}

/* ---------------------------------------------------------- lists ---- */

static void slab_link(struct kmem_slab **head, struct kmem_slab *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void slab_unlink(struct kmem_slab **head, struct kmem_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* ------------------------------------------------------------ create ---- */

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	struct kmem_cache *c, **pp;
	size_t obj, bytes;
	unsigned long flags;

	if (align == 0)
		align = KMEM_MIN_ALIGN;
	if (size == 0 || size > KMEM_CACHE_MAX_SIZE ||
	    (align & (align - 1)) != 0 || align > PAGE_SIZE)
		return NULL;
	if (align < KMEM_MIN_ALIGN)
		align = KMEM_MIN_ALIGN;
	/* A free object holds the free-list link; each object starts aligned. */
	obj = align_up(size < sizeof(void *) ? sizeof(void *) : size, align);
	bytes = KMEM_SLAB_BYTES_MIN;
	while (slab_capacity(bytes, obj, align) < KMEM_SLAB_MIN_OBJS &&
	       bytes < KMEM_SLAB_BYTES_MAX)
		bytes *= 2;
	if (slab_capacity(bytes, obj, align) == 0)
		return NULL;

	c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	for (size_t i = 0; name && name[i] && i < KMEM_CACHE_NAME_MAX - 1; i++)
		c->name[i] = name[i];
	c->obj_size = obj;
	c->align = align;
	c->slab_bytes = bytes;
	c->per_slab = slab_capacity(bytes, obj, align);
	/* Magazines need kmalloc's per-CPU caches (fast heap, not debug):
	 * the lock-free free checks a slab through the heap's window. */
	c->mags = kmalloc_cache_on && bytes <= KMEM_MAG_SLAB_MAX;
	if (c->mags)
		c->key = osmem_cache_heap(kmalloc_heap_instance())->cache_key ^
			 ((uintptr_t)c * 0x9e3779b97f4a7c15ULL);

	flags = spin_lock_irqsave(&kmem_lock);
	pp = &kmem_caches;
	while (*pp)
		pp = &(*pp)->next;
	*pp = c;
	spin_unlock_irqrestore(&kmem_lock, flags);
	return c;
}

const char *kmem_cache_name(const struct kmem_cache *c)
{
	return c ? c->name : "(null)";
}

/* ------------------------------------------------------------- alloc ---- */

/* A new slab, every object on its free list (in address order, so the
 * first allocations are adjacent). Called without the interrupt section. */
static struct kmem_slab *slab_new(struct kmem_cache *c)
{
	struct kmem_slab *s = NULL;
	uintptr_t first;
	void **link;

	/* With magazines, aligned to its size: an object's slab is then
	 * found by masking (the lock-free free); else, or if the heap cannot
	 * align it, anywhere (its frees take the lock). */
	if (c->mags)
		s = kmalloc_aligned(c->slab_bytes, c->slab_bytes);
	if (!s)
		s = kmalloc(c->slab_bytes);
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	if (c->mags && ((uintptr_t)s & (c->slab_bytes - 1)) == 0)
		s->magic = c->key ^ (uintptr_t)s;
	first = align_up((uintptr_t)s + sizeof(*s), c->align);
	s->objs = (char *)first;
	link = &s->free;
	for (size_t i = 0; i < c->per_slab; i++) {
		char *o = s->objs + i * c->obj_size;

		*link = o;
		link = (void **)o;
	}
	*link = NULL;
	return s;
}

/* Take an object from a slab that has one; NULL if none. Interrupts off. */
static void *cache_take(struct kmem_cache *c)
{
	struct kmem_slab *s = c->partial;
	size_t i;
	void *p;

	if (!s && c->empty) {
		s = c->empty;
		slab_unlink(&c->empty, s);
		slab_link(&c->partial, s);
	}
	if (!s)
		return NULL;
	p = s->free;
	s->free = *(void **)p;
	i = ((char *)p - s->objs) / c->obj_size;
	s->used[i / 64] |= 1ULL << (i % 64);
	if (++s->inuse == c->per_slab) {
		slab_unlink(&c->partial, s);
		slab_link(&c->full, s);
	}
	c->in_use++;
	c->nfree--;
	return p;
}

/* ------------------------------------------------------- magazines ---- */

static struct kmem_slab *cache_put(struct kmem_cache *c, void *p, const char **why);

/* This CPU's magazine of c. Interrupts off. */
static struct kmem_mag *mag_mine(struct kmem_cache *c)
{
	return &c->mag[spin_cpu() % SPIN_MAX_CPUS];
}

/* The mark a cached object carries in its first word. */
static uint64_t mag_mark(const struct kmem_cache *c, const void *p)
{
	return c->key ^ (uintptr_t)p;
}

/* An object from this CPU's magazine, or NULL (empty, or off). One that
 * lost its mark was written after its free: NULL, and *bad is set (the
 * caller reports it and gives it back to its slab). Interrupts off. */
static void *mag_pop(struct kmem_cache *c, void **bad)
{
	struct kmem_mag *m = mag_mine(c);
	uint64_t *p;

	if (!m->n)
		return NULL;
	p = m->obj[m->n - 1];
	__atomic_store_n(&m->n, m->n - 1, __ATOMIC_RELEASE);
	if (p[0] != mag_mark(c, p)) {
		*bad = p;
		return NULL;
	}
	p[0] = 0;
	m->allocs++;
	return p;
}

/*
 * p, if it is a live object of c that sits in no magazine, onto this
 * CPU's magazine: true. False sends the free to the locked path: no
 * magazine or room, p not in an aligned slab of c (the slab's magic,
 * read only once the masked address is known to lie in the heap, so a
 * wild pointer reads nothing outside it), inside an object, already free
 * in its slab, or carrying the mark (maybe cached already: the locked
 * path searches). The bitmap word is read without the lock: p's own bit
 * changes only by p's free, ours. Interrupts off.
 */
static bool mag_push(struct kmem_cache *c, void *p)
{
	struct kmem_mag *m = mag_mine(c);
	uintptr_t sa = (uintptr_t)p & ~(uintptr_t)(c->slab_bytes - 1);
	const struct kmem_slab *s = (const void *)sa;
	size_t off, i;

	if (!c->mags || m->n == KMEM_MAG_OBJS ||
	    !osmem_cache_in_heap(osmem_cache_heap(kmalloc_heap_instance()), s) ||
	    __atomic_load_n(&s->magic, __ATOMIC_RELAXED) != (c->key ^ sa) ||
	    (char *)p < s->objs)
		return false;
	off = (size_t)((char *)p - s->objs);
	i = off / c->obj_size;
	if (off % c->obj_size || i >= c->per_slab ||
	    !(__atomic_load_n(&s->used[i / 64], __ATOMIC_RELAXED) & (1ULL << (i % 64))) ||
	    *(uint64_t *)p == mag_mark(c, p))
		return false;
	*(uint64_t *)p = mag_mark(c, p);
	m->obj[m->n] = p;
	__atomic_store_n(&m->n, m->n + 1, __ATOMIC_RELEASE);
	m->frees++;
	return true;
}

/* p sits in some CPU's magazine of c. Under kmem_lock: the owners change
 * theirs without it, so each entry is only compared, never followed. */
static bool mag_has(const struct kmem_cache *c, const void *p)
{
	for (unsigned k = 0; k < SPIN_MAX_CPUS; k++) {
		const struct kmem_mag *m = &c->mag[k];
		unsigned n = __atomic_load_n(&m->n, __ATOMIC_ACQUIRE);

		for (unsigned j = 0; j < n && j < KMEM_MAG_OBJS; j++)
			if (__atomic_load_n(&m->obj[j], __ATOMIC_RELAXED) == p)
				return true;
	}
	return false;
}

/* Fill this CPU's magazine to half from the slabs. Under kmem_lock. */
static void mag_refill(struct kmem_cache *c)
{
	struct kmem_mag *m = mag_mine(c);
	void *p;

	while (c->mags && m->n < KMEM_MAG_OBJS / 2 && (p = cache_take(c))) {
		*(uint64_t *)p = mag_mark(c, p);
		m->obj[m->n] = p;
		__atomic_store_n(&m->n, m->n + 1, __ATOMIC_RELEASE);
	}
}

/* Objects handed out or in magazines, less those in magazines: what
 * callers hold. Under kmem_lock. */
static size_t mag_cached(const struct kmem_cache *c)
{
	size_t n = 0;

	for (unsigned k = 0; k < SPIN_MAX_CPUS; k++)
		n += __atomic_load_n(&c->mag[k].n, __ATOMIC_ACQUIRE);
	return n;
}

/* ------------------------------------------------------------- alloc ---- */

void *kmem_cache_alloc(struct kmem_cache *c)
{
	void *caller = __builtin_return_address(0);
	struct kmem_slab *s, *dead = NULL;
	const char *why = NULL;
	void *p, *bad = NULL;
	unsigned long flags;

	if (!c)
		return NULL;
	flags = irq_save();
	p = mag_pop(c, &bad);
	irq_restore(flags);
	if (p)
		return p;
	if (bad)
		kmem_report("write after free of", c, bad, caller);
	flags = spin_lock_irqsave(&kmem_lock);
	if (bad)	/* back to its slab: its first word is a link again */
		dead = cache_put(c, bad, &why);
	p = cache_take(c);
	if (p) {
		c->allocs++;
		mag_refill(c);
	}
	spin_unlock_irqrestore(&kmem_lock, flags);
	kfree(dead);
	if (p)
		return p;

	s = slab_new(c);
	if (!s)
		return NULL;
	flags = spin_lock_irqsave(&kmem_lock);
	/* Another thread may have added slabs meanwhile: ours joins the
	 * partial list, where cache_take looks first. */
	slab_link(&c->partial, s);
	c->nslabs++;
	c->nfree += c->per_slab;
	p = cache_take(c);
	if (p) {
		c->allocs++;
		mag_refill(c);
	}
	spin_unlock_irqrestore(&kmem_lock, flags);
	return p;
}

/* -------------------------------------------------------------- free ---- */

static struct kmem_slab *slab_find(struct kmem_slab *s, const struct kmem_cache *c,
				   const char *p)
{
	for (; s; s = s->next)
		if (p >= s->objs && p < s->objs + c->per_slab * c->obj_size)
			return s;
	return NULL;
}

/* The slab of c whose objects span p, or NULL. Under kmem_lock. */
static struct kmem_slab *slab_of(const struct kmem_cache *c, const void *p)
{
	struct kmem_slab *s = slab_find(c->partial, c, p);

	if (!s)
		s = slab_find(c->full, c, p);
	return s ? s : slab_find(c->empty, c, p);
}

/*
 * Put p back; returns a slab the caller must kfree (it became empty and a
 * spare already exists), or NULL. *why is set on a refused free.
 * Interrupts off.
 */
static struct kmem_slab *cache_put(struct kmem_cache *c, void *p, const char **why)
{
	struct kmem_slab *s, **list = &c->partial;
	size_t off, i;

	s = slab_find(c->partial, c, p);
	if (!s) {
		list = &c->full;
		s = slab_find(c->full, c, p);
	}
	if (!s) {
		list = &c->empty;
		s = slab_find(c->empty, c, p);
	}
	if (!s) {
		*why = "free of foreign pointer";
		return NULL;
	}
	off = (size_t)((char *)p - s->objs);
	i = off / c->obj_size;
	if (off % c->obj_size) {
		*why = "free of pointer inside an object";
		return NULL;
	}
	if (!(s->used[i / 64] & (1ULL << (i % 64)))) {
		*why = "double free of";
		return NULL;
	}
	s->used[i / 64] &= ~(1ULL << (i % 64));
	*(void **)p = s->free;
	s->free = p;
	c->in_use--;
	c->nfree++;
	if (s->inuse-- == c->per_slab) {
		slab_unlink(list, s);
		list = &c->partial;
		slab_link(list, s);
	}
	if (s->inuse)
		return NULL;
	slab_unlink(list, s);
	if (!c->empty) {
		slab_link(&c->empty, s);
		return NULL;
	}
	c->nslabs--;
	c->nfree -= c->per_slab;
	s->magic = 0;		/* no lock-free free finds it from now on */
	return s;
}

/* Give back half of this CPU's magazine (full) to the slabs, the oldest
 * first; the slabs that became empty (beyond the spare) go in *dead
 * (room for KMEM_MAG_OBJS). Under kmem_lock. Returns how many died. */
static unsigned mag_drain(struct kmem_cache *c, unsigned keep,
			  struct kmem_slab **dead)
{
	struct kmem_mag *m = mag_mine(c);
	unsigned ndead = 0, give = m->n > keep ? m->n - keep : 0;
	const char *why = NULL;

	for (unsigned j = 0; j < give; j++) {
		void *p = m->obj[j];
		struct kmem_slab *d;

		*(uint64_t *)p = 0;
		d = cache_put(c, p, &why);
		if (d)
			dead[ndead++] = d;
	}
	for (unsigned j = give; j < m->n; j++)
		m->obj[j - give] = m->obj[j];
	__atomic_store_n(&m->n, m->n - give, __ATOMIC_RELEASE);
	return ndead;
}

void kmem_cache_free(struct kmem_cache *c, void *p)
{
	void *caller = __builtin_return_address(0);
	struct kmem_slab *dead[KMEM_MAG_OBJS + 1];
	const char *why = NULL;
	unsigned long flags;
	unsigned ndead = 0;
	bool done;

	if (!p)
		return;
	if (!c) {
		kmem_report("free into no cache of", c, p, caller);
		return;
	}
	flags = irq_save();
	done = mag_push(c, p);
	irq_restore(flags);
	if (done)
		return;
	flags = spin_lock_irqsave(&kmem_lock);
	/* The mark is read only once a slab of c holds p. */
	if (c->mags && slab_of(c, p) && *(uint64_t *)p == mag_mark(c, p) &&
	    mag_has(c, p))
		why = "double free of";
	if (!why) {
		dead[ndead] = cache_put(c, p, &why);
		ndead += dead[ndead] != NULL;
	}
	if (!why) {
		c->frees++;
		if (c->mags && mag_mine(c)->n == KMEM_MAG_OBJS)
			ndead += mag_drain(c, KMEM_MAG_OBJS / 2, dead + ndead);
	}
	spin_unlock_irqrestore(&kmem_lock, flags);
	if (why)
		kmem_report(why, c, p, caller);
	while (ndead)
		kfree(dead[--ndead]);
}

void kmem_cache_shrink(struct kmem_cache *c)
{
	struct kmem_slab *dead[KMEM_MAG_OBJS];
	unsigned long flags;
	unsigned ndead;

	if (!c)
		return;
	flags = spin_lock_irqsave(&kmem_lock);
	ndead = mag_drain(c, 0, dead);
	spin_unlock_irqrestore(&kmem_lock, flags);
	while (ndead)
		kfree(dead[--ndead]);
}

/* ----------------------------------------------------- destroy, stats ---- */

static void slabs_free(struct kmem_slab *s)
{
	while (s) {
		struct kmem_slab *next = s->next;

		s->magic = 0;
		kfree(s);
		s = next;
	}
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	void *caller = __builtin_return_address(0);
	struct kmem_cache **pp;
	unsigned long flags;
	size_t live;

	if (!c)
		return 0;
	flags = spin_lock_irqsave(&kmem_lock);
	live = c->in_use - mag_cached(c);
	if (!live) {
		for (pp = &kmem_caches; *pp && *pp != c; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = c->next;
	}
	spin_unlock_irqrestore(&kmem_lock, flags);
	if (live) {
		char who[CONSOLE_SYMBOL_MAX], line[sizeof(kmem_last)];

		console_symbol(who, sizeof(who), (uintptr_t)caller);
		snprintf(line, sizeof(line), "kmem_cache: destroy of cache '%s' "
			 "with %zu live objects refused (caller %s) on cpu %u",
			 c->name, live, who, spin_cpu());
		kmem_say(line);
		return -1;
	}
	/* Unlinked and empty: nobody else can reach these slabs now. */
	slabs_free(c->partial);
	slabs_free(c->full);
	slabs_free(c->empty);
	kfree(c);
	return 0;
}

void kmem_cache_stats(struct kmem_cache *c, struct kmem_cache_stats *st)
{
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	flags = spin_lock_irqsave(&kmem_lock);
	st->object_size = c->obj_size;
	st->objects_per_slab = c->per_slab;
	st->objects_cached = mag_cached(c);
	st->objects_in_use = c->in_use - st->objects_cached;
	st->objects_free = c->nfree + st->objects_cached;
	st->slabs = c->nslabs;
	st->bytes_total = c->nslabs * c->slab_bytes + sizeof(*c);
	st->allocs = c->allocs;
	st->frees = c->frees;
	for (unsigned k = 0; k < SPIN_MAX_CPUS; k++) {
		st->allocs += __atomic_load_n(&c->mag[k].allocs, __ATOMIC_RELAXED);
		st->frees += __atomic_load_n(&c->mag[k].frees, __ATOMIC_RELAXED);
	}
	spin_unlock_irqrestore(&kmem_lock, flags);
}

void kmem_cache_for_each(void (*fn)(struct kmem_cache *c, void *arg), void *arg)
{
	for (struct kmem_cache *c = kmem_caches; c; c = c->next)
		fn(c, arg);
}
