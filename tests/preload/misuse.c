/* SPDX-License-Identifier: MIT */
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
 * Through the per-thread caches: double_free_deep (the block is not the
 * head of its cache's list), double_free_other_thread (it sits in another
 * thread's cache), realloc_freed, free_one ((void *)1), corrupt_header
 * (its size word overwritten), overwritten_link (a freed block's list
 * link overwritten: malloc must not follow it).
 *
 * Pointers pass through osmem_hide() so the compiler neither warns about
 * the misuse nor optimizes it away: the allocator, not gcc, must see it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Another thread frees p into its own cache and stays alive (at its
 * exit its cache would go back to the heap) while main frees p again. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int freed;
} other = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void *other_free(void *p)
{
	free(p);
	pthread_mutex_lock(&other.lock);
	other.freed = 1;
	pthread_cond_signal(&other.cond);
	pthread_mutex_unlock(&other.lock);
	for (;;)
		pause();
	return NULL;
}

static void double_free_other_thread(void)
{
	pthread_t t;
	char *p = malloc(40);

	say_ptr(p);
	pthread_create(&t, NULL, other_free, p);
	pthread_mutex_lock(&other.lock);
	while (!other.freed)
		pthread_cond_wait(&other.cond, &other.lock);
	pthread_mutex_unlock(&other.lock);
	free(osmem_hide(p));
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
	} else if (strcmp(c, "double_free_deep") == 0) {
		p = malloc(40);
		q = malloc(40);
		say_ptr(p);
		free(p);
		free(q);
		free(osmem_hide(p));
	} else if (strcmp(c, "double_free_other_thread") == 0) {
		double_free_other_thread();
	} else if (strcmp(c, "realloc_freed") == 0) {
		p = malloc(40);
		say_ptr(p);
		free(p);
		p = realloc(osmem_hide(p), 80);
	} else if (strcmp(c, "free_one") == 0) {
		say_ptr((void *)1);
		free(osmem_hide((void *)1));
	} else if (strcmp(c, "corrupt_header") == 0) {
		p = malloc(40);
		say_ptr(p);
		((size_t *)osmem_hide(p))[-1] ^= (size_t)1 << 50;
		free(p);
	} else if (strcmp(c, "overwritten_link") == 0) {
		p = malloc(40);
		q = malloc(40);
		say_ptr(q);
		free(p);
		free(q);
		/* A write after free of q: its list link now names p + 4096. */
		*(char **)osmem_hide(q) = p + 4096;
		p = malloc(40);         /* q */
		p = malloc(40);         /* must not be p + 4096 */
		printf("got=%p\n", (void *)p);
	} else if (strcmp(c, "os_double_free") == 0) {
		return os_double_free(argc > 2 ? argv[2] : NULL);
	} else {
		fprintf(stderr, "usage: preload-misuse CASE [LIBOSMEM]\n");
		return 2;
	}
	(void)local;
	return survived();
}
