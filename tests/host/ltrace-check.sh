#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ltrace-check.sh: does build/host/libosmem.so make exactly the reference's
# brk/mmap/munmap calls? The course checker's way: run a program linked
# against the library under `ltrace -S -x 'os_*'`, keep the system calls made
# from the first os_* call on, write break addresses as offsets from the
# initial break, and compare with the expected sequence.
#
#   tests/host/ltrace-check.sh [HOSTDIR]      (default build/host)
#
# Prints KTAP (suite osmem_ltrace) on stdout; exit status 0 when every case
# passed. Needs ltrace; without it every case is skipped.
#
# The normalized trace, one event per line:
#   brk +OFF           the break was set to initial break + OFF (brk(0)
#                      queries, which glibc's sbrk makes, are left out)
#   mmap LEN mK        the K-th mapping, LEN bytes
#   munmap mK LEN      (an address no mapping started at prints as is)
#   os_NAME = ADDR     an os_* result: +OFF (heap), mK+OFF or NULL
#   os_free            (returns nothing)
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
PROG=$HOSTDIR/osmem_ltrace_prog
WORK=$(mktemp -d "${TMPDIR:-/tmp}/osmem-ltrace.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ------------------------------------------------------------ expected ----
# Sizes: header 32, payloads rounded up to 8, preallocation 131072.
expect_first_small='brk +131072
os_malloc = +32'

# 32 + 131072 >= 131072: mapped, exactly 131104 bytes, unmapped with them.
expect_big_malloc='mmap 131104 m1
os_malloc = m1+32
munmap m1 131104
os_free'

# calloc's threshold is the page size: 32 + 4080 = 4112 >= 4096.
expect_calloc_4080='mmap 4112 m1
os_calloc = m1+32
munmap m1 4112
os_free'

# 1000 at +32; freed; 500 reuses it (504 used, the 464-byte rest split off
# as a free block whose payload is at 32 + 504 + 32 = +568); 400 takes it.
expect_reuse_split='brk +131072
os_malloc = +32
os_free
os_malloc = +32
os_malloc = +568'

# 1000 at +32 leaves a free last block of 131072 - 1032 - 32 = 130008
# bytes at +1064; 130016 is 8 more: the break moves by 8 only.
expect_grow_last='brk +131072
os_malloc = +32
brk +131080
os_malloc = +1064'

# A mapped block shrunk into the heap: the new block first (the first heap
# use: 128 KiB), then the copy, then the unmap.
expect_realloc_mapped='mmap 200032 m1
os_malloc = m1+32
brk +131072
munmap m1 200032
os_realloc = +32'

# os_realloc of a pointer that is no live block: NULL, no system call, and
# the program goes on (the assignment's rule; exit status 0). a, b, c at
# +32, +168, +304 (32 + 104 + 32 apart); the free rest's payload at +440.
# b freed: os_realloc(b, 200) and (b, 200000) give NULL (no mmap for the
# second). a freed; malloc(1000) merges a and b into one free block of 240
# at +32 (too small), takes the rest at +440; b now lies inside a's free
# block: os_realloc(b, 50) gives NULL.
expect_realloc_freed='brk +131072
os_malloc = +32
os_malloc = +168
os_malloc = +304
os_free
os_realloc = NULL
os_realloc = NULL
os_free
os_malloc = +440
os_realloc = NULL'

# A block that becomes last only by absorbing free blocks, still short,
# moves; the break does not grow by the rest. 131032: 32 + 131032 < 131072,
# a heap block that takes the whole preallocation (131040 > 131032, but a
# rest of 8 cannot be split off). q and r, 1000 each, get new space at the
# break: +131072 + 1032 each, payloads +131104 and +132136. r freed.
# os_realloc(q, 3000): q absorbs r (1000 + 32 + 1000 = 2032) and is last,
# but was not when the call began; no free block fits 3000, so new heap
# space: brk by 32 + 3000 to +136168, payload +133168 (the old rule moved
# the break by 3000 - 2032 = 968 and kept q). q, with r in it, is freed:
# malloc(2000) takes it (2032 - 2000 = 32, too small to split), no brk.
expect_realloc_absorb_then_move='brk +131072
os_malloc = +32
brk +132104
os_malloc = +131104
brk +133136
os_malloc = +132136
os_free
brk +136168
os_realloc = +133168
os_malloc = +131104'

CASES="first_small big_malloc calloc_4080 reuse_split grow_last realloc_mapped
realloc_freed realloc_absorb_then_move"

# ----------------------------------------------------------- normalize ----
# normalize TRACE: the event lines above, from an ltrace -S output file.
normalize() {
	local line init="" started=0 pending="" nmaps=0 n val
	local -a mstart=() mlen=()

	name_addr() {
		local a=$(($1)) i
		if [ "$a" -eq 0 ]; then
			echo NULL
			return
		fi
		for ((i = 0; i < nmaps; i++)); do
			if [ "$a" -ge "${mstart[i]}" ] && [ "$a" -lt $((mstart[i] + mlen[i])) ]; then
				echo "m$((i + 1))+$((a - mstart[i]))"
				return
			fi
		done
		if [ -n "$init" ]; then
			echo "+$((a - init))"
		else
			printf '0x%x\n' "$a"
		fi
	}
	# ltrace has no prototypes: os_free's "result" is a stale register.
	result() {
		case $1 in
		os_free) echo "os_free" ;;
		*) echo "$1 = $(name_addr "$2")" ;;
		esac
	}

	while IFS= read -r line; do
		if [[ $line =~ ^SYS_brk\((.*)\)\ +=\ (0x[0-9a-f]+) ]]; then
			[ -z "$init" ] && init=$((BASH_REMATCH[2]))
			if [ $started = 1 ] && [ "${BASH_REMATCH[1]}" != 0 ]; then
				echo "brk +$((BASH_REMATCH[1] - init))"
			fi
			continue
		fi
		if [[ $line =~ ^os_[a-z]+(@libosmem.so)?\( ]]; then
			started=1
		fi
		[ $started = 1 ] || continue
		if [[ $line =~ ^SYS_mmap\(0,\ ([0-9a-fx]+),.*\)\ +=\ (0x[0-9a-f]+|-[0-9]+) ]]; then
			val=${BASH_REMATCH[2]}
			if [[ $val == -* ]]; then
				echo "mmap $((BASH_REMATCH[1])) failed"
				continue
			fi
			mstart[nmaps]=$((val))
			mlen[nmaps]=$((BASH_REMATCH[1]))
			nmaps=$((nmaps + 1))
			echo "mmap $((BASH_REMATCH[1])) m$nmaps"
		elif [[ $line =~ ^SYS_munmap\((0x[0-9a-f]+),\ ([0-9a-fx]+)\) ]]; then
			n=$(name_addr "${BASH_REMATCH[1]}")
			echo "munmap ${n%+0} $((BASH_REMATCH[2]))"
		elif [[ $line =~ ^(os_[a-z]+)@libosmem.so\(.*\)\ +=\ (.*)$ ]]; then
			result "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		elif [[ $line =~ ^(os_[a-z]+)@libosmem.so\(.*\<unfinished ]]; then
			pending=${BASH_REMATCH[1]}
		elif [[ -n $pending && $line =~ ^\<\.\.\.\ (os_[a-z]+)\ resumed\>.*\)\ +=\ (.*)$ ]]; then
			# The library's own entry resumes first, the caller's PLT
			# entry after it: keep one result per call.
			result "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			pending=""
		fi
	done <"$1"
}

