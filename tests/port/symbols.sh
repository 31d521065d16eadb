#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test's `symbols` step: no name clash for a port. Every symbol the
# kernel-independent objects export (what a port compiles: PORT_CORE_C in
# mk/port.mk, built freestanding into build/port/core/ by make) must carry
# an allowed prefix (docs/porting.md, "Names"):
#
#   osmem_   the allocator's interface and its shared parts
#   fast_    the fast allocator's own functions, shared between its files
#   libk_    libk (memset is libk_memset: libk/names.h)
#
# One case per object: it lists the object's global defined symbols
# (nm -g --defined-only) and fails naming each one without an allowed
# prefix. The last case plants an object exporting memset and checks the
# check names it, so the step cannot silently pass.
#
#   tests/port/symbols.sh [--prefixes="osmem_ fast_ libk_"] [OBJECT...]
#       (default objects: build/port/core/**/*.o)
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."

prefixes="osmem_ fast_ libk_"
suite=symbols
case ${1:-} in
--prefixes=*)
	prefixes=${1#--prefixes=}
	shift
	;;
esac
if [ $# -gt 0 ]; then
	objects=("$@")
else
	mapfile -t objects < <(find build/port/core -name '*.o' 2>/dev/null | sort)
fi

# unprefixed OBJECT: its exported symbols without an allowed prefix, one a
# line (none: empty). Fails when nm cannot read OBJECT.
unprefixed() {
	local syms sym p ok
	syms=$(nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }') || return 1
	for sym in $syms; do
		ok=""
		for p in $prefixes; do
			case $sym in "$p"*) ok=1 ;; esac
		done
		[ -n "$ok" ] || echo "$sym"
	done
}

# check OBJECT: one case named after OBJECT.
check() {
	local bad name
	name=$(echo "${1#build/port/core/}" | tr '/.-' '___')
	if ! bad=$(unprefixed "$1"); then
		ktap_fail "$name" "nm cannot read $1"
	elif [ -n "$bad" ]; then
		ktap_fail "$name" "$1 exports names without a prefix ($prefixes):" \
			"$(echo "$bad" | sed 's/^/  /')"
	else
		ktap_pass "$name"
	fi
}

ktap_suite "$suite"
if [ ${#objects[@]} -eq 0 ]; then
	ktap_fail objects_found "no object to check (make port-examples builds build/port/core)"
fi
for o in "${objects[@]}"; do
	check "$o"
done

# The self-test: an object exporting memset and one prefixed name.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'void *memset(void *d, int c, unsigned long n) { (void)c; (void)n; return d; }\nint libk_fine;\n' \
	>"$tmp/clash.c"
if ${CC:-gcc} -c -o "$tmp/clash.o" "$tmp/clash.c" 2>"$tmp/err"; then
	got=$(unprefixed "$tmp/clash.o")
	ktap_check names_a_planted_clash "$([ "$got" = memset ] && echo 0 || echo 1)" \
		"a planted memset gave '$got', not 'memset'"
else
	ktap_fail names_a_planted_clash "cc failed: $(cat "$tmp/err")"
fi
ktap_done
