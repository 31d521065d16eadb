/* SPDX-License-Identifier: MIT */
/*
 * ktest runner: KTAP version 1 output, shared by both homes.
 *
 * Output shape (one nested block per suite, indented two spaces):
 *
 *   KTAP version 1
 *   1..2
 *     KTAP version 1
 *     # Subtest: libk_string
 *     1..3
 *     ok 1 strlen_counts_bytes
 *     # EXPECT a == b failed: 1 (0x1) vs 2 (0x2) at libk/tests/string.c:12
 *     not ok 2 memcmp_sign
 *     ok 3 strtoul_bases # SKIP not on this home
 *   ok 1 libk_string
 *   ...
 *
 * Diagnostics of a test come before its result line, as KUnit prints them.
 */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <stdarg.h>

extern const struct ktest_case __start_ktest_cases[];
extern const struct ktest_case __stop_ktest_cases[];
/* Weak: a program with no KTEST_SUITE (a lab checker) has no section. */
extern const struct ktest_suite __start_ktest_suites[] __attribute__((weak));
extern const struct ktest_suite __stop_ktest_suites[] __attribute__((weak));

static int ktest_indent;
/* The last run was stopped by its home's stop() (ktest_stopped). */
static int ktest_was_stopped;
/* The home of the run under way (ktest_run sets it). */
static const struct ktest_home *ktest_home;

static void ktest_vprint(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	ktest_home->print(buf, (size_t)n);
}

/* Print one line at the current nesting depth. */
static void ktest_line(const char *fmt, ...)
{
	va_list ap;

	if (ktest_indent)
		ktest_home->print("  ", 2);
	va_start(ap, fmt);
	ktest_vprint(fmt, ap);
	va_end(ap);
	ktest_home->print("\n", 1);
}

/* Print formatted text as it is (no indent, no newline added). */
static void ktest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktest_vprint(fmt, ap);
	va_end(ap);
}

int ktest_streq_(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

void ktest_note(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	(void)t;
	if (ktest_indent)
		ktest_home->print("  ", 2);
	ktest_home->print("# ", 2);
	va_start(ap, fmt);
	ktest_vprint(fmt, ap);
	va_end(ap);
	ktest_home->print("\n", 1);
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	t->failed++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktest_note(t, "%s at %s:%d", msg, file, line);
}

int ktest_suite_has_cases(const char *p, size_t n)
{
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)
		if (strlen(c->suite) == n && strncmp(c->suite, p, n) == 0)
			return 1;
	return 0;
}

int ktest_stopped(void)
{
	return ktest_was_stopped;
}

unsigned ktest_where(void)
{
	return ktest_home ? ktest_home->where : 0;
}

const struct ktest_suite *ktest_suite_find(const char *p, size_t n)
{
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		if (strlen(s->name) == n && strncmp(s->name, p, n) == 0)
			return s;
	return NULL;
}

/* A filter naming every suite: NULL, "", "all", "reverse", "shuffle:SEED". */
static int ktest_filter_keyword(const char *filter)
{
	return !filter || !*filter || strcmp(filter, "all") == 0 ||
	       strcmp(filter, "reverse") == 0 || strncmp(filter, "shuffle:", 8) == 0;
}

/*
 * Call fn(p, n) on each name of a comma-separated filter (not on NULL,
 * "" or "all"), until it returns non-zero; returns that name, else NULL.
 */
