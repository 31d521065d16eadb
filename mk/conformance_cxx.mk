# The C++ conformance programs (tests/conformance/cxx_*.cc), each its own
# program built with g++ into build/host/conformance/, run by
# tests/conformance/cxx_cases.sh under LD_PRELOAD of the drop-in library.
# PIE, so a function's address is read from the GOT: cxx_new_delete's
# "resolve" case asks dladdr where each operator new and delete is bound.
# -fno-builtin: the calls the programs make must reach the library as
# written (no allocation folded away).

# cxx_plugin.cc is a shared object (a C++ library a C program dlopens).

CONF_CXX_DIR := $(HOST)/conformance
CONF_CXX_SRC := $(filter-out %/cxx_plugin.cc,$(wildcard tests/conformance/cxx_*.cc))
CONF_CXX_PROGS := $(patsubst tests/conformance/%.cc,$(CONF_CXX_DIR)/%,$(CONF_CXX_SRC))
CONF_CXX_PLUGIN := $(CONF_CXX_DIR)/cxx_plugin.so
CONF_CXX_WARN := -std=gnu++17 -O1 -g -fno-builtin -Wall -Wextra -Werror
CONF_CXXFLAGS := $(CONF_CXX_WARN) -fPIE -pie

$(CONF_CXX_DIR)/%: tests/conformance/%.cc
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(CONF_CXXFLAGS) -MMD -MP -o $@ $< -ldl

$(CONF_CXX_PLUGIN): tests/conformance/cxx_plugin.cc
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(CONF_CXX_WARN) -fPIC -shared -MMD -MP -o $@ $<

test-programs: $(CONF_CXX_PROGS) $(CONF_CXX_PLUGIN) $(HOST)/libosmem-preload.so

-include $(CONF_CXX_PROGS:=.d) $(CONF_CXX_PLUGIN:.so=.d)
