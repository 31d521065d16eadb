# SPDX-License-Identifier: MIT
# Host builds: the test program that runs the shared suites on Linux, and the
# user-space allocator libraries. Objects go under build/host/obj.

HOST_OBJ_DIR := $(HOST)/obj
# A program of its own (linked against libosmem.so), not a test case.
# The drop-in malloc library's front: it defines malloc itself.
HOST_TEST_C := $(filter-out tests/host/osmem_ltrace_prog.c mm/osmem/preload_%.c,$(HOST_TEST_C))
HOST_TEST_OBJ := $(patsubst %.c,$(HOST_OBJ_DIR)/%.o,$(HOST_TEST_C))

$(HOST_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(HCFLAGS) -MMD -MP -c $< -o $@

$(HOST)/ktest-host: $(HOST_TEST_OBJ)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $^

host: $(HOST)/ktest-host

-include $(HOST_TEST_OBJ:.o=.d)

# ---------------------------------------------------------- libosmem.so ----
# The assignment's library: the classic allocator over sbrk/mmap, exporting
# exactly os_malloc os_calloc os_realloc os_free and osmem_version
# (mm/osmem/libosmem.map).
# Its objects are built position-independent, apart from the test program's.
HOST_PIC_DIR := $(HOST)/pic
LIBOSMEM_C := $(CLASSIC_C) \
	mm/osmem/backend_posix.c mm/osmem/osmem_posix.c \
	mm/osmem/report.c mm/osmem/version.c libk/string.c libk/printf.c
LIBOSMEM_OBJ := $(patsubst %.c,$(HOST_PIC_DIR)/%.o,$(LIBOSMEM_C))

$(HOST_PIC_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(HCFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(HOST)/libosmem.so: $(LIBOSMEM_OBJ) mm/osmem/libosmem.map
	$(call quiet,CC,$@)
	$(Q)$(CC) -shared -Wl,--version-script=mm/osmem/libosmem.map -Wl,-z,defs \
		-o $@ $(LIBOSMEM_OBJ)

# The ltrace check's program, linked against the library like a course test.
$(HOST)/osmem_ltrace_prog: tests/host/osmem_ltrace_prog.c $(HOST)/libosmem.so
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $< -L$(HOST) -losmem

host: $(HOST)/libosmem.so $(HOST)/osmem_ltrace_prog
test-programs: $(HOST)/osmem_ltrace_prog

-include $(LIBOSMEM_OBJ:.o=.d)

# -------------------------------------------------- libosmem-preload.so ----
# The fast allocator as the C library's malloc, for LD_PRELOAD, and as C++'s
# operator new and delete (preload_cxx.cc, built with g++). Only the
# functions the preload_*.c files and preload_cxx.cc mark visible are exported.
# The C driver links it: no -lstdc++, so a C program that preloads it does
# not load the C++ runtime (preload_cxx.cc binds the runtime weakly).
PRELOAD_C := mm/osmem/preload_posix.c mm/osmem/preload_cache_posix.c \
	mm/osmem/preload_fork_posix.c mm/osmem/preload_tune_posix.c \
	mm/osmem/preload_info_posix.c \
	mm/osmem/preload_arena_posix.c \
	mm/osmem/cache.c mm/osmem/cache_remote.c $(FAST_C) mm/osmem/backend_posix.c \
	mm/osmem/report.c mm/osmem/version.c libk/string.c libk/printf.c
PRELOAD_CXX := mm/osmem/preload_cxx.cc
PRELOAD_OBJ := $(patsubst %.c,$(HOST_PIC_DIR)/%.o,$(PRELOAD_C)) \
	$(patsubst %.cc,$(HOST_PIC_DIR)/%.o,$(PRELOAD_CXX))

HOST_CXX := g++
HCXXFLAGS := -std=gnu++17 -O2 -g -Wall -Wextra -Werror -I.

$(HOST_PIC_DIR)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(call quiet,CXX,$@)
	$(Q)$(HOST_CXX) $(HCXXFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

# The library's own objects at -O2, as make bench builds the allocators:
# malloc and free inline their cache fast paths (mm/osmem/cache.h), which
# take 60 instructions a pair at -O1, 52 at -O2. No SLP vectorizer: it
# turns a push's two adjacent stores into four SSE instructions.
PRELOAD_O2_OBJ := $(patsubst %.c,$(HOST_PIC_DIR)/%.o,mm/osmem/preload_posix.c \
	mm/osmem/preload_cache_posix.c mm/osmem/preload_arena_posix.c \
	mm/osmem/cache.c mm/osmem/cache_remote.c $(FAST_C))
$(PRELOAD_O2_OBJ): HCFLAGS += -O2 -fno-tree-slp-vectorize

$(HOST)/libosmem-preload.so: $(PRELOAD_OBJ)
	$(call quiet,CC,$@)
	$(Q)$(CC) -shared -pthread -Wl,-z,defs -o $@ $(PRELOAD_OBJ)

host: $(HOST)/libosmem-preload.so

-include $(PRELOAD_OBJ:.o=.d)
