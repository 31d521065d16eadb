#!/bin/sh
# SPDX-License-Identifier: MIT
# mk/deps.sh: make sure the tools the build and the tests need are here.
#
# Each line of NEEDS is "<check> <debian package>", where the check is a
# command name, or an absolute path that must exist (it may hold a glob:
# one match is enough). Quiet when nothing is missing. Otherwise: as root,
# `apt-get update` and install the missing packages (no recommends); as
# anyone else, print the exact command and exit 1. POSIX sh only.
#
#   sh mk/deps.sh                         RUN_NEEDS and TEST_NEEDS (make test)
#   sh mk/deps.sh --run                   RUN_NEEDS only: building the kernel
#                                         and booting it (make run)
#   sh mk/deps.sh --debug                 RUN_NEEDS and gdb (make debug, gdb)
#   DEPS_DRY_RUN=1 sh mk/deps.sh ...     print "deps: missing PKG..." and
#                                         exit 0, installing nothing (the
#                                         test tests/dev/deps-check.sh)
#   sh mk/deps.sh --optional CHECK PKG... these pairs instead (make bench's
#                                         peer allocators and plotter); as
#                                         a non-root user, print the command
#                                         and exit 0: the caller skips what
#                                         is still missing
set -eu

# Building the kernel and its ISO, and booting it.
RUN_NEEDS='
gcc                         gcc
nasm                        nasm
grub-mkrescue               grub-common
/usr/lib/grub/i386-pc       grub-pc-bin
xorriso                     xorriso
mformat                     mtools
qemu-system-x86_64          qemu-system-x86
xz                          xz-utils
'

# The test steps' tools (tests/run-all.sh), on top of RUN_NEEDS.
TEST_NEEDS='
ltrace                      ltrace
gdb                         gdb
valgrind                    valgrind
strace                      strace
clang                       clang
python3                     python3
/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev
'

NEEDS="$RUN_NEEDS$TEST_NEEDS"
optional=''
case "${1:-}" in
--run) NEEDS=$RUN_NEEDS ;;
--debug) NEEDS="$RUN_NEEDS
gdb gdb" ;;
esac
if [ "${1:-}" = --optional ]; then
	optional=1
	shift
	NEEDS=''
	while [ $# -ge 2 ]; do
		NEEDS="$NEEDS
$1 $2"
		shift 2
	done
fi

have() {
	case "$1" in
	/*)
		# Unquoted on purpose: the glob expands (or stays as is).
		for f in $1; do
			[ -e "$f" ] && return 0
		done
		return 1
		;;
	*) command -v "$1" > /dev/null 2>&1 ;;
	esac
}

missing=''
add_missing() {
	case " $missing " in
	*" $1 "*) ;;
	*) missing="${missing:+$missing }$1" ;;
	esac
}

# A here-document, not a pipe: the loop must run in this shell to set
# $missing.
while read -r check pkg; do
	[ -n "$check" ] || continue
	have "$check" || add_missing "$pkg"
done <<EOF_NEEDS
$NEEDS
EOF_NEEDS

[ -z "$missing" ] && exit 0
if [ -n "${DEPS_DRY_RUN:-}" ]; then
	echo "deps: missing $missing"
	exit 0
fi

cmd="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" -ne 0 ]; then
	if [ -n "$optional" ]; then
		echo "optional packages missing (skipped); install them with:" >&2
		echo "  sudo apt-get update && sudo $cmd" >&2
		exit 0
	fi
	echo "missing build/test tools; install them with:" >&2
	echo "  sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "deps: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
