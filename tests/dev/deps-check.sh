#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mk/deps.sh asks for what each command needs, no more (KTAP on stdout):
# with a PATH holding only the tools of make run, `--run` finds nothing
# missing, the default (make test) asks for the test tools and none of the
# run ones, `--debug` asks for gdb alone. DEPS_DRY_RUN=1: nothing installed.
#
#   tests/dev/deps-check.sh
set -u
cd "$(dirname "$0")/../.."

RUN_TOOLS="gcc nasm grub-mkrescue xorriso mformat qemu-system-x86_64 xz"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
for t in $RUN_TOOLS id; do
	p=$(command -v "$t") || { echo "# $t is missing (make run-deps)" >&2; exit 2; }
	ln -s "$p" "$bin/$t"
done
deps() { PATH=$bin DEPS_DRY_RUN=1 /bin/sh mk/deps.sh "$@" 2>&1; }

echo "KTAP version 1"
echo "1..3"
fails=0
check() { # N DESCRIPTION OUTPUT EXPECTED
	if [ "$3" = "$4" ]; then echo "ok $1 - $2"
	else echo "not ok $1 - $2"; echo "# got: '$3', want: '$4'"; fails=1; fi
}
check 1 "--run: the run tools are enough" "$(deps --run)" ""
# (libclang-rt's check is a file, not on PATH: it is here or not whatever
# PATH says, so it is left out of the comparison)
check 2 "default: the test tools, none of the run ones" \
	"$(deps | sed 's/ libclang-rt-[0-9]*-dev//')" \
	"deps: missing ltrace gdb valgrind strace clang python3"
check 3 "--debug: gdb on top of the run tools" "$(deps --debug)" "deps: missing gdb"
exit $fails
