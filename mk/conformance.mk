# SPDX-License-Identifier: MIT
# The conformance programs of the drop-in malloc, run by
# tests/conformance/check.sh under LD_PRELOAD of build/host/libosmem-preload.so.
# Every tests/conformance/NAME.c and NAME.cc is one program,
# build/host/conformance/NAME; a NAME_plugin.cc is a shared object instead,
# build/host/conformance/NAME_plugin.so (a C++ library a C program loads).
# Adding a program needs no change here.
#
# C: plain C library programs (threads, signals, stdio), optimised like the
# programs they stand for. -fno-builtin so gcc keeps every malloc/free the
# source makes (malloc(0), a second free, a pair it could fold away);
# -rdynamic so the mmap and munmap a program defines are exported and the
# preloaded library's calls reach them first (free_errno,
# dynamic_threshold); -z now so no lazy symbol binding runs inside a
# signal handler (fork_in_handler).
#
# C++ (g++): PIE, so a function's address is read from the GOT:
# cxx_new_delete's "resolve" case asks dladdr where each operator new and
# delete is bound; -fno-builtin: the calls must reach the library as
# written (no allocation folded away).

CONFORMANCE_DIR := $(HOST)/conformance
CONFORMANCE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-builtin \
	-pthread -rdynamic -Wl,-z,now
CONFORMANCE_CXXWARN := -std=gnu++17 -O1 -g -fno-builtin -Wall -Wextra -Werror -I.
CONFORMANCE_CXXFLAGS := $(CONFORMANCE_CXXWARN) -fPIE -pie

CONFORMANCE_C := $(wildcard tests/conformance/*.c)
CONFORMANCE_CC := $(wildcard tests/conformance/*.cc)
CONFORMANCE_PLUGIN_CC := $(filter %_plugin.cc,$(CONFORMANCE_CC))

CONFORMANCE_C_BIN := $(patsubst tests/conformance/%.c,$(CONFORMANCE_DIR)/%,$(CONFORMANCE_C))
CONFORMANCE_CC_BIN := $(patsubst tests/conformance/%.cc,$(CONFORMANCE_DIR)/%, \
	$(filter-out $(CONFORMANCE_PLUGIN_CC),$(CONFORMANCE_CC)))
CONFORMANCE_SO := $(patsubst tests/conformance/%.cc,$(CONFORMANCE_DIR)/%.so,$(CONFORMANCE_PLUGIN_CC))

# Each depends on this file too: a change of flags rebuilds them (a program
# built before -rdynamic was added here would not export its munmap).
$(CONFORMANCE_C_BIN): $(CONFORMANCE_DIR)/%: tests/conformance/%.c mk/conformance.mk
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(CONFORMANCE_CFLAGS) -o $@ $<

$(CONFORMANCE_CC_BIN): $(CONFORMANCE_DIR)/%: tests/conformance/%.cc mk/conformance.mk
	@mkdir -p $(dir $@)
	$(call quiet,LDXX,$@)
	$(Q)$(HOST_CXX) $(CONFORMANCE_CXXFLAGS) -MMD -MP -o $@ $< -ldl

$(CONFORMANCE_SO): $(CONFORMANCE_DIR)/%.so: tests/conformance/%.cc mk/conformance.mk
	@mkdir -p $(dir $@)
	$(call quiet,CXX,$@)
	$(Q)$(HOST_CXX) $(CONFORMANCE_CXXWARN) -fPIC -shared -MMD -MP -o $@ $<

.PHONY: conformance
conformance: $(CONFORMANCE_C_BIN) $(CONFORMANCE_CC_BIN) $(CONFORMANCE_SO) \
	$(HOST)/libosmem-preload.so

test-programs: conformance

-include $(CONFORMANCE_CC_BIN:=.d) $(CONFORMANCE_SO:.so=.d)
