#!/bin/sh
# Builds the demo disk that `make run` boots with: an ext2 file system (no
# partition table; the whole disk is hda) made from a directory tree.
#
#   tools/images/mkdemo.sh <tree> <image> [size, default 4M]
#
# The image is the same whoever builds it and however the tree was obtained
# (a clone under umask 002 or 022, a release tarball): the tree is copied
# and given fixed modes (directories 0755, files 0644, or 0755 when any
# execute bit is set), owner root and one modification time
# (SOURCE_DATE_EPOCH, default 2026-01-01).
#
# Needs mke2fs and debugfs from e2fsprogs (tools/deps.sh installs it).
set -eu
tree=${1:?usage: mkdemo.sh <tree> <image> [size]}
img=${2:?usage: mkdemo.sh <tree> <image> [size]}
size=${3:-4M}
[ -d "$tree" ] || { echo "mkdemo: $tree is not a directory" >&2; exit 1; }
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
epoch=${SOURCE_DATE_EPOCH:-1767225600}
tmp="$img.tmp.$$"
stage="$img.tree.$$"
trap 'rm -rf "$tmp" "$stage"' EXIT
umask 022
mkdir -p "$stage"
cp -R "$tree"/. "$stage"/
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /111 -exec chmod 0644 {} +
find "$stage" -exec touch -h -d "@$epoch" {} +
: > "$tmp"
"$MKE2FS" -q -F -t ext2 -b 1024 -L adros-demo -E root_owner=0:0 -d "$stage" "$tmp" "$size"
# mke2fs copies each file's owner: someone other than root gets root here too.
if [ "$(id -u)" != 0 ]; then
    (cd "$stage" && find . -mindepth 1) | sed 's|^\.||' |
        while read -r p; do printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "$p" "$p"; done > "$stage.cmds"
    "$DEBUGFS" -w -f "$stage.cmds" "$tmp" > /dev/null 2>&1
    rm -f "$stage.cmds"
fi
mv "$tmp" "$img"
rm -rf "$stage"
trap - EXIT
echo "  DEMO    $img (ext2 from $tree/)"
