# SPDX-License-Identifier: GPL-2.0
# lib.mk: libpagemove, the preload shim, the pagemove command and the drop-in helper.
#
# Included by the top Makefile, which provides ROOT, BUILD, CC, CFLAGS_T, Q.

LIB_HDRS := $(ROOT)/lib/pagemove.h $(ROOT)/include/uapi/linux/pagemove.h

LIB_OUTPUTS := $(BUILD)/lib/libpagemove.a $(BUILD)/lib/libpagemove.so \
	$(BUILD)/lib/libpagemove-preload.so $(BUILD)/tools/pagemove \
	$(BUILD)/selftests/dropin_helper $(BUILD)/selftests/numactl_move_pages

.PHONY: lib

lib: $(LIB_OUTPUTS)

# One PIC object serves the archive, the shared library and static links.
$(BUILD)/lib/pagemove.o: $(ROOT)/lib/pagemove.c $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -fPIC -c -o $@ $<

$(BUILD)/lib/libpagemove.a: $(BUILD)/lib/pagemove.o
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^
	$(Q)echo "  AR      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/lib/libpagemove.so: $(BUILD)/lib/pagemove.o
	$(Q)$(CC) $(CFLAGS_T) -shared -Wl,-soname,libpagemove.so -o $@ $^
	$(Q)echo "  LD      $(patsubst $(ROOT)/%,%,$@)"

# libpagemove is linked in hidden: the shim exports only what it interposes.
$(BUILD)/lib/libpagemove-preload.so: $(ROOT)/lib/preload.c $(ROOT)/lib/pagemove.c $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -fPIC -fvisibility=hidden -shared -o $@ \
		$(ROOT)/lib/preload.c $(ROOT)/lib/pagemove.c -ldl
	$(Q)echo "  LD      $(patsubst $(ROOT)/%,%,$@)"

$(BUILD)/tools/pagemove: $(ROOT)/tools/pagemove.c $(BUILD)/lib/libpagemove.a $(LIB_HDRS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_T) -static -o $@ $< $(BUILD)/lib/libpagemove.a
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
		$(CC) -O2 -w -o $@ "$$src/test/move_pages.c" -lnuma
	$(Q)echo "  CC      $(patsubst $(ROOT)/%,%,$@) (numactl's test/move_pages.c)"

# pagemove_preload is built by the selftests pattern rule; it runs these.
$(BUILD)/selftests/pagemove_preload: | $(BUILD)/lib/libpagemove-preload.so \
	$(BUILD)/selftests/dropin_helper $(BUILD)/selftests/numactl_move_pages
