#!/bin/sh
# Installs the Debian packages AdrOS needs to build, run and test, when any
# is missing.  Fast (a few checks) when everything is there.  As root it runs
# apt-get; otherwise it prints the exact command to run.
set -e

# cpio: the initramfs of make bench's Linux reference boot (tools/bench/linuxref.py;
# the Linux packages themselves are never installed).
# dosfstools, mtools, genisoimage, makefs (NetBSD's): the FAT, ISO 9660 and
# FFS images of tools/test/fsdetect.py (mkfs.fat, mcopy, fsck.fat).
PKGS="gcc make git gcc-multilib binutils python3 qemu-system-x86 e2fsprogs libcmocka-dev \
clang libclang-rt-14-dev grub-pc-bin grub-common xorriso mtools gdb cppcheck clang-format \
cpio dosfstools genisoimage makefs"

missing=""
have() { command -v "$1" >/dev/null 2>&1; }
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for p in $PKGS; do
    pkg_ok "$p" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# One failing index (a mirror mid-sync) makes apt-get update fail although
# the rest is usable: the install below says whether it was enough.
apt-get update -qq || echo "deps: apt-get update reported errors; installing anyway" >&2
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: installed$missing"
