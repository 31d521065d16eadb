#!/usr/bin/env bash
# Real programs on the drop-in malloc: each runs plainly and under
# LD_PRELOAD=build/host/libosmem-preload.so, and both runs must succeed and
# print the same thing.
#
#   tests/preload/check.sh [HOSTDIR]          (default build/host)
#
# Cases: the library is really the one in use; the malloc family's
# semantics (preload-semantics, plainly to prove the expectations against
# glibc, then preloaded with --strict); a 4-thread program with forks
# (preload-threads); python3 building and parsing JSON (PYTHONMALLOC=malloc,
# so every object comes from malloc); a hash-heavy perl one-liner; sort on a
# generated 300,000-line file (2 threads); gcc compiling a C file (the two
# objects must be identical byte for byte). A program that is not installed
# is skipped (KTAP "# SKIP").
#
# Prints KTAP (suite preload) on stdout; exit status 0 when every case
# passed. make test builds the library and the two programs (mk/bench.mk).
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
HERE=$(cd "$(dirname "$0")" && pwd)
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

n=0
failed=0
out=()

pass() {
	[ -n "${2:-}" ] && out+=("  # $2")
	out+=("  ok $n $1")
}
skip() { out+=("  ok $n $1 # SKIP $2"); }
fail() {
	local name=$1 line
	shift
	for line in "$@"; do
		out+=("  # $line")
	done
	out+=("  not ok $n $name")
	failed=$((failed + 1))
}

# The first lines of a file, as diagnostic lines.
head_of() {
	local lines=()
	mapfile -t lines < <(head -n "${2:-6}" "$1")
	printf '%s\n' "${lines[@]}"
}

# run TAG CMD...: run CMD with stdout in $WORK/TAG.out and stderr in
# $WORK/TAG.err; a preloaded run is `run TAG "${PRE[@]}" CMD`.
run() {
	local tag=$1
	shift
	timeout "$RUN_TIMEOUT" "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err"
}

PRE=(env "LD_PRELOAD=$LIB")	# a command prefix: timeout runs it

# pair NAME CMD...: CMD plainly and preloaded; both exit 0, same stdout,
# and the loader did not refuse the library.
pair() {
	local name=$1 rc1 rc2 d
	shift
	n=$((n + 1))
	run "$name.plain" "$@"
	rc1=$?
	run "$name.pre" "${PRE[@]}" "$@"
	rc2=$?
	if grep -q 'cannot be preloaded' "$WORK/$name.pre.err"; then
		mapfile -t d < <(head_of "$WORK/$name.pre.err" 2)
		fail "$name" "the loader refused the library:" "${d[@]}"
	elif [ $rc1 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/$name.plain.err")
		fail "$name" "the plain run failed (status $rc1):" "${d[@]}"
	elif [ $rc2 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/$name.pre.err")
		fail "$name" "the preloaded run failed (status $rc2):" "${d[@]}"
	elif ! cmp -s "$WORK/$name.plain.out" "$WORK/$name.pre.out"; then
		mapfile -t d < <(diff "$WORK/$name.plain.out" "$WORK/$name.pre.out" | head -n 8)
		fail "$name" "outputs differ (< plain, > preloaded):" "${d[@]}"
	else
		pass "$name"
	fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------- cases ----
if [ ! -e "$LIB" ] || [ ! -x "$HOSTDIR/preload-semantics" ] ||
   [ ! -x "$HOSTDIR/preload-threads" ]; then
	n=1
	fail built "$LIB or the preload-* programs are missing (make test builds them)"
	echo "KTAP version 1"; echo "1..1"; echo "  KTAP version 1"
	echo "  # Subtest: preload"; echo "  1..1"
	printf '%s\n' "${out[@]}"; echo "not ok 1 preload"
	exit 1
fi

n=$((n + 1))
got=$("${PRE[@]}" "$HOSTDIR/preload-semantics" --which 2>&1)
if [ "$got" = "$LIB" ]; then
	pass library_is_in_use
else
	fail library_is_in_use "malloc comes from: $got (want $LIB)"
fi

n=$((n + 1))
if run sem.plain "$HOSTDIR/preload-semantics"; then
	pass semantics_hold_for_glibc
else
	mapfile -t d < <(grep -v '^ok' "$WORK/sem.plain.out" | head -n 8)
	fail semantics_hold_for_glibc "${d[@]}"
fi

n=$((n + 1))
if run sem.pre "${PRE[@]}" "$HOSTDIR/preload-semantics" --strict; then
	pass semantics "$(tail -n 1 "$WORK/sem.pre.out")"
else
	mapfile -t d < <(grep -v '^ok' "$WORK/sem.pre.out" "$WORK/sem.pre.err" | head -n 8)
	fail semantics "${d[@]}"
fi

pair threads "$HOSTDIR/preload-threads"

if have python3; then
	pair python3_json env PYTHONMALLOC=malloc python3 "$HERE/json_roundtrip.py"
else
	n=$((n + 1))
	skip python3_json "python3 not installed"
fi

if have perl; then
	pair perl_hash perl -e '
		my %h;
		for my $i (1 .. 200000) { $h{"k$i"} = [ ($i) x ($i % 7) ]; }
		delete $h{"k$_"} for grep { $_ % 3 == 0 } 1 .. 200000;
		$h{$_ . "x"} = join(",", @{ $h{$_} }) for grep { /7$/ } keys %h;
		my $s = 0;
		$s += ref $h{$_} ? scalar @{ $h{$_} } : length $h{$_} for keys %h;
		my @k = sort keys %h;
		print scalar(@k), " $s @k[0 .. 4] $k[-1]\n";'
else
	n=$((n + 1))
	skip perl_hash "perl not installed"
fi

# 300,000 lines of pseudo-random words and numbers (made once, by awk).
awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++)
	printf "%08x %d line%d\n", int(rand() * 4294967295), int(rand() * 1000), i }' \
	>"$WORK/big.txt"
pair sort_large env LC_ALL=C sort --parallel=2 -S 32M -k2,2n -k1,1 "$WORK/big.txt"

n=$((n + 1))
if ! have gcc; then
	skip gcc_compile "gcc not installed"
else
	run gcc.plain gcc -O2 -g0 -c "$HERE/threads.c" -o "$WORK/plain.o"
	rc1=$?
	run gcc.pre "${PRE[@]}" gcc -O2 -g0 -c "$HERE/threads.c" -o "$WORK/pre.o"
	rc2=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/gcc.pre.err")
		fail gcc_compile "gcc exited $rc1 plain, $rc2 preloaded" "${d[@]}"
	elif grep -q 'cannot be preloaded' "$WORK/gcc.pre.err"; then
		fail gcc_compile "the loader refused the library"
	elif ! cmp -s "$WORK/plain.o" "$WORK/pre.o"; then
		mapfile -t d < <(diff <(nm "$WORK/plain.o") <(nm "$WORK/pre.o") | head -n 8)
		fail gcc_compile "the objects differ; nm diff:" "${d[@]}"
	else
		pass gcc_compile
	fi
fi

echo "KTAP version 1"
echo "1..1"
echo "  KTAP version 1"
echo "  # Subtest: preload"
echo "  1..$n"
printf '%s\n' "${out[@]}"
if [ $failed -eq 0 ]; then
	echo "ok 1 preload"
	exit 0
fi
echo "not ok 1 preload"
exit 1
