#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
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
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
HERE=$(cd "$(dirname "$0")" && pwd)
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite preload

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
	run "$name.plain" "$@"
	rc1=$?
	run "$name.pre" "${PRE[@]}" "$@"
	rc2=$?
	if grep -q 'cannot be preloaded' "$WORK/$name.pre.err"; then
		mapfile -t d < <(head_of "$WORK/$name.pre.err" 2)
		ktap_fail "$name" "the loader refused the library:" "${d[@]}"
	elif [ $rc1 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/$name.plain.err")
		ktap_fail "$name" "the plain run failed (status $rc1):" "${d[@]}"
	elif [ $rc2 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/$name.pre.err")
		ktap_fail "$name" "the preloaded run failed (status $rc2):" "${d[@]}"
	elif ! cmp -s "$WORK/$name.plain.out" "$WORK/$name.pre.out"; then
		mapfile -t d < <(diff "$WORK/$name.plain.out" "$WORK/$name.pre.out" | head -n 8)
		ktap_fail "$name" "outputs differ (< plain, > preloaded):" "${d[@]}"
	else
		ktap_pass "$name"
	fi
}

have() { command -v "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------- cases ----
if [ ! -e "$LIB" ] || [ ! -x "$HOSTDIR/preload-semantics" ] ||
   [ ! -x "$HOSTDIR/preload-threads" ]; then
	ktap_fail built "$LIB or the preload-* programs are missing (make test builds them)"
	ktap_done
fi

got=$("${PRE[@]}" "$HOSTDIR/preload-semantics" --which 2>&1)
if [ "$got" = "$LIB" ]; then
	ktap_pass library_is_in_use
else
	ktap_fail library_is_in_use "malloc comes from: $got (want $LIB)"
fi

if run sem.plain "$HOSTDIR/preload-semantics"; then
	ktap_pass semantics_hold_for_glibc
else
	mapfile -t d < <(grep -v '^ok' "$WORK/sem.plain.out" | head -n 8)
	ktap_fail semantics_hold_for_glibc "${d[@]}"
fi

if run sem.pre "${PRE[@]}" "$HOSTDIR/preload-semantics" --strict; then
	last=$(tail -n 1 "$WORK/sem.pre.out")
	ktap_pass semantics ${last:+"$last"}
else
	mapfile -t d < <(grep -v '^ok' "$WORK/sem.pre.out" "$WORK/sem.pre.err" | head -n 8)
	ktap_fail semantics "${d[@]}"
fi

pair threads "$HOSTDIR/preload-threads"

if have python3; then
	pair python3_json env PYTHONMALLOC=malloc python3 "$HERE/json_roundtrip.py"
else
	ktap_skip python3_json "python3 not installed"
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
	ktap_skip perl_hash "perl not installed"
fi

# 300,000 lines of pseudo-random words and numbers (made once, by awk).
awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++)
	printf "%08x %d line%d\n", int(rand() * 4294967295), int(rand() * 1000), i }' \
	>"$WORK/big.txt"
pair sort_large env LC_ALL=C sort --parallel=2 -S 32M -k2,2n -k1,1 "$WORK/big.txt"

if ! have gcc; then
	ktap_skip gcc_compile "gcc not installed"
else
	run gcc.plain gcc -O2 -g0 -c "$HERE/threads.c" -o "$WORK/plain.o"
	rc1=$?
	run gcc.pre "${PRE[@]}" gcc -O2 -g0 -c "$HERE/threads.c" -o "$WORK/pre.o"
	rc2=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
		mapfile -t d < <(head_of "$WORK/gcc.pre.err")
		ktap_fail gcc_compile "gcc exited $rc1 plain, $rc2 preloaded" "${d[@]}"
	elif grep -q 'cannot be preloaded' "$WORK/gcc.pre.err"; then
		ktap_fail gcc_compile "the loader refused the library"
	elif ! cmp -s "$WORK/plain.o" "$WORK/pre.o"; then
		mapfile -t d < <(diff <(nm "$WORK/plain.o") <(nm "$WORK/pre.o") | head -n 8)
		ktap_fail gcc_compile "the objects differ; nm diff:" "${d[@]}"
	else
		ktap_pass gcc_compile
	fi
fi

ktap_done
