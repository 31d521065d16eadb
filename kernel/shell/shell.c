/* SPDX-License-Identifier: MIT */
/*
 * The shell's loop: read a line, split it, find the command, run it under
 * a fault catch (contract in kernel/shell/shell.h). The commands themselves are
 * in kernel/shell/shell_cmds.c.
 *
 * Invariant: whatever a command does (bad arguments, allocator misuse, a
 * CPU exception), control comes back here and the next prompt is printed.
 */
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_mem.h"
#include "kernel/cmdline.h"
#include "libk/console.h"
#include "kernel/console/lineedit.h"
#include "kernel/arch/x86_64/trap.h"
#include "libk/string.h"
#include <limits.h>

static struct lineedit shell_le;

/* Tab completes command names: the table's, in its order. */
static const char *shell_word(size_t i)
{
	return shell_cmds[i].name;	/* NULL at the table's end */
}

/* The history lives in the shell's arena, not in the kmalloc heap. */
static const struct lineedit_ops shell_le_ops = {
	.alloc = shell_mem_alloc,
	.free = shell_mem_free,
	.word = shell_word,
};
static bool shell_colour_on;

bool shell_colour(void)
{
	return shell_colour_on;
}

static int shell_suffix(char c, unsigned *shift)
{
	switch (c) {
	case 'k': case 'K':
		*shift = 10;
		return 0;
	case 'm': case 'M':
		*shift = 20;
		return 0;
	case 'g': case 'G':
		*shift = 30;
		return 0;
	}
	return -1;
}

int shell_number(const char *cmd, const char *what, const char *s,
		 unsigned long max, unsigned long *out)
{
	unsigned long v;
	unsigned shift = 0;
	char *end;
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	/* strtoul would take a sign or leading spaces: a size is neither. */
	if (s[0] < '0' || s[0] > '9') {
		kprintf("%s: %s '%s' is not a number\n", cmd, what, s);
		return -1;
	}
	/* Base 10 unless 0x: "010" is ten, not C's octal eight. */
	v = strtoul(s, &end, hex ? 16 : 10);
	if (end == s) {
		kprintf("%s: %s '%s' is not a number\n", cmd, what, s);
		return -1;
	}
	if (*end && (shell_suffix(*end, &shift) || end[1])) {
		kprintf("%s: %s '%s' is not a number\n", cmd, what, s);
		return -1;
	}
	if (v == ULONG_MAX || v > (ULONG_MAX >> shift) || (v << shift) > max) {
		kprintf("%s: %s %s is out of range (at most %lu)\n", cmd, what,
			s, max);
		return -1;
	}
	*out = v << shift;
	return 0;
}

int shell_usage(const char *cmd)
{
	for (const struct shell_cmd *c = shell_cmds; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			kprintf("%s: usage: %s\n", cmd, c->usage);
	return -1;
}

/* Split line in place at spaces; returns the word count (extra words are
 * reported and make it -1). */
static int shell_split(char *line, char **argv)
{
	int argc = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == SHELL_MAX_ARGS) {
			kprintf("shell: too many words (at most %d)\n",
				SHELL_MAX_ARGS);
			return -1;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}

static const struct shell_cmd *shell_find(const char *name)
{
	for (const struct shell_cmd *c = shell_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Run c; a CPU exception inside it ends it with one line. */
static void shell_exec(const struct shell_cmd *c, int argc, char **argv)
{
	struct fault_catch fc;
	char why[160];

	fault_catch_push(&fc);
	if (ksetjmp(fc.jb) == 0) {
		c->fn(argc, argv);
		fault_catch_pop(&fc);
		return;
	}
	fault_describe(why, sizeof(why), &fc.info);
	kprintf("%s: stopped by a CPU exception: %s\n", argv[0], why);
}

static void shell_line(const char *text)
{
	char line[LINEEDIT_MAX];
	char *argv[SHELL_MAX_ARGS + 1];
	const struct shell_cmd *c;
	int argc;

	/* A copy: the editor's buffer is reused by the next read. */
	memcpy(line, text, strlen(text) + 1);
	argc = shell_split(line, argv);
	if (argc <= 0)
		return;
	argv[argc] = NULL;
	c = shell_find(argv[0]);
	if (!c) {
		kprintf("%s: unknown command (try help)\n", argv[0]);
		return;
	}
	shell_exec(c, argc, argv);
}

void shell_run(void)
{
	const char *line;

	shell_colour_on = !cmdline_has("shell_test");
	lineedit_init(&shell_le, true, &shell_le_ops);
	kprintf("osmem shell: type help for the commands\n");
	for (;;) {
		line = lineedit_read(&shell_le, SHELL_PROMPT);
		if (!line) {
			kprintf("shell: line too long (more than %d characters): refused, nothing run\n",
				LINEEDIT_MAX - 1);
			continue;
		}
		lineedit_remember(&shell_le, line);
		shell_line(line);
	}
}
