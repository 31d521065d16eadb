/* SPDX-License-Identifier: MIT */
/*
 * ktest: one test framework for both homes.
 *
 * A test is a function declared with KTEST(suite, name). The same test file
 * compiles into the kernel (a runner prints KTAP on COM1 and exits QEMU) and
 * into a host program (a runner prints the same KTAP on stdout).
 *
 *     #include "libk/ktest.h"
 *
 *     KTEST(libk_string, strlen_counts_bytes)
 *     {
 *         KEXPECT_EQ(t, strlen("abc"), 3);
 *         KASSERT_NOT_NULL(t, p);        // ends the test on failure
 *     }
 *
 * Contract:
 * - Each KTEST places a struct ktest_case in the linker section "ktest_cases".
 *   The runner groups cases by suite name (in order of first appearance) and
 *   prints one nested KTAP block per suite.
 * - KEXPECT_* records a failure with a "# " diagnostic (expression, file:line,
 *   values) and lets the test go on; KASSERT_* records it and returns from the
 *   test function (so only use it in the test function's own body).
 * - KTEST_SKIP(t, reason) marks the test skipped and returns.
 * - The home hands ktest_run() a struct ktest_home: print (where the text
 *   goes), call (how a case is run: the kernel arms fault recovery there,
 *   so a test that faults is reported, not fatal) and where (its bit,
 *   KTEST_HOME_HOST or KTEST_HOME_KERNEL). The kernel and the host program
 *   each fill one table.
 * - Every suite is registered once, with the homes it runs in and one line
 *   saying what it checks, with KTEST_SUITE (libk/tests/suites.c, linked
 *   into both homes): so each home knows every suite name, its own and the
 *   other's. A filter name that no home knows fails the run (a "Bail out!"
 *   line after the list of suites); `ktest list` prints the list. The suite
 *   ktest checks that the table and the cases of the running home agree.
 *
 * This header is freestanding: it needs only <stddef.h> and <stdint.h>.
 */
#ifndef LIBK_KTEST_H
#define LIBK_KTEST_H

#include <stddef.h>
#include <stdint.h>

struct ktest;

struct ktest_case {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest *t);
};

/* The state of the running test, handed to every test function. */
struct ktest {
	const struct ktest_case *tc;
	int failed;              /* number of failed expectations */
	int skipped;             /* set by KTEST_SKIP */
	const char *skip_reason;
};

#define KTEST_SECTION "ktest_cases"

/* The homes a suite runs in (struct ktest_suite.homes, ktest_home.where). */
#define KTEST_HOME_HOST   1u
#define KTEST_HOME_KERNEL 2u
#define KTEST_HOME_BOTH   (KTEST_HOME_HOST | KTEST_HOME_KERNEL)

/* One suite's registration (KTEST_SUITE, libk/tests/suites.c). */
struct ktest_suite {
	const char *name;
	unsigned homes;          /* KTEST_HOME_* bits */
	const char *what;        /* one line: what the suite checks */
};

#define KTEST_SUITE_SECTION "ktest_suites"

/* Register suite `name` (an identifier), its homes and what it checks. A
 * program linking no registration (the lab checkers) still runs: its
 * suites are then the suites of its cases. */
