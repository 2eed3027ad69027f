# SPDX-License-Identifier: GPL-2.0
# pagemove: build, test and demo. `make help` lists the targets.

ROOT     := $(abspath .)
BUILD    := $(ROOT)/build
KSFT     := $(BUILD)/ksft
CC       ?= gcc
CFLAGS_T := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered -Werror -D_GNU_SOURCE -I$(ROOT)/include/uapi -I$(ROOT)/lib -I$(KSFT)

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += -s
endif

# KVER: a series from qemu/kernels.conf (6.1, 6.12, 6.12-rt, 6.12-debug), a
# Debian ABI name, or empty for the running kernel. A series' headers are
# unpacked into build/cache/<abi>/kdir (qemu/kernel.sh), never installed;
# any other kernel builds against its installed headers.
SERIES := $(shell sed -n 's/^SERIES=//p' $(ROOT)/qemu/kernels.conf)
KVER ?= $(shell uname -r)
ifneq ($(filter $(SERIES),$(KVER)),)
ABI := $(shell $(ROOT)/qemu/kernel.sh setup $(KVER))
else
ABI := $(KVER)
endif
KDIR := $(if $(wildcard $(BUILD)/cache/$(ABI)/kdir/Makefile),$(BUILD)/cache/$(ABI)/kdir,/lib/modules/$(ABI)/build)
MODDIR := $(BUILD)/$(ABI)/kmod

KMOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/*.sh selftests/kmod/*.c) include/uapi/linux/pagemove.h

TESTS := $(patsubst selftests/%.c,%,$(wildcard selftests/pagemove_*.c))
TEST_BINS := $(addprefix $(BUILD)/selftests/,$(TESTS))

.PHONY: all module selftests bench examples check fuzz soak demo shell deps clean help

all: module

help:
	@echo 'pagemove targets:'
	@echo '  make [KVER=SERIES|ABI]     build pagemove.ko (default: the running kernel; series: $(SERIES))'
	@echo '  make lib                   libpagemove (.a/.so), the preload shim, the pagemove command'
	@echo '  make selftests             build the static kselftest binaries'
	@echo '  make check [KVER=..] [T=..] build, boot a guest per series, run the selftests'
	@echo '  make fuzz [SECONDS=600] [SEED=N] [KVER=..]  the fuzzer alone, for long runs'
	@echo '  make soak [MINUTES=30] [KVER=..]            the soak alone, for long runs'
	@echo '  make demo [KVER=..]        boot a guest and show pagemove at work (6.12 unless KVER)'
	@echo '  make bench                 build the benchmark (run in a guest by make demo)'
	@echo '  make shell [KVER=..]       interactive guest shell (6.12 unless KVER)'
	@echo '  make deps                  install the Debian packages the above need'
	@echo '  make clean                 remove build/ (keeps nothing)'
	@echo '  V=1                        show the commands'

deps:
	$(Q)$(ROOT)/qemu/deps.sh

module: $(MODDIR)/pagemove.ko

$(MODDIR)/pagemove.ko: $(KMOD_SRC)
	$(Q)if [ ! -d $(KDIR) ]; then \
		echo "no headers for kernel $(ABI) ($(KDIR)): install linux-headers-$(ABI) or use KVER= one of: $(SERIES)" >&2; \
		exit 1; fi
	$(Q)mkdir -p $(MODDIR)/kmod $(MODDIR)/selftests/kmod $(MODDIR)/include/uapi/linux
	$(Q)cp Kbuild $(MODDIR)/
	$(Q)cp kmod/*.c kmod/*.h $(MODDIR)/kmod/
	$(Q)cp selftests/kmod/*.c $(MODDIR)/selftests/kmod/
	$(Q)cp include/uapi/linux/pagemove.h $(MODDIR)/include/uapi/linux/
	$(Q)$(MAKE) -C $(KDIR) M=$(MODDIR) modules $(if $(filter 1,$(V)),V=1,>$(MODDIR)/build.log 2>&1) || \
		{ cat $(MODDIR)/build.log >&2; exit 1; }
	$(Q)$(ROOT)/kmod/check-calls.sh $@ || { rm -f $@; exit 1; }
	$(Q)echo "  KMOD    $(patsubst $(ROOT)/%,%,$@)"

# kselftest_harness.h comes from the linux-source-6.12 package, never vendored.
$(KSFT)/kselftest_harness.h:
	$(Q)$(ROOT)/qemu/deps.sh
	$(Q)mkdir -p $(KSFT)
	$(Q)tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(KSFT) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	$(Q)touch $@

selftests: $(TEST_BINS) $(BUILD)/selftests/run_tests.sh $(LIB_OUTPUTS) $(BUILD)/bench/pm_bench $(BUILD)/examples/move_example

$(BUILD)/selftests/%: selftests/%.c selftests/pm_test.h lib/pagemove.c lib/pagemove.h include/uapi/linux/pagemove.h $(KSFT)/kselftest_harness.h
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -static -o $@ $< lib/pagemove.c -lpthread
	$(Q)echo "  TEST    $(patsubst $(ROOT)/%,%,$@)"

include lib/lib.mk

bench: $(BUILD)/bench/pm_bench

# README's C example: built so the documentation cannot rot.
examples: $(BUILD)/examples/move_example

$(BUILD)/examples/move_example: examples/move_example.c $(BUILD)/lib/libpagemove.a
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -o $@ $< $(BUILD)/lib/libpagemove.a
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/bench/pm_bench: bench/pm_bench.c lib/pagemove.c lib/pagemove.h include/uapi/linux/pagemove.h
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -static -o $@ $< lib/pagemove.c
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/selftests/run_tests.sh: selftests/run_tests.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

check: deps selftests
	$(Q)$(ROOT)/qemu/check.sh $(if $(filter command line,$(origin KVER)),$(KVER)) $(if $(T),-t $(T))

# Long runs of the fuzzer and the soak (make check runs both briefly).
SECONDS ?= 600
MINUTES ?= 30
fuzz: deps selftests
	$(Q)PAGEMOVE_TIMEOUT=$$(($(SECONDS) * 3 + 900)) $(ROOT)/qemu/check.sh \
		$(if $(filter command line,$(origin KVER)),$(KVER)) -t pagemove_fuzz \
		-e PAGEMOVE_FUZZ_SECONDS=$(SECONDS) $(if $(SEED),-e PAGEMOVE_SEED=$(SEED))

soak: deps selftests
	$(Q)PAGEMOVE_TIMEOUT=$$(($(MINUTES) * 180 + 900)) $(ROOT)/qemu/check.sh \
		$(if $(filter command line,$(origin KVER)),$(KVER)) -t pagemove_soak \
		-e PAGEMOVE_SOAK_SECONDS=$$(($(MINUTES) * 60))

demo:
	$(Q)$(ROOT)/qemu/demo.sh $(if $(filter command line,$(origin KVER)),$(KVER),6.12)

shell: selftests
	$(Q)$(ROOT)/qemu/run.sh -k $(if $(filter command line,$(origin KVER)),$(KVER),6.12) \
		$(foreach b,$(TEST_BINS) $(BUILD)/selftests/run_tests.sh,-f $(b)) -i

clean:
	$(Q)rm -rf $(BUILD)/*/kmod $(BUILD)/selftests $(BUILD)/*/run $(BUILD)/*/check $(BUILD)/lib $(BUILD)/tools $(BUILD)/bench $(BUILD)/examples
