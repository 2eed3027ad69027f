#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boots a pinned Debian kernel under QEMU (TCG) with pagemove.ko loaded and
# runs one command in the guest; its exit status comes back as ours.
#
#   qemu/run.sh [-k SERIES] [-f FILE[:DEST]]... [-e VAR=VAL]... [-t SECS] [-o DIR] [-q] -- CMD [ARGS...]
#   qemu/run.sh [-k SERIES] [-f FILE[:DEST]]... -i        interactive shell
# -e exports VAR=VAL to the command in the guest.
#
# Topology: 4 vCPUs, 4 NUMA nodes: node0 (cpu0-1, memory), node1 (cpu2,
# memory), node2 (memory only, like a CXL expander), node3 (cpu3, no memory).
# x86 guests run under qemu-system-x86_64, arm64 ones (K_<series>_ARCH)
# under qemu-system-aarch64 -M virt: the same nodes, the verdict on a
# virtio console (hvc0) instead of a second UART; PAGEMOVE_TCG_THREAD=multi
# runs an arm64 guest's vCPUs on host threads of their own (default single).
#
# Exit: the command's status; 124 the guest hung or died before reporting;
# 125 the kernel printed a WARNING/BUG/Oops/KASAN/lockdep report.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
series=${KVER:-6.12}
files=()
envs=()
timeout_s=${PAGEMOVE_TIMEOUT:-600}
outdir=
quiet=0
interactive=0

usage() { sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	-k) series=$2; shift 2 ;;
	-f) files+=("$2"); shift 2 ;;
	-e) envs+=("$2"); shift 2 ;;
	-t) timeout_s=$2; shift 2 ;;
	-o) outdir=$2; shift 2 ;;
	-q) quiet=1; shift ;;
	-i) interactive=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ $interactive -eq 1 ] || usage

# One guest at a time on this machine (2 cores): later runs wait their turn.
mkdir -p "$ROOT/build"
exec 8>"$ROOT/build/.guest.lock"
flock 8

abi=$("$HERE/kernel.sh" setup "$series")
arch=$("$HERE/kernel.sh" arch "$series")
make -s -C "$ROOT" module KVER="$abi" >&2
ko=$ROOT/build/$abi/kmod/pagemove.ko
vmlinuz=$ROOT/build/cache/$abi/vmlinuz
outdir=${outdir:-$ROOT/build/$abi/run}
mkdir -p "$outdir"
console=$outdir/console.log
result=$outdir/result.txt
: > "$console"
: > "$result"

cmdfile=$outdir/cmd.sh
if [ $interactive -eq 1 ]; then
	cmdfile=-
else
	: > "$cmdfile"
	for e in "${envs[@]}"; do printf 'export %q\n' "$e" >> "$cmdfile"; done
	printf '%q ' "$@" >> "$cmdfile"
	echo >> "$cmdfile"
fi
busybox=/bin/busybox
[ "$arch" = amd64 ] || busybox=$("$HERE/sysroot.sh" "$arch")/bin/busybox
# The image's own modules the guest loads (qemu/kernel.sh keeps them).
for m in "$ROOT/build/cache/$abi/guest/"*.ko; do
	[ -f "$m" ] && files+=("$m:/lib/pagemove/guest/$(basename "$m")")
done
BUSYBOX=$busybox "$HERE/mkinitramfs.sh" "$outdir/initramfs.cpio" "$ko" "$cmdfile" "${files[@]}"

