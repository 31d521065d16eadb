#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz`: fuzz both allocators for a while and print one result line.
#
#   tests/fuzz/run.sh          (make fuzz builds build/host/fuzz-osmem first)
#
# Environment: FUZZ_SECONDS (600), FUZZ_JOBS (1: one libFuzzer process;
# N > 1: libFuzzer's -fork=N, which goes on after a failure and counts
# them), FUZZ (build/host/fuzz-osmem), FUZZ_ARGS (more libFuzzer options),
# FUZZ_OUT (build/fuzz: where the corpus, crashes and log go).
#
# The corpus is build/fuzz/corpus, seeded from tests/fuzz/seeds/ and kept
# between runs (each run starts where the last one stopped). A failing
# input is saved as build/fuzz/crashes/crash-<sha1> (or timeout-, oom-);
# libFuzzer's output is build/fuzz/fuzz.log. Exit status 0 when nothing
# failed, 1 otherwise.
set -u

cd "$(dirname "$0")/../.."

FUZZ=${FUZZ:-build/host/fuzz-osmem}
SECS=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}
OUT=${FUZZ_OUT:-build/fuzz}
CORPUS=$OUT/corpus
CRASHES=$OUT/crashes
LOG=$OUT/fuzz.log

[ -x "$FUZZ" ] || { echo "fuzz: $FUZZ is not built (run make fuzz)" >&2; exit 2; }
case $SECS$JOBS in
*[!0-9]*) echo "fuzz: FUZZ_SECONDS and FUZZ_JOBS must be numbers" >&2; exit 2 ;;
esac
mkdir -p "$CORPUS" "$CRASHES"
# Seeds the corpus already has (same name) are left alone.
for s in tests/fuzz/seeds/*; do
	[ -e "$CORPUS/${s##*/}" ] || cp "$s" "$CORPUS/"
done
ls "$CRASHES" | sort >"$OUT/crashes.before"

args=(-max_total_time="$SECS" -timeout=10 -max_len=4096
	-print_final_stats=1 -artifact_prefix="$CRASHES/")
[ "$JOBS" -gt 1 ] && args+=(-fork="$JOBS" -ignore_crashes=1
	-ignore_timeouts=1 -ignore_ooms=1)
# shellcheck disable=SC2206
args+=(${FUZZ_ARGS:-})

echo "fuzz: $SECS s, $JOBS job(s), corpus $CORPUS ($(find "$CORPUS" -type f | wc -l) inputs), log $LOG"
FUZZ_OSMEM_STATS=1 "$FUZZ" "${args[@]}" "$CORPUS" >"$LOG" 2>&1
rc=$?

# The figures: one process prints stat:: lines at the end; -fork prints
# "#RUNS: cov: C ft: F corp: N exec/s E ..." lines.
stat() { sed -n "s/^stat::$1: *//p" "$LOG" | tail -n 1; }
runs=$(stat number_of_executed_units)
eps=$(stat average_exec_per_sec)
last=$(grep -E '^#[0-9]+[[:space:]:].*cov: [0-9]+ ft: [0-9]+' "$LOG" | tail -n 1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
if [ -z "$runs" ]; then
	runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
	eps=$(sed -n 's/.*exec\/s:\{0,1\} \([0-9]*\).*/\1/p' <<<"$last")
fi
# The harness's own count (with -fork, the parent runs no input: none).
split=$(sed -n 's/^fuzz-osmem: inputs \(classic=[0-9]*\) \(fast=[0-9]*\),.*/ (\1 \2)/p' "$LOG" | tail -n 1)
[ "$split" = " (classic=0 fast=0)" ] && split=
ls "$CRASHES" | sort | comm -13 "$OUT/crashes.before" - >"$OUT/crashes.new"
failures=$(wc -l <"$OUT/crashes.new")
# A failure libFuzzer could not save still counts.
[ "$failures" -eq 0 ] && [ "$rc" -ne 0 ] && failures=1

echo "fuzz: ${SECS} s: runs=${runs:-?}${split} exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} failures=$failures/${runs:-?}"
if [ "$failures" -ne 0 ]; then
	grep -E 'FAILED|ERROR: |SUMMARY: ' "$LOG" | head -n 10 | sed 's/^/    /'
	echo "    saved inputs (replay one: $FUZZ FILE):"
	head -n 5 "$OUT/crashes.new" | sed "s|^|      $CRASHES/|"
	exit 1
fi
exit 0
