/* SPDX-License-Identifier: MIT */
/*
 * preload-cache: the drop-in library's per-thread caches
 * (mm/osmem/preload_cache_posix.c) seen from a program, for
 * tests/preload/cache.sh.
 *
 *   preload-cache CASE
 *
 * Cases (each prints what it measured, "ok" and exits 0, or names what
 * failed and exits 1):
 *   mallinfo      blocks freed into the cache are counted as cached by
 *                 mallinfo2 (smblks, fsmblks, inside fordblks), not in
 *                 uordblks; malloc_trim(0) gives them back.
 *   thread_exit   400 short-lived threads each fill their cache and exit:
 *                 afterwards nothing is cached (their caches went back to
 *                 the heap at exit) and the heap did not grow with them.
 *   trim          the cache holds the top block of a 5 MB heap, all else
 *                 free: the break stays up until malloc_trim(0) flushes
 *                 the cache, which lets the heap trim (returns 1).
 *   cross_thread  a producer's blocks, contents checked, freed by a
 *                 consumer; then one block handed over: with
 *                 CROSS_EXPECT=owner (the library: the consumer runs on
 *                 another arena) it goes back to its own arena, not to
 *                 the consumer's cache: neither thread's next malloc of
 *                 its size gets it, and the consumer's block is not in the
 *                 producer's heap; with CROSS_EXPECT=freeing (glibc's
 *                 tcache) it goes to the freeing thread's cache: the
 *                 consumer gets it back, the producer does not.
 *   stash         a freed 4000-byte block waits in the thread's stash
 *                 (counted as cached by mallinfo2) and the next malloc of
 *                 its size gets it back; malloc_trim(0) empties the stash.
 *   stash_large   the same for a 1 MiB heap block (mmap threshold set
 *                 to 4 MiB), in the main thread and in another.
 *   trim_others   a thread fills its cache and waits; main calls
 *                 malloc_trim(0): the thread's blocks stay cached (its
 *                 cache is its own) until its next call (a large malloc
 *                 and free), after which nothing is cached in the process.
 *   fork          forks while three threads allocate and free; each child
 *                 allocates and frees, starts threads that do the same and
 *                 exit, and its caches' counts stay right (the lost
 *                 threads' blocks: counted, constant).
 *
 * cross_thread runs under glibc too (tcache); the others use mallinfo2's
 * cached counts, which only the library gives.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/preload/prog.h"

/* Many blocks of every small size, allocated then freed: fills a cache. */
static void churn_all_sizes(int per_size)
{
	static __thread void *p[64];

	for (size_t n = 8; n <= 1000; n += 16) {
		for (int i = 0; i < per_size; i++) {
			p[i] = malloc(n);
			if (p[i])
				fill(p[i], n, (uint32_t)n);
		}
		for (int i = 0; i < per_size; i++) {
			if (p[i] && !intact(p[i], n, (uint32_t)n))
				failed = 1;
			free(p[i]);
		}
	}
}

/* ---------------------------------------------------------- mallinfo -- */

static int case_mallinfo(void)
{
	struct mallinfo2 a, b, c;
	void *p[10];

	malloc_trim(0);
	a = mallinfo2();
	for (int i = 0; i < 10; i++)
		p[i] = hide(malloc(40));
	for (int i = 0; i < 10; i++)
		free(p[i]);
	b = mallinfo2();
	CHECK(b.smblks >= a.smblks + 10, "cached blocks %zu then %zu", a.smblks,
	      b.smblks);
	CHECK(b.fsmblks == b.smblks * 40, "cached bytes %zu for %zu blocks",
	      b.fsmblks, b.smblks);
	CHECK(b.fordblks >= b.fsmblks, "free %zu, cached %zu", b.fordblks,
	      b.fsmblks);
	CHECK(b.uordblks == a.uordblks, "in use %zu then %zu", a.uordblks,
	      b.uordblks);
	malloc_trim(0);
	c = mallinfo2();
	CHECK(c.smblks == 0 && c.fsmblks == 0, "after malloc_trim: %zu cached",
	      c.smblks);
	CHECK(c.uordblks == a.uordblks, "in use %zu then %zu", a.uordblks,
	      c.uordblks);
	printf("cached %zu blocks (%zu bytes), after malloc_trim %zu\n",
	       b.smblks, b.fsmblks, c.smblks);
	return failed;
}

/* ------------------------------------------------------- thread_exit -- */

static void *fill_and_exit(void *arg)
{
	(void)arg;
	churn_all_sizes(40);
	return NULL;
}

