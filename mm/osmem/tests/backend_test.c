/* SPDX-License-Identifier: MIT */
/*
 * The recording, failing test backend (contract: backend_test.h).
 *
 * State is global and reset by osmem_tb_init(): one test runs at a time.
 * Calls past OSMEM_TB_MAX_CALLS are still counted and still behave, but
 * are no longer recorded (osmem_tb_call returns NULL for them).
 */
#include "mm/osmem/tests/backend_test.h"
#include "libk/string.h"
#include <stdbool.h>

struct tb_map {
	void *p;
	size_t len;
	bool reserved;          /* from pages_reserve */
};

static struct {
	char *arena;
	size_t brk, limit, high;       /* offsets from the arena start */
	unsigned ncalls, fail_at, fail_from;
	struct osmem_tb_call calls[OSMEM_TB_MAX_CALLS];
	struct tb_map maps[OSMEM_TB_MAX_MAPS];
	unsigned bad_unmaps, reports, locks, lock_errors;
	int lock_held;
	const void *caller;
	struct osmem_report rep[OSMEM_TB_MAX_REPORTS];
	char lines[OSMEM_TB_MAX_REPORTS][OSMEM_TB_REPORT_LINE];
	char last_report[OSMEM_TB_REPORT_LINE];
} tb;

/* Controls given before osmem_tb_init(): they survive the reset once. */
static struct {
	bool debug, debug_set;
	const void *caller;
	bool caller_set;
} tb_next;

static struct osmem_backend tb_backend;

/* Count a call, decide whether it fails, and record it. */
static struct osmem_tb_call *tb_begin(enum osmem_tb_kind kind, int *fail)
{
	static struct osmem_tb_call overflow;
	struct osmem_tb_call *c = &overflow;
	unsigned n = ++tb.ncalls;

	*fail = n == tb.fail_at || (tb.fail_from && n >= tb.fail_from);
	if (n <= OSMEM_TB_MAX_CALLS)
		c = &tb.calls[n - 1];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->failed = *fail;
	c->locked = tb.lock_held;
	c->offset = -1;
	return c;
}

static void *tb_heap_extend(const struct osmem_backend *be, intptr_t delta)
{
	int fail;
	struct osmem_tb_call *c = tb_begin(OSMEM_TB_EXTEND, &fail);
	size_t old = tb.brk, next = tb.brk + (size_t)delta;

	(void)be;

	c->delta = delta;
	if (delta < 0 && (size_t)-delta > tb.brk)
		fail = 1;
	else if (delta > 0 && (size_t)delta > tb.limit - tb.brk)
		fail = 1;
	if (fail) {
		c->failed = 1;
		return OSMEM_BRK_FAIL;
	}
	if (next > tb.high) {
		memset(tb.arena + tb.high, 0, next - tb.high);
		tb.high = next;
	} else if (next < old) {
		memset(tb.arena + next, 0xa5, old - next);
	}
	tb.brk = next;
	c->offset = (long)old;
	return tb.arena + old;
}

static struct tb_map *tb_find_map(void *p, size_t len)
{
	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++)
		if (tb.maps[i].p && tb.maps[i].p == p && tb.maps[i].len == len)
			return &tb.maps[i];
	return NULL;
}

static struct tb_map *tb_free_slot(void)
{
	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++)
		if (!tb.maps[i].p)
			return &tb.maps[i];
	return NULL;
}

static void *tb_pages_map(size_t len)
{
	int fail;
	struct osmem_tb_call *c = tb_begin(OSMEM_TB_MAP, &fail);
	struct tb_map *slot = tb_free_slot();
	void *p;

	c->len = len;
	/* A full table refuses too: better a NULL than an untracked map. */
	if (fail || !slot || len == 0) {
		c->failed = 1;
		return NULL;
	}
	p = osmem_test_home_backend()->pages_map(len);
	if (!p) {
		c->failed = 1;
		return NULL;
	}
	slot->p = p;
	slot->len = len;
	c->ptr = p;
	return p;
}

