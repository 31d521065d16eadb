/* SPDX-License-Identifier: MIT */
/*
 * A double free is named a double free, with the size the program
 * allocated, however the freed block changed in between. Run under
 * LD_PRELOAD=build/host/libosmem-preload.so (tests/conformance/
 * cases_maps.sh), which expects SIGABRT and exactly one line on stderr:
 *
 *   osmem: double free of PTR (block of N bytes) in free called from 0x...
 *
 * where PTR and N are what the program printed first, on stdout, as
 * "ptr=PTR size=N" (N: malloc_usable_size of the block while it was live).
 *
 *   double_free_merged heap   three adjacent 100-byte blocks a, b, c:
 *                             free(b), free(a) (b merges into a's free
 *                             block), free(b)
 *   double_free_merged map    a 200 KiB block (a mapping) freed, then a
 *                             dozen other mappings, all live at the same
 *                             time as it (so none shares its address)
 *                             freed, then the first freed again
 *
 * "survived" on stdout means the second free returned.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A line on stdout at once (no stdio buffer: the process will abort). */
static void say_block(void *p, size_t size)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "ptr=%p size=%zu\n", p, size);

	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		_exit(2);
}

static int heap_case(void)
{
	char *a = malloc(100), *b = malloc(100), *c = malloc(100);

	if (!a || !b || !c || b - a != c - b || b - a != 112) {
		printf("not adjacent: %p %p %p\n", (void *)a, (void *)b, (void *)c);
		return 1;
	}
	say_block(b, malloc_usable_size(b));
	free(b);
	free(a);
	free(b);
	return 0;
}

static int map_case(void)
{
	char *p = malloc(200 * 1024), *m[12];

	for (int i = 0; i < 12; i++)
		m[i] = malloc(130 * 1024 + (size_t)i * 4096);
	if (!p || !m[11])
		return 1;
	say_block(p, malloc_usable_size(p));
	free(p);
	for (int i = 0; i < 12; i++)
		free(m[i]);
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc != 2 || (strcmp(argv[1], "heap") && strcmp(argv[1], "map"))) {
		fprintf(stderr, "usage: double_free_merged heap|map\n");
		return 2;
	}
	rc = strcmp(argv[1], "heap") ? map_case() : heap_case();
	printf("survived\n");
	return rc ? rc : 3;
}
