/* SPDX-License-Identifier: MIT */
/*
 * ktap-report: check KTAP version 1 logs and report their results.
 *
 *   ktap-report [-q] [--summary] [[LOG-OPTION...] LOG]...
 *
 * LOG is a file ("-" is standard input). For each log the tool prints every
 * failed test (its suite path, name, and the "#" diagnostic lines printed just
 * before its result), every problem with the log itself, and one line
 *
 *   LOG: N passed, M failed[, K skipped]
 *
 * Global options:
 *   -q, --quiet     print nothing per log (only --summary's line)
 *   --summary       end with "N passed, M failed[, K skipped]" over all logs
 * Log options (apply to the next LOG only, then reset):
 *   --exit-status=N the exit status of the program that wrote the log
 *   --expect-exit=M the status it has when every test passed (default 0)
 *   --fail-exit=K   the status that means "some tests failed" (optional)
 *   --qemu          explain statuses as QEMU's (isa-debug-exit, resets)
 *
 * Exit status: 0 when every log is well formed and all its tests passed or
 * were skipped, 1 otherwise, 2 on a usage or I/O error. "M failed" counts the
 * failed tests plus one per problem found in the log, so a broken run (a
 * truncated log, a wrong exit status...) never reads "0 failed".
 *
 * Grammar accepted (KTAP version 1; indentation is two spaces per level,
 * counted from the indentation of the first version line):
 *
 *   log      := noise* block
 *   block    := version [subtest] plan item*      (top level)
 *   nested   := (version [subtest] | subtest [version]) plan item* result
 *                                                 (one level deeper)
 *   item     := result | nested | diag | noise
 *   version  := "KTAP version 1"
 *   subtest  := "# Subtest: " NAME
 *   plan     := "1.." N [" # " comment]
 *   result   := ("ok" | "not ok") " " N [" " NAME] [" # " directive]
 *   directive:= "SKIP" [" " reason] | other text (ignored)
 *   diag     := "#" text
 *   noise    := any other line (boot messages, test output), ignored
 *
 * Trailing '\r' and blanks are removed from every line. A result line
 * directly after a nested block is that block's (suite's) result; any other
 * result is a leaf test, the only kind counted as passed/failed/skipped.
 *
 * Problems flagged: no version line; a missing, repeated or malformed plan;
 * fewer or more results than planned at any level; a result number out of
 * order; a nested block that never gets its result line; a suite result that
 * disagrees with its tests; a second top-level run in one log (a reboot);
 * an exit status other than the expected one; a "Bail out! REASON" line
 * (the runner gave up, e.g. on a suite name no home knows).
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KTAP_MAX_DEPTH 16

/* ------------------------------------------------------------ counts ---- */

struct counts {
	long passed;
	long failed;    /* failed leaf tests */
	long skipped;
	long problems;  /* defects of the log itself, each one counts as failed */
};

static void counts_add(struct counts *sum, const struct counts *c)
{
	sum->passed += c->passed;
	sum->failed += c->failed;
	sum->skipped += c->skipped;
	sum->problems += c->problems;
}

static int counts_all_good(const struct counts *c)
{
	return c->failed == 0 && c->problems == 0;
}

static void counts_print(FILE *f, const struct counts *c)
{
	fprintf(f, "%ld passed, %ld failed", c->passed, c->failed + c->problems);
	if (c->skipped)
		fprintf(f, ", %ld skipped", c->skipped);
	fputc('\n', f);
}

/* ------------------------------------------------------ text helpers ---- */

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		perror("ktap-report");
		exit(2);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Drop the line end and trailing blanks: serial logs end lines in "\r\n". */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
			 s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Parse a decimal number at *p; advances *p. Returns -1 if there is none. */
static long parse_number(const char **p)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		if (v > 100000000L)
			return -1;  /* absurd counts are malformed, not overflow */
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* ----------------------------------------------------- line grammar ---- */

enum line_kind {
	LINE_NOISE,
	LINE_VERSION,     /* KTAP version 1 */
	LINE_BAD_VERSION, /* KTAP version <something else> */
	LINE_SUBTEST,     /* # Subtest: NAME */
	LINE_DIAG,        /* # ... */
	LINE_PLAN,        /* 1..N */
	LINE_BAD_PLAN,    /* starts like a plan but is not one */
	LINE_RESULT,      /* ok N NAME / not ok N NAME */
};