static void *tb_pages_reserve(size_t len)
{
	int fail;
	struct osmem_tb_call *c = tb_begin(OSMEM_TB_RESERVE, &fail);
	struct tb_map *slot = tb_free_slot();
	void *p;

	c->len = len;
	if (fail || !slot || len == 0) {
		c->failed = 1;
		return NULL;
	}
	p = osmem_test_home_backend()->pages_reserve(len);
	if (!p) {
		c->failed = 1;
		return NULL;
	}
	*slot = (struct tb_map){ p, len, true };
	c->ptr = p;
	return p;
}

static int tb_pages_unmap(void *p, size_t len)
{
	int fail;
	struct osmem_tb_call *c = tb_begin(OSMEM_TB_UNMAP, &fail);
	struct tb_map *m = tb_find_map(p, len);

	c->ptr = p;
	c->len = len;
	if (!m)
		tb.bad_unmaps++;
	if (fail || !m || osmem_test_home_backend()->pages_unmap(p, len) != 0) {
		c->failed = 1;
		return -1;
	}
	*m = (struct tb_map){ 0 };
	return 0;
}

static void *tb_pages_remap(void *p, size_t old_len, size_t new_len)
{
	int fail;
	struct osmem_tb_call *c = tb_begin(OSMEM_TB_REMAP, &fail);
	struct tb_map *m = tb_find_map(p, old_len);
	const struct osmem_backend *home = osmem_test_home_backend();
	void *q;

	c->len = new_len;
	if (!m || m->reserved)
		tb.bad_unmaps++;
	if (fail || !m || m->reserved || !home->pages_remap) {
		c->failed = 1;
		return NULL;
	}
	q = home->pages_remap(p, old_len, new_len);
	if (!q) {
		c->failed = 1;
		return NULL;
	}
	m->len = new_len;
	c->ptr = q;
	return q;
}

static void tb_lock(const struct osmem_backend *be)
{
	(void)be;
	tb.locks++;
	if (tb.lock_held)
		tb.lock_errors++;
	tb.lock_held = 1;
}

static void tb_unlock(const struct osmem_backend *be)
{
	(void)be;
	if (!tb.lock_held)
		tb.lock_errors++;
	tb.lock_held = 0;
}

/*
 * Keep a copy of the report and its line: the report's strings (op,
 * detail) are the allocator's constants, so the copy stays valid. Reports
 * past OSMEM_TB_MAX_REPORTS are counted and their line kept as the last.
 */
static void tb_report(const struct osmem_report *r)
{
	unsigned i = tb.reports++;

	osmem_report_format(tb.last_report, sizeof(tb.last_report), r, NULL,
			    tb.caller, NULL);
	if (i < OSMEM_TB_MAX_REPORTS) {
		tb.rep[i] = *r;
		memcpy(tb.lines[i], tb.last_report, sizeof(tb.last_report));
	}
}

static const void *tb_caller(void)
{
	return tb.caller;
}

const struct osmem_backend *osmem_tb_init(void)
{
	const struct osmem_backend *home = osmem_test_home_backend();

	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++)
		if (tb.maps[i].p)
			home->pages_unmap(tb.maps[i].p, tb.maps[i].len);
	memset(&tb, 0, sizeof(tb));
	tb.caller = tb_next.caller_set ? tb_next.caller : NULL;
	tb.arena = osmem_test_arena(OSMEM_TB_ARENA_BYTES);
	if (!tb.arena)
		return NULL;
	tb.limit = OSMEM_TB_ARENA_BYTES;
	tb_backend = (struct osmem_backend){
		.name = "test",
		.page_size = home->page_size,
		.heap_extend = tb_heap_extend,
		.pages_map = tb_pages_map,
		.pages_unmap = tb_pages_unmap,
		.pages_remap = home->pages_remap ? tb_pages_remap : NULL,
		.pages_reserve = home->pages_reserve ? tb_pages_reserve : NULL,
		.lock = tb_lock,
		.unlock = tb_unlock,
		.report = tb_report,
		.caller = tb_caller,
		.secret = OSMEM_TB_SECRET,
		.debug = tb_next.debug_set && tb_next.debug,
	};
	memset(&tb_next, 0, sizeof(tb_next));
	return &tb_backend;
}

