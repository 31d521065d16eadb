/* SPDX-License-Identifier: MIT */
/*
 * The boot options' table and their check (contract in
 * kernel/boot_options.h). Lines are built in a buffer of BOOT_LINE_MAX
 * bytes: the list of known names fits with room to spare.
 */
#include "kernel/boot_options.h"
#include "libk/printf.h"
#include "libk/string.h"
#include <stdbool.h>

#define BOOT_LINE_MAX 512

const struct boot_option boot_options[] = {
	{ "heap", BOOT_OPTION_VALUE, "heap=NAME", NULL,
	  "the kernel heap's allocator NAME: fast (default), classic, classic:first, classic:next, classic:worst" },
	{ "heap_debug", BOOT_OPTION_FLAG, "heap_debug", NULL,
	  "the allocator's debug mode: red zones, poisoning, quarantine (fast only; classic says it ignores it)" },
	{ "heap_panic", BOOT_OPTION_FLAG, "heap_panic", NULL,
	  "a heap misuse report panics instead of refusing the call and going on" },
	{ "lockdep", BOOT_OPTION_VALUE, "lockdep=0", "0|1",
	  "lockdep=0 turns lock-order checking off (on by default)" },
	{ "ktest", BOOT_OPTION_EITHER, "ktest[=SUITE,...]", NULL,
	  "run the kernel self-tests (all, or each SUITE) and exit QEMU with the result" },
	{ "crash", BOOT_OPTION_VALUE, "crash=WHAT", NULL,
	  "crash on purpose at boot, WHAT: pagefault, ud, panic, panic_ap" },
	{ "panic_exit", BOOT_OPTION_FLAG, "panic_exit", NULL,
	  "a panic exits QEMU with a failure status (self-test runs) instead of halting" },
	{ "console_hint", BOOT_OPTION_VALUE, "console_hint=qemu", "qemu",
	  "crash reports end with how to leave QEMU (make run passes it)" },
	{ "shell_test", BOOT_OPTION_FLAG, "shell_test", NULL,
	  "the shell draws no colours (the scripted session, tests/shell/)" },
	{ "smp_expect", BOOT_OPTION_NUMBER, "smp_expect=N", NULL,
	  "the cpu suite checks that N CPUs came up (make test passes SMP)" },
	{ "replay_limit", BOOT_OPTION_NUMBER, "replay_limit=N", NULL,
	  "the replay suite replays the first N calls of each trace (0: all)" },
	{ "kbench", BOOT_OPTION_FLAG, "kbench", NULL,
	  "the kmalloc_bench suite measures (make bench-kernel); otherwise it skips" },
	{ "stress_ops", BOOT_OPTION_NUMBER, "stress_ops=N", NULL,
	  "the kmalloc stress suite runs N operations" },
	{ "stress_seed", BOOT_OPTION_NUMBER, "stress_seed=N", NULL,
	  "the kmalloc stress suite's random seed N" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct boot_option *boot_option_find(const char *word, size_t n)
{
	for (const struct boot_option *o = boot_options; o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, word, n) == 0)
			return o;
	return NULL;
}

/* "0", "42", "0x2a": what strtoul(v, NULL, 0) reads whole. */
static bool boot_is_number(const char *v)
{
	bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');

	if (hex)
		v += 2;
	if (!*v)
		return false;
	for (; *v; v++) {
		bool digit = *v >= '0' && *v <= '9';
		bool hexd = (*v >= 'a' && *v <= 'f') || (*v >= 'A' && *v <= 'F');

		if (!digit && !(hex && hexd))
			return false;
	}
	return true;
}

/* Is v one of the '|'-separated words of values? */
static bool boot_value_allowed(const char *values, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = values; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

/* What is wrong with the value of o (NULL: a bare word), in buf; false
 * when nothing is. */
static bool boot_malformed(const struct boot_option *o, const char *v,
			   char *buf, size_t len)
{
	if (o->kind == BOOT_OPTION_FLAG && v) {
		snprintf(buf, len, "%s takes no value", o->name);
		return true;
	}
	if (o->kind != BOOT_OPTION_FLAG && o->kind != BOOT_OPTION_EITHER &&
	    (!v || !*v)) {
		snprintf(buf, len, "%s needs a value", o->usage);
		return true;
	}
	if (o->kind == BOOT_OPTION_NUMBER && !boot_is_number(v)) {
		snprintf(buf, len, "%s takes a number", o->usage);
		return true;
	}
	if (o->values && v && !boot_value_allowed(o->values, v)) {
		snprintf(buf, len, "%s takes %s", o->name, o->values);
		return true;
	}
	return false;
}

static void boot_unknown(const char *word, char *line)
{
	size_t at = (size_t)snprintf(line, BOOT_LINE_MAX,
				     "unknown option %s; known:", word);

	for (const struct boot_option *o = boot_options; o->name; o++)
		if (at < BOOT_LINE_MAX)
			at += (size_t)snprintf(line + at, BOOT_LINE_MAX - at,
					       " %s%s", o->name,
					       o[1].name ? "," : "");
	if (at < BOOT_LINE_MAX)
		snprintf(line + at, BOOT_LINE_MAX - at, " (help boot)");
}

int boot_options_check(const struct cmdline *c,
		       void (*report)(const char *line, void *arg), void *arg)
{
	char line[BOOT_LINE_MAX], why[128];
	int n = 0;

	for (const char *w = c->words; *w; w += strlen(w) + 1) {
		const char *eq = strchr(w, '=');
		size_t klen = eq ? (size_t)(eq - w) : strlen(w);
		const struct boot_option *o = boot_option_find(w, klen);

		if (!o)
			boot_unknown(w, line);
		else if (boot_malformed(o, eq ? eq + 1 : NULL, why, sizeof(why)))
			snprintf(line, sizeof(line), "malformed option %s: %s",
				 w, why);
		else
			continue;
		report(line, arg);
		n++;
	}
	if (c->truncated) {
		snprintf(line, sizeof(line),
			 "command line longer than %d bytes: the rest is ignored",
			 CMDLINE_MAX - 1);
		report(line, arg);
		n++;
	}
	return n;
}
