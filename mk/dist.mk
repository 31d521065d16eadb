# SPDX-License-Identifier: MIT
# make dist: the allocator as others take it, generated from the tree.
#
#   build/dist/osmem-VERSION/       osmem.c, osmem.h (tools/amalgamate.py),
#                                   LICENSE, PORTING.md (docs/porting.md),
#                                   CHANGELOG.md, README.md (docs/dist/README.md)
#   build/dist/osmem-VERSION.tar.gz the same directory, packed
#
# VERSION is OSMEM_VERSION of mm/osmem/version.h. make test builds the two
# files freestanding, links the porting examples 1 and 2 and the shared
# suites against them, builds example 4 (tests/port/mapk.c) and a C++
# program from the unpacked tarball alone, and checks that osmem.o exports
# exactly what osmem.h declares (tests/port/dist.sh).

DIST_VERSION := $(shell sed -n 's/^\#define OSMEM_VERSION[[:space:]]*"\(.*\)"/\1/p' mm/osmem/version.h)
DIST_NAME := osmem-$(DIST_VERSION)
DIST_DIR := $(BUILD)/dist/$(DIST_NAME)
DIST_TAR := $(BUILD)/dist/$(DIST_NAME).tar.gz
# The public header's roots (what a port includes), then the sources: what
# a port compiles (PORT_CORE_C, mk/port.mk) and osmem_version().
DIST_PUBLIC_H := mm/osmem/osmem_embed.h mm/osmem/version.h
DIST_C := $(PORT_CORE_C) mm/osmem/version.c
DIST_FILES := $(DIST_DIR)/osmem.c $(DIST_DIR)/osmem.h $(DIST_DIR)/LICENSE \
	$(DIST_DIR)/PORTING.md $(DIST_DIR)/CHANGELOG.md $(DIST_DIR)/README.md

.PHONY: dist
dist: $(DIST_TAR)

# One run writes both (a grouped target, GNU make 4.3).
$(DIST_DIR)/osmem.c $(DIST_DIR)/osmem.h &: tools/amalgamate.py $(DIST_C) $(wildcard mm/osmem/*.h libk/*.h)
	$(call quiet,GEN,$(DIST_DIR)/osmem.c osmem.h)
	$(Q)python3 tools/amalgamate.py $(DIST_DIR) $(DIST_PUBLIC_H) -- $(DIST_C)

$(DIST_DIR)/LICENSE: LICENSE
$(DIST_DIR)/PORTING.md: docs/porting.md
$(DIST_DIR)/CHANGELOG.md: CHANGELOG.md
$(DIST_DIR)/LICENSE $(DIST_DIR)/PORTING.md $(DIST_DIR)/CHANGELOG.md:
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(DIST_DIR)/README.md: docs/dist/README.md mm/osmem/version.h
	@mkdir -p $(dir $@)
	$(Q)sed 's/@VERSION@/$(DIST_VERSION)/g' $< >$@

# Reproducible: sorted names, no owner, a fixed time, gzip without a name.
$(DIST_TAR): $(DIST_FILES)
	$(call quiet,TAR,$@)
	$(Q)tar -C $(BUILD)/dist --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@0 -cf - $(DIST_NAME) | gzip -n >$@

# ------------------------------------------------------------ dist tests ----
# The shared suites on the amalgamation: the host test program with the
# objects of DIST_C replaced by osmem.c, built with OSMEM_PRIVATE empty so
# the suites reach the allocator's internal functions (tests/port/dist.sh
# runs it; the port step runs examples 1 and 2, built from the dist).
DIST_TEST := $(BUILD)/dist/test
DIST_HOST_OBJ := $(filter-out $(patsubst %.c,$(HOST_OBJ_DIR)/%.o,$(DIST_C)),$(HOST_TEST_OBJ))

$(DIST_TEST)/osmem-host.o: $(DIST_DIR)/osmem.c $(DIST_DIR)/osmem.h
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(HCFLAGS) -DOSMEM_PRIVATE= -c -o $@ $<

$(DIST_TEST)/ktest-dist: $(DIST_HOST_OBJ) $(DIST_TEST)/osmem-host.o
	$(call quiet,LD,$@)
	$(Q)$(CC) $(HCFLAGS) -o $@ $^

# The porting examples 1 and 2 (mk/port.mk), on the dist's two files.
$(PORT)/arena_example: tests/port/arena_example.c tests/port/ktap_mini.h \
		$(DIST_DIR)/osmem.c $(DIST_DIR)/osmem.h
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) -I$(DIST_DIR) $(PORT_FREE_CFLAGS) -o $@ $(filter %.c,$^)

$(PORT)/tinyk: tests/port/tinyk/tinyk.c tests/port/tinyk/osmem_glue.c \
		tests/port/tinyk/tinyk.h tests/port/ktap_mini.h \
		$(DIST_DIR)/osmem.c $(DIST_DIR)/osmem.h
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)
	$(Q)$(CC) -I$(DIST_DIR) $(PORT_FREE_CFLAGS) -o $@ $(filter %.c,$^)

test-programs: $(DIST_TAR) $(DIST_TEST)/ktest-dist
