#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench-malloc (and the second part of make bench): the malloc
# benchmark programs (tests/bench/mb_*.c) under glibc, osmem's drop-in
# malloc and the peer allocators, side by side (docs/bench.md, "Side by
# side with glibc, mimalloc, jemalloc, tcmalloc").
#
#   tests/bench/malloc_bench.sh [HOSTDIR]           (build/host)
#
# Allocators: glibc (no preload), osmem (LD_PRELOAD=HOSTDIR/libosmem-
# preload.so), and mimalloc, jemalloc, tcmalloc (LD_PRELOAD of the .so
# that dpkg -L lists for libmimalloc2.0, libjemalloc2, libtcmalloc-
# minimal4) when their packages are installed; the others are skipped with
# a note. Nothing is linked against a peer allocator.
#
# Method: ROUNDS interleaved rounds; in each, every benchmark runs once
# under every allocator, the allocators' order rotated from one round (and
# one benchmark) to the next, so slow phases of a shared machine fall on
# all of them. Per benchmark and allocator: the median of the program's
# own ns_per_op (its timed part only), and the median peak RSS of the
# process (wait4's ru_maxrss, through HOSTDIR/mbench/rusage). The table
# gives glibc's figures absolute and the others' as ratios to glibc's:
# "time ratio [RSS ratio]", then the geometric mean of the ratios; a second
# table gives, for the benchmarks run with 1 and with 2 threads doing the
# same work each, time(2 threads) / time(1 thread). Instructions per hot
# malloc(32)+free pair: callgrind, counting only hot_loop() (see mb_hot.c).
#
# Output: the tables on stdout and in OUT/malloc.md; OUT/malloc.dat (time
# ratios, one line per benchmark) and its plot OUT/malloc.png (gnuplot,
# grouped bars, log scale); every run's figures in OUT/malloc-runs.txt.
#
# Environment (knobs):
#   ROUNDS=5         interleaved rounds (medians over them; about 20 s each)
#   SCALE=1          multiplies every benchmark's iteration count
#   ALLOCATORS="glibc osmem mimalloc jemalloc tcmalloc"   (a subset)
#   BENCHES=all      or a list of row names (hot-1t churn-1k ...)
#   CHURN_COUNTS="1000 100000 1000000"   live blocks of the churn rows
#   CG_ITERS=200000  pairs counted by callgrind (0: no callgrind)
#   RUN_TIMEOUT=120  seconds for any one run (a time-out is a failed run)
#   PLOT=1           0: no PNG
#   OUT=build/bench
#
# Exit status 1 if any run failed (non-zero exit, no result line, errors
# reported, time-out); its cell reads FAIL and the end of its stderr is
# printed.
set -u

cd "$(dirname "$0")/../.." || exit 2

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
BIN=$HOSTDIR/mbench
ROUNDS=${ROUNDS:-5}
SCALE=${SCALE:-1}
ALLOCATORS=${ALLOCATORS:-"glibc osmem mimalloc jemalloc tcmalloc"}
BENCHES=${BENCHES:-all}
CHURN_COUNTS=${CHURN_COUNTS:-"1000 100000 1000000"}
CG_ITERS=${CG_ITERS:-200000}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
PLOT=${PLOT:-1}
OUT=${OUT:-build/bench}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/malloc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0
start=$SECONDS

mkdir -p "$OUT"

# ------------------------------------------------------ allocators ----
# lib_of ALLOC: the library to preload ("" for glibc); status 1 if absent.
lib_of() {
	local pkg re f
	case $1 in
	glibc) echo ""; return 0 ;;
	osmem) [ -e "$HOSTDIR/libosmem-preload.so" ] &&
		echo "$HOSTDIR/libosmem-preload.so"; return ;;
	mimalloc) pkg=libmimalloc2.0 re='/libmimalloc\.so\.2$' ;;
	jemalloc) pkg=libjemalloc2 re='/libjemalloc\.so\.2$' ;;
	tcmalloc) pkg=libtcmalloc-minimal4 re='/libtcmalloc_minimal\.so\.4$' ;;
	*) return 1 ;;
	esac
	f=$(dpkg -L "$pkg" 2>/dev/null | grep -E "$re" | head -n 1)
	[ -n "$f" ] && [ -e "$f" ] && echo "$f"
}

