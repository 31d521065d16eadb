#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: the allocators side by side (docs/bench.md explains every
# figure; the README quotes the headline).
#
#   tests/bench/bench.sh [HOSTDIR [TRACEDIR]]     (build/host, build/traces)
#
# 1. Trace replay (build/host/replay, edge-checked mode): every trace under
#    fast and libc (all calls, best of RUNS runs) and classic (the first
#    CLASSIC_LIMIT calls, once: its cost per call grows with the heap). fast
#    is also run on classic's prefix, so "fast/classic" compares the same
#    calls. Footprint: peak heap footprint / peak live bytes.
# 2. Churn (build/host/churn): COUNT live blocks, one free + one malloc per
#    step. Time per step (best of RUNS runs of CHURN_OPS steps) and
#    instructions per step (valgrind --tool=callgrind, churn_run() only,
#    CG_OPS steps). classic runs fewer steps (CLASSIC_OPS) and only up to
#    10,000 blocks: at 100,000 building the heap alone takes minutes (each
#    call walks every block), see docs/bench.md for that one-off figure.
# 3. System calls (tests/bench/syscalls.sh): brk, mmap, munmap and mremap
#    counts and time of `git log -p` and of the trace replays through the C
#    library's malloc, under glibc and under LD_PRELOAD of the drop-in.
# 4. Debug mode (replay and churn --debug: fast's red zones, poison,
#    quarantine) against default mode: time per call (replay, every call)
#    and per step (churn, CHURN_OPS steps), the two modes run in turn,
#    DEBUG_RUNS times each, best of each (the machine's speed drifts: runs
#    in turn compare like with like); the target is debug mode within 4x
#    of default mode on every row.
#
# Exit status 1 if any replay row or churn run reports an error.
set -u

HOSTDIR=${1:-build/host}
TRACEDIR=${2:-build/traces}
RUNS=${RUNS:-3}
CLASSIC_LIMIT=${CLASSIC_LIMIT:-100000}
CHURN_OPS=${CHURN_OPS:-1000000}
CG_OPS=${CG_OPS:-200000}
CLASSIC_OPS=${CLASSIC_OPS:-2000}
COUNTS=${COUNTS:-"1000 10000 100000 1000000"}
CLASSIC_MAX=${CLASSIC_MAX:-10000}
DEBUG_RUNS=${DEBUG_RUNS:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0

# ------------------------------------------------------------ replay ----
# rows ALLOC [REPLAY-OPTION...] -- TRACE...: the replay's table rows.
rows() {
	local alloc=$1
	shift
	"$HOSTDIR/replay" --allocator="$alloc" "$@" 2>>"$WORK/replay.err" |
		grep -v '^#' | tail -n +2
}

# best ROWS-FILE TRACE: "calls/s foot/live syscalls check" of the fastest row.
best() {
	awk -v t="$1" '$1 == t { if ($4 > r) { r = $4; f = $7; s = $8 }
		if ($9 != "OK") bad = 1 }
		END { printf "%d %s %s %s\n", r, f, s, bad ? "FAIL" : "OK" }' "$2"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), a / b }'; }
min_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || (a != "FAIL" && a + 0 < b + 0)) ? a : b }'; }
ns_per() { awk -v r="$1" 'BEGIN { printf (r > 0 ? "%.0f ns" : "n/a"), 1e9 / r }'; }
debug_rows=()     # section 3's table, filled by sections 1 and 2
debug_ratios=()
mega() { awk -v a="$1" 'BEGIN { printf "%.2fM", a / 1e6 }'; }