# ---------------------------------------------------------------- KTAP ----
ktap_suite osmem_ltrace
for c in $CASES; do
	if ! command -v ltrace >/dev/null 2>&1; then
		ktap_skip "$c" "ltrace not installed"
		continue
	fi
	if [ ! -x "$PROG" ] || [ ! -e "$HOSTDIR/libosmem.so" ]; then
		ktap_fail "$c" "$PROG or $HOSTDIR/libosmem.so missing (make host)"
		continue
	fi
	LD_LIBRARY_PATH=$HOSTDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
		timeout 60 ltrace -S -x 'os_*' -o "$WORK/$c.trace" "$PROG" "$c" \
		>/dev/null 2>"$WORK/$c.err"
	rc=$?
	# ltrace itself exits 0 when the traced program dies of a signal
	# (an abort on a misuse report): its trace then ends "+++ killed by".
	if [ $rc -eq 0 ] && grep -q '^+++ killed by' "$WORK/$c.trace"; then
		rc=128
		grep '^+++ killed by' "$WORK/$c.trace" >>"$WORK/$c.err"
	fi
	var=expect_$c
	printf '%s\n' "${!var}" >"$WORK/$c.want"
	normalize "$WORK/$c.trace" >"$WORK/$c.got"
	if [ $rc -ne 0 ]; then
		mapfile -t d < <(head -n 5 "$WORK/$c.err")
		ktap_fail "$c" "program exited with status $rc (contents check or ltrace)" "${d[@]}"
	elif ! diff -u "$WORK/$c.want" "$WORK/$c.got" >"$WORK/$c.diff"; then
		mapfile -t d < <(tail -n +3 "$WORK/$c.diff")
		ktap_fail "$c" "trace differs from the expected sequence (-want +got):" "${d[@]}"
	else
		ktap_pass "$c"
	fi
done
ktap_done
