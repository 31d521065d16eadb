/* SPDX-License-Identifier: MIT */
/*
 * build/host/replay: replay allocation traces (tests/traces/README.md)
 * against one allocator and measure it.
 *
 *   replay [--allocator=fast|classic|classic:POLICY|libc] [--check] [--limit=N] TRACE...
 *          (POLICY: first, next, worst; docs/labs/lab2-placement-policies.md)
 *          [--corrupt=K] [--debug]
 *
 * For each trace: read and check the whole file first (a bad line or an
 * impossible order stops the tool, exit 2, with FILE:LINE), then replay its
 * calls in order (at most N with --limit), then free the blocks still live.
 * Prints one table row per trace: calls replayed, calls per second, peak
 * footprint, peak live bytes, their ratio, system calls, and OK or FAIL.
 * Exit status: 0 when every trace is OK, 1 when one FAILs, 2 on bad usage
 * or a bad trace.
 *
 * Contents: every block carries a pattern derived from the block's seed and
 * the byte's offset (a realloc'd block keeps its seed, so the bytes it kept
 * still match). With --check the pattern covers every byte and the whole
 * block is verified before each free and realloc, and the kept bytes after
 * a realloc; calloc'd memory is verified zero first; for fast and classic
 * the allocator's own check() runs every CHECK_EVERY calls and at the end.
 * Without --check (the benchmark mode) only the first and last 16 bytes of
 * each block carry and verify the pattern, so the time measured is mostly
 * the allocator's. --corrupt=K tests the checker itself: after call K (from
 * 1) it flips the last byte of the block that call made, so the replay
 * must then FAIL. Either way: every pointer's alignment is checked, and
 * after the final frees fast and classic must report no block in use.
 *
 * --debug runs fast and classic on a backend with debug set (fast's debug
 * mode: red zones, poison, quarantine; classic has none), for `make bench`'s
 * cost of debug mode; the row's allocator is then named NAME+debug.
 *
 * Allocators: fast and classic each get a fresh heap instance per trace, on
 * the replay's own backend (tests/replay/replay_backend.h: a private break,
 * so the C library's malloc, which this program also uses, never moves it).
 * Footprint there is exact: the peak of break bytes + mapped bytes, seen by
 * the backend at every call; system calls are the backend calls. libc is
 * the C library's malloc family; its footprint is mallinfo2's arena +
 * hblkhd, sampled every SAMPLE_EVERY calls and after every call of 64 KiB or
 * more (sampling time is not counted in calls/s); its system calls are not
 * counted (n/a). Each trace replays in a child process, so the C library's
 * heap starts fresh for it (rp_replay), and the replay's own tables come
 * from mmap, so they never count as the C library's heap.
 */
#define _GNU_SOURCE
#include "mm/osmem/allocator.h"
#include "tests/replay/replay_backend.h"
#include "mm/osmem/trace.h"
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_EVERY   50000
#define SAMPLE_EVERY  1024
#define SAMPLE_BIG    (64 * 1024)
#define EDGE          16	/* bytes checked at each end without --check */
#define ERRORS_MAX    10	/* content errors printed per trace */

struct rp_block {
	char *p;
	uint64_t size;
	uint64_t seed;
	int live;
};

struct rp_alloc {
	const char *name;
	size_t align;		/* what every malloc result is aligned to */
	void *(*malloc)(size_t n);
	void *(*calloc)(size_t nmemb, size_t size);
	void *(*realloc)(void *p, size_t n);
	void (*free)(void *p);
	void *(*aligned)(size_t align, size_t n);
};

struct rp_trace {
	const char *path;
	struct trace_op *ops;
	size_t nops;
	size_t ops_bytes;	/* the mapping ops lives in */
	size_t nids;
	uint64_t header_peak;	/* peak_live_bytes= of the header, or 0 */
};

struct rp_result {
	size_t calls;
	double seconds;
	size_t peak_foot;
	uint64_t peak_live;
	size_t syscalls;	/* (size_t)-1: not counted */
	size_t errors;
};

