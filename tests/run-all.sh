#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make test`: run every test step, show one line per step, and end with one
# line over all of them, "N passed, M failed" (from ktap-report --summary).
#
#   tests/run-all.sh          (make test builds everything it needs first)
#
# Each step is a command that writes KTAP: the step's log is kept as
# build/test/STEP.ktap, its stderr as build/test/STEP.err. The step's exit
# status is checked with its log (ktap-report --exit-status), so a crash, a
# sanitizer or valgrind error, or a time-out fails the step even when its
# KTAP looks fine. A failing step prints its failures with their diagnostics
# and the end of its stderr; the next steps run anyway.
#
# Adding a step is one line at the bottom, e.g.
#   step fuzz_smoke 0 1 -- build/host/fuzz-smoke
#
# Environment (from make): MEM, SMP (QEMU's -smp for the kernel step, default 2;
# step kernel_smp1 boots the same suites with -smp 1), KTEST (suites, both homes), ACCEL, QEMU,
# KTEST_ISO (build/ktest.iso), QEMU_TIMEOUT (see tests/qemu/run-ktest.sh),
# STEP_TIMEOUT (seconds for any one step, default 600).
set -u

cd "$(dirname "$0")/.."

OUT=build/test
REPORT=build/host/ktap-report
KTEST=${KTEST:-all}
KTEST_ISO=${KTEST_ISO:-build/ktest.iso}
KTEST_LOG=build/ktest.log
STEP_TIMEOUT=${STEP_TIMEOUT:-600}

summary_args=()   # ktap-report options and logs of every step, in order

# step NAME EXPECT FAIL [REPORT-OPTION...] [--log=FILE] -- COMMAND [ARG...]
#   Run COMMAND under a time limit. Its KTAP is its stdout, or FILE if given
#   (copied to build/test/NAME.ktap). EXPECT is its exit status when all
#   passed, FAIL the one that means "tests failed"; REPORT-OPTIONs (--qemu)
#   go to ktap-report with them.
step() {
	local name=$1 expect=$2 fail=$3 log="" status out rc
	local opts=() ktap=$OUT/$1.ktap err=$OUT/$1.err
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		--log=*) log=${1#--log=} ;;
		*) opts+=("$1") ;;
		esac
		shift
	done
	shift

	printf '%-12s ' "$name"
	# The subshell keeps bash's "Segmentation fault" notice in $err too.
	if [ -n "$log" ]; then
		(timeout -k 10 "$STEP_TIMEOUT" "$@" >"$err" 2>&1; exit $?) 2>>"$err"
		status=$?
		cp "$log" "$ktap" 2>/dev/null || : >"$ktap"
	else
		(timeout -k 10 "$STEP_TIMEOUT" "$@" >"$ktap" 2>"$err"; exit $?) 2>>"$err"
		status=$?
	fi

	opts+=(--exit-status="$status" --expect-exit="$expect" --fail-exit="$fail")
	summary_args+=("${opts[@]}" "$ktap")
	out=$("$REPORT" "${opts[@]}" "$ktap")
	rc=$?
	# The report's last line is "LOG: counts"; the rest are its failures.
	printf '%s\n' "${out##*"$ktap: "}"
	[ $rc = 0 ] && return 0
	printf '%s\n' "$out" | sed '$d' | sed 's/^/    /'
	if [ "$status" != "$expect" ] && [ "$status" != "$fail" ] && [ -s "$err" ]; then
		echo "    --- end of $err:"
		tail -n 40 "$err" | sed 's/^/    | /'
	fi
	return 0
}

# KTEST names suites of both homes; build/host/ktest-host knows them all
# (libk/tests/suites.c). KTEST=list prints them and runs nothing; a name no
# home knows ends the run here, before any step (and before this run's
# logs are cleared), with the list: each home would bail out on it too.
check_ktest() {
	local list name bad=""

	list=$(build/host/ktest-host list) || {
		echo "run-all: build/host/ktest-host list failed (run make test)" >&2
		exit 2
	}
	case $KTEST in
	list)
		printf '%s\n' "$list"
		exit 0 ;;
	all | "") return ;;
	esac
	for name in ${KTEST//,/ }; do
		awk -v n="$name" '$1 == n { f = 1 } END { exit !f }' <<<"$list" ||
			bad="$bad '$name'"
	done
	[ -z "$bad" ] && return
	echo "run-all: KTEST=$KTEST: no suite named$bad; the suites (name, homes, what they check):" >&2
	printf '%s\n' "$list" | sed 's/^/  /' >&2
	echo "run-all: nothing run (make test KTEST=list prints this list)" >&2
	exit 1
}

