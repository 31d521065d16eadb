/* SPDX-License-Identifier: MIT */
/*
 * preload-arenas: the drop-in library's arenas (mm/osmem/preload_arena_posix.c)
 * seen from a program, for tests/preload/arenas.sh.
 *
 *   preload-arenas CASE
 *
 * Cases (each prints what it measured and "ok", exit 0; or names what
 * failed, exit 1):
 *   regions       the main thread's blocks lie in the heap on the break;
 *                 three threads running at once each get blocks of their
 *                 own, in address ranges apart from the break's and from
 *                 each other's (three arenas). With ARENAS_EXPECT=shared
 *                 (run under MALLOC_ARENA_MAX=1) every block lies in the
 *                 break's heap instead.
 *   cross_free    four threads pass their blocks (small, medium, a 1 MiB
 *                 one, one grown by realloc from 100 bytes to 512 KiB) to
 *                 the next, which checks and frees them: contents intact,
 *                 and once they have exited and malloc_trim(0) ran, what
 *                 mallinfo2 counts in use and cached is back where it was.
 *   reuse         60 rounds of two short-lived threads, both holding
 *                 blocks at once: a thread started
 *                 after others exited takes an arena they left, so the
 *                 heaps (mallinfo2's arena) stop growing after the first
 *                 rounds.
 *   fork          forks while three threads allocate and free in their
 *                 arenas: each child frees blocks of every arena (their
 *                 locks must be free in the child), allocates, starts a
 *                 thread that does the same; a child that hangs is killed
 *                 by its alarm and counts as failed.
 *   info          with two threads holding blocks in arenas of their own,
 *                 malloc_info(0, fp) writes one <heap> per arena in use
 *                 (three), its totals agree with mallinfo2 (cached, free,
 *                 mapped), options other than 0 are EINVAL; then
 *                 malloc_stats() writes its per-arena lines on stderr
 *                 (arenas.sh checks them).
 *   double_free_remote  a thread's block freed twice by the main thread
 *                 (another arena): the second free must stop the process
 *                 with a double-free report (arenas.sh checks it).
 *   double_free_cached  a thread's block freed by that thread (it sits in
 *                 its cache; the thread stays alive), then by the main
 *                 thread: the same.
 *   double_free_stack  a thread's block freed twice by the main thread
 *                 while the thread lives (the block waits on its arena's
 *                 remote-free stack): the same, naming the block's size.
 *   remote_stats  a live thread's RB blocks freed by the main thread wait
 *                 on its arena's remote-free stack: mallinfo2 counts them
 *                 cached (smblks, fsmblks up, uordblks down by as much);
 *                 the thread's next mallocs take them back (the stack
 *                 drained at its refill: cached back down).
 *   remote_trim   the same blocks, the thread idle: malloc_trim(0) gives
 *                 them back (cached down by their bytes, the break's heap
 *                 in use unchanged).
 *   remote_exit   the same blocks, then the thread exits: its exit drains
 *                 the stack (cached back down).
 *   remote_bound  an idle thread's 4,000 blocks freed by the main thread:
 *                 what waits on the stack stays within
 *                 OSMEM_CACHE_REMOTE_BYTES (the pushers drain it).
 *   fork_remote   forks while two threads free each other's blocks
 *                 (pushes and drains in flight): each child frees blocks
 *                 of both arenas, runs malloc_trim(0), allocates and starts
 *                 a thread; its cached count after the trim is no more
 *                 than what the lost threads' caches held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/preload/prog.h"
#include "mm/osmem/cache.h"

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ----------------------------------------------------------- regions -- */

#define RT 3            /* threads */
#define RB 300          /* blocks each */

static struct {
	pthread_barrier_t bar;
	uintptr_t lo[RT], hi[RT];
	int in_brk[RT];
} reg;

