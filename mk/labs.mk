# SPDX-License-Identifier: MIT
# The labs (docs/labs/): graded student work.
#
#   make lab1         grade lab 1: the student's heap walk and prediction,
#                     labs/lab1_heapwalk.c (docs/labs/lab1-*.md)
#   make lab2         grade lab 2: the student's worst fit,
#                     mm/osmem/classic_worstfit.c (docs/labs/lab2-*.md)
#   make lab3         grade lab 3: the student's page-table walk,
#                     labs/lab3_pagewalk.c (docs/labs/lab3-*.md)
#   make lab4         grade lab 4: the student's size classes and O(1)
#                     search, labs/lab4_segfit.c (docs/labs/lab4-*.md)
#   make test LAB=N   the same as make labN, ending with make test's
#                     "P passed, F failed" line (mk/test.mk)
#
# A grader is a KTAP program: the lab's checks (tests/labs/labN_*.c, run
# by tests/labs/lab_home.c, one child process per check) linked with the
# student's file and nothing else of theirs. tests/labs/grade.sh runs it
# and prints one line per failed check and a score line; the whole log is
# build/host/labs/labN.ktap. The graders never read tests/labs-meta/: that
# is where make test's `labs` step (tests/labs-meta/check.sh) keeps the
# solutions and the classic mistakes it grades to prove the graders right.
#
# Explore checks (the allocator still behaves as the sheets say):
#   make lab1-check   the osmem_classic suite on the host
#   make lab3-check   the paging suites (LAB3_KTEST) in the kernel, in QEMU
#   make lab4-check   fast's instructions per call stay flat as the heap
#                     grows; classic's grow (callgrind; tests/labs/lab4_check.sh)
#
# Built here, for each graded lab N:
#   build/host/labs/labN-grader.o  the checks and what they need, one
#                                  relocatable object (tests/labs-meta/
#                                  check.sh links its variants with it)
#   build/host/labs/labN-grade     ... linked with the student's file
#   build/host/labs/cc             the compiler command those objects used
#   build/host/labs/labs.txt       "N FILE SUITES" per graded lab, for
#                                  tests/labs-meta/check.sh
#   build/lab3.iso                 the kernel, ktest=$(LAB3_KTEST)

LAB_DIR := $(HOST)/labs
# Each graded lab: the student's file, the grader's suites.
LAB1_FILE := labs/lab1_heapwalk.c
LAB1_SUITES := lab1_heapwalk
LAB2_FILE := mm/osmem/classic_worstfit.c
LAB2_SUITES := lab2_contract,lab2_worstfit
LAB3_FILE := labs/lab3_pagewalk.c
LAB3_SUITES := lab3_pagewalk
LAB4_FILE := labs/lab4_segfit.c
LAB4_SUITES := lab4_segfit
LAB_NUMBERS := 1 2 3 4
LAB_LIST := $(foreach n,$(LAB_NUMBERS),$(n) $(LAB$(n)_FILE) $(LAB$(n)_SUITES))
LAB3_KTEST := vmm,vmap,exceptions

.PHONY: lab1 lab2 lab3 lab4 lab1-check lab3-check lab4-check labs-check

