/* SPDX-License-Identifier: MIT */
/* Suite cmdline: word splitting, flags and key=value lookups. */
#include "kernel/cmdline.h"
#include "libk/ktest.h"
#include "libk/string.h"

static struct cmdline cl;

KTEST(cmdline, flags_and_values)
{
	cmdline_parse(&cl, "ktest=libk_string,pmm  crash=pagefault heap=classic quiet");
	KEXPECT_EQ(t, cl.nwords, 4);
	KEXPECT(t, cmdline_has_in(&cl, "ktest"));
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "ktest"), "libk_string,pmm");
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "crash"), "pagefault");
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "heap"), "classic");
	KEXPECT(t, cmdline_has_in(&cl, "quiet"));
	KEXPECT_NULL(t, cmdline_get_in(&cl, "quiet"));
	KEXPECT(t, !cmdline_has_in(&cl, "debug"));
	KEXPECT_NULL(t, cmdline_get_in(&cl, "debug"));
}

KTEST(cmdline, bare_flag_has_no_value)
{
	cmdline_parse(&cl, "ktest");
	KEXPECT(t, cmdline_has_in(&cl, "ktest"));
	KEXPECT_NULL(t, cmdline_get_in(&cl, "ktest"));
	cmdline_parse(&cl, "ktest=");
	KEXPECT(t, cmdline_has_in(&cl, "ktest"));
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "ktest"), "");
}

KTEST(cmdline, prefixes_do_not_match)
{
	cmdline_parse(&cl, "ktests=1 xktest heapx=fast");
	KEXPECT(t, !cmdline_has_in(&cl, "ktest"));
	KEXPECT(t, !cmdline_has_in(&cl, "heap"));
	KEXPECT(t, !cmdline_has_in(&cl, "kt"));
	KEXPECT(t, cmdline_has_in(&cl, "heapx"));
	KEXPECT(t, !cmdline_has_in(&cl, ""));
}

KTEST(cmdline, whitespace_and_empty_lines)
{
	cmdline_parse(&cl, "  \t a=1\t\tb  ");
	KEXPECT_EQ(t, cl.nwords, 2);
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "a"), "1");
	KEXPECT(t, cmdline_has_in(&cl, "b"));
	cmdline_parse(&cl, "");
	KEXPECT_EQ(t, cl.nwords, 0);
	KEXPECT(t, !cmdline_has_in(&cl, "a"));
	cmdline_parse(&cl, NULL);
	KEXPECT_EQ(t, cl.nwords, 0);
	cmdline_parse(&cl, "   ");
	KEXPECT_EQ(t, cl.nwords, 0);
}

KTEST(cmdline, first_value_wins_and_value_keeps_equals)
{
	cmdline_parse(&cl, "k k=one k=two x=a=b");
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "k"), "one");
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "x"), "a=b");
}

KTEST(cmdline, overlong_line_is_cut_not_overrun)
{
	char line[CMDLINE_MAX + 64];

	memset(line, 'z', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "a=1 ", 4);
	cmdline_parse(&cl, line);
	KEXPECT(t, cl.truncated);
	KEXPECT_EQ(t, cl.nwords, 2);
	KEXPECT_EQ(t, strlen(cl.raw), CMDLINE_MAX - 1);
	KEXPECT_STREQ(t, cmdline_get_in(&cl, "a"), "1");
}
