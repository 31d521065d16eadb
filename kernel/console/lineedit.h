/* SPDX-License-Identifier: MIT */
/*
 * lineedit: one line of input from the serial console, with editing and
 * history, for the shell.
 *
 * Keys: printable characters insert at the cursor; Backspace (0x7f or 0x08)
 * deletes before it; Left/Right (ESC [ D / ESC [ C) move it; Ctrl-U clears
 * the line; Ctrl-C abandons it (prints ^C, starts a fresh one); Up/Down
 * (ESC [ A / ESC [ B) walk the history; Tab completes the first word
 * from ops->word (below); Enter (CR or LF; a LF right after a CR is
 * ignored) ends the line.
 *
 * Contract:
 * - lineedit_read(le, prompt) prints prompt and returns the line typed,
 *   NUL-terminated, without the newline, in le's own buffer (valid until
 *   the next call). A line longer than LINEEDIT_MAX - 1 bytes is not
 *   cut: each character past the buffer rings the bell and is dropped,
 *   and at Enter lineedit_read returns NULL (the caller says the line was
 *   refused) unless the line was cleared since (Ctrl-U, Ctrl-C, a
 *   history line).
 * - Tab with the cursor at the end of a line of one word (no space yet):
 *   the words ops->word(0), ops->word(1), ... (until NULL) that start
 *   with it are its completions. One: the rest of it and a space are
 *   inserted. Several: their longest common prefix is inserted, and they
 *   are listed on a line of their own, with the prompt and the line
 *   drawn again under them. None, or Tab anywhere else: a bell.
 * - lineedit_remember(le, line) keeps a non-empty line that does not
 *   start with a space (bash's ignorespace) in the history as a copy
 *   from ops->alloc (the oldest goes back through ops->free once
 *   LINEEDIT_HISTORY are kept; a line equal to the newest is not kept
 *   twice). If ops->alloc fails (or is NULL) the line is simply not
 *   remembered. The editor allocates nothing else: the caller decides
 *   where its memory comes from (the shell: its own arena,
 *   kernel/shell/shell_mem.h, never the kmalloc heap its user pokes at).
 * - Input is polled (serial_getc_nonblock); between polls the CPU sleeps
 *   with hlt when interrupts are enabled (a timer or the UART wakes it),
 *   else it spins.
 * - echo == false: nothing typed is echoed (the prompt still is).
 */
#ifndef KERNEL_LINEEDIT_H
#define KERNEL_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX		256
#define LINEEDIT_HISTORY	16

/* Where the editor's memory comes from (see lineedit_remember), and the
 * words Tab completes the first word from (NULL: Tab rings the bell). */
struct lineedit_ops {
	void *(*alloc)(size_t n);
	void (*free)(void *p);
	const char *(*word)(size_t i);
};

struct lineedit {
	const struct lineedit_ops *ops;
	char buf[LINEEDIT_MAX];
	size_t len;		/* bytes in buf (no NUL counted) */
	size_t cur;		/* cursor, 0..len */
	char *hist[LINEEDIT_HISTORY];	/* from ops->alloc; hist[0] the oldest */
	int nhist;
	int hpos;		/* browsing: nhist means "the line being typed" */
	bool last_cr;		/* the previous key was CR (swallow a LF) */
	bool overflow;		/* a character was dropped: refuse the line */
	bool echo;
};

void lineedit_init(struct lineedit *le, bool echo,
		   const struct lineedit_ops *ops);
const char *lineedit_read(struct lineedit *le, const char *prompt);
void lineedit_remember(struct lineedit *le, const char *line);

#endif