static int rp_full;			/* --check */
static int rp_debug;			/* --debug */
static size_t rp_corrupt;		/* --corrupt=K, or 0 */
static const struct osmem_allocator *rp_osmem;
/* --allocator=classic:POLICY picks one of classic's placement policies. */
static const struct osmem_allocator *rp_classic = &osmem_classic;
static const struct osmem_allocator *const rp_policies[] = {
	&osmem_classic_first, &osmem_classic_next, &osmem_classic_worst, NULL,
};
static struct osmem_heap_space rp_space;
static struct osmem_heap *rp_heap = OSMEM_HEAP(&rp_space);

/* ------------------------------------------------------ allocators ---- */

static void *os_malloc_(size_t n) { return rp_osmem->malloc(rp_heap, n); }
static void *os_calloc_(size_t m, size_t n) { return rp_osmem->calloc(rp_heap, m, n); }
static void *os_realloc_(void *p, size_t n) { return rp_osmem->realloc(rp_heap, p, n); }
static void os_free_(void *p) { rp_osmem->free(rp_heap, p); }
static void *os_aligned_(size_t a, size_t n) { return rp_osmem->memalign(rp_heap, a, n); }

static void *libc_aligned_(size_t a, size_t n)
{
	void *p;

	if (a < sizeof(void *))
		a = sizeof(void *);
	return posix_memalign(&p, a, n) ? NULL : p;
}

static void *libc_malloc_(size_t n) { return malloc(n); }
static void *libc_calloc_(size_t m, size_t n) { return calloc(m, n); }
static void *libc_realloc_(void *p, size_t n) { return realloc(p, n); }
static void libc_free_(void *p) { free(p); }

static const struct rp_alloc rp_allocs[] = {
	{ "fast", 16, os_malloc_, os_calloc_, os_realloc_, os_free_, os_aligned_ },
	/* The course's layout: 32-byte headers, sizes rounded to 8. */
	{ "classic", 8, os_malloc_, os_calloc_, os_realloc_, os_free_, os_aligned_ },
	{ "libc", 16, libc_malloc_, libc_calloc_, libc_realloc_, libc_free_,
	  libc_aligned_ },
};

static int rp_is_libc(const struct rp_alloc *a)
{
	return a == &rp_allocs[2];
}

/* ------------------------------------------------------- patterns ---- */

/* The byte ranges of an n-byte block that carry the pattern. */
static int rp_ranges(uint64_t n, uint64_t r[2][2])
{
	if (rp_full || n <= 2 * EDGE) {
		r[0][0] = 0;
		r[0][1] = n;
		return 1;
	}
	r[0][0] = 0;
	r[0][1] = EDGE;
	r[1][0] = n - EDGE;
	r[1][1] = n;
	return 2;
}

/* ------------------------------------------------------- the replay ---- */

struct rp_run {
	const struct rp_alloc *a;
	const struct rp_trace *tr;
	struct rp_block *blk;
	struct rp_result *res;
	uint64_t live;
	double sample_time;	/* libc: seconds spent sampling */
};

static double rp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t rp_libc_foot(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.arena + mi.hblkhd;
}

static void rp_sample(struct rp_run *r)
{
	double t0 = rp_now();
	size_t foot = rp_libc_foot();

	if (foot > r->res->peak_foot)
		r->res->peak_foot = foot;
	r->sample_time += rp_now() - t0;
}

