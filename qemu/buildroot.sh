#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A module must be built by the compiler its kernel was built with (the
# kernel's CONFIG_CC_VERSION_TEXT). trixie's and sid's kernels are built
# with gcc-14 and gcc-16, and their kbuild tools need a newer glibc than
# Debian 12 has: they cannot run on this host. So their modules are built
# inside a minimal root of the kernel's own suite, made with mmdebstrap
# (--variant=essential plus make, that compiler and the kernel's kbuild
# package), entered with unshare + chroot; the kernel's headers (laid out
# by qemu/kernel.sh) and the module's build directory are bind-mounted
# into it for the build only. Nothing is installed on the host; its apt
# sources are untouched.
#
# The roots are cached outside the clone (~/.cache/pagemove/roots, or
# PAGEMOVE_KCACHE), keyed by the suite and the versions of the packages
# they include, so every checkout and CI run on the machine shares them.
#
#   qemu/buildroot.sh dir   SUITE ABI HEADERS   the root for ABI (made if needed)
#   qemu/buildroot.sh make  SUITE ABI HEADERS MODDIR [MAKE ARGS...]
#                                   make -C <headers> M=MODDIR inside it
#   qemu/buildroot.sh run   SUITE ABI HEADERS DIR CMD...   CMD inside it, with
#                                   the headers at /usr/src, the clone at /src
#                                   and DIR (if not empty) at /build
#   qemu/buildroot.sh kernel-root SUITE   a root to build SUITE's kernels in
#   qemu/buildroot.sh in ROOTDIR HEADERS DIR CMD...   CMD inside that root
# HEADERS is the directory holding linux-headers-<abi> and its -common tree
# (build/cache/<abi>/root/usr/src).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KCACHE=${PAGEMOVE_KCACHE:-${XDG_CACHE_HOME:-$home/.cache}/pagemove}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

die() { echo "buildroot: $*" >&2; exit 1; }

# The compiler the kernel was built with: gcc-14 for "gcc-14 (Debian 14.2.0-19) 14.2.0"
# or "x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0"; an arm64 kernel's
# "aarch64-linux-gnu-gcc-14 ..." is the cross compiler gcc-14-aarch64-linux-gnu
# (the root is amd64's, as the host and the kbuild tools are).
compiler() { # HEADERS ABI
	local cfg=$1/linux-headers-$2/.config t v
	[ -f "$cfg" ] || die "no .config in $1/linux-headers-$2"
	t=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$cfg")
	v=${t##*-linux-gnu-}
	case $v in
	gcc-[0-9]*) ;;
	*) die "$2 was built by '$t', not a gcc-N this script knows" ;;
	esac
	case $t in
	aarch64-linux-gnu-*) echo "$v-aarch64-linux-gnu" ;;
	*) echo "$v" ;;
	esac
}

# The packages the root is made of: make, the compiler, the kernel's kbuild
# (with the libraries its tools need), and what DKMS needs to build there.
# (An arm64 kernel's headers are in the arm64 lists; the kbuild package of
# the same name, amd64's, in the root's own.)
includes() { # SUITE ABI HEADERS
	local kb arch=
	case $2 in *-arm64|*-arm64-16k) arch=arm64 ;; esac
	kb=$(PAGEMOVE_APT_ARCH=${arch:-amd64} "$HERE/kernel.sh" apt "$1" apt-cache show "linux-headers-$2" 2>/dev/null |
	     sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p' | head -n1)
	[ -n "$kb" ] || die "no linux-kbuild dependency for linux-headers-$2 in $1"
	echo make "$(compiler "$3" "$2")" libc6-dev "$kb" kmod xz-utils dkms openssl
}

versions() { # SUITE PKG... -> pkg=version lines
	local s=$1 p v
	shift
	for p in "$@"; do
		v=$("$HERE/kernel.sh" apt "$s" apt-cache show --no-all-versions "$p" 2>/dev/null |
		    sed -n 's/^Version: //p' | head -n1)
		[ -n "$v" ] || die "$p is not in the $s archive"
		echo "$p=$v"
	done
}

sources() { # SUITE -> the suite's sources, as kernel.sh's private state has them
	local d=$KCACHE/apt/$1
	[ -f "$d/etc/sources.list" ] || "$HERE/kernel.sh" apt "$1" apt-cache policy >/dev/null
	cat "$d/etc/sources.list"
}

# What a kernel build needs (qemu/debug-kernel.sh builds 7.x debug kernels
# in such a root): the suite's default gcc (gcc-14 in trixie, the compiler
# its own kernels are built with), and the tools the kernel's Makefiles run.
kernel_includes() { # SUITE
	local cc
	cc=$("$HERE/kernel.sh" apt "$1" apt-cache depends gcc 2>/dev/null |
	     sed -n 's/^ *Depends: \(gcc-[0-9][0-9]*\)$/\1/p' | head -n1)
	[ -n "$cc" ] || die "no gcc-N behind $1's gcc"
	echo make gcc "$cc" libc6-dev bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
}

