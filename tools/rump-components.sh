#!/bin/sh
# Builds NetBSD's rump kernel components for AdrOS with NetBSD's own build
# tool (buildrump.sh) and installs them into third_party/rump/ (or --dest).
#
#   tools/rump-components.sh [--src DIR] [--buildrump DIR] [--dest DIR]
#                            [--work DIR] [--curlwp hypercall|__thread] [-j N]
#                            [--auto]
#
#   --src DIR        rumpkernel/src-netbsd, branch buildrump-src: a checkout,
#                    or a git repository holding that branch (it is then
#                    checked out into the work directory).  Default: cloned.
#   --buildrump DIR  rumpkernel/buildrump.sh: a checkout or a git repository.
#                    Default: cloned.
#   --dest DIR       where lib/ and include/ go.  Default: third_party/rump.
#   --work DIR       checkouts, objects and tools.  Default: build/rumpbuild.
#   --curlwp MODE    how the rump kernel finds the current lwp: "hypercall"
#                    (rumpuser_curlwp, the default) or "__thread" (TLS).
#   -j N             parallel jobs.  Default: the number of CPUs.
#   --auto           what make, make run, make test and make bench do when no
#                    components are present: build them once, and when the
#                    sources cannot be reached (or the build fails) say why
#                    in one line, remember it until `make clean`, and exit 0
#                    so that AdrOS is built without them.
#
# The sources are cloned shallow from RUMP_SRC_URL and RUMP_BUILDRUMP_URL
# (environment; default: the two GitHub repositories; a local repository's
# path or a mirror's URL works too).
#
# What it builds: the rump kernel kernel-only (-k), for i386, non-PIC,
# including the file systems, the network stack and librumpnet_config;
# then the PCI components (PCI bus, wm, the PHYs, USB host controllers,
# HD audio, AC'97, ES1370, virtio) with the PCI user features "I/O space"
# and "DMA free", which AdrOS's hypercall layer provides; then ZFS and its
# Solaris layer (RUMP_ZFS=no in the environment leaves them out).  USB is
# compiled with NUSB_DMA=1 (host controllers doing DMA; without it
# usbd_alloc_buffer panics as soon as EHCI attaches).  Then the components
# AdrOS defines in tools/rumpcomp/ (AHCI with atabus and wd, NVMe with
# ld_nvme, xHCI, PCI-PCI bridges), with the same rumpmake.
#
# This file holds no NetBSD code and changes none of NetBSD's sources: only
# the options and commands that drive NetBSD's tool (and tools/rumpcomp/,
# component definitions that name NetBSD's files).
set -eu

die() { echo "rump-components: $*" >&2; exit 1; }
say() { echo "rump-components: $*"; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=""
BRS=""
DEST="$ROOT/third_party/rump"
WORK="$ROOT/build/rumpbuild"
CURLWP=hypercall
JOBS=$(nproc 2>/dev/null || echo 2)
SRC_URL=${RUMP_SRC_URL:-https://github.com/rumpkernel/src-netbsd}
BRS_URL=${RUMP_BUILDRUMP_URL:-https://github.com/rumpkernel/buildrump.sh}
BRANCH=buildrump-src
AUTO=0

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

while [ $# -gt 0 ]; do
    case "$1" in
    --src) [ $# -ge 2 ] || die "--src needs a directory"; SRC=$2; shift 2 ;;
    --buildrump) [ $# -ge 2 ] || die "--buildrump needs a directory"; BRS=$2; shift 2 ;;
    --dest) [ $# -ge 2 ] || die "--dest needs a directory"; DEST=$2; shift 2 ;;
    --work) [ $# -ge 2 ] || die "--work needs a directory"; WORK=$2; shift 2 ;;
    --curlwp) [ $# -ge 2 ] || die "--curlwp needs hypercall or __thread"; CURLWP=$2; shift 2 ;;
    -j) [ $# -ge 2 ] || die "-j needs a number"; JOBS=$2; shift 2 ;;
    -j*) JOBS=${1#-j}; shift ;;
    --auto) AUTO=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "rump-components: unknown argument '$1'" >&2; usage ;;
    esac
done

case "$CURLWP" in hypercall|__thread) ;; *) die "--curlwp must be hypercall or __thread, not '$CURLWP'" ;; esac
case "$JOBS" in ''|*[!0-9]*|0) die "-j needs a positive number, not '$JOBS'" ;; esac

abspath() { mkdir -p "$1" && (cd "$1" && pwd); }
WORK=$(abspath "$WORK")
DEST=$(abspath "$DEST")

