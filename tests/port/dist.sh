#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test's `dist` step: the output of make dist (mk/dist.mk) is what
# docs/porting.md promises. Cases:
#   files            build/dist/osmem-VERSION/ and its tarball hold osmem.c,
#                    osmem.h, LICENSE, PORTING.md, CHANGELOG.md, README.md;
#                    VERSION is OSMEM_VERSION of mm/osmem/version.h
#   porting_10_minutes  PORTING.md reads in 10 minutes: at most 2,000 words
#                    (issue 15; about 200 words a minute of technical text)
#   self_contained   the two files include no file but osmem.h and the
#                    compiler's own headers
#   builds_gcc, builds_clang
#                    osmem.c, alone in a scratch directory, compiles with
#                    -std=gnu11 -O2 -ffreestanding -nostdlib -fno-builtin
#                    -Wall -Wextra -Wredundant-decls -Wmissing-prototypes
#                    -Wstrict-prototypes -Wshadow -Werror and prints nothing
#                    (clang: skipped when not installed)
#   refuses_32bit    osmem.c compiled for a 32-bit target (gcc -m32) stops
#                    first on one #error that says it needs a 64-bit one
#   exports_osmem_only  that object exports only osmem_ names (nm)
#   declared_is_exported  osmem.h declares exactly what osmem.o exports:
#                    its extern functions (gcc -aux-info) and objects (the
#                    extern lines of the comment-free header) against nm
#   port_gcc, port_clang
#                    a port from the tarball alone: unpacked in a scratch
#                    directory, tests/port/mapk.c (a kernel with a break, a
#                    page mapper, a lock, a report hook and the tuning
#                    calls) and ktap_mini.h copied beside osmem.c, built
#                    there with no -I, -Wall -Wextra -Werror, printing
#                    nothing; then run: exit 0 and every KTAP line ok
#   cxx_g++, cxx_clang++
#                    a C++ program includes the tarball's osmem.h (-Wall
#                    -Wextra -Werror), links osmem.o (built by gcc) and runs:
#                    extern "C", no C-only syntax in the header
#   suite_NAME       the shared allocator suites, run by the host test
#                    program linked against osmem.c in place of the tree's
#                    files (build/dist/test/ktest-dist): one case per suite
# Examples 1 and 2 of docs/porting.md, also built from these two files, are
# run by the port step; example 4 (mapk.c) here, from the tarball.
#
#   tests/port/dist.sh
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^#define OSMEM_VERSION[[:space:]]*"\(.*\)"/\1/p' mm/osmem/version.h)
dir=build/dist/osmem-$version
tarball=build/dist/osmem-$version.tar.gz
files="osmem.c osmem.h LICENSE PORTING.md CHANGELOG.md README.md"
# -Wredundant-decls etc.: what a kernel built with stricter warnings sees.
flags="-std=gnu11 -O2 -ffreestanding -nostdlib -fno-builtin -Wall -Wextra -Wredundant-decls -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Werror"
suites=osmem_common,osmem_fast,osmem_fast_debug,osmem_fast_keep,osmem_faults,\
osmem_sized_free,osmem_cache,osmem_cache_remote,osmem_report,osmem_embed,\
osmem_version,libk_string,libk_printf,libk_vs_libc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_suite dist

missing=""
for f in $files; do
	[ -s "$dir/$f" ] || missing+=" $dir/$f"
	tar -tzf "$tarball" 2>/dev/null | grep -qx "osmem-$version/$f" ||
		missing+=" $tarball:osmem-$version/$f"
done
grep -q "#define OSMEM_VERSION[[:space:]]*\"$version\"" "$dir/osmem.h" 2>/dev/null ||
	missing+=" OSMEM_VERSION $version in osmem.h"
ktap_check files "$([ -z "$missing" ] && echo 0 || echo 1)" "missing:$missing (make dist)"

words=$(wc -w <"$dir/PORTING.md" 2>/dev/null)
ktap_check porting_10_minutes "$([ "${words:-0}" -gt 0 ] && [ "$words" -le 2000 ] && echo 0 || echo 1)" \
	"PORTING.md has ${words:-no} words; 2000 read in 10 minutes"

