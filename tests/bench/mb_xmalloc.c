/* SPDX-License-Identifier: MIT */
/*
 * build/host/mbench/xmalloc: producers allocate, consumers free, in the
 * manner of Lever and Boreham's xmalloc test: every block is freed by
 * another thread than the one that made it.
 *
 *   xmalloc [--pairs=P] [--blocks=N] [--min=A] [--max=Z] [--batch=B]
 *           [--queue=Q]             (1, 10M, 16, 512, 64, 16)
 *
 * P producer threads and P consumer threads; producer i hands its blocks
 * to consumer i through a bounded queue of Q batches of B blocks (a mutex
 * and two condition variables: a thread that finds the queue full or
 * empty sleeps until the other side has moved, so no thread spins while
 * its partner waits for a core). A producer makes N blocks of random sizes
 * A..Z (seeded), tags the first and last byte and queues them a batch at a
 * time; its consumer checks the tags and frees them. Prints
 *
 *   xmalloc pairs=P blocks=N min=A max=Z batch=B queue=Q ns_per_op=X errors=E
 *
 * X: wall time from the start to the last consumer's end / (P * N),
 * nanoseconds per block made and freed (aggregate over all threads).
 */
#include "tests/bench/mb.h"

struct xm_item {
	unsigned char *p;
	size_t size;
};

/* Batch k of the queue: items[k * batch ..], count[k] of them (0: the end). */
struct xm_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	struct xm_item *items;
	size_t *count;
	size_t batch, cap, head, tail;	/* head, tail: batches taken, put */
	size_t blocks, min, max, id;
	size_t perrors, cerrors;	/* the producer's, the consumer's */
};

/* A thread's work: one side of one queue. */
struct xm_role {
	struct xm_queue *q;
	int consumer;
};

static unsigned char xm_tagof(size_t size)
{
	return (unsigned char)(size * 7 + 1);
}

static void xm_put(struct xm_queue *q, const struct xm_item *it, size_t n)
{
	size_t k;

	pthread_mutex_lock(&q->lock);
	while (q->tail - q->head == q->cap)
		pthread_cond_wait(&q->not_full, &q->lock);
	k = q->tail % q->cap;
	memcpy(&q->items[k * q->batch], it, n * sizeof(*it));
	q->count[k] = n;
	q->tail++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* Copies the next batch to it; returns its count (0: the end). */
static size_t xm_take(struct xm_queue *q, struct xm_item *it)
{
	size_t k, n;

	pthread_mutex_lock(&q->lock);
	while (q->tail == q->head)
		pthread_cond_wait(&q->not_empty, &q->lock);
	k = q->head % q->cap;
	n = q->count[k];
	memcpy(it, &q->items[k * q->batch], n * sizeof(*it));
	q->head++;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void xm_producer(struct xm_queue *q)
{
	struct xm_item it[q->batch];
	uint64_t rng = mb_seed(2, q->id);
	size_t n = 0;

	for (size_t k = 0; k < q->blocks; k++) {
		size_t size = mb_range(&rng, q->min, q->max);
		unsigned char *p = malloc(size);

		if (!p) {
			q->perrors++;
			continue;
		}
		mb_tag(p, size, xm_tagof(size));
		it[n++] = (struct xm_item){ p, size };
		if (n == q->batch) {
			xm_put(q, it, n);
			n = 0;
		}
	}
	if (n)
		xm_put(q, it, n);
	xm_put(q, it, 0);	/* the end */
}

static void xm_consumer(struct xm_queue *q)
{
	struct xm_item it[q->batch];
	size_t n;

	while ((n = xm_take(q, it)) != 0)
		for (size_t i = 0; i < n; i++) {
			if (!mb_tag_ok(it[i].p, it[i].size, xm_tagof(it[i].size)))
				q->cerrors++;
			free(it[i].p);
		}
}

static void *xm_thread(void *arg)
{
	struct xm_role *w = arg;

	if (w->consumer)
		xm_consumer(w->q);
	else
		xm_producer(w->q);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mb_opt o[] = {
		{ "pairs", 1, "producer+consumer pairs" },
		{ "blocks", 10000000, "blocks made per producer" },
		{ "min", 16, "smallest block size" },
		{ "max", 512, "largest block size" },
		{ "batch", 64, "blocks handed over at a time" },
		{ "queue", 16, "batches the queue holds" },
	};
	size_t n, errors = 0, made = 0;
	double t0, t1;

	mb_opts(argc, argv, o, 6);
	n = o[0].value;
	if (!n || !o[2].value || o[3].value < o[2].value || !o[4].value ||
	    o[4].value > 4096 || !o[5].value)
		mb_usage(argv[0], o, 6);

	struct xm_queue q[n];
	struct xm_role who[2 * n];

	for (size_t i = 0; i < n; i++) {
		q[i] = (struct xm_queue){
			.batch = o[4].value, .cap = o[5].value,
			.blocks = o[1].value, .min = o[2].value,
			.max = o[3].value, .id = i };
		pthread_mutex_init(&q[i].lock, NULL);
		pthread_cond_init(&q[i].not_full, NULL);
		pthread_cond_init(&q[i].not_empty, NULL);
		q[i].items = malloc(q[i].cap * q[i].batch * sizeof(*q[i].items));
		q[i].count = malloc(q[i].cap * sizeof(*q[i].count));
		if (!q[i].items || !q[i].count) {
			fprintf(stderr, "xmalloc: no memory for the queues\n");
			return 2;
		}
		who[2 * i] = (struct xm_role){ &q[i], 0 };
		who[2 * i + 1] = (struct xm_role){ &q[i], 1 };
	}
	t0 = mb_now();
	mb_run_threads(2 * n, xm_thread, who, sizeof(who[0]), 0);
	t1 = mb_now();
	for (size_t i = 0; i < n; i++) {
		errors += q[i].perrors + q[i].cerrors;
		made += q[i].blocks;
		free(q[i].items);
		free(q[i].count);
	}
	printf("xmalloc pairs=%zu blocks=%zu min=%zu max=%zu batch=%zu queue=%zu "
	       "ns_per_op=%.2f errors=%zu\n", n, o[1].value, o[2].value,
	       o[3].value, o[4].value, o[5].value,
	       (t1 - t0) * 1e9 / (double)made, errors);
	return errors ? 1 : 0;
}
