# SPDX-License-Identifier: GPL-2.0
# lib.mk: libpagemove, the preload shim, the pagemove command and the drop-in helper.
#
# Included by the top Makefile, which provides ROOT, BUILD, CC, CFLAGS_T, Q.

LIB_HDRS := $(ROOT)/lib/pagemove.h $(ROOT)/include/uapi/linux/pagemove.h

# The shared library's ABI version (soname libpagemove.so.$(SOVERSION)):
# bump it when an exported function changes incompatibly.
SOVERSION := 0
LIB_SO := $(BUILD)/lib/libpagemove.so.$(SOVERSION).$(subst $(SOVERSION).,,$(VERSION))

LIB_OUTPUTS := $(BUILD)/lib/libpagemove.a $(BUILD)/lib/libpagemove.so \
	$(BUILD)/lib/libpagemove-preload.so $(BUILD)/tools/pagemove \
	$(BUILD)/selftests/dropin_helper $(BUILD)/selftests/numactl_move_pages

.PHONY: lib

lib: $(LIB_OUTPUTS)

# One PIC object serves the archive, the shared library and static links.
$(BUILD)/lib/pagemove.o: $(ROOT)/lib/pagemove.c $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/lib/libpagemove.a: $(BUILD)/lib/pagemove.o
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^
	$(Q)echo "  AR      $(patsubst $(ROOT)/%,%,$@)"

$(LIB_SO): $(BUILD)/lib/pagemove.o
	$(Q)$(CC) $(CFLAGS_T) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libpagemove.so.$(SOVERSION) -o $@ $^
	$(Q)echo "  LD      $(patsubst $(ROOT)/%,%,$@)"

# The usual chain: libpagemove.so -> .so.0 -> .so.0.x.y
$(BUILD)/lib/libpagemove.so: $(LIB_SO)
	$(Q)ln -sf $(notdir $<) $(BUILD)/lib/libpagemove.so.$(SOVERSION)
	$(Q)ln -sf libpagemove.so.$(SOVERSION) $@

# Regenerated every time: PREFIX and LIBDIR may differ from the last run.
$(BUILD)/lib/libpagemove.pc: $(ROOT)/lib/libpagemove.pc.in FORCE
	$(Q)mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# libpagemove is linked in hidden: the shim exports only what it interposes.
$(BUILD)/lib/libpagemove-preload.so: $(ROOT)/lib/preload.c $(ROOT)/lib/pagemove.c $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -fPIC -fvisibility=hidden -shared -o $@ \
		$(ROOT)/lib/preload.c $(ROOT)/lib/pagemove.c -ldl
	$(Q)echo "  LD      $(patsubst $(ROOT)/%,%,$@)"

# The command: main() and the subcommand table in tools/pagemove.c, a file
# per subcommand, the shared pieces beside them; built in one go.
TOOL_SRCS := $(sort $(wildcard $(ROOT)/tools/*.c))
TOOL_HDRS := $(sort $(wildcard $(ROOT)/tools/*.h))

$(BUILD)/tools/pagemove: $(TOOL_SRCS) $(TOOL_HDRS) $(BUILD)/lib/libpagemove.a $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -DPAGEMOVE_VERSION='"$(VERSION)"' \
		-o $@ $(TOOL_SRCS) $(BUILD)/lib/libpagemove.a
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

# Dynamic on purpose: LD_PRELOAD is what pagemove_preload tests, and static
# binaries ignore it. Needs libnuma.so.1, libc.so.6 and ld-linux in the guest.
$(BUILD)/selftests/dropin_helper: $(ROOT)/selftests/dropin_helper.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -o $@ $< -lnuma
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@)"

# numactl's own move_pages test (test/move_pages.c of the numactl source
# package matching the installed libnuma), built unmodified, dynamic.
$(BUILD)/selftests/numactl_move_pages:
	$(Q)mkdir -p $(dir $@)
	$(Q)src=$$($(ROOT)/qemu/numactl-src.sh) && \
		$(CC) -O2 -w $(CROSS_FLAGS) -o $@ "$$src/test/move_pages.c" -lnuma
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@) (numactl's test/move_pages.c)"

# pagemove_preload is built by the selftests pattern rule; it runs these.
$(BUILD)/selftests/pagemove_preload: | $(BUILD)/lib/libpagemove-preload.so \
	$(BUILD)/selftests/dropin_helper $(BUILD)/selftests/numactl_move_pages
.PHONY: FORCE
FORCE:
