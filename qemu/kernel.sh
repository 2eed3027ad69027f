#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Resolves a pinned kernel series (qemu/kernels.conf) to a kernel name and
# lays out, in the cache, what the build and the guests need from it:
#
#   build/cache/<abi>/vmlinuz   the kernel the guest boots
#   build/cache/<abi>/kdir      the tree modules are built against
#   build/cache/<abi>/.ready    the package versions it was made of
#
# Debian kernels come from the series' own suite (K_<series>_SUITE) through
# a private apt state (own lists, cache and source list, under
# ~/.cache/pagemove/apt/<suite>; the host's sources are never touched). The
# image, headers and kbuild packages are fetched with `apt-get download` and
# unpacked with dpkg-deb, never installed: nothing lands in the host's /boot
# or /lib/modules. The debug series is built here (qemu/debug-kernel.sh).
#
# How a pin resolves, since the archive moves under it:
#   - the image at the pinned version where the archive still has it, else
#     the newest kernel of the same series, Debian tag and flavour (a NOTE
#     names both);
#   - the headers at the image's version, and what they depend on: the
#     -common/-base packages at the version the dependency names, kbuild by
#     the image's upstream version (6.1.192-3 serves a 6.1.192-2 image), not
#     its Debian revision.
# Every resolved package and version is printed ("kernel: <series>: ...").
#
# A series of another architecture (K_<series>_ARCH=arm64) has its own apt
# state (~/.cache/pagemove/apt/<suite>-arm64, arm64 lists beside amd64
# ones): its image and headers are arm64's, its linux-kbuild amd64's (the
# tools that run here; seen from arm64, the headers' kbuild dependency
# names the arm64 one, which cannot run). The host gets no foreign dpkg
# architecture: nothing is installed.
#
#   qemu/kernel.sh abi   SERIES   print the name (pinned, or fallback)
#   qemu/kernel.sh setup SERIES   also fetch and unpack it
#   qemu/kernel.sh pkgs  SERIES   print the resolved packages, one per line
#   qemu/kernel.sh arch  SERIES   print its architecture (amd64, arm64)
#   qemu/kernel.sh apt   SUITE apt-get|apt-cache ARGS...   the private apt
#
# SERIES is one of kernels.conf's SERIES; a Debian ABI name is accepted too.
# PAGEMOVE_APT_ROOT: an apt state to use as it is (its etc/sources.list and
# state/), instead of the per-suite one; PAGEMOVE_KERNELS_CONF: another
# kernels.conf (qemu/pin-check.sh uses both).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CACHE=${PAGEMOVE_CACHE:-$ROOT/build/cache}
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KCACHE=${PAGEMOVE_KCACHE:-${XDG_CACHE_HOME:-$home/.cache}/pagemove}
# Lists older than this are refreshed before a pin is resolved.
APT_MAX_AGE_MIN=${PAGEMOVE_APT_MAX_AGE_MIN:-360}

CONF=${PAGEMOVE_KERNELS_CONF:-$HERE/kernels.conf}
conf() { sed -n "s/^$1=//p" "$CONF"; }
# The series' architecture (Debian's name): amd64 unless K_<series>_ARCH
# (a Debian ABI name says its own).
series_arch() {
	case $1 in
	*.*.*-arm64|*.*.*-arm64-16k) echo arm64 ;;
	*.*.*-amd64) echo amd64 ;;
	*) conf "K_${1}_ARCH" | grep . || echo amd64 ;;
	esac
}
die() { echo "kernel: $*" >&2; exit 1; }

# ---- the private apt state ------------------------------------------------

# The archive's URIs as the host's own sources name them (so no host is
# written here): the main archive and its security archive.
host_uris() {
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p'
	  cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *//p' | tr ' ' '\n'
	} | grep -E '^(https?|file):' | sed 's|/*$||'
}
mirror() { host_uris | grep -v -- '-security$' | grep -E '/debian$' | head -n1; }
security_mirror() {
	local s
	s=$(host_uris | grep -E -- '-security$' | head -n1)
	echo "${s:-$(mirror)-security}"
}