echo "## Trace replay (calls per second; footprint = peak heap / peak live bytes)"
echo
echo "fast and libc: all calls, best of $RUNS runs; classic: first $CLASSIC_LIMIT calls"
echo "(fast/classic compares fast on those same calls)."
echo
echo "| trace | fast calls/s | libc calls/s | fast/libc | classic calls/s | fast/classic | footprint fast | libc | classic | syscalls fast | classic |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for xz in tests/traces/*.trace.xz; do
	t=$(basename "$xz" .xz)
	path=$TRACEDIR/$t
	runs=()
	for ((i = 0; i < RUNS; i++)); do runs+=("$path"); done
	rows fast "${runs[@]}" >"$WORK/fast"
	rows libc "${runs[@]}" >"$WORK/libc"
	rows fast --limit="$CLASSIC_LIMIT" "${runs[@]}" >"$WORK/fastp"
	rows classic --limit="$CLASSIC_LIMIT" "$path" >"$WORK/classic"
	read -r fr ff fs fc <<<"$(best "$t" "$WORK/fast")"
	read -r lr lf _ lc <<<"$(best "$t" "$WORK/libc")"
	read -r pr _ _ pc <<<"$(best "$t" "$WORK/fastp")"
	read -r cr cf cs cc <<<"$(best "$t" "$WORK/classic")"
	for c in "$fc" "$lc" "$pc" "$cc"; do
		[ "$c" = OK ] || status=1
	done
	# default and debug in turn; calls/s, so debug/default is dr0 / dr
	: >"$WORK/fast0"
	: >"$WORK/fastd"
	for ((i = 0; i < DEBUG_RUNS; i++)); do
		rows fast "$path" >>"$WORK/fast0"
		rows fast --debug "$path" >>"$WORK/fastd"
	done
	read -r dr0 _ _ dc0 <<<"$(best "$t" "$WORK/fast0")"
	read -r dr _ _ dc <<<"$(best "$t" "$WORK/fastd")"
	[ "$dc0" = OK ] && [ "$dc" = OK ] || status=1
	debug_rows+=("| replay $t | $(ns_per "$dr0") | $(ns_per "$dr") | $(ratio "$dr0" "$dr") |")
	debug_ratios+=("$(ratio "$dr0" "$dr")")
	echo "| $t | $(mega "$fr") | $(mega "$lr") | $(ratio "$fr" "$lr") |" \
		"$(mega "$cr") | $(ratio "$pr" "$cr") | $ff | $lf | $cf | $fs | $cs |"
done
if [ -s "$WORK/replay.err" ] || [ $status -ne 0 ]; then
	echo
	echo "replay reported errors:"
	head -n 20 "$WORK/replay.err"
	status=1
fi

