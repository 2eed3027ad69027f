#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boots a guest, shows the NUMA topology, the module, a process's
# pages moving between nodes, and a short benchmark against move_pages(2)
# (pm_bench --quick; make bench runs the full one).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
series=${1:-6.12}
bdir=$ROOT/build
if [ "$("$HERE/kernel.sh" arch "$series")" = amd64 ]; then
	make -s -C "$ROOT" deps lib "$bdir/bench/pm_bench" >&2
else
	bdir=$ROOT/build/arm64
	make -s -C "$ROOT" deps selftests-arm64 >&2
fi
script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat > "$script" <<'GUEST'
#!/bin/sh
echo "=== NUMA topology"
for n in /sys/devices/system/node/node[0-9]*; do
	printf '  %s  cpus: %-5s  memory: %s kB\n' "${n##*/}" "$(cat $n/cpulist)" \
		"$(sed -n 's/.*MemTotal: *\([0-9]*\).*/\1/p' $n/meminfo)"
done
echo "=== pagemove.ko"
echo "  version $(cat /sys/module/pagemove/version), max_pages $(cat /sys/module/pagemove/parameters/max_pages)"
echo "  $(ls -l /dev/pagemove)"
echo "=== a process's pages moving (by pid)"
/opt/pagemove/pm_bench demo
echo "=== benchmark (short: make bench runs the full one)"
/opt/pagemove/pm_bench --quick
GUEST
chmod +x "$script"
exec "$HERE/run.sh" -k "$series" -f "$script:/opt/pagemove/demo.sh" \
	-f "$bdir/bench/pm_bench" -- /opt/pagemove/demo.sh
