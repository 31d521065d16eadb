#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The user-space libraries export osmem_version, and libosmem.so's returns
# mm/osmem/version.h's OSMEM_VERSION (called through ctypes, so the check
# goes through the dynamic symbol table, as a program linked to it does).
#
#   tests/host/version-check.sh [HOSTDIR]      (default build/host)
#
# Prints KTAP (suite osmem_version_export); exit status 0 when every case
# passed.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
HEADER=$(dirname "$0")/../../mm/osmem/version.h
want=$(sed -n 's/^#define OSMEM_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$HEADER")

ktap_suite osmem_version_export
for lib in libosmem.so libosmem-preload.so; do
	nm -D --defined-only "$HOSTDIR/$lib" 2>/dev/null | grep -q ' T osmem_version$'
	ktap_check "${lib//[-.]/_}_exports_osmem_version" $? \
		"$HOSTDIR/$lib: no exported osmem_version"
done
got=$(python3 -c 'import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.osmem_version.restype = ctypes.c_char_p
print(lib.osmem_version().decode())' "$HOSTDIR/libosmem.so" 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ]
ktap_check libosmem_version_is_the_macro $? "want $want (from $HEADER), got: $got"

ktap_done