main() {
	[ -x "$REPORT" ] || {
		echo "run-all: $REPORT is not built (run make test)" >&2
		exit 2
	}
	check_ktest
	mkdir -p "$OUT"
	rm -f "$OUT"/*.ktap "$OUT"/*.err  # this run's results only

	# ktest-host exits 1 when a test failed; valgrind's own errors give 99;
	# the sanitizers' give 98 (their default, 1, would read as a failed test).
	step host 0 1 -- build/host/ktest-host "$KTEST"
	step valgrind 0 1 -- valgrind --error-exitcode=99 -q build/host/ktest-host "$KTEST"
	step asan 0 1 -- env ASAN_OPTIONS=exitcode=98:detect_leaks=1 \
		UBSAN_OPTIONS=exitcode=98:print_stacktrace=1:halt_on_error=1 \
		build/host/asan/ktest-host "$KTEST"
	# The host suites in the reverse order: each ordered pair in one
	# process, with the host step's link order (KTEST=all only, as
	# kernel_pairs).
	[ "$KTEST" = all ] && step host_reverse 0 1 -- build/host/ktest-host reverse
	step ktap_report 0 1 -- tests/ktap/test.sh "$REPORT"
	step layers 0 1 -- tests/layers/check.sh
	step license 0 1 -- tests/license/check.sh
	step ltrace 0 1 -- tests/host/ltrace-check.sh
	step version 0 1 -- tests/host/version-check.sh
	step replay 0 1 -- tests/replay/check.sh
	step preload 0 1 -- tests/preload/check.sh
	step preload_misuse 0 1 -- tests/preload/misuse.sh
	step conformance 0 1 -- tests/conformance/check.sh
	step preload_cache 0 1 -- tests/preload/cache.sh
	step preload_arenas 0 1 -- tests/preload/arenas.sh
	step fuzz 0 1 -- tests/fuzz/smoke.sh
	step bench_smoke 0 1 -- tests/bench/smoke.sh
	# The labs (docs/labs/): each grader fails the shipped stub, passes
	# the solution and catches the classic mistakes (tests/labs-meta/).
	# Lab 1's explore check is the host step's osmem_classic suite, lab
	# 3's the kernel step's vmm,vmap,exceptions.
	step labs 0 1 -- tests/labs-meta/check.sh
	# make test LAB=N: lab N's grader alone, as make labN, plus the
	# closing line.
	step lab_test 0 1 -- tests/labs-meta/make-test-lab.sh
	step lab4 0 1 -- tests/labs/lab4_check.sh
	# The porting guide's examples (docs/porting.md, mk/port.mk).
	step port 0 1 -- tests/port/check.sh
	# No unprefixed exported name in what a port compiles (docs/porting.md).
	step symbols 0 1 -- tests/port/symbols.sh
	# make dist's two files: freestanding build, names, the shared suites.
	step dist 0 1 -- tests/port/dist.sh
	# The developer commands (docs: README's Developing): make help is
	# complete, mk/deps.sh's lists, make gdb's backtrace at kmain.
	step heappic 0 1 -- tests/tools/heappic-check.sh
	step bench_picture 0 1 -- tests/tools/bench-picture-check.sh
	step help 0 1 -- tests/dev/help-check.sh
	# KTEST=bogus fails in each home and here; KTEST=list lists.
	step ktest_names 0 1 -- tests/ktap/suite-names.sh
	step deps 0 1 -- tests/dev/deps-check.sh
	step gdb 0 1 -- tests/dev/gdb-backtrace.sh
	# A QEMU that did not start (missing, a bad option, no ISO) is told
	# as such, by make run and by the kernel steps' runner.
	step qemu_start 0 1 -- tests/qemu/start-check.sh
	step kernel 33 35 --qemu --log="$KTEST_LOG" -- \
		env ISO="$KTEST_ISO" LOG="$KTEST_LOG" SMP="${SMP:-2}" \
		tests/qemu/run-ktest.sh --quiet --no-report
	# Every suite in the reverse order (ktest=reverse): with the kernel
	# step's link order, each ordered pair of suites runs in one boot
	# (why that covers pair interactions: mk/kernel.mk, ktest-pairs).
	[ "$KTEST" = all ] &&
		step kernel_pairs 33 35 --qemu --log=build/ktest-pairs.log -- \
			env ISO=build/ktest-pairs.iso LOG=build/ktest-pairs.log SMP=2 \
			tests/qemu/run-ktest.sh --quiet --no-report
	# The same suites on one CPU (the ISO says smp_expect=1), in a
	# shuffled order when KTEST=all: the
	# uniprocessor paths of the scheduler, shootdown and caches.
	step kernel_smp1 33 35 --qemu --log=build/ktest-smp1.log -- \
		env ISO=build/ktest-smp1.iso LOG=build/ktest-smp1.log SMP=1 \
		tests/qemu/run-ktest.sh --quiet --no-report
	# The ACPI/CPU/mmio/smp suites and kmalloc's (kmalloc_smp: every CPU at
	# once) on two CPUs (the ISO says smp_expect=2; mk/kernel.mk KTEST_SMP).
	step kernel_smp 33 35 --qemu --log=build/ktest-smp.log -- \
		env ISO=build/ktest-smp.iso LOG=build/ktest-smp.log SMP=2 \
		tests/qemu/run-ktest.sh --quiet --no-report
	# A panic on CPU 1 stops CPU 0 and prints once (-smp 2).
	step smp_panic 0 1 -- env LOG=build/smp-panic.log tests/qemu/smp-panic.sh
	step shell 0 1 -- tests/shell/session.sh
	# What make run gives a student: crash reports end with how to leave
	# QEMU, reboot resets rather than quits (tests/qemu/make-run.sh).
	step make_run 0 1 -- tests/qemu/make-run.sh
	# What the boot says of its options (tests/qemu/boot-options.sh).
	step boot_options 0 1 -- tests/qemu/boot-options.sh
	step shell_ktest 0 1 -- tests/shell/ktest-session.sh
	step kernel_replay 33 35 --qemu --log=build/ktest-replay.log -- \
		env ISO=build/ktest-replay.iso LOG=build/ktest-replay.log \
		tests/qemu/run-ktest.sh --quiet --no-report
	step kernel_classic 33 35 --qemu --log=build/ktest-classic.log -- \
		env ISO=build/ktest-classic.iso LOG=build/ktest-classic.log \
		tests/qemu/run-ktest.sh --quiet --no-report
	# The replay suite on lab 2's classic:first (the replay's alignment
	# check follows the allocator: 8 bytes on every classic policy).
	step kernel_policy 33 35 --qemu --log=build/ktest-policy.log -- \
		env ISO=build/ktest-policy.iso LOG=build/ktest-policy.log \
		tests/qemu/run-ktest.sh --quiet --no-report

	"$REPORT" -q --summary "${summary_args[@]}"
}

main "$@"
