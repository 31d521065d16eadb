#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The lab graders, graded (the `labs` step of make test). For each graded
# lab N, with its grader build/host/labs/labN-grader.o (mk/labs.mk):
#
#   labN_fails_the_stub        the student's file as shipped (it still
#                              carries its "LAB N:" stub marker): make labN
#                              fails, naming every check of
#                              tests/labs-meta/labN/stub-fails.txt with a
#                              message, and prints the score line
#   labN_passes_the_solution   tests/labs-meta/labN/FILE, the solution,
#                              in place of the student's: every check passes
#   labN_catches_MISTAKE       each line of tests/labs-meta/labN/mutations.txt
#                              (a sed edit of the solution that must change
#                              it): the grader fails the check it names
#   graders_read_no_solution   nothing the graders are built or run from
#                              names tests/labs-meta/: not mk/labs.mk's
#                              rules (its comments may), not tests/labs/,
#                              not the compiler's dependency lists of the
#                              graders' and the students' objects
#   labN_sheet_says_how_to_grade  docs/labs/labN-*.md has a Grading section
#                              that says `make labN`, shows the stub's and
#                              the solution's score lines as the grader
#                              prints them, and boots with make run KARGS=,
#                              not by editing grub.cfg
#
# The graders never read this directory: here the solutions are compiled
# and linked with labN-grader.o by this script alone (with the compiler
# command make wrote into build/host/labs/cc), graded by
# tests/labs/grade.sh as make labN does, logs in a temporary directory.
# Once a student's file no longer carries its stub marker, the stub case
# is skipped. Exit status 0 when every case passes, 1 otherwise.
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."

