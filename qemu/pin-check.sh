#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of qemu/kernel.sh's pin resolution, offline: a local
# archive (real .debs made with dpkg-deb, indexed by dpkg-scanpackages)
# read through a private apt state whose lists lack what the pins name,
# the way the archive moves under them:
#   1. the pinned image is gone: the newest kernel of the same series,
#      Debian tag and flavour is taken (not another flavour, not 6.12 for
#      6.1), with a NOTE naming both, and laid out;
#   2. kbuild moved to a new Debian revision: taken by upstream version;
#   3. the pinned ABI is rebuilt at a new revision: that revision;
#   4. nothing of the series is left: kernel.sh fails saying so, and
#      make check's summary has a FAIL line for that series alone;
#   5. an arm64 series takes arm64's image and headers but amd64's kbuild
#      (its tools run here), though the archive has arm64's too.
# Prints "ok N ..." / "not ok N ..."; exit 1 on a failure.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 rc=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); echo "not ok $n $*"; rc=1; }
check() { # DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}

mkdeb() { # PACKAGE VERSION [DEPENDS] [FILE...]: a real, tiny .deb (of $A, default amd64)
	local p=$1 v=$2 dep=${3:-} a=${A:-amd64} d f
	d=$T/src/$1_$2_$a
	shift 3 || shift $#
	mkdir -p "$d/DEBIAN"
	{ echo "Package: $p"; echo "Version: $v"; echo "Architecture: $a"
	  echo "Maintainer: pagemove <pagemove@localhost>"; echo "Description: test package"
	  [ -z "$dep" ] || echo "Depends: $dep"; } > "$d/DEBIAN/control"
	for f in "$@"; do mkdir -p "$d/$(dirname "$f")"; echo "$p $v $a" > "$d/$f"; done
	dpkg-deb -Zgzip --build "$d" "$T/repo/${p}_${v}_$a.deb" >/dev/null
}
kernel() { # ABI VERSION KBUILD [KBUILD_VERSION_DEP]: image + headers + common
	local abi=$1 v=$2 kb=$3
	mkdeb "linux-image-$abi-unsigned" "$v" "kmod" "boot/vmlinuz-$abi"
	mkdeb "linux-headers-${abi%-*}-common" "$v" "" "usr/src/linux-headers-${abi%-*}-common/Makefile"
	mkdeb "linux-headers-$abi" "$v" \
		"linux-headers-${abi%-*}-common (= $v), $kb (>= $v), linux-compiler-gcc-12-x86" \
		"usr/src/linux-headers-$abi/Makefile"
}
index() {
	(cd "$T/repo" && dpkg-scanpackages -m . /dev/null 2>/dev/null > Packages)
	rm -rf "$T/apt"
	mkdir -p "$T/apt/etc"
	echo "deb [trusted=yes] file:$T/repo ./" > "$T/apt/etc/sources.list"
}
conf() { # SERIES ABI VERSION [ARCH]
	cat > "$T/kernels.conf" <<-EOF
	SERIES=$1
	K_$1_SUITE=bookworm
	K_$1_ABI=$2
	K_$1_VER=$3
	K_$1_ARCH=${4:-amd64}
	EOF
}
ks() { # ARGS...: kernel.sh on the test's archive and cache
	PAGEMOVE_APT_ROOT=$T/apt PAGEMOVE_KERNELS_CONF=$T/kernels.conf \
	PAGEMOVE_CACHE=$T/cache PAGEMOVE_KCACHE=$T/kcache "$HERE/kernel.sh" "$@"
}

mkdir -p "$T/repo"
# The archive after the move: 6.1.0-56 (pinned, 6.1.192-2) is gone; -57 is
# newer, -55 older; an -rt and a 6.12 kernel are newer still; kbuild is at
# -3 and at an older upstream.
kernel 6.1.0-55-amd64 6.1.190-1 linux-kbuild-6.1
kernel 6.1.0-57-amd64 6.1.193-1 linux-kbuild-6.1
kernel 6.1.0-58-rt-amd64 6.1.194-1 linux-kbuild-6.1
kernel 6.12.200+deb12-amd64 6.12.200-1~deb12u1 linux-kbuild-6.12.200+deb12
mkdeb linux-kbuild-6.1 6.1.193-3 "" usr/lib/linux-kbuild-6.1/scripts/mod/modpost
mkdeb linux-kbuild-6.1 6.1.176-1 "" usr/lib/linux-kbuild-6.1/scripts/mod/modpost
mkdeb linux-kbuild-6.12.200+deb12 6.12.200-1~deb12u1 "" usr/lib/linux-kbuild-6.12.200+deb12/scripts/mod/modpost
index

conf 6.1 6.1.0-56-amd64 6.1.192-2
out=$(ks setup 6.1 2>"$T/err"); err=$(cat "$T/err")
check "a withdrawn pin falls back to the newest kernel of its series and flavour (got '$out')" \
	[ "$out" = 6.1.0-57-amd64 ]
check "the fallback is said, naming the pin and what replaced it" \
	grep -q "NOTE 6.1: pinned 6.1.0-56-amd64 (6.1.192-2) is no longer in the .* archive; falling back .*6.1.0-57-amd64" <<<"$err"
check "kbuild is taken by upstream version, not Debian revision (6.1.193-3 for a 6.1.193-1 image)" \
	grep -q "linux-kbuild-6.1=6.1.193-3" <<<"$err"
check "the resolved package versions are in the log" \
	grep -q "kernel: 6.1: 6.1.0-57-amd64 from linux-image-6.1.0-57-amd64-unsigned=6.1.193-1 linux-headers-6.1.0-57-amd64=6.1.193-1 linux-headers-6.1.0-57-common=6.1.193-1 linux-kbuild-6.1=6.1.193-3" <<<"$err"
check "the fallback is laid out: its vmlinuz and headers tree" \
	grep -qx "linux-image-6.1.0-57-amd64-unsigned 6.1.193-1 amd64" "$T/cache/6.1.0-57-amd64/vmlinuz"
check "the headers' Makefile includes the common tree from the cache" \
	test -f "$T/cache/6.1.0-57-amd64/kdir/Makefile"
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/err"

# The pin present; kbuild at a newer upstream only, then at a new revision.
kernel 6.1.0-56-amd64 6.1.192-2 linux-kbuild-6.1
index
rm -rf "$T/cache"
out=$(ks abi 6.1 2>"$T/err")
check "a pin the archive still has is kept (got '$out')" [ "$out" = 6.1.0-56-amd64 ]
check "with no kbuild of its upstream version, the newest its headers accept, said so" \
	grep -q "NOTE 6.1: no linux-kbuild-6.1 of upstream version 6.1.192 is in the archive; taking 6.1.193-3" "$T/err"
mkdeb linux-kbuild-6.1 6.1.192-3 "" usr/lib/linux-kbuild-6.1/scripts/mod/modpost
index
out=$(ks pkgs 6.1 2>"$T/err")
check "kbuild 6.1.192-3 serves the 6.1.192-2 image" grep -qx "linux-kbuild-6.1=6.1.192-3" <<<"$out"

# The pinned ABI rebuilt at a new revision.
conf 6.12 6.12.200+deb12-amd64 6.12.200-1~deb12u0
out=$(ks pkgs 6.12 2>"$T/err")
check "a pinned ABI at a withdrawn revision takes the revision the archive has" \
	grep -qx "linux-image-6.12.200+deb12-amd64-unsigned=6.12.200-1~deb12u1" <<<"$out"
check "and says so" grep -q "NOTE 6.12: pinned 6.12.200+deb12-amd64 6.12.200-1~deb12u0 is no longer" "$T/err"

# An arm64 series: arm64's image and headers, amd64's kbuild, though the
# archive has an arm64 kbuild of the same version.
A=arm64 kernel 6.12.200+deb12-arm64 6.12.200-1~deb12u1 linux-kbuild-6.12.200+deb12
# (Its image holds the one module an arm64 guest loads.)
A=arm64 mkdeb linux-image-6.12.200+deb12-arm64-unsigned 6.12.200-1~deb12u1 kmod \
	boot/vmlinuz-6.12.200+deb12-arm64 lib/modules/6.12.200+deb12-arm64/kernel/drivers/virtio/virtio_mem.ko
A=arm64 mkdeb linux-kbuild-6.12.200+deb12 6.12.200-1~deb12u1 "" usr/lib/linux-kbuild-6.12.200+deb12/scripts/mod/modpost
index
conf 6.12-arm64 6.12.200+deb12-arm64 6.12.200-1~deb12u1 arm64
out=$(ks pkgs 6.12-arm64 2>"$T/err")
check "an arm64 series takes arm64's image" \
	grep -qx "linux-image-6.12.200+deb12-arm64-unsigned=6.12.200-1~deb12u1" <<<"$out"
check "and amd64's kbuild, by name and architecture" \
	grep -qx "linux-kbuild-6.12.200+deb12:amd64=6.12.200-1~deb12u1" <<<"$out"
out=$(ks setup 6.12-arm64 2>"$T/err")
check "it is laid out (got '$out'): arm64's image and virtio_mem, amd64's kbuild tools" \
	sh -c 'grep -qx "linux-image-6.12.200+deb12-arm64-unsigned 6.12.200-1~deb12u1 arm64" "$1/vmlinuz" &&
	       grep -qx "linux-kbuild-6.12.200+deb12 6.12.200-1~deb12u1 amd64" \
		"$1/root/usr/lib/linux-kbuild-6.12.200+deb12/scripts/mod/modpost" &&
	       test -f "$1/guest/virtio_mem.ko"' sh "$T/cache/$out"
check "and kernel.sh knows its architecture" [ "$(ks arch 6.12-arm64)" = arm64 ]

# Nothing of the series left.
conf 6.6 6.6.0-9-amd64 6.6.9-1
if ks setup 6.6 >/dev/null 2>"$T/err"; then
	nok "a series with nothing left in the archive fails"
else
	check "a series with nothing left in the archive fails, saying why" \
		grep -q "pinned 6.6.0-9-amd64 (6.6.9-1) is not in the .* archive, and no kernel of its series and flavour is" "$T/err"
fi
# make check's summary: a FAIL line for that series, with the reason.
out=$(PAGEMOVE_APT_ROOT=$T/apt PAGEMOVE_KERNELS_CONF=$T/kernels.conf \
      PAGEMOVE_CACHE=$T/cache PAGEMOVE_KCACHE=$T/kcache "$HERE/check.sh" 6.6 2>/dev/null)
check "make check's summary gives the series its own FAIL line, saying why" \
	grep -q "^  6.6: FAIL  cannot be set up: 6.6: pinned 6.6.0-9-amd64 (6.6.9-1) is not in" <<<"$out"
check "and counts it failed" grep -qx "0 passed, 1 failed, 0 skipped" <<<"$out"
exit $rc
