#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The system calls of real work under glibc's malloc and under the drop-in
# library (LD_PRELOAD=build/host/libosmem-preload.so), side by side: the
# last table of `make bench` (tests/bench/bench.sh), or on its own:
#
#   tests/bench/syscalls.sh [HOSTDIR [TRACEDIR]]     (build/host, build/traces)
#
# Work: `git --no-pager log -p` over this repository's whole history
# (skipped outside a git checkout), and the replay of each real program's
# trace through the C library's malloc family (build/host/replay
# --allocator=libc), which under LD_PRELOAD is the drop-in library.
#
# Counts: brk, mmap, munmap and mremap calls of the process and its
# children, by `strace -f -c` (strace -E sets LD_PRELOAD for the traced
# program only, not for strace). The loader's own mmaps are in both
# columns (the drop-in run maps the library too). Time: the best of RUNS
# runs without strace, and fast/glibc, the drop-in run's time over
# glibc's. Without strace the counts read n/a (make bench installs it
# through mk/deps.sh).
#
# Exit status 1 if a run failed, else 0.
set -u

HOSTDIR=${1:-build/host}
TRACEDIR=${2:-build/traces}
RUNS=${RUNS:-3}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
REPO=$(git rev-parse --show-toplevel 2>/dev/null || true)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/syscalls.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0

# counts PRELOAD CMD...: "brk mmap munmap mremap" of one traced run
# (PRELOAD empty: glibc).
counts() {
	local pre=$1 env=()
	shift
	if ! command -v strace >/dev/null 2>&1; then
		echo "n/a n/a n/a n/a"
		return
	fi
	[ -n "$pre" ] && env=(-E "LD_PRELOAD=$pre")
	if ! strace -f -c -o "$WORK/strace.out" "${env[@]}" \
		-e trace=brk,mmap,munmap,mremap "$@" >/dev/null 2>"$WORK/run.err"; then
		echo "run failed: $* ($(tail -n 2 "$WORK/run.err"))" >&2
		status=1
	fi
	awk '{ n[$NF] = $4 }
	     END { printf "%d %d %d %d\n", n["brk"], n["mmap"], n["munmap"], n["mremap"] }' \
		"$WORK/strace.out"
}

# seconds PRELOAD CMD...: the best wall time of RUNS runs.
seconds() {
	local pre=$1 best="" t0 t1 t
	shift
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		if [ -n "$pre" ]; then
			LD_PRELOAD=$pre "$@" >/dev/null 2>"$WORK/run.err" || status=1
		else
			"$@" >/dev/null 2>"$WORK/run.err" || status=1
		fi
		t1=$(date +%s%N)
		t=$(( (t1 - t0) / 1000 ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), a / b }'; }

# row NAME CMD...: one table row.
row() {
	local name=$1 g f gt ft
	shift
	read -r -a g <<<"$(counts "" "$@")"
	read -r -a f <<<"$(counts "$LIB" "$@")"
	gt=$(seconds "" "$@")
	ft=$(seconds "$LIB" "$@")
	printf '| %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s ms | %s |\n' \
		"$name" "${g[0]}" "${f[0]}" "${g[1]}" "${f[1]}" "${g[2]}" "${f[2]}" \
		"${g[3]}" "${f[3]}" "$(awk -v t="$gt" 'BEGIN { printf "%.1f", t / 1000 }')" \
		"$(awk -v t="$ft" 'BEGIN { printf "%.1f", t / 1000 }')" "$(ratio "$ft" "$gt")"
}

echo "## System calls of real work: glibc / drop-in (strace -f -c)"
echo
echo "Counts are glibc / drop-in (LD_PRELOAD=libosmem-preload.so); time: best of"
echo "$RUNS runs without strace; fast/glibc: the drop-in run's time over glibc's."
echo
echo "| work | brk | mmap | munmap | mremap | time | fast/glibc |"
echo "|---|---|---|---|---|---|---|"
if [ ! -e "$LIB" ]; then
	echo "$LIB is missing (make host builds it)" >&2
	exit 1
fi
if [ -n "$REPO" ]; then
	row "git log -p ($(git -C "$REPO" rev-list --count HEAD) commits)" \
		git -C "$REPO" --no-pager log -p
fi
for trace in "$TRACEDIR"/*.trace; do
	[ -e "$trace" ] || continue
	row "replay $(basename "$trace" .trace)" \
		"$HOSTDIR/replay" --allocator=libc "$trace"
done
command -v strace >/dev/null 2>&1 ||
	echo "(system calls not counted: strace is not installed)"
exit $status
