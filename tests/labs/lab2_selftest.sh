#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab 2's check, checked (the `labs` step of make test): the lab2_worstfit
# suite must FAIL on the shipped skeleton of mm/osmem/classic_worstfit.c
# and PASS with the reference solution, tests/labs/classic_worstfit_ref.c,
# compiled in its place. So the check can tell a missing worst fit from a
# finished one, and the reference meets it. Prints KTAP, suite labs:
#
#   lab2_fails_on_the_skeleton       build/host/labs/lab2-check-skel: some
#                                    lab2_worstfit case fails, none crashes
#                                    (exit status 1, a complete KTAP log)
#   lab2_passes_with_the_reference   build/host/labs/lab2-check-ref: every
#                                    case passes (exit status 0)
#
# Once a student has written worst fit (the file no longer carries the
# "LAB 2: write worst fit here" marker) it is no longer the skeleton: the
# first case is skipped, and their file must pass `make lab2-check`.
#
# make test builds both programs (mk/labs.mk). Exit status 0 when both
# cases pass, 1 otherwise.
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."

DIR=${DIR:-build/host/labs}
REPORT=${REPORT:-build/host/ktap-report}
STUDENT=mm/osmem/classic_worstfit.c
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lab2.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# run NAME: the program's KTAP in $WORK/NAME.ktap; its exit status.
run() {
	"$DIR/lab2-check-$1" lab2_worstfit >"$WORK/$1.ktap" 2>"$WORK/$1.err"
}

# counts NAME: "P passed, F failed" as the KTAP checker counts the log.
counts() {
	"$REPORT" --exit-status="$2" --fail-exit=1 "$WORK/$1.ktap" 2>&1 |
		tail -n 1 | sed 's/^.*: //'
}

# Diagnostics: the program's failures, one line each in $d.
failures() {
	mapfile -t d < <(grep -E '^ *not ok|^ *# EXPECT' "$WORK/$1.ktap" |
		head -n "${2:-6}" | sed 's/^ *//')
}

ktap_suite labs

if ! grep -q 'LAB 2: write worst fit here' "$STUDENT"; then
	ktap_skip lab2_fails_on_the_skeleton "$STUDENT is no longer the skeleton"
else
	run skel
	rc=$?
	c=$(counts skel "$rc")
	failures skel 3
	# 1 is "tests failed"; a crash or an empty log is no proof.
	if [ $rc = 1 ] && grep -q '^ok\|^not ok' "$WORK/skel.ktap" &&
	   grep -q '^  not ok' "$WORK/skel.ktap"; then
		ktap_pass lab2_fails_on_the_skeleton "skeleton: exit status $rc, $c" "${d[@]}"
	else
		ktap_fail lab2_fails_on_the_skeleton "skeleton: exit status $rc, $c" "${d[@]}"
	fi
fi

run ref
rc=$?
c=$(counts ref "$rc")
if [ $rc = 0 ] && "$REPORT" --exit-status=0 "$WORK/ref.ktap" >/dev/null 2>&1; then
	ktap_pass lab2_passes_with_the_reference "reference: exit status $rc, $c"
else
	failures ref
	ktap_fail lab2_passes_with_the_reference "reference: exit status $rc, $c" "${d[@]}"
fi

ktap_done
