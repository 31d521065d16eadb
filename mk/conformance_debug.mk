# Debug mode's conformance programs (tests/conformance/debug_*.c), run by
# tests/conformance/debug_cases.sh under LD_PRELOAD of the drop-in malloc
# with OSMEM_DEBUG=1 (the conformance_debug step of make test).
#
# Built here:
#   build/host/conformance/debug_malloc0      tests/conformance/debug_malloc0.c
#   build/host/conformance/debug_quarantine   tests/conformance/debug_quarantine.c
#   build/host/conformance/debug_double_free  tests/conformance/debug_double_free.c
#
# Plain programs on the C library's malloc family; -fno-builtin so that the
# compiler leaves every call (malloc(0), the second free) to the library.
# Included by the Makefile before mk/test.mk, whose test-programs lists
# CONFORMANCE_DEBUG_PROGS.

CONFORMANCE_DEBUG_DIR := $(HOST)/conformance
CONFORMANCE_DEBUG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-builtin
CONFORMANCE_DEBUG_PROGS := $(patsubst tests/conformance/%.c,$(CONFORMANCE_DEBUG_DIR)/%, \
	$(wildcard tests/conformance/debug_*.c))

$(CONFORMANCE_DEBUG_DIR)/debug_%: tests/conformance/debug_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CONFORMANCE_DEBUG_CFLAGS) -o $@ $<
