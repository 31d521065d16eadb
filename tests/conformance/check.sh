#!/usr/bin/env bash
# The drop-in malloc against behaviours real programs rely on, each case a
# small C program of its own (tests/conformance/NAME.c, built as
# build/host/conformance/NAME by mk/conformance.mk) run under
# LD_PRELOAD=build/host/libosmem-preload.so. The cases are written here
# from descriptions of known patterns (glibc's malloc tests among them),
# not copied.
#
#   tests/conformance/check.sh [HOSTDIR]          (default build/host)
#
# Every run has a time limit (CASE_TIMEOUT seconds, default 60): a deadlock
# is a failure named as such, not a hung test. Each case takes a few
# seconds when it passes.
#
# Adding a case: write tests/conformance/NAME.c (make test builds every
# .c there), a function case_NAME below that runs it with `preloaded` and
# judges it (return 0 to pass; `diag LINE...` explains a failure; `note`
# adds a comment line to a passing case; `expect_exit0` is the common
# judgement), and one line in CASES at the bottom.
#
# Prints KTAP (suite conformance) on stdout; exit status 0 when every case
# passed.
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
BIN=$HOSTDIR/conformance
CASE_TIMEOUT=${CASE_TIMEOUT:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

n=0
failed=0
out=()
diags=()	# the current case's diagnostic lines
notes=()	# the current case's comment lines when it passes

diag() { diags+=("$@"); }
note() { notes+=("$@"); }

# preloaded TAG PROG [ARG...]: run $BIN/PROG under the library and the time
# limit; stdout in $WORK/TAG.out, stderr in $WORK/TAG.err, the exit status
# in $rc (124 when the time limit ended it).
rc=0
preloaded() {
	local tag=$1 prog=$2
	shift 2
	# The subshell keeps bash's notice of a killed child out of our stderr.
	(timeout -k 5 "$CASE_TIMEOUT" env "LD_PRELOAD=$LIB" "$BIN/$prog" "$@" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"; exit $?) 2>/dev/null
	rc=$?
}

# What an exit status means, in words.
status_text() {
	if [ "$1" -eq 124 ]; then
		echo "timed out after ${CASE_TIMEOUT}s (deadlock?)"
	elif [ "$1" -gt 128 ]; then
		echo "killed by signal $(($1 - 128)) ($(kill -l "$1" 2>/dev/null))"
	else
		echo "exit status $1"
	fi
}

# expect_exit0 TAG PROG [ARG...]: the run must exit 0 and say nothing on
# stderr; its stdout's last line becomes the case's comment.
expect_exit0() {
	local tag=$1 line
	preloaded "$@"
	if [ $rc -ne 0 ] || [ -s "$WORK/$tag.err" ]; then
		diag "$tag: $(status_text $rc)"
		while IFS= read -r line; do
			diag "$tag: $line"
		done < <(cat "$WORK/$tag.out" "$WORK/$tag.err" | head -n 8)
		return 1
	fi
	note "$tag: $(tail -n 1 "$WORK/$tag.out")"
}

# ------------------------------------------------------------- cases ----

# fork from a SIGUSR1 handler that interrupted malloc/free (glibc's
# tst-mallocfork2 pattern), the signals sent by a child process: the
# program stays single-threaded, as in glibc's test.
case_fork_in_signal_handler() {
	expect_exit0 fork_in_handler fork_in_handler process
}

# The same with the signals sent by a second thread, so fork takes the C
# library's multi-threaded path (more than glibc's own malloc promises: its
# fork takes its arena locks then, and the plain program hangs on glibc).
case_fork_in_signal_handler_threads() {
	expect_exit0 fork_in_handler fork_in_handler thread
}

# fork while one thread calls getline (it allocates holding its stream's
# lock) and another fflush(NULL) (it holds the stream list and waits for
# each stream): glibc's tst-malloc-fork-deadlock scenario.
case_fork_with_stdio_threads() {
	expect_exit0 fork_stdio fork_stdio
}

# ---------------------------------------------------------------- run ----

CASES=(
	fork_in_signal_handler
	fork_in_signal_handler_threads
	fork_with_stdio_threads
)

# run_case NAME: one KTAP line for case_NAME.
run_case() {
	local name=$1 line
	n=$((n + 1))
	diags=()
	notes=()
	if "case_$name"; then
		for line in "${notes[@]}"; do
			out+=("  # $line")
		done
		out+=("  ok $n $name")
	else
		for line in "${diags[@]}"; do
			out+=("  # $line")
		done
		out+=("  not ok $n $name")
		failed=$((failed + 1))
	fi
}

missing=()
[ -e "$LIB" ] || missing+=("$LIB")
for name in "${CASES[@]}"; do
	declare -F "case_$name" >/dev/null ||
		missing+=("case_$name (a line in CASES without its function)")
done
for src in "$(dirname "$0")"/*.c; do
	prog=$(basename "$src" .c)
	[ -x "$BIN/$prog" ] || missing+=("$BIN/$prog")
done

if [ ${#missing[@]} -gt 0 ]; then
	n=1
	diags=("missing (make test builds the programs):" "${missing[@]}")
	for line in "${diags[@]}"; do
		out+=("  # $line")
	done
	out+=("  not ok 1 built")
	failed=1
else
	for name in "${CASES[@]}"; do
		run_case "$name"
	done
fi

echo "KTAP version 1"
echo "1..1"
echo "  KTAP version 1"
echo "  # Subtest: conformance"
echo "  1..$n"
printf '%s\n' "${out[@]}"
if [ $failed -eq 0 ]; then
	echo "ok 1 conformance"
	exit 0
fi
echo "not ok 1 conformance"
exit 1
