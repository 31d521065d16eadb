/* SPDX-License-Identifier: MIT */
/*
 * The lab graders' checks (tests/labs/labN_*.c): each failed
 * check prints, besides ktest's "EXPECT ... failed" line, one "LAB: ..."
 * diagnostic written for the student: what was expected, what came back,
 * and the usual mistake behind it. tests/labs/grade.sh shows that line,
 * one per failed case, and the score.
 *
 *   LAB_EXPECT(t, cond, fmt, ...)  KEXPECT(t, cond); on failure the LAB line
 *   LAB_ASSERT(t, cond, fmt, ...)  the same, and the case ends there
 *   LAB_HINT(t, fmt, ...)          a LAB line printed whatever happens: for
 *                                  cases built of plain KEXPECTs (grade.sh
 *                                  shows it only when the case failed)
 */
#ifndef TESTS_LABS_LAB_CHECK_H
#define TESTS_LABS_LAB_CHECK_H

#include "libk/ktest.h"

#define LAB_EXPECT(t, cond, ...)                                             \
	({                                                                   \
		int lab_ok_ = KEXPECT(t, cond);                              \
		if (!lab_ok_)                                                \
			ktest_note(t, "LAB: " __VA_ARGS__);                  \
		lab_ok_;                                                     \
	})

#define LAB_ASSERT(t, cond, ...)                                             \
	do { if (!LAB_EXPECT(t, cond, __VA_ARGS__)) return; } while (0)

#define LAB_HINT(t, ...) ktest_note(t, "LAB: " __VA_ARGS__)

#endif