static void *region_thread(void *arg)
{
	size_t id = (size_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ull + id;
	void *p[RB];

	pthread_barrier_wait(&reg.bar);         /* all three alive at once */
	reg.lo[id] = UINTPTR_MAX;
	for (int i = 0; i < RB; i++) {
		/* small (cached), medium (the core), up to 64 KiB */
		size_t n = i % 10 == 9 ? 65536 : 16 + rng(&s) % 4000;

		p[i] = hide(malloc(n));
		if (!p[i])
			continue;
		memset(p[i], (int)id, n < 64 ? n : 64);
		reg.in_brk[id] += in_brk_heap(p[i]);
		if ((uintptr_t)p[i] < reg.lo[id])
			reg.lo[id] = (uintptr_t)p[i];
		if ((uintptr_t)p[i] > reg.hi[id])
			reg.hi[id] = (uintptr_t)p[i];
	}
	pthread_barrier_wait(&reg.bar);         /* the main thread looks */
	for (int i = 0; i < RB; i++)
		free(p[i]);
	return NULL;
}

static int case_regions(void)
{
	const char *expect = getenv("ARENAS_EXPECT");
	int shared = expect && strcmp(expect, "shared") == 0;
	void *mine = hide(malloc(100));
	pthread_t t[RT];
	int apart = 0;

	CHECK(in_brk_heap(mine), "the main thread's block %p is not on the break",
	      mine);
	pthread_barrier_init(&reg.bar, NULL, RT + 1);
	for (size_t i = 0; i < RT; i++)
		pthread_create(&t[i], NULL, region_thread, (void *)i);
	pthread_barrier_wait(&reg.bar);
	pthread_barrier_wait(&reg.bar);
	for (int i = 0; i < RT; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < RT; i++) {
		if (shared) {
			CHECK(reg.in_brk[i] == RB, "thread %d: %d of %d blocks on the break",
			      i, reg.in_brk[i], RB);
			continue;
		}
		CHECK(reg.in_brk[i] == 0, "thread %d: %d of %d blocks on the break", i,
		      reg.in_brk[i], RB);
		for (int j = i + 1; j < RT; j++) {
			int overlap = reg.lo[i] <= reg.hi[j] && reg.lo[j] <= reg.hi[i];

			CHECK(!overlap, "threads %d and %d: [%#lx, %#lx] and [%#lx, %#lx] overlap",
			      i, j, (unsigned long)reg.lo[i], (unsigned long)reg.hi[i],
			      (unsigned long)reg.lo[j], (unsigned long)reg.hi[j]);
			apart += !overlap;
		}
	}
	free(mine);
	if (shared)
		printf("%d threads: every block on the break (one arena)\n", RT);
	else
		printf("%d threads: blocks off the break, %d of %d pairs of threads apart\n",
		       RT, apart, RT * (RT - 1) / 2);
	return failed;
}

/* -------------------------------------------------------- cross_free -- */

#define XT 4            /* threads, in a ring */
#define XB 2000         /* small and medium blocks each */
#define XL 2            /* large: a 1 MiB one, one grown by realloc */

struct xblock {
	unsigned char *p;
	size_t n;
	uint32_t tag;
};

static struct {
	pthread_barrier_t bar;
	struct xblock b[XT][XB + XL];
	unsigned long bad[XT];
} xf;

static void *cross_thread(void *arg)
{
	size_t id = (size_t)arg, next = (id + 1) % XT;
	uint64_t s = 0x51ed2701ull * (id + 1);
	struct xblock *b = xf.b[id];

	for (int i = 0; i < XB; i++) {
		b[i].n = 1 + rng(&s) % (i % 4 ? 1000 : 20000);
		b[i].tag = (uint32_t)(id * 100000 + i);
		b[i].p = malloc(b[i].n);
		if (b[i].p)
			fill(b[i].p, b[i].n, b[i].tag);
	}
	b[XB].n = 1 << 20;
	b[XB].tag = (uint32_t)id;
	b[XB].p = malloc(b[XB].n);
	if (b[XB].p)
		fill(b[XB].p, b[XB].n, b[XB].tag);
	/* Grown past the mmap threshold: the block moves to arena 0. */
	b[XB + 1].n = 512 * 1024;
	b[XB + 1].tag = (uint32_t)id + 7;
	b[XB + 1].p = malloc(100);
	if (b[XB + 1].p) {
		fill(b[XB + 1].p, 100, b[XB + 1].tag);
		b[XB + 1].p = realloc(b[XB + 1].p, b[XB + 1].n);
		if (b[XB + 1].p && !intact(b[XB + 1].p, 100, b[XB + 1].tag))
			xf.bad[id]++;
		if (b[XB + 1].p)
			fill(b[XB + 1].p, b[XB + 1].n, b[XB + 1].tag);
	}
	pthread_barrier_wait(&xf.bar);          /* every block made */
	for (int i = 0; i < XB + XL; i++) {
		struct xblock *x = &xf.b[next][i];

		if (!x->p || !intact(x->p, x->n, x->tag))
			xf.bad[id]++;
		free(x->p);
	}
	return NULL;
}

static int case_cross_free(void)
{
	struct mallinfo2 a, b;
	pthread_t t[XT];
	unsigned long bad = 0;

	malloc_trim(0);
	a = mallinfo2();
	pthread_barrier_init(&xf.bar, NULL, XT);
	for (size_t i = 0; i < XT; i++)
		pthread_create(&t[i], NULL, cross_thread, (void *)i);
	for (int i = 0; i < XT; i++)
		pthread_join(t[i], NULL);
	malloc_trim(0);
	b = mallinfo2();
	for (int i = 0; i < XT; i++)
		bad += xf.bad[i];
	CHECK(bad == 0, "%lu blocks arrived corrupted or missing", bad);
	CHECK(b.uordblks <= a.uordblks + 4096, "in use %zu then %zu", a.uordblks,
	      b.uordblks);
	CHECK(b.smblks == 0, "%zu blocks still cached", b.smblks);
	CHECK(b.hblks == a.hblks, "mappings %zu then %zu", a.hblks, b.hblks);
	printf("%d threads freed %d blocks each of the next one's, %lu bad; in use %zu -> %zu bytes\n",
	       XT, XB + XL, bad, a.uordblks, b.uordblks);
	return failed;
}

/* ------------------------------------------------------------- reuse -- */

/* Both threads of a round hold their arenas at once: without the
 * barrier, a loaded machine may run one thread to its exit before the
 * other starts, the second then takes the arena the first left, and a
 * round that overlaps later makes a second arena (188 KiB more heap)
 * after `early` was read: the case failed 38 times in 180 runs, three at
 * once, with nothing wrong in the library. */
static pthread_barrier_t reuse_both;

static void *short_lived(void *arg)
{
	void *p[1000];

	(void)arg;
	for (int i = 0; i < 1000; i++)
		p[i] = hide(malloc(64 + (size_t)i * 7 % 2000));
	pthread_barrier_wait(&reuse_both);
	for (int i = 0; i < 1000; i++)
		free(p[i]);
	return NULL;
}

static int case_reuse(void)
{
	size_t early = 0, late;
	pthread_t t[2];

	pthread_barrier_init(&reuse_both, NULL, 2);
	for (int round = 0; round < 60; round++) {
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, short_lived, NULL);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		if (round == 1)
			early = mallinfo2().arena;
	}
	late = mallinfo2().arena;
	CHECK(late <= early + 64 * 1024,
	      "the heaps grew from %zu to %zu bytes: exited threads' arenas not reused",
	      early, late);
	printf("120 threads, two at a time: heaps %zu bytes after 4, %zu after 120\n",
	       early, late);
	return failed;
}

