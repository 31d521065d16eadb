# Host builds: the test program that runs the shared suites on Linux, and the
# user-space allocator libraries. Objects go under build/host/obj.

HOST_OBJ_DIR := $(HOST)/obj
HOST_TEST_OBJ := $(patsubst %.c,$(HOST_OBJ_DIR)/%.o,$(HOST_TEST_C))

$(HOST_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HCFLAGS) -MMD -MP -c $< -o $@

$(HOST)/ktest-host: $(HOST_TEST_OBJ)
	$(CC) $(HCFLAGS) -o $@ $^

host: $(HOST)/ktest-host

-include $(HOST_TEST_OBJ:.o=.d)
