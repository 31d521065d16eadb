/* SPDX-License-Identifier: MIT */
/*
 * Suite libk_string: libk/string.h against literal expectations. Runs in
 * both homes, so it includes no C library header (libk's own names are the
 * ones under test: libk_memcpy etc. in both homes, libk/names.h).
 * Buffers are small: kernel stacks are 32 KiB.
 */
#include "libk/ktest.h"
#include "libk/string.h"
#include <limits.h>
#include <stdint.h>

#define GUARD 0xa5

/* A byte pattern that differs at every position of interest. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static void fill_pattern(unsigned char *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i + seed);
}

static void fill_guard(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = GUARD;
}

KTEST(libk_string, memset_fills_exactly_the_range)
{
	unsigned char buf[96];

	/* Every start alignment and length around the word size, so the
	 * head, word loop and tail are each hit and each skipped. */
	for (size_t off = 0; off < 9; off++) {
		for (size_t len = 0; len < 40; len++) {
			fill_guard(buf, sizeof(buf));
			KASSERT_PTR_EQ(t, memset(buf + off, 0x1ab, len), buf + off);
			for (size_t i = 0; i < sizeof(buf); i++) {
				int inside = i >= off && i < off + len;

				if (!KEXPECT_EQ(t, buf[i], inside ? 0xab : GUARD)) {
					ktest_note(t, "off %zu len %zu i %zu", off, len, i);
					return;
				}
			}
		}
	}
}

KTEST(libk_string, memset_zero_length_touches_nothing)
{
	unsigned char b = 7;

	KEXPECT_PTR_EQ(t, memset(&b, 0, 0), &b);
	KEXPECT_EQ(t, b, 7);
}

KTEST(libk_string, memcpy_all_lengths_and_alignments)
{
	unsigned char src[80], dst[96];

	fill_pattern(src, sizeof(src), 0);
	for (size_t so = 0; so < 9; so++) {
		for (size_t d_o = 0; d_o < 9; d_o++) {
			for (size_t len = 0; len <= 64; len++) {
				fill_guard(dst, sizeof(dst));
				KASSERT_PTR_EQ(t, memcpy(dst + d_o, src + so, len), dst + d_o);
				for (size_t i = 0; i < sizeof(dst); i++) {
					int inside = i >= d_o && i < d_o + len;
					unsigned want = inside ? pattern(i - d_o + so) : GUARD;

					if (!KEXPECT_EQ(t, dst[i], want)) {
						ktest_note(t, "src+%zu dst+%zu len %zu i %zu",
							   so, d_o, len, i);
						return;
					}
				}
			}
		}
	}
}

/* memmove within one buffer: byte i of the result must be checked
 * against the pattern as it was before the move. */
static int check_move(struct ktest *t, size_t from, size_t to, size_t len)
{
	unsigned char buf[112];

	fill_pattern(buf, sizeof(buf), 0);
	if (!KEXPECT_PTR_EQ(t, memmove(buf + to, buf + from, len), buf + to))
		return 0;
	for (size_t i = 0; i < sizeof(buf); i++) {
		unsigned want = i >= to && i < to + len ? pattern(i - to + from) :
							   pattern(i);

		if (!KEXPECT_EQ(t, buf[i], want)) {
			ktest_note(t, "from %zu to %zu len %zu i %zu", from, to, len, i);
			return 0;
		}
	}
	return 1;
}

KTEST(libk_string, memmove_overlap_dst_above_src)
{
	for (size_t from = 0; from < 9; from++)
		for (size_t shift = 1; shift < 20; shift++)
			for (size_t len = 0; len <= 80; len += 1 + len / 8)
				if (!check_move(t, from, from + shift, len))
					return;
}

KTEST(libk_string, memmove_overlap_dst_below_src)
{
	for (size_t to = 0; to < 9; to++)
		for (size_t shift = 1; shift < 20; shift++)
			for (size_t len = 0; len <= 80; len += 1 + len / 8)
				if (!check_move(t, to + shift, to, len))
					return;
}

KTEST(libk_string, memmove_disjoint_and_same_pointer)
{
	check_move(t, 0, 60, 40);
	check_move(t, 60, 3, 40);
	check_move(t, 10, 10, 50);
	check_move(t, 5, 90, 0);
}

