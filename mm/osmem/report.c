/* SPDX-License-Identifier: MIT */
/*
 * The one-line misuse report (contract: mm/osmem/report.h). Freestanding:
 * both homes and every allocator format their reports here, so a report
 * reads the same on the serial console, on stderr and in a test.
 */
#include "mm/osmem/report.h"
#include "libk/printf.h"

static const char *const osmem_fault_names[OSMEM_FAULT_COUNT] = {
	[OSMEM_FAULT_DOUBLE_FREE] = "double free",
	[OSMEM_FAULT_INVALID_POINTER] = "invalid pointer",
	[OSMEM_FAULT_FOREIGN_POINTER] = "pointer not from this heap",
	[OSMEM_FAULT_CORRUPT_HEADER] = "corrupted block header",
	[OSMEM_FAULT_REDZONE] = "heap overflow (red zone written)",
	[OSMEM_FAULT_USE_AFTER_FREE] = "write after free",
	[OSMEM_FAULT_HEAP_CORRUPT] = "heap corruption",
	[OSMEM_FAULT_BACKEND] = "backend failure",
	[OSMEM_FAULT_SIZE_MISMATCH] = "sized delete size mismatch",
};

static const char *const osmem_op_names[OSMEM_OP_COUNT] = {
	[OSMEM_OP_MALLOC] = "malloc",
	[OSMEM_OP_FREE] = "free",
	[OSMEM_OP_REALLOC] = "realloc",
	[OSMEM_OP_USABLE_SIZE] = "usable_size",
	[OSMEM_OP_FREE_SIZED] = "free_sized",
	[OSMEM_OP_CHECK] = "check",
	[OSMEM_OP_TRIM] = "trim",
};

const char *osmem_op_name(enum osmem_op op)
{
	if ((unsigned)op >= OSMEM_OP_COUNT)
		return "?";
	return osmem_op_names[op];
}

const char *osmem_fault_name(enum osmem_fault f)
{
	if ((unsigned)f >= OSMEM_FAULT_COUNT)
		return "unknown fault";
	return osmem_fault_names[f];
}

static void osmem_symbolize(char *buf, size_t len, const void *addr,
			    osmem_symbolize_fn sym)
{
	if (sym)
		sym(buf, len, addr);
	else
		snprintf(buf, len, "%p", addr);
}

/* Append to buf at *at, never past len; *at counts the full length. */
static void osmem_append(char *buf, size_t len, int *at, const char *fmt,
			 const char *a, const char *b)
{
	size_t used = (size_t)*at < len ? (size_t)*at : len;
	int n = snprintf(buf + used, len - used, fmt, a, b);

	if (n > 0)
		*at += n;
}

int osmem_report_format(char *buf, size_t len, const struct osmem_report *r,
			const char *front, const void *caller,
			osmem_symbolize_fn sym)
{
	char name[96], ptr[24], size[80];
	int at;

	snprintf(ptr, sizeof(ptr), "%p", r->ptr);
	/* A mismatch is about the two sizes: both are named, even 0. */
	if (r->fault == OSMEM_FAULT_SIZE_MISMATCH)
		snprintf(size, sizeof(size), " (block of %zu bytes): size given %zu",
			 r->size, r->given);
	else if (r->size)
		snprintf(size, sizeof(size), " (block of %zu bytes)", r->size);
	else
		size[0] = '\0';
	at = snprintf(buf, len, "osmem: %s of %s%s", osmem_fault_name(r->fault),
		      ptr, size);
	if (at < 0)
		return at;
	if (r->detail)
		osmem_append(buf, len, &at, ": %s%s", r->detail, "");
	osmem_append(buf, len, &at, " in %s%s", front ? front : r->op, "");
	if (caller) {
		osmem_symbolize(name, sizeof(name), caller, sym);
		osmem_append(buf, len, &at, " called from %s%s", name, "");
	}
	if (r->alloc_site) {
		osmem_symbolize(name, sizeof(name), r->alloc_site, sym);
		osmem_append(buf, len, &at, "; allocated from %s%s", name, "");
	}
	if (r->free_site) {
		osmem_symbolize(name, sizeof(name), r->free_site, sym);
		osmem_append(buf, len, &at, "; freed from %s%s", name, "");
	}
	return at;
}