includes=$(grep -h '^[[:space:]]*#[[:space:]]*include' "$dir/osmem.c" "$dir/osmem.h" 2>/dev/null |
	grep -v -e '"osmem.h"' -e '<std\(def\|int\|bool\|arg\)\.h>' -e '<limits.h>')
ktap_check self_contained "$([ -z "$includes" ] && echo 0 || echo 1)" \
	"includes other than osmem.h and freestanding headers:" "$includes"

# build CC: compile osmem.c alone in the scratch directory; the object is
# $tmp/CC.o. The case passes when the compiler succeeds and prints nothing.
build() {
	local cc=$1 out
	cp "$dir/osmem.c" "$dir/osmem.h" "$tmp/" 2>/dev/null
	out=$(cd "$tmp" && $cc $flags -c osmem.c -o "$cc.o" 2>&1)
	local rc=$?
	if [ $rc = 0 ] && [ -z "$out" ]; then
		ktap_pass "builds_$cc"
	else
		ktap_fail "builds_$cc" "$cc $flags -c osmem.c: status $rc" "$out"
	fi
}
build gcc
if command -v clang >/dev/null; then
	build clang
else
	ktap_skip builds_clang "clang not installed"
fi

# The first diagnostic, not a wall of shift-count errors.
first=$(cd "$tmp" && gcc -m32 -std=gnu11 -ffreestanding -fsyntax-only osmem.c 2>&1 |
	grep -m1 'error')
case $first in
*"osmem needs a 64-bit target"*) ktap_pass refuses_32bit ;;
*) ktap_fail refuses_32bit "gcc -m32 -fsyntax-only osmem.c, first error:" "${first:-none}" ;;
esac

if [ -f "$tmp/gcc.o" ]; then
	bad=$(nm -g --defined-only "$tmp/gcc.o" | awk 'NF == 3 && $3 !~ /^osmem_/ { print $3 }')
	count=$(nm -g --defined-only "$tmp/gcc.o" | awk 'NF == 3' | wc -l)
	ktap_check exports_osmem_only "$([ -z "$bad" ] && [ "$count" -gt 0 ] && echo 0 || echo 1)" \
		"osmem.o exports $count names; without the osmem_ prefix:" "$bad"
else
	ktap_fail exports_osmem_only "no object: osmem.c did not build"
fi

