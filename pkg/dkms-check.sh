#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Proves DKMS can build (and sign) pagemove.ko from the installed source
# tree against each pinned Debian kernel's headers, in a private DKMS tree:
# nothing is written to /var/lib/dkms, /lib/modules or /usr/src.
# Prints "ok dkms-build <abi>" / "not ok ..." per kernel; exit 1 on failure.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$ROOT/dkms.conf")
kver=$(sed -n 's/^#define PAGEMOVE_VERSION "\(.*\)"/\1/p' "$ROOT/kmod/main.c")
rc=0

if [ "$ver" != "$kver" ]; then
	echo "not ok dkms.conf version $ver differs from the module's $kver"
	exit 1
fi
before=$(ls -A /var/lib/dkms 2>/dev/null)

for s in $(sed -n 's/^SERIES=//p' "$ROOT/qemu/kernels.conf"); do
	[ "$(sed -n "s/^K_${s}_VER=//p" "$ROOT/qemu/kernels.conf")" = build ] && continue
	abi=$("$ROOT/qemu/kernel.sh" setup "$s") || { echo "not ok dkms-build $s (no kernel)"; rc=1; continue; }
	kdir=$(readlink -f "$ROOT/build/cache/$abi/kdir")
	tmp=$(mktemp -d)
	make -s -C "$ROOT" dkms-source DESTDIR="$tmp/root" >/dev/null
	mkdir -p "$tmp/tree"
	log=$tmp/dkms.log
	suite=$(sed -n "s/^K_${s}_SUITE=//p" "$ROOT/qemu/kernels.conf")
	if [ -x "$ROOT/build/cache/$abi/make" ]; then
		# Another suite's kernel: its own dkms and compiler, in its build root.
		where=/build
		dk=("$ROOT/qemu/buildroot.sh" run "$suite" "$abi" "$ROOT/build/cache/$abi/root/usr/src" "$tmp"
		    env sign_file="/usr/src/linux-headers-$abi/scripts/sign-file"
		    mok_signing_key=/build/mok.key mok_certificate=/build/mok.pub dkms)
		ksrc=/usr/src/linux-headers-$abi
	else
		where=$tmp
		dk=(dkms)
		ksrc=$kdir
		# Signing as on a Secure Boot machine, with a throwaway key in the private tree.
		export sign_file=$kdir/scripts/sign-file mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
	fi
	# An arm64 kernel's module is cross-built (the headers' .kernelvariables
	# name the cross compiler); dkms files it under its architecture. (Its
	# strip, the host's, cannot read the arm64 .ko and says so: harmless.)
	arch=()
	[ "$("$ROOT/qemu/kernel.sh" arch "$s")" = amd64 ] || arch=(-a aarch64)
	if "${dk[@]}" add --dkmstree "$where/tree" --sourcetree "$where/root/usr/src" -m pagemove -v "$ver" >"$log" 2>&1 &&
	   "${dk[@]}" build "${arch[@]}" --dkmstree "$where/tree" --sourcetree "$where/root/usr/src" -m pagemove -v "$ver" \
		-k "$abi" --kernelsourcedir "$ksrc" >>"$log" 2>&1; then
		ko=$(find "$tmp/tree/pagemove/$ver/$abi" -name 'pagemove.ko*' | head -n1)
		case $ko in *.xz) xz -dc "$ko" > "$tmp/pagemove.ko" ;; *) cp "$ko" "$tmp/pagemove.ko" ;; esac
		vermagic=$(modinfo -F vermagic "$tmp/pagemove.ko" | cut -d' ' -f1)
		signer=$(modinfo -F signer "$tmp/pagemove.ko")
		if [ "$vermagic" = "$abi" ] && [ -n "$signer" ] &&
		   "$ROOT/kmod/check-calls.sh" "$tmp/pagemove.ko"; then
			echo "ok dkms-build $abi (signed by \"$signer\")"
		else
			echo "not ok dkms-build $abi: vermagic '$vermagic', signer '$signer'"
			rc=1
		fi
	else
		echo "not ok dkms-build $abi:"
		sed 's/^/#   /' "$log" | tail -n 30
		rc=1
	fi
	unset sign_file mok_signing_key mok_certificate
	rm -rf "$tmp"
done

if [ "$(ls -A /var/lib/dkms 2>/dev/null)" != "$before" ]; then
	echo "not ok dkms-check left state in /var/lib/dkms"
	rc=1
fi
exit $rc
