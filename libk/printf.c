/* SPDX-License-Identifier: MIT */
/*
 * libk vsnprintf/snprintf (contract: libk/printf.h).
 *
 * Directive: %[flags][width][.precision][length]conversion
 *   flags      '-' left justify, '0' pad with zeros, and as C also '+', ' '
 *              (sign of %d %i) and '#' (0x/0X before nonzero %x %X)
 *   width      digits or '*' (a negative int argument means '-' and |w|)
 *   precision  digits or '*' (negative: none). %s: most bytes printed;
 *              integers: fewest digits (so "%.0d" of 0 prints nothing)
 *   length     hh h l ll z (for %d %i %u %x %X)
 *   conversion d i u x X p s c %
 *
 * Output matches glibc's byte for byte for every such directive (the host
 * suite libk_vs_libc checks it), including these choices C leaves open:
 *   %p    0x followed by lowercase hex, as "%#lx" ('0', '+', ' ' and the
 *         precision apply as for integers); NULL prints "(nil)", padded by
 *         width with spaces.
 *   '0'   ignored for %s %c, for "(nil)", with '-', and for integers with a
 *         precision.
 *   %%    prints '%' whatever flags or width it carries.
 * Differences from glibc: a NULL %s prints "(null)" cut to the precision
 * (glibc prints nothing if the precision is below 6); an unknown conversion
 * is copied to the output as written, so the mistake shows.
 *
 * Return value: the length of the full output as C99, even when it did not
 * fit; -1 if that exceeds INT_MAX. At most n bytes are written, the last
 * one a NUL; n == 0 writes nothing (buf may then be NULL).
 */
#include "libk/printf.h"
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* Output cursor: len counts every byte produced, stored or not. */
struct pf_out {
	char *buf;
	size_t n;
	size_t len;
};

struct pf_spec {
	bool left, zero, plus, space, alt;
	int width;		/* 0: none */
	int prec;		/* -1: none */
	int length;		/* 'H' hh, 'h', 'l', 'L' ll, 'z', 0 none */
	char conv;
};

static void pf_putc(struct pf_out *o, char c)
{
	/* Keep the last byte of buf for the NUL. */
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void pf_puts(struct pf_out *o, const char *s, size_t len)
{
	while (len--)
		pf_putc(o, *s++);
}

static void pf_repeat(struct pf_out *o, char c, int count)
{
	for (; count > 0; count--)
		pf_putc(o, c);
}

/* Print body[0..len) in the field width, space padded on the side the
 * '-' flag says. */
static void pf_field(struct pf_out *o, const struct pf_spec *sp,
		     const char *body, size_t len)
{
	int pad = len < (size_t)sp->width ? sp->width - (int)len : 0;

	if (!sp->left)
		pf_repeat(o, ' ', pad);
	pf_puts(o, body, len);
	if (sp->left)
		pf_repeat(o, ' ', pad);
}

static void pf_string(struct pf_out *o, const struct pf_spec *sp, const char *s)
{
	size_t len = 0;

	if (!s)
		s = "(null)";
	/* Bounded by the precision: s need not be NUL-terminated then. */
	while ((sp->prec < 0 || len < (size_t)sp->prec) && s[len])
		len++;
	pf_field(o, sp, s, len);
}

/*
 * An integer: [padding][sign or 0x][zeros][digits][padding]. The zeros come
 * from the precision, or, with the '0' flag and no precision, fill the
 * width.
 */
static void pf_integer(struct pf_out *o, const struct pf_spec *sp,
		       unsigned long long mag, bool neg, bool is_signed)
{
	const char *digit = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp->conv == 'd' || sp->conv == 'i' || sp->conv == 'u' ? 10 : 16;
	char tmp[24];		/* 2^64 has 20 decimal digits */
	char prefix[3] = "";
	int ndig = 0, npre = 0, zeros, pad;
	bool nonzero = mag != 0;

	/* "%.0d" of 0 prints no digit at all. */
	while (mag || (ndig == 0 && sp->prec != 0)) {
		tmp[sizeof(tmp) - 1 - ndig++] = digit[mag % base];
		mag /= base;
	}
	if (neg)
		prefix[npre++] = '-';
	else if (is_signed && sp->plus)
		prefix[npre++] = '+';
	else if (is_signed && sp->space)
		prefix[npre++] = ' ';
	if (sp->conv == 'p' || (sp->alt && base == 16 && nonzero)) {
		prefix[npre++] = '0';
		prefix[npre++] = sp->conv == 'X' ? 'X' : 'x';
	}

	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > npre + ndig)
		zeros = sp->width - npre - ndig;
	pad = sp->width > npre + zeros + ndig ? sp->width - npre - zeros - ndig : 0;

	if (!sp->left)
		pf_repeat(o, ' ', pad);
	pf_puts(o, prefix, (size_t)npre);
	pf_repeat(o, '0', zeros);
	pf_puts(o, tmp + sizeof(tmp) - ndig, (size_t)ndig);
	if (sp->left)
		pf_repeat(o, ' ', pad);
}

