# SPDX-License-Identifier: GPL-2.0
# pagemove: build, test and demo. `make help` lists the targets.

ROOT     := $(abspath .)
BUILD    := $(ROOT)/build
KSFT     := $(BUILD)/ksft
CC       ?= gcc
CFLAGS_T := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered -Werror -D_GNU_SOURCE -I$(ROOT)/include/uapi -I$(ROOT)/lib -I$(KSFT) $(CROSS_FLAGS)

# One version for the module, the library, the command and the packages.
VERSION  := $(shell sed -n 's/^\#define PAGEMOVE_VERSION "\(.*\)"/\1/p' $(ROOT)/kmod/main.c)

# make install: PREFIX, DESTDIR and the directories below, as usual.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += -s
endif

# KVER: a series from qemu/kernels.conf (6.1, 6.12, 6.12-rt, 6.12-debug, 7.3, 7.3-debug, ...), a
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
# A kernel of another Debian suite builds in a root of its own (qemu/buildroot.sh).
KMAKE := $(if $(wildcard $(BUILD)/cache/$(ABI)/make),$(BUILD)/cache/$(ABI)/make $(MODDIR),$(MAKE) -C $(KDIR) M=$(MODDIR))

KMOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/*.sh selftests/kmod/*.c) include/uapi/linux/pagemove.h

TESTS := $(patsubst selftests/%.c,%,$(wildcard selftests/pagemove_*.c))
TEST_BINS := $(addprefix $(BUILD)/selftests/,$(TESTS))

.PHONY: all module selftests selftests-arm64 bench examples check fuzz soak demo shell deps clean help

all: module

help:
	@echo 'pagemove targets:'
	@echo '  make [KVER=SERIES|ABI]     build pagemove.ko (default: the running kernel; series: $(SERIES))'
	@echo '  make lib                   libpagemove (.a/.so), the preload shim, the pagemove command'
	@echo '  make selftests             build the static kselftest binaries'
	@echo '  make selftests-arm64       the same, cross-built for the arm64 series, into build/arm64/'
	@echo '  make check [KVER=..] [T=..] build, boot a guest per series, run the selftests'
	@echo '  make fuzz [SECONDS=600] [SEED=N] [KVER=..]  the fuzzer alone, for long runs'
	@echo '  make soak [MINUTES=30] [KVER=..]            the soak alone, for long runs'
	@echo '  make demo [KVER=..]        boot a guest and show pagemove at work (6.12 unless KVER)'
	@echo '  make bench [KVER=..] [ARGS=--quick]  the benchmark against move_pages(2), in a guest (6.12 unless KVER)'
	@echo '  make shell [KVER=..]       interactive guest shell (6.12 unless KVER)'
	@echo '  make deps                  install the Debian packages the above need'
	@echo '  make install [KVER=..] [DESTDIR=..] [PREFIX=/usr/local]  the module, library, headers,'
	@echo '                             pkg-config file, preload shim, command and man pages'
	@echo '  make install-lib / install-module    one half of it; make uninstall[-lib|-module]'
	@echo '  make dkms-source [DESTDIR=..]        the module source DKMS builds (/usr/src/pagemove-VER)'
	@echo '  make dkms-check            dkms build against every pinned kernel, in a private tree'
	@echo '  make deb                   the Debian packages into build/deb/ (lintian-checked)'
	@echo '  make examples              the README C example, built against libpagemove.a'
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
	$(Q)$(KMAKE) modules $(if $(filter 1,$(V)),V=1,>$(MODDIR)/build.log 2>&1) || \
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

# Before the rules that name LIB_OUTPUTS: prerequisites expand when read.
include lib/lib.mk

selftests: $(TEST_BINS) $(BUILD)/selftests/run_tests.sh $(LIB_OUTPUTS) $(BUILD)/bench/pm_bench $(BUILD)/examples/move_example $(BUILD)/examples/daemon_example

# The arm64 series' user space: every selftests target, cross-built into
# build/arm64/ against Debian's arm64 libnuma (qemu/sysroot.sh).
selftests-arm64:
	$(Q)sr=$$($(ROOT)/qemu/sysroot.sh arm64) && $(MAKE) selftests BUILD=$(BUILD)/arm64 \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		CROSS_FLAGS="-I$$sr/usr/include -L$$sr/usr/lib/aarch64-linux-gnu"

$(BUILD)/selftests/%: selftests/%.c selftests/pm_test.h selftests/pm_hotplug.h lib/pagemove.c lib/pagemove.h include/uapi/linux/pagemove.h $(KSFT)/kselftest_harness.h
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -static -o $@ $< lib/pagemove.c -lpthread
	$(Q)echo "  TEST    $(patsubst $(ROOT)/%,%,$@)"


# Builds the benchmark and runs it in a guest (qemu/bench.sh: KVER, ARGS).
bench: $(BUILD)/bench/pm_bench
	$(Q)$(ROOT)/qemu/bench.sh $(if $(filter command line,$(origin KVER)),$(KVER),6.12) $(ARGS)

# README's C examples: built so the documentation cannot rot.
examples: $(BUILD)/examples/move_example $(BUILD)/examples/daemon_example

$(BUILD)/examples/%: examples/%.c $(BUILD)/lib/libpagemove.a
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -o $@ $< $(BUILD)/lib/libpagemove.a
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/bench/pm_bench: bench/pm_bench.c selftests/pm_test.h lib/pagemove.c lib/pagemove.h include/uapi/linux/pagemove.h
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -static -o $@ $< lib/pagemove.c
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/selftests/run_tests.sh: selftests/run_tests.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

# The arm64 user space only when a series to run is arm64's.
CHECK_SERIES := $(if $(filter command line,$(origin KVER)),$(KVER),$(SERIES))
NEED_ARM64 := $(strip $(foreach s,$(CHECK_SERIES),$(if $(filter arm64,$(shell $(ROOT)/qemu/kernel.sh arch $(s))),y)))

check: deps selftests $(if $(NEED_ARM64),selftests-arm64)
	$(Q)$(ROOT)/qemu/check.sh $(if $(filter command line,$(origin KVER)),$(KVER)) $(if $(T),-t $(T))

# Long runs of the fuzzer and the soak (make check runs both briefly).
SECONDS ?= 600
MINUTES ?= 30
fuzz: deps selftests $(if $(NEED_ARM64),selftests-arm64)
	$(Q)PAGEMOVE_TIMEOUT=$$(($(SECONDS) * 3 + 900)) $(ROOT)/qemu/check.sh \
		$(if $(filter command line,$(origin KVER)),$(KVER)) -t pagemove_fuzz \
		-e PAGEMOVE_FUZZ_SECONDS=$(SECONDS) $(if $(SEED),-e PAGEMOVE_SEED=$(SEED))

soak: deps selftests $(if $(NEED_ARM64),selftests-arm64)
	$(Q)PAGEMOVE_TIMEOUT=$$(($(MINUTES) * 180 + 900)) $(ROOT)/qemu/check.sh \
		$(if $(filter command line,$(origin KVER)),$(KVER)) -t pagemove_soak \
		-e PAGEMOVE_SOAK_SECONDS=$$(($(MINUTES) * 60))

demo:
	$(Q)$(ROOT)/qemu/demo.sh $(if $(filter command line,$(origin KVER)),$(KVER),6.12)

shell: selftests
	$(Q)$(ROOT)/qemu/run.sh -k $(if $(filter command line,$(origin KVER)),$(KVER),6.12) \
		$(foreach b,$(TEST_BINS) $(BUILD)/selftests/run_tests.sh,-f $(b)) -i

# ---- install -----------------------------------------------------------
# The module for KVER (default: the running kernel) into
# /lib/modules/<abi>/updates/; the library (static, and shared with a
# versioned soname), its headers and pkg-config file, the preload shim (in
# LIBDIR/pagemove/), the command and the man pages under PREFIX. DESTDIR
# stages it all.
MAN_PAGES := $(wildcard man/*.[1-8])
INST_LIB  := $(BUILD)/lib/libpagemove.a $(LIB_SO) $(BUILD)/lib/libpagemove.so \
	$(BUILD)/lib/libpagemove-preload.so $(BUILD)/lib/libpagemove.pc $(BUILD)/tools/pagemove
KMOD_DEST := $(DESTDIR)/lib/modules/$(ABI)/updates

.PHONY: install install-lib install-module uninstall uninstall-lib uninstall-module \
	lib-install-files dkms-source dkms-check deb

lib-install-files: $(INST_LIB)

# The module's source as DKMS wants it, in /usr/src/pagemove-<version>.
DKMS_SRC := $(DESTDIR)/usr/src/pagemove-$(VERSION)
dkms-source:
	$(Q)install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/include/uapi/linux
	$(Q)install -m 644 Kbuild dkms.conf $(DKMS_SRC)/
	$(Q)install -m 644 kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/
	$(Q)install -m 755 kmod/check-calls.sh $(DKMS_SRC)/kmod/
	$(Q)install -m 644 include/uapi/linux/pagemove.h $(DKMS_SRC)/include/uapi/linux/
	$(Q)echo "  INSTALL module source -> $(DKMS_SRC)"

# dkms build against every pinned Debian kernel's headers, in a private tree.
dkms-check: deps
	$(Q)$(ROOT)/pkg/dkms-check.sh

# The Debian packages (debhelper, dh-dkms) into build/deb/, checked by lintian.
deb: deps
	$(Q)$(ROOT)/pkg/deb.sh

install: install-lib install-module

install-lib: $(INST_LIB)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/pagemove \
		$(DESTDIR)$(INCLUDEDIR)/linux $(addprefix $(DESTDIR)$(MANDIR)/man,1 3 4)
	$(Q)install -m 755 $(BUILD)/tools/pagemove $(DESTDIR)$(BINDIR)/
	$(Q)install -m 644 $(BUILD)/lib/libpagemove.a $(DESTDIR)$(LIBDIR)/
	$(Q)install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	$(Q)# A preload object, not a library to link: in a private directory.
	$(Q)install -m 755 $(BUILD)/lib/libpagemove-preload.so $(DESTDIR)$(LIBDIR)/pagemove/
	$(Q)ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/libpagemove.so.$(SOVERSION)
	$(Q)ln -sf libpagemove.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libpagemove.so
	$(Q)install -m 644 $(BUILD)/lib/libpagemove.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	$(Q)install -m 644 lib/pagemove.h $(DESTDIR)$(INCLUDEDIR)/
	$(Q)install -m 644 include/uapi/linux/pagemove.h $(DESTDIR)$(INCLUDEDIR)/linux/
	$(Q)for m in $(MAN_PAGES); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	$(Q)echo "  INSTALL libpagemove, libpagemove-preload.so, pagemove, headers, man pages -> $(DESTDIR)$(PREFIX)"

# With DESTDIR, depmod is left to whoever installs the staged tree (a
# package's postinst, as DKMS does).
install-module: module
	$(Q)install -d $(KMOD_DEST)
	$(Q)install -m 644 $(MODDIR)/pagemove.ko $(KMOD_DEST)/
	$(Q)if [ -z "$(DESTDIR)" ]; then depmod -a $(ABI); fi
	$(Q)echo "  INSTALL pagemove.ko -> $(KMOD_DEST)"

uninstall: uninstall-lib uninstall-module

uninstall-lib:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/pagemove $(DESTDIR)$(LIBDIR)/libpagemove.a \
		$(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/libpagemove.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libpagemove.so $(DESTDIR)$(LIBDIR)/pagemove/libpagemove-preload.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libpagemove.pc $(DESTDIR)$(INCLUDEDIR)/pagemove.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/pagemove.h \
		$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	$(Q)rmdir $(DESTDIR)$(LIBDIR)/pagemove 2>/dev/null || true

uninstall-module:
	$(Q)rm -f $(KMOD_DEST)/pagemove.ko
	$(Q)if [ -z "$(DESTDIR)" ]; then depmod -a $(ABI); fi

clean:
	$(Q)rm -rf $(BUILD)/*/kmod $(BUILD)/selftests $(BUILD)/*/run $(BUILD)/*/check $(BUILD)/lib $(BUILD)/tools $(BUILD)/bench $(BUILD)/examples