static int case_thread_exit(void)
{
	struct mallinfo2 a, b;
	pthread_t t;

	/* Warm up: the thread machinery's own allocations settle. */
	for (int i = 0; i < 10; i++) {
		pthread_create(&t, NULL, fill_and_exit, NULL);
		pthread_join(t, NULL);
	}
	malloc_trim(0);
	a = mallinfo2();
	for (int i = 0; i < 400; i++) {
		if (pthread_create(&t, NULL, fill_and_exit, NULL) != 0) {
			CHECK(0, "pthread_create failed");
			break;
		}
		pthread_join(t, NULL);
	}
	malloc_trim(0);
	b = mallinfo2();
	CHECK(b.smblks == 0, "%zu blocks still cached after every thread exited",
	      b.smblks);
	CHECK(b.uordblks <= a.uordblks + 4096, "in use %zu then %zu", a.uordblks,
	      b.uordblks);
	CHECK(b.arena <= a.arena + 1024 * 1024, "heap %zu then %zu bytes", a.arena,
	      b.arena);
	printf("400 threads: heap %zu -> %zu bytes, cached %zu -> %zu blocks\n",
	       a.arena, b.arena, a.smblks, b.smblks);
	return failed;
}

/* -------------------------------------------------------------- trim -- */

static int case_trim(void)
{
	enum { N = 10000 };
	static void *p[N];
	char *before, *pinned, *after;
	int rc;

	malloc_trim(0);
	before = sbrk(0);
	for (int i = 0; i < N; i++)
		p[i] = malloc(500);
	/* In address order: the cache keeps the last, at the top. */
	for (int i = 0; i < N; i++)
		free(p[i]);
	pinned = sbrk(0);
	rc = malloc_trim(0);
	after = sbrk(0);
	CHECK(pinned - before > 4 * 1024 * 1024, "the heap grew by %td only",
	      pinned - before);
	CHECK(rc == 1, "malloc_trim returned %d", rc);
	CHECK(pinned - after > 4 * 1024 * 1024,
	      "malloc_trim gave back %td bytes", pinned - after);
	printf("break: +%td after the frees, -%td after malloc_trim(0) (returned %d)\n",
	       pinned - before, pinned - after, rc);
	return failed;
}

/* ------------------------------------------------------ trim_others -- */

/* The other thread of trim_others: fills its cache, says so, waits; on
 * the word, makes one call (a large malloc and its free: neither puts a
 * block in the cache), says so, waits to be let go. */
static int trim_filled[2], trim_go[2], trim_done[2], trim_end[2];

static void trim_say(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(2);
}

static void trim_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(2);
}

static void *trim_thread(void *arg)
{
	(void)arg;
	churn_all_sizes(40);
	trim_say(trim_filled[1]);
	trim_wait(trim_go[0]);
	free(hide(malloc(200000)));
	trim_say(trim_done[1]);
	trim_wait(trim_end[0]);
	return NULL;
}

static int case_trim_others(void)
{
	struct mallinfo2 a, b, c;
	pthread_t t;
	int rc;

	if (pipe(trim_filled) || pipe(trim_go) || pipe(trim_done) ||
	    pipe(trim_end) || pthread_create(&t, NULL, trim_thread, NULL)) {
		CHECK(0, "pipe or pthread_create failed");
		return failed;
	}
	trim_wait(trim_filled[0]);
	/* From here main allocates nothing until c is read. */
	a = mallinfo2();
	rc = malloc_trim(0);
	b = mallinfo2();
	trim_say(trim_go[1]);
	trim_wait(trim_done[0]);
	c = mallinfo2();
	trim_say(trim_end[1]);
	pthread_join(t, NULL);
	CHECK(a.smblks > 100, "the thread cached %zu blocks only", a.smblks);
	/* The thread's cache is its own: it empties it at its next call. */
	CHECK(b.smblks > 100, "after malloc_trim, before the thread's next call: "
	      "%zu blocks cached", b.smblks);
	CHECK(c.smblks == 0 && c.fsmblks == 0,
	      "after the thread's next call: %zu blocks (%zu bytes) cached",
	      c.smblks, c.fsmblks);
	CHECK(c.uordblks <= a.uordblks, "in use %zu then %zu", a.uordblks,
	      c.uordblks);
	printf("cached: %zu blocks, after malloc_trim (returned %d) %zu, after "
	       "the thread's next call %zu\n", a.smblks, rc, b.smblks, c.smblks);
	return failed;
}

/* ------------------------------------------------------------- stash -- */

