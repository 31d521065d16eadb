/* SPDX-License-Identifier: MIT */
/*
 * build/host/preload-semantics: the malloc family's contract, as the C
 * standard and glibc define it, checked case by case. tests/preload/check.sh
 * runs it plainly (so every expectation is first shown to hold for glibc
 * itself) and under LD_PRELOAD of build/host/libosmem-preload.so.
 *
 *   preload-semantics [--strict]    run the checks; exit 1 if one fails
 *   preload-semantics --which       print the file that defines malloc
 *
 * --strict adds the checks where the C standard (C17 DR 460) is stricter
 * than glibc before 2.38: aligned_alloc with an alignment that is not a
 * power of two fails with EINVAL. The drop-in library follows the standard.
 *
 * Built with -fno-builtin: the compiler must not fold malloc(SIZE_MAX) or
 * drop a malloc/free pair; each call here reaches the library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failed, count;

static void check(int ok, const char *name)
{
	count++;
	if (!ok)
		failed++;
	printf("%s %s\n", ok ? "ok  " : "FAIL", name);
}

static int aligned(const void *p, size_t a)
{
	return p && (uintptr_t)p % a == 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A size the compiler cannot see through: it must not refuse to compile
 * (or fold away) the impossible requests this file makes on purpose. */
static size_t opaque(size_t x)
{
	volatile size_t v = x;

	return v;
}

static int nomem(void *p)
{
	return p == NULL && errno == ENOMEM;
}

static void too_large(void)
{
	void *p;

	errno = 0;
	check(nomem(malloc(opaque(SIZE_MAX))), "malloc(SIZE_MAX) is NULL, ENOMEM");
	errno = 0;
	check(nomem(malloc(opaque(SIZE_MAX - 4096))), "malloc(SIZE_MAX - 4096) is NULL, ENOMEM");
	errno = 0;
	check(nomem(malloc(opaque(PTRDIFF_MAX + (size_t)1))), "malloc(PTRDIFF_MAX + 1) is NULL, ENOMEM");
	errno = 0;
	check(nomem(calloc(opaque(SIZE_MAX / 2 + 1), 2)), "calloc overflow is NULL, ENOMEM");
	errno = 0;
	check(nomem(calloc(opaque((size_t)1 << 33), opaque((size_t)1 << 33))),
	      "calloc(2^33, 2^33) is NULL, ENOMEM");
	errno = 0;
	check(nomem(reallocarray(NULL, opaque(SIZE_MAX / 4), 8)),
	      "reallocarray overflow is NULL, ENOMEM");
	errno = 0;
	check(nomem(aligned_alloc(64, opaque(SIZE_MAX - 16))),
	      "aligned_alloc(64, SIZE_MAX - 16) is NULL, ENOMEM");
	check(posix_memalign(&p, 4096, opaque(SIZE_MAX - 100)) == ENOMEM,
	      "posix_memalign(4096, SIZE_MAX - 100) returns ENOMEM");
	errno = 0;
	check(nomem(pvalloc(opaque(SIZE_MAX - 10))), "pvalloc(SIZE_MAX - 10) is NULL, ENOMEM");

	unsigned char *q = malloc(100);

	memset(q, 0x5c, 100);
	errno = 0;
	check(nomem(realloc(q, opaque(SIZE_MAX - 64))), "realloc(p, huge) is NULL, ENOMEM");
	check(q[0] == 0x5c && q[99] == 0x5c, "realloc(p, huge) leaves p intact");
	free(q);
}

static void alignment_errors(void)
{
	void *p = (void *)&p;

	check(posix_memalign(&p, 0, 8) == EINVAL, "posix_memalign(0) is EINVAL");
	check(posix_memalign(&p, 3, 8) == EINVAL, "posix_memalign(3) is EINVAL");
	check(posix_memalign(&p, 4, 8) == EINVAL,
	      "posix_memalign(4) is EINVAL (not a multiple of sizeof(void *))");
	check(posix_memalign(&p, 24, 8) == EINVAL, "posix_memalign(24) is EINVAL");
	check(p == (void *)&p, "posix_memalign failures leave *out alone");
}

