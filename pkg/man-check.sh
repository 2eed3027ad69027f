#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages render without a warning, by mandoc's linter and by man(1).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for m in "$ROOT"/man/*.[1-8]; do
	out=$( { mandoc -T lint -W warning "$m"; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" >/dev/null; } 2>&1)
	if [ -n "$out" ]; then
		echo "not ok man $(basename "$m")"
		echo "$out" | sed 's/^/#   /'
		rc=1
	else
		echo "ok man $(basename "$m")"
	fi
done
exit $rc
