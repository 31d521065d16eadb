/* SPDX-License-Identifier: MIT */
/*
 * A fake tiny kernel (docs/porting.md, example 2): the services a hobby
 * kernel already has before it takes an allocator - a break over its heap
 * region, a spinlock that also masks interrupts, a console - and the
 * kmalloc family its code calls. Only osmem_glue.c knows the allocator.
 */
#ifndef TESTS_PORT_TINYK_H
#define TESTS_PORT_TINYK_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's services (tinyk.c). */
void *tk_sbrk(intptr_t delta);          /* old break, or (void *)-1 */
void tk_lock(void);                     /* the heap's spinlock, IRQs off */
void tk_unlock(void);
void tk_printk(const char *s);

/* The kernel's string functions (tinyk.c): the C standard's names. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* The kmalloc family (osmem_glue.c). */
void kheap_init(void);
void *kmalloc(size_t n);
void kfree(void *p);
int kheap_check(void);

#endif
