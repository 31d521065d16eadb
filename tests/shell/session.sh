#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The scripted shell session: boot the kernel into its shell, type
# commands on its serial port, check what it answers.
#
#   tests/shell/session.sh            (make test builds build/shell.iso)
#
# The ISO's command line is `shell_test` (mk/kernel.mk): no ktest, so the
# kernel starts the shell; shell_test only turns heapmap's ANSI colours
# off. QEMU's serial port is this script's: its input is a fifo the script
# writes, its output a private log, copied to LOG at the end (so runs at
# the same time cannot mix their logs). Each command is typed only once the
# shell has printed its prompt, so nothing depends on the UART's 16-byte
# receive FIFO or on timing; the output of a command is what the log gained
# between its Enter and the next prompt.
#
# Commands that must not disturb the heap they look at are typed with a
# leading space: the shell keeps such lines out of its history, so they
# allocate nothing (bash's ignorespace). That is what lets the session see
# exactly where a freed block went.
#
# Checks, one KTAP case each (suite `shell`): the prompt comes; help lists
# every command; the boot banner and `version` give mm/osmem/version.h's
# OSMEM_VERSION; `alloc 100` prints an address A; heapmap draws an
# allocated cell for A and lists A as allocated; `free A`; heapmap lists A
# as cached (kmalloc's small-block cache) with one allocated block less;
# `free A` again prints the allocator's double free line;
# the shell goes on (`check` passes); the shell's history never takes a
# block the user freed (a second `free` is the user's own double free, no
# report from the line editor) and its arena is no kmalloc block; an unknown command and bad arguments
# get one error line each; mem, heap, threads, cpus, ls answer (and ls, cat
# name a bad path in one line); backspace, Ctrl-U and the up arrow edit lines;
# each help line names the command's arguments; sizes take K, M and G
# (1G is a size: the allocator gives it or refuses it, in words); Tab
# completes a command name or lists the candidates; a line longer than the
# editor's buffer is refused, not cut and run; `reboot` resets the machine
# (QEMU runs without -no-reboot, as make run does) and the shell comes
# back; `poweroff` ends QEMU (isa-debug-exit 0: status 1).
#
# QEMU has two CPUs (-smp 2): `threads` names each thread's CPU, `cpus`
# each CPU's queue and ticks.
#
# Environment: ISO (build/shell.iso), LOG (build/shell.log), QEMU, ACCEL
# (tcg), MEM (128M), SESSION_TIMEOUT (seconds for the whole run, 90),
# CMD_TIMEOUT (seconds for one answer, 20). Exit status 0 when every case
# passed, 1 when not, 2 when something needed is missing.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

ISO=${ISO:-build/shell.iso}
LOG=${LOG:-build/shell.log}
# reboot_boots_again needs QEMU without -no-reboot, as make run starts it.
SESSION_REBOOT=1
. "$(dirname "$0")/serial-session.sh"

POWEROFF_STATUS=1	# isa-debug-exit with 0: (0 << 1) | 1
COMMANDS="help version mem heap heapmap alloc calloc realloc free check ls cat ktest replay threads cpus reboot poweroff"

ktap_suite shell

# The payload, size and kind of the heap block containing address $1 in
# a `heapmap list` answer ($2): "START SIZE KIND", or "" if none.
block_of() {
	local a=$1 p s k

	while read -r p s k; do
		case $p in 0x*) ;; *) continue ;; esac
		# Bash arithmetic is signed 64-bit: kernel addresses are
		# negative, but differences between them are right.
		if [ $((a - p)) -ge 0 ] && [ $((a - p)) -lt "$s" ]; then
			echo "$p $s $k"
			return
		fi
	done <<<"$2"
}

