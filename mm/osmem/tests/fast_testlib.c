/* SPDX-License-Identifier: MIT */
/*
 * Variants of the shared test backend for the osmem_fast cases (contract:
 * fast_tests.h). They wrap osmem_tb_init()'s backend, so locking, the
 * break and the call record stay the shared backend's.
 */
#include "mm/osmem/tests/fast_tests.h"
#include "libk/string.h"

struct fast_pool_calls fast_pool_calls;

static struct osmem_backend fast_variant;
static const struct osmem_backend *fast_tb;

static struct {
	char *base;
	size_t len[FAST_POOL_SLOTS];    /* 0: slot free */
} pool;

static int pool_slot(void *p, size_t len)
{
	for (int i = 0; i < FAST_POOL_SLOTS; i++)
		if (p == pool.base + i * FAST_POOL_SLOT && pool.len[i] == len)
			return i;
	return -1;
}

static void *pool_map(size_t len)
{
	fast_pool_calls.map++;
	if (len == 0 || len > FAST_POOL_SLOT || len % fast_variant.page_size)
		return NULL;
	for (int i = 0; i < FAST_POOL_SLOTS; i++) {
		if (!pool.len[i]) {
			char *p = pool.base + i * FAST_POOL_SLOT;

			pool.len[i] = len;
			memset(p, 0, len);
			return p;
		}
	}
	return NULL;
}

static int pool_unmap(void *p, size_t len)
{
	int i = pool_slot(p, len);

	fast_pool_calls.unmap++;
	if (i < 0) {
		fast_pool_calls.bad++;
		return -1;
	}
	memset(p, 0xa5, len);   /* use after unmap shows */
	pool.len[i] = 0;
	return 0;
}

/* In place while the slot has room; growth is zeroed like a fresh map. */
static void *pool_remap(void *p, size_t old_len, size_t new_len)
{
	int i = pool_slot(p, old_len);

	fast_pool_calls.remap++;
	if (i < 0) {
		fast_pool_calls.bad++;
		return NULL;
	}
	if (new_len == 0 || new_len > FAST_POOL_SLOT ||
	    new_len % fast_variant.page_size) {
		fast_pool_calls.remap_failed++;
		return NULL;
	}
	if (new_len > old_len)
		memset((char *)p + old_len, 0, new_len - old_len);
	pool.len[i] = new_len;
	return p;
}

const struct osmem_backend *fast_tb_pool(bool remap)
{
	fast_tb = osmem_tb_init();
	if (!fast_tb)
		return NULL;
	memset(&fast_pool_calls, 0, sizeof(fast_pool_calls));
	memset(&pool, 0, sizeof(pool));
	pool.base = osmem_tb_heap_start() + OSMEM_TB_ARENA_BYTES / 2;
	osmem_tb_set_limit(OSMEM_TB_ARENA_BYTES / 2);
	fast_variant = *fast_tb;
	fast_variant.name = "test-pool";
	fast_variant.pages_map = pool_map;
	fast_variant.pages_unmap = pool_unmap;
	fast_variant.pages_remap = remap ? pool_remap : NULL;
	fast_variant.pages_reserve = NULL;      /* pool_unmap knows only slots */
	return &fast_variant;
}

static void *dirty_extend(const struct osmem_backend *be, intptr_t delta)
{
	char *old = fast_tb->heap_extend(fast_tb, delta);

	(void)be;

	if (old != OSMEM_BRK_FAIL && delta > 0)
		memset(old, FAST_DIRTY, (size_t)delta);
	return old;
}

static void *dirty_map(size_t len)
{
	char *p = fast_tb->pages_map(len);

	if (p)
		memset(p, FAST_DIRTY, len);
	return p;
}

const struct osmem_backend *fast_tb_dirty(void)
{
	fast_tb = osmem_tb_init();
	if (!fast_tb)
		return NULL;
	fast_variant = *fast_tb;
	fast_variant.name = "test-dirty";
	fast_variant.heap_extend = dirty_extend;
	fast_variant.pages_map = dirty_map;
	return &fast_variant;
}

static void fast_walk_one(void *payload, size_t size,
			  enum osmem_block_kind kind, void *arg)
{
	struct fast_walk *w = arg;

	if (w->n < FAST_WALK_MAX)
		w->b[w->n] = (struct osmem_walk_block){ payload, size, kind };
	w->n++;
}

void fast_walk_all(struct osmem_heap *h, struct fast_walk *w)
{
	w->n = 0;
	osmem_fast.walk(h, fast_walk_one, w);
}
