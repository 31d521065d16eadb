/* SPDX-License-Identifier: MIT */
/*
 * Allocation traces (format: tests/traces/README.md): a parser and a checker
 * of the calls' order, shared by the host replay tool (tests/replay/replay.c),
 * the kernel's replay (kernel/replay.c) and the parser's host tests
 * (tests/host/test_replay_parse.c). Shipping code (the kernel's replay
 * command uses it), so it lives beside the allocators and both homes build
 * it; it is no part of an allocator and no allocator includes it.
 *
 * Freestanding: no C library, no allocation. The reader walks a buffer that
 * holds the whole file; the caller owns every array.
 *
 * Line grammar (fields separated by blanks, i.e. spaces or tabs):
 *   m ID SIZE | c ID NMEMB SIZE | a ID ALIGN SIZE | r OLD NEW SIZE | f ID
 *   # anything          a comment (the header line is one)
 *   (empty or blank)    ignored
 * Numbers are unsigned decimal. Ids are at most TRACE_ID_MAX; OLD may be '-'
 * (realloc(NULL, SIZE)). Sizes and NMEMB * SIZE are at most TRACE_SIZE_MAX
 * (no real program got more from malloc); ALIGN is a non-zero power of two
 * no larger than TRACE_SIZE_MAX. A '\r' before the newline is allowed; a
 * last line without a newline is read like any other.
 *
 * Errors: trace_next() returns -1 with rd->err (a constant message) and
 * rd->line (1-based) set, and stops there; calling it again repeats the
 * error.
 */
#ifndef MM_OSMEM_TRACE_H
#define MM_OSMEM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_ID_MAX   ((uint32_t)0x7fffffff)
#define TRACE_NO_ID    ((uint32_t)0xffffffff)	/* OLD of realloc(NULL, n) */
#define TRACE_SIZE_MAX ((uint64_t)1 << 40)

enum trace_kind {
	TRACE_MALLOC = 'm',
	TRACE_CALLOC = 'c',
	TRACE_ALIGNED = 'a',
	TRACE_REALLOC = 'r',
	TRACE_FREE = 'f',
};

struct trace_op {
	uint64_t size;	/* bytes asked for: m a r: SIZE; c: NMEMB * SIZE; f: 0 */
	uint64_t arg;	/* c: NMEMB; a: ALIGN; otherwise 0 */
	uint64_t elem;	/* c: SIZE; otherwise 0 */
	uint32_t id;	/* the block made (m c a r: NEW) or freed (f) */
	uint32_t old;	/* r: OLD or TRACE_NO_ID; otherwise TRACE_NO_ID */
	char kind;	/* enum trace_kind */
};

struct trace_reader {
	const char *p;		/* the next line */
	const char *end;
	unsigned long line;	/* the line last read (1-based) */
	const char *err;	/* NULL, or why the last line was refused */
};

void trace_reader_init(struct trace_reader *rd, const char *buf, size_t len);

/* 1: *op is the next call; 0: end of input; -1: rd->err, at rd->line. */
int trace_next(struct trace_reader *rd, struct trace_op *op);

/*
 * The order of calls: each id is made once and never reused, and only a
 * live block is freed or reallocated. `state` has one byte per id (0 .. nids
 * - 1), zeroed by the caller before the first op. Returns NULL when op may
 * follow the ops seen so far (and records its effect), otherwise why not.
 * An id >= nids is refused too.
 */
#define TRACE_UNSEEN 0
#define TRACE_LIVE   1
#define TRACE_DEAD   2
const char *trace_track(unsigned char *state, size_t nids,
			const struct trace_op *op);

/*
 * Block contents for a replay that verifies them (the host tool and the
 * kernel's replay write and check the same pattern): byte `off` of a block
 * with seed s is trace_byte(s, off), word k the 64-bit s ^ (k * an odd
 * constant), so every byte depends on the block and its place in it.
 */
uint64_t trace_seed(uint64_t id);	/* close ids give unrelated seeds */
unsigned char trace_byte(uint64_t seed, uint64_t off);
/* The pattern into bytes [a, b) of p (p 8-aligned). */
void trace_fill(char *p, uint64_t seed, uint64_t a, uint64_t b);
/* The first offset in [a, b) not holding the pattern (all zeroes when
 * zero is set), or UINT64_MAX. */
uint64_t trace_verify(const char *p, uint64_t seed, uint64_t a, uint64_t b,
		      int zero);

#endif
