/* SPDX-License-Identifier: MIT */
/*
 * Suite libk_vs_libc (host only): libk's functions against the C library's
 * on many generated inputs. A seeded PRNG makes every run the same; a
 * failure prints the seed-independent input that broke, and each case stops
 * at its first mismatch to keep the report short.
 *
 * Names: the libk headers come first and declare libk_memcpy etc.
 * (libk/names.h renames them by macro). The macros are then
 * removed, so below this point memcpy is the C library's and libk's
 * functions are called as libk_memcpy.
 */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"

#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strtoul
#undef vsnprintf
#undef snprintf

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

/* xorshift64*: small, fast, and good enough to spread test inputs. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void rng_fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* ------------------------------------------------------------ memory --- */

#define MEM_BUF 320
#define MEM_ROUNDS 20000

KTEST(libk_vs_libc, memset_memcpy_random)
{
	unsigned char a[MEM_BUF], b[MEM_BUF], src[MEM_BUF];

	rng_seed(1);
	for (int round = 0; round < MEM_ROUNDS; round++) {
		size_t so = rng_below(16), d_o = rng_below(16);
		size_t len = rng_below(MEM_BUF - 16);
		int c = (int)rng();	/* any int: only its low byte counts */
		int op = round & 1;

		rng_fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		rng_fill(src, sizeof(src));
		if (op) {
			KASSERT_PTR_EQ(t, libk_memcpy(b + d_o, src + so, len), b + d_o);
			memcpy(a + d_o, src + so, len);
		} else {
			KASSERT_PTR_EQ(t, libk_memset(b + d_o, c, len), b + d_o);
			memset(a + d_o, c, len);
		}
		if (memcmp(a, b, sizeof(a)) != 0) {
			KTEST_FAIL_(t, "%s dst+%zu src+%zu len %zu differs from libc",
				    op ? "memcpy" : "memset", d_o, so, len);
			return;
		}
	}
}

KTEST(libk_vs_libc, memmove_random_overlaps)
{
	unsigned char a[MEM_BUF], b[MEM_BUF];

	rng_seed(2);
	for (int round = 0; round < MEM_ROUNDS; round++) {
		/* Source and destination both in one buffer, mostly close
		 * together so that most moves overlap, in both directions. */
		size_t len = rng_below(MEM_BUF / 2);
		size_t from = rng_below(MEM_BUF - len);
		size_t to = rng_below(4) ? from + rng_below(41) - 20 : rng_below(MEM_BUF - len);

		if (to > MEM_BUF - len)	/* also catches wrap below 0 */
			to = from;
		rng_fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		KASSERT_PTR_EQ(t, libk_memmove(b + to, b + from, len), b + to);
		memmove(a + to, a + from, len);
		if (memcmp(a, b, sizeof(a)) != 0) {
			KTEST_FAIL_(t, "memmove from %zu to %zu len %zu differs from libc",
				    from, to, len);
			return;
		}
	}
}