/* -------------------------------------------------------------- fork -- */

#define FT 3            /* busy threads */
#define FP 64           /* blocks each leaves for the children to free */

static volatile int fork_stop;
static void *pinned[FT][FP];
static pthread_barrier_t fork_bar;

static void *fork_busy(void *arg)
{
	size_t id = (size_t)arg;
	uint64_t s = 0xfeedull + id;
	void *p[32];

	for (int i = 0; i < FP; i++)
		pinned[id][i] = malloc(16 + (size_t)i * 40);
	pthread_barrier_wait(&fork_bar);
	while (!fork_stop) {
		for (int i = 0; i < 32; i++)
			p[i] = hide(malloc(16 + rng(&s) % 3000));
		for (int i = 0; i < 32; i++)
			free(p[i]);
	}
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		free(hide(malloc(16 + (size_t)i % 2000)));
	return NULL;
}

/* In the child: free blocks of every arena, allocate, start a thread. */
static int child_work(void)
{
	pthread_t t;

	alarm(20);      /* a lock left held: killed, counted as failed */
	for (int i = 0; i < FT; i++)
		for (int j = 0; j < FP; j++)
			free(pinned[i][j]);
	for (int i = 0; i < 1000; i++)
		free(hide(malloc(16 + (size_t)i % 5000)));
	if (pthread_create(&t, NULL, child_thread, NULL) != 0)
		return 3;
	pthread_join(t, NULL);
	return 0;
}

