/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line: words separated by spaces, each either a flag
 * ("ktest") or key=value ("ktest=libk_string,pmm", "crash=pagefault",
 * "heap=classic").
 *
 * cmdline_parse(c, s) splits s into words (a copy: s may go away; at most
 * CMDLINE_MAX - 1 bytes are kept, c->truncated says if more were given).
 * cmdline_has_in(c, key): some word is key or starts with "key=".
 * cmdline_get_in(c, key): the value after "key=" of the first such word
 * ("" for "key="), NULL when there is none (absent, or a bare flag).
 *
 * The boot command line: cmdline_init(s) once at boot; cmdline_has(key),
 * cmdline_get(key) then reads it.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX 256

struct cmdline {
	char words[CMDLINE_MAX + 1];	/* NUL-separated words, "" ends them */
	char raw[CMDLINE_MAX];
	int nwords;
	bool truncated;
};

void cmdline_parse(struct cmdline *c, const char *s);
bool cmdline_has_in(const struct cmdline *c, const char *key);
const char *cmdline_get_in(const struct cmdline *c, const char *key);

void cmdline_init(const char *s);
/* The boot command line itself (for boot_options_check). */
const struct cmdline *cmdline_boot(void);
bool cmdline_has(const char *key);
const char *cmdline_get(const char *key);

#endif
