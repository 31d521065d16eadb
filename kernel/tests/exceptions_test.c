/* SPDX-License-Identifier: MIT */
/*
 * Suite exceptions: CPU exceptions provoked on purpose are caught by the
 * fault recovery (ktest_expect_fault), with the right vector and, for #PF,
 * the right CR2 and error code; a case that faults unexpectedly is reported
 * as failed (checked on a scratch case, so this suite itself passes); and
 * the expect-fault API reports a missing or wrong fault.
 */
#include "kernel/ktest_kernel.h"
#include "kernel/arch/x86_64/setjmp.h"
#include "kernel/symbols.h"
#include "kernel/arch/x86_64/trap.h"
#include "libk/ktest.h"
#include "libk/string.h"

/* Lower half: never mapped, before or after the mm layer. */
#define UNMAPPED_ADDR		0x0000400000000008UL
#define NONCANONICAL_ADDR	0x8000000000000000UL

static int contains(const char *s, const char *sub)
{
	size_t n = strlen(sub);

	for (; *s; s++)
		if (strncmp(s, sub, n) == 0)
			return 1;
	return 0;
}

static __attribute__((noinline)) void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

static __attribute__((noinline)) void do_div0(void *arg)
{
	unsigned int divisor = (unsigned int)(uintptr_t)arg;

	/* In asm: a C division by zero is undefined, the compiler could
	 * drop it. */
	__asm__ volatile("xorl %%edx, %%edx\n\t"
			 "movl $1, %%eax\n\t"
			 "divl %0"
			 : : "r"(divisor) : "rax", "rdx");
}

static __attribute__((noinline)) void do_int3(void *arg)
{
	(void)arg;
	__asm__ volatile("int3");
}

static __attribute__((noinline)) void do_write(void *arg)
{
	*(volatile uint64_t *)arg = 42;
}

static __attribute__((noinline)) void do_read(void *arg)
{
	(void)*(volatile uint64_t *)arg;
}

static __attribute__((noinline)) void do_nothing(void *arg)
{
	(void)arg;
}

KTEST(exceptions, invalid_opcode_is_caught)
{
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_UD, KTEST_ANY_ADDR, do_ud2, NULL), 0);
}

KTEST(exceptions, divide_by_zero_is_caught)
{
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_DE, KTEST_ANY_ADDR, do_div0, NULL), 0);
}

KTEST(exceptions, breakpoint_is_caught)
{
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_BP, KTEST_ANY_ADDR, do_int3, NULL), 0);
}

KTEST(exceptions, page_fault_is_caught_at_its_address)
{
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_PF, UNMAPPED_ADDR, do_write,
					 (void *)UNMAPPED_ADDR), 0);
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_PF, UNMAPPED_ADDR + 0x1000, do_read,
					 (void *)(UNMAPPED_ADDR + 0x1000)), 0);
}

KTEST(exceptions, non_canonical_access_is_general_protection)
{
	KEXPECT_EQ(t, ktest_expect_fault(t, TRAP_GP, KTEST_ANY_ADDR, do_read,
					 (void *)NONCANONICAL_ADDR), 0);
}

KTEST(exceptions, page_fault_info_is_decoded)
{
	struct fault_catch fc;
	char buf[160], sym[KSYM_FORMAT_MAX];

	fault_catch_push(&fc);
	if (ksetjmp(fc.jb) == 0) {
		do_write((void *)UNMAPPED_ADDR);
		fault_catch_pop(&fc);
		KTEST_FAIL_(t, "the write to 0x%lx did not fault", UNMAPPED_ADDR);
		return;
	}
	KEXPECT_EQ(t, fc.info.vector, TRAP_PF);
	KEXPECT_EQ(t, fc.info.cr2, UNMAPPED_ADDR);
	KEXPECT(t, fc.info.error & PF_WRITE);
	KEXPECT(t, !(fc.info.error & PF_PRESENT));
	KEXPECT(t, !(fc.info.error & PF_USER));
	KEXPECT_STREQ(t, ksym_lookup(fc.info.rip, NULL), "do_write");
	fault_describe(buf, sizeof(buf), &fc.info);
	ksym_format(sym, sizeof(sym), fc.info.rip);
	KEXPECT(t, contains(buf, "#PF page fault"));
	KEXPECT(t, contains(buf, sym));
	KEXPECT(t, contains(buf, "CR2 0x400000000008"));
	KEXPECT(t, contains(buf, "not-present write kernel data"));
	pf_error_describe(buf, sizeof(buf), PF_PRESENT | PF_USER | PF_IFETCH);
	KEXPECT_STREQ(t, buf, "protection read user ifetch");
}