struct line {
	enum line_kind kind;
	int indent;           /* leading spaces */
	const char *text;     /* the line after its indentation */
	long number;          /* plan count or result number */
	int ok;               /* result: 1 for "ok" */
	int skip;             /* result: "# SKIP" directive */
	const char *name;     /* result or subtest name (not NUL-terminated) */
	size_t name_len;
};

static int parse_version(const char *s, struct line *l)
{
	if (strncmp(s, "KTAP version ", 13) != 0)
		return 0;
	l->kind = strcmp(s + 13, "1") == 0 ? LINE_VERSION : LINE_BAD_VERSION;
	return 1;
}

static int parse_plan(const char *s, struct line *l)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (strncmp(p, "..", 2) != 0)
		return 0;  /* "12 pages" is noise, "1..x" is a broken plan */
	l->kind = LINE_BAD_PLAN;
	if (strncmp(s, "1..", 3) != 0)
		return 1;
	p = s + 3;
	l->number = parse_number(&p);
	if (l->number < 0 || (*p != '\0' && strncmp(p, " #", 2) != 0))
		return 1;
	l->kind = LINE_PLAN;
	return 1;
}

/* Split "NAME # DIRECTIVE" (both optional) after a result's number. */
static void parse_description(const char *p, struct line *l)
{
	const char *hash = strstr(p, " # ");
	const char *dir;

	if (*p == ' ')
		p++;
	if (hash && hash < p)
		hash = p - 1;  /* "ok 1 # SKIP": no name, only a directive */
	l->name = p;
	l->name_len = hash ? (size_t)(hash - p) : strlen(p);
	if (!hash)
		return;
	dir = hash + 3;
	l->skip = strncasecmp(dir, "SKIP", 4) == 0 &&
		  (dir[4] == '\0' || dir[4] == ' ');
}

static int parse_result(const char *s, struct line *l)
{
	const char *p;

	if (strncmp(s, "ok ", 3) == 0) {
		l->ok = 1;
		p = s + 3;
	} else if (strncmp(s, "not ok ", 7) == 0) {
		l->ok = 0;
		p = s + 7;
	} else {
		return 0;
	}
	/* KTAP requires the number; "ok to boot" is somebody's message. */
	l->number = parse_number(&p);
	if (l->number < 0 || (*p != '\0' && *p != ' '))
		return 0;
	l->kind = LINE_RESULT;
	parse_description(p, l);
	return 1;
}

static void parse_comment(const char *s, struct line *l)
{
	static const char subtest[] = "# Subtest:";

	l->kind = LINE_DIAG;
	if (strncmp(s, subtest, sizeof(subtest) - 1) != 0)
		return;
	l->kind = LINE_SUBTEST;
	l->name = s + sizeof(subtest) - 1;
	while (*l->name == ' ')
		l->name++;
	l->name_len = strlen(l->name);
}

static struct line classify_line(const char *s)
{
	struct line l = { .kind = LINE_NOISE };

	while (s[l.indent] == ' ')
		l.indent++;
	l.text = s + l.indent;
	if (l.text[0] == '#')
		parse_comment(l.text, &l);
	else if (!parse_version(l.text, &l) && !parse_plan(l.text, &l))
		parse_result(l.text, &l);
	return l;
}

/* --------------------------------------------------- parser state ---- */

struct diags {
	char **lines;
	size_t n, cap;
};

/* One KTAP block: the top level (depth 0) or a nested suite. */
struct block {
	char *name;         /* from "# Subtest:"; NULL at the top level */
	int has_version;
	long plan;          /* -1 until the plan line */
	long results;       /* result lines seen at this level */
	long failed;        /* failed leaf tests inside this block */
	long problems;      /* problems found inside this block */
	long start_line;
	int said_no_plan;   /* "result before plan" reported once */
	int said_too_many;  /* "more results than planned" reported once */
	struct diags diags; /* "#" lines since the last result at this level */
};

