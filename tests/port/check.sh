#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make test's `port` step: run the porting guide's three worked examples
# (docs/porting.md; built by mk/port.mk) and print their KTAP as subtests
# of one log. An example passes when it exits 0 and its own KTAP says so.
#
#   tests/port/check.sh [BUILD_DIR]     (default build/port)
set -u
cd "$(dirname "$0")/../.."
dir=${1:-build/port}
examples=(arena_example tinyk user_example)
failed=0

echo "KTAP version 1"
echo "1..${#examples[@]}"
n=0
for ex in "${examples[@]}"; do
	n=$((n + 1))
	echo "  KTAP version 1"
	echo "  # Subtest: $ex"
	out=$(timeout 60 "$dir/$ex" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^KTAP version' | sed 's/^/  /'
	if [ $rc = 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
		echo "ok $n $ex"
	else
		echo "# $ex exited with status $rc"
		echo "not ok $n $ex"
		failed=1
	fi
done
exit $failed
