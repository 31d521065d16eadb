/* SPDX-License-Identifier: MIT */
/*
 * build/host/preload-threads: the malloc family from 4 threads at once, with
 * every block's contents checked, blocks handed between threads, and forks
 * made while the other threads allocate. Run plainly and under LD_PRELOAD
 * of build/host/libosmem-preload.so by tests/preload/check.sh, which
 * compares the two outputs.
 *
 *   preload-threads [ROUNDS]        (default 200000 calls per thread)
 *
 * Each thread draws its calls from its own seeded generator: malloc,
 * calloc (checked zero), realloc (kept bytes checked), posix_memalign and
 * aligned_alloc (alignment checked), malloc_usable_size (>= the size), and
 * free, over 256 slots of its own; sizes from 1 byte to 256 KiB, so both
 * heap blocks and page mappings are used. Every block holds a pattern made
 * from its tag (thread, serial) and is checked before it is freed or
 * reallocated. One call in 16 hands a block to the shared exchange instead
 * of freeing it; a thread that finds one there checks it, reallocates it
 * and frees it, so blocks are freed and resized by other threads than the
 * one that made them. Meanwhile the main thread forks FORKS times; each
 * child allocates, checks and frees on its own (while the parent's other
 * threads may have held the allocator's lock at the fork) and exits.
 *
 * Output (the same for any correct allocator, whatever the timing): the
 * per-thread call counts, which depend only on the seeds, and "errors 0".
 * Exit status 1 on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS  4
#define SLOTS    256
#define XCHG     64
#define FORKS    16

struct blk {
	unsigned char *p;
	size_t size;
	uint32_t tag;
};

struct worker {
	pthread_t tid;
	int id;
	uint64_t rng;			/* the thread's own calls */
	uint64_t arng;			/* adopt(): timing decides how often */
	struct blk slot[SLOTS];
	unsigned long calls[8];		/* per kind, see kind_names */
	int solo;			/* a forked child: no exchange */
};

static const char *const kind_names[8] = {
	"malloc", "calloc", "realloc", "memalign", "aligned", "free",
	"handoff", "usable",
};

static struct {
	pthread_mutex_t lock;
	struct blk b[XCHG];
	int n;
} xchg = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned long errors;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long rounds = 200000;

