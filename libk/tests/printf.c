/* SPDX-License-Identifier: MIT */
/*
 * Suite libk_printf: libk's snprintf/vsnprintf against literal expected
 * output. Runs in both homes (no C library header). The expected strings
 * are what C99 (and glibc, for the choices C leaves open) prints.
 */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <limits.h>
#include <stdint.h>

/* Format into a roomy buffer; expect the text and a return of its length. */
#define FMT(t, expect, ...)                                                  \
	({                                                                   \
		char fmt_buf_[128];                                          \
		int fmt_r_ = snprintf(fmt_buf_, sizeof(fmt_buf_), __VA_ARGS__); \
		KEXPECT_STREQ(t, fmt_buf_, expect);                          \
		KEXPECT_EQ(t, fmt_r_, strlen(expect));                       \
	})

/*
 * The same for formats the compiler's format check rejects on purpose
 * (flags C calls ignored or undefined, a NULL %s): hiding the format in a
 * variable turns the check off for this call only.
 */
#define FMT_NC(t, expect, fmt, ...)                                          \
	({                                                                   \
		const char *volatile fmt_nc_ = (fmt);                        \
		FMT(t, expect, fmt_nc_, __VA_ARGS__);                        \
	})

KTEST(libk_printf, plain_text_and_percent)
{
	FMT(t, "", "%s", "");
	FMT(t, "hello", "hello");
	FMT(t, "100%", "100%%");
	FMT(t, "%%", "%%%%");
	FMT(t, "a%b", "a%%b");
}

KTEST(libk_printf, signed_decimal)
{
	FMT(t, "0", "%d", 0);
	FMT(t, "42", "%d", 42);
	FMT(t, "-42", "%i", -42);
	FMT(t, "2147483647", "%d", INT_MAX);
	FMT(t, "-2147483648", "%d", INT_MIN);
	FMT(t, "-2147483648", "%i", INT_MIN);
}

KTEST(libk_printf, unsigned_and_hex)
{
	FMT(t, "4294967295", "%u", UINT_MAX);
	FMT(t, "0", "%u", 0u);
	FMT(t, "deadbeef", "%x", 0xdeadbeefu);
	FMT(t, "DEADBEEF", "%X", 0xdeadbeefu);
	FMT(t, "0", "%x", 0u);
	FMT(t, "ffffffff", "%x", -1);
}

KTEST(libk_printf, length_hh_h)
{
	/* Values that do not fit the length on purpose: clang's format check
	 * rejects those literals, so FMT_NC. */
	FMT_NC(t, "-56", "%hhd", 200);
	FMT_NC(t, "127", "%hhi", 127);
	FMT_NC(t, "-128", "%hhd", 128);
	FMT_NC(t, "1", "%hhu", 257);
	FMT_NC(t, "ff", "%hhx", -1);
	FMT_NC(t, "AB", "%hhX", 0x1ab);
	FMT_NC(t, "-25536", "%hd", 40000);
	FMT_NC(t, "-32768", "%hi", 32768);
	FMT_NC(t, "1", "%hu", 65537);
	FMT_NC(t, "2345", "%hx", 0x12345);
	FMT_NC(t, "FFFF", "%hX", -1);
}

