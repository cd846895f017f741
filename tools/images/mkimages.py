#!/usr/bin/env python3
"""Test trees and ext2 images for the file-system tests (made at test time
in the build directory, never committed).

  tools/images/mkimages.py <build>      make everything under <build>/fsimg/

Good images (mke2fs -t ext2 -d <tree>), each with its tree kept beside it so
tools/images/manifest.sh can list the tree for comparison:
  std1k   1 KiB blocks: the full tree (see make_tree), a 70 MiB mostly sparse
          file reaching triple-indirect blocks
  std2k   2 KiB blocks, the full tree without the 70 MiB file
  std4k   4 KiB blocks, the full tree
  rev0    revision 0 (mke2fs -r 0), 1 KiB blocks, a small tree
  big4k   4 KiB blocks, a 5 GiB sparse file (size over 4 GiB; for the ext2
          suite, not for a manifest boot: hashing 5 GiB under TCG is too slow)
Hostile images: copies of a small good image with one thing broken each (see
CORRUPTIONS); every one must make the manifest fail cleanly.

Images of NetBSD's other file systems for tools/test/plan_fsdetect.py (FAT12/16/
32, ISO 9660, FFS, a corrupt FAT boot sector, a blank disk) and the host's
view of each: build_nbfs(<build>), under <build>/nbfs/.

Everything is deterministic (fixed seeds) and takes a few seconds.
"""
import fcntl
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys

# Bump when the trees or images change: the stamp makes later runs cheap.
VERSION = "7"
MIB = 1024 * 1024


