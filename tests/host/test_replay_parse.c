/* SPDX-License-Identifier: MIT */
/*
 * Suite replay_parse (host only): the trace parser and order checker of the
 * replay tool (mm/osmem/trace.{h,c}). Each case feeds a small trace
 * text and checks the calls read, or the error and its line number.
 */
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/osmem/trace.h"

/* Read all of `text`; return what the last trace_next() returned, with up
 * to `max` ops in `ops` and their number in *n. */
static int parse_all(struct trace_reader *rd, const char *text,
		     struct trace_op *ops, int max, int *n)
{
	int r;

	trace_reader_init(rd, text, strlen(text));
	*n = 0;
	while ((r = trace_next(rd, &ops[*n < max ? *n : max - 1])) == 1)
		if (*n < max)
			(*n)++;
	return r;
}

/* The error a one-line text gives, or NULL if it parses. */
static const char *parse_err(const char *text)
{
	struct trace_reader rd;
	struct trace_op op[2];
	int n;

	return parse_all(&rd, text, op, 2, &n) < 0 ? rd.err : NULL;
}

KTEST(replay_parse, every_kind)
{
	struct trace_reader rd;
	struct trace_op op[8];
	int n;

	KASSERT_EQ(t, parse_all(&rd, "# trace x ops=6\n"
				"m 0 24\n"
				"c 1 13 24\n"
				"a 2 64 100\n"
				"r 0 3 4000\n"
				"r - 4 16\n"
				"f 3\n", op, 8, &n), 0);
	KASSERT_EQ(t, n, 6);
	KEXPECT_EQ(t, op[0].kind, 'm');
	KEXPECT_EQ(t, op[0].id, 0);
	KEXPECT_EQ(t, op[0].size, 24);
	KEXPECT_EQ(t, op[0].old, TRACE_NO_ID);
	KEXPECT_EQ(t, op[1].kind, 'c');
	KEXPECT_EQ(t, op[1].id, 1);
	KEXPECT_EQ(t, op[1].arg, 13);
	KEXPECT_EQ(t, op[1].size, 13 * 24);
	KEXPECT_EQ(t, op[1].elem, 24);
	KEXPECT_EQ(t, op[2].kind, 'a');
	KEXPECT_EQ(t, op[2].arg, 64);
	KEXPECT_EQ(t, op[2].size, 100);
	KEXPECT_EQ(t, op[3].kind, 'r');
	KEXPECT_EQ(t, op[3].old, 0);
	KEXPECT_EQ(t, op[3].id, 3);
	KEXPECT_EQ(t, op[3].size, 4000);
	KEXPECT_EQ(t, op[4].old, TRACE_NO_ID);
	KEXPECT_EQ(t, op[4].id, 4);
	KEXPECT_EQ(t, op[5].kind, 'f');
	KEXPECT_EQ(t, op[5].id, 3);
	KEXPECT_EQ(t, op[5].size, 0);
	KEXPECT_EQ(t, rd.line, 7);
}

KTEST(replay_parse, blanks_comments_crlf_last_line)
{
	struct trace_reader rd;
	struct trace_op op[4];
	int n;

	KASSERT_EQ(t, parse_all(&rd, "\n   \n# c\n  # indented\r\n"
				"m\t5   7 \r\n\nf 5", op, 4, &n), 0);
	KASSERT_EQ(t, n, 2);
	KEXPECT_EQ(t, op[0].id, 5);
	KEXPECT_EQ(t, op[0].size, 7);
	KEXPECT_EQ(t, op[1].kind, 'f');
	KEXPECT_EQ(t, op[1].id, 5);
	KEXPECT_EQ(t, rd.line, 7);
}

KTEST(replay_parse, empty_input)
{
	struct trace_reader rd;
	struct trace_op op[1];
	int n;

	KEXPECT_EQ(t, parse_all(&rd, "", op, 1, &n), 0);
	KEXPECT_EQ(t, n, 0);
	KEXPECT_EQ(t, rd.line, 0);
}