static int case_fork(void)
{
	pthread_t t[FT];
	int forks = 30, ok;

	pthread_barrier_init(&fork_bar, NULL, FT + 1);
	for (size_t i = 0; i < FT; i++)
		pthread_create(&t[i], NULL, fork_busy, (void *)i);
	pthread_barrier_wait(&fork_bar);
	ok = prog_forks(forks, 2000, child_work);
	fork_stop = 1;
	for (int i = 0; i < FT; i++)
		pthread_join(t[i], NULL);
	printf("%d of %d children freed every arena's blocks and allocated\n", ok,
	       forks);
	return failed;
}

/* -------------------------------------------------------------- info -- */

static pthread_barrier_t info_bar;

static void *info_thread(void *arg)
{
	void *p[40];

	(void)arg;
	for (int i = 0; i < 40; i++)
		p[i] = hide(malloc(24 + (size_t)i * 50));
	for (int i = 0; i < 20; i++)
		free(p[i]);                     /* some cached */
	pthread_barrier_wait(&info_bar);        /* held while main looks */
	pthread_barrier_wait(&info_bar);
	for (int i = 20; i < 40; i++)
		free(p[i]);
	return NULL;
}

/* The value of attribute `attr` in the first element starting `tag`. */
static size_t xml_value(const char *doc, const char *tag, const char *attr)
{
	const char *e = strstr(doc, tag), *v;

	if (!e || !(v = strstr(e, attr)))
		return (size_t)-1;
	return strtoul(v + strlen(attr) + 2, NULL, 10);
}

static int case_info(void)
{
	pthread_t t[2];
	struct mallinfo2 mi;
	static char doc[8192];
	const char *tot;
	char *big;
	size_t heaps = 0;
	FILE *fp;

	big = hide(malloc(1 << 20));            /* a mapping */
	pthread_barrier_init(&info_bar, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, info_thread, NULL);
	pthread_barrier_wait(&info_bar);
	/* Into a buffer of ours, unbuffered: writing it allocates nothing, so
	 * the counts stay what mallinfo2 reads next. */
	fp = fmemopen(doc, sizeof(doc), "w");
	if (fp)
		setvbuf(fp, NULL, _IONBF, 0);
	CHECK(fp && malloc_info(0, fp) == 0, "malloc_info(0) failed");
	mi = mallinfo2();
	if (fp)
		fclose(fp);
	errno = 0;
	CHECK(malloc_info(1, stdout) == -1 && errno == EINVAL,
	      "malloc_info(1) did not fail with EINVAL");
	for (const char *q = doc; (q = strstr(q, "<heap nr=")); q++)
		heaps++;
	CHECK(heaps == 3, "%zu <heap> elements, not 3", heaps);
	/* The totals follow the last heap. */
	tot = strstr(doc, "</heap>\n<total");
	CHECK(tot && xml_value(tot, "<total type=\"fast\"", "count") == mi.smblks,
	      "cached blocks disagree with mallinfo2's %zu", mi.smblks);
	CHECK(tot && xml_value(tot, "<total type=\"rest\"", "count") == mi.ordblks,
	      "free blocks disagree with mallinfo2's %zu", mi.ordblks);
	CHECK(tot && xml_value(tot, "<total type=\"mmap\"", "size") == mi.hblkhd,
	      "mapped bytes disagree with mallinfo2's %zu", mi.hblkhd);
	malloc_stats();
	pthread_barrier_wait(&info_bar);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	free(big);
	printf("malloc_info: %zu heaps, %zu cached blocks, %zu mapped bytes\n",
	       heaps, mi.smblks, mi.hblkhd);
	return failed;
}