pkg_of() {
	case $1 in
	mimalloc) echo libmimalloc2.0 ;;
	jemalloc) echo libjemalloc2 ;;
	tcmalloc) echo libtcmalloc-minimal4 ;;
	osmem) echo "(make host)" ;;
	*) echo "unknown allocator" ;;
	esac
}

allocs=()
declare -A LIB
notes=()
for a in $ALLOCATORS; do
	if lib=$(lib_of "$a"); then
		allocs+=("$a")
		LIB[$a]=$lib
	else
		notes+=("$a skipped: not installed: $(pkg_of "$a")")
	fi
done
case " ${allocs[*]} " in
*" glibc "*) ;;
*) echo "malloc_bench: glibc must be among ALLOCATORS (the baseline)" >&2
   exit 2 ;;
esac
for p in hot batch churn larson xmalloc sizeclass large rusage; do
	[ -x "$BIN/$p" ] || {
		echo "malloc_bench: $BIN/$p is not built (make bench-malloc)" >&2
		exit 2
	}
done

# ---------------------------------------------------------- benches ----
# sc N: N * SCALE, rounded, at least 1.
sc() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print v < 1 ? 1 : v }'; }

# "ROW PROGRAM ARG...": the defaults take about 0.05-0.3 s each with
# glibc on a 2-core machine (the programs' own defaults about 1-3 s).
rows=(
	"hot-1t hot --threads=1 --iters=$(sc 5000000)"
	"hot-2t hot --threads=2 --iters=$(sc 5000000)"
	"batch-1t batch --threads=1 --rounds=$(sc 2000)"
	"batch-2t batch --threads=2 --rounds=$(sc 2000)"
)
for c in $CHURN_COUNTS; do
	case $c in
	1000000) name=1M; args="--warmup=100000 --ops=$(sc 300000)" ;;
	*000) name=$((c / 1000))k; args="--ops=$(sc 1000000)" ;;
	*) name=$c; args="--ops=$(sc 1000000)" ;;
	esac
	rows+=("churn-$name churn --count=$c $args")
done
rows+=(
	"larson-2t larson --threads=2 --steps=$(sc 50000) --rounds=10"
	"xmalloc-2t xmalloc --pairs=1 --blocks=$(sc 1000000)"
	"sizeclass-5t sizeclass --threads=5 --steps=$(sc 10000)"
	"large large --steps=$(sc 100)"
)
if [ "$BENCHES" != all ]; then
	kept=()
	for r in "${rows[@]}"; do
		case " $BENCHES " in *" ${r%% *} "*) kept+=("$r") ;; esac
	done
	rows=("${kept[@]}")