static const char *ktest_each_name(const char *filter, size_t *len,
				   int (*fn)(const char *p, size_t n))
{
	const char *p = filter;

	if (ktest_filter_keyword(filter))
		return NULL;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (fn(p, n)) {
			*len = n;
			return p;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return NULL;
}

/* No home knows the name p[0..n): not registered, no case here. */
static int ktest_name_unknown(const char *p, size_t n)
{
	return !ktest_suite_find(p, n) && !ktest_suite_has_cases(p, n);
}

const char *ktest_unknown_suite(const char *filter, size_t *len)
{
	return ktest_each_name(filter, len, ktest_name_unknown);
}

/* A suite of the other home only: named in a "# " line, not run here. */
static int ktest_note_elsewhere(const char *p, size_t n)
{
	const struct ktest_suite *s = ktest_suite_find(p, n);

	if (s && !(s->homes & ktest_home->where) && !ktest_suite_has_cases(p, n))
		ktest_line("# suite %.*s runs in the %s home, not here", (int)n, p,
			   s->homes & KTEST_HOME_KERNEL ? "kernel" : "host");
	return 0;	/* go on with the next name */
}

static const char *ktest_homes_name(unsigned homes)
{
	switch (homes & KTEST_HOME_BOTH) {
	case KTEST_HOME_BOTH:
		return "both";
	case KTEST_HOME_KERNEL:
		return "kernel";
	case KTEST_HOME_HOST:
		return "host";
	}
	return "none";
}

void ktest_list(const struct ktest_home *home, const char *prefix)
{
	ktest_home = home;
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		ktest_printf("%s%-22s %-6s %s\n", prefix, s->name,
			     ktest_homes_name(s->homes), s->what);
}

/* The filter names a suite no home knows: the list, then a bail-out. */
static int ktest_bail_out(const char *bad, size_t n)
{
	ktest_line("KTAP version 1");
	ktest_line("1..0");
	ktest_line("# no suite named '%.*s'; the suites (name, homes, what they check):",
		   (int)n, bad);
	ktest_list(ktest_home, "# ");
	ktest_line("Bail out! no suite named '%.*s' (ktest list names them)",
		   (int)n, bad);
	return -1;
}

/* Is tc the first case of its suite (so the suite is listed once)? */
static int ktest_first_of_suite(const struct ktest_case *tc)
{
	for (const struct ktest_case *c = __start_ktest_cases; c < tc; c++)
		if (strcmp(c->suite, tc->suite) == 0)
			return 0;
	return 1;
}

/* Run one case; returns 1 if it passed or was skipped, 0 if it failed. */
static int ktest_run_case(const struct ktest_case *tc, int number)
{
	struct ktest t = { .tc = tc };
	char why[256] = "";

	if (ktest_home->call(tc, &t, why, sizeof(why)) != 0) {
		t.failed++;
		ktest_note(&t, "test faulted: %s", why);
	}
	if (t.failed) {
		ktest_line("not ok %d %s", number, tc->name);
		return 0;
	}
	if (t.skipped)
		ktest_line("ok %d %s # SKIP %s", number, tc->name,
			   t.skip_reason ? t.skip_reason : "");
	else
		ktest_line("ok %d %s", number, tc->name);
	return 1;
}

/* Run the cases of one suite as a nested KTAP block; returns failures. */
static int ktest_run_suite(const char *suite)
{
	const struct ktest_case *tc;
	int count = 0, number = 0, failed = 0;

	for (tc = __start_ktest_cases; tc < __stop_ktest_cases; tc++)
		if (strcmp(tc->suite, suite) == 0)
			count++;

	ktest_indent = 1;
	ktest_line("KTAP version 1");
	ktest_line("# Subtest: %s", suite);
	ktest_line("1..%d", count);
	for (tc = __start_ktest_cases; tc < __stop_ktest_cases; tc++) {
		if (strcmp(tc->suite, suite) != 0)
			continue;
		if (ktest_home->stop && ktest_home->stop()) {
			ktest_was_stopped = 1;
			break;
		}
		failed += !ktest_run_case(tc, ++number);
	}
	ktest_indent = 0;
	return failed;
}

/*
 * The suites of a run, in the order they run (names may repeat): filled
 * by ktest_plan from the filter. One run at a time, as the output is.
 */
#define KTEST_MAX_RUN 256
static const char *ktest_order[KTEST_MAX_RUN];
static size_t ktest_order_n;
static int ktest_order_full;

/* Append the suite named p[0..n) when cases here belong to it. */
static int ktest_order_add(const char *p, size_t n)
{
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++) {
		if (strlen(c->suite) != n || strncmp(c->suite, p, n) != 0)
			continue;
		if (ktest_order_n == KTEST_MAX_RUN)
			ktest_order_full = 1;
		else
			ktest_order[ktest_order_n++] = c->suite;
		return 0;
	}
	return 0;	/* the other home's suite: named, not run */
}