KTEST(libk_vs_libc, memcmp_random)
{
	unsigned char a[128], b[128];

	rng_seed(3);
	for (int round = 0; round < MEM_ROUNDS; round++) {
		size_t off = rng_below(16), len = rng_below(100);

		rng_fill(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		/* Usually one difference somewhere (or past len). */
		if (rng_below(4))
			b[off + rng_below(100)] = (unsigned char)rng();
		if (sign(libk_memcmp(a + off, b + off, len)) !=
		    sign(memcmp(a + off, b + off, len))) {
			KTEST_FAIL_(t, "memcmp off %zu len %zu: libk %d libc %d", off,
				    len, libk_memcmp(a + off, b + off, len),
				    memcmp(a + off, b + off, len));
			return;
		}
	}
}

/* A random string over a few letters (so strings share prefixes), with
 * high bytes now and then; returns its length. */
static size_t rand_string(char *s, size_t max)
{
	static const char letters[] = "ab\x80\xff";
	size_t len = rng_below((unsigned)max);

	for (size_t i = 0; i < len; i++)
		s[i] = letters[rng_below(sizeof(letters) - 1)];
	s[len] = '\0';
	return len;
}

KTEST(libk_vs_libc, string_functions_random)
{
	char a[40], b[40];

	rng_seed(4);
	for (int round = 0; round < MEM_ROUNDS; round++) {
		size_t n = rng_below(12);
		int c = rng_below(3) ? (int)(unsigned char)"ab\x80\xff"[rng_below(4)] :
				       (int)rng();

		rand_string(a, 12);
		rand_string(b, 12);
		if (!KEXPECT_EQ(t, libk_strlen(a), strlen(a)) ||
		    !KEXPECT_EQ(t, sign(libk_strcmp(a, b)), sign(strcmp(a, b))) ||
		    !KEXPECT_EQ(t, sign(libk_strncmp(a, b, n)), sign(strncmp(a, b, n))) ||
		    !KEXPECT_PTR_EQ(t, libk_strchr(a, c), strchr(a, c))) {
			ktest_note(t, "round %d n %zu c %d", round, n, c);
			return;
		}
	}
}

/* ------------------------------------------------------------ printf --- */

enum arg_kind { ARG_INT, ARG_UINT, ARG_LONG, ARG_ULONG, ARG_LLONG, ARG_ULLONG,
		ARG_SIZE, ARG_PTR, ARG_STR, ARG_CHAR };

/* One directive with its argument, as both printf's will see it. */
struct pf_case {
	char fmt[64];
	int wstar, pstar;	/* width / precision come from int args */
	int w, p;
	enum arg_kind kind;
	unsigned long long v;	/* integer, char and pointer values */
	const char *s;
};

/* Integers near the edges of every width, and some arbitrary ones. */
static unsigned long long rand_value(void)
{
	static const unsigned long long edges[] = {
		0, 1, 7, 9, 10, 15, 16, 99, 100, 127, 128, 255, 256, 32767, 32768,
		65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
	};
	unsigned r = rng_below(4);

	if (r == 0)
		return edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
	if (r == 1)
		return 0ULL - edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
	if (r == 2)
		return rng() >> rng_below(64);
	return rng();
}

static const char *const pf_strings[] = {
	"", "a", "hello", "hello, world", "\xe9\xff", "0123456789abcdef",
};

/*
 * Build a random directive that C (or glibc, for the choices libk copies)
 * defines, with text around it. Avoided, as undefined: '#' on anything but
 * %x %X, '+' and ' ' on %s %c, a precision on %c, lengths on %p %s %c, and
 * a NULL %s with a precision below 6 (libk documents its own choice there).
 */
static void rand_directive(struct pf_case *pc)
{
	static const char convs[] = "diuxXpsc";
	static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z" };
	char conv = convs[rng_below(sizeof(convs) - 1)];
	int integer = strchr("diuxX", conv) != NULL;
	const char *len = integer ? lengths[rng_below(6)] : "";
	char flags[8], width[8] = "", prec[8] = "";
	int nf = 0;

	if (rng_below(3) == 0)
		flags[nf++] = '-';
	if (rng_below(3) == 0)
		flags[nf++] = '0';
	if (strchr("diuxXp", conv) && rng_below(4) == 0)
		flags[nf++] = rng_below(2) ? '+' : ' ';
	if ((conv == 'x' || conv == 'X') && rng_below(3) == 0)
		flags[nf++] = '#';
	flags[nf] = '\0';

	pc->wstar = pc->pstar = 0;
	pc->w = (int)rng_below(50) - 10;	/* negative only via '*' */
	pc->p = (int)rng_below(40) - 5;
	switch (rng_below(4)) {
	case 0:
		break;
	case 1:
		pc->wstar = 1;
		strcpy(width, "*");
		break;
	default:
		snprintf(width, sizeof(width), "%d", abs(pc->w));
		break;
	}
	if (conv != 'c') {
		switch (rng_below(4)) {
		case 0:
			pc->pstar = 1;
			strcpy(prec, ".*");
			break;
		case 1:
			snprintf(prec, sizeof(prec), ".%d", abs(pc->p));
			break;
		case 2:
			strcpy(prec, ".");	/* a lone '.' means 0 */
			break;
		}
	}
	snprintf(pc->fmt, sizeof(pc->fmt), "<%%%s%s%s%s%c>", flags, width,
		 prec, len, conv);

	pc->v = rand_value();
	pc->s = NULL;
	switch (conv) {
	case 'p':
		pc->kind = ARG_PTR;
		if (rng_below(8) == 0)
			pc->v = 0;
		break;
	case 's':
		pc->kind = ARG_STR;
		pc->s = pf_strings[rng_below(sizeof(pf_strings) / sizeof(pf_strings[0]))];
		/* NULL only where glibc and libk agree: no precision below 6. */
		if (rng_below(8) == 0 && !pc->pstar && prec[0] == '\0')
			pc->s = NULL;
		break;
	case 'c':
		pc->kind = ARG_CHAR;
		pc->v = (unsigned char)pc->v;
		break;
	default: {
		int is_signed = conv == 'd' || conv == 'i';

		if (!strcmp(len, "l"))
			pc->kind = is_signed ? ARG_LONG : ARG_ULONG;
		else if (!strcmp(len, "ll"))
			pc->kind = is_signed ? ARG_LLONG : ARG_ULLONG;
		else if (!strcmp(len, "z"))
			pc->kind = ARG_SIZE;
		else	/* int, and hh/h take int-promoted values */
			pc->kind = is_signed ? ARG_INT : ARG_UINT;
		break;
	}
	}
}

/* The optional star arguments, then the value, passed to either printf. */
#define PF_CALL(fn, buf, n, pc, val)                                         \
	((pc)->wstar && (pc)->pstar ? fn(buf, n, (pc)->fmt, (pc)->w, (pc)->p, val) : \
	 (pc)->wstar ? fn(buf, n, (pc)->fmt, (pc)->w, val) :                 \
	 (pc)->pstar ? fn(buf, n, (pc)->fmt, (pc)->p, val) :                 \
	 fn(buf, n, (pc)->fmt, val))

#define PF_BOTH(fn, buf, n, pc)                                              \
	({                                                                   \
		int r_ = -2;                                                 \
		switch ((pc)->kind) {                                        \
		case ARG_INT:    r_ = PF_CALL(fn, buf, n, pc, (int)(pc)->v); break; \
		case ARG_UINT:   r_ = PF_CALL(fn, buf, n, pc, (unsigned)(pc)->v); break; \
		case ARG_LONG:   r_ = PF_CALL(fn, buf, n, pc, (long)(pc)->v); break; \
		case ARG_ULONG:  r_ = PF_CALL(fn, buf, n, pc, (unsigned long)(pc)->v); break; \
		case ARG_LLONG:  r_ = PF_CALL(fn, buf, n, pc, (long long)(pc)->v); break; \
		case ARG_ULLONG: r_ = PF_CALL(fn, buf, n, pc, (pc)->v); break; \
		case ARG_SIZE:   r_ = PF_CALL(fn, buf, n, pc, (size_t)(pc)->v); break; \
		case ARG_PTR:    r_ = PF_CALL(fn, buf, n, pc, (void *)(uintptr_t)(pc)->v); break; \
		case ARG_STR:    r_ = PF_CALL(fn, buf, n, pc, (pc)->s); break; \
		case ARG_CHAR:   r_ = PF_CALL(fn, buf, n, pc, (int)(pc)->v); break; \
		}                                                            \
		r_;                                                          \
	})

#define PF_BUF 160
#define PF_ROUNDS 60000

KTEST(libk_vs_libc, snprintf_random_directives)
{
	char want[PF_BUF], got[PF_BUF];
	struct pf_case pc;

	rng_seed(5);
	for (int round = 0; round < PF_ROUNDS; round++) {
		/* Mostly room for all; sometimes a cut anywhere, or n == 0. */
		size_t n = rng_below(4) ? sizeof(want) : rng_below(24);
		int rw, rg;

		rand_directive(&pc);
		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		rw = PF_BOTH(snprintf, want, n, &pc);
		rg = PF_BOTH(libk_snprintf, got, n, &pc);
		if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
			KTEST_FAIL_(t, "format \"%s\" w %d p %d value 0x%llx s %s n %zu",
				    pc.fmt, pc.w, pc.p, pc.v, pc.s ? pc.s : "NULL", n);
			ktest_note(t, "libc %d \"%.*s\"", rw, (int)(n ? n : 1) - 1, want);
			ktest_note(t, "libk %d \"%.*s\"", rg, (int)(n ? n : 1) - 1, got);
			return;
		}
	}
}