# --- --auto: once, on behalf of make ---------------------------------------------
if [ "$AUTO" = 1 ]; then
    FAILED=$WORK/auto-failed
    # One line, remembered until `make clean` empties the work directory.
    give_up() {
        echo "$1" > "$FAILED"
        echo "rump: $1: building AdrOS without NetBSD's rump components (make clean retries; RUMP=off skips this step)"
        exit 0
    }
    if [ -f "$FAILED" ]; then
        echo "rump: $(cat "$FAILED"): building AdrOS without NetBSD's rump components (make clean retries; RUMP=off skips this step)"
        exit 0
    fi
    # Both sources must answer within 30 s in all; git never asks for a
    # password (a missing GitHub repository answers with an authentication
    # request).
    for probe_url in "$SRC_URL" "$BRS_URL"; do
        if ! err=$(GIT_TERMINAL_PROMPT=0 timeout 14 git ls-remote --heads "$probe_url" 2>&1 >/dev/null); then
            [ -n "$err" ] || err="no answer within 14 s"
            give_up "cannot reach $probe_url ($(echo "$err" | grep -v '^\s*$' | head -1 | sed 's/^fatal: //'))"
        fi
    done
    say "NetBSD's rump kernel components are not built yet: building them once into $DEST"
    say "(shallow clones of src-netbsd and buildrump.sh, then NetBSD's build: 2-3 minutes on 2 cores;"
    say " later runs and make clean reuse the result; make distclean removes it; RUMP=off skips it)"
    if ! "$0" --dest "$DEST" --work "$WORK" --curlwp "$CURLWP" -j "$JOBS"; then
        give_up "the component build failed (logs in $WORK)"
    fi
    exit 0
fi

# --- inputs -------------------------------------------------------------------
command -v git >/dev/null || die "git is needed (apt-get install git)"
command -v make >/dev/null || die "make is needed (apt-get install make)"
CC=${CC:-cc}
probe=$WORK/probe
mkdir -p "$probe"
printf 'int main(void) { return sizeof(long) != 4; }\n' > "$probe/m32.c"
if ! "$CC" -m32 "$probe/m32.c" -o "$probe/m32" 2>"$probe/m32.err"; then
    sed 's/^/    /' "$probe/m32.err" | head -5 >&2
    die "no i386 multilib compiler: '$CC -m32' cannot build a program (apt-get install gcc-multilib)"
fi

is_repo() { git -C "$1" rev-parse --git-dir >/dev/null 2>&1; }

