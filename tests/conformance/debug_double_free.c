/* SPDX-License-Identifier: MIT */
/*
 * conformance, debug mode: a block freed twice, with malloc having handed
 * out a block of the same size in between, is a double free: the freed
 * block waits in the quarantine, so the second free names it (and the
 * size the program asked for), not the new block.
 *
 *   LD_PRELOAD=build/host/libosmem-preload.so OSMEM_DEBUG=1 \
 *       build/host/conformance/debug_double_free
 *
 * Prints "ptr=<p>" and then frees p a second time; the allocator must
 * write one line on stderr,
 *   osmem: double free of <p> (block of 40 bytes) in free called from
 *   0x...; allocated from 0x...; freed from 0x...
 * and abort. If q == p it prints "reused" and exits 1; if the process
 * survives it prints "survived" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *hide(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

int main(void)
{
	char *p = malloc(40), *q;

	if (!p)
		return 1;
	free(p);
	q = malloc(40);
	if (!q || q == p) {
		printf("reused\n");
		return 1;
	}
	memset(q, 'q', 40);
	printf("ptr=%p\n", (void *)p);
	fflush(stdout);
	free(hide(p));
	printf("survived\n");
	return 0;
}