/* ------------------------------------------------------- double frees -- */

static void *made;
static pthread_barrier_t made_bar;

/* Make a block; with arg, free it into this thread's cache, and stay
 * alive (the cache with it) while the main thread frees it again. */
static void *make_block(void *arg)
{
	made = malloc(200);
	if (arg)
		free(made);
	pthread_barrier_wait(&made_bar);
	if (arg)
		pthread_barrier_wait(&made_bar);        /* never passed */
	return NULL;
}

static int double_free(int cached)
{
	pthread_t t;

	pthread_barrier_init(&made_bar, NULL, 2);
	pthread_create(&t, NULL, make_block, cached ? &t : NULL);
	pthread_barrier_wait(&made_bar);
	if (!cached) {
		pthread_join(t, NULL);
		free(made);
	}
	printf("freeing %p again\n", made);
	fflush(stdout);
	free(made);             /* must not return */
	printf("the second free returned\n");
	return 1;
}

static int case_double_free_remote(void)
{
	return double_free(0);
}

static int case_double_free_cached(void)
{
	return double_free(1);
}

/* ------------------------------------------------------ remote frees -- */

#define RN 100          /* blocks a thread makes for the main thread */
#define RS 200          /* their size: one list's (208-byte blocks) */

static struct {
	pthread_barrier_t bar;
	void *p[RN];
	unsigned again;         /* of the thread's second RN, how many reused */
	int mode;               /* 0: idle until told; 1: allocate again; 2: exit */
} rf;

/* Make RN blocks; wait while the main thread frees them; then, as told,
 * allocate RN again (counting the ones that came back), or stay idle
 * until the main thread is done, or exit at once. */
static void *remote_owner(void *arg)
{
	void *q[RN];

	(void)arg;
	for (int i = 0; i < RN; i++)
		rf.p[i] = malloc(RS);
	pthread_barrier_wait(&rf.bar);          /* made */
	pthread_barrier_wait(&rf.bar);          /* freed by main */
	if (rf.mode == 1) {
		for (int i = 0; i < RN; i++) {
			q[i] = hide(malloc(RS));
			for (int j = 0; j < RN; j++)
				rf.again += q[i] == rf.p[j];
		}
		pthread_barrier_wait(&rf.bar);  /* allocated again */
		pthread_barrier_wait(&rf.bar);  /* main has looked */
		for (int i = 0; i < RN; i++)
			free(q[i]);
	} else if (rf.mode == 0) {
		pthread_barrier_wait(&rf.bar);  /* main is done */
	}
	return NULL;
}

/* Start the owner (mode), let it make its blocks, free them here; *a:
 * mallinfo2 before the frees, *b after. */
static pthread_t remote_start(int mode, struct mallinfo2 *a, struct mallinfo2 *b)
{
	pthread_t t;

	rf.mode = mode;
	rf.again = 0;
	pthread_barrier_init(&rf.bar, NULL, 2);
	pthread_create(&t, NULL, remote_owner, NULL);
	pthread_barrier_wait(&rf.bar);
	*a = mallinfo2();
	for (int i = 0; i < RN; i++)
		free(rf.p[i]);
	*b = mallinfo2();
	return t;
}

