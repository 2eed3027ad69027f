#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetches the numactl source package that matches the installed libnuma from
# Debian's archive and unpacks it once into build/cache/; prints where. Its
# own test program, test/move_pages.c, runs unmodified under the preload
# shim (selftests/pagemove_preload.c).
#
# The host's apt sources stay untouched: the deb-src entries are derived from
# them (same mirrors, deb -> deb-src) into a private apt state directory.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ver=$(dpkg-query -W -f='${source:Version}' libnuma-dev 2>/dev/null) ||
	{ echo "numactl-src: libnuma-dev is not installed (make deps)" >&2; exit 1; }
cache=$ROOT/build/cache
for d in "$cache"/numactl-src-*/; do
	[ -f "$d/test/move_pages.c" ] && case $d in *-"$ver"/) echo "${d%/}"; exit 0 ;; esac
done

apt=$cache/apt-src
rm -rf "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/parts" "$apt/dl"
# deb822 sources of the Debian archive, as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qi '^URIs:.*debian' "$f" || continue
	sed 's/^Types:.*/Types: deb-src/' "$f" > "$apt/parts/$(basename "$f")"
done
# one-line sources, likewise.
if [ -f /etc/apt/sources.list ]; then
	sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list > "$apt/parts/host.list"
fi
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/parts"
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -q)
log=$apt/log
trap '[ $? -eq 0 ] || { echo "numactl-src: failed; its log:" >&2; cat "$log" >&2; }' EXIT
apt-get "${opts[@]}" update > "$log" 2>&1
# As root, apt downloads as its sandbox user _apt, which must own the directory.
[ "$(id -u)" -ne 0 ] || chown _apt "$apt/dl" 2>/dev/null || true
cd "$apt/dl"
if ! apt-get "${opts[@]}" source --download-only "numactl=$ver" >> "$log" 2>&1; then
	echo "numactl-src: NOTE: numactl $ver is gone from the archive; using the newest" >&2
	apt-get "${opts[@]}" source --download-only numactl >> "$log" 2>&1
fi
dsc=$(ls numactl_*.dsc | head -n1)
got=${dsc#numactl_}
got=${got%.dsc}
dest=$cache/numactl-src-$got
rm -rf "$dest"
# apt checked the hashes against the signed Sources index; the uploader's
# own signature needs debian-keyring, which gpgv says it lacks: logged only.
dpkg-source -q -x "$dsc" "$dest" >> "$log" 2>&1
echo "numactl-src: numactl $got source from the Debian archive" >&2
[ -f "$dest/test/move_pages.c" ] ||
	{ echo "numactl-src: $dsc has no test/move_pages.c" >&2; exit 1; }
echo "$dest"