void osmem_tb_fail_at(unsigned n)
{
	tb.fail_at = n;
}

void osmem_tb_fail_from(unsigned n)
{
	tb.fail_from = n;
}

void osmem_tb_fail_none(void)
{
	tb.fail_at = tb.fail_from = 0;
}

void osmem_tb_set_limit(size_t bytes)
{
	tb.limit = bytes < OSMEM_TB_ARENA_BYTES ? bytes : OSMEM_TB_ARENA_BYTES;
}

void osmem_tb_move_break(intptr_t delta)
{
	size_t next = tb.brk + (size_t)delta;

	if (next > tb.high) {
		memset(tb.arena + tb.high, 0, next - tb.high);
		tb.high = next;
	}
	tb.brk = next;
}

unsigned osmem_tb_ncalls(void)
{
	return tb.ncalls;
}

const struct osmem_tb_call *osmem_tb_call(unsigned i)
{
	if (i >= tb.ncalls || i >= OSMEM_TB_MAX_CALLS)
		return NULL;
	return &tb.calls[i];
}

unsigned osmem_tb_count(enum osmem_tb_kind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < tb.ncalls && i < OSMEM_TB_MAX_CALLS; i++)
		n += tb.calls[i].kind == kind;
	return n;
}

char *osmem_tb_heap_start(void)
{
	return tb.arena;
}

size_t osmem_tb_brk(void)
{
	return tb.brk;
}

size_t osmem_tb_live_maps(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++)
		n += tb.maps[i].p != NULL && !tb.maps[i].reserved;
	return n;
}

int osmem_tb_is_mapped(const void *p, size_t len)
{
	const char *c = p;

	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++) {
		const char *m = tb.maps[i].p;

		if (m && !tb.maps[i].reserved && c >= m && len <= tb.maps[i].len &&
		    (size_t)(c - m) <= tb.maps[i].len - len)
			return 1;
	}
	return 0;
}

size_t osmem_tb_live_reserves(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++)
		n += tb.maps[i].p != NULL && tb.maps[i].reserved;
	return n;
}

int osmem_tb_is_reserved(const void *p)
{
	const char *c = p;

	for (unsigned i = 0; i < OSMEM_TB_MAX_MAPS; i++) {
		const char *m = tb.maps[i].p;

		if (m && tb.maps[i].reserved && c >= m &&
		    (size_t)(c - m) < tb.maps[i].len)
			return 1;
	}
	return 0;
}

unsigned osmem_tb_bad_unmaps(void)
{
	return tb.bad_unmaps;
}

unsigned osmem_tb_reports(void)
{
	return tb.reports;
}

const char *osmem_tb_last_report(void)
{
	return tb.last_report;
}

const struct osmem_report *osmem_tb_report(unsigned i)
{
	if (i >= tb.reports || i >= OSMEM_TB_MAX_REPORTS)
		return NULL;
	return &tb.rep[i];
}

const char *osmem_tb_report_line(unsigned i)
{
	if (i >= tb.reports || i >= OSMEM_TB_MAX_REPORTS)
		return NULL;
	return tb.lines[i];
}

void osmem_tb_set_debug(bool on)
{
	tb_next.debug = on;
	tb_next.debug_set = true;
	tb_backend.debug = on;
}

void osmem_tb_set_caller(const void *caller)
{
	tb_next.caller = caller;
	tb_next.caller_set = true;
	tb.caller = caller;
}

unsigned osmem_tb_locks(void)
{
	return tb.locks;
}

unsigned osmem_tb_lock_errors(void)
{
	return tb.lock_errors;
}

int osmem_tb_lock_held(void)
{
	return tb.lock_held;
}
