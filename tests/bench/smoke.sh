#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bench_smoke step of `make test`: the malloc benchmark programs and
# their runner work (no timing is asserted), as KTAP (suite bench_smoke).
#
#   tests/bench/smoke.sh [HOSTDIR]          (build/host)
#
# Cases:
#   NAME_glibc, NAME_osmem   every program of build/host/mbench/ (hot batch
#                            churn larson xmalloc sizeclass large), a few
#                            iterations, with several threads where it
#                            takes them, plainly and under LD_PRELOAD of
#                            libosmem-preload.so: exit status 0 and one
#                            result line "NAME ... ns_per_op=X errors=0"
#   rusage                   the runner's helper reports status, wall time
#                            and peak RSS, and passes a failure on (exit 3
#                            of a child is its status 3)
#   runner                   tests/bench/malloc_bench.sh on glibc and osmem,
#                            1 round, SCALE=0.001, 1,000 live blocks for
#                            churn, 1,000 pairs under callgrind: exit 0, and
#                            malloc.md has a row per benchmark, the geomean
#                            row and the instruction counts
#   plot                     that run's malloc.png is a PNG (skipped without
#                            gnuplot)
#
# About 10 s on 2 cores. make test builds the programs (mk/bench.mk).
set -u
. "$(dirname "$0")/../lib/ktap.sh"

cd "$(dirname "$0")/../.." || exit 2

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
BIN=$HOSTDIR/mbench
LIB=$HOSTDIR/libosmem-preload.so
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite bench_smoke

# The first lines of a file, as one diagnostic.
head_of() { head -n "${2:-5}" "$1" 2>/dev/null; }

# prog_case NAME ALLOC PROGRAM-ARG...: one tiny run, checked.
prog_case() {
	local name=$1 alloc=$2 rc line
	shift 2
	local out=$WORK/$name.$alloc
	if [ "$alloc" = osmem ]; then
		timeout 60 env LD_PRELOAD="$LIB" "$BIN/$name" "$@" >"$out.out" 2>"$out.err"
	else
		timeout 60 "$BIN/$name" "$@" >"$out.out" 2>"$out.err"
	fi
	rc=$?
	line=$(grep -E "^$name .*ns_per_op=[0-9.]+ errors=0$" "$out.out")
	if [ $rc -eq 0 ] && [ -n "$line" ] && [ "$(wc -l <"$out.out")" -eq 1 ]; then
		ktap_pass "${name}_$alloc" "$line"
	else
		ktap_fail "${name}_$alloc" "$name $* (status $rc) printed:" \
			"$(head_of "$out.out")" "stderr:" "$(head_of "$out.err")"
	fi
}

missing=""
for p in hot batch churn larson xmalloc sizeclass large rusage; do
	[ -x "$BIN/$p" ] || missing="$missing $p"
done
if [ -n "$missing" ] || [ ! -e "$LIB" ]; then
	ktap_fail built "missing:$missing $([ -e "$LIB" ] || echo "$LIB") (make test builds them)"
	ktap_done
fi

progs=(
	"hot --threads=2 --iters=2000"
	"batch --threads=2 --batch=100 --rounds=10"
	"churn --count=1000 --ops=2000"
	"larson --threads=2 --slots=100 --steps=1000 --rounds=3"
	"xmalloc --pairs=2 --blocks=10000 --batch=16 --queue=4"
	"sizeclass --threads=5 --steps=20"
	"large --threads=2 --live=2 --steps=4"
)
for p in "${progs[@]}"; do
	read -r name args <<<"$p"
	for alloc in glibc osmem; do
		# shellcheck disable=SC2086
		prog_case "$name" "$alloc" $args
	done
done

# ----------------------------------------------------------- rusage ----
"$BIN/rusage" --out="$WORK/ru1" -- "$BIN/hot" --iters=1000 >/dev/null 2>&1
rc1=$?
"$BIN/rusage" --out="$WORK/ru2" -- sh -c 'exit 3' >/dev/null 2>&1
rc2=$?
ru1=$(cat "$WORK/ru1" 2>/dev/null)
ru2=$(cat "$WORK/ru2" 2>/dev/null)
if [ $rc1 -eq 0 ] && [ $rc2 -eq 3 ] &&
   [[ $ru1 =~ ^status=0\ wall_s=[0-9.]+\ user_s=[0-9.]+\ sys_s=[0-9.]+\ maxrss_kb=[1-9][0-9]*$ ]] &&
   [[ $ru2 =~ ^status=3\  ]]; then
	ktap_pass rusage "$ru1"
else
	ktap_fail rusage "exit statuses $rc1 (want 0) and $rc2 (want 3)" \
		"lines: $ru1" "       $ru2"
fi

# ----------------------------------------------------------- runner ----
ROUNDS=1 SCALE=0.001 CHURN_COUNTS=1000 ALLOCATORS="glibc osmem" \
	CG_ITERS=1000 PLOT=1 OUT="$WORK/out" \
	timeout 120 tests/bench/malloc_bench.sh "$HOSTDIR" >"$WORK/runner.out" 2>&1
rc=$?
md=$WORK/out/malloc.md
bad=()
[ $rc -eq 0 ] || bad+=("exit status $rc")
for row in hot-1t hot-2t batch-1t batch-2t churn-1k larson-2t xmalloc-2t \
	sizeclass-5t large; do
	grep -qE "^\| $row \| [0-9.]+ [num]s \[[0-9.]+ MB\] \| [0-9.]+ \[[0-9.]+\] \|$" \
		"$md" 2>/dev/null || bad+=("no row $row")
done
grep -qE '^\| \*\*geomean\*\* \| 1 \[1\] \| \*\*[0-9.]+\*\* \[[0-9.]+\] \|$' "$md" 2>/dev/null ||
	bad+=("no geomean row")
if command -v valgrind >/dev/null 2>&1; then
	grep -qE '^\| osmem \| [0-9]+\.[0-9] \|$' "$md" 2>/dev/null ||
		bad+=("no instruction count for osmem")
fi
if [ ${#bad[@]} -eq 0 ]; then
	ktap_pass runner "$(grep -F geomean "$md")"
else
	ktap_fail runner "${bad[@]}" "output:" "$(tail -n 25 "$WORK/runner.out")"
fi

# ------------------------------------------------------------- plot ----
if ! command -v gnuplot >/dev/null 2>&1; then
	ktap_skip plot "gnuplot is not installed"
elif [ "$(head -c 8 "$WORK/out/malloc.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	ktap_pass plot
else
	ktap_fail plot "$WORK/out/malloc.png is missing or not a PNG"
fi

ktap_done
