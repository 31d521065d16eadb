# The conformance programs of mappings, thresholds and double frees
# (tests/conformance/*.c), run by tests/conformance/maps_cases.sh under
# LD_PRELOAD of build/host/libosmem-preload.so; make test builds them
# (mk/test.mk: test-programs needs conformance-maps) and tests/run-all.sh
# runs the script (step conformance_maps). Included by the Makefile after mk/test.mk.
#
# Built here: build/host/conformance-maps/{free_errno,double_free_merged,
# dynamic_threshold}. Each program defines munmap or mmap itself and
# exports it (-rdynamic), so the preloaded library's calls reach the
# program's definition first. -fno-builtin keeps every malloc/free pair
# the program writes (the compiler may drop one otherwise).

CONF_MAPS_DIR := $(HOST)/conformance-maps
CONF_MAPS := free_errno double_free_merged dynamic_threshold
CONF_MAPS_BIN := $(addprefix $(CONF_MAPS_DIR)/,$(CONF_MAPS))
CONF_MAPS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-builtin

# A static pattern rule: it applies to these three programs only.
$(CONF_MAPS_BIN): $(CONF_MAPS_DIR)/%: tests/conformance/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CONF_MAPS_CFLAGS) -rdynamic -o $@ $<

.PHONY: conformance-maps
conformance-maps: $(CONF_MAPS_BIN) $(HOST)/libosmem-preload.so