dir() { # SUITE ABI HEADERS
	local pkgs
	read -r -a pkgs <<<"$(includes "$1" "$2" "$3")"
	# One root per suite and compiler: x86's and arm64's (a cross
	# compiler) are both wanted, and making one must not drop the other.
	mkroot "$1" "modules $(compiler "$3" "$2")" "for $2" "${pkgs[@]}"
}

mkroot() { # SUITE KIND WHAT PKG... -> the root of SUITE made of PKG... (made if needed)
	local suite=$1 kind=$2 what=$3 pkgs vers key root tmp src
	shift 3
	pkgs=("$@")
	command -v mmdebstrap >/dev/null || {
		echo "buildroot: installing mmdebstrap (the only host package the roots need)" >&2
		$SUDO apt-get install -y -qq --no-install-recommends mmdebstrap >&2
	}
	vers=$(versions "$suite" "${pkgs[@]}")
	key=$({ echo "$suite essential"; echo "$vers"; } | sha256sum | cut -c1-12)
	root=$KCACHE/roots/$suite-$key
	if [ ! -f "$root/.ready" ]; then
		mkdir -p "$KCACHE/roots"
		exec 9>"$KCACHE/roots/.lock"
		flock 9
		if [ ! -f "$root/.ready" ]; then
			tmp=$root.tmp.$$
			rm -rf "$tmp"
			echo "buildroot: making a $suite root $what with $(echo $vers) (mmdebstrap, 1-2 min)" >&2
			src=$(sources "$suite")
			# The host's apt sources are not read: the suite's own, given here.
			if ! SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --variant=essential \
				--aptopt='Acquire::Check-Valid-Until "false"' \
				--aptopt='APT::Install-Recommends "false"' \
				--include="$(echo "${pkgs[*]}" | tr ' ' ',')" \
				"${suite%-backports}" "$tmp" - <<<"$src" >"$tmp.log" 2>&1; then
				tail -n 20 "$tmp.log" >&2
				rm -rf "$tmp" "$tmp.log"
				die "mmdebstrap failed for $suite"
			fi
			rm -f "$tmp.log"
			mkdir -p "$tmp/src" "$tmp/build" "$tmp/usr/src"
			# (By name: apt chose the versions the key names, from the same lists.)
			chroot "$tmp" dpkg-query -W -f='${Package}=${Version}\n' "${pkgs[@]}" > "$tmp/.ready"
			echo "$kind" > "$tmp/.kind"
			# Roots of the same suite and kind no longer wanted (other
			# versions, other packages); not this one, made in $tmp, nor
			# another suite's ("trixie-*" also names trixie-backports').
			local r d
			for r in "$KCACHE/roots/$suite"-*/.kind; do
				d=$(dirname "$r")
				[[ -f $r && ${d##*/} =~ ^$suite-[0-9a-f]{12}$ && $d != "$root" ]] || continue
				[ "$(cat "$r")" = "$kind" ] && rm -rf "$d"
			done
			mv "$tmp" "$root" || die "cannot keep the $suite root made in $tmp"
		fi
		flock -u 9
	fi
	echo "$root"
}

# CMD inside the root: headers at /usr/src, the clone at /src, MODDIR (if
# given) at /build, /proc for objtool. A private mount namespace: nothing
# is mounted on the host, and the mounts go with the command.
inside() { # ROOTDIR HEADERS MODDIR CMD...
	local r=$1 h=$2 m=$3
	shift 3
	$SUDO unshare --mount --pid --fork --propagation private sh -c '
		r=$1 h=$2 m=$3 src=$4; shift 4
		mount --bind "$h" "$r/usr/src" &&
		mount --bind -o ro "$src" "$r/src" &&
		{ [ -z "$m" ] || mount --bind "$m" "$r/build"; } &&
		mount -t proc proc "$r/proc" &&
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
	' sh "$r" "$h" "$m" "$ROOT" "$@"
}

case ${1:-} in
dir)  dir "${2:?suite}" "${3:?abi}" "${4:?headers}" ;;
kernel-root)
      read -r -a p <<<"$(kernel_includes "${2:?suite}")"
      mkroot "$2" kernels "to build kernels" "${p[@]}" ;;
in)   r=${2:?rootdir} h=${3:?headers}; m=${4?dir}
      [ -f "$r/.ready" ] || die "$r is not a build root"
      shift 4
      inside "$r" "$h" "$m" "$@" ;;
make) r=$(dir "${2:?suite}" "${3:?abi}" "${4:?headers}")
      abi=$3 h=$4 m=${5:?moddir}
      shift 5
      inside "$r" "$h" "$m" make -C "/usr/src/linux-headers-$abi" M=/build "$@" ;;
run)  r=$(dir "${2:?suite}" "${3:?abi}" "${4:?headers}")
      h=$4 m=${5?dir}
      shift 5
      inside "$r" "$h" "$m" "$@" ;;
*)    echo "usage: $0 dir|make|run SUITE ABI HEADERS ... | kernel-root SUITE | in ROOTDIR HEADERS DIR CMD..." >&2; exit 2 ;;
esac