tty=ttyS0
[ "$arch" = amd64 ] || tty=ttyAMA0
append="console=$tty panic_on_warn=1 oops=panic softlockup_panic=1 panic=-1"
# A series may add its own (the debug kernel turns its page checks on).
append+=" numa_balancing=disable memhp_default_state=online_movable printk.time=1 $(sed -n "s/^K_${series}_APPEND=//p" "$HERE/kernels.conf")"
append+=" ${PAGEMOVE_APPEND:-}"
# Linux numbers nodes in the order SRAT first names them, CPUs before memory,
# so a CPU-less node2 would become node3. So node2 gets cpu3, which the
# guest's init takes offline before anything runs: 4 vCPUs online, node2
# memory only (has_cpu 0,1,3), node3 CPU only. Each CPU is its own socket,
# so no cache is shared across nodes.
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m 1536M,slots=2,maxmem=2G
	-smp 5,sockets=5,cores=1,threads=1
	-nodefaults -no-user-config -display none -no-reboot
	-object memory-backend-ram,id=m0,size=640M
	-object memory-backend-ram,id=m1,size=640M
	-object memory-backend-ram,id=m2,size=256M
	-numa node,nodeid=0,memdev=m0
	-numa node,nodeid=1,memdev=m1
	-numa node,nodeid=2,memdev=m2
	-numa node,nodeid=3
	-numa cpu,node-id=0,socket-id=0 -numa cpu,node-id=0,socket-id=1
	-numa cpu,node-id=1,socket-id=2 -numa cpu,node-id=2,socket-id=3
	-numa cpu,node-id=3,socket-id=4
	-object memory-backend-ram,id=m2h,size=128M -device pc-dimm,id=d2,memdev=m2h,node=2
	-kernel "$vmlinuz" -initrd "$outdir/initramfs.cpio" -append "$append")
# The verdict's channel: the second UART.
verdict=(-serial "file:$result")
if [ "$arch" = arm64 ]; then
	# The device tree keeps node numbers as given: node2 needs no CPU
	# (all 4 online). virt has one UART: the verdict goes to a virtio
	# console. Memory hotplug: virt takes no DIMM without ACPI (which
	# -kernel boots lack), and on 6.11 and later a device tree's
	# "hotpluggable" memory is cleared by NUMA init, so node2's 128 MiB
	# beyond its 256 at boot come from a virtio-mem device (virtio_mem.ko
	# from the image, loaded by qemu/init), onlined movable as the DIMM is
	# on x86. thread=single: under multi-threaded TCG each broadcast TLB
	# invalidation waits for every vCPU thread (4 on 2 host cores): a
	# process moving its own 1K pages took 579 ms with parallel workers,
	# 31 with one (single: 20 and 17.5; README "Speed").
	qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on,lpa2=off -accel "tcg,thread=${PAGEMOVE_TCG_THREAD:-single}"
		-m 1536M,maxmem=2G -smp 4
		-nodefaults -no-user-config -display none -no-reboot
		-object memory-backend-ram,id=m0,size=640M
		-object memory-backend-ram,id=m1,size=640M
		-object memory-backend-ram,id=m2,size=256M
		-numa node,nodeid=0,memdev=m0,cpus=0-1
		-numa node,nodeid=1,memdev=m1,cpus=2
		-numa node,nodeid=2,memdev=m2
		-numa node,nodeid=3,cpus=3
		-object memory-backend-ram,id=m2h,size=128M
		-device virtio-mem-pci,id=vm2,memdev=m2h,node=2,requested-size=128M
		-kernel "$vmlinuz" -initrd "$outdir/initramfs.cpio" -append "$append")
	verdict=(-device virtio-serial-pci -chardev "file,id=verdict,path=$result"
		 -device virtconsole,chardev=verdict)
fi

if [ $interactive -eq 1 ]; then
	exec "${qemu[@]}" -serial mon:stdio "${verdict[@]}"
fi

