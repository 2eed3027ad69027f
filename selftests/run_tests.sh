#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the pagemove kselftests inside the guest, prints their TAP and writes
# the totals to the host's verdict port (qemu/init's PAGEMOVE_VERDICT:
# /dev/ttyS1 on x86, /dev/hvc0 on arm64); "success" only when
# every test passed.
#   run_tests.sh [BINARY | BINARY:TEST | TEST | BINARY BINARY...]
# Several binaries: those suites whole, then the checks after a whole run
# (a series' named subset, K_<series>_SUITES in qemu/kernels.conf).
# (busybox sh: POSIX only)
dir=$(dirname "$0")
filter=${1:-}
suites=
if [ $# -gt 1 ]; then
	suites=" $* "
	filter=
fi
report=${PAGEMOVE_VERDICT:-/dev/ttyS1}
[ -c "$report" ] || report=/dev/null

pass=0 fail=0 skip=0
for bin in "$dir"/pagemove_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	case $suites in
	""|*" $name "*) ;;
	*) continue ;;
	esac
	args=
	case $filter in
	"") ;;
	"$name") ;;
	"$name":*) args="-t ${filter#*:}" ;;
	pagemove_*) continue ;;
	*) args="-t $filter" ;;
	esac
	echo "# === $name $args"
	out=/tmp/$name.tap
	# shellcheck disable=SC2086
	"$bin" $args > "$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep '^# Totals:' "$out" | tail -n1)
	if [ -z "$line" ]; then
		echo "# $name: no totals (exit $rc): counted as one failure"
		fail=$((fail + 1))
		echo "tap: $name crashed (exit $rc)" > "$report"
		continue
	fi
	p=$(echo "$line" | sed 's/.* pass:\([0-9]*\).*/\1/')
	f=$(echo "$line" | sed 's/.* fail:\([0-9]*\).*/\1/')
	s=$(echo "$line" | sed 's/.* skip:\([0-9]*\).*/\1/')
	e=$(echo "$line" | sed 's/.* error:\([0-9]*\).*/\1/')
	f=$((f + e))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "tap: $name pass=$p fail=$f skip=$s" > "$report"
done

# After every suite: nothing of the module's leaked (kmemleak, debug
# kernel) and the module unloads. Both need the whole run, not a filter.
check() { # NAME CONDITION-EXIT-STATUS
	if [ "$2" -eq 0 ]; then
		echo "ok - $1"; pass=$((pass + 1)); echo "tap: $1 pass=1 fail=0 skip=0" > "$report"
	else
		echo "not ok - $1"; fail=$((fail + 1)); echo "tap: $1 pass=0 fail=1 skip=0" > "$report"
	fi
}
if [ -z "$filter" ] || [ "$filter" = kmemleak ]; then
	leak=/sys/kernel/debug/kmemleak
	if [ -w "$leak" ]; then
		# Objects younger than 5 s are never reported: let them age, scan twice.
		sleep 6
		echo scan > "$leak"; echo scan > "$leak"
		# Reports are symbolised when read: read them while pagemove is loaded.
		ours=$(awk '/^unreferenced object/ { n++ } /\[(pagemove|pm_testfs)\]/ { mine[n] = 1 }
			END { c = 0; for (i in mine) c++; print c }' "$leak")
		others=$(grep -c '^unreferenced object' "$leak")
		echo "# kmemleak: $others leak reports, $ours from pagemove"
		[ "$ours" -eq 0 ] || awk '/^unreferenced object/ { if (buf ~ /\[(pagemove|pm_testfs)\]/) print buf; buf = "" }
			{ buf = buf "# " $0 "\n" } END { if (buf ~ /\[(pagemove|pm_testfs)\]/) print buf }' "$leak"
		check kmemleak_nothing_from_pagemove "$ours"
	fi
fi
if [ -z "$filter" ]; then
	rmmod pagemove
	check module_unloads_after_the_suites $?
	insmod /lib/pagemove/pagemove.ko
fi

echo "# pagemove totals: pass=$pass fail=$fail skip=$skip"
echo "totals pass=$pass fail=$fail skip=$skip" > "$report"
if [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
	echo success > "$report"
	exit 0
fi
exit 1
