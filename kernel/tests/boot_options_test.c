/* SPDX-License-Identifier: MIT */
/* Suite boot_options: which command lines boot_options_check reports,
 * and in which words (kernel/boot_options.h). */
#include "kernel/boot_options.h"
#include "libk/ktest.h"
#include "libk/string.h"
#include <stdbool.h>

static struct cmdline cl;

struct seen {
	int n;
	char last[512];
};

static void remember(const char *line, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(line);

	if (n > sizeof(s->last) - 1)
		n = sizeof(s->last) - 1;
	s->n++;
	memcpy(s->last, line, n);
	s->last[n] = '\0';
}

/* Does hay hold needle as a whole word (ended by ',', ' ' or the end)? */
static bool has_word(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = hay; *p; p++)
		if ((p == hay || p[-1] == ' ') && strncmp(p, needle, n) == 0 &&
		    (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* The lines boot_options_check reports for text: their count, the last
 * in s->last. */
static int check(const char *text, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	cmdline_parse(&cl, text);
	return boot_options_check(&cl, remember, s);
}

KTEST(boot_options, known_options_pass)
{
	struct seen s;

	KEXPECT_EQ(t, check("heap=classic:first heap_debug heap_panic lockdep=0 ktest "
			    "panic_exit console_hint=qemu shell_test smp_expect=2 "
			    "replay_limit=0x10 kbench stress_ops=100 stress_seed=7 crash=ud", &s), 0);
	KEXPECT_EQ(t, s.n, 0);
	KEXPECT_EQ(t, check("ktest=pmm,vmm", &s), 0);
	KEXPECT_EQ(t, check("", &s), 0);
}

KTEST(boot_options, unknown_option_names_the_known_ones)
{
	struct seen s;

	KEXPECT_EQ(t, check("heap=fast heap_dbug", &s), 1);
	KEXPECT(t, strncmp(s.last, "unknown option heap_dbug; known: heap, heap_debug, ", 51) == 0);
	/* Every option of the table is named, the last one too. */
	for (const struct boot_option *o = boot_options; o->name; o++)
		KEXPECT(t, has_word(s.last, o->name));
	KEXPECT(t, has_word(s.last, "(help"));
	KEXPECT_EQ(t, check("bogus=1 other", &s), 2);
}

KTEST(boot_options, malformed_options_say_why)
{
	struct seen s;

	KEXPECT_EQ(t, check("heap_debug=1", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option heap_debug=1: heap_debug takes no value");
	KEXPECT_EQ(t, check("crash", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option crash: crash=WHAT needs a value");
	KEXPECT_EQ(t, check("heap=", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option heap=: heap=NAME needs a value");
	KEXPECT_EQ(t, check("smp_expect=two", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option smp_expect=two: smp_expect=N takes a number");
	KEXPECT_EQ(t, check("stress_ops=0x", &s), 1);
	KEXPECT_EQ(t, check("console_hint=vt", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option console_hint=vt: console_hint takes qemu");
	KEXPECT_EQ(t, check("lockdep=2", &s), 1);
	KEXPECT_STREQ(t, s.last, "malformed option lockdep=2: lockdep takes 0|1");
}

KTEST(boot_options, a_cut_command_line_is_reported)
{
	struct seen s;
	char text[CMDLINE_MAX + 16];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "kbench ", 7);
	/* "kbench" then one unknown word of a's, cut. */
	KEXPECT_EQ(t, check(text, &s), 2);
	KEXPECT(t, strncmp(s.last, "command line longer than ", 25) == 0);
}