# A boot that never reaches init is TCG's, not the kernel's to answer for
# (6.1 has stalled once at "Switched to clocksource hpet", before any
# module loads): it is killed and booted once more, and said so.
boot_limit=${PAGEMOVE_BOOT_TIMEOUT:-300}
boot() { # -> qrc; returns 1 when the guest did not reach init in time
	local t=0
	: > "$console"
	timeout --foreground -k 5 "$timeout_s" "${qemu[@]}" \
		-serial "file:$console" "${verdict[@]}" </dev/null & qpid=$!
	[ $quiet -eq 1 ] || tail -n +1 -F --pid=$qpid "$console" 2>/dev/null &
	while kill -0 $qpid 2>/dev/null && ! grep -aq 'Run /init as init process' "$console"; do
		if [ $t -ge "$boot_limit" ]; then
			kill -TERM $qpid 2>/dev/null
			wait $qpid 2>/dev/null
			return 1
		fi
		sleep 1
		t=$((t + 1))
	done
	qrc=0
	wait $qpid || qrc=$?
	[ $quiet -eq 1 ] || sleep 0.3
	return 0
}
[ $quiet -eq 1 ] || echo "run: booting $abi (log: ${console#$ROOT/})" >&2
if ! boot; then
	echo "run: the $abi guest did not reach init in ${boot_limit}s (its last line:" \
	     "$(tr -d '\r' < "$console" | tail -n1)); booting it again" >&2
	if ! boot; then
		echo "run: FAIL: the $abi guest did not reach init in ${boot_limit}s, twice" >&2
		exit 124
	fi
fi

# A splat anywhere fails the run, even if the command said it passed.
# Reports, not banners: a lockdep kernel always prints "RCU lockdep checking
# is enabled", and KASAN announces itself at boot.
splat='WARNING:|BUG:|Oops|KASAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|unreferenced object|list_add corruption|list_del corruption|Call Trace|Call trace:|Kernel panic|general protection fault'

# One splat is QEMU's, and provably so: multi-threaded TCG sometimes runs a
# stale translation of kernel text that another vCPU has just patched (a
# jump label or static call: int3 first, then the new bytes, each step
# synchronised by IPIs), so a vCPU traps on an int3 that is no longer in
# memory and the kernel, finding no patch in progress, dies with "Oops:
# int3". Seen at boot (6.12-rt, in hrtimer_start_range_ns, before init)
# and when cgroups flip static keys. The Oops's own Code: line shows the
# bytes in memory at the trap: when the byte before the marked one (the
# int3's address) is not cc, no int3 was there. That alone, as the first
# splat, boots the run once more and says so; a second one fails it.
tcg_stale_int3() {
	local first
	first=$(grep -aE -m1 "$splat" "$console") || return 1
	case $first in *"Oops: int3"*) ;; *) return 1 ;; esac
	tr -d '\r' < "$console" | awk '
		/Oops: int3/ { seen = 1; next }
		seen && /Code: / {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^<[0-9a-f][0-9a-f]>$/) { print $(i - 1); exit }
			exit
		}' | grep -qvx cc
}
if tcg_stale_int3; then
	echo "run: NOTE: $abi: TCG ran a stale translation of patched kernel text" \
	     "('$(grep -a -m1 'Oops: int3' "$console" | tr -d '\r' | sed 's/^\[[^]]*\] //')' at" \
	     "$(grep -a -m1 -A3 'Oops: int3' "$console" | grep -a -m1 'RIP:' | tr -d '\r' | sed 's/.*RIP: [0-9a-f]*://')," \
	     "no int3 in memory there); running it once more" >&2
	cp "$console" "$console.tcg-int3"
	if ! boot; then
		echo "run: FAIL: the $abi guest did not reach init in ${boot_limit}s" >&2
		exit 124
	fi
fi
if grep -aEq "$splat" "$console"; then
	echo "run: FAIL: the $abi kernel reported a problem (see ${console#$ROOT/}):" >&2
	grep -aE -m5 "$splat" "$console" | sed 's/^/run:   /' >&2
	exit 125
fi
rc=$(sed -n 's/^pagemove-exit \([0-9]*\).*/\1/p' "$result" | tail -n1)
if [ -z "$rc" ]; then
	if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
		echo "run: FAIL: the $abi guest hung: no verdict after ${timeout_s}s (see ${console#$ROOT/})" >&2
	else
		echo "run: FAIL: the $abi guest stopped without a verdict (qemu exit $qrc; see ${console#$ROOT/})" >&2
	fi
	exit 124
fi
exit "$rc"