static void scratch_case_fn(struct ktest *t)
{
	(void)t;
	do_ud2(NULL);
}

static void scratch_case_ok(struct ktest *t)
{
	KEXPECT_EQ(t, 1, 1);
}

KTEST(exceptions, unexpected_fault_fails_the_case_and_run_goes_on)
{
	const struct ktest_case faulty = { "scratch", "faults", scratch_case_fn };
	const struct ktest_case fine = { "scratch", "fine", scratch_case_ok };
	struct ktest inner = { .tc = &faulty };
	char why[256] = "";

	KEXPECT_NE(t, ktest_kernel_home.call(&faulty, &inner, why, sizeof(why)), 0);
	KEXPECT(t, contains(why, "#UD invalid opcode"));
	KEXPECT(t, contains(why, "do_ud2+0x"));
	/* The home still works after recovering from the fault. */
	inner.tc = &fine;
	why[0] = '\0';
	KEXPECT_EQ(t, ktest_kernel_home.call(&fine, &inner, why, sizeof(why)), 0);
	KEXPECT_STREQ(t, why, "");
}

KTEST(exceptions, expect_fault_reports_missing_and_wrong_faults)
{
	struct ktest inner = { .tc = t->tc };

	/* Each of these prints one "# " diagnostic for the scratch state. */
	KEXPECT_EQ(t, ktest_expect_fault(&inner, TRAP_UD, KTEST_ANY_ADDR,
					 do_nothing, NULL), -1);
	KEXPECT_EQ(t, inner.failed, 1);
	KEXPECT_EQ(t, ktest_expect_fault(&inner, TRAP_UD, KTEST_ANY_ADDR,
					 do_int3, NULL), -1);
	KEXPECT_EQ(t, inner.failed, 2);
	KEXPECT_EQ(t, ktest_expect_fault(&inner, TRAP_PF, UNMAPPED_ADDR + 8,
					 do_write, (void *)UNMAPPED_ADDR), -1);
	KEXPECT_EQ(t, inner.failed, 3);
	KEXPECT_EQ(t, t->failed, 0);
}

KTEST(exceptions, setjmp_longjmp_round_trip)
{
	kjmp_buf jb;
	volatile int passes = 0;
	int r;

	r = ksetjmp(jb);
	passes++;
	if (r == 0)
		klongjmp(jb, 0);	/* 0 becomes 1 */
	KEXPECT_EQ(t, r, 1);
	KEXPECT_EQ(t, passes, 2);
	r = ksetjmp(jb);
	if (r == 0)
		klongjmp(jb, 7);
	KEXPECT_EQ(t, r, 7);
}

#define RFLAGS_AC (1UL << 18)

static void rflags_set_ac(int on)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	f = on ? (f | RFLAGS_AC) : (f & ~RFLAGS_AC);
	__asm__ volatile("pushq %0; popfq" : : "r"(f) : "cc", "memory");
}

static uint64_t rflags_now(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* klongjmp gives back the flags of ksetjmp time (there: IF, which an
 * exception gate clears; AC here, which is harmless to flip in ring 0). */
KTEST(exceptions, longjmp_restores_rflags)
{
	kjmp_buf jb;

	rflags_set_ac(1);
	if (ksetjmp(jb) == 0) {
		rflags_set_ac(0);
		KEXPECT_EQ(t, rflags_now() & RFLAGS_AC, 0);
		klongjmp(jb, 1);
	}
	KEXPECT_EQ(t, rflags_now() & RFLAGS_AC, RFLAGS_AC);
	rflags_set_ac(0);
}
