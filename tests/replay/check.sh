#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every trace of tests/traces/ replays with its contents verified
# (build/host/replay --check), under fast (all calls), classic (the first
# CLASSIC_LIMIT calls: classic's cost per call grows with the heap, and the
# full traces take minutes) and the C library's malloc (checks the replay
# itself). Plus the tool's own refusals: a bad trace stops it with the
# file and line, and a trace that does fit replays exactly.
#
#   tests/replay/check.sh [HOSTDIR [TRACEDIR]]   (build/host, build/traces)
#
# Prints KTAP (suite replay) on stdout; exit status 0 when every case
# passed, 1 otherwise. make test builds the tool and decompresses the
# traces first (mk/bench.mk).
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
TRACEDIR=${2:-build/traces}
REPLAY=$HOSTDIR/replay
CLASSIC_LIMIT=${CLASSIC_LIMIT:-100000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/replay-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

traces=()
for xz in tests/traces/*.trace.xz; do
	traces+=("$(basename "$xz" .xz)")
done

ktap_suite replay

# Lines of a file as diagnostics (at most 8).
diag_file() {
	local f=$1 lines=()
	mapfile -t lines < <(head -n 8 "$f")
	printf '%s\n' "${lines[@]}"
}

# case_replay NAME ALLOCATOR LIMIT TRACE: the tool exits 0, its row says
# OK, and it replayed min(LIMIT, calls in the trace) calls.
case_replay() {
	local name=$1 alloc=$2 limit=$3 trace=$4 rc want got row args=()
	if [ ! -x "$REPLAY" ] || [ ! -r "$TRACEDIR/$trace" ]; then
		ktap_fail "$name" "$REPLAY or $TRACEDIR/$trace missing (make test builds them)"
		return
	fi
	args=(--allocator="$alloc" --check)
	[ "$limit" = all ] || args+=(--limit="$limit")
	"$REPLAY" "${args[@]}" "$TRACEDIR/$trace" >"$WORK/$name.out" 2>"$WORK/$name.err"
	rc=$?
	row=$(grep -v '^#' "$WORK/$name.out" | tail -n +2)
	want=$(grep -c '^[mcarf] ' "$TRACEDIR/$trace")
	[ "$limit" != all ] && [ "$limit" -lt "$want" ] && want=$limit
	got=$(awk '{print $3}' <<<"$row")
	if [ $rc -ne 0 ]; then
		mapfile -t d < <(diag_file "$WORK/$name.err")
		ktap_fail "$name" "replay exited with status $rc" "$row" "${d[@]}"
	elif [ "$(awk '{print $9}' <<<"$row")" != OK ]; then
		ktap_fail "$name" "row is not OK: $row"
	elif [ "$got" != "$want" ]; then
		ktap_fail "$name" "replayed $got calls, want $want: $row"
	else
		ktap_pass "$name" "$row"
	fi
}

# case_refused NAME "TRACE TEXT" LINE MESSAGE: exit 2, "FILE:LINE: MESSAGE".
case_refused() {
	local name=$1 text=$2 line=$3 msg=$4 rc
	printf '%b' "$text" >"$WORK/$name.trace"
	"$REPLAY" --allocator=fast "$WORK/$name.trace" >/dev/null 2>"$WORK/$name.err"
	rc=$?
	if [ $rc -ne 2 ]; then
		ktap_fail "$name" "exit status $rc, want 2"
	elif ! grep -qF "$name.trace:$line: $msg" "$WORK/$name.err"; then
		ktap_fail "$name" "want \"$name.trace:$line: $msg\", got:" \
			"$(head -n 3 "$WORK/$name.err")"
	else
		ktap_pass "$name"
	fi
}

for t in "${traces[@]}"; do
	b=${t%.trace}
	b=${b//-/_}
	case_replay "fast_$b" fast all "$t"
	case_replay "classic_$b" classic "$CLASSIC_LIMIT" "$t"
	case_replay "libc_$b" libc all "$t"
done

# A small trace of every kind, replayed exactly by each allocator: the
# aligned calls are ones classic can serve (up to 8).
printf '# small\nm 0 24\nc 1 3 40\na 2 8 100\nr 0 3 5000\nr - 4 7\nf 1\nr 3 5 10\nm 6 200000\nr 6 7 400000\nf 4\n' \
	>"$WORK/small.trace"
small_ok=1
for a in fast classic libc; do
	if ! "$REPLAY" --allocator=$a --check "$WORK/small.trace" >"$WORK/small.$a" 2>&1 ||
	   ! grep -q ' 10 .* OK$' "$WORK/small.$a"; then
		small_ok=0
		mapfile -t d < <(diag_file "$WORK/small.$a")
		ktap_fail small_trace_all_kinds "$a:" "${d[@]}"
		break
	fi
done
[ $small_ok = 1 ] && ktap_pass small_trace_all_kinds

# The checker can fail: a flipped byte in the block call 4 made (the
# realloc'd block 3) must be found when call 7 reallocates it.
"$REPLAY" --allocator=fast --corrupt=4 "$WORK/small.trace" >"$WORK/corrupt.out" 2>"$WORK/corrupt.err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'FAIL$' "$WORK/corrupt.out" &&
   grep -q 'call 7: block 3 .* before realloc: byte 4999' "$WORK/corrupt.err"; then
	ktap_pass corruption_is_found
else
	mapfile -t d < <(diag_file "$WORK/corrupt.err")
	ktap_fail corruption_is_found "exit status $rc (want 1); stderr:" "${d[@]}"
fi

case_refused bad_line '# h\nm 0 1\nm 1 x\n' 3 'not a number'
case_refused bad_free '# h\nm 0 1\nf 0\n\nf 0\n' 5 'free of a block that is not live'
case_refused bad_reuse 'm 0 1\nr 0 1 5\nm 1 4\n' 3 'id used twice'

ktap_done
