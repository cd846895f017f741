#!/bin/bash
# Prints the manifest of a directory tree, in the format AdrOS's
# manifest=<blockdev> option and the shell's `manifest` command print:
#
#   MANIFEST-BEGIN
#   d - - /dir                      directory
#   f <size> <sha256> /dir/file     regular file: size and digest of the contents
#   l <size> <sha256> /link         symlink: length and digest of the target string
#   o - - /other                    anything else (devices, fifos, sockets)
#   MANIFEST-END <count>
#
# One line per object below <dir> (not <dir> itself), sorted by path
# bytewise (LC_ALL=C); paths start with "/".  Symlinks are never followed.
#
# usage: tools/images/manifest.sh <dir>
set -euo pipefail
export LC_ALL=C
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 <dir>" >&2
    exit 2
fi
cd "$1"
# Sizes and digests of all regular files in two batch commands (a fork per
# file would make big trees slow); sha256sum -z neither escapes names nor
# ends lines with newlines.
declare -A size hash
while IFS= read -r -d '' rec; do
    size["${rec#* }"]=${rec%% *}
done < <(find . -mindepth 1 -type f -printf '%s %p\0')
while IFS= read -r -d '' rec; do
    hash["${rec:66}"]=${rec:0:64}
done < <(find . -mindepth 1 -type f -print0 | xargs -0 -r sha256sum -z --)
count=0
echo MANIFEST-BEGIN
while IFS= read -r -d '' p; do
    rel=${p#.}
    if [ -L "$p" ]; then
        # Byte length and digest of the target string exactly as stored
        # (the "x" keeps trailing newlines from being stripped).
        t=$(readlink -- "$p"; echo x)
        t=${t%?x}
        h=$(printf '%s' "$t" | sha256sum)
        echo "l ${#t} ${h%% *} $rel"
    elif [ -d "$p" ]; then
        echo "d - - $rel"
    elif [ -f "$p" ]; then
        echo "f ${size[$p]} ${hash[$p]} $rel"
    else
        echo "o - - $rel"
    fi
    count=$((count + 1))
done < <(find . -mindepth 1 -print0 | sort -z)
echo "MANIFEST-END $count"
