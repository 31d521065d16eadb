#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark picture README shows (docs/pictures/bench-malloc.png and
# its table bench-malloc.md, kept by `make bench-picture` from a real
# `make bench-malloc` run):
#
#   tests/tools/bench-picture-check.sh        KTAP, suite bench_picture
#
# Cases: the plot is a PNG; the table is a bench-malloc table with a row per
# allocator column and a geomean row; the osmem geomean README quotes is the
# table's (so the figure in the text and the picture beside it are one run);
# `make bench-picture` refuses, naming the missing file, when there is no
# run to keep (so it never keeps a stale or empty picture).
set -u
. "$(dirname "$0")/../lib/ktap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PNG=$ROOT/docs/pictures/bench-malloc.png
TABLE=$ROOT/docs/pictures/bench-malloc.md
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-picture.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite bench_picture

magic=$(head -c 8 "$PNG" 2>/dev/null | od -An -tx1 | tr -d ' \n')
ktap_check plot_is_a_png "$([ "$magic" = 89504e470d0a1a0a ]; echo $?)" \
	"first bytes of $PNG: $magic"

header=$(grep -m 1 '^| benchmark |' "$TABLE")
geo=$(grep -m 1 '^| \*\*geomean\*\*' "$TABLE")
ktap_check table_has_the_allocators_and_a_geomean "$([ -n "$geo" ] &&
	for a in glibc osmem mimalloc jemalloc tcmalloc; do
		grep -q "| $a " <<<"$header" || exit 1; done; echo $?)" \
	"header: $header" "geomean: $geo"

# The osmem column is the third field of the row: "| **geomean** | 1 [1] | **0.52** [1.10] | ...".
osmem_geo=$(awk -F'|' '{ print $4 }' <<<"$geo" | grep -o '[0-9]\.[0-9][0-9]' | head -n 1)
ktap_check readme_quotes_the_pictured_run "$([ -n "$osmem_geo" ] &&
	grep -q "docs/pictures/bench-malloc.png" "$ROOT/README.md" &&
	grep -q -- "${osmem_geo}x glibc" "$ROOT/README.md"; echo $?)" \
	"the table's osmem geomean: ${osmem_geo:-none}; README must say ${osmem_geo}x glibc and show the picture"

out=$(cd "$ROOT" && make --no-print-directory bench-picture BENCH_OUT="$WORK/none" 2>&1)
st=$?
ktap_check refuses_without_a_run "$([ $st != 0 ] && grep -q "no $WORK/none/malloc.png" <<<"$out"; echo $?)" \
	"status $st, output: $out"

ktap_done