/* Fetch a %d/%i argument at its length, widened. */
static long long pf_arg_signed(const struct pf_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	/* The signed type of size_t's width (ssize_t where it exists). */
	case 'z': return (long long)(intptr_t)va_arg(*ap, size_t);
	default:  return va_arg(*ap, int);
	}
}

static unsigned long long pf_arg_unsigned(const struct pf_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	default:  return va_arg(*ap, unsigned);
	}
}

/* Read a decimal number, saturating at INT_MAX. */
static int pf_number(const char **fmt)
{
	int v = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++) {
		int d = **fmt - '0';

		v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
	}
	return v;
}

/* Parse flags, width, precision and length at *fmt (just past the '%'). */
static void pf_parse(const char **fmt, struct pf_spec *sp, va_list *ap)
{
	const char *f = *fmt;

	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {
			sp->left = true;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = pf_number(&f);
	}
	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);

			f++;
			sp->prec = p < 0 ? -1 : p;
		} else {
			sp->prec = pf_number(&f);
		}
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->length = 'H';
		f += 2;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->length = 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l' || *f == 'z') {
		sp->length = *f++;
	}
	sp->conv = *f;
	if (*f)
		f++;
	*fmt = f;
}

/* Format one directive; start points at its '%', for unknown ones. */
static void pf_directive(struct pf_out *o, struct pf_spec *sp, va_list *ap,
			 const char *start, const char *end)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		long long v = pf_arg_signed(sp, ap);
		/* Negate in unsigned arithmetic: -LLONG_MIN does not fit. */
		unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v :
						 (unsigned long long)v;

		pf_integer(o, sp, mag, v < 0, true);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
		pf_integer(o, sp, pf_arg_unsigned(sp, ap), false, false);
		break;
	case 'p': {
		void *p = va_arg(*ap, void *);

		/* As glibc, a pointer takes '+' and ' ' like a signed number. */
		if (p) {
			pf_integer(o, sp, (uintptr_t)p, false, true);
		} else {
			sp->prec = -1;
			pf_string(o, sp, "(nil)");
		}
		break;
	}
	case 's':
		pf_string(o, sp, va_arg(*ap, const char *));
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		pf_field(o, sp, &c, 1);
		break;
	}
	case '%':
		pf_putc(o, '%');
		break;
	default:
		pf_puts(o, start, (size_t)(end - start));
		break;
	}
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct pf_out o = { buf, n, 0 };
	va_list args;

	/* A va_list parameter may be an array type, so take the address of a
	 * copy, not of ap, to hand it to the helpers. */
	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;
		struct pf_spec sp = { 0 };

		if (*fmt != '%') {
			pf_putc(&o, *fmt++);
			continue;
		}
		fmt++;
		pf_parse(&fmt, &sp, &args);
		pf_directive(&o, &sp, &args, start, fmt);
	}
	va_end(args);

	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > INT_MAX ? -1 : (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
