/* SPDX-License-Identifier: MIT */
/* The one-line report format (suite osmem_report), both homes. */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "mm/osmem/report.h"

static void fake_sym(char *buf, size_t len, const void *addr)
{
	snprintf(buf, len, "fn_%lx+0x2c", (unsigned long)(uintptr_t)addr);
}

KTEST(osmem_report, double_free_line_names_what_where_and_who)
{
	struct osmem_report r = { .fault = OSMEM_FAULT_DOUBLE_FREE, .op = "free",
				  .ptr = (void *)0x1000, .size = 64 };
	char line[200];

	osmem_report_format(line, sizeof(line), &r, "kfree", (void *)0xab, fake_sym);
	KEXPECT_STREQ(t, line,
		      "osmem: double free of 0x1000 (block of 64 bytes) in kfree called from fn_ab+0x2c");
}

KTEST(osmem_report, without_front_or_caller_uses_the_core_op)
{
	struct osmem_report r = { .fault = OSMEM_FAULT_FOREIGN_POINTER, .op = "free",
				  .ptr = (void *)0x10 };
	char line[200];

	osmem_report_format(line, sizeof(line), &r, NULL, NULL, NULL);
	KEXPECT_STREQ(t, line, "osmem: pointer not from this heap of 0x10 in free");
}

KTEST(osmem_report, detail_and_debug_sites_follow)
{
	struct osmem_report r = { .fault = OSMEM_FAULT_REDZONE, .op = "free",
				  .ptr = (void *)0x2000, .size = 24,
				  .alloc_site = (void *)0x1, .free_site = NULL,
				  .detail = "byte 24 is 0x41" };
	char line[200];

	osmem_report_format(line, sizeof(line), &r, "free", (void *)0x2, NULL);
	KEXPECT_STREQ(t, line,
		      "osmem: heap overflow (red zone written) of 0x2000 (block of 24 bytes): byte 24 is 0x41 in free called from 0x2; allocated from 0x1");
}

KTEST(osmem_report, size_mismatch_names_both_sizes)
{
	struct osmem_report r = { .fault = OSMEM_FAULT_SIZE_MISMATCH,
				  .op = "free_sized", .ptr = (void *)0x3000,
				  .size = 40, .given = 48 };
	char line[200];

	osmem_report_format(line, sizeof(line), &r, "operator delete",
			    (void *)0x4, NULL);
	KEXPECT_STREQ(t, line,
		      "osmem: sized delete size mismatch of 0x3000 (block of 40 bytes): size given 48 in operator delete called from 0x4");
	r.size = 0;
	osmem_report_format(line, sizeof(line), &r, NULL, NULL, NULL);
	KEXPECT_STREQ(t, line,
		      "osmem: sized delete size mismatch of 0x3000 (block of 0 bytes): size given 48 in free_sized");
}

KTEST(osmem_report, truncates_and_returns_the_full_length)
{
	struct osmem_report r = { .fault = OSMEM_FAULT_DOUBLE_FREE, .op = "free",
				  .ptr = (void *)0x1000, .size = 64 };
	char big[200], small[16];
	int full = osmem_report_format(big, sizeof(big), &r, "kfree", NULL, NULL);
	int n = osmem_report_format(small, sizeof(small), &r, "kfree", NULL, NULL);

	KEXPECT_EQ(t, n, full);
	KEXPECT_STREQ(t, small, "osmem: double f");
}

KTEST(osmem_report, every_fault_has_a_name)
{
	for (int f = 0; f < OSMEM_FAULT_COUNT; f++)
		KEXPECT_NE(t, osmem_fault_name((enum osmem_fault)f)[0], 0);
	KEXPECT_STREQ(t, osmem_fault_name(OSMEM_FAULT_COUNT), "unknown fault");
}
