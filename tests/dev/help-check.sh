#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make help cannot rot (mk/help.mk). KTAP on stdout, one test per check:
#   - each target make help lists exists: make -n TARGET succeeds
#   - each .PHONY target of the Makefile is listed by make help
#   - each knob (every `NAME ?=` of Makefile and mk/*.mk) is listed
#   - each listed knob is used somewhere (Makefile, mk/, tests/)
#
#   tests/dev/help-check.sh
set -u
cd "$(dirname "$0")/../.."
# Run from make test: the outer make's flags and command-line variables
# (KTEST=..., the jobserver) are not this make's.
unset MAKEFLAGS MFLAGS MAKELEVEL

help=$(make --no-print-directory help) || { echo "# make help failed" >&2; exit 2; }
listed=$(printf '%s\n' "$help" | sed -n '/^Targets:/,/^$/p' |
	sed -n 's/^  \([a-z0-9][a-z0-9-]*\)  .*/\1/p')
knobs=$(printf '%s\n' "$help" | sed -n 's/^  \([A-Z][A-Z0-9_]*\)=.*/\1/p')
# make's database (-p) with no target run (-q, and no makefile remade: -r
# keeps built-in rules out of it).
phony=$(make --no-print-directory -pqr -f Makefile __no_such_target__ 2>/dev/null |
	sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | grep -v '^FORCE$' | sort -u)
defined=$(grep -h '^[A-Z][A-Z0-9_]* *?=' Makefile mk/*.mk | sed 's/ *?=.*//' | sort -u)

n=0 fails=0
line() { # STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then tests+="ok $n - $2"$'\n'
	else tests+="not ok $n - $2"$'\n'; fails=$((fails + 1)); fi
}
tests=''
for t in $listed; do
	make --no-print-directory -n "$t" > /dev/null 2>&1
	line $? "listed target $t exists (make -n $t)"
done
for t in $phony; do
	printf '%s\n' "$listed" | grep -qx -- "$t"
	line $? ".PHONY target $t is listed by make help"
done
for k in $defined; do
	printf '%s\n' "$knobs" | grep -qx -- "$k"
	line $? "knob $k (?= in the build files) is listed by make help"
done
for k in $knobs; do
	grep -rqw -- "$k" Makefile mk tests --exclude=help.mk --exclude=help-check.sh
	line $? "listed knob $k is used by the build or the tests"
done
[ -n "$listed" ] && [ -n "$phony" ] && [ -n "$knobs" ]
line $? "make help lists targets and knobs, make -p lists .PHONY targets"

echo "KTAP version 1"
echo "1..$n"
printf '%s' "$tests"
[ $fails = 0 ]
