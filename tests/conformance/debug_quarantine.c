/* SPDX-License-Identifier: MIT */
/*
 * conformance, debug mode: a write through a stale pointer after malloc
 * handed out a block of the same size again does not land in the new
 * owner's data; it is reported when the freed block leaves the
 * quarantine, and the process stops there.
 *
 *   LD_PRELOAD=build/host/libosmem-preload.so OSMEM_DEBUG=1 \
 *       build/host/conformance/debug_quarantine
 *
 * p = malloc(64) is filled and freed; q = malloc(64) must be another block
 * (else it prints "reused" and exits 1). Then it prints "ptr=<p>", writes
 * one byte through p, checks that q kept its bytes ("q intact", else
 * "q written" and exit 1), and frees 1 MiB in 16 KiB blocks, which pushes
 * p out of the quarantine: the allocator must report the write on stderr,
 *   osmem: write after free of <p> (block of 64 bytes): ... in free
 *   called from 0x...; allocated from 0x...; freed from 0x...
 * and abort. If it survives it prints "survived" and exits 0.
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
	char *p = malloc(64), *q, *x;

	if (!p)
		return 1;
	memset(p, 'p', 64);
	free(p);
	q = malloc(64);
	if (!q || q == p) {
		printf("reused\n");
		return 1;
	}
	memset(q, 'q', 64);
	printf("ptr=%p\n", (void *)p);
	fflush(stdout);
	((char *)hide(p))[20] = 'X';            /* the stale write */
	for (int i = 0; i < 64; i++)
		if (q[i] != 'q') {
			printf("q written\n");
			return 1;
		}
	printf("q intact\n");
	fflush(stdout);
	for (int i = 0; i < 64; i++) {
		x = malloc(16384);
		if (x)
			memset(x, 0, 16384);
		free(x);
	}
	free(q);
	printf("survived\n");
	return 0;
}
