/* SPDX-License-Identifier: MIT */
/*
 * Kernel symbol table: address -> function name, for backtraces and fault
 * reports.
 *
 * The table is generated at build time from `nm` of a first link of the
 * kernel (mk/kernel.mk, mk/ksyms.sh) and linked into the final image; the make
 * rule checks that no text address moved between the two links. Only text
 * symbols are in it, sorted by address.
 *
 * ksym_lookup(addr, &off): the name of the function containing addr (the
 * nearest symbol at or below it, inside .text) and addr's offset from it;
 * NULL when addr is outside the kernel text or below its first symbol.
 * ksym_format(buf, len, addr): "name+0x2c", or "0x<addr>" when unknown;
 * returns buf (always NUL-terminated when len > 0).
 */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uintptr_t addr;
	const char *name;
};

/* Provided by the generated file (build/kernel/ksyms_gen.c). */
extern const struct ksym ksym_table[];
extern const size_t ksym_count;

#define KSYM_FORMAT_MAX 96

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);
char *ksym_format(char *buf, size_t len, uintptr_t addr);

#endif
