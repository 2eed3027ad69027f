#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: boots each pinned kernel with pagemove.ko, runs the selftests
# in the guest and decides from the verdict port and the console. The last
# line is "N passed, N failed[, N skipped]" over every kernel.
#   qemu/check.sh [SERIES...] [-t TEST] [-e VAR=VAL]...   (-e: exported in the guest)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck disable=SC1091
series=$(sed -n 's/^SERIES=//p' "${PAGEMOVE_KERNELS_CONF:-$HERE/kernels.conf}")
filter=
envs=()
picked=
while [ $# -gt 0 ]; do
	case $1 in
	-t) filter=$2; shift 2 ;;
	-e) envs+=(-e "$2"); shift 2 ;;
	*) picked+=" $1"; shift ;;
	esac
done
[ -z "$picked" ] || series=$picked

# What each guest gets: the selftests, the shim, the command and the daemon example of its
# architecture (arm64's cross-built into build/arm64/), and the runtime of
# the drop-in test's unmodified dynamic libnuma program (LD_PRELOAD):
# the host's on x86, Debian's arm64 packages (qemu/sysroot.sh) on arm64.
guest_files() { # ARCH -> sets files
	local b=$ROOT/build f so sr
	files=()
	[ "$1" = amd64 ] || b=$ROOT/build/$1
	for f in "$b"/selftests/* "$b"/lib/libpagemove-preload.so "$b"/tools/pagemove \
		 "$b"/examples/daemon_example; do
		[ -f "$f" ] && files+=(-f "$f")
	done
	if [ "$1" = amd64 ]; then
		for so in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 \
			  /lib/x86_64-linux-gnu/libnuma.so.1; do
			files+=(-f "$so:$so")
		done
	else
		sr=$("$HERE/sysroot.sh" "$1") || return 1
		files+=(-f "$sr/lib/ld-linux-aarch64.so.1:/lib/ld-linux-aarch64.so.1"
			-f "$sr/lib/aarch64-linux-gnu/libc.so.6:/lib/aarch64-linux-gnu/libc.so.6"
			-f "$sr/usr/lib/aarch64-linux-gnu/libnuma.so.1:/lib/aarch64-linux-gnu/libnuma.so.1")
	fi
}

total_p=0 total_f=0 total_s=0
summary=()

# Host checks (whole runs only): a withdrawn pin resolves (qemu/pin-check.sh,
# offline), the man pages render clean, DKMS builds the
# module from its installed source for every Debian kernel, the Debian
# packages build, lint clean and hold what make install lays out.
host_check() { # NAME COMMAND...
	local name=$1 log rc=0
	shift
	log=$ROOT/build/host-$name.log
	"$@" > "$log" 2>&1 || rc=$?
	grep -E '^(not )?ok |^deb: ' "$log" | sed 's/^/  /'
	if [ $rc -eq 0 ]; then
		total_p=$((total_p + 1))
		summary+=("host $name: PASS")
	else
		total_f=$((total_f + 1))
		summary+=("host $name: FAIL  log: ${log#$ROOT/}")
		tail -n 20 "$log" | sed 's/^/  /'
	fi
}
if [ -z "$filter" ] && [ -z "$picked" ]; then
	echo "check: host: kernel pins, man pages, DKMS, Debian packages"
	mkdir -p "$ROOT/build"
	host_check pins "$HERE/pin-check.sh"
	host_check man "$ROOT/pkg/man-check.sh"
	host_check dkms "$ROOT/pkg/dkms-check.sh"
	host_check deb "$ROOT/pkg/deb.sh"
fi

for s in $series; do
	# A series that cannot be set up says why on its own summary line.
	mkdir -p "$ROOT/build"
	slog=$ROOT/build/setup-$s.log
	if ! abi=$("$HERE/kernel.sh" setup "$s" 2> >(tee "$slog" >&2)); then
		why=$(grep '^kernel: ' "$slog" | tail -n1 | sed 's/^kernel: //')
		summary+=("$s: FAIL  cannot be set up: ${why:-see ${slog#$ROOT/}}")
		total_f=$((total_f + 1))
		continue
	fi
	out=$ROOT/build/$abi/check
	mkdir -p "$out"
	arch=$("$HERE/kernel.sh" arch "$s")
	bdir=$ROOT/build
	[ "$arch" = amd64 ] || bdir=$ROOT/build/$arch
	if ! guest_files "$arch" || [ ! -f "$bdir/selftests/run_tests.sh" ]; then
		summary+=("$abi: FAIL  no $arch selftests in ${bdir#$ROOT/} (make selftests$([ "$arch" = amd64 ] || echo "-$arch"))")
		total_f=$((total_f + 1))
		continue
	fi
	# A series may run a named subset of the suites (K_<series>_SUITES).
	tests=$filter
	[ -n "$filter" ] || [ -n "${PAGEMOVE_ALL_SUITES:-}" ] || tests=$(sed -n "s/^K_${s}_SUITES=//p" "${PAGEMOVE_KERNELS_CONF:-$HERE/kernels.conf}")
	echo "check: $abi: booting, running the selftests${tests:+ ($tests)}"
	rc=0
	# The test-only helper filesystem, built beside pagemove.ko for this kernel.
	if ! make -s -C "$ROOT" module KVER="$abi" >&2; then
		summary+=("$abi: FAIL  the module does not build for it")
		total_f=$((total_f + 1))
		continue
	fi
	"$HERE/run.sh" -q -k "$s" -o "$out" -t "${PAGEMOVE_TIMEOUT:-1500}" "${files[@]}" "${envs[@]}" \
		-f "$ROOT/build/$abi/kmod/pm_testfs.ko:/lib/pagemove/pm_testfs.ko" \
		-- /opt/pagemove/run_tests.sh $tests || rc=$?
	# The verdict port is a tty: strip its carriage returns.
	tr -d '\r' < "$out/result.txt" > "$out/verdict.txt" 2>/dev/null
	res=$out/verdict.txt
	line=$(grep -a '^totals ' "$res" 2>/dev/null | tail -n1)
	p=$(echo "$line" | sed -n 's/.*pass=\([0-9]*\).*/\1/p'); p=${p:-0}
	f=$(echo "$line" | sed -n 's/.*fail=\([0-9]*\).*/\1/p'); f=${f:-0}
	sk=$(echo "$line" | sed -n 's/.*skip=\([0-9]*\).*/\1/p'); sk=${sk:-0}
	# The verdict needs the guest's own "success" and a clean console.
	verdict=PASS
	if [ $rc -ne 0 ] || ! grep -aqx success "$res"; then
		verdict=FAIL
		[ "$f" -gt 0 ] || f=1
	fi
	# A failed test shows why: its last harness lines (TH_LOG, Expected...).
	awk '/^# +RUN /{n=0} /^#/{buf[n++ % 12]=$0}
	     /^not ok /{for (i = (n > 12 ? n - 12 : 0); i < n; i++) print buf[i % 12]}
	     /^not ok |^ok .*# SKIP/{print; n=0}' "$out/console.log" | tr -d '\r' |
		sed 's/^/  /' | head -80
	grep -a '^tap: ' "$res" | sed "s/^tap: /  $abi: /"
	case $rc in
	124) why=" (guest hung or died before its verdict)" ;;
	125) why=" (kernel splat in the console)" ;;
	0) why= ;;
	*) why=" (exit $rc)" ;;
	esac
	sub=
	[ -n "$filter" ] || [ -z "$tests" ] || sub=" (suites: $tests)"
	summary+=("$abi: $verdict  pass=$p fail=$f skip=$sk$sub$why  log: ${out#$ROOT/}/console.log")
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + sk))
done

echo "check: summary"
for l in "${summary[@]}"; do echo "  $l"; done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ] && [ "$total_p" -gt 0 ]
