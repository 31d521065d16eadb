/* SPDX-License-Identifier: MIT */
/*
 * conformance, debug mode: malloc(0) returns a unique address where any
 * access faults at once, even though the program never frees it.
 *
 *   LD_PRELOAD=build/host/libosmem-preload.so OSMEM_DEBUG=1 \
 *       build/host/conformance/debug_malloc0 read|write
 *
 * First the block behaves as a zero-size block must: a second malloc(0)
 * is another address, malloc_usable_size says 0, free and realloc take
 * such blocks (realloc to a size gives a block that size). Then it prints
 * "ptr=<the pointer>" and reads (or writes) one byte through the first
 * block, which it never frees: the process must die there of SIGSEGV. If
 * it survives it prints "survived" and exits 0; a broken contract before
 * that exits 1 with the reason on stderr (tests/conformance/cases_debug.sh
 * counts all of those as failures).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The compiler must not reason about the pointer: the allocator and the
 * MMU must see the access. */
static void *hide(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

static int broken(const char *why)
{
	fprintf(stderr, "debug_malloc0: %s\n", why);
	return 1;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	char *z = malloc(0), *z2 = malloc(0), *r;

	if (strcmp(how, "read") != 0 && strcmp(how, "write") != 0)
		return broken("usage: debug_malloc0 read|write");
	if (!z || !z2 || z == z2)
		return broken("malloc(0) twice did not give two addresses");
	if (malloc_usable_size(z) != 0 || malloc_usable_size(z2) != 0)
		return broken("malloc_usable_size of malloc(0) is not 0");
	free(z2);
	r = realloc(malloc(0), 10);
	if (!r || malloc_usable_size(r) < 10)
		return broken("realloc of malloc(0) to 10 bytes failed");
	memset(r, 'r', 10);
	free(r);
	if (realloc(malloc(0), 0) != NULL)
		return broken("realloc of malloc(0) to 0 did not free it");
	printf("ptr=%p\n", (void *)z);
	fflush(stdout);
	if (how[0] == 'r')
		printf("read %d\n", *(volatile char *)hide(z));
	else
		*(volatile char *)hide(z) = 'x';
	printf("survived\n");
	return 0;
}
