# The conformance cases of the drop-in malloc (tests/conformance/check.sh):
# every tests/conformance/NAME.c is one program, build/host/conformance/NAME,
# run under LD_PRELOAD by the script. Adding a case needs no change here.
#
# Plain C library programs (threads, signals, stdio), optimised like the
# programs they stand for; -fno-builtin so gcc keeps every malloc/free the
# source makes, -z now so no lazy symbol binding runs inside a signal
# handler.

CONFORMANCE_DIR := $(HOST)/conformance
CONFORMANCE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-builtin -pthread
CONFORMANCE_C := $(wildcard tests/conformance/*.c)
CONFORMANCE_BIN := $(patsubst tests/conformance/%.c,$(CONFORMANCE_DIR)/%,$(CONFORMANCE_C))

$(CONFORMANCE_DIR)/%: tests/conformance/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CONFORMANCE_CFLAGS) -Wl,-z,now -o $@ $<

test-programs: $(CONFORMANCE_BIN) $(HOST)/libosmem-preload.so
