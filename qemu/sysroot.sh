#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the selftests and the guest of another architecture need beyond the
# cross compiler (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross): Debian's
# own arm64 packages of the series' suite, fetched through qemu/kernel.sh's
# private apt state and unpacked, never installed (the host gets no foreign
# dpkg architecture):
#   libnuma-dev, libnuma1   numa.h and -lnuma for the dynamic drop-in helpers
#   libc6                   the guest's loader and libc for those helpers
#   busybox-static          the guest's shell and tools
# Cached outside the clone, keyed by the packages' versions; prints the
# directory (its usr/include, usr/lib/<triplet>, lib/<triplet>, bin/busybox).
#   qemu/sysroot.sh ARCH [SUITE]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
arch=${1:?arch (arm64)} suite=${2:-bookworm}
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KCACHE=${PAGEMOVE_KCACHE:-${XDG_CACHE_HOME:-$home/.cache}/pagemove}
pkgs=(libc6 libnuma1 libnuma-dev busybox-static)

apt() { PAGEMOVE_APT_ARCH=$arch "$HERE/kernel.sh" apt "$suite" "$@"; }

# The versions the lists name now (the newest; the archive moves, and any
# recent one serves).
want=()
for p in "${pkgs[@]}"; do
	v=$(apt apt-cache show --no-all-versions "$p:$arch" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
	[ -n "$v" ] || { echo "sysroot: no $p for $arch in $suite" >&2; exit 1; }
	want+=("$p:$arch=$v")
done
key=$(printf '%s\n' "${want[@]}" | sha256sum | cut -c1-12)
dir=$KCACHE/sysroot-$arch-$key
if [ -f "$dir/.ready" ]; then echo "$dir"; exit 0; fi

debs=$KCACHE/debs
mkdir -p "$debs"
get=()
for w in "${want[@]}"; do
	p=${w%%:*} v=${w#*=}
	compgen -G "$debs/${p}_${v//:/%3a}_$arch.deb" >/dev/null || get+=("$w")
done
if [ ${#get[@]} -gt 0 ]; then
	echo "sysroot: fetching ${get[*]} (unpacked, not installed)" >&2
	(cd "$debs" && apt apt-get download -q "${get[@]}" >&2) || { echo "sysroot: download failed" >&2; exit 1; }
fi
tmp=$dir.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
for w in "${want[@]}"; do
	p=${w%%:*} v=${w#*=}
	dpkg-deb -x "$debs/${p}_${v//:/%3a}_$arch.deb" "$tmp"
done
# Debian 12 is merged-/usr on installed systems, but the packages' files
# are under /lib as well as /usr/lib: both are kept as they are.
[ -x "$tmp/bin/busybox" ] || { echo "sysroot: busybox-static has no bin/busybox" >&2; exit 1; }
printf '%s\n' "${want[@]}" > "$tmp/.ready"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "$dir"
