#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds the guest's cpio initramfs: static busybox, qemu/init, pagemove.ko,
# the command to run and any extra files. No distro modules go in.
#
#   qemu/mkinitramfs.sh OUT.cpio KO CMDFILE [FILE[:DEST]]...
# FILE without DEST lands in /opt/pagemove/. CMDFILE "-" means interactive.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
out=$1 ko=$2 cmd=$3
shift 3

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# mktemp -d makes 0700: the guest root must be traversable by every user.
chmod 755 "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,etc/pagemove,lib/pagemove,opt/pagemove,root}

# busybox-static's binary: the guest has no libc of its own. BUSYBOX: the
# one of another architecture (qemu/sysroot.sh's).
if [ -z "${BUSYBOX:-}" ] || [ "$BUSYBOX" = /bin/busybox ]; then
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
		{ echo "mkinitramfs: the busybox-static package is needed (qemu/deps.sh)" >&2; exit 1; }
fi
cp "${BUSYBOX:-/bin/busybox}" "$stage/bin/busybox"
cp "$HERE/init" "$stage/init"
chmod 755 "$stage/init"
cp "$ko" "$stage/lib/pagemove/pagemove.ko"
if [ "$cmd" = - ]; then
	touch "$stage/etc/pagemove/interactive"
else
	cp "$cmd" "$stage/etc/pagemove/cmd"
fi

for spec in "$@"; do
	src=${spec%%:*}
	dest=/opt/pagemove/$(basename "$src")
	[ "$spec" = "$src" ] || dest=${spec#*:}
	mkdir -p "$stage$(dirname "$dest")"
	cp -rL "$src" "$stage$dest"	# -L: shared libraries are symlinks
done

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
