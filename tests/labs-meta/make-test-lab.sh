#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test LAB=N (mk/labs.mk), checked: the `lab_test` step of make test.
#
#   make_test_lab_runs_one_grader   make -n test LAB=1 names no
#                                   tests/run-all.sh: LAB=N must not run
#                                   every step (this one among them)
#   make_test_labN_is_make_labN     for each graded lab N: stdout is make
#                                   labN's (addresses aside: the heaps are
#                                   mapped anew each run) then one closing
#                                   line "P passed, F failed" whose counts
#                                   are the score line's; the same exit
#                                   status as make labN
#   make_test_unknown_lab_is_refused  LAB=9: exit status not 0, a message
#                                   naming the labs, no grader run
#
# Whatever the student's files hold (stubs or solutions), the two outputs
# must agree. Run from make test (build/host/labs/labs.txt and the graders
# are built): the outer make's flags are not these makes'.
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."
unset MAKEFLAGS MFLAGS MAKELEVEL

WORK=$(mktemp -d "${TMPDIR:-/tmp}/make-test-lab.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LABS=build/host/labs/labs.txt
[ -s "$LABS" ] || { echo "make-test-lab: $LABS missing (make test-programs)" >&2; exit 2; }

# mk ARGS...: make's stdout in $WORK/out (addresses as 0x_), status returned.
mk() {
	make --no-print-directory "$@" 2>"$WORK/err" | sed 's/0x[0-9a-f]*/0x_/g' >"$WORK/out"
	return "${PIPESTATUS[0]}"
}

ktap_suite lab_test

if make --no-print-directory -n test LAB=1 2>&1 | grep -q 'run-all\.sh'; then
	ktap_fail make_test_lab_runs_one_grader "make -n test LAB=1 runs tests/run-all.sh: every step"
	ktap_done
fi
ktap_pass make_test_lab_runs_one_grader

for n in $(cut -d ' ' -f 1 "$LABS"); do
	mk "lab$n"; want_rc=$?; cp "$WORK/out" "$WORK/want"
	mk test LAB="$n"; rc=$?
	score=$(sed -n "s|^lab$n: score \([0-9]*\)/\([0-9]*\) .*|\1 \2|p" "$WORK/want")
	read -r p t <<<"$score"
	closing="$p passed, $((t - p)) failed"
	[ -n "$p" ] || closing="0 passed, 1 failed"	# the grader ran no check
	if [ "$rc" = "$want_rc" ] && [ "$(tail -n 1 "$WORK/out")" = "$closing" ] &&
		head -n -1 "$WORK/out" | cmp -s - "$WORK/want"; then
		ktap_pass "make_test_lab${n}_is_make_lab$n" "$closing (status $rc)"
	else
		ktap_fail "make_test_lab${n}_is_make_lab$n" \
			"status $rc (make lab$n: $want_rc), last line '$(tail -n 1 "$WORK/out")', want '$closing'" \
			"$(diff <(head -n -1 "$WORK/out") "$WORK/want" | head -n 6)" \
			"$(tail -n 3 "$WORK/err")"
	fi
done

mk test LAB=9; rc=$?
if [ "$rc" != 0 ] && grep -q 'no lab 9; the labs: 1 2 3 4' "$WORK/err" &&
	! grep -q 'passed' "$WORK/out"; then
	ktap_pass make_test_unknown_lab_is_refused "$(head -n 1 "$WORK/err")"
else
	ktap_fail make_test_unknown_lab_is_refused "status $rc" "$(cat "$WORK/err" "$WORK/out" | head -n 4)"
fi
ktap_done
