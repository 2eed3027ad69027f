#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the pagemove kselftests inside the guest, prints their TAP and writes
# the totals to the host's verdict port (/dev/ttyS1); "success" only when
# every test passed.
#   run_tests.sh [BINARY | BINARY:TEST | TEST]
# (busybox sh: POSIX only)
dir=$(dirname "$0")
filter=${1:-}
report=/dev/ttyS1
[ -c "$report" ] || report=/dev/null

pass=0 fail=0 skip=0
for bin in "$dir"/pagemove_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
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

echo "# pagemove totals: pass=$pass fail=$fail skip=$skip"
echo "totals pass=$pass fail=$fail skip=$skip" > "$report"
if [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
	echo success > "$report"
	exit 0
fi
exit 1