suite_sources() { # SUITE -> sources.list lines
	local m s k=/usr/share/keyrings/debian-archive-keyring.gpg
	m=$(mirror) s=$(security_mirror)
	[ -n "$m" ] || die "no Debian archive in the host's apt sources"
	case $1 in
	bookworm|trixie)
		echo "deb [signed-by=$k] $m $1 main"
		echo "deb [signed-by=$k] $m $1-updates main"
		echo "deb [signed-by=$k] $s $1-security main" ;;
	trixie-backports)
		echo "deb [signed-by=$k] $m trixie main"
		echo "deb [signed-by=$k] $m trixie-backports main" ;;
	sid)
		echo "deb [signed-by=$k] $m sid main" ;;
	*) die "unknown Debian suite '$1' (bookworm, trixie, trixie-backports, sid)" ;;
	esac
}

apt_root() { # SUITE [ARCH] -> directory
	local d=${PAGEMOVE_APT_ROOT:-$KCACHE/apt/$1${2:+-$2}} src
	mkdir -p "$d/etc/none" "$d/state/lists/partial" "$d/cache/archives/partial"
	[ -f "$d/state/status" ] || : > "$d/state/status"
	if [ -n "${PAGEMOVE_APT_ROOT:-}" ]; then echo "$d"; return; fi
	src=$(suite_sources "$1")
	[ "$(cat "$d/etc/sources.list" 2>/dev/null)" = "$src" ] || {
		echo "$src" > "$d/etc/sources.list"
		rm -f "$d/state/lists/"*_Packages* "$d/state/lists/"*Release* 2>/dev/null || true
	}
	echo "$d"
}

apt_opts() { # DIR
	local archs="-o APT::Architecture=amd64 -o APT::Architectures::=amd64"
	[ "$ARCH" = amd64 ] ||
		archs="-o APT::Architecture=$ARCH -o APT::Architectures::=$ARCH -o APT::Architectures::=amd64"
	echo "-o Dir::State=$1/state -o Dir::State::status=$1/state/status" \
	     "-o Dir::Cache=$1/cache -o Dir::Etc::SourceList=$1/etc/sources.list" \
	     "-o Dir::Etc::SourceParts=$1/etc/none -o Dir::Etc::Preferences=/dev/null" \
	     "-o Dir::Etc::PreferencesParts=$1/etc/none $archs" \
	     "-o Acquire::Check-Valid-Until=false" \
	     "-o Acquire::Languages=none -o APT::Get::List-Cleanup=true"
	# As root, apt's sandbox user cannot enter ~root/.cache: stay root.
	[ "$(id -u)" -ne 0 ] || echo "-o APT::Sandbox::User=root"
}

SUITE= APTD= UPDATED=0 ARCH=amd64
use_suite() { # SUITE [ARCH]
	SUITE=$1 ARCH=${2:-amd64}
	APTD=$(apt_root "$1" "$([ "$ARCH" = amd64 ] || echo "$ARCH")")
}
acache() { # shellcheck disable=SC2046
	apt-cache $(apt_opts "$APTD") "$@"; }
aget() { # shellcheck disable=SC2046
	apt-get $(apt_opts "$APTD") "$@"; }

apt_update() {
	echo "kernel: apt: updating the $SUITE$([ "$ARCH" = amd64 ] || echo " $ARCH") lists (private state in ${APTD/#$home/~})" >&2
	aget update -qq >&2 || die "apt-get update failed for the $SUITE suite"
	touch "$APTD/state/.updated"
	UPDATED=1
}
# The lists, fresh enough: absent or older than APT_MAX_AGE_MIN, updated.
apt_fresh() {
	local stamp=$APTD/state/.updated
	if [ -z "$(find "$stamp" -mmin -"$APT_MAX_AGE_MIN" 2>/dev/null)" ]; then
		apt_update
	fi
}

# ---- resolving ------------------------------------------------------------

