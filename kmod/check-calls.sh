#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build check: pagemove.ko must reach the kernel only with direct calls.
# An indirect call (`call *`, `jmp *`, or a retpoline thunk) would need an
# ENDBR at its target, which Debian 6.12 seals in the internals we resolve:
# it would fault on a CPU that enforces IBT. The only indirect calls allowed
# are paravirt sites (relocated against pv_ops), which the kernel itself
# patches at load. Also checks the static calls are there at all.
#
# Tracepoints are the one exception (both arches): __traceiter_pagemove_*
# calls the probes attached to the module's own tracepoints through their
# registered addresses, as every tracepoint does. A probe is a function
# whose address was taken to register it (the module's own
# trace_event_raw_event_*, perf_trace_*, __bpf_trace_*, or a tracer's),
# and objtool seals only functions whose address is never taken, so each
# keeps its ENDBR. No other function of the module may branch indirectly.
#
# arm64 has neither IBT nor static-call trampolines: static_call() there is
# a load of the key's function pointer and a `blr`, and GCC-built Debian
# kernels have no BTI (ARM64_BTI_KERNEL needs clang), so no branch target
# is checked by the CPU. What the check holds there instead: every
# indirect branch of the module is a static call, its register loaded
# from a static-call key (__SCK__*), but one, where pm_symbols_resolve()
# calls kallsyms_lookup_name through the address its kprobe found, right
# after storing it in that key. It prints what it found, and the module's
# branch-protection note (PAC signs returns; BTI would mark landing pads).
#   kmod/check-calls.sh MODULE.ko
set -euo pipefail
ko=$1

# Fails the check: a headline, then the offending lines (if any), indented.
fail() { # HEADLINE [LINES]
	echo "check-calls: $ko $1" >&2
	[ -z "${2:-}" ] || echo "$2" | sed 's/^/check-calls:   /' >&2
	exit 1
}

if LC_ALL=C readelf -h "$ko" | grep -q 'Machine:.*AArch64'; then
	od=aarch64-linux-gnu-objdump
	command -v $od >/dev/null || { echo "check-calls: $od is needed (binutils-aarch64-linux-gnu)" >&2; exit 1; }
	syms=$(mktemp)
	trap 'rm -f "$syms"' EXIT
	# Section+offset -> symbol, as the relocations name local data.
	$od -t "$ko" | awk '$2 ~ /^[lg]$/ && $4 ~ /^\./ { o = $1; sub(/^0+/, "", o)
		print $4 (o == "" ? "" : "+0x" o), $NF }' > "$syms"
	sites=$($od -dr --no-show-raw-insn "$ko" | awk -v syms="$syms" '
		BEGIN { while ((getline l < syms) > 0) { split(l, a, " "); if (!(a[1] in at)) at[a[1]] = a[2] } }
		/^[0-9a-f]+ <.*>:$/ { fn = $2; sub(/:$/, "", fn); split("", src); next }
		/^ +[0-9a-f]+:\tldr\tx[0-9]+, \[x[0-9]+/ { split($0, p, "\t"); split(p[3], r, ","); reg = r[1]; pend = 1; next }
		pend && /R_AARCH64_LDST64_ABS_LO12_NC/ { t = $NF; if (t in at) t = at[t]; src[reg] = t; pend = 0; next }
		{ pend = 0 }
		/^ +[0-9a-f]+:\t(blr|br)\t/ { split($0, p, "\t"); print fn, (p[3] in src ? src[p[3]] : "register " p[3]) }')
	n=$(grep -c . <<<"$sites" || true)
	keys=$(grep -c ' __SCK__' <<<"$sites" || true)
	tps=$(grep -c '^<__traceiter_pagemove_' <<<"$sites" || true)
	other=$(grep -v ' __SCK__' <<<"$sites" | grep -v '^<pm_symbols_resolve> register ' |
		grep -v '^<__traceiter_pagemove_[a-z_]*> ' || true)
	bti=$(LC_ALL=C readelf -n "$ko" | sed -n 's/.*AArch64 feature: //p' | head -n1)
	[ -z "$other" ] || fail "has indirect branches that are not static calls:" "$other"
	grep -q ' __SCK__pm_call_migrate_pages$' <<<"$sites" ||
		fail "does not call migrate_pages through its static call"
	[ -z "${PAGEMOVE_CHECK_CALLS_VERBOSE:-}" ] ||
		echo "check-calls: arm64: $n indirect branches, $keys through static-call keys," \
		     "$tps to tracepoint probes, $((n - keys - tps)) the kprobe's kallsyms_lookup_name;" \
		     "branch protection: ${bti:-none}" >&2
	exit 0
fi

dis=$(objdump -dr --no-show-raw-insn "$ko")
bad=$(awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; tp = fn ~ /^<__traceiter_pagemove_[a-z_]*>:$/ }
	tp { next }
	pending != "" {
		if ($0 ~ /R_X86_64_[A-Z0-9]+[ \t]+pv_ops/) { pending = ""; next }
		print pending; pending = ""
	}
	/__x86_indirect_(call_)?thunk/ { print fn ": " $0; next }
	/^ +[0-9a-f]+:\t(call|jmp)[a-z]* +\*/ { pending = fn ": " $0 }
	END { if (pending != "") print pending }
' <<<"$dis")
[ -z "$bad" ] || fail "has indirect calls (they fault under IBT on sealed functions):" "$bad"
grep -q '__SCT__pm_call_migrate_pages' <<<"$dis" ||
	fail "does not call migrate_pages through its static call"
