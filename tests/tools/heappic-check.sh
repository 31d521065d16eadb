#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The heap picture (tools/heappic.py) against the checked-in sample of a
# real boot's `heapmap list` (docs/pictures/heapmap-sample.txt):
#
#   tests/tools/heappic-check.sh        KTAP, suite heappic
#
# Cases: the SVG is well-formed XML; it has one block rectangle per line of
# the sample's list, in order, each with that line's address, size and kind
# and the kind's colour; a bigger block is never drawn narrower; the sample
# shows all four kinds; the last of two lists is the one drawn; a log with
# no list is refused (exit 1, no picture) so a parser that stopped matching
# fails here; docs/pictures/heap.svg is what `make heap-picture` draws now.
# The expected blocks come from the sample itself (awk), not from the tool.
set -u
. "$(dirname "$0")/../lib/ktap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=$ROOT/tools/heappic.py
SAMPLE=$ROOT/docs/pictures/heapmap-sample.txt
WORK=$(mktemp -d "${TMPDIR:-/tmp}/heappic-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite heappic

# expected LOG: "ADDR SIZE KIND COLOUR" per block of LOG's last list.
expected() {
	awk '/^ *payload +size +kind *$/ { n = 0; next }
	     $1 ~ /^0x[0-9a-f]+$/ && $3 ~ /^(allocated|free|cached|mapped)$/ {
		line[n++] = $1 " " $2 " " $3 }
	     END { for (i = 0; i < n; i++) print line[i] }' "$1" |
		sed 's/ allocated$/ allocated #d62728/; s/ free$/ free #2ca02c/;
		     s/ cached$/ cached #1f77b4/; s/ mapped$/ mapped #9467bd/'
}

# drawn SVG: "ADDR SIZE KIND FILL" per block rectangle, in document order
# (xml.etree: also fails on SVG that is not well-formed). With `w`, WIDTH
# SIZE per rectangle instead.
drawn() {
	python3 - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for r in root.iter("{http://www.w3.org/2000/svg}rect"):
    if r.get("class") != "block":
        continue
    if len(sys.argv) > 2:
        print(r.get("width"), r.get("data-size"))
    else:
        print(r.get("data-addr"), r.get("data-size"), r.get("data-kind"), r.get("fill"))
PY
}

python3 "$TOOL" "$SAMPLE" "$WORK/heap.svg" 2>"$WORK/err"
ktap_check draws_the_sample $? "$(cat "$WORK/err")"

drawn "$WORK/heap.svg" >"$WORK/drawn" 2>"$WORK/err"
ktap_check svg_is_xml $? "$(cat "$WORK/err")"

expected "$SAMPLE" >"$WORK/want"
n=$(wc -l <"$WORK/want")
if [ "$n" -gt 0 ] && diff "$WORK/want" "$WORK/drawn" >"$WORK/diff"; then
	ktap_pass one_rect_per_block_with_its_colour "$n blocks"
else
	ktap_fail one_rect_per_block_with_its_colour "$n blocks in the sample" \
		"$(head -20 "$WORK/diff")"
fi

# Sorted by size, the widths never go down; and they are not all equal.
drawn "$WORK/heap.svg" w | sort -k2,2n -k1,1n |
	awk '{ if (NR > 1 && $1 + 0 < w) bad = 1; if (NR > 1 && $1 + 0 != w) diff = 1; w = $1 + 0 }
	     END { exit !(diff && !bad) }'
ktap_check width_grows_with_size $?

kinds=$(awk '{ print $3 }' "$WORK/want" | sort -u | tr '\n' ' ')
[ "$kinds" = "allocated cached free mapped " ]
ktap_check sample_shows_every_kind $? "kinds: $kinds"

{
	echo "  payload            size     kind"
	echo "  0x1000       16 free"
	echo "osmem> heapmap list"
	echo "  payload            size     kind"
	echo "  0x2000      100 allocated"
	echo "  0x2070       40 cached"
} >"$WORK/two.txt"
python3 "$TOOL" "$WORK/two.txt" "$WORK/two.svg" &&
	[ "$(drawn "$WORK/two.svg")" = "$(expected "$WORK/two.txt")" ] &&
	[ "$(drawn "$WORK/two.svg" | wc -l)" = 2 ]
ktap_check last_list_is_drawn $? "$(drawn "$WORK/two.svg" 2>&1)"

printf 'osmem> heapmap\nheap 0x0-0x0 (0 bytes)\n' >"$WORK/none.txt"
python3 "$TOOL" "$WORK/none.txt" "$WORK/none.svg" 2>/dev/null
st=$?
[ "$st" = 1 ] && [ ! -e "$WORK/none.svg" ]
ktap_check no_list_is_refused $? "exit status $st (want 1, no SVG)"

cmp -s "$WORK/heap.svg" "$ROOT/docs/pictures/heap.svg"
ktap_check docs_picture_is_current $? "docs/pictures/heap.svg differs: make heap-picture"

ktap_done
