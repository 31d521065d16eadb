# SPDX-License-Identifier: MIT
# The porting kit's worked examples (docs/porting.md), built and run by
# make test's `port` step (tests/port/check.sh):
#   build/port/arena_example  1: the static arena, -ffreestanding -nostdlib
#   build/port/tinyk          2: a fake tiny kernel with its osmem glue
#   build/port/user_example   3: user space over the POSIX backend
# Examples 1 and 2 take the two files of make dist (osmem.c, osmem.h), as
# a port does: mk/dist.mk builds them; 3 the tree's files and its POSIX
# backend.
#
#   make port-examples

PORT := $(BUILD)/port
# What the allocator is made of (docs/porting.md says why each is there):
# the fast allocator, its caches, the report line, the static arena
# backend, and libk's string and formatting functions. make dist
# amalgamates them; the `symbols` step checks their objects' names.
PORT_CORE_C := $(FAST_C) mm/osmem/cache.c mm/osmem/cache_remote.c \
	mm/osmem/report.c mm/osmem/static_arena.c libk/string.c libk/printf.c
PORT_FREE_CFLAGS := -std=gnu11 -O2 -ffreestanding -nostdlib -static -fno-pie \
	-no-pie -fno-stack-protector -fno-builtin -Wall -Wextra -Werror -I.
PORT_USER_CFLAGS := -std=gnu11 -O2 -DLIBK_HOST -Wall -Wextra -Werror -I.
PORT_PROGRAMS := $(PORT)/arena_example $(PORT)/tinyk $(PORT)/user_example
# The same files as objects, for make test's `symbols` step
# (tests/port/symbols.sh: every exported name carries a prefix).
PORT_CORE_OBJ := $(patsubst %.c,$(PORT)/core/%.o,$(PORT_CORE_C))
PORT_DEPS := $(PORT_CORE_C) $(wildcard mm/osmem/*.h libk/*.h tests/port/*.h \
	tests/port/tinyk/*.h)

.PHONY: port-examples
port-examples: $(PORT_PROGRAMS) $(PORT_CORE_OBJ)

$(PORT)/core/%.o: %.c $(PORT_DEPS)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(PORT_FREE_CFLAGS) -c -o $@ $<

# Examples 1 and 2 are built in mk/dist.mk, from the dist's two files.

$(PORT)/user_example: tests/port/user_example.c mm/osmem/backend_posix.c $(PORT_DEPS)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(PORT_USER_CFLAGS) -o $@ $(filter %.c,$^)

test-programs: $(PORT_PROGRAMS) $(PORT_CORE_OBJ)
