/* SPDX-License-Identifier: MIT */
/*
 * lineedit: one line of input from the serial console, with editing and
 * history, for the shell.
 *
 * Keys: printable characters insert at the cursor; Backspace (0x7f or 0x08)
 * deletes before it; Left/Right (ESC [ D / ESC [ C) move it; Ctrl-U clears
 * the line; Ctrl-C abandons it (prints ^C, starts a fresh one); Up/Down
 * (ESC [ A / ESC [ B) walk the history; Enter (CR or LF; a LF right after a
 * CR is ignored) ends the line.
 *
 * Contract:
 * - lineedit_read(le, prompt) prints prompt and returns the line typed,
 *   NUL-terminated, without the newline, in le's own buffer (valid until
 *   the next call). Lines longer than LINEEDIT_MAX - 1 bytes: extra
 *   characters are refused (a bell).
 * - lineedit_remember(le, line) keeps a non-empty line that does not
 *   start with a space (bash's ignorespace) in the history as
 *   a kmalloc'ed copy (the oldest is kfreed once LINEEDIT_HISTORY are
 *   kept; a line equal to the newest is not kept twice). If kmalloc fails
 *   the line is simply not remembered.
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

struct lineedit {
	char buf[LINEEDIT_MAX];
	size_t len;		/* bytes in buf (no NUL counted) */
	size_t cur;		/* cursor, 0..len */
	char *hist[LINEEDIT_HISTORY];	/* kmalloc'ed; hist[0] the oldest */
	int nhist;
	int hpos;		/* browsing: nhist means "the line being typed" */
	bool last_cr;		/* the previous key was CR (swallow a LF) */
	bool echo;
};

void lineedit_init(struct lineedit *le, bool echo);
const char *lineedit_read(struct lineedit *le, const char *prompt);
void lineedit_remember(struct lineedit *le, const char *line);

#endif
