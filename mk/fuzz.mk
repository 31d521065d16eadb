# SPDX-License-Identifier: MIT
# The allocator fuzzer (libFuzzer, clang): tests/fuzz/, docs/fuzzing.md.
#
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_JOBS=1]
#                       fuzz both allocators for FUZZ_SECONDS with a corpus
#                       in build/fuzz/corpus (seeded from tests/fuzz/seeds/),
#                       crashes saved in build/fuzz/crashes/; ends with one
#                       result line (tests/fuzz/run.sh)
#
# Built here (make test builds both: the fuzz step runs tests/fuzz/smoke.sh):
#   build/host/fuzz-osmem          the fuzzer
#   build/host/fuzz-osmem-planted  the same with OSMEM_PLANT_REALLOC_BUG, a
#                                  bug planted in classic's realloc copy that
#                                  the smoke test must find
#
# Everything is compiled by clang with libFuzzer's coverage, ASan and UBSan
# (the allocators' own memory comes from the test arena and mmap, which ASan
# does not track: the fuzzer's checks watch that memory).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
FUZZ_DIR := $(HOST)/fuzz
FUZZ_BASE_CFLAGS := -std=gnu11 -O1 -g -DLIBK_HOST -fno-builtin -Wall -Wextra -Werror -I. \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(FUZZ_BASE_CFLAGS) -fsanitize=fuzzer,address,undefined
# The pattern loops of the shadow model run over every byte of every block:
# coverage feedback and ASan's checks there only slow the fuzzer down (4x),
# so that file gets UBSan alone.
FUZZ_OBJ_CFLAGS = $(FUZZ_CFLAGS)
$(FUZZ_DIR)/obj/tests/fuzz/fuzz_shadow.o: FUZZ_OBJ_CFLAGS = $(FUZZ_BASE_CFLAGS) -fsanitize=undefined

# The allocator core as user space builds it (every mm/osmem/*.c but the
# kernel's and the two library fronts, which define malloc and os_malloc),
# the test backend and its host home, libk without the test runner.
FUZZ_CORE_C := $(filter-out %_kernel.c mm/osmem/preload_%.c mm/osmem/osmem_posix.c, \
	$(wildcard mm/osmem/*.c))
FUZZ_C := $(wildcard tests/fuzz/*.c) $(FUZZ_CORE_C) \
	mm/osmem/tests/backend_test.c tests/host/osmem_test_home.c \
	$(filter-out libk/ktest.c,$(wildcard libk/*.c))
FUZZ_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_C))
# The planted build differs in classic.c only.
FUZZ_PLANTED_OBJ := $(filter-out $(FUZZ_DIR)/obj/mm/osmem/classic.o,$(FUZZ_OBJ)) \
	$(FUZZ_DIR)/planted/mm/osmem/classic.o

.PHONY: fuzz

$(FUZZ_DIR)/obj/%.o: %.c mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_OBJ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/planted/%.o: %.c mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DOSMEM_PLANT_REALLOC_BUG -MMD -MP -c $< -o $@

$(HOST)/fuzz-osmem: $(FUZZ_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(HOST)/fuzz-osmem-planted: $(FUZZ_PLANTED_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

test-programs: $(HOST)/fuzz-osmem $(HOST)/fuzz-osmem-planted

fuzz: deps
	@$(MAKE) --no-print-directory $(HOST)/fuzz-osmem
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_JOBS='$(FUZZ_JOBS)' tests/fuzz/run.sh

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_DIR)/planted/mm/osmem/classic.d