has() { # PKG [VERSION]: is it in the lists (at that version)?
	if [ $# -gt 1 ]; then
		acache madison "$1" 2>/dev/null | awk -F' *[|] *' -v v="$2" '$2 == v {f=1} END {exit !f}'
	else
		acache madison "$1" 2>/dev/null | grep -q .
	fi
}
versions() { # PKG -> every version in the lists, newest first
	acache madison "$1" 2>/dev/null | awk -F' *[|] *' '{print $2}' | sort -Vru
}
upstream() { echo "${1%-*}"; }	# 6.1.192-2 -> 6.1.192, 7.3.4-1~bpo13+1 -> 7.3.4

# The package holding the bootable image: 6.x's linux-image-*-unsigned,
# 7.x's linux-binary-unsigned-* or linux-binary-* (linux-image-* is a
# metapackage there).
image_pkg() { # ABI [VERSION]
	local p
	for p in "linux-image-$1-unsigned" "linux-binary-unsigned-$1" "linux-binary-$1"; do
		if has "$p" ${2:+"$2"}; then echo "$p"; return 0; fi
	done
	return 1
}

# "6.12.117+deb12-rt-amd64" -> "6\.12\.[0-9]+\+deb12-rt-amd64" (6.1.0-56-amd64
# -> "6\.1\.[0-9]+-[0-9]+-amd64"): the same series, Debian tag and flavour.
abi_family_re() { # ABI
	if [[ $1 =~ ^([0-9]+)\.([0-9]+)\.[0-9]+\+(deb[0-9]+)(\.[0-9]+)?-(.+)$ ]]; then
		echo "^${BASH_REMATCH[1]}\\.${BASH_REMATCH[2]}\\.[0-9]+\\+${BASH_REMATCH[3]}(\\.[0-9]+)?-${BASH_REMATCH[5]}\$"
	elif [[ $1 =~ ^([0-9]+)\.([0-9]+)\.[0-9]+-[0-9]+-(.+)$ ]]; then
		echo "^${BASH_REMATCH[1]}\\.${BASH_REMATCH[2]}\\.[0-9]+-[0-9]+-${BASH_REMATCH[3]}\$"
	else
		return 1
	fi
}

newest_in_family() { # ABI -> the newest ABI of its family with an image and headers
	local re a
	re=$(abi_family_re "$1") || return 1
	acache pkgnames linux-headers- 2>/dev/null | sed 's/^linux-headers-//' |
		grep -E "$re" | sort -Vr | while read -r a; do
			if image_pkg "$a" >/dev/null; then echo "$a"; break; fi
		done
}

# Sets RES_ABI, RES_PKGS (pkg=version ...) and RES_NOTES for a series.
RES_ABI= RES_PKGS=() RES_NOTES=() RES_CACHED=0
resolve_debian() { # SERIES ABI VERSION
	local series=$1 abi=$2 ver=$3 img iver hdr dep dname dop dver k kv
	RES_NOTES=() RES_PKGS=()
	img=$(image_pkg "$abi" "$ver") || true
	if [ -z "$img" ]; then
		local fb
		fb=$(newest_in_family "$abi") || true
		[ -n "$fb" ] || die "$series: pinned $abi ($ver) is not in the $SUITE archive, and no kernel of its series and flavour is"
		img=$(image_pkg "$fb")
		if [ "$fb" = "$abi" ]; then
			RES_NOTES+=("NOTE $series: pinned $abi $ver is no longer in the $SUITE archive; taking $abi $(versions "$img" | head -n1)")
		else
			RES_NOTES+=("NOTE $series: pinned $abi ($ver) is no longer in the $SUITE archive; falling back to the newest kernel of the series and flavour, $fb")
		fi
		abi=$fb
		ver=
	fi
	iver=${ver:-$(versions "$img" | head -n1)}
	RES_ABI=$abi
	RES_PKGS=("$img=$iver")
	hdr=linux-headers-$abi
	has "$hdr" "$iver" || die "$series: $img is $iver, but $hdr has no such version (has: $(versions "$hdr" | tr '\n' ' '))"
	RES_PKGS+=("$hdr=$iver")
	# An arm64 guest loads one module of the image's (virtio_mem: see
	# fetch_debian); 7.x ships the modules apart from the image.
	if [ "$ARCH" = arm64 ] && [ "${img#linux-image-}" = "$img" ]; then
		has "linux-modules-$abi" "$iver" || die "$series: $img is $iver, but linux-modules-$abi has no such version"
		RES_PKGS+=("linux-modules-$abi=$iver")
	fi
	# What the headers need to build a module: linux-headers-*-common*,
	# linux-base-<abi> (7.x: the config and System.map) and linux-kbuild-*.
	while read -r dep; do
		dname=${dep%% *}
		case $dname in
		linux-headers-*|linux-base-[0-9]*|linux-kbuild-*) ;;
		*) continue ;;
		esac
		dop= dver=
		if [[ $dep =~ \(([<>=]+)\ ([^\)]+)\) ]]; then dop=${BASH_REMATCH[1]} dver=${BASH_REMATCH[2]}; fi
		case $dname in
		linux-kbuild-*)
			# The tools run here: amd64's, whatever the kernel's architecture.
			[ "$ARCH" = amd64 ] || dname=$dname:amd64
			# By upstream version: the exact one, else the newest of the same upstream.
			kv=
			if has "$dname" "$iver"; then kv=$iver; else
				for k in $(versions "$dname"); do
					if [ "$(upstream "$k")" = "$(upstream "$iver")" ]; then kv=$k; break; fi
				done
			fi
			if [ -n "$kv" ]; then
				[ "$kv" = "$iver" ] || RES_NOTES+=("NOTE $series: $dname $iver is not in the archive; taking $kv, the same upstream version")
			else
				# Else the newest the headers' dependency accepts, said so.
				for k in $(versions "$dname"); do
					if [ -z "$dop" ] || dpkg --compare-versions "$k" "${dop/>=/ge}" "$dver"; then kv=$k; break; fi
				done
				[ -n "$kv" ] || die "$series: no $dname ${dop:+$dop $dver }for $img $iver (the archive has: $(versions "$dname" | tr '\n' ' '))"
				RES_NOTES+=("NOTE $series: no $dname of upstream version $(upstream "$iver") is in the archive; taking $kv, the newest its headers accept")
			fi
			RES_PKGS+=("$dname=$kv") ;;
		*)
			if [ "$dop" = "=" ]; then
				has "$dname" "$dver" || die "$series: $hdr $iver needs $dname $dver, which the archive does not have"
				RES_PKGS+=("$dname=$dver")
			else
				kv=$(versions "$dname" | head -n1)
				[ -n "$kv" ] || die "$series: $hdr needs $dname, which the archive does not have"
				RES_PKGS+=("$dname=$kv")
			fi ;;
		esac
	done < <(acache show "$hdr=$iver" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1 |
		 tr ',' '\n' | sed 's/|.*//; s/^ *//; s/ *$//')
}

