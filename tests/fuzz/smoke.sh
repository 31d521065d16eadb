#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The fuzz step of `make test`: a short, repeatable check of the fuzzer
# itself, as KTAP (suite fuzz) on stdout.
#
#   tests/fuzz/smoke.sh [HOSTDIR]        (build/host)
#
# Cases:
#   seeds_replay        every input of tests/fuzz/seeds/ runs clean
#   fixed_seed_run      -seed=1 -runs=SMOKE_RUNS from the seeds: no failure,
#                       and both allocators were fuzzed
#   planted_bug_found   fuzz-osmem-planted (classic's realloc copy loses a
#                       byte: OSMEM_PLANT_REALLOC_BUG), from an empty corpus
#                       with -seed=1, within PLANT_RUNS runs and
#                       PLANT_SECONDS: libFuzzer stops on the realloc
#                       content check and saves the input
#   planted_input_replays  that input fails the planted build again and
#                       passes the real one (the bug is the planted one)
#
# Environment: SMOKE_RUNS (15000), PLANT_RUNS (200000), PLANT_SECONDS (60).
# Exit status 0 when every case passed, 1 otherwise.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

cd "$(dirname "$0")/../.."

HOSTDIR=${1:-build/host}
FUZZ=$HOSTDIR/fuzz-osmem
PLANTED=$HOSTDIR/fuzz-osmem-planted
SMOKE_RUNS=${SMOKE_RUNS:-15000}
PLANT_RUNS=${PLANT_RUNS:-200000}
PLANT_SECONDS=${PLANT_SECONDS:-60}
SEEDS=tests/fuzz/seeds
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite fuzz

# The lines of a log that say what went wrong (at most 6).
diag_log() {
	grep -E 'FAILED|ERROR|SUMMARY|Done|Executed' "$1" | head -n 6
}

# Options every run gets: no input may take 10 s; crashes go to WORK.
common=(-timeout=10 -max_len=4096)

# --- seeds_replay
seeds=("$SEEDS"/*)
"$FUZZ" "${common[@]}" "${seeds[@]}" >"$WORK/seeds.log" 2>&1
rc=$?
ran=$(grep -c '^Executed ' "$WORK/seeds.log")
if [ $rc -eq 0 ] && [ "$ran" -eq ${#seeds[@]} ]; then
	ktap_pass seeds_replay "$ran seed inputs replayed"
else
	mapfile -t d < <(diag_log "$WORK/seeds.log")
	ktap_fail seeds_replay "exit status $rc, $ran of ${#seeds[@]} inputs ran" "${d[@]}"
fi

# --- fixed_seed_run
mkdir -p "$WORK/corpus"
start=$(date +%s)
FUZZ_OSMEM_STATS=1 "$FUZZ" "${common[@]}" -seed=1 -runs="$SMOKE_RUNS" \
	-artifact_prefix="$WORK/smoke-" "$WORK/corpus" "$SEEDS" \
	>"$WORK/smoke.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
split=$(sed -n 's/^fuzz-osmem: inputs classic=\([0-9]*\) fast=\([0-9]*\),.*/\1 \2/p' "$WORK/smoke.log")
read -r classic fast <<<"${split:-0 0}"
done_line=$(grep '^Done ' "$WORK/smoke.log")
if [ $rc -eq 0 ] && [ -n "$done_line" ] && [ "$classic" -gt 0 ] && [ "$fast" -gt 0 ]; then
	ktap_pass fixed_seed_run "$done_line ($secs s wall): classic $classic inputs, fast $fast"
else
	mapfile -t d < <(diag_log "$WORK/smoke.log")
	ktap_fail fixed_seed_run "exit status $rc; inputs: classic $classic, fast $fast" "${d[@]}"
fi

# --- planted_bug_found
mkdir -p "$WORK/planted-corpus"
start=$(date +%s)
"$PLANTED" "${common[@]}" -seed=1 -runs="$PLANT_RUNS" \
	-max_total_time="$PLANT_SECONDS" -artifact_prefix="$WORK/planted-" \
	"$WORK/planted-corpus" >"$WORK/planted.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
crash=$(find "$WORK" -maxdepth 1 -name 'planted-crash-*' | head -n 1)
found=$(grep -m 1 'FAILED \[realloc-content\] classic' "$WORK/planted.log")
runs=$(grep -o '^#[0-9]*' "$WORK/planted.log" | tail -n 1)
if [ $rc -ne 0 ] && [ -n "$found" ] && [ -n "$crash" ]; then
	ktap_pass planted_bug_found "found by run ${runs:-#?}, $secs s: ${found#fuzz-osmem: }"
else
	mapfile -t d < <(diag_log "$WORK/planted.log")
	ktap_fail planted_bug_found "exit status $rc after $secs s; want a crash on the realloc content check" "${d[@]}"
fi

# --- planted_input_replays
if [ -z "$crash" ]; then
	ktap_fail planted_input_replays "no saved input to replay"
else
	"$PLANTED" "$crash" >"$WORK/replay-planted.log" 2>&1
	rc_planted=$?
	"$FUZZ" "$crash" >"$WORK/replay-real.log" 2>&1
	rc_real=$?
	if [ $rc_planted -ne 0 ] &&
	   grep -q 'FAILED \[realloc-content\]' "$WORK/replay-planted.log" &&
	   [ $rc_real -eq 0 ]; then
		ktap_pass planted_input_replays
	else
		mapfile -t d < <(diag_log "$WORK/replay-planted.log"; diag_log "$WORK/replay-real.log")
		ktap_fail planted_input_replays "planted build: exit $rc_planted (want non-zero), real build: exit $rc_real (want 0)" "${d[@]}"
	fi
fi

ktap_done