/* Every suite here, in the order of their first cases. */
static void ktest_order_all(void)
{
	for (const struct ktest_case *tc = __start_ktest_cases; tc < __stop_ktest_cases; tc++)
		if (ktest_first_of_suite(tc))
			ktest_order_add(tc->suite, strlen(tc->suite));
}

static void ktest_order_reverse(void)
{
	for (size_t i = 0, j = ktest_order_n; i + 1 < j; i++, j--) {
		const char *x = ktest_order[i];

		ktest_order[i] = ktest_order[j - 1];
		ktest_order[j - 1] = x;
	}
}

/* A permutation fixed by seed (Fisher-Yates over xorshift64*): the same
 * seed gives the same order in every home and every run. */
static void ktest_order_shuffle(uint64_t seed)
{
	uint64_t x = seed * 2 + 1;	/* never 0: xorshift would stay there */

	for (size_t i = ktest_order_n; i > 1; i--) {
		size_t j;
		const char *y;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		j = (size_t)((x * 0x2545f4914f6cdd1dULL) >> 33) % i;
		y = ktest_order[i - 1];
		ktest_order[i - 1] = ktest_order[j];
		ktest_order[j] = y;
	}
}

/*
 * Fill ktest_order from the filter: "all" (or NULL, "") every suite in
 * link order, "reverse" the same backwards, "shuffle:SEED" a permutation
 * of them fixed by SEED, anything else the names it lists, in its order.
 */
static void ktest_plan(const char *filter)
{
	size_t n;

	ktest_order_n = 0;
	ktest_order_full = 0;
	if (ktest_filter_keyword(filter)) {
		ktest_order_all();
		if (!filter)
			return;
		if (strcmp(filter, "reverse") == 0)
			ktest_order_reverse();
		else if (strncmp(filter, "shuffle:", 8) == 0)
			ktest_order_shuffle(strtoul(filter + 8, NULL, 10));
		return;
	}
	ktest_each_name(filter, &n, ktest_order_add);
}

int ktest_run(const struct ktest_home *home, const char *filter)
{
	int failed_cases = 0;
	const char *bad;
	size_t n;

	ktest_home = home;
	ktest_was_stopped = 0;
	if (filter && strcmp(filter, "list") == 0) {
		ktest_list(home, "");
		return 0;
	}
	bad = ktest_unknown_suite(filter, &n);
	if (bad)
		return ktest_bail_out(bad, n);
	ktest_plan(filter);

	ktest_line("KTAP version 1");
	ktest_line("1..%d", (int)ktest_order_n);
	if (ktest_order_full) {
		ktest_line("Bail out! more than %d suites named", KTEST_MAX_RUN);
		return -1;
	}
	if (filter && (strcmp(filter, "reverse") == 0 || strncmp(filter, "shuffle:", 8) == 0))
		ktest_line("# order: %s", filter);
	ktest_each_name(filter, &n, ktest_note_elsewhere);
	for (size_t i = 0; i < ktest_order_n; i++) {
		int failed = ktest_run_suite(ktest_order[i]);

		failed_cases += failed;
		if (ktest_was_stopped) {
			/* The plans promised more: the log says why not. */
			ktest_line("Bail out! stopped in suite %s (%d failed before)",
				   ktest_order[i], failed_cases);
			return failed_cases;
		}
		ktest_line("%s %d %s", failed ? "not ok" : "ok", (int)i + 1, ktest_order[i]);
	}
	return failed_cases;
}
