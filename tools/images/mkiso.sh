#!/bin/sh
# Builds a bootable GRUB (BIOS) ISO holding the AdrOS kernel, for a real PC
# (burn or dd it to a USB stick) or `qemu-system-i386 -cdrom adros.iso`.
#
#   tools/images/mkiso.sh <kernel.elf> <out.iso> [grub.cfg]
#
# Needs grub-mkrescue (grub-common) with the PC modules (grub-pc-bin),
# xorriso and mtools: tools/deps.sh installs them.
set -eu
kernel=${1:?usage: mkiso.sh <kernel.elf> <out.iso> [grub.cfg]}
iso=${2:?usage: mkiso.sh <kernel.elf> <out.iso> [grub.cfg]}
cfg=${3:-$(dirname "$0")/grub.cfg}
for t in grub-mkrescue xorriso mformat; do
    command -v $t >/dev/null 2>&1 || { echo "mkiso: $t not found (run tools/deps.sh)" >&2; exit 1; }
done
[ -d /usr/lib/grub/i386-pc ] || { echo "mkiso: GRUB PC modules missing (Debian package grub-pc-bin)" >&2; exit 1; }
grub-file --is-x86-multiboot "$kernel" || { echo "mkiso: $kernel is not a multiboot kernel" >&2; exit 1; }

stage="$iso.d"
rm -rf "$stage"
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/adros.elf"
cp "$cfg" "$stage/boot/grub/grub.cfg"
log="$iso.log"
if ! grub-mkrescue -o "$iso.tmp" "$stage" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$iso.tmp"
    exit 1
fi
mv "$iso.tmp" "$iso"
rm -rf "$stage"
echo "  ISO     $iso ($(du -k "$iso" | cut -f1) KiB; GRUB, serial and screen)"