KTEST(replay_parse, error_has_line_number_and_sticks)
{
	struct trace_reader rd;
	struct trace_op op[4];
	int n;

	KASSERT_EQ(t, parse_all(&rd, "# h\nm 0 1\n\nx 1 2\nm 2 3\n",
				op, 4, &n), -1);
	KEXPECT_EQ(t, n, 1);
	KEXPECT_EQ(t, rd.line, 4);
	KEXPECT_STREQ(t, rd.err, "unknown call (want m, c, a, r or f)");
	/* Asking again neither skips the bad line nor moves on. */
	KEXPECT_EQ(t, trace_next(&rd, &op[0]), -1);
	KEXPECT_EQ(t, rd.line, 4);
}

KTEST(replay_parse, unknown_calls)
{
	KEXPECT_STREQ(t, parse_err("mm 1 2\n"), "unknown call (want m, c, a, r or f)");
	KEXPECT_STREQ(t, parse_err("M 1 2\n"), "unknown call (want m, c, a, r or f)");
	KEXPECT_STREQ(t, parse_err("\x80 1\n"), "unknown call (want m, c, a, r or f)");
	KEXPECT_STREQ(t, parse_err("1 2 3\n"), "unknown call (want m, c, a, r or f)");
}

KTEST(replay_parse, field_counts)
{
	KEXPECT_STREQ(t, parse_err("m 1\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("m\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("m 1 2 3\n"), "extra field");
	KEXPECT_STREQ(t, parse_err("c 1 2\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("a 1 2\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("r 1 2\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("r 1 2 3 4\n"), "extra field");
	KEXPECT_STREQ(t, parse_err("f\n"), "missing field");
	KEXPECT_STREQ(t, parse_err("f 1 2\n"), "extra field");
	KEXPECT_STREQ(t, parse_err("f 1 2 3 4 5 6 7\n"), "extra field");
}

KTEST(replay_parse, bad_numbers)
{
	KEXPECT_STREQ(t, parse_err("m 1 12x\n"), "not a number");
	KEXPECT_STREQ(t, parse_err("m -1 5\n"), "not a number");
	KEXPECT_STREQ(t, parse_err("m 1 +5\n"), "not a number");
	KEXPECT_STREQ(t, parse_err("m 0x1 5\n"), "not a number");
	KEXPECT_STREQ(t, parse_err("f -\n"), "not a number");
	/* '-' is only realloc's OLD. */
	KEXPECT_STREQ(t, parse_err("r 1 - 5\n"), "not a number");
	KEXPECT_STREQ(t, parse_err("r -- 1 5\n"), "not a number");
}

KTEST(replay_parse, id_range)
{
	KEXPECT_NULL(t, parse_err("m 2147483647 1\n"));
	KEXPECT_STREQ(t, parse_err("m 2147483648 1\n"), "id out of range");
	KEXPECT_STREQ(t, parse_err("f 99999999999999999999999\n"), "id out of range");
	KEXPECT_STREQ(t, parse_err("r 4294967295 1 1\n"), "id out of range");
	KEXPECT_STREQ(t, parse_err("r 1 4294967296 1\n"), "id out of range");
}

KTEST(replay_parse, size_range)
{
	KEXPECT_NULL(t, parse_err("m 1 1099511627776\n"));
	KEXPECT_STREQ(t, parse_err("m 1 1099511627777\n"), "number out of range");
	KEXPECT_STREQ(t, parse_err("m 1 18446744073709551616\n"), "number out of range");
	KEXPECT_NULL(t, parse_err("m 1 0\n"));
	KEXPECT_NULL(t, parse_err("c 1 1048576 1048576\n"));
	KEXPECT_STREQ(t, parse_err("c 1 1048576 1048577\n"), "calloc size out of range");
	KEXPECT_STREQ(t, parse_err("c 1 1099511627776 1099511627776\n"),
		      "calloc size out of range");
	KEXPECT_NULL(t, parse_err("c 1 0 1099511627776\n"));
}

KTEST(replay_parse, alignment)
{
	KEXPECT_NULL(t, parse_err("a 1 1 8\n"));
	KEXPECT_NULL(t, parse_err("a 1 4096 8\n"));
	KEXPECT_NULL(t, parse_err("a 1 1099511627776 8\n"));
	KEXPECT_STREQ(t, parse_err("a 1 0 8\n"), "alignment not a power of two");
	KEXPECT_STREQ(t, parse_err("a 1 48 8\n"), "alignment not a power of two");
}

KTEST(replay_parse, no_trailing_newline_error_line)
{
	struct trace_reader rd;
	struct trace_op op[2];
	int n;

	KASSERT_EQ(t, parse_all(&rd, "m 0 1\nm 1", op, 2, &n), -1);
	KEXPECT_EQ(t, rd.line, 2);
	KEXPECT_STREQ(t, rd.err, "missing field");
}

/* Run the ops of `text` through trace_track over `nids` ids: NULL if all
 * pass, else the first refusal with its line in *line. */
static const char *track_all(const char *text, size_t nids, unsigned long *line)
{
	unsigned char state[16];
	struct trace_reader rd;
	struct trace_op op;
	const char *err;

	memset(state, 0, sizeof(state));
	trace_reader_init(&rd, text, strlen(text));
	while (trace_next(&rd, &op) == 1) {
		err = trace_track(state, nids, &op);
		if (err) {
			*line = rd.line;
			return err;
		}
	}
	return rd.err;
}

KTEST(replay_parse, track_accepts_a_good_order)
{
	unsigned long line = 0;

	KEXPECT_NULL(t, track_all("m 0 1\nc 1 2 3\nr 0 2 9\nr - 3 4\n"
				  "a 4 16 5\nf 2\nf 1\n", 16, &line));
}

KTEST(replay_parse, track_refuses_bad_orders)
{
	unsigned long line = 0;

	KEXPECT_STREQ(t, track_all("m 0 1\nm 0 2\n", 16, &line), "id used twice");
	KEXPECT_EQ(t, line, 2);
	KEXPECT_STREQ(t, track_all("m 0 1\nf 0\nm 0 2\n", 16, &line), "id used twice");
	KEXPECT_EQ(t, line, 3);
	KEXPECT_STREQ(t, track_all("f 3\n", 16, &line),
		      "free of a block that is not live");
	KEXPECT_STREQ(t, track_all("m 0 1\nf 0\nf 0\n", 16, &line),
		      "free of a block that is not live");
	KEXPECT_EQ(t, line, 3);
	KEXPECT_STREQ(t, track_all("m 0 1\nr 0 1 5\nr 0 2 5\n", 16, &line),
		      "realloc of a block that is not live");
	KEXPECT_STREQ(t, track_all("m 0 1\nr 0 0 5\n", 16, &line),
		      "realloc: NEW equals OLD");
	KEXPECT_STREQ(t, track_all("m 0 1\nm 1 1\nr 0 1 5\n", 16, &line),
		      "id used twice");
	KEXPECT_STREQ(t, track_all("m 16 1\n", 16, &line), "id beyond the table");
	KEXPECT_STREQ(t, track_all("m 0 1\nr 99 1 1\n", 16, &line),
		      "id beyond the table");
}

KTEST(replay_parse, track_failed_op_changes_nothing)
{
	unsigned char state[4] = { 0 };
	struct trace_op op = { .kind = 'r', .old = 0, .id = 1, .size = 4 };

	/* OLD is not live: refused, and NEW stays unseen. */
	KEXPECT_NOT_NULL(t, trace_track(state, 4, &op));
	KEXPECT_EQ(t, state[1], TRACE_UNSEEN);
	KEXPECT_EQ(t, state[0], TRACE_UNSEEN);
}