/* The frees took RN blocks of RS bytes from in use to cached. */
static void remote_counted(const struct mallinfo2 *a, const struct mallinfo2 *b)
{
	CHECK(b->smblks >= a->smblks + RN, "cached blocks %zu -> %zu after %d remote frees",
	      a->smblks, b->smblks, RN);
	CHECK(b->fsmblks >= a->fsmblks + RN * RS, "cached bytes %zu -> %zu",
	      a->fsmblks, b->fsmblks);
	CHECK(b->uordblks + (b->fsmblks - a->fsmblks) == a->uordblks,
	      "in use %zu -> %zu while cached grew by %zu", a->uordblks,
	      b->uordblks, b->fsmblks - a->fsmblks);
}

static int case_remote_stats(void)
{
	struct mallinfo2 a, b, c;
	pthread_t t = remote_start(1, &a, &b);

	remote_counted(&a, &b);
	pthread_barrier_wait(&rf.bar);          /* freed: allocate again */
	pthread_barrier_wait(&rf.bar);
	c = mallinfo2();
	CHECK(c.fsmblks + RN * RS <= b.fsmblks + RS * 48,
	      "cached bytes %zu after the frees, %zu after the owner took them back",
	      b.fsmblks, c.fsmblks);
	CHECK(rf.again >= RN / 2, "the owner got %u of its %d freed blocks back",
	      rf.again, RN);
	pthread_barrier_wait(&rf.bar);
	pthread_join(t, NULL);
	printf("%d remote frees: cached %zu -> %zu bytes, %zu after the owner's mallocs (%u reused)\n",
	       RN, a.fsmblks, b.fsmblks, c.fsmblks, rf.again);
	return failed;
}

static int case_remote_trim(void)
{
	struct mallinfo2 a, b, c;
	pthread_t t = remote_start(0, &a, &b);

	remote_counted(&a, &b);
	pthread_barrier_wait(&rf.bar);          /* freed */
	malloc_trim(0);
	c = mallinfo2();
	CHECK(c.fsmblks + RN * RS <= b.fsmblks, "cached bytes %zu before malloc_trim, %zu after",
	      b.fsmblks, c.fsmblks);
	pthread_barrier_wait(&rf.bar);
	pthread_join(t, NULL);
	printf("%d remote frees, owner idle: cached %zu -> %zu bytes, %zu after malloc_trim(0)\n",
	       RN, a.fsmblks, b.fsmblks, c.fsmblks);
	return failed;
}

static int case_remote_exit(void)
{
	struct mallinfo2 a, b, c;
	pthread_t t = remote_start(2, &a, &b);

	remote_counted(&a, &b);
	pthread_barrier_wait(&rf.bar);          /* freed: the owner exits */
	pthread_join(t, NULL);
	c = mallinfo2();
	CHECK(c.fsmblks + RN * RS <= b.fsmblks, "cached bytes %zu before the owner's exit, %zu after",
	      b.fsmblks, c.fsmblks);
	printf("%d remote frees: cached %zu -> %zu bytes, %zu after the owner exited\n",
	       RN, a.fsmblks, b.fsmblks, c.fsmblks);
	return failed;
}

#define BB 4000         /* remote_bound's blocks */

static void *bound_blocks[BB];

static void *bound_owner(void *arg)
{
	(void)arg;
	for (int i = 0; i < BB; i++)
		bound_blocks[i] = malloc(RS);
	pthread_barrier_wait(&rf.bar);          /* made */
	pthread_barrier_wait(&rf.bar);          /* main is done */
	return NULL;
}

