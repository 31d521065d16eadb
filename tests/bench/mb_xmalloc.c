/*
 * build/host/mbench/xmalloc: producers allocate, consumers free, in the
 * manner of Lever and Boreham's xmalloc test: every block is freed by
 * another thread than the one that made it.
 *
 *   xmalloc [--pairs=P] [--blocks=N] [--min=A] [--max=Z] [--ring=Q]
 *                                   (1, 10M, 16, 512, 1024)
 *
 * P producer threads and P consumer threads; producer i hands its blocks
 * to consumer i through a bounded single-producer single-consumer ring of
 * Q slots (lock-free: C11 atomics, acquire/release; a thread that finds
 * its ring full or empty yields the CPU). A producer makes N blocks of
 * random sizes A..Z (seeded), tags the first and last byte with the size
 * and pushes them; its consumer checks the tags and frees them. Prints
 *
 *   xmalloc pairs=P blocks=N min=A max=Z ring=Q ns_per_op=X errors=E
 *
 * X: wall time from the start to the last consumer's end / (P * N),
 * nanoseconds per block made and freed (aggregate over all threads).
 */
#include "tests/bench/mb.h"
#include <sched.h>
#include <stdatomic.h>

struct xm_item {
	unsigned char *p;
	size_t size;
};

struct xm_ring {
	_Alignas(64) atomic_size_t head;	/* written by the consumer */
	_Alignas(64) atomic_size_t tail;	/* written by the producer */
	_Alignas(64) struct xm_item *slot;
	size_t mask;
	size_t blocks, min, max, id;
	size_t perrors, cerrors;	/* the producer's, the consumer's */
};

/* A thread's work: one side of one ring. */
struct xm_role {
	struct xm_ring *ring;
	int consumer;
};

static unsigned char xm_tagof(size_t size)
{
	return (unsigned char)(size * 7 + 1);
}

static void xm_push(struct xm_ring *r, size_t *tail, struct xm_item it)
{
	while (*tail - atomic_load_explicit(&r->head, memory_order_acquire) >
	       r->mask)
		sched_yield();
	r->slot[*tail & r->mask] = it;
	atomic_store_explicit(&r->tail, ++*tail, memory_order_release);
}

static void xm_producer(struct xm_ring *r)
{
	uint64_t rng = mb_seed(2, r->id);
	size_t tail = 0;

	for (size_t k = 0; k < r->blocks; k++) {
		size_t size = mb_range(&rng, r->min, r->max);
		unsigned char *p = malloc(size);

		if (!p) {
			r->perrors++;
			continue;
		}
		mb_tag(p, size, xm_tagof(size));
		xm_push(r, &tail, (struct xm_item){ p, size });
	}
	xm_push(r, &tail, (struct xm_item){ NULL, 0 });	/* the end */
}

static void xm_consumer(struct xm_ring *r)
{
	size_t head = 0;

	for (;;) {
		struct xm_item it;

		while (atomic_load_explicit(&r->tail, memory_order_acquire) ==
		       head)
			sched_yield();
		it = r->slot[head & r->mask];
		atomic_store_explicit(&r->head, ++head, memory_order_release);
		if (!it.p)
			break;
		if (!mb_tag_ok(it.p, it.size, xm_tagof(it.size)))
			r->cerrors++;
		free(it.p);
	}
}

static void *xm_thread(void *arg)
{
	struct xm_role *w = arg;

	if (w->consumer)
		xm_consumer(w->ring);
	else
		xm_producer(w->ring);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "pairs", 1, "producer+consumer pairs" },
		{ "blocks", 10000000, "blocks made per producer" },
		{ "min", 16, "smallest block size" },
		{ "max", 512, "largest block size" },
		{ "ring", 1024, "ring slots (a power of two)" },
	};
	size_t n, errors = 0, made = 0;
	double t0, t1;

	mb_opts(argc, argv, o, 5);
	n = o[0].value;
	if (!n || !o[2].value || o[3].value < o[2].value || o[4].value < 2 ||
	    (o[4].value & (o[4].value - 1)))
		mb_usage(argv[0], o, 5);

	struct xm_ring *ring = aligned_alloc(64, n * sizeof(*ring));
	struct xm_role who[2 * n];

	if (!ring) {
		fprintf(stderr, "xmalloc: no memory for the rings\n");
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&ring[i], 0, sizeof(ring[i]));
		ring[i].slot = malloc(o[4].value * sizeof(*ring[i].slot));
		if (!ring[i].slot) {
			fprintf(stderr, "xmalloc: no memory for the rings\n");
			return 2;
		}
		ring[i].mask = o[4].value - 1;
		ring[i].blocks = o[1].value;
		ring[i].min = o[2].value;
		ring[i].max = o[3].value;
		ring[i].id = i;
		who[2 * i] = (struct xm_role){ &ring[i], 0 };
		who[2 * i + 1] = (struct xm_role){ &ring[i], 1 };
	}
	t0 = mb_now();
	mb_run_threads(2 * n, xm_thread, who, sizeof(who[0]), 0);
	t1 = mb_now();
	for (size_t i = 0; i < n; i++) {
		errors += ring[i].perrors + ring[i].cerrors;
		made += ring[i].blocks;
		free(ring[i].slot);
	}
	free(ring);
	printf("xmalloc pairs=%zu blocks=%zu min=%zu max=%zu ring=%zu "
	       "ns_per_op=%.2f errors=%zu\n", n, o[1].value, o[2].value,
	       o[3].value, o[4].value, (t1 - t0) * 1e9 / (double)made, errors);
	return errors ? 1 : 0;
}
