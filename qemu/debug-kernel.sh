#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds a debug kernel (KASAN, lockdep, DEBUG_VM, DEBUG_LIST, KMEMLEAK,
# page poisoning) from Debian's linux-source-<version>, once, into a cache
# outside the clone keyed by this script's config, the source package
# version and (for another suite's kernel) the build root's packages.
# About 13 minutes on 2 cores for 6.12, from a tinyconfig base.
#
#   qemu/debug-kernel.sh dir  [SERIES]   print the cached tree (build it if needed)
#   qemu/debug-kernel.sh key  [SERIES]   print the cache key
#   qemu/debug-kernel.sh root [SERIES]   print the build root (none for bookworm)
#
# SERIES is a kernels.conf series with VER=build (default 6.12-debug):
# 6.12-debug is built on the host from the linux-source-6.12 package
# (qemu/deps.sh installs it) with bookworm's gcc-12, as bookworm's 6.12 is;
# 7.3-debug from trixie-backports' linux-source-7.3, fetched (never
# installed), inside a trixie root with gcc-14 (qemu/buildroot.sh), as
# Debian's own 7.3 is; its modules are built in that same root.
#
# The tree holds arch/x86/boot/bzImage and is ready for `make M=...`
# (Module.symvers is vmlinux.symvers). PAGEMOVE_KCACHE overrides the
# cache root (default: ~/.cache/pagemove).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# CI may run without $HOME: the user's home from passwd then.
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KCACHE=${PAGEMOVE_KCACHE:-${XDG_CACHE_HOME:-$home/.cache}/pagemove}
CONF=${PAGEMOVE_KERNELS_CONF:-$HERE/kernels.conf}
conf() { sed -n "s/^$1=//p" "$CONF"; }
die() { echo "debug-kernel: $*" >&2; exit 1; }

SERIES=${2:-6.12-debug}
[ "$(conf "K_${SERIES}_VER")" = build ] || die "'$SERIES' is not a series kernels.conf builds (VER=build)"
KV=${SERIES%-debug}			# 6.12, 7.3
SUITE=$(conf "K_${SERIES}_SUITE")
SUITE=${SUITE:-bookworm}
SRC_PKG=linux-source-$KV
# bookworm's source is the host's package; another suite's is fetched.
if [ "$SUITE" = bookworm ]; then
	SRC_TAR=/usr/src/$SRC_PKG.tar.xz
else
	SRC_TAR=