struct log {
	const char *path;
	long lineno;
	int started;         /* the first version line was seen */
	int base_indent;
	int depth;           /* innermost open block; -1 before the start */
	int quiet;
	struct block blocks[KTAP_MAX_DEPTH];
	struct counts counts;
};

static void diags_clear(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	d->n = 0;
}

static void diags_add(struct diags *d, const char *text)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->lines = realloc(d->lines, d->cap * sizeof(*d->lines));
		if (!d->lines) {
			perror("ktap-report");
			exit(2);
		}
	}
	d->lines[d->n++] = xstrndup(text, strlen(text));
}

static void block_init(struct block *b, long lineno)
{
	struct diags keep = b->diags;  /* reuse the array, not its lines */

	diags_clear(&keep);
	free(b->name);
	memset(b, 0, sizeof(*b));
	b->plan = -1;
	b->start_line = lineno;
	b->diags = keep;
}

static void block_free(struct block *b)
{
	diags_clear(&b->diags);
	free(b->diags.lines);
	free(b->name);
	memset(b, 0, sizeof(*b));
}

/* --------------------------------------------------------- reporting ---- */

/* A problem with the log itself: printed, counted as a failure, and charged
 * to every open block, so a suite with a broken inside may say "not ok". */
static void problem(struct log *lg, long lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct log *lg, long lineno, const char *fmt, ...)
{
	va_list ap;

	lg->counts.problems++;
	for (int d = 0; d <= lg->depth; d++)
		lg->blocks[d].problems++;
	if (lg->quiet)
		return;
	if (lineno > 0)
		printf("ERROR %s:%ld: ", lg->path, lineno);
	else
		printf("ERROR %s: ", lg->path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print "suite.subsuite.name" for a result at depth d. */
static void print_test_path(const struct log *lg, int d, const struct line *l)
{
	for (int i = 1; i <= d; i++)
		printf("%s.", lg->blocks[i].name ? lg->blocks[i].name : "?");
	if (l->name_len)
		printf("%.*s", (int)l->name_len, l->name);
	else
		printf("#%ld", l->number);
}

static void print_failure(const struct log *lg, int d, const struct line *l,
			  const struct diags *diags)
{
	if (lg->quiet)
		return;
	printf("FAIL ");
	print_test_path(lg, d, l);
	printf("  (%s:%ld)\n", lg->path, lg->lineno);
	for (size_t i = 0; i < diags->n; i++)
		printf("    %s\n", diags->lines[i]);
}

/* ----------------------------------------------------------- blocks ---- */

static const char *block_label(const struct block *b)
{
	return b->name ? b->name : "top level";
}

/* Compare a block's results with its plan (the block is complete). */
static void check_plan(struct log *lg, int d)
{
	struct block *b = &lg->blocks[d];

	if (b->plan < 0) {
		if (!b->said_no_plan)
			problem(lg, b->start_line, "%s: no plan line \"1..N\"",
				block_label(b));
		return;
	}
	if (b->results < b->plan)
		problem(lg, lg->lineno, "%s: only %ld of the %ld planned "
			"results (cut off by a crash, hang or reboot?)",
			block_label(b), b->results, b->plan);
}

static void open_block(struct log *lg, const struct line *l, int d)
{
	struct block *b;

	if (d >= KTAP_MAX_DEPTH) {
		problem(lg, lg->lineno, "nesting deeper than %d levels",
			KTAP_MAX_DEPTH);
		return;
	}
	b = &lg->blocks[d];
	block_init(b, lg->lineno);
	b->has_version = l->kind == LINE_VERSION;
	if (l->kind == LINE_SUBTEST)
		b->name = xstrndup(l->name, l->name_len);
	lg->depth = d;
}

/*
 * The innermost block ends. Returns it: it stays intact until a block opens
 * at its depth again, long enough for its suite's result line to be checked.
 */
static const struct block *close_block(struct log *lg)
{
	check_plan(lg, lg->depth);
	return &lg->blocks[lg->depth--];
}

/* A block cut off before its suite's result line. */
static void abandon_block(struct log *lg)
{
	struct block *b = &lg->blocks[lg->depth];

	if (b->plan >= 0 && b->results < b->plan) {
		/* One message says both: results and the suite line missing. */
		problem(lg, lg->lineno, "suite %s (line %ld) cut off after %ld "
			"of %ld results, no suite result line",
			block_label(b), b->start_line, b->results, b->plan);
		b->plan = b->results;
	} else {
		problem(lg, lg->lineno, "suite %s (line %ld) has no result "
			"line", block_label(b), b->start_line);
	}
	close_block(lg);
}

/* ------------------------------------------------------ line handlers ---- */

static void start_log(struct log *lg, const struct line *l)
{
	lg->started = 1;
	lg->base_indent = l->indent;
	open_block(lg, l, 0);
}

/* A version line at the top again: a second run (the machine rebooted). */
static void restart_log(struct log *lg, const struct line *l)
{
	problem(lg, lg->lineno,
		"a second \"KTAP version 1\" at the top level: the kernel "
		"rebooted, or the log holds two runs");
	while (lg->depth > 0)
		abandon_block(lg);
	check_plan(lg, 0);
	open_block(lg, l, 0);
}

static void on_version(struct log *lg, const struct line *l, int d)
{
	struct block *cur = &lg->blocks[lg->depth];

	if (l->kind == LINE_BAD_VERSION) {
		problem(lg, lg->lineno, "unsupported version line \"%s\"",
			l->text);
		return;
	}
	if (d == lg->depth + 1)
		open_block(lg, l, d);
	else if (d == lg->depth && !cur->has_version && cur->plan < 0 &&
		 cur->results == 0)
		cur->has_version = 1;  /* after "# Subtest:", KUnit's order */
	else if (d == 0)
		restart_log(lg, l);
	else
		problem(lg, lg->lineno, "unexpected \"KTAP version 1\"");
}

static void on_subtest(struct log *lg, const struct line *l, int d)
{
	struct block *cur = &lg->blocks[lg->depth];

	if (d == lg->depth + 1) {
		open_block(lg, l, d);
	} else if (d == lg->depth && d > 0 && !cur->name && cur->plan < 0 &&
		   cur->results == 0) {
		cur->name = xstrndup(l->name, l->name_len);
	} else {
		diags_add(&cur->diags, l->text);
	}
}

static void on_plan(struct log *lg, const struct line *l, int d)
{
	struct block *cur = &lg->blocks[lg->depth];

	if (l->kind == LINE_BAD_PLAN) {
		problem(lg, lg->lineno, "malformed plan \"%s\"", l->text);
		return;
	}
	if (d != lg->depth)
		problem(lg, lg->lineno, "plan \"%s\" outside any block",
			l->text);
	else if (cur->plan >= 0)
		problem(lg, lg->lineno, "%s: second plan \"%s\"",
			block_label(cur), l->text);
	else if (cur->results > 0)
		problem(lg, lg->lineno, "%s: plan after %ld results",
			block_label(cur), cur->results);
	else
		cur->plan = l->number;
}

/* Checks every result line must pass in its block, leaf or suite. */
static void check_result_order(struct log *lg, struct block *b,
			       const struct line *l)
{
	b->results++;
	if (b->plan < 0 && !b->said_no_plan) {
		b->said_no_plan = 1;
		problem(lg, lg->lineno, "%s: result before any plan line",
			block_label(b));
	}
	if (l->number != b->results)
		problem(lg, lg->lineno, "%s: result number %ld out of order "
			"(expected %ld)", block_label(b), l->number,
			b->results);
	if (b->plan >= 0 && b->results > b->plan && !b->said_too_many) {
		b->said_too_many = 1;
		problem(lg, lg->lineno, "%s: more results than the plan's %ld",
			block_label(b), b->plan);
	}
}

static void on_leaf_result(struct log *lg, const struct line *l, int d)
{
	struct block *b = &lg->blocks[d];

	if (l->skip) {
		lg->counts.skipped++;
	} else if (l->ok) {
		lg->counts.passed++;
	} else {
		lg->counts.failed++;
		for (int i = 0; i <= d; i++)
			lg->blocks[i].failed++;
		print_failure(lg, d, l, &b->diags);
	}
}

/*
 * The result line of a suite whose block (`inner`) just closed. "ok" with a
 * failed test inside is a lie; "not ok" needs a failed test or a broken
 * block inside (a faulting kernel may end a suite early and say so).
 */
static void on_suite_result(struct log *lg, const struct line *l, int d,
			    const struct block *inner)
{
	struct block *b = &lg->blocks[d];
	int name_len = (int)l->name_len;

	if (l->ok && inner->failed > 0)
		problem(lg, lg->lineno, "suite %.*s says ok, but %ld of its "
			"tests failed", name_len, l->name, inner->failed);
	else if (!l->ok && !l->skip && inner->failed == 0 &&
		 inner->problems == 0)
		problem(lg, lg->lineno, "suite %.*s says not ok, but all its "
			"tests passed", name_len, l->name);
	else if (!l->ok && b->diags.n > 0)
		print_failure(lg, d, l, &b->diags);  /* the suite's own notes */
}

static void on_result(struct log *lg, const struct line *l, int d)
{
	const struct block *inner = NULL;

	if (d > lg->depth) {
		problem(lg, lg->lineno, "result \"%s\" is deeper than any "
			"open block", l->text);
		return;
	}
	while (lg->depth > d + 1)
		abandon_block(lg);
	if (lg->depth == d + 1)
		inner = close_block(lg);
	check_result_order(lg, &lg->blocks[d], l);
	if (inner)
		on_suite_result(lg, l, d, inner);
	else
		on_leaf_result(lg, l, d);
	diags_clear(&lg->blocks[d].diags);
}

static void on_diag(struct log *lg, const struct line *l, int d)
{
	/* A note less indented than the open block belongs to its parent. */
	int at = d < lg->depth ? d : lg->depth;

	diags_add(&lg->blocks[at].diags, l->text);
}

/* Depth of a KTAP line, or -1 (after reporting) if it is misindented. */
static int line_depth(struct log *lg, const struct line *l)
{
	int rel = l->indent - lg->base_indent;

	if (rel < 0 || rel % 2) {
		problem(lg, lg->lineno, "line indented by %d spaces, not a "
			"multiple of two past %d: \"%s\"", l->indent,
			lg->base_indent, l->text);
		return -1;
	}
	return rel / 2;
}

static void log_line(struct log *lg, const char *s)
{
	struct line l = classify_line(s);
	int d;

	/* A run that gives up says why ("Bail out! REASON", as TAP and
	 * kselftest print it): the log fails whatever else it holds. */
	if (lg->started && strncmp(l.text, "Bail out!", 9) == 0) {
		problem(lg, lg->lineno, "the run bailed out:%s", l.text + 9);
		return;
	}
	if (l.kind == LINE_NOISE)
		return;
	if (!lg->started) {
		/* Before "KTAP version 1" everything is boot noise. */
		if (l.kind == LINE_VERSION)
			start_log(lg, &l);
		return;
	}
	d = line_depth(lg, &l);
	if (d < 0)
		return;
	switch (l.kind) {
	case LINE_VERSION:
	case LINE_BAD_VERSION:
		on_version(lg, &l, d);
		break;
	case LINE_SUBTEST:
		on_subtest(lg, &l, d);
		break;
	case LINE_PLAN:
	case LINE_BAD_PLAN:
		on_plan(lg, &l, d);
		break;
	case LINE_RESULT:
		on_result(lg, &l, d);
		break;
	case LINE_DIAG:
		on_diag(lg, &l, d);
		break;
	case LINE_NOISE:
		break;
	}
}

static void log_end(struct log *lg)
{
	if (!lg->started) {
		problem(lg, 0, "no \"KTAP version 1\" line: not a KTAP log "
			"(the tests never started?)");
		return;
	}
	while (lg->depth > 0)
		abandon_block(lg);
	check_plan(lg, 0);
	for (int d = 0; d < KTAP_MAX_DEPTH; d++)
		block_free(&lg->blocks[d]);
}

/* ------------------------------------------------------ exit status ---- */

struct exit_check {
	int have_status;
	int status;
	int expect;
	int have_fail;
	int fail;
	int qemu;
};

/* Why a program might have ended with `status`, in words. */
static void explain_status(const struct exit_check *x, char *buf, size_t n)
{
	int s = x->status;

	if (s == 124)
		snprintf(buf, n, "timed out (killed by `timeout` after its "
			 "time limit: a hang, or too slow)");
	else if (s == 125 || s == 126 || s == 127)
		snprintf(buf, n, "it did not run (`timeout` failed, or the "
			 "command is missing or not executable)");
	else if (s > 128 && s < 160)
		snprintf(buf, n, "killed by signal %d (%s)", s - 128,
			 strsignal(s - 128));
	else if (x->qemu && s == 0)
		snprintf(buf, n, "QEMU ended without isa-debug-exit: the guest "
			 "reset (a triple fault or a reboot; -no-reboot turns "
			 "it into an exit) or powered off");
	else if (x->qemu && s == 1)
		snprintf(buf, n, "QEMU failed (a bad option or a missing "
			 "image; see its message)");
	else if (x->qemu && s % 2 == 1)
		snprintf(buf, n, "the kernel wrote 0x%x to isa-debug-exit",
			 (s - 1) / 2);
	else
		snprintf(buf, n, "unexpected exit status");
}

/* Compare the exit status with what the log says. */
static void check_exit(struct log *lg, const struct exit_check *x)
{
	char why[200];

	if (!x->have_status)
		return;
	if (x->status == x->expect) {
		if (lg->counts.failed > 0)
			problem(lg, 0, "exit status %d means all passed, but "
				"%ld tests failed", x->status,
				lg->counts.failed);
		return;
	}
	if (x->have_fail && x->status == x->fail) {
		if (counts_all_good(&lg->counts))
			problem(lg, 0, "exit status %d means tests failed, "
				"but the log shows no failure", x->status);
		return;
	}
	explain_status(x, why, sizeof(why));
	problem(lg, 0, "exit status %d, expected %d: %s", x->status,
		x->expect, why);
}

/* ----------------------------------------------------------- driver ---- */

/* Parse one log; returns 0, or -1 if it cannot be read. */
static int report_log(const char *path, const struct exit_check *x, int quiet,
		      struct counts *total)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct log lg = { .path = path, .depth = -1, .quiet = quiet };
	char *buf = NULL;
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "ktap-report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&buf, &cap, f) >= 0) {
		lg.lineno++;
		chomp(buf);
		log_line(&lg, buf);
	}
	free(buf);
	if (f != stdin)
		fclose(f);
	log_end(&lg);
	check_exit(&lg, x);
	if (!quiet) {
		printf("%s: ", path);
		counts_print(stdout, &lg.counts);
	}
	counts_add(total, &lg.counts);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ktap-report [-q] [--summary] [[LOG-OPTION...] LOG]...\n"
		"log options (for the next LOG): --exit-status=N "
		"--expect-exit=M --fail-exit=K --qemu\n");
	exit(2);
}

