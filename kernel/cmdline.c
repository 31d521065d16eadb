/* SPDX-License-Identifier: MIT */
/*
 * Command line parsing. Invariant of struct cmdline: words[] holds nwords
 * non-empty NUL-terminated words back to back, followed by one more NUL, so
 * a walk stops at the first empty word.
 */
#include "kernel/cmdline.h"
#include "libk/string.h"

static struct cmdline boot_cmdline;

static bool cmdline_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

void cmdline_parse(struct cmdline *c, const char *s)
{
	size_t in = 0, out = 0;

	memset(c, 0, sizeof(*c));
	if (!s)
		return;
	while (s[in] && in < CMDLINE_MAX - 1) {
		c->raw[in] = s[in];
		in++;
	}
	c->truncated = s[in] != '\0';

	for (size_t i = 0; i < in;) {
		while (i < in && cmdline_space(c->raw[i]))
			i++;
		if (i == in)
			break;
		while (i < in && !cmdline_space(c->raw[i]))
			c->words[out++] = c->raw[i++];
		c->words[out++] = '\0';
		c->nwords++;
	}
	/* out <= in + 1 <= CMDLINE_MAX: the final NUL fits. */
	c->words[out] = '\0';
}

/* If word is "key" or "key=...", the rest of it after key (pointing at
 * '\0' or '='); else NULL. */
static const char *cmdline_match(const char *word, const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || strncmp(word, key, n) != 0)
		return NULL;
	if (word[n] != '\0' && word[n] != '=')
		return NULL;
	return word + n;
}

bool cmdline_has_in(const struct cmdline *c, const char *key)
{
	for (const char *w = c->words; *w; w += strlen(w) + 1)
		if (cmdline_match(w, key))
			return true;
	return false;
}

const char *cmdline_get_in(const struct cmdline *c, const char *key)
{
	for (const char *w = c->words; *w; w += strlen(w) + 1) {
		const char *rest = cmdline_match(w, key);

		if (rest && *rest == '=')
			return rest + 1;
	}
	return NULL;
}

void cmdline_init(const char *s)
{
	cmdline_parse(&boot_cmdline, s);
}

const struct cmdline *cmdline_boot(void)
{
	return &boot_cmdline;
}

bool cmdline_has(const char *key)
{
	return cmdline_has_in(&boot_cmdline, key);
}

const char *cmdline_get(const char *key)
{
	return cmdline_get_in(&boot_cmdline, key);
}
