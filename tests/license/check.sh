#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The license marker: every source file git tracks starts with the line
# "SPDX-License-Identifier: MIT" in its own comment syntax (LICENSE is MIT):
#
#   .c .h .cc .S .ld        /* SPDX-License-Identifier: MIT */   line 1
#   .asm                    ; SPDX-License-Identifier: MIT       line 1
#   .sh .py .mk Makefile    # SPDX-License-Identifier: MIT       line 1, or
#   .ci/run                                                       line 2 after #!
#
# Data files (traces, .ktap expected outputs, .md, json, logs, seeds) carry none.
#
#   tests/license/check.sh [ROOT]         check, print KTAP (suite license)
#   tests/license/check.sh --add [ROOT]   add the line where it is missing
#
# Exit status 0 when every source file has the line. The last case checks a
# scratch repository with one unmarked file, so the check cannot silently pass.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

add=""
if [ "${1:-}" = --add ]; then
	add=1
	shift
fi
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

# sources: the tracked source files, one a line (the list's one definition).
sources() {
	git -C "$ROOT" ls-files |
		grep -E '\.(c|h|cc|S|asm|ld|sh|py|mk)$|(^|/)Makefile$|^\.ci/run$'
}

# marker FILE: the SPDX line in FILE's comment syntax.
marker() {
	case $1 in
	*.c | *.h | *.cc | *.S | *.ld) echo '/* SPDX-License-Identifier: MIT */' ;;
	*.asm) echo '; SPDX-License-Identifier: MIT' ;;
	*) echo '# SPDX-License-Identifier: MIT' ;;
	esac
}

# marked FILE: true when the marker is line 1, or line 2 after a #! line.
marked() {
	local m first
	m=$(marker "$1")
	first=$(head -n 1 "$ROOT/$1")
	[ "$first" = "$m" ] && return 0
	case $first in
	'#!'*) [ "$(sed -n 2p "$ROOT/$1")" = "$m" ] ;;
	*) return 1 ;;
	esac
}

# add_marker FILE: insert the marker as line 1 (line 2 after a #! line).
add_marker() {
	local f=$ROOT/$1 m tmp
	m=$(marker "$1")
	tmp=$(mktemp) || return 1
	if head -n 1 "$f" | grep -q '^#!'; then
		{ head -n 1 "$f"; echo "$m"; tail -n +2 "$f"; } >"$tmp"
	else
		{ echo "$m"; cat "$f"; } >"$tmp"
	fi
	cat "$tmp" >"$f" # keeps the file's mode (a script stays executable)
	rm -f "$tmp"
}

ktap_suite license
[ -f "$ROOT/LICENSE" ] && grep -q '^MIT License' "$ROOT/LICENSE"
ktap_check license_file $? "no MIT LICENSE at the top of $ROOT"

missing=()
count=0
while IFS= read -r f; do
	count=$((count + 1))
	marked "$f" && continue
	if [ -n "$add" ]; then
		add_marker "$f" && marked "$f" && continue
	fi
	missing+=("$f")
done < <(sources)
[ "$count" -gt 0 ] && [ ${#missing[@]} = 0 ]
ktap_check spdx_lines $? "$count source files listed" \
	"${missing[@]/#/no SPDX-License-Identifier line: }"

# The check names an unmarked file in a scratch repository.
if [ -z "${LICENSE_SELFTEST:-}" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/license.XXXXXX")
	printf 'MIT License\n' >"$scratch/LICENSE"
	printf '/* SPDX-License-Identifier: MIT */\nint a;\n' >"$scratch/a.c"
	printf '/* b.c: no marker */\nint b;\n' >"$scratch/b.c"
	printf '#!/bin/sh\n# SPDX-License-Identifier: MIT\ntrue\n' >"$scratch/c.sh"
	printf '# data\n' >"$scratch/d.md"
	git -C "$scratch" init -q && git -C "$scratch" add -A
	out=$(LICENSE_SELFTEST=1 "$0" "$scratch")
	rc=$?
	rm -rf "$scratch"
	[ $rc = 1 ] && printf '%s\n' "$out" | grep -q 'no SPDX-License-Identifier line: b.c$' &&
		[ "$(printf '%s\n' "$out" | grep -c 'no SPDX-License-Identifier line')" = 1 ]
	ktap_check names_unmarked_file $? "scratch repository: exit $rc, expected 1 naming b.c only"
else
	ktap_skip names_unmarked_file "inside the self-test"
fi

ktap_done