def _data(seed, n):
    """n pseudo-random bytes (fast: SHA-256 in counter mode... of a seed)."""
    out = bytearray()
    ctr = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{ctr}".encode()).digest() * 64  # 2 KiB per hash
        ctr += 1
    return bytes(out[:n])


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root, big=True, small=False):
    """The test tree.  small: only a few objects (rev0, hostile images)."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    os.mkdir(os.path.join(root, "lost+found"))
    rnd = random.Random(1234)
    _write(os.path.join(root, "hello.txt"), b"Hello from AdrOS ext2 tests\n")
    _write(os.path.join(root, "empty"), b"")
    os.makedirs(os.path.join(root, "a/b/c/d/e"))
    _write(os.path.join(root, "a/b/c/d/e/deep.txt"), b"deep\n")
    os.symlink("a/b/c/d/e/deep.txt", os.path.join(root, "fastlink"))
    os.symlink("../../../hello.txt", os.path.join(root, "a/b/c/up"))
    if small:
        _write(os.path.join(root, "a/mid.bin"), _data("mid", 5000))
        _write(os.path.join(root, "a/ind.bin"), _data("ind", 60000))  # uses an indirect block
        return
    # Sizes around block and indirection boundaries for 1, 2 and 4 KiB blocks.
    sizes = sorted({0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097,
                    12 * 1024 - 1, 12 * 1024, 12 * 1024 + 1, 12 * 4096 - 1, 12 * 4096, 12 * 4096 + 1,
                    (12 + 256) * 1024 - 1, (12 + 256) * 1024, (12 + 256) * 1024 + 1,
                    (12 + 512) * 2048 + 1, (12 + 1024) * 4096 + 1, 3 * MIB + 17})
    os.mkdir(os.path.join(root, "sizes"))
    for s in sizes:
        _write(os.path.join(root, "sizes", f"s{s}"), _data(f"size{s}", s))
    # A directory of 1000+ entries (htree-indexed by mke2fs), names of many lengths.
    os.mkdir(os.path.join(root, "many"))
    for i in range(1100):
        name = f"entry{i:04d}" + "x" * rnd.randrange(0, 40)
        _write(os.path.join(root, "many", name), _data(f"m{i}", rnd.randrange(0, 200)))
    # 255-byte names.
    long_file = "F" * 250 + ".long"
    long_dir = "D" * 255
    os.mkdir(os.path.join(root, long_dir))
    _write(os.path.join(root, long_dir, long_file), b"long name\n")
    _write(os.path.join(root, "n" * 255), b"x")
    # Symlinks: fast (< 60 bytes) and slow (a block), dangling, absolute,
    # to a directory, with a 255-byte name.
    os.mkdir(os.path.join(root, "links"))
    os.symlink("../hello.txt", os.path.join(root, "links/fast"))
    os.symlink("x" * 59, os.path.join(root, "links/fast59"))
    os.symlink("y" * 60, os.path.join(root, "links/slow60"))
    os.symlink("../" + long_dir + "/" + long_file, os.path.join(root, "links/slow_long"))
    os.symlink("/" + "z" * 900, os.path.join(root, "links/slow900"))
    os.symlink("/nonexistent/target", os.path.join(root, "links/dangling"))
    os.symlink("../a/b", os.path.join(root, "links/todir"))
    os.symlink("t", os.path.join(root, "links", "L" * 255))
    # Hard links (three names, one inode), across directories.
    _write(os.path.join(root, "hard1"), _data("hard", 3000))
    os.link(os.path.join(root, "hard1"), os.path.join(root, "hard2"))
    os.link(os.path.join(root, "hard1"), os.path.join(root, "a/b/hard3"))
    # A sparse file: holes at the start, in the middle and at the end.
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.seek(300 * 1024)
        f.write(_data("sp1", 5000))
        f.seek(2 * MIB + 123)
        f.write(_data("sp2", 10000))
        f.truncate(6 * MIB)
    # Names with odd bytes.
    _write(os.path.join(root, "sp ace"), b"space\n")
    _write(os.path.join(root, "UPPER"), b"upper\n")
    _write(os.path.join(root, "caf\u00e9"), b"utf8\n")
    if big:
        # 70 MiB, mostly holes: data every 3 MiB and in the last block, so
        # that with 1 KiB blocks it uses direct, single-, double- and
        # triple-indirect blocks (triple starts at about 64.26 MiB).
        with open(os.path.join(root, "big70m"), "wb") as f:
            f.write(_data("big0", 20000))
            for k in range(1, 24):
                f.seek(k * 3 * MIB + k)
                f.write(_data(f"big{k}", 4096))
            f.seek(70 * MIB - 1000)
            f.write(_data("bigend", 1000))


def _mke2fs(tree, img, size, args):
    if os.path.exists(img):
        os.unlink(img)
    with open(img, "wb") as f:
        f.truncate(size)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-E", "root_owner=0:0", "-L", "adros-test"] + args +
                   ["-d", tree, img], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _debugfs(img, cmd, write=False):
    args = ["debugfs"] + (["-w"] if write else []) + ["-R", cmd, img]
    p = subprocess.run(args, capture_output=True, text=True, check=True)
    return p.stdout


def _blocks_of(img, path):
    out = _debugfs(img, f"blocks {path}")
    return [int(x) for x in out.split()]


def _dirent_offset(img, dirpath, name, bs):
    """Byte offset in the image of the directory entry `name` in dirpath."""
    data = open(img, "rb").read()
    for b in _blocks_of(img, dirpath):
        off = 0
        while off < bs:
            ino, rec_len, name_len = struct.unpack_from("<IHB", data, b * bs + off)
            nm = data[b * bs + off + 8: b * bs + off + 8 + name_len]
            if ino and nm == name.encode():
                return b * bs + off
            if rec_len < 8:
                break
            off += rec_len
    raise RuntimeError(f"{name} not found in {dirpath}")


def _patch(img, off, fmt, *vals):
    with open(img, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, *vals))


# Hostile images: name -> (what it breaks, function(img, bs)).
def _corruptions():
    sb = 1024

    def dirent(path, name, field_off, fmt, val):
        def f(img, bs):
            _patch(img, _dirent_offset(img, path, name, bs) + field_off, fmt, val)
        return f

    def sif(path, field, val):
        return lambda img, bs: _debugfs(img, f"sif {path} {field} {val}", write=True)

    return {
        "badmagic": ("superblock magic", lambda img, bs: _patch(img, sb + 56, "<H", 0x1234)),
        "hugeblocks": ("blocks_count past the device", lambda img, bs: _patch(img, sb + 4, "<I", 0x7fffffff)),
        "badlogbs": ("block size 128 KiB", lambda img, bs: _patch(img, sb + 24, "<I", 7)),
        "zeroipg": ("inodes_per_group 0", lambda img, bs: _patch(img, sb + 40, "<I", 0)),
        "badinodecount": ("inodes_count larger than groups hold", lambda img, bs: _patch(img, sb + 0, "<I", 0xfffffff0)),
        "badrev": ("revision 9", lambda img, bs: _patch(img, sb + 76, "<I", 9)),
        "incompat": ("unknown incompatible feature", lambda img, bs: _patch(img, sb + 96, "<I", 0x2 | 0x40)),
        "badgdt": ("group 0 inode table past the end",
                   lambda img, bs: _patch(img, (2 if bs == 1024 else 1) * bs + 8, "<I", 0x0fffffff)),
        "blockpast": ("file block pointer past the device", sif("/a/mid.bin", "block[0]", 0x00ffffff)),
        "indpast": ("indirect block pointer past the device", sif("/a/ind.bin", "block[IND]", 0x00ffffff)),
        "hugesize": ("absurd file size", sif("/a/mid.bin", "size", 0x7fffffffffffffff)),
        "dirsize": ("directory size not a whole block", sif("/a", "size", 1000)),
        "reclen0": ("directory record length 0", dirent("/a", "mid.bin", 4, "<H", 0)),
        "reclen3": ("directory record length not a multiple of 4", dirent("/a", "mid.bin", 4, "<H", 13)),
        "reclenpast": ("directory record past the block", dirent("/a", "mid.bin", 4, "<H", 0xfff0)),
        "namelen": ("name longer than the record", dirent("/a", "b", 6, "B", 200)),
        "badino": ("entry with an inode number past inodes_count", dirent("/a", "mid.bin", 0, "<I", 0x7ffffff0)),
        "freeino": ("entry naming a free inode", dirent("/a", "mid.bin", 0, "<I", 60)),
        "dirloop": ("a directory entry pointing back at the root (a loop)",
                    dirent("/a/b/c", "d", 0, "<I", 2)),
        "badmode": ("inode of unknown type", sif("/hello.txt", "mode", 0o170644)),
        "symlinklong": ("symlink longer than a block", sif("/fastlink", "size", 70000)),
    }


def build_all(build):
    """Makes everything (once per VERSION); returns the directory.  Safe to
    call from several threads or processes at once (a lock file)."""
    out = os.path.join(build, "fsimg")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        return _build_all(build, out)


def _build_all(build, out):
    stamp = os.path.join(out, "stamp")
    me = open(os.path.abspath(__file__), "rb").read()
    want = VERSION + hashlib.sha256(me).hexdigest()
    if os.path.exists(stamp) and open(stamp).read() == want:
        return out
    os.makedirs(out, exist_ok=True)
    full = os.path.join(out, "tree-full")
    nobig = os.path.join(out, "tree-nobig")
    small = os.path.join(out, "tree-small")
    bigt = os.path.join(out, "tree-5g")
    make_tree(full, big=True)
    make_tree(nobig, big=False)
    make_tree(small, small=True)
    if os.path.exists(bigt):
        shutil.rmtree(bigt)
    os.makedirs(os.path.join(bigt, "lost+found"))
    with open(os.path.join(bigt, "over4g"), "wb") as f:
        f.write(b"start of a file over 4 GiB\n")
        f.seek(5 * 1024 * MIB)
        f.write(b"5 GiB in\n")
        f.truncate(5 * 1024 * MIB + 4096)
    _write(os.path.join(bigt, "small"), b"small\n")

    _mke2fs(full, os.path.join(out, "std1k.img"), 40 * MIB, ["-b", "1024", "-N", "2048"])
    _mke2fs(nobig, os.path.join(out, "std2k.img"), 24 * MIB, ["-b", "2048", "-N", "2048"])
    _mke2fs(full, os.path.join(out, "std4k.img"), 40 * MIB, ["-b", "4096", "-N", "2048"])
    _mke2fs(small, os.path.join(out, "rev0.img"), 4 * MIB, ["-b", "1024", "-r", "0"])
    _mke2fs(bigt, os.path.join(out, "big4k.img"), 64 * MIB, ["-b", "4096"])
    _mke2fs(small, os.path.join(out, "small1k.img"), 256 * 1024, ["-b", "1024", "-N", "64"])
    _mke2fs(small, os.path.join(out, "small4k.img"), 512 * 1024, ["-b", "4096", "-N", "64"])
    benchtree = os.path.join(out, "tree-bench")
    if os.path.exists(benchtree):
        shutil.rmtree(benchtree)
    os.makedirs(os.path.join(benchtree, "lost+found"))
    _write(os.path.join(benchtree, "bench.bin"), _data("bench", 32 * MIB))
    _mke2fs(benchtree, os.path.join(out, "bench4k.img"), 40 * MIB, ["-b", "4096"])

    for name, (_, fn) in _corruptions().items():
        for bs in (1024, 4096):
            src = os.path.join(out, f"small{bs // 1024}k.img")
            dst = os.path.join(out, f"bad-{name}-{bs // 1024}k.img")
            shutil.copyfile(src, dst)
            fn(dst, bs)
    _pack_hostile(out)
    # Tiny images: the fuzzer's seed corpus.
    seeds = os.path.join(out, "fuzz-seeds")
    os.makedirs(seeds, exist_ok=True)
    tiny = os.path.join(out, "tree-tiny")
    if os.path.exists(tiny):
        shutil.rmtree(tiny)
    os.makedirs(os.path.join(tiny, "d/e"))
    _write(os.path.join(tiny, "f"), _data("tiny", 3000))
    _write(os.path.join(tiny, "d/e/g"), _data("tiny2", 13000))
    os.symlink("d/e/g", os.path.join(tiny, "l"))
    os.symlink("/" + "s" * 80, os.path.join(tiny, "d/slow"))
    for name, size, args in (("1k", 128 * 1024, ["-b", "1024", "-N", "32"]),
                             ("2k", 256 * 1024, ["-b", "2048", "-N", "32"]),
                             ("4k", 512 * 1024, ["-b", "4096", "-N", "32"]),
                             ("rev0", 128 * 1024, ["-b", "1024", "-N", "32", "-r", "0"])):
        _mke2fs(tiny, os.path.join(seeds, f"seed-{name}.img"), size, args)
    # A directory with an htree index (e2fsck -D builds it), so the fuzzer
    # reaches the indexed lookup too.
    os.makedirs(os.path.join(tiny, "many"))
    for i in range(150):
        _write(os.path.join(tiny, "many", f"n{i:03d}"), b"")
    htree = os.path.join(seeds, "seed-htree.img")
    _mke2fs(tiny, htree, 384 * 1024, ["-b", "1024", "-N", "192"])
    subprocess.run(["e2fsck", "-fyD", htree], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(stamp, "w") as f:
        f.write(want)
    return out


PACK_MAGIC = b"ADRHOSTP"
PACK_SLOT = 512 * 1024


def _pack_hostile(out):
    """hostile-pack.img: every bad-*.img in one disk, for the ext2 suite.
    Sector 0..7: "ADRHOSTP", u32 count, u32 0, then count entries of
    name[40], u32 first sector, u32 sectors.  Images in 512 KiB slots from
    sector 8."""
    names = sorted(f[4:-4] for f in os.listdir(out) if f.startswith("bad-") and f.endswith(".img"))
    hdr = bytearray(4096)
    hdr[0:8] = PACK_MAGIC
    struct.pack_into("<II", hdr, 8, len(names), 0)
    with open(os.path.join(out, "hostile-pack.img"), "wb") as f:
        for i, n in enumerate(names):
            data = open(os.path.join(out, f"bad-{n}.img"), "rb").read()
            assert len(data) <= PACK_SLOT, n
            start = 8 + i * (PACK_SLOT // 512)
            struct.pack_into("<40sII", hdr, 16 + 48 * i, n.encode(), start, len(data) // 512)
            f.seek(start * 512)
            f.write(data)
        f.truncate(8 * 512 + len(names) * PACK_SLOT)
        f.seek(0)
        f.write(hdr)


GOOD = {"std1k": "tree-full", "std2k": "tree-nobig", "std4k": "tree-full", "rev0": "tree-small",
        "small1k": "tree-small", "small4k": "tree-small"}


def corruption_names():
    return list(_corruptions().keys())


def corruption_what(name):
    return _corruptions()[name][0]


# ---- images of the other file systems NetBSD mounts (tools/test/plan_fsdetect.py) ----
#
# Made with the host's tools from trees made here: FAT12/16/32 (mkfs.fat and
# mcopy, Debian's dosfstools and mtools), ISO 9660 with Rock Ridge and
# Joliet (genisoimage), FFS (makefs, NetBSD's, Debian's makefs package).
# Each host view (what the image holds, read back from it with the host's
# tools where there are any) goes beside the image for tools/images/manifest.sh.

NBFS_VERSION = "3"


def _nbfs_tree(root, big):
    """Long names, mixed case, nested directories, odd sizes; with big a
    20 MiB file.  Every name needs a FAT long name (mixed case, or longer
    than 8.3): a name that fits 8.3 in one case is stored by mtools (and
    Linux, Windows) as a short name only, its case in the Windows NT flags,
    which NetBSD's msdosfs of 2016 ignores (it shows such names upper-case;
    see README), so the two views would differ by design, not by a bug."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "Nested Dir/level two/level three/Four"))
    _write(os.path.join(root, "Hello.txt"), b"Hello from AdrOS, NetBSD's file systems\n")
    _write(os.path.join(root, "Empty.dat"), b"")
    _write(os.path.join(root, "A long file name with spaces and MixedCase.text"), _data("lfn", 12345))
    _write(os.path.join(root, "Nested Dir/level two/level three/Four/deep file.bin"), _data("deep", 70000))
    _write(os.path.join(root, "Nested Dir/ReadMe.md"), b"# nested\n")
    os.mkdir(os.path.join(root, "empty dir"))
    os.mkdir(os.path.join(root, "Sizes"))
    for s in (1, 511, 512, 513, 2047, 2048, 2049, 4095, 4096, 4097, 32767, 32768, 32769, 300000):
        _write(os.path.join(root, "Sizes", f"Size-{s}.bin"), _data(f"nbsize{s}", s))
    os.mkdir(os.path.join(root, "Many"))
    for i in range(60):
        _write(os.path.join(root, "Many", f"entry number {i:03d} of the directory.txt"), _data(f"nbm{i}", i * 53))
    if big:
        _write(os.path.join(root, "Twenty-MiB.bin"), _data("twenty", 20 * MIB))