static int case_stash(void)
{
	struct mallinfo2 a, b, c;
	void *p, *q;

	malloc_trim(0);
	a = mallinfo2();
	p = hide(malloc(4000));
	free(hide(p));
	b = mallinfo2();
	CHECK(b.smblks == a.smblks + 1, "cached blocks %zu then %zu", a.smblks,
	      b.smblks);
	CHECK(b.fsmblks == a.fsmblks + 4008, "cached bytes %zu then %zu",
	      a.fsmblks, b.fsmblks);
	q = hide(malloc(4000));
	CHECK((uintptr_t)q == (uintptr_t)p, "malloc(4000) after free gave another block");
	CHECK(mallinfo2().smblks == a.smblks, "still cached after the malloc");
	free(q);
	malloc_trim(0);
	c = mallinfo2();
	CHECK(c.smblks == 0, "after malloc_trim: %zu cached", c.smblks);
	printf("stash: %zu cached after the free, %zu after malloc_trim; the block came back\n",
	       b.smblks - a.smblks, c.smblks);
	return failed;
}

/* --------------------------------------------------------- stash_large -- */

/* One thread's 1 MiB heap block (below the mmap threshold): freed, it
 * waits in the stash, counted as cached (mallinfo2's smblks, fsmblks);
 * the next malloc of 1 MiB gets it back; malloc_trim(0) empties the
 * stash. */
static void *stash_large_body(void *arg)
{
	const size_t mib = (size_t)1 << 20;
	struct mallinfo2 a, b, c;
	unsigned char *p, *q;

	(void)arg;
	malloc_trim(0);
	a = mallinfo2();
	p = hide(malloc(mib));
	CHECK(p != NULL, "malloc(1 MiB) failed");
	if (!p)
		return NULL;
	p[0] = p[mib - 1] = 7;
	free(hide(p));
	b = mallinfo2();
	CHECK(b.smblks == a.smblks + 1, "cached blocks %zu then %zu", a.smblks,
	      b.smblks);
	CHECK(b.fsmblks >= a.fsmblks + mib, "cached bytes %zu then %zu",
	      a.fsmblks, b.fsmblks);
	CHECK(b.hblks == a.hblks, "mappings %zu then %zu", a.hblks, b.hblks);
	q = hide(malloc(mib));
	CHECK((uintptr_t)q == (uintptr_t)p, "malloc(1 MiB) after free gave another block");
	CHECK(mallinfo2().smblks == a.smblks, "still cached after the malloc");
	free(q);
	CHECK(mallinfo2().smblks == a.smblks + 1, "not cached after the second free");
	malloc_trim(0);
	/* Other threads' caches (main's, while it waits) answer the trim at
	 * their next call: the count goes back to a's, taken after a trim. */
	c = mallinfo2();
	CHECK(c.smblks == a.smblks, "after malloc_trim: %zu cached, %zu before",
	      c.smblks, a.smblks);
	printf("stash_large: %zu cached after the free (%zu bytes), %zu more after malloc_trim; the block came back\n",
	       b.smblks - a.smblks, b.fsmblks - a.fsmblks, c.smblks - a.smblks);
	return NULL;
}

/* In the main thread (arena 0) and in another (an arena of its own). */
static int case_stash_large(void)
{
	pthread_t t;

	CHECK(mallopt(M_MMAP_THRESHOLD, 4 << 20) == 1, "mallopt failed");
	stash_large_body(NULL);
	CHECK(pthread_create(&t, NULL, stash_large_body, NULL) == 0,
	      "pthread_create failed");
	pthread_join(t, NULL);
	return failed;
}

/* ------------------------------------------------------ cross_thread -- */

#define RING 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct { unsigned char *p; size_t n; uint32_t tag; } slot[RING];
	unsigned head, tail;
	int done;
} ring = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *consumer(void *arg)
{
	unsigned long *bad = arg;

	for (;;) {
		unsigned char *p;
		size_t n;
		uint32_t tag;

		pthread_mutex_lock(&ring.lock);
		while (ring.head == ring.tail && !ring.done)
			pthread_cond_wait(&ring.cond, &ring.lock);
		if (ring.head == ring.tail) {
			pthread_mutex_unlock(&ring.lock);
			return NULL;
		}
		p = ring.slot[ring.tail % RING].p;
		n = ring.slot[ring.tail % RING].n;
		tag = ring.slot[ring.tail % RING].tag;
		ring.tail++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);
		if (!intact(p, n, tag))
			(*bad)++;
		free(p);
	}
}