# declared_is_exported: the names osmem.h declares extern (functions by
# the compiler's own list, objects by their extern lines) against the
# names osmem.o defines.
if [ -f "$tmp/gcc.o" ]; then
	mkdir -p "$tmp/probe"
	cp "$dir/osmem.h" "$tmp/probe/"
	echo '#include "osmem.h"' >"$tmp/probe/probe.c"
	(cd "$tmp/probe" && gcc -std=gnu11 -ffreestanding -fsyntax-only \
		-aux-info aux.txt probe.c && gcc -fpreprocessed -E -P osmem.h >bare.h)
	{
		sed -n 's/^\/\* \(\.\/\)\?osmem\.h:[0-9]*:N[CF] \*\/ extern .*[^a-z0-9_]\([a-z0-9_]*\) (.*/\2/p' \
			"$tmp/probe/aux.txt"
		sed -n 's/^extern [^(]*[^a-z0-9_]\([a-z0-9_]*\);$/\1/p' "$tmp/probe/bare.h"
	} | sort -u >"$tmp/declared"
	nm -g --defined-only "$tmp/gcc.o" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/exported"
	only_h=$(comm -23 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
	only_o=$(comm -13 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
	ktap_check declared_is_exported \
		"$([ -s "$tmp/declared" ] && [ -z "$only_h$only_o" ] && echo 0 || echo 1)" \
		"declared in osmem.h, not in osmem.o: ${only_h:-none}" \
		"exported by osmem.o, not declared in osmem.h: ${only_o:-none}" \
		"($(wc -l <"$tmp/declared") names declared)"
else
	ktap_fail declared_is_exported "no object: osmem.c did not build"
fi

# port CC: the port of tests/port/mapk.c, made from the tarball alone.
port_flags="-std=gnu11 -O2 -ffreestanding -nostdlib -static -fno-pie \
-fno-stack-protector -Wall -Wextra -Werror"
port() {
	local cc=$1 pd=$tmp/port-$1 out rc
	mkdir -p "$pd"
	if ! tar -C "$pd" -xzf "$tarball" 2>/dev/null; then
		ktap_fail "port_$cc" "cannot unpack $tarball (make dist)"
		return
	fi
	pd=$pd/osmem-$version
	cp tests/port/mapk.c tests/port/ktap_mini.h "$pd/"
	out=$(cd "$pd" && $cc $port_flags -o mapk mapk.c osmem.c 2>&1)
	rc=$?
	if [ $rc != 0 ] || [ -n "$out" ]; then
		ktap_fail "port_$cc" "$cc $port_flags -o mapk mapk.c osmem.c (in the unpacked tarball): status $rc" \
			"$(printf '%s\n' "$out" | head -n 20)"
		return
	fi
	out=$(timeout 60 "$pd/mapk" 2>&1)
	rc=$?
	if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q '^ok ' &&
	   ! printf '%s\n' "$out" | grep -q '^not ok'; then
		ktap_pass "port_$cc"
	else
		ktap_fail "port_$cc" "mapk exited $rc" "$(printf '%s\n' "$out" | grep -v '^ok ')"
	fi
}
port gcc
if command -v clang >/dev/null; then
	port clang
else
	ktap_skip port_clang "clang not installed"
fi

# cxx CXX: a hosted C++ program over the header and the C object (the
# object of port_gcc's unpacked tarball).
cxx() {
	local cxx=$1 pd=$tmp/port-gcc/osmem-$version out rc
	if [ ! -f "$pd/osmem.h" ] || ! gcc -std=gnu11 -O2 -ffreestanding -c \
		-o "$pd/osmem.o" "$pd/osmem.c" 2>/dev/null; then
		ktap_fail "cxx_$cxx" "no osmem.o from the unpacked tarball"
		return
	fi
	cat >"$pd/probe.cc" <<-'EOF'
	#include "osmem.h"
	static osmem_heap_space space;
	static char buf[1 << 16];
	int main()
	{
		osmem_heap *h = osmem_heap_from_arena(&space, buf, sizeof(buf));
		void *p = osmem_heap_malloc(h, 100);
		bool ok = p && osmem_heap_check(h) == 0 &&
			  osmem_fast_tuned(h, OSMEM_FAST_TOP_PAD) == OSMEM_FAST_DEFAULT_TOP_PAD;
		osmem_heap_free(h, p);
		return ok ? 0 : 1;
	}
	EOF
	out=$(cd "$pd" && $cxx -std=c++17 -Wall -Wextra -Werror -o probe-$cxx probe.cc osmem.o 2>&1)
	rc=$?
	if [ $rc = 0 ] && [ -z "$out" ] && "$pd/probe-$cxx"; then
		ktap_pass "cxx_$cxx"
	else
		ktap_fail "cxx_$cxx" "$cxx -std=c++17 -Wall -Wextra -Werror probe.cc osmem.o: status $rc" \
			"$(printf '%s\n' "$out" | head -n 10)"
	fi
}
for c in g++ clang++; do
	if command -v $c >/dev/null; then
		cxx $c
	else
		ktap_skip "cxx_$c" "$c not installed"
	fi
done

# The suites on the amalgamation: one case per suite, from the top level
# of the program's KTAP.
prog=build/dist/test/ktest-dist
if [ -x "$prog" ]; then
	timeout 300 "$prog" "$suites" >"$tmp/suites.ktap" 2>&1
	rc=$?
	n=0
	while read -r verdict name; do
		n=$((n + 1))
		if [ "$verdict" = ok ]; then
			ktap_pass "suite_$name"
		else
			ktap_fail "suite_$name" "$(grep -B 20 "^not ok [0-9]* $name\$" "$tmp/suites.ktap" |
				grep '^ *\(#\|not ok\)' | tail -n 20)"
		fi
	done < <(sed -n 's/^\(ok\|not ok\) [0-9]* \([a-z0-9_]*\)$/\1 \2/p' "$tmp/suites.ktap" |
		sed 's/^not ok/not_ok/')
	want=$(echo "$suites" | tr ',' '\n' | wc -l)
	ktap_check suites_all_ran "$([ $rc = 0 ] && [ $n = "$want" ] && echo 0 || echo 1)" \
		"$prog exited $rc after $n of $want suites" "$(tail -n 5 "$tmp/suites.ktap")"
else
	ktap_fail suites_all_ran "$prog is missing (make test-programs builds it)"
fi
ktap_done
