/* SPDX-License-Identifier: MIT */
/*
 * Symbol lookup over the generated, address-sorted table (binary search).
 * Safe in any context: reads only constant data, allocates nothing.
 */
#include "kernel/symbols.h"
#include "libk/printf.h"

extern const char __text_start[], __text_end[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	size_t lo = 0, hi = ksym_count;

	if (addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end)
		return NULL;
	/* Find the last entry with entry.addr <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ksym_table[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (offset)
		*offset = addr - ksym_table[lo - 1].addr;
	return ksym_table[lo - 1].name;
}

char *ksym_format(char *buf, size_t len, uintptr_t addr)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		snprintf(buf, len, "%s+0x%lx", name, (unsigned long)off);
	else
		snprintf(buf, len, "0x%lx", (unsigned long)addr);
	return buf;
}
