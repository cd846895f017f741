#!/bin/sh
# Builds the demo disk that `make run` boots with: an ext2 file system (no
# partition table; the whole disk is hda) made from a directory tree.
#
#   tools/images/mkdemo.sh <tree> <image> [size, default 4M]
#
# Needs mke2fs from e2fsprogs (tools/deps.sh installs it).
set -eu
tree=${1:?usage: mkdemo.sh <tree> <image> [size]}
img=${2:?usage: mkdemo.sh <tree> <image> [size]}
size=${3:-4M}
[ -d "$tree" ] || { echo "mkdemo: $tree is not a directory" >&2; exit 1; }
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
tmp="$img.tmp.$$"
trap 'rm -f "$tmp"' EXIT
: > "$tmp"
"$MKE2FS" -q -F -t ext2 -b 1024 -L adros-demo -E root_owner=0:0 -d "$tree" "$tmp" "$size"
mv "$tmp" "$img"
trap - EXIT
echo "  DEMO    $img (ext2 from $tree/)"
