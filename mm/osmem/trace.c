/* SPDX-License-Identifier: MIT */
/*
 * The trace parser and order checker (contract: mm/osmem/trace.h).
 *
 * One line at a time: split it into at most five blank-separated fields,
 * then check the field count and every number for the line's kind. The
 * reader never looks past rd->end, so the buffer need not end in a NUL or a
 * newline.
 */
#include "mm/osmem/trace.h"

#define TRACE_FIELDS_MAX 5

struct trace_field {
	const char *s;
	size_t len;
};

void trace_reader_init(struct trace_reader *rd, const char *buf, size_t len)
{
	rd->p = buf;
	rd->end = buf + len;
	rd->line = 0;
	rd->err = 0;
}

static int trace_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split [s, e) into fields; more than the maximum counts as max + 1. */
static int trace_split(const char *s, const char *e, struct trace_field *f)
{
	int n = 0;

	while (s < e) {
		while (s < e && trace_blank(*s))
			s++;
		if (s == e)
			break;
		if (n == TRACE_FIELDS_MAX)
			return n + 1;
		f[n].s = s;
		while (s < e && !trace_blank(*s))
			s++;
		f[n].len = (size_t)(s - f[n].s);
		n++;
	}
	return n;
}

/* Unsigned decimal, at most `max`; NULL or why not. */
static const char *trace_number(const struct trace_field *f, uint64_t max,
				uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < f->len; i++) {
		unsigned d = (unsigned char)f->s[i] - '0';

		if (d > 9)
			return "not a number";
		/* Past max, digits only make it worse: stop before overflow. */
		if (v > (max - d) / 10)
			return max == TRACE_ID_MAX ? "id out of range"
						   : "number out of range";
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static const char *trace_id(const struct trace_field *f, uint32_t *out)
{
	uint64_t v;
	const char *err = trace_number(f, TRACE_ID_MAX, &v);

	if (!err)
		*out = (uint32_t)v;
	return err;
}

static const char *trace_size(const struct trace_field *f, uint64_t *out)
{
	return trace_number(f, TRACE_SIZE_MAX, out);
}

/* The fields after the kind; nf counts the kind too. */
static const char *trace_fields(struct trace_op *op, struct trace_field *f,
				int nf)
{
	static const int want[128] = {
		['m'] = 3, ['c'] = 4, ['a'] = 4, ['r'] = 4, ['f'] = 2,
	};
	const char *err;

	if (f[0].len != 1 || (unsigned char)f[0].s[0] >= 128 ||
	    !want[(unsigned char)f[0].s[0]])
		return "unknown call (want m, c, a, r or f)";
	op->kind = f[0].s[0];
	if (nf < want[(unsigned char)op->kind])
		return "missing field";
	if (nf > want[(unsigned char)op->kind])
		return "extra field";

	switch (op->kind) {
	case TRACE_MALLOC:
		if ((err = trace_id(&f[1], &op->id)))
			return err;
		return trace_size(&f[2], &op->size);
	case TRACE_CALLOC:
		if ((err = trace_id(&f[1], &op->id)) ||
		    (err = trace_size(&f[2], &op->arg)) ||
		    (err = trace_size(&f[3], &op->elem)))
			return err;
		/* Divide rather than multiply: 2^40 * 2^40 overflows. */
		if (op->elem && op->arg > TRACE_SIZE_MAX / op->elem)
			return "calloc size out of range";
		op->size = op->arg * op->elem;
		return 0;
	case TRACE_ALIGNED:
		if ((err = trace_id(&f[1], &op->id)) ||
		    (err = trace_size(&f[2], &op->arg)) ||
		    (err = trace_size(&f[3], &op->size)))
			return err;
		if (!op->arg || (op->arg & (op->arg - 1)))
			return "alignment not a power of two";
		return 0;
	case TRACE_REALLOC:
		if (!(f[1].len == 1 && f[1].s[0] == '-') &&
		    (err = trace_id(&f[1], &op->old)))
			return err;
		if ((err = trace_id(&f[2], &op->id)))
			return err;
		return trace_size(&f[3], &op->size);
	default:
		return trace_id(&f[1], &op->id);
	}
}

int trace_next(struct trace_reader *rd, struct trace_op *op)
{
	struct trace_field f[TRACE_FIELDS_MAX];

	if (rd->err)
		return -1;
	while (rd->p < rd->end) {
		const char *s = rd->p, *e = s;
		int nf;

		while (e < rd->end && *e != '\n')
			e++;
		rd->p = e < rd->end ? e + 1 : e;
		rd->line++;
		if (e > s && e[-1] == '\r')
			e--;
		nf = trace_split(s, e, f);
		if (nf == 0 || f[0].s[0] == '#')
			continue;
		op->size = 0;
		op->arg = 0;
		op->elem = 0;
		op->id = TRACE_NO_ID;
		op->old = TRACE_NO_ID;
		rd->err = trace_fields(op, f, nf);
		return rd->err ? -1 : 1;
	}
	return 0;
}

const char *trace_track(unsigned char *state, size_t nids,
			const struct trace_op *op)
{
	if (op->id >= nids || (op->old != TRACE_NO_ID && op->old >= nids))
		return "id beyond the table";
	if (op->kind == TRACE_FREE) {
		if (state[op->id] != TRACE_LIVE)
			return "free of a block that is not live";
		state[op->id] = TRACE_DEAD;
		return 0;
	}
	if (op->kind == TRACE_REALLOC && op->old != TRACE_NO_ID) {
		if (state[op->old] != TRACE_LIVE)
			return "realloc of a block that is not live";
		/* realloc may return the same block: the trace then reuses
		 * no id, since NEW is a fresh one either way. */
		if (op->old == op->id)
			return "realloc: NEW equals OLD";
	}
	if (state[op->id] != TRACE_UNSEEN)
		return "id used twice";
	if (op->kind == TRACE_REALLOC && op->old != TRACE_NO_ID)
		state[op->old] = TRACE_DEAD;
	state[op->id] = TRACE_LIVE;
	return 0;
}

/* ------------------------------------------------------- patterns ---- */

/* A 64-bit finalizer (splitmix's). */
uint64_t trace_seed(uint64_t id)
{
	id += 0x9e3779b97f4a7c15ull;
	id = (id ^ (id >> 30)) * 0xbf58476d1ce4e5b9ull;
	id = (id ^ (id >> 27)) * 0x94d049bb133111ebull;
	return id ^ (id >> 31);
}

static inline uint64_t trace_word(uint64_t seed, uint64_t k)
{
	return seed ^ (k * 0xd6e8feb86659fd93ull);
}

unsigned char trace_byte(uint64_t seed, uint64_t off)
{
	return (unsigned char)(trace_word(seed, off >> 3) >> ((off & 7) * 8));
}

/* A word at a time where 8-aligned (p is, so offsets and addresses agree). */
void trace_fill(char *p, uint64_t seed, uint64_t a, uint64_t b)
{
	for (; a < b && (a & 7); a++)
		p[a] = (char)trace_byte(seed, a);
	for (; a + 8 <= b; a += 8)
		*(uint64_t *)(void *)(p + a) = trace_word(seed, a >> 3);
	for (; a < b; a++)
		p[a] = (char)trace_byte(seed, a);
}

uint64_t trace_verify(const char *p, uint64_t seed, uint64_t a, uint64_t b,
		      int zero)
{
	for (; a < b && (a & 7); a++)
		if ((unsigned char)p[a] != (zero ? 0 : trace_byte(seed, a)))
			return a;
	for (; a + 8 <= b; a += 8)
		if (*(const uint64_t *)(const void *)(p + a) !=
		    (zero ? 0 : trace_word(seed, a >> 3)))
			break;	/* find the byte below */
	for (; a < b; a++)
		if ((unsigned char)p[a] != (zero ? 0 : trace_byte(seed, a)))
			return a;
	return UINT64_MAX;
}
