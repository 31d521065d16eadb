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
 * Locking: one spinlock, kmem_lock ("kmem_cache", rank 1 in
 * libk/locking.h, taken with spin_lock_irqsave), guards the list of caches
 * and every cache's lists and counters. kmalloc/kfree are only called
 * outside it (they take the heap lock, rank 2, which could also be taken
 * inside), so a slab's allocation never holds up the other caches.
 * kmem_cache_for_each walks the cache list without it (the shell's
 * listing, on the one CPU that creates and destroys caches).
 */
#include "mm/kmem_cache.h"
#include "libk/console.h"
#include "libk/locking.h"
#include "libk/printf.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include <stdbool.h>
#include <stdint.h>

#define KMEM_SLAB_BYTES_MIN	(4 * PAGE_SIZE)
#define KMEM_SLAB_BYTES_MAX	(64 * PAGE_SIZE)
#define KMEM_SLAB_MIN_OBJS	8
#define KMEM_SLAB_MAX_OBJS	1024	/* bounded by the bitmap */
#define KMEM_MIN_ALIGN		8
#define KMEM_MAP_WORDS		(KMEM_SLAB_MAX_OBJS / 64)

struct kmem_slab {
	struct kmem_slab *next, *prev;
	char *objs;			/* the first object */
	void *free;			/* free objects, chained by first word */
	unsigned inuse;
	uint64_t used[KMEM_MAP_WORDS];	/* bit i: object i is allocated */
};

struct kmem_cache {
	char name[KMEM_CACHE_NAME_MAX];
	size_t obj_size, align, slab_bytes, per_slab;
	struct kmem_slab *partial, *full, *empty;
	size_t nslabs, in_use, nfree, allocs, frees;
	struct kmem_cache *next;	/* all caches, in creation order */
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
	struct kmem_slab *s = kmalloc(c->slab_bytes);
	uintptr_t first;
	void **link;

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
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
	c->allocs++;
	return p;
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	struct kmem_slab *s;
	unsigned long flags;
	void *p;

	if (!c)
		return NULL;
	flags = spin_lock_irqsave(&kmem_lock);
	p = cache_take(c);
	spin_unlock_irqrestore(&kmem_lock, flags);
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
	c->frees++;
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
	return s;
}

void kmem_cache_free(struct kmem_cache *c, void *p)
{
	void *caller = __builtin_return_address(0);
	const char *why = NULL;
	struct kmem_slab *dead;
	unsigned long flags;

	if (!p)
		return;
	if (!c) {
		kmem_report("free into no cache of", c, p, caller);
		return;
	}
	flags = spin_lock_irqsave(&kmem_lock);
	dead = cache_put(c, p, &why);
	spin_unlock_irqrestore(&kmem_lock, flags);
	if (why)
		kmem_report(why, c, p, caller);
	kfree(dead);
}

/* ----------------------------------------------------- destroy, stats ---- */

static void slabs_free(struct kmem_slab *s)
{
	while (s) {
		struct kmem_slab *next = s->next;

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
	live = c->in_use;
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
	st->objects_in_use = c->in_use;
	st->objects_free = c->nfree;
	st->slabs = c->nslabs;
	st->bytes_total = c->nslabs * c->slab_bytes + sizeof(*c);
	st->allocs = c->allocs;
	st->frees = c->frees;
	spin_unlock_irqrestore(&kmem_lock, flags);
}

void kmem_cache_for_each(void (*fn)(struct kmem_cache *c, void *arg), void *arg)
{
	for (struct kmem_cache *c = kmem_caches; c; c = c->next)
		fn(c, arg);
}