KTEST(libk_printf, length_l_ll_z)
{
	FMT(t, "-9223372036854775808", "%ld", LONG_MIN);
	FMT(t, "9223372036854775807", "%li", LONG_MAX);
	FMT(t, "18446744073709551615", "%lu", ULONG_MAX);
	FMT(t, "ffffffffffffffff", "%lx", ULONG_MAX);
	FMT(t, "-9223372036854775808", "%lld", LLONG_MIN);
	FMT(t, "-1", "%lli", -1LL);
	FMT(t, "18446744073709551615", "%llu", ULLONG_MAX);
	FMT(t, "123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
	FMT(t, "123456789ABCDEF0", "%llX", 0x123456789abcdef0ULL);
	FMT(t, "18446744073709551615", "%zu", (size_t)-1);
	FMT(t, "-5", "%zd", (intptr_t)-5);
	FMT(t, "1000", "%zx", (size_t)4096);
	/* The argument is read at its full width, so the next one lines up. */
	FMT(t, "4294967296 7", "%lu %d", 1UL << 32, 7);
	FMT(t, "1 2 3", "%hhd %lld %d", (signed char)1, 2LL, 3);
}

KTEST(libk_printf, width_and_flags)
{
	FMT(t, "   42", "%5d", 42);
	FMT(t, "42   |", "%-5d|", 42);
	FMT(t, "00042", "%05d", 42);
	FMT(t, "-0042", "%05d", -42);
	FMT_NC(t, "-42  |", "%-05d|", -42);	/* '-' overrides '0' */
	FMT(t, "12345", "%3d", 12345);		/* width is a minimum */
	FMT(t, "   ff", "%5x", 255);
	FMT(t, "000FF", "%05X", 255);
	FMT(t, "  +5", "%+4d", 5);
	FMT(t, "-5", "%+d", -5);
	FMT(t, " 5", "% d", 5);
	FMT_NC(t, "+5", "%+ d", 5);	/* '+' overrides ' ' */
	FMT_NC(t, "5", "%+u", 5u);		/* signs are for signed only */
	FMT(t, "0xff", "%#x", 255);
	FMT(t, "0XFF", "%#X", 255);
	FMT(t, "0", "%#x", 0);			/* no prefix for zero */
	FMT(t, "0x0000ff", "%#08x", 255);
	FMT(t, "  0xff", "%#6x", 255);
}

KTEST(libk_printf, star_width)
{
	FMT(t, "   42", "%*d", 5, 42);
	FMT(t, "42   |", "%*d|", -5, 42);	/* negative: '-' flag */
	FMT(t, "00042", "%0*d", 5, 42);
	FMT(t, "42", "%*d", 0, 42);
	FMT(t, "  abc", "%*s", 5, "abc");
}

KTEST(libk_printf, integer_precision)
{
	FMT(t, "007", "%.3d", 7);
	FMT(t, "-007", "%.3d", -7);
	FMT(t, "    -007", "%8.3d", -7);
	FMT_NC(t, "     007", "%08.3d", 7);	/* '0' ignored with precision */
	FMT(t, "007     |", "%-8.3d|", 7);
	FMT(t, "12345", "%.2d", 12345);
	FMT(t, "", "%.0d", 0);			/* no digit at all */
	FMT(t, "     ", "%5.0d", 0);
	FMT(t, "", "%.0x", 0u);
	FMT(t, "", "%#.0x", 0u);
	FMT(t, "0x0001", "%#.4x", 1u);
	FMT(t, "00ab", "%.*x", 4, 0xab);
	FMT(t, "ab", "%.*x", -1, 0xab);		/* negative: no precision */
	FMT(t, "+001", "%+.3d", 1);
}

KTEST(libk_printf, strings)
{
	const char unterminated[3] = { 'x', 'y', 'z' };

	FMT(t, "abc", "%s", "abc");
	FMT(t, "  abc", "%5s", "abc");
	FMT(t, "abc  |", "%-5s|", "abc");
	FMT(t, "ab", "%.2s", "abc");
	FMT(t, "", "%.0s", "abc");
	FMT(t, "abc", "%.10s", "abc");
	FMT(t, "    a", "%5.1s", "abc");
	FMT(t, "ab", "%.*s", 2, "abcdef");
	FMT(t, "abcdef", "%.*s", -3, "abcdef");
	FMT(t, "   ab", "%*.*s", 5, 2, "abcdef");
	FMT_NC(t, "  abc", "%05s", "abc");	/* '0' only pads numbers */
	/* With a precision the string need not be NUL-terminated. */
	FMT(t, "xyz", "%.3s", unterminated);
	FMT_NC(t, "(null)", "%s", (char *)NULL);
	FMT_NC(t, "(nu", "%.3s", (char *)NULL);
}

KTEST(libk_printf, chars)
{
	char buf[8];

	FMT(t, "A", "%c", 'A');
	FMT(t, "  A", "%3c", 'A');
	FMT(t, "A  |", "%-3c|", 'A');
	FMT_NC(t, "  A", "%03c", 'A');
	FMT(t, "\xe9", "%c", 0xe9);
	/* A NUL char is output and counted like any other. */
	KEXPECT_EQ(t, snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	KEXPECT_EQ(t, buf[0], 'a');
	KEXPECT_EQ(t, buf[1], '\0');
	KEXPECT_EQ(t, buf[2], 'b');
	KEXPECT_EQ(t, buf[3], '\0');
}

KTEST(libk_printf, pointers)
{
	FMT(t, "0x1234", "%p", (void *)0x1234);
	FMT(t, "0xffff800000000000", "%p", (void *)0xffff800000000000UL);
	FMT(t, "(nil)", "%p", NULL);
	FMT(t, "    0x1234", "%10p", (void *)0x1234);
	FMT(t, "0x1234    |", "%-10p|", (void *)0x1234);
	FMT_NC(t, "0x00001234", "%010p", (void *)0x1234);
	FMT_NC(t, "   (nil)", "%08p", NULL);
	FMT(t, "(nil)   |", "%-8p|", NULL);
}

KTEST(libk_printf, several_directives)
{
	FMT(t, "[  7|x|ab|0x10|-3]", "[%3d|%c|%s|%p|%d]", 7, 'x', "ab",
	    (void *)0x10, -3);
	FMT(t, "id=00042 name=eve   |", "id=%05u name=%-6s|", 42u, "eve");
}

KTEST(libk_printf, truncation_and_return_value)
{
	char buf[8];

	KEXPECT_EQ(t, snprintf(buf, 4, "abcdef"), 6);
	KEXPECT_STREQ(t, buf, "abc");
	KEXPECT_EQ(t, snprintf(buf, 7, "abcdef"), 6);	/* just fits */
	KEXPECT_STREQ(t, buf, "abcdef");
	KEXPECT_EQ(t, snprintf(buf, 6, "abcdef"), 6);	/* one short */
	KEXPECT_STREQ(t, buf, "abcde");
	KEXPECT_EQ(t, snprintf(buf, 1, "abcdef"), 6);
	KEXPECT_STREQ(t, buf, "");
	KEXPECT_EQ(t, snprintf(buf, 5, "%d", -123456), 7);
	KEXPECT_STREQ(t, buf, "-123");
	KEXPECT_EQ(t, snprintf(buf, 5, "%10s", "x"), 10);
	KEXPECT_STREQ(t, buf, "    ");
	KEXPECT_EQ(t, snprintf(buf, sizeof(buf), "%s", ""), 0);
	KEXPECT_STREQ(t, buf, "");
}

KTEST(libk_printf, size_zero_writes_nothing)
{
	char buf[4] = { 'q', 'q', 'q', 'q' };

	KEXPECT_EQ(t, snprintf(buf, 0, "hello %d", 42), 8);
	KEXPECT_EQ(t, buf[0], 'q');
	KEXPECT_EQ(t, snprintf(NULL, 0, "%d", 12345), 5);
	KEXPECT_EQ(t, snprintf(NULL, 0, "%100d", 1), 100);
}

KTEST(libk_printf, bytes_past_n_untouched)
{
	char buf[8] = { 'q', 'q', 'q', 'q', 'q', 'q', 'q', 'q' };

	snprintf(buf, 3, "%s", "abcdef");
	KEXPECT_EQ(t, buf[0], 'a');
	KEXPECT_EQ(t, buf[1], 'b');
	KEXPECT_EQ(t, buf[2], '\0');
	for (int i = 3; i < 8; i++)
		KEXPECT_EQ(t, buf[i], 'q');
}

/* vsnprintf called twice on copies of one va_list sees the same args. */
static int twice(char *a, char *b, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int twice(char *a, char *b, size_t n, const char *fmt, ...)
{
	va_list ap, ap2;
	int r1, r2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	r1 = vsnprintf(a, n, fmt, ap);
	r2 = vsnprintf(b, n, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	return r1 == r2 ? r1 : -1;
}

KTEST(libk_printf, vsnprintf_with_va_list)
{
	char a[32], b[32];

	KEXPECT_EQ(t, twice(a, b, sizeof(a), "%s-%d-%lx", "x", 5, 0xabUL), 6);
	KEXPECT_STREQ(t, a, "x-5-ab");
	KEXPECT_STREQ(t, b, "x-5-ab");
}

KTEST(libk_printf, unknown_conversion_is_copied)
{
	/* Through a variable so the compiler's format check lets it by. */
	const char *volatile bad = "[%y]";
	const char *volatile trailing = "abc%";
	char buf[16];

	KEXPECT_EQ(t, snprintf(buf, sizeof(buf), bad, 1), 4);
	KEXPECT_STREQ(t, buf, "[%y]");
	KEXPECT_EQ(t, snprintf(buf, sizeof(buf), trailing, 1), 4);
	KEXPECT_STREQ(t, buf, "abc%");
}
