#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: builds the Debian packages (pagemove-dkms, libpagemove0,
# libpagemove-dev, pagemove) from a copy of the tree into build/deb/,
# runs lintian (any error fails), and checks the packages hold exactly
# what `make install` lays out.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
out=$ROOT/build/deb
ver=$(sed -n '1s/^pagemove (\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
src=$out/pagemove-$ver

rm -rf "$out"
mkdir -p "$src"
# The tree as a user's clone has it: no build products, no .git.
(cd "$ROOT" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$src"
echo "deb: building pagemove $ver (log: ${out#$ROOT/}/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	exit 1
fi
ls "$out"/*.deb | sed "s|^$out/|deb:   |"

# lintian: errors fail, warnings are shown.
changes=$(ls "$out"/*.changes)
lintian --fail-on error --tag-display-limit 0 "$changes" > "$out/lintian.log" 2>&1 || {
	cat "$out/lintian.log" >&2
	echo "deb: lintian reports errors" >&2
	exit 1
}
sed 's/^/deb:   lintian: /' "$out/lintian.log"

# The packages' files, against make install with the same layout.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
inst=$out/install
make -s -C "$ROOT" install-lib dkms-source DESTDIR="$inst" PREFIX=/usr LIBDIR="/usr/lib/$multiarch" >/dev/null
(cd "$inst" && find . ! -type d | sed 's|^\.||' | sort) > "$out/install.list"
for d in "$out"/*.deb; do
	dpkg-deb -c "$d" | awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }'
done | grep -vE '^/usr/(share/doc|share/lintian|lib/debug)/' | sed 's/\.gz$//' | sort > "$out/deb.list"
sed -i 's/\.gz$//' "$out/install.list"
if ! diff -u "$out/install.list" "$out/deb.list" > "$out/files.diff"; then
	echo "deb: the packages' files differ from make install's:" >&2
	cat "$out/files.diff" >&2
	exit 1
fi
echo "deb: $(wc -l < "$out/deb.list") files, the same as make install's"

# Installed into a scratch root (unpacked: configuring pagemove-dkms would
# run dkms), then used: the example builds from the installed headers and
# pkg-config file and links against the installed shared library.
scratch=$out/root
mkdir -p "$scratch/var/lib/dpkg/updates" "$scratch/var/lib/dpkg/info"
touch "$scratch/var/lib/dpkg/status"
dpkg --root="$scratch" --force-depends --force-not-root --unpack \
	$(ls "$out"/*.deb | grep -v dbgsym) > "$out/dpkg.log" 2>&1 || { cat "$out/dpkg.log" >&2; exit 1; }
pcdir=$scratch/usr/lib/$multiarch/pkgconfig
flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$scratch pkg-config --cflags --libs libpagemove)
cc -Werror -o "$out/move_example" "$ROOT/examples/move_example.c" $flags
readelf -d "$out/move_example" | grep -q 'NEEDED.*libpagemove.so.0' ||
	{ echo "deb: the example is not linked against libpagemove.so.0" >&2; exit 1; }
echo "deb: unpacked into a scratch root; examples/move_example.c builds with pkg-config and links libpagemove.so.0"