DIR=build/host/labs
META=tests/labs-meta
WORK=$(mktemp -d "${TMPDIR:-/tmp}/labs-meta.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
read -r -a CC_CMD <"$DIR/cc" || { echo "labs-meta: $DIR/cc missing (make test-programs)" >&2; exit 2; }

# lab N: "FILE SUITES MARKER" of graded lab N: the student's file and the
# grader's suites as make labN uses them (build/host/labs/labs.txt), and
# the stub's marker, a "LAB N: " comment.
lab() {
	local n file suites
	while read -r n file suites; do
		[ "$n" = "$1" ] && echo "$file $suites LAB $n: "
	done <"$DIR/labs.txt"
}

# grade N NAME SOURCE [CFLAG...]: compile SOURCE with lab N's grader into
# $WORK/NAME and grade it; grade.sh's output in $WORK/NAME.out, its status
# returned (2 when it did not compile).
grade() {
	local n=$1 name=$2 src=$3 suites
	shift 3
	read -r _ suites _ <<<"$(lab "$n")"
	"${CC_CMD[@]}" "$@" -o "$WORK/$name" "$src" "$DIR/lab$n-grader.o" \
		>"$WORK/$name.out" 2>&1 || return 2
	LOG="$WORK/$name.ktap" tests/labs/grade.sh "lab$n" "$WORK/$name" "$suites" \
		>"$WORK/$name.out" 2>&1
}

# fails_with N NAME CHECK...: grade.sh's output of NAME has a score line
# and a "FAIL CHECK: message" line for each CHECK; $miss lists the others.
fails_with() {
	local n=$1 out=$WORK/$2.out c
	shift 2
	miss=""
	grep -q "^lab$n: score [0-9]*/[0-9]* checks passed (" "$out" || miss="$miss score-line"
	for c in "$@"; do
		grep -q "^lab$n: FAIL $c: ..*" "$out" || miss="$miss $c"
	done
	[ -z "$miss" ]
}

# stub N: the student's file as shipped fails with a message per check.
stub() {
	local n=$1 file marker checks
	read -r file _ marker <<<"$(lab "$n")"
	if ! grep -qF "$marker" "$file"; then
		ktap_skip "lab${n}_fails_the_stub" "$file is no longer the stub"
		return
	fi
	mapfile -t checks < <(grep -v '^#' "$META/lab$n/stub-fails.txt")
	grade "$n" stub "$file"
	local rc=$?
	if [ $rc = 1 ] && fails_with "$n" stub "${checks[@]}"; then
		ktap_pass "lab${n}_fails_the_stub" "$(tail -n 1 "$WORK/stub.out")"
	else
		ktap_fail "lab${n}_fails_the_stub" "status $rc, missing:$miss" \
			"$(tail -n 5 "$WORK/stub.out")"
	fi
}

# solution N: the solution passes every check.
solution() {
	local n=$1 file
	read -r file _ <<<"$(lab "$n")"
	grade "$n" solution "$META/lab$n/$(basename "$file")"
	local rc=$?
	if [ $rc = 0 ] && grep -q "^lab$n: score .*: PASS$" "$WORK/solution.out"; then
		ktap_pass "lab${n}_passes_the_solution" "$(tail -n 1 "$WORK/solution.out")"
	else
		ktap_fail "lab${n}_passes_the_solution" "status $rc" \
			"$(tail -n 8 "$WORK/solution.out")"
	fi
}

# sheet N: the lab sheet says how to grade, and its score lines are
# what the grader prints (the stub's only while the file is the stub).
sheet() {
	local n=$1 doc want miss=""
	doc=$(ls docs/labs/lab"$n"-*.md 2>/dev/null | head -n 1)
	[ -n "$doc" ] || { ktap_fail "lab${n}_sheet_says_how_to_grade" "no docs/labs/lab$n-*.md"; return; }
	grep -q '^## Grading$' "$doc" || miss="$miss no-Grading-section"
	grep -q "^make lab$n\$" "$doc" || miss="$miss no-make-lab$n"
	grep -q 'grub\.cfg' "$doc" && miss="$miss grub.cfg-edited"
	grep -q 'make run' "$doc" && ! grep -q 'make run.*KARGS=' "$doc" &&
		miss="$miss make-run-without-KARGS"
	if [ -f "$WORK/stub.out" ] && [ "$(stub_of "$n")" = yes ]; then
		want=$(tail -n 1 "$WORK/stub.out" | sed "s|the full log: [^)]*)|the full log: build/host/labs/lab$n.ktap)|")
		grep -qF "$want" "$doc" || miss="$miss stub-score($want)"
	fi
	want=$(tail -n 1 "$WORK/solution.out")
	grep -qF "$want" "$doc" || miss="$miss solution-score($want)"
	if [ -z "$miss" ]; then
		ktap_pass "lab${n}_sheet_says_how_to_grade" "$doc"
	else
		ktap_fail "lab${n}_sheet_says_how_to_grade" "$doc:$miss"
	fi
}

# graders_read_no_solution: see the top.
no_solution_read() {
	local hits
	hits=$( {
		grep -v '^[[:space:]]*#' mk/labs.mk | grep -n 'labs-meta' | sed 's/^/mk\/labs.mk:/'
		grep -l 'labs-meta' tests/labs/* 2>/dev/null
		find build/host/obj/tests/labs "$DIR/sol" -name '*.d' -exec grep -l 'labs-meta' {} + 2>/dev/null
	} )
	if [ -z "$hits" ] && [ -d "$DIR/sol" ]; then
		ktap_pass graders_read_no_solution
	else
		ktap_fail graders_read_no_solution "names tests/labs-meta/ (or nothing built):" "$hits"
	fi
}

# stub_of N: "yes" when the student's file of lab N is still the stub.
stub_of() {
	local file marker
	read -r file _ marker <<<"$(lab "$1")"
	grep -qF "$marker" "$file" && echo yes
}

# mutations N: each classic mistake fails the check that names it.
mutations() {
	local n=$1 file sol name expr check src rc
	read -r file _ <<<"$(lab "$n")"
	sol=$META/lab$n/$(basename "$file")
	[ -f "$META/lab$n/mutations.txt" ] || return 0
	while IFS='@' read -r name expr check; do
		case $name in '#'* | '') continue ;; esac
		src=$WORK/$name.c
		sed "$expr" "$sol" >"$src"
		if cmp -s "$sol" "$src"; then
			ktap_fail "lab${n}_catches_$name" "the edit $expr changed nothing"
			continue
		fi
		# A mistake may leave a helper or a variable unused.
		grade "$n" "$name" "$src" -Wno-error
		rc=$?
		if [ $rc = 1 ] && fails_with "$n" "$name" "$check"; then
			ktap_pass "lab${n}_catches_$name" "$(grep "FAIL $check:" "$WORK/$name.out")"
		else
			ktap_fail "lab${n}_catches_$name" "status $rc, missing:$miss" \
				"$(tail -n 5 "$WORK/$name.out")"
		fi
	done <"$META/lab$n/mutations.txt"
}

ktap_suite labs
no_solution_read
[ -s "$DIR/labs.txt" ] || { echo "labs-meta: $DIR/labs.txt missing (make test-programs)" >&2; exit 2; }
# (A for loop: the graders and compilers inside must not read the list.)
for n in $(cut -d ' ' -f 1 "$DIR/labs.txt"); do
	rm -f "$WORK"/*.out
	stub "$n"
	solution "$n"
	sheet "$n"
	mutations "$n"
done
ktap_done
