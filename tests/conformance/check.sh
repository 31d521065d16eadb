#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2317,SC2034 # helpers and values for the cases_*.sh
# The conformance cases of the drop-in malloc: behaviours real programs rely
# on, each checked on small programs of tests/conformance/ (NAME.c or
# NAME.cc, built by mk/conformance.mk into build/host/conformance/NAME) run
# under LD_PRELOAD=build/host/libosmem-preload.so. The cases are written
# from descriptions of known patterns (glibc's malloc tests among them),
# not copied.
#
#   tests/conformance/check.sh [HOSTDIR]          (default build/host)
#
# The cases, by topic, one sourced file each (tests/conformance/cases_*.sh):
#   cases_fork.sh   fork from a signal handler that interrupted malloc, fork
#                   while other threads use stdio (no deadlock)
#   cases_maps.sh   free keeps errno when munmap fails, double frees named
#                   with the allocated size, glibc's dynamic mmap threshold
#   cases_cxx.sh    C++: every form of operator new and delete, sized
#                   delete of a wrong size, replaced operators, a C++
#                   library in a C program, real C++ programs (g++ too)
#   cases_debug.sh  debug mode (OSMEM_DEBUG=1): malloc(0) faults, the
#                   quarantine reports a stale write and a late double free
#
# Every run has a time limit: the case's own (add_case NAME SECONDS,
# default 60), or CASE_TIMEOUT seconds for every case when set. A run that
# reaches it is killed and the case fails as "timed out (deadlock?)", not a
# hung test.
#
# Adding a case: write tests/conformance/NAME.c or NAME.cc (make builds
# every one; a NAME_plugin.cc is built as NAME_plugin.so instead), then, in
# the topic's cases_*.sh, a function case_CASE that runs it and returns 0
# to pass, and one line `add_case CASE [SECONDS]`. The helpers below do
# the usual judgements: expect_exit0, expect_abort, expect_segv; `diag
# LINE...` explains a failure, `note LINE...` comments a pass, `skip
# REASON` (then return 0) skips the case.
#
# Before any case runs, the library, every program and every case function
# must be there; if not, the one case "built" fails, naming what is missing.
#
# Prints KTAP (suite conformance, tests/lib/ktap.sh) on stdout; exit status
# 0 when every case passed, 1 if one failed.
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
BIN=$HOSTDIR/conformance
SRC=$(cd "$(dirname "$0")" && pwd)
CASE_TIMEOUT=${CASE_TIMEOUT:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=tests/lib/ktap.sh
. "$SRC/../lib/ktap.sh"

SIGABRT_STATUS=134	# 128 + SIGABRT, as timeout passes it on
SIGSEGV_STATUS=139	# 128 + SIGSEGV
HEX='0x[0-9a-f]+'
PRE="LD_PRELOAD=$LIB"
DBG="OSMEM_DEBUG=1"

CASES=()		# the case names, in the order they run
declare -A CASE_LIMIT	# each case's time limit, in seconds

# add_case NAME [SECONDS]: case_NAME runs, with that time limit (default 60).
add_case() {
	CASES+=("$1")
	CASE_LIMIT[$1]=${2:-60}
}

# The case running now: its name, its time limit, what it says.
this=
limit=60
diags=()	# why it failed
notes=()	# comment lines when it passes
skipped=	# the reason, when it skipped itself

diag() { diags+=("$@"); }
note() { notes+=("$@"); }
skip() { skipped=$1; }

# What an exit status means, in words.
status_text() {
	if [ "$1" -eq 124 ]; then
		echo "timed out after ${limit}s (deadlock?)"
	elif [ "$1" -gt 128 ]; then
		echo "killed by signal $(($1 - 128)) ($(kill -l "$1" 2>/dev/null))"
	else
		echo "exit status $1"
	fi
}

# run TAG [ENV=VAL...] CMD [ARG...]: CMD with those variables under the
# case's time limit; stdout in $WORK/TAG.out, stderr in $WORK/TAG.err, the
# exit status in $rc (124 when the time limit ended it).
rc=0
run() {
	local tag=$1
	shift
	# The subshell keeps bash's notice of a killed child out of our stderr.
	(timeout -k 5 "$limit" env "$@" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"; exit $?) 2>/dev/null
	rc=$?
}

# preloaded [ENV=VAL...] PROG [ARG...]: run $BIN/PROG under the library,
# tagged with the case's name; sets prog to PROG.
prog=
preloaded() {
	local envs=("$PRE")
	while [[ $1 == *=* ]]; do
		envs+=("$1")
		shift
	done
	prog=$1
	run "$this" "${envs[@]}" "$BIN/$1" "${@:2}"
}

# show_output TAG: the run's exit status and the first lines of its stdout
# and stderr, as diagnostics.
show_output() {
	local tag=$1 f line
	diag "$tag: $(status_text "$rc")"
	for f in out err; do
		[ -s "$WORK/$tag.$f" ] || continue
		diag "$tag std$f:"
		while IFS= read -r line; do
			diag "  $line"
		done < <(head -n 10 "$WORK/$tag.$f")
	done
}

# expect_exit0 [ENV=VAL...] PROG [ARG...]: the program, preloaded, exits 0
# and says nothing on stderr; its stdout's last line comments the pass.
expect_exit0() {
	preloaded "$@"
	if [ "$rc" -ne 0 ] || [ -s "$WORK/$this.err" ]; then
		show_output "$this"
		return 1
	fi
	[ -s "$WORK/$this.out" ] && note "$prog: $(tail -n 1 "$WORK/$this.out")"
	return 0
}

# stopped WANT-RC: the common verdict on a misuse run: the process died
# with WANT-RC (128 + the signal), never printed "survived" (or "reused":
# the test itself did not hold) and printed "ptr=<the pointer>".
# Sets ptr, size (from "ptr=P size=N", when given), line (the first
# stderr line) and nlines.
stopped() {
	local want=$1 out=$WORK/$this.out
	ptr=$(sed -n 's/^ptr=\([^ ]*\).*/\1/p' "$out")
	size=$(sed -n 's/^ptr=.* size=\([0-9]*\)$/\1/p' "$out")
	line=$(head -n 1 "$WORK/$this.err")
	nlines=$(wc -l <"$WORK/$this.err")
	if grep -qE '^(survived|reused)' "$out"; then
		diag "not stopped: $(grep -E '^(survived|reused)' "$out") ($(status_text "$rc"))"
	elif [ "$rc" -ne "$want" ]; then
		diag "$(status_text "$rc"), want $want ($(kill -l "$want"))"
	elif [ -z "$ptr" ]; then
		diag "the program printed no ptr= line"
	else
		return 0
	fi
	show_output "$this"
	return 1
}

# expect_abort REGEX [ENV=VAL...] PROG [ARG...]: the program, preloaded,
# dies of SIGABRT (see stopped) and its stderr is exactly one line matching
# REGEX, in which @PTR@ stands for the pointer it printed (ptr=) and @SIZE@
# for the size (size=).
expect_abort() {
	local re=$1
	shift
	preloaded "$@"
	stopped "$SIGABRT_STATUS" || return 1
	if [[ $re == *@SIZE@* ]] && [ -z "$size" ]; then
		diag "the program printed no size= after ptr="
		return 1
	fi
	re=${re//@PTR@/$ptr}
	re=${re//@SIZE@/$size}
	if [ "$nlines" -ne 1 ] || ! [[ $line =~ ^$re$ ]]; then
		diag "stderr ($nlines lines): $line" "want: $re"
		return 1
	fi
}

# expect_segv [ENV=VAL...] PROG [ARG...]: the program, preloaded, dies of
# SIGSEGV (see stopped) with nothing on stderr.
expect_segv() {
	preloaded "$@"
	stopped "$SIGSEGV_STATUS" || return 1
	if [ "$nlines" -ne 0 ]; then
		diag "stderr: $line"
		return 1
	fi
}

# ------------------------------------------------------------- cases ----

for f in "$SRC"/cases_*.sh; do
	# shellcheck source=/dev/null
	. "$f"
done

# ---------------------------------------------------------------- run ----

# run_case NAME: one KTAP case for case_NAME.
run_case() {
	this=$1
	limit=${CASE_TIMEOUT:-${CASE_LIMIT[$1]}}
	diags=()
	notes=()
	skipped=
	if ! "case_$1"; then
		ktap_fail "$1" "${diags[@]}"
	elif [ -n "$skipped" ]; then
		ktap_skip "$1" "$skipped"
	else
		ktap_pass "$1" "${notes[@]}"
	fi
}

ktap_suite conformance

missing=()
[ -e "$LIB" ] || missing+=("$LIB")
for name in "${CASES[@]}"; do
	declare -F "case_$name" >/dev/null ||
		missing+=("case_$name (an add_case line without its function)")
done
shopt -s nullglob
for src in "$SRC"/*.c "$SRC"/*.cc; do
	prog=${src##*/}
	prog=${prog%.c}
	prog=${prog%.cc}
	case $src in
	*_plugin.cc) [ -e "$BIN/$prog.so" ] || missing+=("$BIN/$prog.so") ;;
	*) [ -x "$BIN/$prog" ] || missing+=("$BIN/$prog") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	ktap_fail built "missing (make test builds the programs):" "${missing[@]}"
else
	for name in "${CASES[@]}"; do
		run_case "$name"
	done
fi

ktap_done
