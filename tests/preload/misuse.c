/*
 * preload-misuse: one heap misuse per run, for tests/preload/misuse.sh.
 *
 *   preload-misuse CASE [LIBOSMEM]
 *
 * Prints "ptr=<the pointer it misuses>" on stdout (flushed) and then
 * commits the misuse. Under the drop-in library the process must end
 * right there with the report on stderr and SIGABRT; if it survives, it
 * prints "survived" and exits 0, which the script counts as a failure.
 *
 * Cases: double_free, free_p_plus_1, free_stack, usable_size_freed,
 * overflow_1 and write_after_free (need OSMEM_DEBUG=1), clean (no misuse:
 * must exit 0 quietly, debug or not), os_double_free (the course library:
 * LIBOSMEM is the path of build/host/libosmem.so, loaded with dlopen).
 *
 * Pointers pass through osmem_hide() so the compiler neither warns about
 * the misuse nor optimizes it away: the allocator, not gcc, must see it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *osmem_hide(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

static void say_ptr(const void *p)
{
	printf("ptr=%p\n", p);
	fflush(stdout);
}

static int survived(void)
{
	printf("survived\n");
	return 0;
}

static int os_double_free(const char *lib)
{
	void *h = lib ? dlopen(lib, RTLD_NOW) : NULL;
	void *(*os_malloc)(size_t);
	void (*os_free)(void *);
	char *p;

	if (!h) {
		fprintf(stderr, "cannot load %s: %s\n", lib ? lib : "(none)", dlerror());
		return 2;
	}
	*(void **)&os_malloc = dlsym(h, "os_malloc");
	*(void **)&os_free = dlsym(h, "os_free");
	if (!os_malloc || !os_free)
		return 2;
	p = os_malloc(40);
	say_ptr(p);
	os_free(p);
	os_free(osmem_hide(p));
	return survived();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	char *p, *q;
	long local[4] = { 0 };

	if (strcmp(c, "double_free") == 0) {
		p = malloc(40);
		say_ptr(p);
		free(p);
		free(osmem_hide(p));
	} else if (strcmp(c, "free_p_plus_1") == 0) {
		p = malloc(40);
		say_ptr(p + 1);
		free(osmem_hide(p + 1));
	} else if (strcmp(c, "free_stack") == 0) {
		say_ptr(&local[2]);
		free(osmem_hide(&local[2]));
	} else if (strcmp(c, "usable_size_freed") == 0) {
		p = malloc(40);
		say_ptr(p);
		free(p);
		printf("usable=%zu\n", malloc_usable_size(osmem_hide(p)));
	} else if (strcmp(c, "overflow_1") == 0) {
		p = malloc(24);
		say_ptr(p);
		((char *)osmem_hide(p))[24] = 'x';
		free(p);
	} else if (strcmp(c, "write_after_free") == 0) {
		/* p waits in debug mode's quarantine; the frees after it
		 * (1 MiB) push it out, and the write is found then */
		p = malloc(64);
		say_ptr(p);
		free(p);
		((char *)osmem_hide(p))[8] = 'x';
		for (int i = 0; i < 64; i++) {
			q = malloc(16384);
			if (q)
				memset(q, 0, 16384);
			free(q);
		}
	} else if (strcmp(c, "clean") == 0) {
		for (int i = 0; i < 1000; i++) {
			p = malloc((size_t)i * 8 + 1);
			if (!p)
				return 1;
			memset(p, 'a', (size_t)i * 8 + 1);
			p = realloc(p, (size_t)i * 16 + 1);
			if (!p)
				return 1;
			free(p);
		}
		return 0;
	} else if (strcmp(c, "os_double_free") == 0) {
		return os_double_free(argc > 2 ? argv[2] : NULL);
	} else {
		fprintf(stderr, "usage: preload-misuse CASE [LIBOSMEM]\n");
		return 2;
	}
	(void)local;
	return survived();
}