# A checkout of NAME at BRANCH in $WORK/NAME from SOURCE (a URL or a local
# repository), leaving out the paths given after it (sparse checkout).
checkout() {
    name=$1 source=$2 branch=$3; shift 3
    dir=$WORK/$name
    if [ ! -d "$dir/.git" ]; then
        rm -rf "$dir"
        say "checking out $name ($branch) from $source" >&2
        # From a URL, shallow and without blobs: one commit is all the build
        # needs, and the checkout below fetches only the blobs of the paths
        # it checks out.  A local repository is cloned as git does by
        # default (its objects hard-linked: nothing is copied).
        if [ -d "$source" ]; then
            shallow=""
        else
            shallow="--depth 1 --filter=blob:none"
        fi
        # shellcheck disable=SC2086
        GIT_TERMINAL_PROMPT=0 git clone -q $shallow --single-branch --no-checkout --branch "$branch" "$source" "$dir" \
            || die "cannot clone $source (branch $branch)"
        if [ $# -gt 0 ]; then
            # Written by hand: "git sparse-checkout set" would first try to
            # fill the empty work tree with every path.
            git -C "$dir" config core.sparseCheckout true
            printf '%s\n' '/*' "$@" > "$dir/.git/info/sparse-checkout"
        fi
        # (git reports the two blobs the public repository lacks while it
        # builds the index; the sparse checkout never needs them.)
        git -C "$dir" checkout -q "$branch" 2>"$WORK/checkout-$name.log" || {
            cat "$WORK/checkout-$name.log" >&2
            die "cannot check out $branch of $source"
        }
    fi
    echo "$dir"
}

# src-netbsd: two test blobs under compiler_rt's tests are missing from the
# public repository, so that folder is never checked out.
SPARSE_SKIP='!/sys/external/bsd/compiler_rt/dist/test/'
if [ -z "$SRC" ]; then
    SRC=$(checkout src-netbsd "$SRC_URL" "$BRANCH" "$SPARSE_SKIP")
else
    [ -d "$SRC" ] || die "--src $SRC: no such directory"
    if [ -f "$SRC/sys/rump/Makefile.rump" ]; then
        if is_repo "$SRC"; then
            b=$(git -C "$SRC" rev-parse --abbrev-ref HEAD 2>/dev/null || true)
            [ "$b" = "$BRANCH" ] || [ "$b" = HEAD ] \
                || die "--src $SRC is on branch '$b'; check out $BRANCH (git -C $SRC checkout $BRANCH)"
        fi
    elif is_repo "$SRC"; then
        git -C "$SRC" rev-parse -q --verify "refs/heads/$BRANCH" >/dev/null \
            || git -C "$SRC" rev-parse -q --verify "refs/remotes/origin/$BRANCH" >/dev/null \
            || die "--src $SRC: a git repository without the $BRANCH branch (is it rumpkernel/src-netbsd?)"
        SRC=$(checkout src-netbsd "$(cd "$SRC" && pwd)" "$BRANCH" "$SPARSE_SKIP")
    else
        die "--src $SRC is neither a checkout of rumpkernel/src-netbsd ($BRANCH) nor a git repository"
    fi
fi
SRC=$(cd "$SRC" && pwd)
[ -f "$SRC/sys/rump/Makefile.rump" ] || die "$SRC has no sys/rump/Makefile.rump: not the $BRANCH branch of src-netbsd"

if [ -z "$BRS" ]; then
    BRS=$(checkout buildrump.sh "$BRS_URL" master)
elif [ ! -f "$BRS/buildrump.sh" ]; then
    is_repo "$BRS" || die "--buildrump $BRS is neither a checkout of rumpkernel/buildrump.sh nor a git repository"
    b=$(git -C "$BRS" symbolic-ref --short HEAD 2>/dev/null || echo master)
    BRS=$(checkout buildrump.sh "$(cd "$BRS" && pwd)" "$b")
fi
BRS=$(cd "$BRS" && pwd)
[ -x "$BRS/buildrump.sh" ] || [ -f "$BRS/buildrump.sh" ] || die "$BRS has no buildrump.sh"

# --- the build ----------------------------------------------------------------
OBJ=$WORK/obj-$CURLWP
TOOLS=$WORK/tools-$CURLWP
STAGE=$WORK/dest-$CURLWP
PCIUSER=$WORK/pciuser
mkdir -p "$PCIUSER"
start=$(date +%s)

# The PCI user features AdrOS implements (src/rump/rumpuser_pci.c), and the
# makefile fragment through which NetBSD's libpci Makefile picks them up.
cat > "$PCIUSER/rumpcomp_userfeatures_pci.h" <<'EOF'
/* PCI hypercall features provided by AdrOS's librumpuser_adros. */
#define RUMPCOMP_USERFEATURE_PCI_IOSPACE 1
#define RUMPCOMP_USERFEATURE_PCI_DMAFREE 1
EOF
printf 'CPPFLAGS+=\t-I%s\n' "$PCIUSER" > "$PCIUSER/pci.mk"

# GCC 12 against 2016 sources: the host tools need -fcommon; warnings that
# newer compilers added must not be errors; AdrOS's kernel has no stack
# protector runtime; -m32 selects i386 (buildrump.sh derives MACHINE=i386).
say "building the rump kernel (curlwp=$CURLWP, -j$JOBS) in $OBJ; log: $WORK/build-$CURLWP.log"
# A line a minute while NetBSD's build runs silently.
( m=0; while sleep 60; do m=$((m + 1)); say "  ... still building NetBSD's tools and kernel ($m min)"; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
(
    cd "$BRS"
    HOST_CFLAGS="-O -fcommon" ./buildrump.sh -q -k -j "$JOBS" \
        -s "$SRC" -o "$OBJ" -T "$TOOLS" -d "$STAGE" \
        -V MKPIC=no -V RUMP_CURLWP="$CURLWP" \
        -F ACFLAGS=-m32 \
        -F CFLAGS="-fcommon -Wno-error -fno-stack-protector -fno-pie" \
        -F CWARNFLAGS=-Wno-error \
        -F CPPFLAGS="-Wimplicit-fallthrough=0 -DNUSB_DMA=1" \
        tools build install
) > "$WORK/build-$CURLWP.log" 2>&1 || {
    tail -30 "$WORK/build-$CURLWP.log" >&2
    die "buildrump.sh failed; the whole log is $WORK/build-$CURLWP.log"
}
kill $ticker 2>/dev/null || true

# The PCI components are not part of buildrump.sh's build: NetBSD builds
# them for a platform that supplies the PCI hypercalls, with rumpmake.
PCI_COMPONENTS="pci pci_if_wm miiphy pci_usbhc pci_hdaudio hdaudio_hdafg pci_auich
audio_ac97 pci_eap pci_virtio virtio_if_vioif virtio_ld virtio_viornd virtio_vioscsi"
RUMPMAKE=$TOOLS/rumpmake
[ -x "$RUMPMAKE" ] || die "buildrump.sh left no $RUMPMAKE"
for c in $PCI_COMPONENTS; do
    d=$SRC/sys/rump/dev/lib/lib$c
    [ -d "$d" ] || die "$d is missing: not the $BRANCH branch?"
    say "building PCI component $c"
    (
        cd "$d"
        export RUMPCOMP_MAKEFILEINC_rumpdev_pci="$PCIUSER/pci.mk"
        "$RUMPMAKE" -j "$JOBS" obj && "$RUMPMAKE" -j "$JOBS" dependall && "$RUMPMAKE" install
    ) >> "$WORK/pci-$CURLWP.log" 2>&1 || {
        tail -30 "$WORK/pci-$CURLWP.log" >&2
        die "PCI component $c failed; the whole log is $WORK/pci-$CURLWP.log"
    }
done

# ZFS (issue 23): the Solaris compatibility layer (which carries libnvpair)
# and ZFS itself, pool version 23.  buildrump.sh leaves them out (MKZFS=no);
# rumpmake builds them with MKZFS=yes.  RUMP_ZFS=no skips them.
ZFS_COMPONENTS="kern/lib/libsolaris fs/lib/libzfs"
if [ "${RUMP_ZFS:-yes}" != no ]; then
    for c in $ZFS_COMPONENTS; do
        d=$SRC/sys/rump/$c
        [ -d "$d" ] || die "$d is missing: not the $BRANCH branch?"
        say "building ZFS component ${c##*/}"
        (
            cd "$d"
            "$RUMPMAKE" MKZFS=yes -j "$JOBS" obj && "$RUMPMAKE" MKZFS=yes -j "$JOBS" dependall \
                && "$RUMPMAKE" MKZFS=yes install
        ) >> "$WORK/zfs-$CURLWP.log" 2>&1 || {
            tail -30 "$WORK/zfs-$CURLWP.log" >&2
            die "ZFS component ${c##*/} failed; the whole log is $WORK/zfs-$CURLWP.log"
        }
    done
fi

# --- AdrOS's component definitions (issue 21) ----------------------------------
# Components NetBSD's rump build has none for, defined by AdrOS in
# tools/rumpcomp/ (a Makefile and an ioconf each, naming NetBSD's unmodified
# sources, and the glue registering them): ahcisata (+ atabus, wd), nvme
# (+ ld_nvme; ld itself is virtio_ld's), xhci, and ppb (PCI-PCI bridges:
# devices behind q35's PCIe root ports).  Built with the same
# rumpmake, in a copy under the work directory (rumpmake puts the objects of
# a directory outside NetBSD's tree beside its sources).
ADROS_COMPONENTS="pci_ahcisata pci_nvme pci_xhci pci_ppb"
ADROSCOMP=$WORK/adroscomp
mkdir -p "$ADROSCOMP"
cp -R "$ROOT/tools/rumpcomp/." "$ADROSCOMP/"
for c in $ADROS_COMPONENTS; do
    say "building AdrOS-defined component $c"
    (
        cd "$ADROSCOMP/$c"
        "$RUMPMAKE" -j "$JOBS" obj && "$RUMPMAKE" -j "$JOBS" dependall
    ) >> "$WORK/adroscomp-$CURLWP.log" 2>&1 || {
        tail -30 "$WORK/adroscomp-$CURLWP.log" >&2
        die "component $c failed; the whole log is $WORK/adroscomp-$CURLWP.log"
    }
    mkdir -p "$STAGE/lib"
    cp "$ADROSCOMP/$c/librumpdev_$c.a" "$STAGE/lib/"
done

# The PCI hypercall interface header, beside the rest.
mkdir -p "$STAGE/include/rumpcomp"
cp "$SRC/sys/rump/dev/lib/libpci/pci_user.h" "$STAGE/include/rumpcomp/pci_user.h"
cp "$PCIUSER/rumpcomp_userfeatures_pci.h" "$STAGE/include/rumpcomp/"

# --- install ------------------------------------------------------------------
# Only static archives and headers: AdrOS links the archives whole.
rm -rf "$DEST/lib" "$DEST/include"
mkdir -p "$DEST/lib"
cp "$STAGE"/lib/librump*.a "$DEST/lib/"
cp -R "$STAGE/include" "$DEST/include"
echo "curlwp=$CURLWP src=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown) built=$(date -u +%Y-%m-%dT%H:%MZ)" \
    > "$DEST/BUILDINFO"

n=$(ls "$DEST"/lib/librump*.a | wc -l)
say "installed $n archives and the headers into $DEST ($(($(date +%s) - start)) s):"
ls "$DEST/lib" | sed 's/\.a$//' | tr '\n' ' ' | fold -s -w 76 | sed 's/^/    /'
echo