def _run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-500:]}")
    return p.stdout


def make_fat(img, kib, bits, tree=None, cluster_sectors=None):
    """A FAT<bits> image of kib KiB, tree copied in with mcopy (long names,
    times kept)."""
    if os.path.exists(img):
        os.remove(img)
    cmd = ["mkfs.fat", "-C", "-F", str(bits), "-i", "20261130", "-n", f"ADROS{bits}"]
    if cluster_sectors:
        cmd += ["-s", str(cluster_sectors)]
    _run(cmd + [img, str(kib)])
    if tree:
        entries = [os.path.join(tree, e) for e in sorted(os.listdir(tree))]
        _run(["mcopy", "-s", "-m", "-i", img] + entries + ["::/"])


def fat_ms_boot_signature(img):
    """Ends boot sector 2 of a FAT32 image (mkfs.fat: 512-byte sectors,
    FSInfo in sector 1) with 00 00 55 AA, as Microsoft's format does."""
    _patch(img, 2 * 512 + 508, ">I", 0x000055AA)


def fat_host_view(img, dest):
    """Extracts the whole FAT image with mtools into dest (the host's
    reading of it, for tools/images/manifest.sh)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    if _run(["mdir", "-b", "-i", img, "::/"]).strip():  # an empty root: nothing to copy
        _run(["mcopy", "-s", "-n", "-m", "-i", img, "::*", dest + "/"])
    return dest


def iso_host_view(img, dest):
    """The ISO image as xorriso reads it (Rock Ridge names and links)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    _run(["xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", dest])
    # xorriso leaves extracted directories read-only, as on the medium.
    for d, dirs, _ in os.walk(dest):
        os.chmod(d, 0o755)
    return dest


