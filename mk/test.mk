# SPDX-License-Identifier: MIT
# make test: build the host test programs and the self-test ISO, then run
# every test step (tests/run-all.sh) and end with "N passed, M failed".
#
#   make test [KTEST=suite,suite] [MEM=4G] [SMP=N] [QEMU_TIMEOUT=seconds]
#   make test LAB=N    only lab N's grader (make labN), with the closing line
#
# Programs built here:
#   build/host/ktap-report      the KTAP checker (tests/ktap/ktap-report.c)
#   build/host/asan/ktest-host  ktest-host under ASan + UBSan
# build/host/ktest-host comes from mk/host.mk, the ISO from mk/kernel.mk.

KTAP_REPORT := $(HOST)/ktap-report
TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror

ASAN_DIR := $(HOST)/asan
ASAN_CFLAGS := $(HCFLAGS) -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJ := $(patsubst %.c,$(ASAN_DIR)/obj/%.o,$(HOST_TEST_C))

# The ISO the kernel step boots (mk/kernel.mk builds it; its command line
# runs the KTEST suites).
KTEST_ISO ?= $(BUILD)/ktest.iso
# A test boot that runs past QEMU_TIMEOUT seconds counts as hung. The whole
# suite runs well inside 120 s at -O2 under TCG; at -O0 (OPT=0 or g, for
# stepping in gdb) it took 4 min on 2 busy cores: 120 s ended it in vmap.
ifeq ($(OPT),2)
QEMU_TIMEOUT ?= 120
else
QEMU_TIMEOUT ?= 900
endif

.PHONY: test test-programs

$(KTAP_REPORT): tests/ktap/ktap-report.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(TOOL_CFLAGS) -o $@ $<

$(ASAN_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

$(ASAN_DIR)/ktest-host: $(ASAN_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^

test-programs: $(HOST)/ktest-host $(ASAN_DIR)/ktest-host $(KTAP_REPORT)
# The conformance programs: mk/conformance.mk adds them.

# `deps` (mk/kernel.mk) installs missing tools, so it runs first, alone (a
# sub-make builds the rest, also under -j); then every step runs. The build
# runs on every core (JOBS, default nproc) unless make was given its own -j:
# it is a third of make test's time on 2 cores when run one file at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
ifeq ($(LAB),)
test: deps
	@case " $$MAKEFLAGS " in *" -j"*) jobs= ;; *) jobs=-j$(JOBS) ;; esac; \
		$(MAKE) $$jobs --no-print-directory test-programs ktest-iso
	@MEM='$(MEM)' SMP='$(SMP)' KTEST='$(KTEST)' ACCEL='$(ACCEL)' QEMU='$(QEMU)' \
		QEMU_ARGS='$(QEMU_ARGS)' \
		KTEST_ISO='$(KTEST_ISO)' QEMU_TIMEOUT='$(QEMU_TIMEOUT)' \
		tests/run-all.sh
else
# make test LAB=N: lab N's grader alone (mk/labs.mk).
endif

-include $(ASAN_OBJ:.o=.d)
