# SPDX-License-Identifier: MIT
# The labs' self-checks (docs/labs/). Each passes on the finished work.
#
#   make lab1-check   the osmem_classic suite on the host (split, coalesce,
#                     best fit, the 128 KiB preallocation)
#   make lab2-check [LAB2_SOLUTION=FILE]
#                     the lab2_worstfit suite against the student's worst
#                     fit (mm/osmem/classic_worstfit.c, or FILE, a path
#                     relative to the top: e.g. the reference,
#                     LAB2_SOLUTION=tests/labs/classic_worstfit_ref.c)
#   make lab3-check   the paging suites (LAB3_KTEST) in the kernel, in QEMU
#   make lab4-check   fast's instructions per call stay flat as the heap
#                     grows; classic's grow (callgrind; tests/labs/lab4_check.sh)
#
# make test runs them all in its `labs` step (tests/labs/selftest.sh), which
# also shows lab 2's check failing on the shipped skeleton and passing with
# the reference. Built here:
#   build/host/lab2-check            lab 2's check with LAB2_SOLUTION
#   build/host/labs/lab2-check-skel  ... with mm/osmem/classic_worstfit.c
#   build/host/labs/lab2-check-ref   ... with tests/labs/classic_worstfit_ref.c
#   build/lab3.iso                   the kernel, ktest=$(LAB3_KTEST)

LAB_DIR := $(HOST)/labs
LAB2_SOLUTION ?= mm/osmem/classic_worstfit.c
LAB3_KTEST := vmm,vmap,exceptions

.PHONY: lab1-check lab2-check lab3-check lab4-check labs-check

# ------------------------------------------------------------- lab 2 ----
# The check program: the allocator core and libk as the host test program
# builds them (same objects), the test backend and its host home, the
# ktest runner, lab 2's suite, and one worst fit. Only worst fit differs
# between the three programs.
LAB2_C := $(filter-out %_kernel.c mm/osmem/preload_%.c mm/osmem/osmem_posix.c \
	mm/osmem/classic_worstfit.c,$(wildcard mm/osmem/*.c)) \
	$(wildcard libk/*.c) \
	mm/osmem/tests/allocators.c mm/osmem/tests/backend_test.c \
	mm/osmem/tests/lab2_worstfit.c \
	tests/host/ktest_host.c tests/host/osmem_test_home.c
LAB2_OBJ := $(patsubst %.c,$(HOST_OBJ_DIR)/%.o,$(LAB2_C))

# A worst fit from anywhere in the tree, as an object of its own.
$(LAB_DIR)/sol/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(HCFLAGS) -MMD -MP -c $< -o $@

# Which file build/host/lab2-check was linked with: rewritten only when
# LAB2_SOLUTION changes, so switching solutions relinks.
$(LAB_DIR)/lab2-solution: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LAB2_SOLUTION)' | cmp -s - $@ || echo '$(LAB2_SOLUTION)' >$@

$(HOST)/lab2-check: $(LAB2_OBJ) $(LAB_DIR)/sol/$(LAB2_SOLUTION:.c=.o) $(LAB_DIR)/lab2-solution
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $(LAB2_OBJ) $(LAB_DIR)/sol/$(LAB2_SOLUTION:.c=.o)

$(LAB_DIR)/lab2-check-skel: $(LAB2_OBJ) $(LAB_DIR)/sol/mm/osmem/classic_worstfit.o
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $^

$(LAB_DIR)/lab2-check-ref: $(LAB2_OBJ) $(LAB_DIR)/sol/tests/labs/classic_worstfit_ref.o
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $^

lab2-check: $(HOST)/lab2-check $(KTAP_REPORT)
	@echo "lab2-check: worst fit from $(LAB2_SOLUTION)"
	@$(HOST)/lab2-check lab2_worstfit >$(LAB_DIR)/lab2-check.ktap; rc=$$?; \
		cat $(LAB_DIR)/lab2-check.ktap; \
		$(KTAP_REPORT) --exit-status=$$rc --fail-exit=1 $(LAB_DIR)/lab2-check.ktap

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

labs-check: lab1-check lab2-check lab3-check lab4-check

# ------------------------------------------------------------ make test --
test-programs: $(LAB_DIR)/lab2-check-skel $(LAB_DIR)/lab2-check-ref $(HOST)/churn

# Every object's header dependencies, lab 2's own suite's among them (a
# header change, e.g. struct osmem_stats growing, must rebuild it).
-include $(LAB2_OBJ:.o=.d) $(LAB_DIR)/sol/mm/osmem/classic_worstfit.d \
	$(LAB_DIR)/sol/tests/labs/classic_worstfit_ref.d