def have_tools(*names):
    return [n for n in names if shutil.which(n) is None]


def build_nbfs(build):
    """Makes the images and host views under <build>/nbfs once per version
    (the read-only ones; writable images are made by their boot's prepare).
    Returns the directory.  Images whose tools are missing are left out."""
    out = os.path.join(build, "nbfs")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        stamp = os.path.join(out, "stamp")
        me = open(os.path.abspath(__file__), "rb").read()
        want = NBFS_VERSION + hashlib.sha256(me).hexdigest()
        if os.path.exists(stamp) and open(stamp).read() == want:
            return out
        big, small = os.path.join(out, "tree-big"), os.path.join(out, "tree-small")
        _nbfs_tree(big, True)
        _nbfs_tree(small, False)
        if not have_tools("mkfs.fat", "mcopy"):
            # FAT32: 512-byte clusters on 64 MiB, well over FAT32's minimum
            # cluster count.
            make_fat(os.path.join(out, "fat32.img"), 64 * 1024, 32, big, cluster_sectors=1)
            fat_host_view(os.path.join(out, "fat32.img"), os.path.join(out, "view-fat32"))
            make_fat(os.path.join(out, "fat16.img"), 16 * 1024, 16, small, cluster_sectors=4)
            fat_host_view(os.path.join(out, "fat16.img"), os.path.join(out, "view-fat16"))
            make_fat(os.path.join(out, "fat12.img"), 1440, 12, small)
            fat_host_view(os.path.join(out, "fat12.img"), os.path.join(out, "view-fat12"))
            # A FAT16 boot sector with 768 bytes per sector (not a power of
            # two): no FAT to a careful OS.
            bad = os.path.join(out, "fatbad.img")
            shutil.copyfile(os.path.join(out, "fat16.img"), bad)
            _patch(bad, 11, "<H", 768)
        with open(os.path.join(out, "blank.img"), "wb") as f:
            f.truncate(4 * MIB)
        if not have_tools("genisoimage", "xorriso"):
            iso_tree = os.path.join(out, "tree-iso")
            shutil.rmtree(iso_tree, ignore_errors=True)
            shutil.copytree(small, iso_tree)
            os.symlink("Nested Dir/ReadMe.md", os.path.join(iso_tree, "link to readme"))
            _run(["genisoimage", "-quiet", "-R", "-J", "-joliet-long", "-V", "ADROS", "-o",
                  os.path.join(out, "iso.img"), iso_tree])
            iso_host_view(os.path.join(out, "iso.img"), os.path.join(out, "view-iso"))
            # Joliet only (as Windows writes them): no Rock Ridge, so no
            # links; the names are Joliet's (UCS-2, up to 103 characters
            # with -joliet-long).  Its host view is the tree itself.
            _run(["genisoimage", "-quiet", "-J", "-joliet-long", "-V", "ADROSJ", "-o",
                  os.path.join(out, "joliet.img"), small])
        if not have_tools("makefs"):
            ffs_tree = os.path.join(out, "tree-ffs")
            shutil.rmtree(ffs_tree, ignore_errors=True)
            shutil.copytree(small, ffs_tree)
            os.symlink("Hello.txt", os.path.join(ffs_tree, "link"))
            img = os.path.join(out, "ffs.img")
            if os.path.exists(img):
                os.remove(img)
            _run(["makefs", "-t", "ffs", "-B", "le", "-s", "16m", img, ffs_tree])
        with open(stamp, "w") as f:
            f.write(want)
        return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: mkimages.py <build>", file=sys.stderr)
        sys.exit(2)
    print(build_all(sys.argv[1]))

