/* SPDX-License-Identifier: MIT */
/*
 * free keeps errno and never aborts when the system refuses a munmap
 * (glibc's tst-free-errno: munmap fails with ENOMEM when unmapping part
 * of a merged area would pass vm.max_map_count). Run under
 * LD_PRELOAD=build/host/libosmem-preload.so (tests/conformance/
 * cases_maps.sh); prints what it checked, exits 0 when all held, 1 if not.
 *
 * The program defines munmap itself and exports it (built with
 * -rdynamic): the preloaded library's calls to munmap resolve to the
 * first definition in the global scope, the executable's. While
 * fail_munmap is set it fails with ENOMEM and unmaps nothing; otherwise it
 * makes the system call. It records every range it refused and every
 * range it unmapped, so the program can tell that the allocator really
 * called it (a run where it never did fails) and later gave each refused
 * range back, which /proc/self/maps must confirm.
 *
 * Steps: free of a 1 MiB block with munmap failing, errno set to a
 * sentinel first: no abort, errno unchanged; realloc of a 4 MiB block down
 * to 100 bytes (it moves into the heap, freeing its mapping) with munmap
 * failing: succeeds, contents kept, errno unchanged; then with munmap
 * working again, one more large malloc and free: both refused ranges are
 * unmapped and gone from /proc/self/maps, errno still unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SENTINEL 4242
#define MAX_RANGES 64

struct range {
	uintptr_t start;
	size_t len;
};

/* volatile: glibc declares free a leaf (it never calls back into the
 * program), so without it the compiler may keep these in registers across
 * the free that changes them here. */
static volatile int fail_munmap;
static struct range refused[MAX_RANGES], unmapped[MAX_RANGES];
static volatile unsigned nrefused, nunmapped;
static int failures;

int munmap(void *addr, size_t len);

int munmap(void *addr, size_t len)
{
	struct range r = { (uintptr_t)addr, len };

	if (fail_munmap) {
		if (nrefused < MAX_RANGES)
			refused[nrefused++] = r;
		errno = ENOMEM;
		return -1;
	}
	if (syscall(SYS_munmap, addr, len) != 0)
		return -1;
	if (nunmapped < MAX_RANGES)
		unmapped[nunmapped++] = r;
	return 0;
}

/* printf's buffer comes from malloc: the messages use a stack buffer and
 * write() instead, so they never disturb what is measured. */
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

static void expect(int ok, const char *what)
{
	say("%s %s\n", ok ? "ok:" : "FAILED:", what);
	failures += !ok;
}

/* Is any byte of [start, start+len) still mapped, by /proc/self/maps? */
static int still_mapped(uintptr_t start, size_t len)
{
	static char buf[1 << 16];
	ssize_t n;
	size_t got = 0;
	/* Read whole with read(): stdio's buffer would come from malloc. */
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return -1;
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	for (char *line = buf; *line; ) {
		char *end = strchr(line, '\n');
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    lo < start + len && start < hi)
			return 1;
		if (!end)
			break;
		line = end + 1;
	}
	return 0;
}

static int was_unmapped(const struct range *r)
{
	for (unsigned i = 0; i < nunmapped; i++)
		if (unmapped[i].start == r->start && unmapped[i].len == r->len)
			return 1;
	return 0;
}

int main(void)
{
	char *p, *q, *r, *x;
	int e;

	p = malloc(1 << 20);
	q = malloc(4 << 20);
	if (!p || !q) {
		say("FAILED: malloc\n");
		return 1;
	}
	memset(p, 1, 1 << 20);
	memset(q, 7, 4 << 20);

	fail_munmap = 1;
	errno = SENTINEL;
	free(p);
	e = errno;
	expect(nrefused == 1, "free(1 MiB) called munmap, which refused");
	expect(e == SENTINEL, "free kept errno when munmap failed");

	errno = SENTINEL;
	r = realloc(q, 100);
	e = errno;
	expect(r != NULL, "realloc(4 MiB block, 100) succeeded");
	expect(r && r[0] == 7 && r[99] == 7, "realloc kept the contents");
	expect(nrefused >= 2, "realloc's free of the mapping called munmap");
	expect(e == SENTINEL, "realloc kept errno when munmap failed");

	fail_munmap = 0;
	errno = SENTINEL;
	x = malloc(8 << 20);
	expect(x != NULL, "malloc(8 MiB) with munmap working again");
	free(x);
	free(r);
	e = errno;
	expect(e == SENTINEL, "errno unchanged after the retries");
	for (unsigned i = 0; i < nrefused && i < MAX_RANGES; i++) {
		char what[128];

		snprintf(what, sizeof(what),
			 "refused range %#lx+%zu unmapped later, gone from /proc/self/maps",
			 (unsigned long)refused[i].start, refused[i].len);
		expect(was_unmapped(&refused[i]) &&
		       still_mapped(refused[i].start, refused[i].len) == 0, what);
	}
	say("%s\n", failures ? "free_errno: FAILED" : "free_errno: all held");
	return failures ? 1 : 0;
}