#define KTEST_SUITE(name, homes_, what_)                                     \
	static const struct ktest_suite ktest_suite_##name                  \
		__attribute__((used, section(KTEST_SUITE_SECTION), aligned(8))) = { \
			#name, (homes_), (what_) }

#define KTEST(suite, name)                                                   \
	static void ktest_fn_##suite##__##name(struct ktest *t);             \
	static const struct ktest_case ktest_case_##suite##__##name          \
		__attribute__((used, section(KTEST_SECTION), aligned(8))) = {  \
			#suite, #name, ktest_fn_##suite##__##name };         \
	static void ktest_fn_##suite##__##name(struct ktest *t __attribute__((unused)))

/* Report one failed expectation; the macros below call it. */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Print a "# " diagnostic line under the current test. */
void ktest_note(struct ktest *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define KTEST_FAIL_(t, ...) ktest_fail((t), __FILE__, __LINE__, __VA_ARGS__)

/* A statement expression, so a constant cond used as a statement does not
 * draw -Wunused-value. */
#define KEXPECT(t, cond)                                                     \
	({                                                                   \
		int ktest_ok_ = !!(cond);                                    \
		if (!ktest_ok_)                                              \
			KTEST_FAIL_(t, "EXPECT %s failed", #cond);           \
		ktest_ok_;                                                   \
	})

#define KEXPECT_CMP_(t, a, op, b, ty, fmt)                                   \
	({                                                                   \
		ty ktest_a_ = (ty)(a);                                       \
		ty ktest_b_ = (ty)(b);                                       \
		int ktest_ok_ = ktest_a_ op ktest_b_;                        \
		if (!ktest_ok_)                                              \
			KTEST_FAIL_(t, "EXPECT %s %s %s failed: " fmt " vs " fmt, \
				    #a, #op, #b, ktest_a_, ktest_b_);        \
		ktest_ok_;                                                   \
	})

/* Integer comparisons print both sides in decimal and hex. */
#define KEXPECT_INT_(t, a, op, b)                                            \
	({                                                                   \
		long long ktest_a_ = (long long)(a), ktest_b_ = (long long)(b); \
		int ktest_ok_ = ktest_a_ op ktest_b_;                        \
		if (!ktest_ok_)                                              \
			KTEST_FAIL_(t, "EXPECT %s %s %s failed: %lld (0x%llx) vs %lld (0x%llx)", \
				    #a, #op, #b, ktest_a_,                   \
				    (unsigned long long)ktest_a_, ktest_b_,  \
				    (unsigned long long)ktest_b_);           \
		ktest_ok_;                                                   \
	})

#define KEXPECT_EQ(t, a, b) KEXPECT_INT_(t, a, ==, b)
#define KEXPECT_NE(t, a, b) KEXPECT_INT_(t, a, !=, b)
#define KEXPECT_LT(t, a, b) KEXPECT_INT_(t, a, <, b)
#define KEXPECT_LE(t, a, b) KEXPECT_INT_(t, a, <=, b)
#define KEXPECT_GT(t, a, b) KEXPECT_INT_(t, a, >, b)
#define KEXPECT_GE(t, a, b) KEXPECT_INT_(t, a, >=, b)
#define KEXPECT_PTR_EQ(t, a, b) KEXPECT_CMP_(t, a, ==, b, const void *, "%p")
#define KEXPECT_PTR_NE(t, a, b) KEXPECT_CMP_(t, a, !=, b, const void *, "%p")
#define KEXPECT_NULL(t, p) KEXPECT_PTR_EQ(t, p, NULL)
#define KEXPECT_NOT_NULL(t, p) KEXPECT_PTR_NE(t, p, NULL)
#define KEXPECT_STREQ(t, a, b)                                               \
	({                                                                   \
		const char *ktest_a_ = (a), *ktest_b_ = (b);                 \
		int ktest_ok_ = ktest_streq_(ktest_a_, ktest_b_);            \
		if (!ktest_ok_)                                              \
			KTEST_FAIL_(t, "EXPECT %s == %s failed: \"%s\" vs \"%s\"", \
				    #a, #b, ktest_a_ ? ktest_a_ : "(null)",  \
				    ktest_b_ ? ktest_b_ : "(null)");         \
		ktest_ok_;                                                   \
	})

/* KASSERT_*: as KEXPECT_*, but a failure ends the test. */
#define KASSERT(t, cond)          do { if (!KEXPECT(t, cond)) return; } while (0)
#define KASSERT_EQ(t, a, b)       do { if (!KEXPECT_EQ(t, a, b)) return; } while (0)
#define KASSERT_NE(t, a, b)       do { if (!KEXPECT_NE(t, a, b)) return; } while (0)
#define KASSERT_LE(t, a, b)       do { if (!KEXPECT_LE(t, a, b)) return; } while (0)
#define KASSERT_GE(t, a, b)       do { if (!KEXPECT_GE(t, a, b)) return; } while (0)
#define KASSERT_PTR_EQ(t, a, b)   do { if (!KEXPECT_PTR_EQ(t, a, b)) return; } while (0)
#define KASSERT_NULL(t, p)        do { if (!KEXPECT_NULL(t, p)) return; } while (0)
#define KASSERT_NOT_NULL(t, p)    do { if (!KEXPECT_NOT_NULL(t, p)) return; } while (0)

#define KTEST_SKIP(t, reason)                                                \
	do { (t)->skipped = 1; (t)->skip_reason = (reason); return; } while (0)

int ktest_streq_(const char *a, const char *b);

/* Where a run's output goes and how a case is called: one per home. */
struct ktest_home {
	/* Write `len` bytes of runner output. */
	void (*print)(const char *s, size_t len);
	/*
	 * Call tc->fn(t). Returns 0 when the function returned; non-zero when
	 * it faulted, after writing a one-line description of the fault into
	 * why[0..why_len) (the runner prints it as a diagnostic and fails the
	 * case).
	 */
	int (*call)(const struct ktest_case *tc, struct ktest *t, char *why,
		    size_t why_len);
	/* This home's bit: KTEST_HOME_HOST or KTEST_HOME_KERNEL. */
	unsigned where;
	/*
	 * Asked before every case (may be NULL: never): non-zero stops the
	 * run there, at a case boundary. The runner then prints "Bail out!
	 * stopped ..." and returns (ktest_stopped() says so). The kernel's
	 * shell hands in its Ctrl-C poll.
	 */
	int (*stop)(void);
};

/*
 * Run the suites `filter` names, in its order: a comma-separated list of
 * suite names (a name may repeat); NULL, "" or "all": every suite of this
 * home, in link order; "reverse": the same backwards; "shuffle:SEED": a
 * permutation of them fixed by SEED (the same in every run and home).
 * Prints KTAP version 1 through home->print. A registered suite of the
 * other home only is named in a "# " line and not run. Returns the number
 * of failed cases (0: all passed).
 *
 * filter "list": prints the suites (ktest_list) and returns 0. A name no
 * home knows (ktest_unknown_suite): prints the KTAP header, the suites as
 * "# " lines and "Bail out! no suite named 'NAME'", runs nothing and
 * returns -1.
 */
int ktest_run(const struct ktest_home *home, const char *filter);

/*
 * Print every registered suite through home->print, one line each:
 * its name, its homes (both, kernel or host) and what it checks.
 * `prefix` starts each line ("" or "# ").
 */
void ktest_list(const struct ktest_home *home, const char *prefix);

/*
 * The first name in `filter` that no home knows, neither registered in
 * ktest_suites[] nor the suite of a case linked here (pointing into
 * filter, its length in *len), or NULL when every name is a suite (or the
 * filter is NULL, "", "all", "reverse" or "shuffle:SEED").
 */
const char *ktest_unknown_suite(const char *filter, size_t *len);

/* The registration of the suite named p[0..n), or NULL. */
const struct ktest_suite *ktest_suite_find(const char *p, size_t n);

/* Did the last ktest_run end early, its home's stop() having said so? */
int ktest_stopped(void);

/* The running home's bit (ktest_home.where), 0 outside a run. */
unsigned ktest_where(void);

/* Does a case linked into this program belong to suite p[0..n)? */
int ktest_suite_has_cases(const char *p, size_t n);

#endif
