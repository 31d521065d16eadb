/* SPDX-License-Identifier: MIT */
/*
 * lineedit: the shell's line editor (contract in kernel/console/lineedit.h).
 *
 * Invariants: 0 <= cur <= len < LINEEDIT_MAX; buf[len] == '\0' whenever a
 * line is returned. The terminal shows prompt + buf with its cursor at
 * cur: typing at the end of the line only appends characters; anything
 * else (history, edits in the middle) redraws the whole line with ANSI
 * sequences (CR, erase to end of line, cursor left).
 */
#include "kernel/console/lineedit.h"
#include "libk/cpu.h"
#include "libk/console.h"
#include "kernel/console/serial.h"
#include "libk/printf.h"
#include "libk/string.h"

#define KEY_CTRL_C	0x03
#define KEY_BS		0x08
#define KEY_TAB		0x09
#define KEY_CTRL_U	0x15
#define KEY_ESC		0x1b
#define KEY_DEL		0x7f

enum esc_state { ESC_NONE, ESC_GOT_ESC, ESC_GOT_CSI };

void lineedit_init(struct lineedit *le, bool echo,
		   const struct lineedit_ops *ops)
{
	memset(le, 0, sizeof(*le));
	le->echo = echo;
	le->ops = ops;
}

static void le_out(struct lineedit *le, const char *s)
{
	if (le->echo)
		serial_puts(s);
}

/* Wait for one byte. hlt only with interrupts on: otherwise nothing
 * would ever wake the CPU. */
static int le_getc(void)
{
	int c;

	while ((c = serial_getc_nonblock()) < 0) {
		if (irq_enabled())
			hlt();
		else
			cpu_relax();
	}
	return c;
}

static void le_redraw(struct lineedit *le, const char *prompt)
{
	char tail[16];

	if (!le->echo)
		return;
	serial_puts("\r");
	serial_puts(prompt);
	serial_write(le->buf, le->len);
	serial_puts("\x1b[K");
	if (le->cur < le->len) {
		snprintf(tail, sizeof(tail), "\x1b[%zuD", le->len - le->cur);
		serial_puts(tail);
	}
}

static void le_set(struct lineedit *le, const char *s)
{
	size_t n = strlen(s);

	if (n > LINEEDIT_MAX - 1)
		n = LINEEDIT_MAX - 1;
	memcpy(le->buf, s, n);
	le->len = le->cur = n;
	le->overflow = false;	/* a new line: nothing of it was dropped */
}

static void le_insert(struct lineedit *le, const char *prompt, char c)
{
	char s[2] = { c, 0 };

	if (le->len >= LINEEDIT_MAX - 1) {
		le->overflow = true;
		le_out(le, "\a");
		return;
	}
	memmove(le->buf + le->cur + 1, le->buf + le->cur, le->len - le->cur);
	le->buf[le->cur++] = c;
	le->len++;
	if (le->cur == le->len)
		le_out(le, s);
	else
		le_redraw(le, prompt);
}

static void le_backspace(struct lineedit *le, const char *prompt)
{
	if (le->cur == 0)
		return;
	memmove(le->buf + le->cur - 1, le->buf + le->cur, le->len - le->cur);
	le->cur--;
	le->len--;
	if (le->cur == le->len)
		le_out(le, "\b \b");
	else
		le_redraw(le, prompt);
}

/* Up (dir -1) or down (dir +1) in the history; below the newest entry is
 * an empty line. */
static void le_history(struct lineedit *le, const char *prompt, int dir)
{
	int pos = le->hpos + dir;

	if (pos < 0 || pos > le->nhist)
		return;
	le->hpos = pos;
	le_set(le, pos == le->nhist ? "" : le->hist[pos]);
	le_redraw(le, prompt);
}

/* How many of ops->word's words start with buf[0..len); *common gets
 * the length of the longest prefix they all share (len or more). */
static size_t le_matches(struct lineedit *le, size_t *common,
			 const char **first)
{
	size_t n = 0, i, k;
	const char *w;

	*first = NULL;
	for (i = 0; (w = le->ops->word(i)); i++) {
		if (strncmp(w, le->buf, le->len) != 0)
			continue;
		if (!*first) {
			*first = w;
			*common = strlen(w);
		}
		for (k = le->len; k < *common && w[k] == (*first)[k]; k++)
			;
		*common = k;
		n++;
	}
	return n;
}

/* The completions of buf on a line of their own (two spaces apart). */
static void le_list(struct lineedit *le)
{
	const char *w;

	le_out(le, "\n");
	for (size_t i = 0; (w = le->ops->word(i)); i++) {
		if (strncmp(w, le->buf, le->len) != 0)
			continue;
		le_out(le, w);
		le_out(le, "  ");
	}
	le_out(le, "\n");
}

