#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boots a guest and runs pm_bench there: move_pages(2) against
# /dev/pagemove on a busy and an idle process, by pid, with a memcpy limit.
#
#   qemu/bench.sh [SERIES] [PM_BENCH ARGS...]     e.g. qemu/bench.sh 6.1 --quick
# SERIES defaults to $KVER, else 6.12. BENCH_OUT=DIR keeps this run's
# console log in DIR (default: build/<abi>/run, shared with other runs).
# The tables are also saved to DIR/bench.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
series=${KVER:-6.12}
case ${1:-} in
-*|'') ;;
*) series=$1; shift ;;
esac
abi=$("$HERE/kernel.sh" setup "$series")
arch=$("$HERE/kernel.sh" arch "$series")
# An arm64 guest runs the cross-built pm_bench (make selftests-arm64).
if [ "$arch" = amd64 ]; then
	bdir=$ROOT/build
	make -s -C "$ROOT" deps "$bdir/bench/pm_bench" >&2
else
	bdir=$ROOT/build/$arch
	make -s -C "$ROOT" deps "selftests-$arch" >&2
fi
out=${BENCH_OUT:-$ROOT/build/$abi/run}
mkdir -p "$out"
# A full run takes about 10 minutes under TCG, more while another guest
# waits for the lock's holder; the timeout counts from the boot.
rc=0
# stress-ng's numa stressor (Debian's, dynamic) with and without the
# preload shim: the binary, the shim, and every library they load.
# (x86 only: on arm64 it would need Debian's arm64 stress-ng and its dozen
# libraries in the guest; pm_bench says it skipped those rows.)
files=(-f "$bdir/bench/pm_bench")
if [ -x /usr/bin/stress-ng ] && [ "$arch" = amd64 ]; then
	make -s -C "$ROOT" "$ROOT/build/lib/libpagemove-preload.so" >&2
	files+=(-f /usr/bin/stress-ng:/usr/bin/stress-ng
		-f "$ROOT/build/lib/libpagemove-preload.so:/opt/pagemove/libpagemove-preload.so")
	for so in $(ldd /usr/bin/stress-ng "$ROOT/build/lib/libpagemove-preload.so" |
		    sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' | sort -u); do
		files+=(-f "$so:$so")
	done
fi
PAGEMOVE_TIMEOUT=${PAGEMOVE_TIMEOUT:-2400} "$HERE/run.sh" -k "$series" -o "$out" \
	${BENCH_QUIET:+-q} "${files[@]}" -- /opt/pagemove/pm_bench "$@" || rc=$?
# The guest's stdout is the console: keep pm_bench's report, not the boot.
sed -n '/^pm_bench: kernel /,$p' "$out/console.log" | tr -d '\r' |
	grep -av '^\[ *[0-9]*\.[0-9]*\] ' > "$out/bench.txt" || true
[ $rc -ne 0 ] || echo "bench: report in ${out#$ROOT/}/bench.txt" >&2
exit $rc
