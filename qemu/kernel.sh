#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Resolves a pinned kernel series (qemu/kernels.conf) to a Debian ABI name,
# installs its linux-headers package and extracts its vmlinuz into the cache.
#
#   qemu/kernel.sh abi   SERIES   print the ABI name (pinned, or fallback)
#   qemu/kernel.sh setup SERIES   also install headers + fetch vmlinuz
#
# SERIES is 6.1 or 6.12; a full ABI name (e.g. 6.1.0-56-amd64) is accepted too.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CACHE=${PAGEMOVE_CACHE:-$ROOT/build/cache}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

conf() { sed -n "s/^$1=//p" "$HERE/kernels.conf"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

available() { # PKG VERSION
	apt-cache show "$1=$2" >/dev/null 2>&1
}

newest_in_series() { # SERIES -> ABI
	local re
	re="^linux-image-${1//./\\.}\\.[0-9]+(-[0-9]+|\\+deb12)-amd64-unsigned\$"
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$re" |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -V | tail -n1
}

resolve() { # SERIES -> ABI (stdout)
	local series=$1 abi ver
	case $series in
	*-amd64) echo "$series"; return ;;
	esac
	abi=$(conf "K_${series}_ABI")
	ver=$(conf "K_${series}_VER")
	if [ -z "$abi" ]; then
		echo "kernel: unknown series '$series' (known: $(conf SERIES))" >&2
		exit 2
	fi
	if installed "linux-headers-$abi" && [ -f "$CACHE/$abi/vmlinuz" ]; then
		echo "$abi"; return
	fi
	if available "linux-image-$abi-unsigned" "$ver"; then
		echo "$abi"; return
	fi
	[ -n "$(apt-cache pkgnames linux-image- 2>/dev/null | head -n1)" ] ||
		$SUDO apt-get update -qq >&2
	if available "linux-image-$abi-unsigned" "$ver"; then
		echo "$abi"; return
	fi
	local fb
	fb=$(newest_in_series "$series")
	if [ -z "$fb" ]; then
		echo "kernel: pinned $abi ($ver) is gone and no $series kernel is in the archive" >&2
		exit 1
	fi
	echo "kernel: NOTE pinned $abi ($ver) is no longer in the archive;" \
	     "falling back to the newest $series kernel, $fb" >&2
	echo "$fb"
}

setup() { # SERIES -> ABI (stdout)
	local abi
	abi=$(resolve "$1")
	if ! installed "linux-headers-$abi"; then
		echo "kernel: installing linux-headers-$abi" >&2
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-install-recommends "linux-headers-$abi" >&2
	fi
	if [ ! -f "$CACHE/$abi/vmlinuz" ]; then
		local tmp deb
		tmp=$(mktemp -d)
		# As root, apt downloads as its sandbox user _apt, which must own the directory.
		[ "$(id -u)" -ne 0 ] || chown _apt "$tmp" 2>/dev/null || true
		echo "kernel: fetching vmlinuz of linux-image-$abi-unsigned" >&2
		(cd "$tmp" && apt-get download -q "linux-image-$abi-unsigned" >&2)
		deb=$(ls "$tmp"/*.deb)
		dpkg-deb -x "$deb" "$tmp/x"
		mkdir -p "$CACHE/$abi"
		cp "$tmp/x/boot/vmlinuz-$abi" "$CACHE/$abi/vmlinuz.tmp"
		mv "$CACHE/$abi/vmlinuz.tmp" "$CACHE/$abi/vmlinuz"
		rm -rf "$tmp"
	fi
	echo "$abi"
}

case ${1:-} in
abi)   resolve "${2:?series}" ;;
setup) setup "${2:?series}" ;;
*)     echo "usage: $0 abi|setup SERIES" >&2; exit 2 ;;
esac