static void alignments(void)
{
	for (size_t a = sizeof(void *); a <= ((size_t)1 << 21); a <<= 1) {
		void *p = NULL;
		char name[96];
		int ok = posix_memalign(&p, a, 100) == 0 && aligned(p, a);

		if (ok)
			memset(p, 1, 100);
		free(p);
		snprintf(name, sizeof(name), "posix_memalign(%zu, 100) is aligned", a);
		check(ok, name);
	}
	for (size_t a = 1; a <= 65536; a <<= 2) {
		void *p = aligned_alloc(a, 3 * a);
		char name[96];

		snprintf(name, sizeof(name), "aligned_alloc(%zu, %zu) is aligned", a, 3 * a);
		check(aligned(p, a) && malloc_usable_size(p) >= 3 * a, name);
		free(p);
	}
	void *m = memalign(24, 10);

	check(aligned(m, 32), "memalign(24) rounds up to 32");
	free(m);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *v = valloc(1), *pv = pvalloc(1);

	check(aligned(v, page), "valloc is page-aligned");
	check(aligned(pv, page) && malloc_usable_size(pv) >= page,
	      "pvalloc is page-aligned and rounds the size up to a page");
	free(v);
	free(pv);
	for (int i = 1; i < 2000; i += 37) {
		void *x = malloc((size_t)i);

		if (!aligned(x, 16)) {
			check(0, "malloc results are 16-aligned");
			free(x);
			return;
		}
		free(x);
	}
	check(1, "malloc results are 16-aligned");
}

static void strict_checks(void)
{
	errno = 0;
	check(aligned_alloc(3, 8) == NULL && errno == EINVAL,
	      "aligned_alloc(3) is NULL, EINVAL");
	errno = 0;
	check(aligned_alloc(0, 8) == NULL && errno == EINVAL,
	      "aligned_alloc(0) is NULL, EINVAL");
}

static void zero_sizes(void)
{
	void *a = malloc(0), *b = malloc(0);

	check(a && b && a != b, "malloc(0) gives distinct non-NULL pointers");
	free(a);
	free(b);
	a = malloc(10);
	check(realloc(a, 0) == NULL, "realloc(p, 0) frees p and returns NULL");
	a = realloc(NULL, 10);
	check(a != NULL && malloc_usable_size(a) >= 10, "realloc(NULL, n) is malloc(n)");
	free(a);
	check(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");
	errno = 1234;
	free(NULL);
	a = malloc(50);
	errno = 1234;
	free(a);
	check(errno == 1234, "free keeps errno");
}

static void usable_and_contents(void)
{
	static const size_t sizes[] = { 1, 24, 100, 1000, 5000, 100000,
					200000, 3000000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], u;
		unsigned char *p = malloc(n), *q;
		char name[96];
		int ok;

		u = malloc_usable_size(p);
		memset(p, 0xee, u);	/* all of it is ours to write */
		free(p);
		q = calloc(1, n);
		ok = q && all_zero(q, n) && u >= n;
		snprintf(name, sizeof(name),
			 "%zu bytes: usable size >= size; calloc after free is zero", n);
		check(ok, name);
		free(q);
	}

	/* realloc keeps contents through every kind of move. */
	size_t steps[] = { 10, 300, 70000, 200000, 2000000, 150000, 40, 8 };
	unsigned char *p = malloc(1);
	size_t have = 1;
	int ok = 1;

	p[0] = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i], keep = n < have ? n : have;

		p = realloc(p, n);
		for (size_t k = 0; p && k < keep; k++)
			if (p[k] != (unsigned char)(k * 13))
				ok = 0;
		for (size_t k = 0; p && k < n; k++)
			p[k] = (unsigned char)(k * 13);
		have = n;
	}
	free(p);
	check(ok, "realloc keeps contents through growth and shrinking");
}

/* Which file defines the malloc this process calls. */
static int which(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;

	if (!sym || !dladdr(sym, &info) || !info.dli_fname) {
		printf("unknown\n");
		return 1;
	}
	printf("%s\n", info.dli_fname);
	return 0;
}

int main(int argc, char **argv)
{
	int strict = argc > 1 && !strcmp(argv[1], "--strict");

	if (argc > 1 && !strcmp(argv[1], "--which"))
		return which();
	too_large();
	alignment_errors();
	alignments();
	if (strict)
		strict_checks();
	zero_sizes();
	usable_and_contents();
	printf("%d checks, %d failed\n", count, failed);
	return failed ? 1 : 0;
}