# ------------------------------------------------------------- churn ----
# churn_ns ALLOC COUNT OPS [WARMUP]: best ns per step over RUNS runs
# (CHURN_FLAGS: more options, e.g. --debug).
churn_ns() {
	local alloc=$1 count=$2 ops=$3 warm=${4:-} best="" ns args=()
	args=(--allocator="$alloc" --ops="$ops" ${CHURN_FLAGS:-})
	[ -n "$warm" ] && args+=(--warmup="$warm")
	for ((i = 0; i < RUNS; i++)); do
		if ! "$HOSTDIR/churn" "${args[@]}" "$count" >"$WORK/churn.out" 2>&1; then
			echo "churn failed: $(cat "$WORK/churn.out")" >&2
			status=1
			echo "FAIL"
			return
		fi
		ns=$(sed -n 's/.*ns_per_op=\([0-9.]*\).*/\1/p' "$WORK/churn.out")
		best=$(awk -v a="$ns" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
		[ "$alloc" = classic ] && break	# slow and steady: once is enough
	done
	echo "$best"
}

# churn_ir ALLOC COUNT OPS [WARMUP]: instructions per step (callgrind).
churn_ir() {
	local alloc=$1 count=$2 ops=$3 warm=${4:-} args=() total
	have_valgrind || { echo "n/a"; return; }
	args=(--allocator="$alloc" --ops="$ops")
	[ -n "$warm" ] && args+=(--warmup="$warm")
	if ! valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
		--toggle-collect=churn_run --callgrind-out-file="$WORK/cg.out" \
		"$HOSTDIR/churn" "${args[@]}" "$count" >"$WORK/cg.log" 2>&1; then
		echo "callgrind run failed: $(tail -n 3 "$WORK/cg.log")" >&2
		status=1
		echo "FAIL"
		return
	fi
	total=$(awk '/^totals:/ { print $2 }' "$WORK/cg.out")
	awk -v t="$total" -v n="$ops" 'BEGIN { printf "%.0f", t / n }'
}

have_valgrind() { command -v valgrind >/dev/null 2>&1; }

echo
echo "## Churn: one free + one malloc per step, COUNT blocks live"
echo
echo "ns/step: best of $RUNS runs of $CHURN_OPS steps (classic: $CLASSIC_OPS steps, once)."
echo "Ir/step: instructions per step counted by callgrind over $CG_OPS steps"
echo "(classic: $CLASSIC_OPS), the harness's own ~70 per step included."
echo
echo "| live blocks | fast ns | libc ns | fast/libc | classic ns | fast Ir | libc Ir | classic Ir |"
echo "|---|---|---|---|---|---|---|---|"
fast_irs=()
classic_irs=()
for count in $COUNTS; do
	fns=$(churn_ns fast "$count" "$CHURN_OPS")
	lns=$(churn_ns libc "$count" "$CHURN_OPS")
	fir=$(churn_ir fast "$count" "$CG_OPS")
	lir=$(churn_ir libc "$count" "$CG_OPS")
	if [ "$count" -le "$CLASSIC_MAX" ]; then
		cns=$(churn_ns classic "$count" "$CLASSIC_OPS" 1000)
		cir=$(churn_ir classic "$count" "$CLASSIC_OPS" 1000)
		classic_irs+=("$count:$cir")
	else
		cns="(too slow)"
		cir="(too slow)"
	fi
	case $count in 1000 | 100000 | 1000000) fast_irs+=("$fir") ;; esac
	echo "| $count | $fns | $lns | $(ratio "$fns" "$lns") | $cns | $fir | $lir | $cir |"
	# default and debug in turn, best of DEBUG_RUNS each
	d0=""
	dns=""
	for ((i = 0; i < DEBUG_RUNS; i++)); do
		d0=$(min_of "$(RUNS=1 churn_ns fast "$count" "$CHURN_OPS")" "$d0")
		dns=$(min_of "$(RUNS=1 CHURN_FLAGS=--debug churn_ns fast "$count" "$CHURN_OPS")" "$dns")
	done
	debug_rows+=("| churn $count blocks | $d0 ns | $dns ns | $(ratio "$dns" "$d0") |")
	debug_ratios+=("$(ratio "$dns" "$d0")")
done

echo
if have_valgrind && [ ${#fast_irs[@]} -gt 1 ]; then
	printf '%s\n' "${fast_irs[@]}" | awk '
		{ v[NR] = $1; if (NR == 1 || $1 > max) max = $1
		  if (NR == 1 || $1 < min) min = $1 }
		END { printf "fast Ir/step at 1,000 / 100,000 / 1,000,000 blocks:"
		      for (i = 1; i <= NR; i++) printf " %s", v[i]
		      printf "; max/min = %.2f (target: within 1.30)\n", max / min }'
	echo "classic Ir/step by live blocks: ${classic_irs[*]}"
else
	echo "instructions not measured (valgrind not installed)"
fi

echo
echo "## Debug mode against default mode (fast; time per call or step)"
echo
echo "Replay: every call of each trace; churn: $CHURN_OPS steps; the two modes in turn,"
echo "best of $DEBUG_RUNS runs each."
echo
echo "| benchmark | default | debug | debug/default |"
echo "|---|---|---|---|"
printf '%s\n' "${debug_rows[@]}"
echo
printf '%s\n' "${debug_ratios[@]}" | awk '
	$1 != "n/a" { if ($1 + 0 > max) max = $1 + 0; n++ }
	END { printf "debug/default: at most %.2f over %d benchmarks (target: within 4x)\n", max, n }'
# ------------------------------------------------------- system calls ----
# 3. glibc and the drop-in library on real work (tests/bench/syscalls.sh).
echo
"$(dirname "$0")/syscalls.sh" "$HOSTDIR" "$TRACEDIR" || status=1
exit $status
