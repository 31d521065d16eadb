/* SPDX-License-Identifier: MIT */
/*
 * glibc's dynamic mmap threshold, and the explicit tuning that turns it
 * off, under LD_PRELOAD=build/host/libosmem-preload.so (tests/
 * conformance/cases_maps.sh). Prints what it checked; exits 0 when all
 * held, 1 if not.
 *
 * The program defines mmap and munmap itself and exports them (built with
 * -rdynamic), so the preloaded library's calls reach them first; they
 * count and make the system call. A run in which the first 1 MiB malloc
 * reaches no mmap of ours fails: the counts would mean nothing.
 *
 *   dynamic_threshold default  1,000 times malloc(1 MiB), write, free: at
 *                              most LOOP_MAPS mmap calls in all (the first
 *                              block is a mapping; once it is freed the
 *                              threshold follows it and the rest come from
 *                              the heap), as few munmaps; then
 *                              malloc_trim(0) gives the heap top back (1).
 *   dynamic_threshold mallopt  mallopt(M_MMAP_THRESHOLD, 128 KiB) first
 *                              (1; 64 MiB is refused: 0): the rule is off,
 *                              every 1 MiB malloc is a mapping again.
 *   dynamic_threshold fixed    the threshold set by the environment (the
 *                              caller sets MALLOC_MMAP_THRESHOLD_=4194304):
 *                              a 1 MiB malloc comes from the heap (no
 *                              mmap), and the rule is off: 1,000 times
 *                              malloc(8 MiB)/free map every time.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 1000
#define BLOCK (1 << 20)
#define LOOP_MAPS 3

/* volatile: glibc declares malloc a leaf (it never calls back into the
 * program), so without it the compiler may keep a count in a register
 * across the malloc that changes it here. */
static volatile unsigned long nmmap, nmunmap;
static int failures;

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	nmmap++;
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	nmunmap++;
	return (int)syscall(SYS_munmap, addr, len);
}

/* Messages through a stack buffer and write(): stdio's buffer would
 * come from malloc and be counted. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(STDOUT_FILENO, line,
			   (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		_exit(2);
}

static void expect(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void expect(int ok, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	say("%s %s\n", ok ? "ok:" : "FAILED:", what);
	failures += !ok;
}

/* The loop over n-byte blocks; returns the mmap calls it made, munmaps
 * in *unmaps. */
static unsigned long loop(size_t n, unsigned long *unmaps)
{
	unsigned long m0 = nmmap, u0 = nmunmap;
	char *p;

	for (int i = 0; i < ROUNDS; i++) {
		p = malloc(n);
		if (!p) {
			say("FAILED: malloc(%zu) returned NULL\n", n);
			exit(1);
		}
		p[0] = p[n - 1] = (char)i;
		free(p);
	}
	*unmaps = nmunmap - u0;
	return nmmap - m0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned long maps, unmaps, before;
	char *p;

	if (strcmp(mode, "default") && strcmp(mode, "mallopt") &&
	    strcmp(mode, "fixed")) {
		say("usage: dynamic_threshold default|mallopt|fixed\n");
		return 2;
	}
	if (!strcmp(mode, "mallopt")) {
		expect(mallopt(M_MMAP_THRESHOLD, 64 << 20) == 0,
		       "mallopt(M_MMAP_THRESHOLD, 64 MiB) is refused");
		expect(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1,
		       "mallopt(M_MMAP_THRESHOLD, 128 KiB) is taken");
	}
	before = nmmap;
	p = malloc(BLOCK);
	if (!strcmp(mode, "fixed"))
		expect(p && nmmap == before,
		       "malloc(1 MiB) below MALLOC_MMAP_THRESHOLD_ came from the heap (%lu mmap calls)",
		       nmmap - before);
	else
		expect(p && nmmap == before + 1,
		       "the first malloc(1 MiB) reached the program's mmap (%lu calls)",
		       nmmap - before);
	free(p);
	maps = loop(strcmp(mode, "fixed") ? BLOCK : 8 * BLOCK, &unmaps);
	if (!strcmp(mode, "default")) {
		expect(maps <= LOOP_MAPS, "%d x malloc/free(1 MiB): %lu mmap calls, at most %d",
		       ROUNDS, maps, LOOP_MAPS);
		expect(unmaps <= LOOP_MAPS, "... and %lu munmap calls, at most %d",
		       unmaps, LOOP_MAPS);
		expect(malloc_trim(0) == 1, "malloc_trim(0) gave memory back");
	} else {
		expect(maps >= ROUNDS, "%d x malloc/free(%d MiB): %lu mmap calls: each one mapped (rule off)",
		       ROUNDS, strcmp(mode, "fixed") ? 1 : 8, maps);
		expect(unmaps >= ROUNDS, "... and %lu munmap calls", unmaps);
	}
	say("dynamic_threshold %s: %s\n", mode, failures ? "FAILED" : "all held");
	return failures ? 1 : 0;
}