# The character heapmap drew for the cell holding address $1 ($2: answer).
cell_of() {
	local a=$1 map=$2 start cell idx row col line

	start=$(sed -n 's/^heap \(0x[0-9a-f]*\)-.*$/\1/p' <<<"$map")
	cell=$(sed -n 's/^heap .*one cell = \([0-9]*\) bytes$/\1/p' <<<"$map")
	[ -n "$start" ] && [ -n "$cell" ] || return
	idx=$(((a - start) / cell))
	row=$((idx / 64))
	col=$((idx % 64))
	line=$(grep '^  +[0-9a-f]* ' <<<"$map" | sed -n "$((row + 1))p")
	line=${line#*+* }
	echo "${line:$col:1}"
}

# "ALLOC FREE": the block counts of heapmap's summary line.
counts_of() {
	sed -n 's/^blocks: \([0-9]*\) allocated ([0-9]* bytes), \([0-9]*\) free.*/\1 \2/p' <<<"$1"
}

# The shell's own memory (kernel/shell/shell_mem.h): a block the user
# freed must not come back as a history line. Free a small block B, type
# a line the history keeps (B's size class), free B again: that is the
# user's own double free, reported from cmd_free. Then more distinct
# lines than the history keeps, of a larger size class: rotating it
# reports nothing. (When the history came from kmalloc, the line took B,
# the second free freed the history's copy, and once the history was
# full its own kfree of that copy was a double free "called from
# lineedit_remember".) Then an address inside the shell's arena (`heap` names
# it) is no kmalloc block: `free` of it is refused as foreign.
shell_own_memory() {
	local b off hist i re start log again

	hist=$(sed -n 's/^#define LINEEDIT_HISTORY[[:space:]]*\([0-9]*\)$/\1/p' \
		"$(dirname "$0")/../../kernel/console/lineedit.h")
	off=$(wc -c <"$LOG")
	run ' alloc 8'
	re='^alloc: (0x[0-9a-f]+) '
	[[ $OUT =~ $re ]] && b=${BASH_REMATCH[1]}
	run " free ${b:-0}"
	run 'help h0'
	run " free ${b:-0}"
	again=$OUT
	for i in $(seq 1 $((${hist:-16} + 1))); do
		run "help a-line-longer-than-the-small-block-$i"
	done
	log=$(tail -c +$((off + 1)) "$LOG" | tr -d '\r')
	ktap_check history_not_in_kmalloc_heap "$([ -n "${b:-}" ] && [ -n "$hist" ] &&
		grep -q "^osmem: double free of $b (block of [0-9]* bytes) in kfree called from cmd_free+0x[0-9a-f]* on cpu 0$" <<<"$again" &&
		! grep -q 'lineedit' <<<"$log"; echo $?)" \
		"second free of $b: $again" "$(grep lineedit <<<"$log")"

	run ' heap'
	start=$(sed -n 's/^shell arena: \(0x[0-9a-f]*\)-0x[0-9a-f]*, .*/\1/p' <<<"$OUT")
	run " free ${start:-0}"
	ktap_check arena_not_freeable "$([ -n "$start" ] &&
		grep -q "^osmem: pointer not from this heap of $start in kfree called from cmd_free" <<<"$OUT"; echo $?)" \
		"arena: '$start'; free: $OUT"
}

