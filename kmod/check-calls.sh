#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build check: pagemove.ko must reach the kernel only with direct calls.
# An indirect call (`call *`, `jmp *`, or a retpoline thunk) would need an
# ENDBR at its target, which Debian 6.12 seals in the internals we resolve:
# it would fault on a CPU that enforces IBT. The only indirect calls allowed
# are paravirt sites (relocated against pv_ops), which the kernel itself
# patches at load. Also checks the static calls are there at all.
#   kmod/check-calls.sh MODULE.ko
set -euo pipefail
ko=$1
dis=$(objdump -dr --no-show-raw-insn "$ko")
bad=$(awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2 }
	pending != "" {
		if ($0 ~ /R_X86_64_[A-Z0-9]+[ \t]+pv_ops/) { pending = ""; next }
		print pending; pending = ""
	}
	/__x86_indirect_(call_)?thunk/ { print fn ": " $0; next }
	/^ +[0-9a-f]+:\t(call|jmp)[a-z]* +\*/ { pending = fn ": " $0 }
	END { if (pending != "") print pending }
' <<<"$dis")
if [ -n "$bad" ]; then
	echo "check-calls: $ko has indirect calls (they fault under IBT on sealed functions):" >&2
	echo "$bad" | sed 's/^/check-calls:   /' >&2
	exit 1
fi
if ! grep -q '__SCT__pm_call_migrate_pages' <<<"$dis"; then
	echo "check-calls: $ko does not call migrate_pages through its static call" >&2
	exit 1
fi