# Resolves SERIES: sets RES_ABI, RES_PKGS (empty for a built series), RES_NOTES.
resolve() { # SERIES
	local series=$1 abi ver suite
	RES_PKGS=() RES_NOTES=()
	ARCH=$(series_arch "$series")
	case $series in
	*.*.*-amd64|*.*.*-arm64|*.*.*-arm64-16k) RES_ABI=$series; return ;;
	esac
	abi=$(conf "K_${series}_ABI")
	ver=$(conf "K_${series}_VER")
	suite=$(conf "K_${series}_SUITE")
	[ -n "$abi" ] || { echo "kernel: unknown series '$series' (known: $(conf SERIES))" >&2; exit 2; }
	if [ "$ver" = build ]; then RES_ABI=$abi; return; fi
	# Already laid out by a run that resolved this same pin: keep it.
	local pin="$abi $ver ${suite:-bookworm}" seen=$CACHE/.series-$series
	if [ "$(sed -n 1p "$seen" 2>/dev/null)" = "$pin" ] &&
	   [ -f "$CACHE/$(sed -n 2p "$seen")/.ready" ]; then
		RES_ABI=$(sed -n 2p "$seen")
		mapfile -t RES_PKGS < "$CACHE/$RES_ABI/.ready"
		RES_CACHED=1
		return
	fi
	use_suite "${suite:-bookworm}" "$(series_arch "$series")"
	apt_fresh
	# A pin the lists lack may be newer than them: refresh once before falling back.
	image_pkg "$abi" "$ver" >/dev/null || [ "$UPDATED" = 1 ] || apt_update
	resolve_debian "$series" "$abi" "$ver"
}