# What every grader links: libk, the ktest runner's home for labs.
LAB_COMMON_C := $(wildcard libk/*.c) tests/labs/lab_home.c
# ... and the allocators over the test backend, for labs that run them.
LAB_OSMEM_C := $(filter-out %_kernel.c mm/osmem/preload_%.c \
	mm/osmem/osmem_posix.c $(LAB2_FILE),$(wildcard mm/osmem/*.c)) \
	mm/osmem/tests/allocators.c mm/osmem/tests/backend_test.c \
	tests/host/osmem_test_home.c

# A student's file, from anywhere in the tree, as an object of its own.
$(LAB_DIR)/sol/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(HCFLAGS) -MMD -MP -c $< -o $@

# The compiler command, for tests/labs-meta/check.sh: rewritten only
# when it changes.
$(LAB_DIR)/cc: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CC) $(HCFLAGS)' | cmp -s - $@ || echo '$(CC) $(HCFLAGS)' >$@

# The graded labs, one a line, for tests/labs-meta/check.sh.
$(LAB_DIR)/labs.txt: FORCE
	@mkdir -p $(dir $@)
	@printf '%s %s %s\n' $(LAB_LIST) | cmp -s - $@ || \
		printf '%s %s %s\n' $(LAB_LIST) >$@

# lab_grader,N,C-FILES: labN-grader.o from C-FILES; labN-grade, it
# linked with the student's file LABN_FILE; make labN, which grades it
# (suites LABN_SUITES).
define lab_grader
LAB$(1)_OBJ := $$(patsubst %.c,$$(HOST_OBJ_DIR)/%.o,$(2))
$$(LAB_DIR)/lab$(1)-grader.o: $$(LAB$(1)_OBJ)
	@mkdir -p $$(dir $$@)
	$$(call quiet,LD,$$@)
	$$(Q)$$(CC) -r -nostdlib -o $$@ $$^
$$(LAB_DIR)/lab$(1)-grade: $$(LAB_DIR)/lab$(1)-grader.o \
		$$(LAB_DIR)/sol/$$(LAB$(1)_FILE:.c=.o)
	$$(call quiet,LD,$$@)
	$$(Q)$$(CC) $$(HCFLAGS) -o $$@ $$^
lab$(1): $$(LAB_DIR)/lab$(1)-grade
	@tests/labs/grade.sh lab$(1) $$< $$(LAB$(1)_SUITES)
test-programs: $$(LAB_DIR)/lab$(1)-grade
-include $$(LAB$(1)_OBJ:.o=.d) $$(LAB_DIR)/sol/$$(LAB$(1)_FILE:.c=.d)
endef

# ------------------------------------------------------------- lab 1 ----
# The heap walk and the prediction, on real classic heaps. Classic calls
# lab 2's worst fit: the grader brings the shipped answer, NULL
# (tests/labs/lab1_worstfit.c), so lab 1 never depends on lab 2's file.
$(eval $(call lab_grader,1,$(LAB_COMMON_C) $(LAB_OSMEM_C) \
	tests/labs/lab1_heapwalk.c tests/labs/lab1_worstfit.c))

# ------------------------------------------------------------- lab 2 ----
# The contract called directly (lab2_contract) and worst fit through
# classic's malloc (lab2_worstfit).
$(eval $(call lab_grader,2,$(LAB_COMMON_C) $(LAB_OSMEM_C) \
	tests/labs/lab2_contract.c tests/labs/lab2_worstfit.c))

# ------------------------------------------------------------- lab 3 ----
# The walk, on page tables the grader builds in its own physical memory
# (no boot: the kernel's walk is what the explore check lab3-check runs).
$(eval $(call lab_grader,3,$(LAB_COMMON_C) tests/labs/lab3_pagewalk.c))

# ------------------------------------------------------------- lab 4 ----
# Size classes, rounding and the bitmap search, on the grader's bitmaps.
$(eval $(call lab_grader,4,$(LAB_COMMON_C) tests/labs/lab4_segfit.c))

# ------------------------------------------------------- lab 1, 3, 4 ----
lab1-check: $(HOST)/ktest-host $(KTAP_REPORT)
	@mkdir -p $(LAB_DIR)
	@$(HOST)/ktest-host osmem_classic >$(LAB_DIR)/lab1-check.ktap; rc=$$?; \
		cat $(LAB_DIR)/lab1-check.ktap; \
		$(KTAP_REPORT) --exit-status=$$rc --fail-exit=1 $(LAB_DIR)/lab1-check.ktap

$(eval $(call ktest_iso,lab3,ktest=$(LAB3_KTEST)))

lab3-check: $(BUILD)/lab3.iso $(KTAP_REPORT)
	@ISO=$(BUILD)/lab3.iso LOG=$(BUILD)/lab3.log MEM='$(MEM)' ACCEL='$(ACCEL)' \
		QEMU='$(QEMU)' QEMU_TIMEOUT='$(QEMU_TIMEOUT)' tests/qemu/run-ktest.sh

lab4-check: $(HOST)/churn
	@tests/labs/lab4_check.sh

labs-check: lab1-check lab3-check lab4-check

# ------------------------------------------------------------ make test --
test-programs: $(LAB_DIR)/cc $(LAB_DIR)/labs.txt $(HOST)/churn

# make test LAB=N: lab N's grader alone, as make labN runs it, then make
# test's closing line "P passed, F failed" (its checks). No other step
# runs: a student's lab needs only the host compiler. mk/test.mk leaves
# the test target to this rule when LAB is given.
ifneq ($(LAB),)
test: $(if $(filter $(LAB),$(LAB_NUMBERS)),$(LAB_DIR)/lab$(LAB)-grade)
	@$(if $(filter $(LAB),$(LAB_NUMBERS)),:,echo 'make test LAB=$(LAB): no lab $(LAB); the labs: $(LAB_NUMBERS) (docs/labs/)' >&2; exit 2)
	@tests/labs/grade.sh --summary lab$(LAB) $< $(LAB$(LAB)_SUITES)
endif