static void fail(const char *what, uint32_t tag, size_t size, size_t off)
{
	pthread_mutex_lock(&err_lock);
	if (errors++ < 10)
		fprintf(stderr, "threads: %s (tag %08x, size %zu, offset %zu)\n",
			what, tag, size, off);
	pthread_mutex_unlock(&err_lock);
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static unsigned char pat(uint32_t tag, size_t i)
{
	return (unsigned char)(tag * 31u + i * 7u + (i >> 8));
}

static void fill(struct blk *b, size_t from)
{
	for (size_t i = from; i < b->size; i++)
		b->p[i] = pat(b->tag, i);
}

static void verify(const struct blk *b, size_t upto, const char *when)
{
	for (size_t i = 0; i < upto; i++)
		if (b->p[i] != pat(b->tag, i)) {
			fail(when, b->tag, b->size, i);
			return;
		}
}

/* Mostly small, some mid, a few large enough to be page mappings. */
static size_t pick_size(uint64_t *rng)
{
	uint64_t r = next(rng);

	switch (r % 32) {
	case 0:
		return 128 * 1024 + (r >> 8) % (128 * 1024);
	case 1: case 2: case 3:
		return 1024 + (r >> 8) % 16384;
	default:
		return 1 + (r >> 8) % 512;
	}
}

static void place(struct worker *w, struct blk *b, unsigned char *p,
		  size_t size, size_t align, int zero)
{
	if (!p) {
		fail("allocation returned NULL", 0, size, 0);
		b->p = NULL;
		return;
	}
	if ((uintptr_t)p % align)
		fail("misaligned block", 0, size, (uintptr_t)p % align);
	if (malloc_usable_size(p) < size)
		fail("usable size below the size", 0, size, malloc_usable_size(p));
	if (zero)
		for (size_t i = 0; i < size; i++)
			if (p[i]) {
				fail("calloc memory not zero", 0, size, i);
				break;
			}
	b->p = p;
	b->size = size;
	b->tag = (uint32_t)(w->id << 28) ^ (uint32_t)next(&w->rng);
	fill(b, 0);
}

static void release(struct blk *b)
{
	verify(b, b->size, "corrupt before free");
	free(b->p);
	b->p = NULL;
}

/* Someone else's block: check it, resize it, check again, free it. */
static void adopt(struct worker *w)
{
	struct blk b;
	size_t n, keep;
	unsigned char *p;

	pthread_mutex_lock(&xchg.lock);
	if (!xchg.n) {
		pthread_mutex_unlock(&xchg.lock);
		return;
	}
	b = xchg.b[--xchg.n];
	pthread_mutex_unlock(&xchg.lock);
	verify(&b, b.size, "corrupt after handoff");
	n = pick_size(&w->arng);
	p = realloc(b.p, n);
	if (!p) {
		fail("realloc of an adopted block returned NULL", b.tag, n, 0);
		free(b.p);
		return;
	}
	keep = n < b.size ? n : b.size;
	b.p = p;
	verify(&b, keep, "adopted realloc lost bytes");
	free(p);
}

static void handoff(struct blk *b)
{
	pthread_mutex_lock(&xchg.lock);
	if (xchg.n < XCHG) {
		xchg.b[xchg.n++] = *b;
		b->p = NULL;
	}
	pthread_mutex_unlock(&xchg.lock);
	if (b->p)
		release(b);
}

static void do_realloc(struct worker *w, struct blk *b)
{
	size_t n = pick_size(&w->rng), keep = n < b->size ? n : b->size;
	unsigned char *p;

	verify(b, b->size, "corrupt before realloc");
	p = realloc(b->p, n);
	if (!p) {
		fail("realloc returned NULL", b->tag, n, 0);
		return;
	}
	b->p = p;
	verify(b, keep, "realloc lost bytes");
	b->size = n;
	fill(b, keep);
}

static void step(struct worker *w)
{
	uint64_t r = next(&w->rng);
	struct blk *b = &w->slot[r % SLOTS];
	unsigned kind = (unsigned)(r >> 16) % 16;
	size_t align = (size_t)16 << ((r >> 24) % 9);	/* 16 .. 4096 */
	void *p;

	if (b->p) {
		if (kind < 5) {
			w->calls[2]++;
			do_realloc(w, b);
		} else if (kind == 5 && !w->solo) {
			w->calls[6]++;
			handoff(b);
		} else if (kind == 6) {
			w->calls[7]++;
			if (malloc_usable_size(b->p) < b->size)
				fail("usable size shrank", b->tag, b->size, 0);
		} else {
			w->calls[5]++;
			release(b);
		}
		return;
	}
	size_t n = pick_size(&w->rng);

	switch (kind % 4) {
	case 0:
		w->calls[0]++;
		place(w, b, malloc(n), n, 16, 0);
		break;
	case 1:
		w->calls[1]++;
		place(w, b, calloc(1 + n / 16, 16), (1 + n / 16) * 16, 16, 1);
		break;
	case 2:
		w->calls[3]++;
		if (posix_memalign(&p, align, n) != 0)
			p = NULL;
		place(w, b, p, n, align, 0);
		break;
	default:
		w->calls[4]++;
		place(w, b, aligned_alloc(align, n), n, align, 0);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned long i = 0; i < rounds; i++) {
		step(w);
		if (i % 8 == 0)
			adopt(w);
	}
	for (int i = 0; i < SLOTS; i++)
		if (w->slot[i].p)
			release(&w->slot[i]);
	return NULL;
}

/* In a child forked while the workers run: the allocator must work. */
static int child_work(void)
{
	struct worker w = { .id = 15, .rng = 0x1234567, .solo = 1 };

	/* Only the forking thread lives on in the child: a lock another thread
	 * held at the fork stays held for ever. So the child never takes the
	 * exchange's lock (solo), and starts the error lock afresh. The
	 * allocator's own lock is the one under test: its fork handling must
	 * make malloc work here. */
	pthread_mutex_init(&err_lock, NULL);

	for (int i = 0; i < 2000; i++)
		step(&w);
	for (int i = 0; i < SLOTS; i++)
		if (w.slot[i].p)
			release(&w.slot[i]);
	return errors ? 1 : 0;
}

static void forks(void)
{
	for (int i = 0; i < FORKS; i++) {
		int status;
		pid_t pid;

		usleep(2000);
		pid = fork();
		if (pid < 0) {
			fail("fork failed", 0, 0, (size_t)errno);
			continue;
		}
		if (pid == 0)
			_exit(child_work());
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			fail("forked child failed", 0, 0, (size_t)status);
	}
}

int main(int argc, char **argv)
{
	static struct worker w[THREADS];

	if (argc > 1)
		rounds = strtoul(argv[1], NULL, 10);
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		w[i].arng = w[i].rng ^ 0xabcdef;
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "threads: pthread_create failed\n");
			return 1;
		}
	}
	forks();
	for (int i = 0; i < THREADS; i++)
		pthread_join(w[i].tid, NULL);
	while (xchg.n) {
		struct blk b = xchg.b[--xchg.n];

		release(&b);
	}

	for (int i = 0; i < THREADS; i++) {
		printf("thread %d:", i);
		for (int k = 0; k < 8; k++)
			printf(" %s %lu", kind_names[k], w[i].calls[k]);
		printf("\n");
	}
	printf("forks %d, errors %lu\n", FORKS, errors);
	return errors ? 1 : 0;
}