report() { # SERIES
	local n
	for n in "${RES_NOTES[@]}"; do echo "kernel: $n" >&2; done
	# (Said when resolved; a series laid out by an earlier resolution is quiet.)
	[ ${#RES_PKGS[@]} -eq 0 ] || [ "$RES_CACHED" = 1 ] ||
		echo "kernel: $1: $RES_ABI from ${RES_PKGS[*]}" >&2
}

# ---- laying out -----------------------------------------------------------

# The downloaded .deb of PKG[:ARCH]=VERSION (its architecture's, or all):
# apt names it package_version_arch.deb, the version's colon as %3a.
deb_of() { # PKG=VERSION -> path; 1 if not downloaded
	local p=${1%%=*} v=${1#*=} a f
	a=${p#*:}
	[ "$a" != "$p" ] || a=$ARCH
	p=${p%%:*}
	for f in "$KCACHE/debs/${p}_${v//:/%3a}_$a.deb" "$KCACHE/debs/${p}_${v//:/%3a}_all.deb"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

fetch_debian() { # ABI SERIES (RES_PKGS set)
	local abi=$1 series=$2 debs=$KCACHE/debs p d f vmlinuz tmp
	mkdir -p "$debs"
	# Downloads are kept outside the clone, by file name (package, version).
	local want=()
	for p in "${RES_PKGS[@]}"; do
		deb_of "$p" >/dev/null || want+=("$p")
	done
	if [ ${#want[@]} -gt 0 ]; then
		echo "kernel: fetching ${want[*]} (unpacked into ${CACHE#$ROOT/}/$abi, not installed)" >&2
		(cd "$debs" && aget download -q "${want[@]}" >&2) || die "$series: apt-get download failed"
	fi
	tmp=$CACHE/$abi.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/root"
	for p in "${RES_PKGS[@]}"; do
		dpkg-deb -x "$(deb_of "$p")" "$tmp/root"
	done
	vmlinuz=
	for f in "$tmp/root/boot/vmlinuz-$abi" "$tmp/root/usr/lib/modules/$abi/vmlinuz" \
		 "$tmp/root/usr/lib/modules/$abi/vmlinuz.unsigned"; do
		[ -f "$f" ] && { vmlinuz=$f; break; }
	done
	[ -n "$vmlinuz" ] || die "$series: no vmlinuz for $abi in ${RES_PKGS[0]}"
	cp "$vmlinuz" "$tmp/vmlinuz"
	# The guest needs one module of the image's, on arm64: virtio_mem, the
	# memory node2 hot-plugs (qemu/run.sh), uncompressed for busybox's insmod.
	if [ "$ARCH" = arm64 ]; then
		f=$(find "$tmp/root/usr/lib/modules/$abi" "$tmp/root/lib/modules/$abi" -name 'virtio_mem.ko*' 2>/dev/null | head -n1 || true)
		[ -n "$f" ] || die "$series: the image has no virtio_mem module"
		mkdir -p "$tmp/guest"
		case $f in
		*.xz) xz -dc "$f" > "$tmp/guest/virtio_mem.ko" ;;
		*.zst) zstd -qdc "$f" > "$tmp/guest/virtio_mem.ko" ;;
		*) cp "$f" "$tmp/guest/virtio_mem.ko" ;;
		esac
	fi
	# No other module of the image's; the build needs the headers.
	rm -rf "$tmp/root/boot" "$tmp/root/lib/modules" "$tmp/root/usr/lib/modules/$abi/kernel" \
		"$tmp/root/usr/lib/modules/$abi/vmlinuz"*
	[ -f "$tmp/root/usr/src/linux-headers-$abi/Makefile" ] || die "$series: no headers tree for $abi"
	if [ "$SUITE" = bookworm ]; then
		# Built on the host: the flavour's Makefile includes the common
		# tree by its installed path, which is the cache's here.
		sed -i "s|^include /usr/src/|include $CACHE/$abi/root/usr/src/|" \
			"$tmp/root/usr/src/linux-headers-$abi/Makefile"
	else
		# Built in a root of its own suite (qemu/buildroot.sh), where
		# the headers are at /usr/src: make runs there.
		printf '#!/bin/sh\n# make M=$1 ... for %s, in a %s root (qemu/buildroot.sh)\nm=$1; shift\nexec %q make %q %q %q "$m" "$@"\n' \
			"$abi" "$SUITE" "$HERE/buildroot.sh" "$SUITE" "$abi" "$CACHE/$abi/root/usr/src" \
			> "$tmp/make"
		chmod +x "$tmp/make"
	fi
	ln -sfn "root/usr/src/linux-headers-$abi" "$tmp/kdir"
	printf '%s\n' "${RES_PKGS[@]}" > "$tmp/.ready"
	# Debs no series has used for 30 days go.
	find "$debs" -name "*.deb" -atime +30 -delete 2>/dev/null || true
	rm -rf "${CACHE:?}/$abi"
	mv "$tmp" "$CACHE/$abi"
	# The root it builds in, made now: a failure is this series' setup failing.
	if [ "$SUITE" != bookworm ]; then
		"$HERE/buildroot.sh" dir "$SUITE" "$abi" "$CACHE/$abi/root/usr/src" >/dev/null ||
			{ rm -rf "${CACHE:?}/$abi"; die "$series: no build root of $SUITE"; }
	fi
}

setup() { # SERIES -> ABI (stdout)
	local series=$1 abi ver tree
	resolve "$series"
	abi=$RES_ABI
	ver=$(conf "K_${series}_VER")
	report "$series"
	mkdir -p "$CACHE"
	if [ "$ver" = build ]; then
		# Cached outside the clone, keyed by its config: ask every time.
		tree=$("$HERE/debug-kernel.sh" dir "$series")
		mkdir -p "$CACHE/$abi"
		ln -sfn "$tree" "$CACHE/$abi/kdir"
		ln -sfn "$tree/arch/x86/boot/bzImage" "$CACHE/$abi/vmlinuz"
		# Built in a root of another suite: its modules are built there too
		# (the tree's host tools were linked against that suite's libc).
		local broot
		broot=$("$HERE/debug-kernel.sh" root "$series")
		if [ -n "$broot" ]; then
			printf '#!/bin/sh\n# make M=$1 ... for %s, in the root it was built in (qemu/buildroot.sh)\nm=$1; shift\nexec %q in %q %q "$m" make -C %q M=/build "$@"\n' \
				"$series" "$HERE/buildroot.sh" "$broot" "$(dirname "$tree")" "/usr/src/$(basename "$tree")" \
				> "$CACHE/$abi/make"
			chmod +x "$CACHE/$abi/make"
		else
			rm -f "$CACHE/$abi/make"
		fi
	elif [ ${#RES_PKGS[@]} -gt 0 ] &&
	     [ "$(cat "$CACHE/$abi/.ready" 2>/dev/null)" != "$(printf '%s\n' "${RES_PKGS[@]}")" ]; then
		fetch_debian "$abi" "$series"
	fi
	case $series in
	*.*.*-amd64|*.*.*-arm64|*.*.*-arm64-16k) ;;
	*) printf '%s %s %s\n%s\n' "$(conf "K_${series}_ABI")" "$ver" \
		"$(conf "K_${series}_SUITE" | grep . || echo bookworm)" "$abi" > "$CACHE/.series-$series" ;;
	esac
	echo "$abi"
}

case ${1:-} in
abi)   resolve "${2:?series}"; report "$2"; echo "$RES_ABI" ;;
pkgs)  resolve "${2:?series}"; report "$2"; printf '%s\n' "${RES_PKGS[@]}" ;;
arch)  series_arch "${2:?series}" ;;
setup) setup "${2:?series}" ;;
apt)   use_suite "${2:?suite}" "${PAGEMOVE_APT_ARCH:-amd64}"; shift 2
       apt_fresh
       case ${1:-} in
       apt-get) shift; aget "$@" ;;
       apt-cache) shift; acache "$@" ;;
       *) echo "usage: $0 apt SUITE apt-get|apt-cache ARGS..." >&2; exit 2 ;;
       esac ;;
*)     echo "usage: $0 abi|setup|pkgs SERIES | apt SUITE apt-get|apt-cache ARGS..." >&2; exit 2 ;;
esac