/* Several directives in one format: argument fetching must stay aligned. */
KTEST(libk_vs_libc, snprintf_fixed_mixes)
{
	char want[256], got[256];
	int rw, rg;

	rng_seed(6);
	for (int round = 0; round < 2000; round++) {
		long long a = (long long)rand_value();
		unsigned long long b = rand_value();
		int c = (int)rand_value();
		size_t z = (size_t)rand_value();
		const char *s = pf_strings[rng_below(6)];
		size_t n = rng_below(2) ? sizeof(want) : rng_below(64);

		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		rw = snprintf(want, n, "%lld|%-20llx|%hhd|%s|%zu|%*.*s|%c|%p|%%|%05hu",
			      a, b, (signed char)c, s, z, c % 30, (int)(b % 9), s, c,
			      (void *)b, (unsigned short)c);
		rg = libk_snprintf(got, n, "%lld|%-20llx|%hhd|%s|%zu|%*.*s|%c|%p|%%|%05hu",
				   a, b, (signed char)c, s, z, c % 30, (int)(b % 9), s, c,
				   (void *)b, (unsigned short)c);
		if (!KEXPECT_EQ(t, rg, rw) || memcmp(want, got, sizeof(want)) != 0) {
			KTEST_FAIL_(t, "round %d n %zu: libc \"%s\" libk \"%s\"", round,
				    n, n ? want : "", n ? got : "");
			return;
		}
	}
}

