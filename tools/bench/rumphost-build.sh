#!/bin/sh
# Builds tools/bench/rumphost.c into a static i386 Linux program: NetBSD's
# rump kernel hosted by NetBSD's own POSIX hypercall library (the rump-host
# reference of `make bench`, issue 24; tools/bench/linuxref.py puts it in the
# Linux reference boot's initramfs).
#
#   tools/bench/rumphost-build.sh RUMP_DIR WORK OUT
#
#   RUMP_DIR  the rump kernel components AdrOS links (lib/librump*.a,
#             include/rump): the very same kernel archives are linked here,
#             so that only the hypercall layer differs between the hosts.
#   WORK      checkout and objects (e.g. build/rumphost).
#   OUT       the program.
#
# NetBSD's hypercall library (lib/librumpuser of rumpkernel/src-netbsd,
# branch buildrump-src, the commit the components were built from when
# RUMP_DIR/BUILDINFO names it) is checked out into WORK from RUMP_SRC_URL
# (default: the GitHub repository; a local mirror's path works), configured
# with its own configure script as buildrump.sh does for a POSIX host, and
# compiled with the sources and flags of its Makefile for the pthread
# thread model (what buildrump.sh's userspace build makes librumpuser.a
# of) with gcc -m32.  Nothing of NetBSD's is changed or committed.
#
# The rumpuser_* calls that matter for I/O are wrapped with the linker's
# --wrap (counted by rumphost.c, then passed to NetBSD's functions), and
# librumpuser's pread64/pwrite64/fsync (timed).
#
# Exit 0 and OUT built, or exit 1 with one line on stderr saying why not.
set -eu

die() { echo "rumphost-build: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: rumphost-build.sh RUMP_DIR WORK OUT"
RUMP_DIR=$1 WORK=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
SRC_URL=${RUMP_SRC_URL:-https://github.com/rumpkernel/src-netbsd}
BRANCH=buildrump-src
CC=${CC:-gcc}

[ -f "$RUMP_DIR/lib/librump.a" ] && [ -f "$RUMP_DIR/lib/librumpfs_ext2fs.a" ] \
    || die "no rump kernel components in '$RUMP_DIR' (librump.a, librumpfs_ext2fs.a)"
command -v git >/dev/null || die "git not found"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# The commit of the components, when they say (BUILDINFO: src=82f3a690).
commit=$(sed -n 's/.*src=\([0-9a-f]*\).*/\1/p' "$RUMP_DIR/BUILDINFO" 2>/dev/null | head -1)
src=$WORK/src-netbsd
if [ ! -f "$src/lib/librumpuser/rumpuser.c" ]; then
    rm -rf "$src"
    if [ -d "$SRC_URL" ]; then shallow=""; else shallow="--depth 1 --filter=blob:none"; fi
    # shellcheck disable=SC2086
    GIT_TERMINAL_PROMPT=0 timeout 120 git clone -q $shallow --single-branch --no-checkout --branch "$BRANCH" \
        "$SRC_URL" "$src" 2>"$WORK/clone.log" \
        || die "cannot clone $SRC_URL ($BRANCH): $(grep -v '^\s*$' "$WORK/clone.log" | head -1)"
    git -C "$src" config core.sparseCheckout true
    printf '%s\n' /lib/librumpuser/ /sys/rump/include/ > "$src/.git/info/sparse-checkout"
    rev=$BRANCH
    if [ -n "$commit" ] && git -C "$src" rev-parse -q --verify "$commit^{commit}" >/dev/null; then
        rev=$commit
    fi
    # (git names the two blobs the public repository lacks while it builds
    # the index; they are outside the sparse checkout.)
    git -C "$src" checkout -q "$rev" 2>"$WORK/checkout.log" || true
    [ -f "$src/lib/librumpuser/rumpuser.c" ] || die "cannot check out lib/librumpuser of $SRC_URL (see $WORK/checkout.log)"
fi

lib=$src/lib/librumpuser
obj=$WORK/obj
mkdir -p "$obj"
if [ ! -f "$lib/rumpuser_config.h" ]; then
    (cd "$lib" && CC="$CC -m32" ./configure --host=i386-pc-linux-gnu) >"$WORK/configure.log" 2>&1 \
        || die "librumpuser's configure failed (see $WORK/configure.log)"
    # Static: there is no dynamic linker to list the loaded objects' modules
    # (without HAVE_DLINFO rumpuser_dl.c's bootstrap does nothing; with it a
    # static glibc program faults there).  configure finds dlinfo in static
    # glibc, so the generated header is corrected.
    sed -i '/#define HAVE_DLINFO/d' "$lib/rumpuser_config.h"
fi
# lib/librumpuser/Makefile, RUMPUSER_THREADS=pthread (rumpuser_component.c
# left out: no component here uses it).
srcs="rumpuser.c rumpuser_pth.c rumpuser_bio.c rumpuser_sp.c rumpuser_random.c rumpuser_file.c
rumpuser_mem.c rumpuser_errtrans.c rumpuser_sigtrans.c rumpuser_dl.c rumpuser_daemonize.c"
objs=""
for f in $srcs; do
    o=$obj/${f%.c}.o
    $CC -m32 -O2 -fno-pie -fno-stack-protector -DLIBRUMPUSER -D_KERNTYPES -D_REENTRANT -DRUMPUSER_CONFIG=yes \
        -I"$lib" -I"$src/sys/rump/include" -c "$lib/$f" -o "$o" 2>"$WORK/cc.log" \
        || die "compiling librumpuser's $f failed: $(grep -m1 error "$WORK/cc.log")"
    objs="$objs $o"
done
rm -f "$obj/librumpuser.a"
# shellcheck disable=SC2086
ar rcs "$obj/librumpuser.a" $objs

wrap=""
for s in bio malloc free mutex_enter mutex_enter_nowrap mutex_tryenter cv_wait cv_wait_nowrap cv_timedwait \
    cv_signal cv_broadcast clock_gettime clock_sleep; do
    wrap="$wrap -Wl,--wrap=rumpuser_$s"
done
wrap="$wrap -Wl,--wrap=pread64 -Wl,--wrap=pwrite64 -Wl,--wrap=fsync"
L=$RUMP_DIR/lib
# shellcheck disable=SC2086
$CC -m32 -static -O2 -fno-pie -no-pie -Wall -Wextra -Werror -I"$RUMP_DIR/include" -o "$OUT" "$HERE/rumphost.c" \
    $wrap -Wl,--whole-archive "$L/librumpfs_ext2fs.a" "$L/librumpfs_ffs.a" "$L/librumpdev_disk.a" "$L/librumpdev.a" "$L/librumpvfs.a" "$L/librump.a" -Wl,--no-whole-archive \
    "$obj/librumpuser.a" -lpthread 2>"$WORK/link.log" \
    || die "linking rumphost failed: $(grep -m1 -E 'error|undefined' "$WORK/link.log")"