# Each command's one line of help names its arguments: every word of its
# usage after the name (CAPITALS, or the words of [a|b], SUITE of
# [SUITE,...]) appears in the help text after it.
help_names_arguments() {
	local line w words name rest arg a bad=""

	run help
	while IFS= read -r line; do
		read -r -a words <<<"$line"
		name=${words[0]:-}
		[ -n "$name" ] || continue
		local args=() i=1
		while [ $i -lt ${#words[@]} ] &&
			[[ ${words[$i]} =~ ^\[.*\]$|^[A-Z][A-Z,.]*$ ]]; do
			args+=("${words[$i]}")
			i=$((i + 1))
		done
		rest=" ${words[*]:$i} "
		for arg in "${args[@]}"; do
			arg=${arg#[}
			arg=${arg%]}
			arg=${arg%%,*}
			for a in ${arg//|/ }; do
				[[ $rest =~ [^A-Za-z_]$a[^A-Za-z_] ]] || bad="$bad|$name: $a"
			done
		done
	done <<<"$OUT"
	ktap_check help_names_arguments "$([ -z "$bad" ] && [ -n "$OUT" ]; echo $?)" \
		"arguments not named in their help line: $bad"
}

# `help boot` lists the boot options, one line each, and README's table
# ("Boot options") has a row for each of them.
help_boot_lists_options() {
	local line usage missing="" n=0

	run 'help boot'
	while IFS= read -r line; do
		case $line in "  ("*|"") continue ;; esac
		read -r usage _ <<<"$line"
		n=$((n + 1))
		grep -qF "| \`$usage\` |" "$(dirname "$0")/../../README.md" ||
			missing="$missing $usage"
	done <<<"$OUT"
	ktap_check help_boot_lists_options "$([ $n -gt 0 ] && [ -z "$missing" ]; echo $?)" \
		"options of help boot: $n; not in README's table:$missing; got: $OUT"
}

# The edge cases of issue 16: sizes with K/M/G; Tab completes command
# names; a line longer than the editor's buffer is refused, not cut.
edge_cases() {
	local bad="" max re one want

	# 1G is a size: QEMU has $MEM, so the allocator gives it or refuses it.
	run ' alloc 1G'
	re='^alloc: (0x[0-9a-f]+) \(([0-9]+) bytes usable\)$'
	if [[ $OUT =~ $re ]] && [ "${BASH_REMATCH[2]}" -ge $((1 << 30)) ]; then
		run " free ${BASH_REMATCH[1]}"
	else
		grep -q '^kmalloc: out of memory: kmalloc(1073741824) from cmd_alloc' <<<"$OUT" &&
			grep -q '^alloc: refused by the allocator: no block of 1073741824 bytes' <<<"$OUT" ||
			bad="$bad|alloc 1G: $OUT"
	fi
	run ' alloc 4k'
	if [[ $OUT =~ $re ]] && [ "${BASH_REMATCH[2]}" -ge 4096 ]; then
		run " free ${BASH_REMATCH[1]}"
	else
		bad="$bad|alloc 4k: $OUT"
	fi
	run 'calloc 2 1G'
	[ "$OUT" = "calloc: 2 * 1073741824 bytes is out of range (at most 1073741824)" ] ||
		bad="$bad|calloc 2 1G: $OUT"
	ktap_check size_suffixes "$([ -z "$bad" ]; echo $?)" "got: $bad"

	# Tab: a unique prefix completes (and runs), an ambiguous one lists
	# every command it starts (from this script's list), then Ctrl-U.
	bad=""
	run $'vers\t'
	[ "$OUT" = "osmem $version" ] || bad="$bad|vers<Tab>: $OUT"
	want=""
	for one in $COMMANDS; do
		case $one in he*) want="$want$one  " ;; esac
	done
	run $'he\t\x15'
	grep -qx "${want% }*" <<<"$OUT" || bad="$bad|he<Tab>: want '$want', got: $OUT"
	ktap_check tab_completes_commands "$([ -z "$bad" ]; echo $?)" "got: $bad"

	# One character more than the buffer holds: refused, nothing run
	# (cut, it would have been `version`).
	max=$(sed -n 's/^#define LINEEDIT_MAX[[:space:]]*\([0-9]*\)$/\1/p' \
		"$(dirname "$0")/../../kernel/console/lineedit.h")
	run "version$(printf "%$((${max:-256} - 8))s" '')x"
	ktap_check long_line_refused "$([ -n "$max" ] &&
		[ "$OUT" = "shell: line too long (more than $((max - 1)) characters): refused, nothing run" ]; echo $?)" \
		"got: $OUT"
}

# reboot resets the machine (QEMU runs without -no-reboot, as make run
# does): the boot banner comes a second time, then a prompt.
reboot_boots_again() {
	local banners

	banners=$(grep -ac '^osmem kernel .*: booting ' "$LOG")
	run reboot	# returns at the new boot's first prompt
	ktap_check reboot_boots_again "$([ "$(grep -ac '^osmem kernel .*: booting ' "$LOG")" = $((banners + 1)) ] &&
		grep -aq '^reboot: pulsing the reset line' "$LOG"; echo $?)" \
		"banners before: $banners, after: $(grep -ac '^osmem kernel .*: booting ' "$LOG"); qemu: $(cat "$WORK/qemu.err")"
}

