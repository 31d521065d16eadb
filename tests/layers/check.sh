#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layering rules, checked on the include lines of the tree:
#
#   kernel -> mm -> libk          (an arrow: "may include")
#   - nothing under mm/ or libk/ includes a header from kernel/;
#   - nothing under libk/ includes a header from mm/;
#     (test code in a tests/ folder is exempt from these two: it runs in a
#     home, and the kernel's tests of mm use the kernel's fault catching);
#   - shipping code (anything outside a tests/ folder) includes no header
#     from a tests/ folder;
#   - the allocator core (mm/osmem/ but its homes: *_kernel.*, *_posix.*,
#     the C++ front *.cc, and the trace parser) includes only mm/osmem/ headers, libk's
#     freestanding string/printf/bitops headers and the compiler's own
#     <stddef.h> <stdint.h> <stdbool.h> <stdarg.h>;
#   - no shipping file under mm/ or libk/ is over MAX_LINES (750) lines:
#     one concern per file (issue 12 split fast.c's 2,364 lines by concern).
#
#   tests/layers/check.sh [ROOT]     (default: the repository)
#
# Prints KTAP (suite layers); exit status 0 when every rule holds. The last
# case plants one violation of each rule in a scratch copy and expects the
# check to catch all four, so the check itself cannot silently pass.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

# includes DIR...: "file:line:header" for every #include "..." / <...>
# under the given folders (C sources and headers).
includes() {
	local d
	for d in "$@"; do
		[ -d "$ROOT/$d" ] || continue
		(cd "$ROOT" && grep -rnE --include='*.c' --include='*.h' --include='*.cc' \
			'^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$d") |
			sed -E 's/^([^:]*:[0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1:\2/'
	done
}

rule_mm_libk_no_kernel() {
	includes mm libk | awk -F: '$1 !~ /(^|\/)tests\// && $3 ~ /^kernel\//'
}

rule_libk_no_mm() {
	includes libk | awk -F: '$1 !~ /(^|\/)tests\// && $3 ~ /^mm\//'
}

rule_shipping_no_tests() {
	includes boot kernel mm libk | awk -F: '$1 !~ /(^|\/)tests\// && $3 ~ /(^|\/)tests\//'
}

rule_core_freestanding() {
	includes mm/osmem | awk -F: '
		$1 ~ /(^|\/)tests\// || $1 ~ /_kernel\.[ch]$/ || $1 ~ /_posix\.[ch]$/ ||
		$1 ~ /\.cc$/ ||
		$1 ~ /\/trace\.[ch]$/ { next }
		$3 ~ /^mm\/osmem\/[a-z_]+\.h$/ { next }
		$3 == "libk/string.h" || $3 == "libk/printf.h" || $3 == "libk/bitops.h" { next }
		$3 == "stddef.h" || $3 == "stdint.h" || $3 == "stdbool.h" || $3 == "stdarg.h" { next }
		{ print }'
}

# A file over MAX_LINES lines holds more than one concern: split it.
MAX_LINES=750
rule_files_short() {
	(cd "$ROOT" && find mm libk -path '*/tests' -prune -o \
		\( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print 2>/dev/null |
		sort | xargs -r wc -l) |
		awk -v max="$MAX_LINES" '$2 != "total" && $1 > max { print $2 ":" $1 " lines, over " max }'
}

RULES="mm_libk_no_kernel libk_no_mm shipping_no_tests core_freestanding files_short"

# run_rules: prints each rule's violations as "rule file:line:header".
run_rules() {
	local r
	for r in $RULES; do
		"rule_$r" | sed "s/^/$r /"
	done
}

ktap_suite layers
found=$(run_rules)
for r in $RULES; do
	bad=$(printf '%s\n' "$found" | awk -v r="$r" '$1 == r { print $2 }')
	if [ -z "$bad" ]; then
		ktap_pass "$r"
	else
		ktap_fail "$r" "$(printf '%s\n' "$bad" | sed 's/^/  /')"
	fi
done

# The check catches a planted violation of each rule.
if [ -z "${LAYERS_SELFTEST:-}" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX")
	mkdir -p "$scratch/mm/osmem" "$scratch/libk" "$scratch/kernel/tests"
	printf '#include "kernel/panic.h"\n' >"$scratch/mm/a.c"
	printf '#include "mm/vmm.h"\n' >"$scratch/libk/b.c"
	printf '#include "kernel/tests/t.h"\n' >"$scratch/kernel/c.c"
	printf '#include <stdlib.h>\n' >"$scratch/mm/osmem/d.c"
	seq 1 $((MAX_LINES + 1)) | sed 's|^|// |' >"$scratch/libk/e.c"
	planted=$(LAYERS_SELFTEST=1 "$0" "$scratch" | grep -c '^  not ok')
	rm -rf "$scratch"
	[ "$planted" = 5 ]
	ktap_check catches_planted_violations $? "5 planted violations, $planted rules failed"
else
	ktap_skip catches_planted_violations "inside the self-test"
fi

ktap_done