static int case_remote_bound(void)
{
	struct mallinfo2 a, b;
	pthread_t t;

	pthread_barrier_init(&rf.bar, NULL, 2);
	pthread_create(&t, NULL, bound_owner, NULL);
	pthread_barrier_wait(&rf.bar);
	a = mallinfo2();
	for (int i = 0; i < BB; i++)
		free(bound_blocks[i]);
	b = mallinfo2();
	CHECK(b.fsmblks <= a.fsmblks + OSMEM_CACHE_REMOTE_BYTES + RS,
	      "cached bytes %zu -> %zu after %d remote frees (bound %zu)", a.fsmblks,
	      b.fsmblks, BB, OSMEM_CACHE_REMOTE_BYTES);
	CHECK(b.fsmblks > a.fsmblks, "cached bytes %zu -> %zu: nothing on the stack",
	      a.fsmblks, b.fsmblks);
	pthread_barrier_wait(&rf.bar);
	pthread_join(t, NULL);
	printf("%d remote frees to an idle owner: cached %zu -> %zu bytes (bound %zu)\n",
	       BB, a.fsmblks, b.fsmblks, OSMEM_CACHE_REMOTE_BYTES);
	return failed;
}

/* fork_remote: two threads pass blocks to each other through slots. */
#define FS 256

static void *fr_slot[2][FS];
static volatile int fr_stop;

static void *fr_thread(void *arg)
{
	size_t id = (size_t)arg;
	uint64_t s = 0xabcull + id;

	while (!fr_stop) {
		for (int i = 0; i < FS; i++) {
			/* Take the other's block (free it here), leave ours. */
			void *q = __atomic_exchange_n(&fr_slot[!id][i], NULL,
						      __ATOMIC_ACQ_REL);
			void *p = malloc(16 + rng(&s) % 1000);

			free(q);
			p = __atomic_exchange_n(&fr_slot[id][i], p, __ATOMIC_ACQ_REL);
			free(p);
		}
	}
	return NULL;
}

static size_t fr_cached_before;

static int fr_child(void)
{
	struct mallinfo2 m;

	alarm(20);      /* a lock left held: killed, counted as failed */
	for (int id = 0; id < 2; id++)
		for (int i = 0; i < FS; i++)
			free(__atomic_exchange_n(&fr_slot[id][i], NULL, __ATOMIC_ACQ_REL));
	malloc_trim(0);
	m = mallinfo2();
	/* What stays cached: the two lost threads' caches (orphans), each at
	 * most its lists' and stash's limits, and pushes lost in flight. */
	if (m.fsmblks > 2 * (OSMEM_CACHE_BYTES_MAX + OSMEM_CACHE_GROW_BYTES +
			     OSMEM_CACHE_STASH_BYTES) + 4096) {
		printf("child: %zu bytes cached after malloc_trim(0)\n", m.fsmblks);
		return 4;
	}
	return child_work();
}

static int case_fork_remote(void)
{
	pthread_t t[2];
	int forks = 30, ok;

	for (size_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, fr_thread, (void *)i);
	usleep(20000);
	fr_cached_before = mallinfo2().fsmblks;
	ok = prog_forks(forks, 2000, fr_child);
	fr_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%d of %d children freed, trimmed and allocated amid remote frees\n",
	       ok, forks);
	return failed;
}

static int case_double_free_stack(void)
{
	struct mallinfo2 a, b;
	void *p;

	remote_start(0, &a, &b);        /* the owner stays alive, idle */
	p = rf.p[RN / 2];
	printf("freeing %p again\n", p);
	fflush(stdout);
	free(p);                /* must not return */
	printf("the second free returned\n");
	return 1;
}

int main(int argc, char **argv)
{
	static const struct prog_case cases[] = {
		{ "regions", case_regions },
		{ "cross_free", case_cross_free },
		{ "reuse", case_reuse },
		{ "fork", case_fork },
		{ "info", case_info },
		{ "double_free_remote", case_double_free_remote },
		{ "double_free_cached", case_double_free_cached },
		{ "double_free_stack", case_double_free_stack },
		{ "remote_stats", case_remote_stats },
		{ "remote_trim", case_remote_trim },
		{ "remote_exit", case_remote_exit },
		{ "remote_bound", case_remote_bound },
		{ "fork_remote", case_fork_remote },
	};

	return prog_run(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