KTEST(libk_string, memmove_literal_overlaps)
{
	char s[] = "abcdefghij";

	memmove(s + 2, s, 5);
	KEXPECT_STREQ(t, s, "ababcdehij");
	memmove(s, s + 3, 7);
	KEXPECT_STREQ(t, s, "bcdehijhij");
}

KTEST(libk_string, memcmp_sign_is_unsigned_bytes)
{
	KEXPECT_EQ(t, memcmp("abc", "abc", 3), 0);
	KEXPECT_LT(t, memcmp("abc", "abd", 3), 0);
	KEXPECT_GT(t, memcmp("abd", "abc", 3), 0);
	/* 0x80 is above 0x01 as unsigned char, whatever char's sign. */
	KEXPECT_GT(t, memcmp("\x80", "\x01", 1), 0);
	KEXPECT_LT(t, memcmp("\x01", "\xff", 1), 0);
	KEXPECT_EQ(t, memcmp("abX", "abY", 2), 0);
	KEXPECT_EQ(t, memcmp("x", "y", 0), 0);
	/* memcmp does not stop at NUL. */
	KEXPECT_LT(t, memcmp("a\0b", "a\0c", 3), 0);
}

KTEST(libk_string, memcmp_finds_difference_at_each_position)
{
	unsigned char a[40], b[40];

	for (size_t pos = 0; pos < sizeof(a); pos++) {
		fill_pattern(a, sizeof(a), 1);
		fill_pattern(b, sizeof(b), 1);
		/* 0x90 is the larger only when compared unsigned. */
		a[pos] = 0x10;
		b[pos] = 0x90;
		KEXPECT_LT(t, memcmp(a, b, sizeof(a)), 0);
		KEXPECT_GT(t, memcmp(b, a, sizeof(a)), 0);
		KEXPECT_EQ(t, memcmp(a, b, pos), 0);
	}
}

KTEST(libk_string, strlen_counts_bytes)
{
	KEXPECT_EQ(t, strlen(""), 0);
	KEXPECT_EQ(t, strlen("a"), 1);
	KEXPECT_EQ(t, strlen("hello, world"), 12);
	KEXPECT_EQ(t, strlen("ab\0cd"), 2);
	KEXPECT_EQ(t, strlen("\xff\x80"), 2);
}

KTEST(libk_string, strcmp_order)
{
	KEXPECT_EQ(t, strcmp("", ""), 0);
	KEXPECT_EQ(t, strcmp("abc", "abc"), 0);
	KEXPECT_LT(t, strcmp("abc", "abd"), 0);
	KEXPECT_GT(t, strcmp("abd", "abc"), 0);
	KEXPECT_LT(t, strcmp("ab", "abc"), 0);
	KEXPECT_GT(t, strcmp("abc", "ab"), 0);
	KEXPECT_LT(t, strcmp("", "a"), 0);
	KEXPECT_GT(t, strcmp("\xff", "a"), 0);
	KEXPECT_LT(t, strcmp("a", "\x80"), 0);
}

KTEST(libk_string, strncmp_stops_at_n_and_nul)
{
	KEXPECT_EQ(t, strncmp("abcX", "abcY", 3), 0);
	KEXPECT_LT(t, strncmp("abcX", "abcY", 4), 0);
	KEXPECT_EQ(t, strncmp("x", "y", 0), 0);
	/* Bytes after a common NUL are not compared. */
	KEXPECT_EQ(t, strncmp("ab\0X", "ab\0Y", 4), 0);
	KEXPECT_LT(t, strncmp("ab", "abc", 10), 0);
	KEXPECT_GT(t, strncmp("\xfe", "\x7f", 1), 0);
}

KTEST(libk_string, strchr_finds_first)
{
	const char *s = "hello", *hi = "a\xe9z";

	KEXPECT_PTR_EQ(t, strchr(s, 'l'), s + 2);
	KEXPECT_PTR_EQ(t, strchr(s, 'h'), s);
	KEXPECT_PTR_EQ(t, strchr(s, 'o'), s + 4);
	KEXPECT_NULL(t, strchr(s, 'z'));
	/* The terminator is part of the string. */
	KEXPECT_PTR_EQ(t, strchr(s, '\0'), s + 5);
	/* c is converted to char. */
	KEXPECT_PTR_EQ(t, strchr(s, 'e' + 256), s + 1);
	/* A byte above 0x7f is found by its unsigned value too. */
	KEXPECT_PTR_EQ(t, strchr(hi, 0xe9), hi + 1);
}

