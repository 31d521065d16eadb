#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Grade one lab (make lab1 .. make lab4): run its grader, a KTAP program
# built with the student's file (mk/labs.mk), and print what a student
# needs: one line per failed check, with the reason the check gives
# ("LAB: ..." diagnostic, else its first diagnostic), then the score.
#
#   tests/labs/grade.sh [--summary] LAB PROGRAM SUITES
#
#   lab2: FAIL exact_fit_is_taken: a free block of exactly ... (not >)
#   lab2: score 9/12 checks passed (3 failed; the full log: build/...)
#
# --summary (make test LAB=N) ends with make test's closing line, "P passed,
# F failed", the score's counts (a grader that ran no check: 0 passed, 1
# failed, so it never reads as a pass).
#
# The whole KTAP log is kept in $LOG (build/host/labs/LAB.ktap). Exit status 0
# when every check passed, 1 when one failed (or the grader did not run).
set -u
cd "$(dirname "$0")/../.."

summary=0
[ "${1:-}" = --summary ] && { summary=1; shift; }
lab=$1 prog=$2 suites=$3
log=${LOG:-build/host/labs/$lab.ktap}
mkdir -p "$(dirname "$log")"

"$prog" "$suites" >"$log" 2>&1
rc=$?

# One pass over the log: a case's diagnostics come before its result line
# (indented: the suites' own lines are not).
awk -v lab="$lab" -v logf="$log" -v rc="$rc" -v summary="$summary" '
/^ +# / {
	line = $0
	sub(/^ +# /, "", line)
	if (lab_msg == "" && (i = index(line, "LAB: ")) > 0)
		lab_msg = substr(line, i + 5)
	else if (first == "" && line !~ /^Subtest:/)
		first = line
	next
}
/^ +(not )?ok [0-9]+ / {
	name = $0
	sub(/^ +(not )?ok [0-9]+ /, "", name)
	total++
	if ($0 ~ /^ +not ok/) {
		failed++
		msg = lab_msg != "" ? lab_msg : first
		if (msg == "")
			msg = "failed (no diagnostic: see " logf ")"
		printf "%s: FAIL %s: %s\n", lab, name, msg
	}
	lab_msg = first = ""
	next
}
/^ +KTAP|^ +1\.\./ { lab_msg = first = "" }
END {
	if (total == 0) {
		printf "%s: the grader ran no check (exit status %s): see %s\n", lab, rc, logf
		printf "%s: score 0/0\n", lab
		if (summary)
			print "0 passed, 1 failed"
		exit 1
	}
	if (rc != 0 && failed == 0) {
		printf "%s: FAIL the grader stopped early (exit status %s): see %s\n", lab, rc, logf
		failed = 1
	}
	if (failed)
		printf "%s: score %d/%d checks passed (%d failed; the full log: %s)\n", lab, total - failed, total, failed, logf
	else
		printf "%s: score %d/%d checks passed: PASS\n", lab, total, total
	if (summary)
		printf "%d passed, %d failed\n", total - failed, failed
	exit failed ? 1 : 0
}' "$log"
