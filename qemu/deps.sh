#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the host packages the build and the guests need (Debian 12),
# the arm64 series' cross compiler and emulator among them.
set -euo pipefail

PKGS=(build-essential dpkg-dev make gcc cpio xz-utils kmod busybox-static
      qemu-system-x86 linux-source-6.12 libnuma-dev numactl liburing-dev
      flex bison bc libelf-dev libssl-dev dwarves
      dkms debhelper dh-dkms lintian mandoc man-db fakeroot pkg-config openssl mmdebstrap
      stress-ng
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-system-arm)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >&2
