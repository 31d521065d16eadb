# SPDX-License-Identifier: MIT
# Measuring and real programs: the trace data, the replay tool, the churn
# benchmark, the programs of the LD_PRELOAD check, and `make bench`.
# Included by the Makefile after mk/test.mk (it adds to test.mk's targets).
#
#   make bench        replay every trace under fast, classic and libc, then
#                     the churn benchmark, then the system calls of real
#                     work under glibc and the drop-in library
#                     (tests/bench/bench.sh; docs/bench.md), then make
#                     bench-malloc. deps installs strace when it is missing.
#   make bench-malloc the malloc benchmark programs under glibc, osmem's
#                     drop-in malloc, mimalloc, jemalloc and tcmalloc, side by
#                     side (tests/bench/malloc_bench.sh); as root it first
#                     installs the peer allocators and gnuplot (mk/deps.sh)
#
# Built here:
#   build/traces/NAME.trace        tests/traces/NAME.trace.xz, decompressed
#   build/host/replay              tests/replay/ (the trace replay tool)
#                                  + mm/osmem/trace.c (the parser)
#   build/host/churn               tests/bench/churn.c
#   build/host/mbench/NAME         tests/bench/mb_NAME.c: the malloc
#                                  benchmark programs (and rusage, their
#                                  runner's helper)
#   build/host/preload-threads     tests/preload/threads.c   (plain programs:
#   build/host/preload-semantics   tests/preload/semantics.c  run with and
#                                  without LD_PRELOAD by tests/preload/check.sh)
#   build/host/preload-cache       tests/preload/cache.c (tests/preload/cache.sh)
#   build/host/preload-arenas      tests/preload/arenas.c (tests/preload/arenas.sh)
#
# The allocators measured here are compiled at -O2 (the C library they are
# compared with is optimised too); the tools around them use the C library
# freely.

BENCH_DIR := $(HOST)/bench
BENCH_CFLAGS := $(HCFLAGS) -O2
BENCH_TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.

.PHONY: bench bench-malloc bench-deps bench-kernel traces

# ------------------------------------------------------------- traces ----
TRACE_XZ := $(wildcard tests/traces/*.trace.xz)
TRACES := $(patsubst tests/traces/%.trace.xz,$(BUILD)/traces/%.trace,$(TRACE_XZ))

$(BUILD)/traces/%.trace: tests/traces/%.trace.xz
	@mkdir -p $(dir $@)
	$(call quiet,XZ,$@)
	$(Q)xz -dc $< >$@.tmp && mv $@.tmp $@

traces: $(TRACES)

# --------------------------------------------------- measured objects ----
BENCH_ALLOC_C := $(FAST_C) $(CLASSIC_C) \
	mm/osmem/report.c \
	libk/string.c libk/printf.c
BENCH_ALLOC_OBJ := $(patsubst %.c,$(BENCH_DIR)/alloc/%.o,$(BENCH_ALLOC_C))

$(BENCH_DIR)/alloc/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_DIR)/tool/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -MMD -MP -c $< -o $@

# -------------------------------------------------------------- replay ----
# The trace parser (mm/osmem/trace.c) is built into the kernel and
# the host test program too, as every mm/osmem/tests/ file is.
REPLAY_C := tests/replay/replay.c mm/osmem/trace.c tests/replay/replay_backend.c
REPLAY_OBJ := $(patsubst %.c,$(BENCH_DIR)/tool/%.o,$(REPLAY_C))

$(HOST)/replay: $(REPLAY_OBJ) $(BENCH_ALLOC_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -o $@ $^

# --------------------------------------------------------------- churn ----
CHURN_C := tests/bench/churn.c tests/replay/replay_backend.c
CHURN_OBJ := $(patsubst %.c,$(BENCH_DIR)/tool/%.o,$(CHURN_C))

$(HOST)/churn: $(CHURN_OBJ) $(BENCH_ALLOC_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -o $@ $^

# ------------------------------------------------------- malloc bench ----
# Plain C programs that call only malloc, free and realloc, linked with
# nothing but the C library: the allocator measured is the one preloaded.
# -fno-builtin: the compiler must not remove a malloc/free pair.
MBENCH_PROGS := hot batch churn larson xmalloc sizeclass large
MBENCH := $(patsubst %,$(HOST)/mbench/%,$(MBENCH_PROGS) rusage)
MBENCH_CFLAGS := $(BENCH_TOOL_CFLAGS) -fno-builtin -pthread

$(HOST)/mbench/%: tests/bench/mb_%.c tests/bench/mb.h
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(MBENCH_CFLAGS) -o $@ $<

# ------------------------------------------------------------- preload ----
$(HOST)/preload-threads: tests/preload/threads.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -pthread -o $@ $<

$(HOST)/preload-semantics: tests/preload/semantics.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -fno-builtin -o $@ $<

# The per-thread caches seen by a program (tests/preload/cache.sh).
$(HOST)/preload-cache: tests/preload/cache.c tests/preload/prog.h
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -pthread -o $@ $<

# The arenas seen by a program (tests/preload/arenas.sh).
$(HOST)/preload-arenas: tests/preload/arenas.c tests/preload/prog.h mm/osmem/cache.h
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -pthread -o $@ $<

# Misuse cases for tests/preload/misuse.sh (dlopen for libosmem.so's case).
$(HOST)/preload-misuse: tests/preload/misuse.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(BENCH_TOOL_CFLAGS) -fno-builtin -pthread -o $@ $< -ldl

# ---------------------------------------------------------- make test ----
test-programs: $(HOST)/replay $(TRACES) $(HOST)/libosmem-preload.so $(MBENCH) \
	$(HOST)/preload-threads $(HOST)/preload-semantics $(HOST)/preload-misuse \
	$(HOST)/preload-cache $(HOST)/preload-arenas \
	$(HOST)/libosmem.so

# -------------------------------------------------------------- bench ----
bench: deps
	@$(MAKE) --no-print-directory $(HOST)/replay $(HOST)/churn $(TRACES) \
		$(HOST)/libosmem-preload.so
	@tests/bench/bench.sh
	@$(MAKE) --no-print-directory bench-malloc

# The peers are optional: as another user than root, deps.sh prints the
# apt-get command and the runner skips what is missing. The checks are
# globs (quoted: deps.sh expands them).
bench-deps:
	@sh mk/deps.sh --optional \
		'/usr/lib/*/libmimalloc.so.2*' libmimalloc2.0 \
		'/usr/lib/*/libjemalloc.so.2' libjemalloc2 \
		'/usr/lib/*/libtcmalloc_minimal.so.4*' libtcmalloc-minimal4 \
		gnuplot gnuplot-nox valgrind valgrind

# The kernel's kmalloc pairs per CPU at 1 and SMP CPUs (default 2), under
# QEMU -icount (instructions per pair) and plain TCG (scaling).
bench-kernel: deps
	@$(MAKE) --no-print-directory $(BUILD)/kbench.iso
	@SMP=$(if $(filter 1,$(SMP)),2,$(SMP)) tests/bench/kernel-bench.sh

# deps first, alone (as `make test` does), then the programs, then the run.
bench-malloc: bench-deps
	@$(MAKE) --no-print-directory $(MBENCH) $(HOST)/libosmem-preload.so
	@tests/bench/malloc_bench.sh

-include $(REPLAY_OBJ:.o=.d) $(CHURN_OBJ:.o=.d) $(BENCH_ALLOC_OBJ:.o=.d)