static void rp_error(struct rp_run *r, size_t op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rp_error(struct rp_run *r, size_t op, const char *fmt, ...)
{
	va_list ap;

	if (r->res->errors++ >= ERRORS_MAX)
		return;
	fprintf(stderr, "replay: %s: %s: call %zu: ", r->tr->path, r->a->name,
		op + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Verify the pattern of block b in bytes [0, upto) of its carrying ranges. */
static void rp_check_block(struct rp_run *r, size_t op, uint32_t id,
			   const struct rp_block *b, uint64_t upto,
			   const char *when)
{
	uint64_t rg[2][2];
	int n = rp_ranges(b->size, rg);

	for (int i = 0; i < n; i++) {
		uint64_t end = rg[i][1] < upto ? rg[i][1] : upto;
		uint64_t bad = trace_verify(b->p, b->seed, rg[i][0], end, 0);

		if (bad != UINT64_MAX) {
			rp_error(r, op, "block %u (%llu bytes at %p) %s: byte %llu "
				 "is 0x%02x, want 0x%02x", id,
				 (unsigned long long)b->size, (void *)b->p, when,
				 (unsigned long long)bad,
				 (unsigned char)b->p[bad], trace_byte(b->seed, bad));
			return;
		}
	}
}

static void rp_fill_block(const struct rp_block *b, uint64_t from)
{
	uint64_t rg[2][2];
	int n = rp_ranges(b->size, rg);

	for (int i = 0; i < n; i++)
		if (rg[i][1] > from)
			trace_fill(b->p, b->seed, rg[i][0] > from ? rg[i][0] : from,
				rg[i][1]);
}

/* A new block arrived: check it, record it, give it its pattern.
 * Returns 0, or -1 when the replay cannot go on. */
static int rp_new_block(struct rp_run *r, size_t op, const struct trace_op *o,
			char *p, uint64_t seed, uint64_t kept)
{
	struct rp_block *b = &r->blk[o->id];
	size_t align = o->kind == TRACE_ALIGNED ? o->arg : r->a->align;

	if (!p && o->size) {
		rp_error(r, op, "%c of %llu bytes returned NULL", o->kind,
			 (unsigned long long)o->size);
		return -1;
	}
	if (align < r->a->align)
		align = r->a->align;
	if ((uintptr_t)p & (align - 1))
		rp_error(r, op, "block %u at %p is not %zu-aligned", o->id,
			 (void *)p, align);
	b->p = p;
	b->size = o->size;
	b->seed = seed;
	b->live = 1;
	if (o->kind == TRACE_CALLOC && p) {
		uint64_t rg[2][2];
		int n = rp_ranges(b->size, rg);

		for (int i = 0; i < n; i++) {
			uint64_t bad = trace_verify(p, 0, rg[i][0], rg[i][1], 1);

			if (bad != UINT64_MAX) {
				rp_error(r, op, "calloc block %u: byte %llu is "
					 "0x%02x, not zero", o->id,
					 (unsigned long long)bad,
					 (unsigned char)p[bad]);
				break;
			}
		}
	}
	if (p)
		rp_fill_block(b, kept);
	r->live += o->size;
	if (r->live > r->res->peak_live)
		r->res->peak_live = r->live;
	if (rp_is_libc(r->a) && o->size >= SAMPLE_BIG)
		rp_sample(r);
	return 0;
}

static void rp_free_block(struct rp_run *r, size_t op, uint32_t id)
{
	struct rp_block *b = &r->blk[id];

	if (b->p)
		rp_check_block(r, op, id, b, b->size, "before free");
	r->a->free(b->p);
	b->live = 0;
	r->live -= b->size;
}

static int rp_realloc(struct rp_run *r, size_t op, const struct trace_op *o)
{
	struct rp_block *ob = &r->blk[o->old], old = *ob;
	uint64_t kept;
	char *p;

	if (old.p)
		rp_check_block(r, op, o->old, &old, old.size, "before realloc");
	p = r->a->realloc(old.p, o->size);
	if (!p && o->size) {
		/* The old block is still live: the end frees it. */
		rp_error(r, op, "realloc of block %u to %llu bytes returned NULL",
			 o->old, (unsigned long long)o->size);
		return -1;
	}
	ob->live = 0;
	r->live -= old.size;
	kept = old.size < o->size ? old.size : o->size;
	if (p) {
		struct rp_block moved = old;

		moved.p = p;
		rp_check_block(r, op, o->id, &moved, kept, "after realloc");
	}
	/* Full patterns: the kept bytes already match. Edges: rewrite. */
	return rp_new_block(r, op, o, p, old.seed, rp_full ? kept : 0);
}

static int rp_step(struct rp_run *r, size_t i)
{
	const struct trace_op *o = &r->tr->ops[i];
	uint64_t seed = trace_seed(o->id);

	switch (o->kind) {
	case TRACE_MALLOC:
		return rp_new_block(r, i, o, r->a->malloc(o->size), seed, 0);
	case TRACE_CALLOC:
		return rp_new_block(r, i, o, r->a->calloc(o->arg, o->elem),
				    seed, 0);
	case TRACE_ALIGNED:
		return rp_new_block(r, i, o, r->a->aligned(o->arg, o->size),
				    seed, 0);
	case TRACE_REALLOC:
		if (o->old == TRACE_NO_ID)
			return rp_new_block(r, i, o,
					    r->a->realloc(NULL, o->size), seed, 0);
		return rp_realloc(r, i, o);
	default:
		rp_free_block(r, i, o->id);
		return 0;
	}
}

static void rp_osmem_check(struct rp_run *r, size_t op)
{
	if (rp_osmem && rp_osmem->check(rp_heap) != 0)
		rp_error(r, op, "the allocator's check() failed");
}

/* --corrupt: what a buggy allocator handing out overlapping blocks does. */
static void rp_spoil(struct rp_run *r, size_t i)
{
	const struct trace_op *o = &r->tr->ops[i];
	struct rp_block *b = &r->blk[o->id];

	if (o->kind != TRACE_FREE && b->p && b->size)
		b->p[b->size - 1] ^= 0x5a;
}

/* Replay the first `limit` calls; return the number replayed. */
static size_t rp_calls(struct rp_run *r, size_t limit)
{
	size_t n = r->tr->nops < limit ? r->tr->nops : limit;
	double t0 = rp_now();
	size_t i;

	for (i = 0; i < n; i++) {
		if (rp_step(r, i) < 0) {
			i++;
			break;
		}
		if (i + 1 == rp_corrupt)
			rp_spoil(r, i);
		if (rp_is_libc(r->a) && i % SAMPLE_EVERY == 0)
			rp_sample(r);
		if (rp_full && rp_osmem && i % CHECK_EVERY == CHECK_EVERY - 1)
			rp_osmem_check(r, i);
	}
	r->res->seconds = rp_now() - t0 - r->sample_time;
	if (rp_full && rp_osmem && (i % CHECK_EVERY) != 0)
		rp_osmem_check(r, i - 1);
	return i;
}

/* Free what is still live, then for osmem: nothing may be left in use. */
static void rp_finish(struct rp_run *r, size_t calls)
{
	for (size_t id = 0; id < r->tr->nids; id++)
		if (r->blk[id].live)
			rp_free_block(r, calls, (uint32_t)id);
	if (rp_osmem) {
		struct osmem_stats st;

		rp_osmem->stats(rp_heap, &st);
		if (st.blocks_in_use || st.bytes_in_use || st.mapped_blocks)
			rp_error(r, calls, "after freeing every block: %zu heap "
				 "blocks (%zu bytes) and %zu mappings in use",
				 st.blocks_in_use, st.bytes_in_use,
				 st.mapped_blocks);
		if (rp_osmem->check(rp_heap) != 0)
			rp_error(r, calls, "check() fails after the final frees");
	}
}

static void *rp_map(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "replay: cannot map %zu bytes: %s\n", bytes,
			strerror(errno));
		exit(2);
	}
	return p;
}

static void rp_unmap(void *p, size_t bytes)
{
	munmap(p, bytes ? bytes : 1);
}

static void rp_replay_here(const struct rp_alloc *a, const struct rp_trace *tr,
			   size_t limit, struct rp_result *res)
{
	struct rp_run r = { .a = a, .tr = tr, .res = res };
	size_t tbytes = tr->nids * sizeof(struct rp_block);
	size_t calls;

	r.blk = rp_map(tbytes);
	if (rp_osmem) {
		replay_backend_reset();
		rp_osmem->init(rp_heap, replay_backend_open());
	}
	calls = rp_calls(&r, limit);
	rp_finish(&r, calls);
	res->calls = calls;
	if (rp_osmem) {
		const struct replay_backend_stats *st = replay_backend_stats();

		res->peak_foot = st->peak_bytes;
		res->syscalls = st->extend_calls + st->map_calls +
				st->unmap_calls + st->remap_calls;
		if (st->reports)
			rp_error(&r, calls, "the allocator reported %zu misuse(s)",
				 st->reports);
	} else {
		res->syscalls = (size_t)-1;
	}
	rp_unmap(r.blk, tbytes);
}

/*
 * Each trace runs in a child process: the C library's heap then starts
 * from what it was at the fork (a few stdio bytes), not from what the
 * previous trace left, and a crash is one failed trace, not the end of the
 * tool. The result comes back through a shared page.
 */
static void rp_replay(const struct rp_alloc *a, const struct rp_trace *tr,
		      size_t limit, struct rp_result *res)
{
	struct rp_result *shared;
	int status;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("replay: mmap");
		exit(2);
	}
	memset(shared, 0, sizeof(*shared));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("replay: fork");
		exit(2);
	}
	if (pid == 0) {
		rp_replay_here(a, tr, limit, shared);
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*res = *shared;
	munmap(shared, sizeof(*shared));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "replay: %s: %s: the replay died (%s %d)\n",
			tr->path, a->name,
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status)
					    : WEXITSTATUS(status));
		res->errors++;
	}
}

