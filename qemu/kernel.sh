#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Resolves a pinned kernel series (qemu/kernels.conf) to a kernel name and
# lays out, in the cache, what the build and the guests need from it:
#
#   build/cache/<abi>/vmlinuz   the kernel the guest boots
#   build/cache/<abi>/kdir      the tree modules are built against
#
# Debian kernels: the linux-image, linux-headers(-common) and linux-kbuild
# packages are fetched with `apt-get download` and unpacked with dpkg-deb,
# never installed: nothing lands in the host's /boot or /lib/modules.
# The debug series is built from linux-source-6.12 (qemu/debug-kernel.sh).
#
#   qemu/kernel.sh abi   SERIES   print the name (pinned, or fallback)
#   qemu/kernel.sh setup SERIES   also fetch and unpack it
#
# SERIES is one of kernels.conf's SERIES; a Debian ABI name is accepted too.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CACHE=${PAGEMOVE_CACHE:-$ROOT/build/cache}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

conf() { sed -n "s/^$1=//p" "$HERE/kernels.conf"; }

available() { # PKG VERSION
	apt-cache show "$1=$2" >/dev/null 2>&1
}

newest_in_series() { # SERIES FLAVOUR -> ABI
	local re
	re="^linux-image-${1//./\\.}\\.[0-9]+(-[0-9]+|\\+deb12)-$2-unsigned\$"
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$re" |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -V | tail -n1
}

resolve() { # SERIES -> ABI (stdout)
	local series=$1 abi ver flavour
	case $series in
	*-amd64) echo "$series"; return ;;
	esac
	abi=$(conf "K_${series}_ABI")
	ver=$(conf "K_${series}_VER")
	if [ -z "$abi" ]; then
		echo "kernel: unknown series '$series' (known: $(conf SERIES))" >&2
		exit 2
	fi
	# Built here, not fetched; or already laid out.
	if [ "$ver" = build ] || [ -f "$CACHE/$abi/.ready" ]; then
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
	flavour=${abi#*-}			# 6.12.117+deb12-rt-amd64 -> rt-amd64
	[[ $abi == *+deb12-* ]] && flavour=${abi#*+deb12-}
	[[ $abi =~ ^[0-9.]+-[0-9]+-(.*)$ ]] && flavour=${BASH_REMATCH[1]}
	local fb
	fb=$(newest_in_series "${series%%-*}" "$flavour")
	if [ -z "$fb" ]; then
		echo "kernel: pinned $abi ($ver) is gone and no $series kernel is in the archive" >&2
		exit 1
	fi
	echo "kernel: NOTE pinned $abi ($ver) is no longer in the archive;" \
	     "falling back to the newest $series kernel, $fb" >&2
	echo "$fb"
}

# The packages a Debian kernel's headers tree is made of.
header_pkgs() { # ABI
	echo "linux-headers-$1"
	apt-cache depends "linux-headers-$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u
}

fetch_debian() { # ABI VERSION
	local abi=$1 ver=$2 tmp pkgs=() p d
	tmp=$(mktemp -d)
	# As root, apt downloads as its sandbox user _apt, which must own the directory.
	[ "$(id -u)" -ne 0 ] || chown _apt "$tmp" 2>/dev/null || true
	for p in "linux-image-$abi-unsigned" $(header_pkgs "$abi"); do
		# The pinned version where the archive still has it.
		if [ -n "$ver" ] && available "$p" "$ver"; then pkgs+=("$p=$ver"); else pkgs+=("$p"); fi
	done
	echo "kernel: fetching ${pkgs[*]%%=*} (unpacked into ${CACHE#$ROOT/}/$abi, not installed)" >&2
	(cd "$tmp" && apt-get download -q "${pkgs[@]}" >&2)
	rm -rf "$CACHE/$abi"
	mkdir -p "$CACHE/$abi/root"
	for d in "$tmp"/*.deb; do
		dpkg-deb -x "$d" "$CACHE/$abi/root"
	done
	cp "$CACHE/$abi/root/boot/vmlinuz-$abi" "$CACHE/$abi/vmlinuz"
	rm -rf "$CACHE/$abi/root/boot" "$CACHE/$abi/root/lib/modules"
	# The flavour's Makefile includes the common tree by its installed path.
	sed -i "s|^include /usr/src/|include $CACHE/$abi/root/usr/src/|" \
		"$CACHE/$abi/root/usr/src/linux-headers-$abi/Makefile"
	ln -sfn "root/usr/src/linux-headers-$abi" "$CACHE/$abi/kdir"
	rm -rf "$tmp"
	touch "$CACHE/$abi/.ready"
}

setup() { # SERIES -> ABI (stdout)
	local abi ver tree
	abi=$(resolve "$1")
	ver=$(conf "K_${1}_VER")
	if [ "$ver" = build ]; then
		# Cached outside the clone, keyed by its config: ask every time.
		tree=$("$HERE/debug-kernel.sh" dir)
		mkdir -p "$CACHE/$abi"
		ln -sfn "$tree" "$CACHE/$abi/kdir"
		ln -sfn "$tree/arch/x86/boot/bzImage" "$CACHE/$abi/vmlinuz"
	elif [ ! -f "$CACHE/$abi/.ready" ]; then
		fetch_debian "$abi" "$ver"
	fi
	echo "$abi"
}

case ${1:-} in
abi)   resolve "${2:?series}" ;;
setup) setup "${2:?series}" ;;
*)     echo "usage: $0 abi|setup SERIES" >&2; exit 2 ;;
esac