fi
[ ${#rows[@]} -gt 0 ] || { echo "malloc_bench: no benchmark in BENCHES" >&2; exit 2; }

# ------------------------------------------------------------- runs ----
# RUNS file: "ROW ALLOC ROUND NS RSS_KB STATUS WALL_S CPU_NS" per run
# (CPU_NS: the program's cpu_ns_per_op, "-" if it prints none).
RUNS=$WORK/runs
: >"$RUNS"
failures=()

# run_one ROW ALLOC ROUND PROGRAM ARG...: one run, its line in $RUNS (the
# figures parsed in bash: no process per field on a busy machine).
run_one() {
	local row=$1 alloc=$2 round=$3 prog=$4 st="?" ns="" rss=0 errs="" wall=0 cpu=-
	local ru="" line="" l
	shift 4
	local tag=$WORK/$row.$alloc.$round
	"$BIN/rusage" --preload="${LIB[$alloc]}" --timeout="$RUN_TIMEOUT" \
		--out="$tag.ru" -- "$BIN/$prog" "$@" >"$tag.out" 2>"$tag.err"
	[ -r "$tag.ru" ] && read -r ru <"$tag.ru"
	[[ $ru =~ status=([0-9]+) ]] && st=${BASH_REMATCH[1]}
	[[ $ru =~ maxrss_kb=([0-9]+) ]] && rss=${BASH_REMATCH[1]}
	[[ $ru =~ wall_s=([0-9.]+) ]] && wall=${BASH_REMATCH[1]}
	while IFS= read -r l; do
		case $l in "$prog "*) line=$l ;; esac
	done <"$tag.out"
	[[ $line =~ \ ns_per_op=([0-9.]+) ]] && ns=${BASH_REMATCH[1]}
	[[ $line =~ cpu_ns_per_op=([0-9.]+) ]] && cpu=${BASH_REMATCH[1]}
	[[ $line =~ errors=([0-9]+) ]] && errs=${BASH_REMATCH[1]}
	if [ "$st" != 0 ] || [ -z "$ns" ] || [ "$errs" != 0 ]; then
		failures+=("$row under $alloc (round $round, status $st): $BIN/$prog $*")
		[ -s "$tag.err" ] && failures+=("$(tail -n 5 "$tag.err" | sed 's/^/    | /')")
		ns=FAIL
		status=1
	fi
	echo "$row $alloc $round $ns $rss $st $wall $cpu" >>"$RUNS"
}

n=${#allocs[@]}
for ((r = 0; r < ROUNDS; r++)); do
	echo "malloc_bench: round $((r + 1))/$ROUNDS (${allocs[*]}), $((SECONDS - start)) s so far" >&2
	for ((k = 0; k < ${#rows[@]}; k++)); do
		read -r row prog args <<<"${rows[k]}"
		for ((j = 0; j < n; j++)); do
			a=${allocs[(j + r + k) % n]}
			# shellcheck disable=SC2086
			run_one "$row" "$a" "$((r + 1))" "$prog" $args
		done
	done
done
cp "$RUNS" "$OUT/malloc-runs.txt"

# ----------------------------------------------------------- tables ----
# One awk pass over the runs: per row and allocator the median ns_per_op
# and the median peak RSS over the rounds (FAIL if any round failed), then
#   $table    the Markdown table: glibc absolute, the others "time ratio
#             [RSS ratio]" to glibc, and the geometric means (over the rows
#             where both figures are there);
#   $dat      the plot's data: time ratio per row and allocator (NaN: failed),
#             then the geometric means;
#   $scaling  time(NAME-2t) / time(NAME-1t) per allocator, for every NAME
#             that has both rows: wall time [CPU time] per operation.
table=$WORK/table.md
dat=$WORK/malloc.dat
scaling=$WORK/scaling.md
row_names=()
for r in "${rows[@]}"; do row_names+=("${r%% *}"); done
awk -v rows="${row_names[*]}" -v allocs="${allocs[*]}" \
    -v table="$table" -v dat="$dat" -v scaling="$scaling" '
function median(key, col,    v, n, i, j, t) {
	n = cnt[key]
	if (bad[key] || n == 0)
		return "FAIL"
	for (i = 0; i < n; i++)
		v[i] = val[key, i, col] + 0
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
	return n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
}
function abs_ns(v) {
	if (v < 1000) return sprintf("%.1f ns", v)
	if (v < 1e6) return sprintf("%.2f us", v / 1e3)
	return sprintf("%.2f ms", v / 1e6)
}
function ratio(a, b,    r) {
	if (b <= 0) return "n/a"
	r = a / b
	return sprintf(r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f", r)
}
function header(f, first,    j) {
	printf "| %s |", first >f
	for (j = 1; j <= na; j++) printf " %s |", al[j] >f
	printf "\n|---|" >f
	for (j = 1; j <= na; j++) printf "---|" >f
	printf "\n" >f
}
{
	key = $1 SUBSEP $2
	c = cnt[key] + 0	# + 0: a number, also in the subscript
	if ($4 == "FAIL") bad[key] = 1
	val[key, c, 4] = $4
	val[key, c, 5] = $5
	val[key, c, 8] = $8
	cnt[key] = c + 1
}
END {
	nr = split(rows, rw, " ")
	na = split(allocs, al, " ")
	for (i = 1; i <= nr; i++)
		for (j = 1; j <= na; j++) {
			ns[rw[i], al[j]] = median(rw[i] SUBSEP al[j], 4)
			rss[rw[i], al[j]] = median(rw[i] SUBSEP al[j], 5)
			cpu[rw[i], al[j]] = median(rw[i] SUBSEP al[j], 8)
		}
	header(table, "benchmark")
	printf "benchmark" >dat
	for (j = 1; j <= na; j++) printf " %s", al[j] >dat
	printf "\n" >dat
	for (i = 1; i <= nr; i++) {
		r = rw[i]; g = ns[r, "glibc"]; grss = rss[r, "glibc"]
		printf "| %s |", r >table
		printf "%s", r >dat
		for (j = 1; j <= na; j++) {
			a = al[j]; v = ns[r, a]
			if (v == "FAIL")
				printf " FAIL |" >table
			else if (a == "glibc")
				printf " %s [%.1f MB] |", abs_ns(v), grss / 1024 >table
			else if (g == "FAIL")
				printf " %s |", abs_ns(v) >table
			else {
				printf " %s [%s] |", ratio(v, g), ratio(rss[r, a], grss) >table
				if (g > 0 && grss > 0) {
					lt[a] += log(v / g); lm[a] += log(rss[r, a] / grss); k[a]++
				}
			}
			if (v == "FAIL" || g == "FAIL" || g <= 0)
				printf " NaN" >dat
			else
				printf " %.4g", v / g >dat
		}
		printf "\n" >table
		printf "\n" >dat
	}
	printf "| **geomean** |" >table
	for (j = 1; j <= na; j++) {
		a = al[j]
		if (a == "glibc")
			printf " 1 [1] |" >table
		else if (k[a])
			printf " **%.2f** [%.2f] |", exp(lt[a] / k[a]), exp(lm[a] / k[a]) >table
		else
			printf " n/a |" >table
	}
	printf "\n" >table
	printf "geomean" >dat
	for (j = 1; j <= na; j++) {
		a = al[j]
		if (a == "glibc") printf " 1" >dat
		else if (k[a]) printf " %.4g", exp(lt[a] / k[a]) >dat
		else printf " NaN" >dat
	}
	printf "\n" >dat

	printf "" >scaling
	for (i = 1; i <= nr; i++) {
		if (rw[i] !~ /-1t$/) continue
		base = substr(rw[i], 1, length(rw[i]) - 3)
		if (!((base "-2t", "glibc") in ns)) continue
		if (!hdr++) header(scaling, "2 threads / 1 thread")
		printf "| %s |", base >scaling
		for (j = 1; j <= na; j++) {
			t1 = ns[base "-1t", al[j]]; t2 = ns[base "-2t", al[j]]
			c1 = cpu[base "-1t", al[j]]; c2 = cpu[base "-2t", al[j]]
			if (t1 == "FAIL" || t2 == "FAIL")
				printf " FAIL |" >scaling
			else if (c1 > 0 && c2 > 0)
				printf " %s [%s] |", ratio(t2, t1), ratio(c2, c1) >scaling
			else
				printf " %s |", ratio(t2, t1) >scaling
		}
		printf "\n" >scaling
	}
}' "$RUNS"
cp "$dat" "$OUT/malloc.dat"

# ------------------------------------------------------- callgrind ----
# Instructions per malloc(32)+free pair: only hot_loop() is counted
# (--toggle-collect), the warm-up before it runs uninstrumented.
cg=$WORK/cg.md
: >"$cg"
if [ "$CG_ITERS" -gt 0 ] && command -v valgrind >/dev/null 2>&1; then
	{
		echo "| allocator | instructions per malloc(32)+free pair |"
		echo "|---|---|"
	} >>"$cg"
	for a in "${allocs[@]}"; do
		pre=()
		[ -n "${LIB[$a]}" ] && pre=(env "LD_PRELOAD=${LIB[$a]}")
		if timeout "$RUN_TIMEOUT" "${pre[@]}" valgrind --tool=callgrind \
			--instr-atstart=no --collect-atstart=no \
			--toggle-collect=hot_loop \
			--callgrind-out-file="$WORK/cg.$a.out" \
			"$BIN/hot" --threads=1 --iters="$CG_ITERS" \
			>"$WORK/cg.$a.log" 2>&1; then
			ir=$(awk -v n="$CG_ITERS" '/^totals:/ { printf "%.1f", $2 / n }' \
				"$WORK/cg.$a.out")
		else
			ir=FAIL
			failures+=("callgrind under $a: $(tail -n 3 "$WORK/cg.$a.log")")
			status=1
		fi
		echo "| $a | ${ir:-FAIL} |" >>"$cg"
	done
elif [ "$CG_ITERS" -gt 0 ]; then
	echo "(instructions not counted: valgrind is not installed)" >>"$cg"
fi

# ----------------------------------------------------------- report ----
# Paths in the report relative to the checkout when they are inside it.
rel() { case $1 in "$PWD"/*) echo "${1#"$PWD"/}" ;; *) echo "$1" ;; esac; }
{
	echo "## malloc benchmarks: time ratio to glibc [peak RSS ratio]"
	echo
	echo "glibc: median time per operation [median peak RSS], absolute; the others:"
	echo "their median time / glibc's [their median peak RSS / glibc's] (lower is"
	echo "better). Medians of $ROUNDS interleaved round(s), allocator order rotated;"
	echo "SCALE=$SCALE."
	echo
	cat "$table"
	if [ -s "$scaling" ]; then
		echo
		echo "Per-thread scaling: time per operation with 2 threads, each doing the"
		echo "1-thread run's work, over the 1-thread time: wall time [CPU time of the"
		echo "threads]. Wall 1.00: 2 threads run as fast as one, 2.00: one at a time (or"
		echo "no second core free: glibc's column shows what the machine gave). CPU 1.00:"
		echo "no extra work per operation from the second thread (sleeping on a lock is"
		echo "not CPU time)."
		echo
		cat "$scaling"
	fi
	if [ -s "$cg" ]; then
		echo
		echo "Instructions per hot malloc(32)+free pair (callgrind, $CG_ITERS pairs, only"
		echo "hot_loop() counted, its own few loop instructions included):"
		echo
		echo '```'
		echo "valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \\"
		echo "    --toggle-collect=hot_loop $(rel "$BIN")/hot --threads=1 --iters=$CG_ITERS"
		echo '```'
		echo
		cat "$cg"
	fi
	echo
	echo "Benchmarks (programs in $(rel "$BIN")/, time per operation as each defines it):"
	echo
	for r in "${rows[@]}"; do
		read -r row prog args <<<"$r"
		echo "- $row: \`$prog $args\`"
	done
	for a in "${allocs[@]}"; do
		[ -n "${LIB[$a]}" ] && echo "- $a: LD_PRELOAD=$(rel "${LIB[$a]}")"
	done
	for note in "${notes[@]+"${notes[@]}"}"; do echo "- $note"; done
} >"$WORK/report.md"
cp "$WORK/report.md" "$OUT/malloc.md"
cat "$WORK/report.md"

# ------------------------------------------------------------- plot ----
if [ "$PLOT" = 1 ]; then
	if command -v gnuplot >/dev/null 2>&1; then
		ncol=$((n + 1))
		# The y axis starts at the power of ten at or below the smallest
		# ratio (0.1 at most), so every bar shows.
		ymin=$(awk 'NR > 1 { for (i = 2; i <= NF; i++)
				if ($i != "NaN" && $i > 0 && (m == "" || $i < m)) m = $i }
			END { e = m == "" ? -1 : int(log(m) / log(10) + 100) - 100
			      if (e > -1) e = -1; print 10 ^ e }' "$dat")
		if gnuplot >"$WORK/gnuplot.log" 2>&1 <<EOF
set terminal pngcairo size 1400,700 font "sans,11"
set output "$OUT/malloc.png"
set title "malloc benchmarks: time per operation / glibc's (median of $ROUNDS interleaved rounds; lower is better; make bench)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [$ymin:*]
set ytics (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
set grid ytics
set ylabel "time ratio to glibc (log scale)"
set xtics nomirror
set key top left opaque box
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb "black"
plot for [i=2:$ncol] "$dat" using i:xtic(1) title columnheader(i)
EOF
		then
			echo
			echo "plot: $OUT/malloc.png"
		else
			echo "gnuplot failed: $(tail -n 3 "$WORK/gnuplot.log")" >&2
		fi
	else
		echo
		echo "no plot: gnuplot is not installed (apt-get install gnuplot-nox)"
	fi
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failed runs:"
	printf '%s\n' "${failures[@]}"
fi
echo
echo "malloc_bench: $((SECONDS - start)) s"
exit $status