fi

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
	CGROUPS CPUSETS MEMCG CGROUP_SCHED FAIR_GROUP_SCHED CFS_BANDWIDTH SECURITY
	VM_EVENT_COUNTERS SLUB
	CC_OPTIMIZE_FOR_PERFORMANCE X86_KERNEL_IBT SOFTLOCKUP_DETECTOR
	DEBUG_FS DEBUG_KERNEL DEBUG_INFO_NONE
	KASAN KASAN_GENERIC KASAN_INLINE PROVE_LOCKING DEBUG_ATOMIC_SLEEP
	DEBUG_VM DEBUG_LIST DEBUG_KMEMLEAK PAGE_POISONING DEBUG_PAGEALLOC
	FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS
	MEMORY_HOTPLUG MEMORY_HOTREMOVE ACPI_HOTPLUG_MEMORY
)
# Options a newer kernel renamed, OLD:NEW (7.x: PROC_SYSCTL is SYSCTL). The
# new name is taken only when the tree has no OLD and has NEW; the check
# after olddefconfig then asks for NEW.
RENAMED=(PROC_SYSCTL:SYSCTL)
DISABLE=(CC_OPTIMIZE_FOR_SIZE DEBUG_INFO_DWARF5 DEBUG_INFO_DWARF4 DEBUG_KMEMLEAK_DEFAULT_OFF SLUB_TINY)
VALUES=(NR_CPUS=64 LOCALVERSION=\"-pagemove-debug\")

src_version() {
	if [ "$SUITE" = bookworm ]; then
		dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || echo none
	else
		"$HERE/kernel.sh" apt "$SUITE" apt-cache show --no-all-versions "$SRC_PKG" 2>/dev/null |
			sed -n 's/^Version: //p' | head -n1 | grep . || die "no $SRC_PKG in $SUITE"
	fi
}

# The root a foreign suite's kernel is built in (made if needed).
ROOTDIR=
root() {
	[ "$SUITE" != bookworm ] || return 0
	[ -n "$ROOTDIR" ] || ROOTDIR=$("$HERE/buildroot.sh" kernel-root "$SUITE")
	echo "$ROOTDIR"
}

key() {
	local r
	r=$(root)
	# (6.12's key is the source version and the options alone, as it was.)
	{ src_version; printf '%s\n' "${ENABLE[@]}" "${DISABLE[@]}" "${VALUES[@]}"
	  [ -z "$r" ] || cat "$r/.ready"; } | sha256sum | cut -c1-12
}

# The source tarball: the host's, or the suite's package fetched into the
# deb cache and its tarball taken out of it.
source_tar() { # TMPDIR -> path
	local v debs=$KCACHE/debs f
	[ -z "$SRC_TAR" ] || { echo "$SRC_TAR"; return; }
	v=$(src_version)
	mkdir -p "$debs"
	f=$(printf '%s_%s_' "$SRC_PKG" "$v" | sed 's/:/%3a/g')
	if ! compgen -G "$debs/$f*.deb" >/dev/null; then
		echo "debug-kernel: fetching $SRC_PKG=$v from $SUITE (not installed)" >&2
		(cd "$debs" && "$HERE/kernel.sh" apt "$SUITE" apt-get download -q "$SRC_PKG=$v" >&2) ||
			die "apt-get download $SRC_PKG=$v failed"
	fi
	dpkg-deb --fsys-tarfile "$(compgen -G "$debs/$f*.deb" | head -n1)" |
		tar -x -C "$1" "./usr/src/$SRC_PKG.tar.xz"
	echo "$1/usr/src/$SRC_PKG.tar.xz"
}

has_option() { # TREE NAME: does some Kconfig of the tree define it?
	grep -rqx --include='Kconfig*' "config $2" "$1"
}

build() { # DIR
	local dir=$1 tree o k v
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp" "$tmp.log"' EXIT
	local tar r
	tar=$(source_tar "$tmp")
	echo "debug-kernel: extracting $(basename "$tar") ($(src_version))" >&2
	tar -xJf "$tar" -C "$tmp"
	rm -rf "$tmp/usr"
	tree=$tmp/$SRC_PKG
	r=$(root)
	# On the host, or inside the suite's root with the tree at /usr/src.
	local mk=(make -C "$tree" ARCH=x86_64 -s)
	if [ -n "$r" ]; then
		mk=("$HERE/buildroot.sh" in "$r" "$tmp" "" make -C "/usr/src/$SRC_PKG" ARCH=x86_64 -s)
		echo "debug-kernel: building in the $SUITE root $r ($(sed 's/=.*//' "$r/.ready" | grep '^gcc-'))" >&2
	fi
	"${mk[@]}" tinyconfig >/dev/null
	"${mk[@]}" kvm_guest.config >/dev/null
	local enable=() rn
	for k in "${ENABLE[@]}"; do
		for rn in "${RENAMED[@]}"; do
			if [ "$k" = "${rn%%:*}" ] && ! has_option "$tree" "$k" &&
			   has_option "$tree" "${rn#*:}"; then
				echo "debug-kernel: $SRC_PKG calls $k ${rn#*:}" >&2
				k=${rn#*:}
			fi
		done
		enable+=("$k")
	done
	o=()
	for k in "${enable[@]}"; do o+=(-e "$k"); done
	for k in "${DISABLE[@]}"; do o+=(-d "$k"); done
	for v in "${VALUES[@]}"; do o+=(--set-val "${v%%=*}" "${v#*=}"); done
	"$tree/scripts/config" --file "$tree/.config" "${o[@]}"
	"${mk[@]}" olddefconfig >/dev/null
	local missing=()
	for k in "${enable[@]}"; do
		grep -q "^CONFIG_$k=y" "$tree/.config" || missing+=("$k")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "debug-kernel: olddefconfig dropped: ${missing[*]}" >&2
		exit 1
	fi
	echo "debug-kernel: building $SERIES's bzImage (13-20 min on 2 cores; log: $tmp.log)" >&2
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
	find "$KCACHE" -maxdepth 1 -name "debug-$KV-*" ! -name "$(basename "$dir")*" \
		-exec rm -rf {} +
	rm -f "$tmp.log"
	trap - EXIT
	echo "debug-kernel: cached in $dir" >&2
}

dir() {
	local dir
	root >/dev/null		# resolved once, here: key and build read ROOTDIR
	dir=$KCACHE/debug-$KV-$(key)
	if [ ! -f "$dir/$SRC_PKG/arch/x86/boot/bzImage" ]; then
		[ "$SUITE" != bookworm ] || [ -f "$SRC_TAR" ] || "$HERE/deps.sh"
		mkdir -p "$KCACHE"
		# One build at a time, even from two checkouts.
		exec 9>"$KCACHE/.debug.lock"
		flock 9
		[ -f "$dir/$SRC_PKG/arch/x86/boot/bzImage" ] || build "$dir"
	fi
	echo "$dir/$SRC_PKG"
}

case ${1:-} in
dir)  dir ;;
key)  key ;;
root) root ;;
*) echo "usage: $0 dir|key|root [SERIES]" >&2; exit 2 ;;
esac