/* Parse "--opt=N" into *v; returns 1 if arg is that option. */
static int int_option(const char *arg, const char *opt, int *v)
{
	size_t n = strlen(opt);
	char *end;
	long val;

	if (strncmp(arg, opt, n) != 0 || arg[n] != '=')
		return 0;
	errno = 0;
	val = strtol(arg + n + 1, &end, 10);
	if (errno || end == arg + n + 1 || *end || val < 0 || val > 255)
		usage();
	*v = (int)val;
	return 1;
}

int main(int argc, char **argv)
{
	struct exit_check x = { 0 };
	struct counts total = { 0 };
	int summary = 0, quiet = 0, logs = 0, io_error = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--summary") == 0)
			summary = 1;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			quiet = 1;
		else if (strcmp(a, "--qemu") == 0)
			x.qemu = 1;
		else if (int_option(a, "--exit-status", &x.status))
			x.have_status = 1;
		else if (int_option(a, "--expect-exit", &x.expect))
			;
		else if (int_option(a, "--fail-exit", &x.fail))
			x.have_fail = 1;
		else if (a[0] == '-' && a[1] != '\0')
			usage();
		else {
			io_error |= report_log(a, &x, quiet, &total) < 0;
			memset(&x, 0, sizeof(x));
			logs++;
		}
	}
	if (logs == 0)
		usage();
	if (summary)
		counts_print(stdout, &total);
	if (io_error)
		return 2;
	return counts_all_good(&total) ? 0 : 1;
}
