#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the 6.12 debug kernel (KASAN, lockdep, DEBUG_VM, DEBUG_LIST,
# KMEMLEAK, page poisoning) from Debian's linux-source-6.12, once, into a
# cache outside the clone keyed by this script's config and the source
# package version. About 13 minutes on 2 cores, from a tinyconfig base.
#
#   qemu/debug-kernel.sh dir     print the cached tree (build it if needed)
#   qemu/debug-kernel.sh key     print the cache key
#
# The tree holds arch/x86/boot/bzImage and is ready for `make M=...`
# (Module.symvers is vmlinux.symvers). PAGEMOVE_KCACHE overrides the
# cache root (default: ~/.cache/pagemove).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# CI may run without $HOME: the user's home from passwd then.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KCACHE=${PAGEMOVE_KCACHE:-${XDG_CACHE_HOME:-$home/.cache}/pagemove}
SRC_TAR=/usr/src/linux-source-6.12.tar.xz

# What the guest and the tests need on top of tinyconfig + kvm_guest.config,
# then the checkers. Every option is verified after olddefconfig: one whose
# dependency is missing would be dropped silently.
ENABLE=(
	64BIT SMP MULTIUSER PRINTK BUG FUTEX EPOLL SIGNALFD TIMERFD EVENTFD SHMEM
	POSIX_TIMERS BINFMT_ELF BINFMT_SCRIPT TTY SERIAL_8250 SERIAL_8250_CONSOLE
	PROC_FS PROC_SYSCTL PROC_PAGE_MONITOR PROC_KCORE SYSFS TMPFS TMPFS_XATTR DEVTMPFS
	BLK_DEV_INITRD MODULES MODULE_UNLOAD KALLSYMS KALLSYMS_ALL KPROBES
	ACPI PCI HOTPLUG_CPU NUMA ACPI_NUMA X86_64_ACPI_NUMA NUMA_BALANCING
	MIGRATION COMPACTION TRANSPARENT_HUGEPAGE TRANSPARENT_HUGEPAGE_ALWAYS
	HUGETLBFS KSM USERFAULTFD ADVISE_SYSCALLS CROSS_MEMORY_ATTACH FHANDLE
	SYSVIPC FILE_LOCKING AIO POSIX_MQUEUE MEMBARRIER IO_URING
	CGROUPS CPUSETS MEMCG CGROUP_SCHED SECURITY VM_EVENT_COUNTERS SLUB
	CC_OPTIMIZE_FOR_PERFORMANCE X86_KERNEL_IBT SOFTLOCKUP_DETECTOR
	DEBUG_FS DEBUG_KERNEL DEBUG_INFO_NONE
	KASAN KASAN_GENERIC KASAN_INLINE PROVE_LOCKING DEBUG_ATOMIC_SLEEP
	DEBUG_VM DEBUG_LIST DEBUG_KMEMLEAK PAGE_POISONING DEBUG_PAGEALLOC
)
DISABLE=(CC_OPTIMIZE_FOR_SIZE DEBUG_INFO_DWARF5 DEBUG_INFO_DWARF4 DEBUG_KMEMLEAK_DEFAULT_OFF SLUB_TINY)
VALUES=(NR_CPUS=64 LOCALVERSION=\"-pagemove-debug\")

src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo none
}

key() {
	{ src_version; printf '%s\n' "${ENABLE[@]}" "${DISABLE[@]}" "${VALUES[@]}"; } |
		sha256sum | cut -c1-12
}

build() { # DIR
	local dir=$1 tree o k v
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp" "$tmp.log"' EXIT
	echo "debug-kernel: extracting $(basename "$SRC_TAR") ($(src_version))" >&2
	tar -xJf "$SRC_TAR" -C "$tmp"
	tree=$tmp/linux-source-6.12
	local mk=(make -C "$tree" ARCH=x86_64 -s)
	"${mk[@]}" tinyconfig >/dev/null
	"${mk[@]}" kvm_guest.config >/dev/null
	o=()
	for k in "${ENABLE[@]}"; do o+=(-e "$k"); done
	for k in "${DISABLE[@]}"; do o+=(-d "$k"); done
	for v in "${VALUES[@]}"; do o+=(--set-val "${v%%=*}" "${v#*=}"); done
	"$tree/scripts/config" --file "$tree/.config" "${o[@]}"
	"${mk[@]}" olddefconfig >/dev/null
	local missing=()
	for k in "${ENABLE[@]}"; do
		grep -q "^CONFIG_$k=y" "$tree/.config" || missing+=("$k")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "debug-kernel: olddefconfig dropped: ${missing[*]}" >&2
		exit 1
	fi
	echo "debug-kernel: building bzImage (about 13 min on 2 cores; log: $tmp.log)" >&2
	if ! "${mk[@]}" -j"$(nproc)" bzImage modules_prepare >"$tmp.log" 2>&1; then
		tail -n 40 "$tmp.log" >&2
		exit 1
	fi
	# Out-of-tree modules need Module.symvers; bzImage leaves vmlinux.symvers.
	cp "$tree/vmlinux.symvers" "$tree/Module.symvers"
	# Objects are not needed to build modules or boot: keep the cache small.
	find "$tree" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
	rm -rf "$dir"
	mv "$tmp" "$dir"
	# Older configs' trees are 2 GB each: keep only this one.
	find "$KCACHE" -maxdepth 1 -name 'debug-6.12-*' ! -name "$(basename "$dir")*" \
		-exec rm -rf {} +
	rm -f "$tmp.log"
	trap - EXIT
	echo "debug-kernel: cached in $dir" >&2
}

dir() {
	local dir
	dir=$KCACHE/debug-6.12-$(key)
	if [ ! -f "$dir/linux-source-6.12/arch/x86/boot/bzImage" ]; then
		[ -f "$SRC_TAR" ] || "$HERE/deps.sh"
		mkdir -p "$KCACHE"
		# One build at a time, even from two checkouts.
		exec 9>"$KCACHE/.debug.lock"
		flock 9
		[ -f "$dir/linux-source-6.12/arch/x86/boot/bzImage" ] || build "$dir"
	fi
	echo "$dir/linux-source-6.12"
}

case ${1:-} in
dir) dir ;;
key) key ;;
*) echo "usage: $0 dir|key" >&2; exit 2 ;;
esac