/* Tab (contract in lineedit.h): complete the first word. */
static void le_complete(struct lineedit *le, const char *prompt)
{
	const char *first;
	size_t common = 0, n;
	bool one_word = true;

	for (size_t k = 0; k < le->len; k++)
		one_word = one_word && le->buf[k] != ' ';
	if (!le->ops || !le->ops->word || le->cur != le->len || !one_word) {
		le_out(le, "\a");
		return;
	}
	n = le_matches(le, &common, &first);
	if (n == 0) {
		le_out(le, "\a");
		return;
	}
	for (size_t k = le->len; k < common; k++)
		le_insert(le, prompt, first[k]);
	if (n == 1) {
		le_insert(le, prompt, ' ');
		return;
	}
	le_list(le);
	le_redraw(le, prompt);	/* the prompt and the line, under the list */
}

/* The final byte of an ESC [ sequence. */
static void le_csi(struct lineedit *le, const char *prompt, int c)
{
	switch (c) {
	case 'A':
		le_history(le, prompt, -1);
		break;
	case 'B':
		le_history(le, prompt, +1);
		break;
	case 'C':
		if (le->cur < le->len) {
			le->cur++;
			le_out(le, "\x1b[C");
		}
		break;
	case 'D':
		if (le->cur > 0) {
			le->cur--;
			le_out(le, "\x1b[D");
		}
		break;
	}
}

/* One key outside an escape sequence; returns true when the line ends. */
static bool le_key(struct lineedit *le, const char *prompt, int c)
{
	bool was_cr = le->last_cr;

	le->last_cr = c == '\r';
	switch (c) {
	case '\r':
		le_out(le, "\n");
		return true;
	case '\n':
		if (was_cr)
			return false;	/* the LF of a CR LF pair */
		le_out(le, "\n");
		return true;
	case KEY_BS:
	case KEY_DEL:
		le_backspace(le, prompt);
		return false;
	case KEY_TAB:
		le_complete(le, prompt);
		return false;
	case KEY_CTRL_U:
		le->len = le->cur = 0;
		le->overflow = false;
		le_redraw(le, prompt);
		return false;
	case KEY_CTRL_C:
		le_out(le, "^C\n");
		le->len = le->cur = 0;
		le->overflow = false;
		le->hpos = le->nhist;
		serial_puts(prompt);
		return false;
	}
	if (c >= 0x20 && c < 0x7f)
		le_insert(le, prompt, (char)c);
	return false;
}

const char *lineedit_read(struct lineedit *le, const char *prompt)
{
	enum esc_state esc = ESC_NONE;
	int c;

	le->len = le->cur = 0;
	le->overflow = false;
	le->hpos = le->nhist;
	serial_puts(prompt);
	for (;;) {
		c = le_getc();
		if (esc == ESC_GOT_ESC) {
			esc = c == '[' ? ESC_GOT_CSI : ESC_NONE;
			continue;
		}
		if (esc == ESC_GOT_CSI) {
			/* Parameters (digits, ';') come before the final byte. */
			if ((c >= '0' && c <= '9') || c == ';')
				continue;
			esc = ESC_NONE;
			le_csi(le, prompt, c);
			continue;
		}
		if (c == KEY_ESC) {
			esc = ESC_GOT_ESC;
			continue;
		}
		if (le_key(le, prompt, c))
			break;
	}
	le->buf[le->len] = '\0';
	/* Cut, the line could mean something else: the caller refuses it. */
	return le->overflow ? NULL : le->buf;
}

void lineedit_remember(struct lineedit *le, const char *line)
{
	size_t n = strlen(line);
	char *copy;

	/* As bash's ignorespace: a line typed with a leading space stays out
	 * of the history, so it allocates nothing (scripts that watch the
	 * heap use this). */
	if (n == 0 || line[0] == ' ')
		return;
	if (le->nhist > 0 && strcmp(le->hist[le->nhist - 1], line) == 0)
		return;
	if (!le->ops || !le->ops->alloc)
		return;
	copy = le->ops->alloc(n + 1);
	if (!copy)
		return;
	memcpy(copy, line, n + 1);
	if (le->nhist == LINEEDIT_HISTORY) {
		le->ops->free(le->hist[0]);
		memmove(le->hist, le->hist + 1,
			(LINEEDIT_HISTORY - 1) * sizeof(le->hist[0]));
		le->nhist--;
	}
	le->hist[le->nhist++] = copy;
}
