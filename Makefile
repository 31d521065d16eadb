# SPDX-License-Identifier: MIT
# The two commands: `make run` and `make test`. See README.md.
#
# Source layout decides where a file is built (no lists to keep in step):
#   boot/*.asm kernel/**/*.c mm/*.c mm/tests/*.c      kernel only
#   libk/*.c libk/tests/*.c mm/osmem/*.c mm/osmem/tests/*.c
#                                                     both homes, except
#   *_kernel.c                                        kernel only
#   kernel/**/*_pure.c kernel/**/*_pure_test.c        both homes (freestanding
#                                                     parsers and their tests)
#   *_posix.c                                         user space only
#   tests/host/*.c                                    the host test program only
#   tests/labs/*.c                                    the lab graders only (mk/labs.mk)

BUILD   := build
HOST    := $(BUILD)/host
MEM     ?= 128M
KTEST   ?= all
ACCEL   ?= tcg
# QEMU's CPU count (-smp N) for make run and the main self-test boot
# (make test also boots the CPU-count-dependent suites with -smp 1).
SMP     ?= 2

# OPT: the kernel's optimisation level, -O$(OPT): 2 by default, 0 or g to
# step through it in gdb (objects are rebuilt when it changes: mk/kernel.mk).
OPT     ?= 2

# V=1 prints every command in full. By default a rule prints one short line
# ("CC build/kernel/kernel/main.o", "LD build/kernel.elf", "ISO build/os.iso");
# the compiler's errors and warnings are shown in full either way.
V       ?= 0
ifeq ($(V),1)
Q       :=
quiet    = @:
else
Q       := @
quiet    = @printf '  %-4s %s\n' '$(1)' '$(2)'
endif

# make's own default CC is "cc", so `CC ?= gcc` would never apply: gcc
# unless the user named a compiler (make CC=clang, or CC in the environment).
ifeq ($(origin CC),default)
CC      := gcc
endif
NASM    ?= nasm
QEMU    ?= qemu-system-x86_64
# Extra QEMU options for run, debug and the test boots (tests/qemu/run-ktest.sh).
QEMU_ARGS ?=

# ---------------------------------------------------------------- kernel ----
KCFLAGS := -std=gnu11 -O$(OPT) -g -fno-toplevel-reorder -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-builtin -Wall -Wextra -Werror -I.
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -Wl,--build-id=none -T linker.ld

KERNEL_C := $(wildcard kernel/*.c kernel/*/*.c kernel/*/*/*.c mm/*.c mm/tests/*.c \
	libk/*.c libk/tests/*.c mm/osmem/*.c mm/osmem/tests/*.c)
KERNEL_C := $(filter-out %_posix.c,$(KERNEL_C))
KERNEL_ASM := $(wildcard boot/*.asm kernel/*/*/*.asm)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/kernel/%.o,$(KERNEL_C)) \
	$(patsubst %.asm,$(BUILD)/kernel/%.o,$(KERNEL_ASM))

KERNEL_ELF := $(BUILD)/kernel.elf
ISO := $(BUILD)/os.iso

# ------------------------------------------------------------------ host ----
# The fast allocator, one file per concern (mm/osmem/fast_internal.h).
FAST_C  := $(wildcard mm/osmem/fast*.c)
# The classic allocator: its files and the lab's worst fit (classic_worstfit.c).
CLASSIC_C := $(wildcard mm/osmem/classic*.c)
HCFLAGS := -std=gnu11 -O1 -g -fno-toplevel-reorder -DLIBK_HOST -fno-builtin -Wall -Wextra -Werror -I.
HOST_SHARED_C := $(wildcard libk/*.c libk/tests/*.c mm/osmem/*.c mm/osmem/tests/*.c)
HOST_SHARED_C := $(filter-out %_kernel.c,$(HOST_SHARED_C)) \
	$(filter %_pure.c %_pure_test.c,$(wildcard kernel/*/*.c kernel/*/*/*.c))
HOST_TEST_C := $(HOST_SHARED_C) $(wildcard tests/host/*.c)

.PHONY: all kernel iso host run test debug gdb clean deps run-deps debug-deps \
	ktest-iso
all: iso host

include mk/kernel.mk
include mk/host.mk
include mk/test.mk
include mk/bench.mk
include mk/conformance.mk
include mk/fuzz.mk
include mk/labs.mk
include mk/port.mk
include mk/dist.mk
include mk/pictures.mk
include mk/help.mk

clean:
	rm -rf $(BUILD)