static void produce(unsigned rounds)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < rounds; i++) {
		size_t n;
		unsigned char *p;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		n = 1 + s % 1100;
		p = malloc(n);
		fill(p, n, i);
		pthread_mutex_lock(&ring.lock);
		while (ring.head - ring.tail == RING)
			pthread_cond_wait(&ring.cond, &ring.lock);
		ring.slot[ring.head % RING].p = p;
		ring.slot[ring.head % RING].n = n;
		ring.slot[ring.head % RING].tag = i;
		ring.head++;
		pthread_cond_broadcast(&ring.cond);
		pthread_mutex_unlock(&ring.lock);
	}
	pthread_mutex_lock(&ring.lock);
	ring.done = 1;
	pthread_cond_broadcast(&ring.cond);
	pthread_mutex_unlock(&ring.lock);
}

/* One block handed over and freed by the other thread: who gets it? */
static struct {
	pthread_barrier_t bar;
	void *given, *consumer_got;
} hand;

static void *hand_consumer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&hand.bar);        /* given is set */
	free(hand.given);
	pthread_barrier_wait(&hand.bar);        /* freed */
	pthread_barrier_wait(&hand.bar);        /* the producer allocated */
	hand.consumer_got = malloc(72);
	return NULL;
}


static int case_cross_thread(void)
{
	const char *expect = getenv("CROSS_EXPECT");
	int owner = expect && strcmp(expect, "owner") == 0;
	unsigned long bad = 0;
	pthread_t t;
	void *mine;

	if (!expect || (!owner && strcmp(expect, "freeing") != 0)) {
		printf("CROSS_EXPECT must be owner or freeing\n");
		return 1;
	}
	pthread_create(&t, NULL, consumer, &bad);
	produce(200000);
	pthread_join(t, NULL);
	CHECK(bad == 0, "%lu blocks arrived corrupted", bad);

	pthread_barrier_init(&hand.bar, NULL, 2);
	pthread_create(&t, NULL, hand_consumer, NULL);
	hand.given = malloc(72);
	pthread_barrier_wait(&hand.bar);
	pthread_barrier_wait(&hand.bar);
	mine = malloc(72);
	pthread_barrier_wait(&hand.bar);
	pthread_join(t, NULL);
	CHECK(mine != hand.given, "the producer got back the block the consumer freed");
	if (owner) {
		/* The producer is the main thread: arena 0, the break's heap. */
		CHECK(hand.consumer_got != hand.given,
		      "the consumer got back the block it freed: it went to its cache");
		CHECK(in_brk_heap(hand.given) && !in_brk_heap(hand.consumer_got),
		      "the producer's block %p, the consumer's %p: not in two heaps",
		      hand.given, hand.consumer_got);
	} else {
		CHECK(hand.consumer_got == hand.given,
		      "the consumer did not get back the block it freed");
	}
	free(mine);
	free(hand.consumer_got);
	printf("200000 blocks across threads, %lu corrupted; freed block reused by %s\n",
	       bad, hand.consumer_got == hand.given ? "the freeing thread" : "another");
	return failed;
}

/* -------------------------------------------------------------- fork -- */

static volatile int busy_stop;

static void *busy(void *arg)
{
	(void)arg;
	while (!busy_stop)
		churn_all_sizes(8);
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	churn_all_sizes(40);
	return NULL;
}

/* In the child: only this thread is left, the others' caches are lost. */
static int child_work(void)
{
	struct mallinfo2 a, b;
	pthread_t t[4];

	churn_all_sizes(40);
	malloc_trim(0);
	a = mallinfo2();        /* what remains cached: the lost threads' */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t[i], NULL, child_thread, NULL) != 0)
				return 3;
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
	churn_all_sizes(40);
	malloc_trim(0);
	b = mallinfo2();
	if (b.smblks != a.smblks || b.fsmblks != a.fsmblks) {
		printf("child: cached %zu blocks (%zu bytes), then %zu (%zu)\n",
		       a.smblks, a.fsmblks, b.smblks, b.fsmblks);
		return 2;
	}
	return failed;
}

static int case_fork(void)
{
	pthread_t t[3];
	int forks = 20, ok;

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, busy, NULL);
	ok = prog_forks(forks, 3000, child_work);
	busy_stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("%d of %d children allocated, freed and counted right\n", ok,
	       forks);
	return failed;
}

int main(int argc, char **argv)
{
	static const struct prog_case cases[] = {
		{ "mallinfo", case_mallinfo },
		{ "thread_exit", case_thread_exit },
		{ "trim", case_trim },
		{ "cross_thread", case_cross_thread },
		{ "stash", case_stash },
		{ "stash_large", case_stash_large },
		{ "fork", case_fork },
		{ "trim_others", case_trim_others },
	};

	return prog_run(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