struct strtoul_case {
	const char *s;
	int base;
	unsigned long value;
	int end;		/* offset of *end in s */
};

static const struct strtoul_case strtoul_cases[] = {
	{ "0", 10, 0, 1 },
	{ "123", 10, 123, 3 },
	{ "123abc", 10, 123, 3 },
	{ "  \t\n\v\f\r42", 10, 42, 9 },
	{ "+42", 10, 42, 3 },
	{ "-1", 10, ULONG_MAX, 2 },
	{ "-42", 10, 0UL - 42, 3 },
	{ "ff", 16, 255, 2 },
	{ "FF", 16, 255, 2 },
	{ "0xff", 16, 255, 4 },
	{ "0XfF", 16, 255, 4 },
	{ "0xff", 0, 255, 4 },
	{ "-0x10", 0, 0UL - 16, 5 },
	{ "0x", 16, 0, 1 },		/* "0" is the number, "x" is left */
	{ "0x", 0, 0, 1 },
	{ "0xg", 0, 0, 1 },
	{ "0x1", 10, 0, 1 },
	{ "0755", 0, 493, 4 },
	{ "0758", 0, 61, 3 },
	{ "0", 0, 0, 1 },
	{ "09", 0, 0, 1 },
	{ "987", 0, 987, 3 },
	{ "101102", 2, 22, 5 },
	{ "777", 8, 511, 3 },
	{ "zz", 36, 1295, 2 },
	{ "ZZ", 36, 1295, 2 },
	{ "z", 35, 0, 0 },
	{ "yY", 35, 34 * 35 + 34, 2 },
	{ "18446744073709551615", 10, ULONG_MAX, 20 },
	{ "18446744073709551616", 10, ULONG_MAX, 20 },
	{ "99999999999999999999999x", 10, ULONG_MAX, 23 },
	{ "-18446744073709551615", 10, 1, 21 },
	{ "-18446744073709551616", 10, ULONG_MAX, 21 },
	{ "0xffffffffffffffff", 0, ULONG_MAX, 18 },
	{ "0x10000000000000000", 0, ULONG_MAX, 19 },
	{ "1111111111111111111111111111111111111111111111111111111111111111", 2,
	  ULONG_MAX, 64 },
	{ "3w5e11264sgsf", 36, ULONG_MAX, 13 },	/* exactly ULONG_MAX */
	{ "3w5e11264sgse", 36, ULONG_MAX - 1, 13 },
	{ "3w5e11264sgsg", 36, ULONG_MAX, 13 },
	/* No digits: nothing is consumed, not even space or sign. */
	{ "", 10, 0, 0 },
	{ "   ", 10, 0, 0 },
	{ "  -", 10, 0, 0 },
	{ "+", 0, 0, 0 },
	{ " +x", 16, 0, 0 },
	{ "abc", 10, 0, 0 },
	{ "- 1", 10, 0, 0 },
	/* Invalid bases. */
	{ "123", 1, 0, 0 },
	{ "123", 37, 0, 0 },
	{ "123", -1, 0, 0 },
};

KTEST(libk_string, strtoul_table)
{
	for (size_t i = 0; i < sizeof(strtoul_cases) / sizeof(strtoul_cases[0]); i++) {
		const struct strtoul_case *c = &strtoul_cases[i];
		char *end = NULL;
		unsigned long v = strtoul(c->s, &end, c->base);
		int ok = KEXPECT_EQ(t, v, c->value);

		ok &= KEXPECT_EQ(t, end - c->s, c->end);
		if (!ok)
			ktest_note(t, "strtoul(\"%s\", %d)", c->s, c->base);
	}
}

KTEST(libk_string, strtoul_null_end_and_every_base)
{
	KEXPECT_EQ(t, strtoul("77", NULL, 8), 63);
	for (int base = 2; base <= 36; base++) {
		char *end;

		/* "10" is the base itself; the digit base-1 alone is base-1. */
		KEXPECT_EQ(t, strtoul("10", &end, base), base);
		KEXPECT_EQ(t, *end, '\0');
	}
	KEXPECT_EQ(t, strtoul("9", NULL, 9), 0);
	KEXPECT_EQ(t, strtoul("8", NULL, 9), 8);
}