/* ----------------------------------------------------------- strtoul --- */

/* A number-like string: space, sign, prefix, digits, junk, in random mixes
 * so that every path (prefix without digits, overflow, no digits) shows. */
static void rand_number(char *s, size_t max)
{
	static const char spaces[] = " \t\n\v\f\r";
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCXYZ";
	static const char junk[] = "xX+- _.gG\xe9";
	size_t i = 0;

	while (rng_below(4) == 0 && i < 4)
		s[i++] = spaces[rng_below(sizeof(spaces) - 1)];
	if (rng_below(3) == 0)
		s[i++] = rng_below(2) ? '-' : '+';
	switch (rng_below(5)) {
	case 0:
		s[i++] = '0';
		break;
	case 1:
		s[i++] = '0';
		s[i++] = rng_below(2) ? 'x' : 'X';
		break;
	}
	/* Short, or long enough to overflow in any base. */
	for (size_t n = rng_below(2) ? rng_below(8) : rng_below(70);
	     n && i < max - 2; n--)
		s[i++] = rng_below(3) ? digits[rng_below(rng_below(2) ? 10 : 42)] : '1';
	if (rng_below(2))
		s[i++] = junk[rng_below(sizeof(junk) - 1)];
	s[i] = '\0';
}

KTEST(libk_vs_libc, strtoul_random)
{
	char s[96];

	rng_seed(7);
	for (int round = 0; round < 60000; round++) {
		/* base 0, 8, 10, 16 most, every other base too; never an
		 * invalid one (glibc leaves *end unset there). */
		static const int common[] = { 0, 8, 10, 16 };
		int base = rng_below(2) ? common[rng_below(4)] : 2 + (int)rng_below(35);
		char *end_libc = NULL, *end_libk = NULL;
		unsigned long want, got;

		rand_number(s, sizeof(s));
		want = strtoul(s, &end_libc, base);
		got = libk_strtoul(s, &end_libk, base);
		if (!KEXPECT_EQ(t, got, want) ||
		    !KEXPECT_EQ(t, end_libk - s, end_libc - s)) {
			ktest_note(t, "strtoul(\"%s\", %d)", s, base);
			return;
		}
	}
}
