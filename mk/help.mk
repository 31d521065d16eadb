# SPDX-License-Identifier: MIT
# `make help`: every target and knob, one line each. tests/dev/help-check.sh
# (a make test step) checks that each target listed here exists (make -n
# TARGET succeeds) and that every .PHONY target is listed, so this list
# cannot rot: a new .PHONY target fails make test until it is described.
#
# Format the check relies on: a target line is two spaces, the name, two or
# more spaces, the description; a knob line is two spaces, NAME=default.
# Every `NAME ?=` variable of the Makefile and mk/*.mk is a knob: the check
# wants each listed.

.PHONY: help
help:
	@printf '%s\n' \
	'Usage: make [TARGET] [KNOB=value ...]   (default target: all)' \
	'' \
	'Targets:' \
	'  all             the kernel ISO and the host programs (iso host)' \
	'  kernel          build/kernel.elf' \
	'  iso             build/os.iso, the kernel with GRUB' \
	'  ktest-iso       the self-test ISOs make test boots (build/ktest*.iso ...)' \
	'  host            the host test program and the libosmem libraries' \
	'  run             boot build/os.iso in QEMU, serial console here (Ctrl-A X quits; reboot boots again)' \
	'  debug           as run, but QEMU waits for gdb on :1234 (-s -S)' \
	'  gdb             gdb attached to make debug, kernel symbols, stops at kmain' \
	'  test            every test step (tests/run-all.sh): "N passed, M failed"' \
	'  test-programs   build what make test runs, run nothing' \
	'  conformance     the malloc conformance programs (part of test-programs)' \
	'  bench           traces, churn, syscalls, then bench-malloc (docs/bench.md)' \
	'  bench-malloc    malloc benchmarks: glibc, osmem, mimalloc, jemalloc, tcmalloc' \
	'  bench-kernel    kmalloc pairs per CPU in QEMU (tests/bench/kernel-bench.sh)' \
	'  port-examples   the three porting examples (docs/porting.md)' \
	'  dist            build/dist/osmem-VERSION/ (osmem.c + osmem.h, docs) and its .tar.gz' \
	'  bench-deps      install the peer allocators and gnuplot (as root)' \
	'  traces          decompress tests/traces/*.xz into build/traces/' \
	'  fuzz            libFuzzer on the allocators for FUZZ_SECONDS' \
	'  lab1            grade lab 1: your heap walk and prediction (labs/lab1_heapwalk.c)' \
	'  lab2            grade lab 2: your worst fit (mm/osmem/classic_worstfit.c)' \
	'  lab3            grade lab 3: your page-table walk (labs/lab3_pagewalk.c)' \
	'  lab4            grade lab 4: your size classes and O(1) search (labs/lab4_segfit.c)' \
	'  labs-check      every lab explore check (lab1-check, lab3-check, lab4-check)' \
	'  lab1-check      lab 1: the osmem_classic suite on the host' \
	'  lab3-check      lab 3: the paging suites in QEMU' \
	'  lab4-check      lab 4: instructions per call as the heap grows (callgrind)' \
	'  heap-picture    the heap as SVG (+PNG): build/pictures/heap.svg, docs/pictures/' \
	'  heap-sample     record a heapmap sample from a QEMU boot (docs/pictures/)' \
	'  bench-picture   keep the last bench-malloc plot and table in docs/pictures/' \
	'  deps            install every build and test tool (mk/deps.sh; as root)' \
	'  run-deps        install only what make run needs' \
	'  debug-deps      install what make debug and make gdb need (run-deps + gdb)' \
	'  clean           remove build/' \
	'  help            this list' \
	'' \
	'Knobs (make VAR=value):' \
	'  SMP=2           QEMU CPUs for run, debug and the main test boot' \
	'  MEM=128M        QEMU memory' \
	'  ACCEL=tcg       QEMU accelerator' \
	'  KTEST=all       kernel/host test suites, comma-separated (make test); list names them' \
	'  KARGS=          extra kernel command line for run/debug (e.g. heap=classic)' \
	'  TRACES=0        1: the traces as GRUB modules in run/debug (shell replay)' \
	'  ROUNDS=5        bench-malloc rounds (bench-kernel: boots, default 1)' \
	'  BENCH_OUT=build/bench  where bench-picture takes the last bench-malloc plot and table' \
	'  REPLAY_LIMIT=0  replay suite: the first N calls of each trace (0: all)' \
	'  QEMU_TIMEOUT=120  seconds before a test boot counts as hung (900 with OPT=0 or g)' \
	'  FUZZ_SECONDS=600  make fuzz run time' \
	'  FUZZ_JOBS=1     make fuzz parallel jobs' \
	'  FUZZ_CC=clang   the fuzzers compiler' \
	'  OPT=2           kernel -O level; 0 or g to step in gdb (objects rebuilt)' \
	'  V=0             1: print every command in full' \
	'  KTEST_ISO=build/ktest.iso  the ISO of the kernel test step' \
	'  CC=gcc          the C compiler (kernel and host)' \
	'  NASM=nasm       the assembler' \
	'  NM=nm           the symbol lister (the kernel symbol table)' \
	'  QEMU=qemu-system-x86_64  the emulator' \
	'  QEMU_ARGS=      extra QEMU options (run, debug, the kernel test boot)' \
	'  GDB=gdb         the debugger of make gdb'