session() {
	local a usable map list blk before after re

	shell_start
	wait_prompts 0
	ktap_check boots_to_prompt $? "no prompt within ${CMD_TIMEOUT}s; log: $FINAL_LOG"
	[ "$ktap_failed" = 0 ] || return

	run help
	local missing=""
	for c in $COMMANDS; do
		grep -q "^  $c\( \|$\)" <<<"$OUT" || missing="$missing $c"
	done
	ktap_check help_lists_commands "$([ -z "$missing" ]; echo $?)" "missing:$missing"

	run 'help free'
	ktap_check help_one_command "$([ "$(wc -l <<<"$OUT")" = 1 ] &&
		grep -q '^  free ADDR ' <<<"$OUT"; echo $?)" "got: $OUT"

	help_names_arguments
	help_boot_lists_options

	# The version, read from the header (not a copy of it here).
	local version
	version=$(sed -n 's/^#define OSMEM_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$(dirname "$0")/../../mm/osmem/version.h")
	ktap_check banner_has_version "$([ -n "$version" ] &&
		grep -aq "^osmem kernel $version: booting " "$LOG"; echo $?)" \
		"want osmem kernel $version: booting; got: $(grep -a '^osmem kernel' "$LOG")"
	run version
	ktap_check version_command "$([ -n "$version" ] &&
		[ "$OUT" = "osmem $version" ]; echo $?)" "want osmem $version; got: $OUT"

	# The heap sequence: every line starts with a space (see the top).
	run ' heapmap'
	before=$(counts_of "$OUT")
	run ' alloc 100'
	re='^alloc: (0x[0-9a-f]+) \(([0-9]+) bytes usable\)$'
	if [[ $OUT =~ $re ]]; then
		a=${BASH_REMATCH[1]}
		usable=${BASH_REMATCH[2]}
	fi
	ktap_check alloc_prints_address "$([ -n "${a:-}" ] && [ "$usable" -ge 100 ]; echo $?)" "got: $OUT"
	[ -n "${a:-}" ] || return

	run ' heapmap'
	map=$OUT
	run ' heapmap list'
	list=$OUT
	blk=$(block_of "$a" "$list")
	ktap_check heapmap_shows_block "$([ "$blk" = "$a $usable allocated" ] &&
		[ "$(cell_of "$a" "$map")" = '#' ]; echo $?)" \
		"block of $a: '$blk', cell: '$(cell_of "$a" "$map")'"

	run " free $a"
	ktap_check free_prints_address "$([ "$OUT" = "free: $a freed" ]; echo $?)" "got: $OUT"

	run ' heapmap'
	after=$(counts_of "$OUT")
	run ' heapmap list'
	blk=$(block_of "$a" "$OUT")
	# A small block freed goes to kmalloc's small-block cache
	# (mm/kmalloc_cache.h): listed as cached, its size unchanged, and the
	# allocated count back where it was before the alloc.
	ktap_check heapmap_shows_cached "$([ "$blk" = "$a $usable cached" ] &&
		[ "${after% *}" = $((${before% *})) ]; echo $?)" \
		"block of $a: '$blk'; allocated/free blocks before alloc: $before, after free: $after"

	run " free $a"
	ktap_check double_free_reported "$(grep -q "^osmem: double free of $a (block of [0-9]* bytes) in kfree called from cmd_free+0x[0-9a-f]* on cpu 0$" <<<"$OUT"; echo $?)" \
		"got: $OUT"

	run check
	ktap_check shell_goes_on "$([ "$OUT" = "check: the fast heap is consistent" ]; echo $?)" "got: $OUT"

	shell_own_memory

	run bogus
	ktap_check unknown_command "$([ "$OUT" = "bogus: unknown command (try help)" ]; echo $?)" "got: $OUT"

	local bad=""
	run alloc; [ "$OUT" = "alloc: usage: alloc SIZE" ] || bad="$bad|$OUT"
	run 'alloc 99999999999'; [ "$OUT" = "alloc: SIZE 99999999999 is out of range (at most 1073741824)" ] || bad="$bad|$OUT"
	run 'free 12z'; [ "$OUT" = "free: ADDR '12z' is not a number" ] || bad="$bad|$OUT"
	run 'calloc 1M 1M'; [ "$OUT" = "calloc: 1048576 * 1048576 bytes is out of range (at most 1073741824)" ] || bad="$bad|$OUT"
	ktap_check bad_arguments "$([ -z "$bad" ]; echo $?)" "got: $bad"

	# The status commands answer with their figures.
	local st=""
	run mem; grep -q '^frames: [1-9][0-9]* total' <<<"$OUT" &&
		grep -q '^page tables: [1-9][0-9]* pages$' <<<"$OUT" || st="$st|mem: $OUT"
	run heap; grep -q '^allocator: fast$' <<<"$OUT" &&
		grep -q '^fragmentation: [0-9]*\.[0-9]%' <<<"$OUT" &&
		grep -q '^object caches:$' <<<"$OUT" || st="$st|heap: $OUT"
	# main runs on CPU 0 (pinned: *), CPU 1 has its own idle thread
	run threads; grep -q '^ *0 main  *running  *0\* ' <<<"$OUT" &&
		grep -Eq '^ *[0-9]+ idle1  *(running|ready)  *1\* ' <<<"$OUT" ||
		st="$st|threads: $OUT"
	# both schedule, with a queue length and a tick count that moved
	run cpus; grep -Eq '^ *0  *0  *0 yes  *BSP  *online  *busy  *[0-9]+  *[1-9][0-9]*  *[0-9]+$' <<<"$OUT" &&
		grep -Eq '^ *1  *1  *1 yes  *AP  *online  *(busy|idle)  *[0-9]+  *[1-9][0-9]*  *[0-9]+$' <<<"$OUT" &&
		grep -q '^2 CPUs (from the ACPI MADT)$' <<<"$OUT" || st="$st|cpus: $OUT"
	run 'ls /'; grep -q '^  boot/ ' <<<"$OUT" || st="$st|ls: $OUT"
	run 'ls /nope'; [[ $OUT =~ ^'ls: /nope: '[a-z\ ]+$ ]] || st="$st|ls /nope: $OUT"
	run 'cat /boot'; [[ $OUT =~ ^'cat: /boot: '[a-z\ ]+$ ]] || st="$st|cat /boot: $OUT"
	ktap_check status_commands "$([ -z "$st" ]; echo $?)" "got: $st"

	# Line editing: backspace (DEL) fixes a typo, Ctrl-U drops a line,
	# the up arrow brings back the last line kept (check).
	local edits=""
	run $'chekc\x7f\x7fck'; [ "$OUT" = "check: the fast heap is consistent" ] || edits="$edits|backspace: $OUT"
	run $'bogus\x15check'; [ "$OUT" = "check: the fast heap is consistent" ] || edits="$edits|ctrl-u: $OUT"
	run 'help heap'
	run $'\x1b[A\x1b[A\x1b[B'
	# Up twice then down: back on `help heap`, run again.
	grep -q '^  heap ' <<<"$OUT" || edits="$edits|history: $OUT"
	ktap_check line_editing "$([ -z "$edits" ]; echo $?)" "got: $edits"

	edge_cases

	reboot_boots_again

	printf 'poweroff\r' >&3
	local status
	wait "$qpid"
	status=$?
	qpid=
	ktap_check poweroff_exits_qemu "$([ $status = $POWEROFF_STATUS ] &&
		grep -q '^poweroff: QEMU isa-debug-exit' "$LOG"; echo $?)" \
		"QEMU exit status $status (want $POWEROFF_STATUS)"
}

session

ktap_done