/* ---------------------------------------------------------- loading ---- */

static void rp_bad_trace(const char *path, unsigned long line, const char *why)
{
	fprintf(stderr, "replay: %s:%lu: %s\n", path, line, why);
	exit(2);
}

static uint64_t rp_header_peak(const char *buf, size_t len)
{
	static const char key[] = "peak_live_bytes=";
	const char *nl = memchr(buf, '\n', len);
	const char *s;
	uint64_t v = 0;

	if (!len || buf[0] != '#')
		return 0;
	len = nl ? (size_t)(nl - buf) : len;
	s = memmem(buf, len, key, sizeof(key) - 1);
	if (!s)
		return 0;
	for (s += sizeof(key) - 1; s < buf + len && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

/* Read, parse and check the order of a whole trace. */
static void rp_load(const char *path, struct rp_trace *tr)
{
	struct trace_reader rd;
	struct trace_op op;
	struct stat sb;
	size_t len, lines = 1, max_id = 0;
	unsigned char *state;
	char *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	len = (size_t)sb.st_size;
	if (len) {
		buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (buf == MAP_FAILED) {
			fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
			exit(2);
		}
	}
	close(fd);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';

	tr->path = path;
	tr->ops_bytes = lines * sizeof(*tr->ops);
	tr->ops = rp_map(tr->ops_bytes);
	tr->nops = 0;
	tr->header_peak = rp_header_peak(buf, len);
	trace_reader_init(&rd, buf, len);
	while ((rc = trace_next(&rd, &op)) == 1) {
		if (op.id > max_id)
			max_id = op.id;
		if (op.old != TRACE_NO_ID && op.old > max_id)
			max_id = op.old;
		tr->ops[tr->nops++] = op;
	}
	if (rc < 0)
		rp_bad_trace(path, rd.line, rd.err);
	tr->nids = tr->nops ? max_id + 1 : 0;

	/* The order, with line numbers: parse again alongside. */
	state = rp_map(tr->nids);
	trace_reader_init(&rd, buf, len);
	for (size_t i = 0; i < tr->nops; i++) {
		const char *why;

		trace_next(&rd, &op);
		why = trace_track(state, tr->nids, &tr->ops[i]);
		if (why)
			rp_bad_trace(path, rd.line, why);
	}
	rp_unmap(state, tr->nids);
	if (len)
		munmap(buf, len);
}

/* ------------------------------------------------------------- main ---- */

static void rp_usage(void)
{
	fprintf(stderr, "usage: replay [--allocator=fast|classic|classic:POLICY|libc] "
		"[--check] [--limit=N] [--debug] TRACE...\n");
	exit(2);
}

static const char *rp_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The allocator's name in the rows: NAME, or NAME+debug with --debug. */
static const char *rp_name(const struct rp_alloc *a)
{
	static char name[32];

	if (!rp_osmem)
		return a->name;
	snprintf(name, sizeof(name), "%s%s", rp_osmem->name,
		 rp_debug ? "+debug" : "");
	return name;
}

static void rp_print(const struct rp_alloc *a, const struct rp_trace *tr,
		     const struct rp_result *res, size_t limit)
{
	char sys[32];
	double rate = res->seconds > 0 ? (double)res->calls / res->seconds : 0;
	double ratio = res->peak_live ? (double)res->peak_foot /
					(double)res->peak_live : 0;

	if (res->syscalls == (size_t)-1)
		snprintf(sys, sizeof(sys), "n/a");
	else
		snprintf(sys, sizeof(sys), "%zu", res->syscalls);
	printf("%-18s %-8s %8zu %11.0f %11zu %11llu %6.2f %8s  %s", rp_base(tr->path),
	       rp_name(a), res->calls, rate, res->peak_foot,
	       (unsigned long long)res->peak_live, ratio, sys,
	       res->errors ? "FAIL" : "OK");
	if (limit < tr->nops)
		printf("  (first %zu of %zu calls)", limit, tr->nops);
	else if (tr->header_peak && tr->header_peak != res->peak_live)
		printf("  (header says peak_live_bytes=%llu)",
		       (unsigned long long)tr->header_peak);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const struct rp_alloc *a = &rp_allocs[0];
	size_t limit = SIZE_MAX;
	int i, failed = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			i++;
			break;
		} else if (!strncmp(arg, "--allocator=", 12)) {
			size_t k;

			for (k = 0; rp_policies[k]; k++)
				if (!strcmp(arg + 12, rp_policies[k]->name))
					rp_classic = rp_policies[k];
			if (rp_classic != &osmem_classic) {
				a = &rp_allocs[1];
				continue;
			}
			for (k = 0; k < 3; k++)
				if (!strcmp(arg + 12, rp_allocs[k].name))
					break;
			if (k == 3)
				rp_usage();
			a = &rp_allocs[k];
		} else if (!strncmp(arg, "--corrupt=", 10)) {
			rp_corrupt = strtoull(arg + 10, NULL, 10);
		} else if (!strcmp(arg, "--check")) {
			rp_full = 1;
		} else if (!strcmp(arg, "--debug")) {
			rp_debug = 1;
		} else if (!strncmp(arg, "--limit=", 8)) {
			char *end;

			limit = strtoull(arg + 8, &end, 10);
			if (*end || !arg[8])
				rp_usage();
		} else {
			rp_usage();
		}
	}
	if (i == argc)
		rp_usage();
	if (!rp_is_libc(a)) {
		rp_osmem = a == &rp_allocs[0] ? &osmem_fast : rp_classic;
		if (!replay_backend_open()) {
			fprintf(stderr, "replay: cannot reserve the heap region\n");
			return 2;
		}
		replay_backend_set_debug(rp_debug);
	}

	printf("# replay: allocator %s, %s%s\n", rp_name(a),
	       rp_full ? "every byte checked (--check)"
		       : "first and last 16 bytes of each block checked",
	       rp_osmem ? "" : "; footprint sampled from mallinfo2");
	printf("%-18s %-8s %8s %11s %11s %11s %6s %8s  %s\n", "trace",
	       "alloc", "calls", "calls/s", "peak_foot", "peak_live", "f/live",
	       "syscalls", "check");
	for (; i < argc; i++) {
		struct rp_trace tr;
		struct rp_result res;

		rp_load(argv[i], &tr);
		rp_replay(a, &tr, limit, &res);
		rp_print(a, &tr, &res, limit);
		failed |= res.errors != 0;
		rp_unmap(tr.ops, tr.ops_bytes);
	}
	return failed;
}
