#!/usr/bin/env python3
"""Hostile images through NetBSD's file systems (issue 25): mutated ext2,
FFS, FAT and ISO 9660 images, mounted, walked and written by NetBSD's
ext2fs, ffs, msdos and cd9660 in AdrOS's rump kernel.

Each round makes small real images with the host's tools (mke2fs, makefs,
mkfs.fat + mcopy, genisoimage), mutates copies where the drivers look:
superblocks, group descriptors and cylinder groups, inodes, directory
entries, FAT chains, the ISO volume descriptor and directory records
(aligned words set to edge values, bits flipped, entries pointed at
themselves or past the end).  The images go into disks of up to 56 MBR
logical partitions each (hda..hdd), and one boot with
fswalk=hda:5,hdb:5,... (src/fs/fswalk.c) mounts every partition through
NetBSD's driver for it, walks it, writes a file and unmounts it, printing
one line per step.

AdrOS itself must never panic (that fails the run).  NetBSD's code
panicking on an image is contained by the rump kernel's guard: the image
and the panic are saved under <build>/fsfuzz/crashes/ and the run boots
again after it.  An image whose walk never ends is a hang: saved the same
way, QEMU stopped, the run goes on after it.

  tools/test/fsfuzz.py [--build build] [--time S] [--boots N] [--disks N]
                       [--per-disk N] [--seed S] [--kinds ext2,ffs,fat,iso]
  tools/test/fsfuzz.py --replay <image>...  the images as hda5, hda6..., console shown

Prints "fsfuzz: <n> images ..." with the outcomes; exits 1 when AdrOS
panicked or the harness failed, 2 when the components are missing.
"""
import argparse
import collections
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
import common  # noqa: E402
import qemu  # noqa: E402
import qemu_interactive as qi  # noqa: E402

ROOT = common.ROOT
KINDS = ("ext2", "ffs", "fat", "iso")
IMG_SECTORS = 2048            # 1 MiB per image
SLOT = IMG_SECTORS + 64       # its EBR and the gap before it
EXT_START = 2048
MAX_PER_DISK = 56             # AdrOS follows 60 EBRs (MBR_MAX_LOGICAL)
HANG_S = 60                   # no line for this long after a BEGIN: a hang
DISK_NAMES = ("hda", "hdb", "hdc", "hdd")
NEEDS = {"ext2": "librumpfs_ext2fs", "ffs": "librumpfs_ffs", "fat": "librumpfs_msdos", "iso": "librumpfs_cd9660"}


# --- real images ----------------------------------------------------------------

def _tree(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "docs", "deep", "deeper"))
    with open(os.path.join(d, "README.TXT"), "w") as f:
        f.write("a small tree for the hostile-image campaign\n" * 8)
    with open(os.path.join(d, "DATA.BIN"), "wb") as f:
        f.write(common.pattern(3, 40 * 1024))
    with open(os.path.join(d, "docs", "NOTES.TXT"), "w") as f:
        f.write("notes\n")
    for i in range(12):
        with open(os.path.join(d, "docs", f"F{i:02d}.TXT"), "w") as f:
            f.write(f"file {i}\n" * (i + 1))
    with open(os.path.join(d, "docs", "deep", "deeper", "LEAF.TXT"), "w") as f:
        f.write("leaf\n")


def base_images(work):
    """{kind: bytes of a real image of IMG_SECTORS sectors at most}.  Built
    in a directory of its own under work: `make test` runs fuzz-fs-short
    and the fuzz-fs-known cases at once, and two builds in one directory
    made mcopy fail on a half-written image."""
    os.makedirs(work, exist_ok=True)
    own = tempfile.mkdtemp(prefix="base-", dir=work)
    try:
        return _base_images(own)
    finally:
        shutil.rmtree(own, ignore_errors=True)


def _base_images(work):
    tree = os.path.join(work, "tree")
    _tree(tree)
    out = {}
    img = os.path.join(work, "base.img")

    def run(*cmd):
        subprocess.run(cmd, check=True, capture_output=True)

    def take(kind):
        with open(img, "rb") as f:
            data = f.read()
        assert len(data) <= IMG_SECTORS * 512, f"{kind} image too big ({len(data)})"
        out[kind] = data
        os.remove(img)

    os.path.exists(img) and os.remove(img)
    run("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-N", "64", "-d", tree, img, "1M")
    os.symlink("README.TXT", os.path.join(tree, "link")) if not os.path.lexists(os.path.join(tree, "link")) else None
    take("ext2")
    run("makefs", "-t", "ffs", "-o", "version=1,bsize=4096,fsize=512", "-s", "1m", img, tree)
    take("ffs")
    os.remove(os.path.join(tree, "link"))
    run("mkfs.fat", "-C", img, "1024")
    run("mcopy", "-s", "-i", img, *[os.path.join(tree, n) for n in sorted(os.listdir(tree))], "::/")
    take("fat")
    run("genisoimage", "-quiet", "-R", "-J", "-o", img, tree)
    take("iso")
    return out


# --- structure-aware mutation ---------------------------------------------------

EDGE32 = (0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
          0xfffffffe, 0xffffffff)
EDGE16 = (0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff)


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


class Regions:
    """Byte ranges of an image that its driver parses, each with a weight
    and a word size; protected: (offset, size) of magic numbers."""

    def __init__(self):
        self.r = []
        self.protected = []

    def add(self, name, off, size, weight=1.0, word=4):
        if size > 0 and off >= 0:
            self.r.append((name, off, size, weight, word))


def _ext2_regions(b):
    g = Regions()
    sb = 1024
    g.protected.append((sb + 56, 2))
    bs = 1024 << min(u32(b, sb + 24), 6)
    first = u32(b, sb + 20)
    ipg, isz = u32(b, sb + 40), u16(b, sb + 88) or 128
    g.add("superblock", sb, 264, 3)
    gdt = (first + 1) * bs
    ngroups = max(1, -(-(u32(b, sb + 4) - first) // max(1, u32(b, sb + 32))))
    g.add("group descriptors", gdt, 32 * min(ngroups, 8), 2)
    it = u32(b, gdt + 8) * bs
    if 0 < it < len(b):
        g.add("inodes", it, min(ipg, 16) * isz, 3)
        root = it + isz  # inode 2
        blk0 = u32(b, root + 40) * bs
        if 0 < blk0 < len(b):
            g.add("root directory", blk0, bs, 3, word=2)
        g.add("bitmaps", u32(b, gdt) * bs, 64, 0.5, word=1)
    return g


def _ffs_regions(b):
    g = Regions()
    sb = 8192
    g.protected.append((sb + 1372, 4))
    fsize = u32(b, sb + 52) or 512
    g.add("superblock", sb, 1372, 3)
    cblk, iblk = u32(b, sb + 12), u32(b, sb + 16)
    g.add("cylinder group", cblk * fsize, 256, 2)
    ino = iblk * fsize
    if 0 < ino < len(b):
        g.add("inodes", ino, 16 * 128, 3)
        db0 = u32(b, ino + 2 * 128 + 40) * fsize
        if 0 < db0 < len(b):
            g.add("root directory", db0, 512, 3, word=2)
    return g


def _fat_regions(b):
    g = Regions()
    g.protected.append((510, 2))
    bps = u16(b, 11) or 512
    rsvd, nfats = u16(b, 14), b[16]
    rootents = u16(b, 17)
    fatsz = u16(b, 22) or u32(b, 36)
    g.add("boot sector (BPB)", 11, 51, 3, word=1)
    g.add("boot sector (BPB)", 11, 52, 2, word=2)
    fat = rsvd * bps
    g.add("FAT", fat, min(fatsz * bps, 1024), 3, word=2)
    g.add("FAT chains", fat, min(fatsz * bps, 1024), 3, word=0)  # word 0: a FAT12 entry
    root = fat + nfats * fatsz * bps
    g.add("root directory", root, min(rootents * 32, 1024), 3, word=2)
    return g


def _iso_regions(b):
    g = Regions()
    pvd = 16 * 2048
    g.protected.append((pvd, 6))
    g.add("volume descriptor", pvd + 80, 120, 3)
    g.add("root record", pvd + 156, 34, 3, word=1)
    ext = u32(b, pvd + 156 + 2) * 2048
    if 0 < ext < len(b):
        g.add("root directory", ext, 2048, 3, word=1)
        g.add("root directory", ext, 2048, 2)
    ptl = u32(b, pvd + 140) * 2048
    if 0 < ptl < len(b):
        g.add("path table", ptl, 128, 1, word=2)
    g.add("Joliet descriptor", 17 * 2048 + 80, 120, 1)
    return g


REGIONS = {"ext2": _ext2_regions, "ffs": _ffs_regions, "fat": _fat_regions, "iso": _iso_regions}


def _fat12_set(b, fat, n, v):
    o = fat + n * 3 // 2
    if o + 1 >= len(b):
        return
    w = u16(b, o)
    w = (w & 0x000f) | ((v & 0xfff) << 4) if n & 1 else (w & 0xf000) | (v & 0xfff)
    struct.pack_into("<H", b, o, w)


def mutate(kind, data, rng):
    """A copy of data with 1-4 mutations in its metadata; returns (bytes,
    what was done)."""
    b = bytearray(data)
    g = REGIONS[kind](b)
    saved = [(o, bytes(b[o:o + n])) for o, n in g.protected]
    done = []
    total = sum(r[3] for r in g.r)
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        x = rng.random() * total
        for name, off, size, weight, word in g.r:
            x -= weight
            if x <= 0:
                break
        end = min(off + size, len(b))
        if end - off < 4:
            continue
        op = rng.random()
        if word == 0 and kind == "fat":
            n = rng.randrange(2, 64)
            v = rng.choice((0, 1, n, n - 1, 0xff0, 0xff7, 0xfff, rng.randrange(0x1000)))
            _fat12_set(b, off, n, v)
            done.append(f"{name}: cluster {n} -> {v:#x}")
            continue
        w = word or 4
        o = off + rng.randrange(0, (end - off - w) // w + 1) * w
        if op < 0.55:
            fmt = {1: "<B", 2: "<H", 4: "<I"}[w]
            v = rng.choice(EDGE16 if w == 2 else EDGE32) & ((1 << (8 * w)) - 1)
            if rng.random() < 0.3:
                v = (struct.unpack_from(fmt, b, o)[0] + rng.choice((-1, 1, 2, 7, 64, -64))) & ((1 << (8 * w)) - 1)
            struct.pack_into(fmt, b, o, v)
            done.append(f"{name}+{o - off}: {w}-byte {v:#x}")
            if kind == "iso" and w == 4 and o + 8 <= len(b) and rng.random() < 0.5:
                struct.pack_into(">I", b, o + 4, v)  # both-endian fields kept consistent, sometimes
        elif op < 0.85:
            bit = rng.randrange(8 * w)
            b[o + bit // 8] ^= 1 << (bit % 8)
            done.append(f"{name}+{o - off}: bit {bit} flipped")
        else:
            n = rng.choice((8, 16, 32))
            src = rng.randrange(0, max(1, len(b) - n))
            b[o:o + n] = b[src:src + n][:max(0, min(n, len(b) - o))]
            done.append(f"{name}+{o - off}: {n} bytes from {src:#x}")
    if rng.random() < 0.9:  # mostly still recognised, so the driver mounts it
        for o, v in saved:
            b[o:o + len(v)] = v
    return bytes(b), "; ".join(done)


# --- known failures, made on purpose (regression boots) ---------------------------

def known_cases(work):
    """{name: (images in order, the outcome the last one must get)}: images
    that made NetBSD's code fail, rebuilt from the real ones by the one
    change that matters."""
    base = base_images(work)
    ffs = bytearray(base["ffs"])
    cg = u32(ffs, 8192 + 12) * u32(ffs, 8192 + 52)
    struct.pack_into("<I", ffs, cg + 48, 0x80000000)   # cg_irotor: skpc() on a wild pointer
    ffs2 = bytearray(base["ffs"])
    struct.pack_into("<I", ffs2, 8192 + 904, 2)          # a superblock summary word
    struct.pack_into("<I", ffs2, cg + 172, 0x100)        # and a word of cylinder group 0's maps
    ext2b = bytearray(base["ext2"])
    struct.pack_into("<I", ext2b, 2048 + 4, 0x47)       # group 0's inode bitmap moved
    ext2z = bytearray(base["ext2"])
    struct.pack_into("<I", ext2z, 1024 + 36, 0)        # s_frags_per_group: ext2fs divides by it
    ext2 = bytearray(base["ext2"])
    struct.pack_into("<I", ext2, 1024 + 20, 0x41)      # s_first_data_block: ext2fs refuses it...
    return {
        "ffs-irotor": ([bytes(ffs)], "PANIC"),
        # ffs_valloc's error path releases a mutex it does not hold.
        "ffs-nifree": ([bytes(ffs2)], "PANIC"),
        # A divide error in __divdi3, called by ext2fs.
        "ext2-fpg0": ([bytes(ext2z)], "PANIC"),
        # genfs_lock taken again by the thread that holds it.
        "ext2-ibitmap": ([bytes(ext2b)], "PANIC"),
        # ...leaving its device marked mounted: the next mount on the
        # device number NetBSD hands out again trips a KASSERT in specfs.
        "ext2-refused-then-ffs": ([bytes(ext2), base["ffs"]], "PANIC"),
    }


# --- disks of many images -----------------------------------------------------------

def _mbr_entry(ptype, lba, n):
    return struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", lba, n)


def _sector(entries):
    s = bytearray(512)
    for i, e in enumerate(entries):
        s[446 + 16 * i:462 + 16 * i] = _mbr_entry(*e)
    s[510:512] = b"\x55\xaa"
    return bytes(s)


def pack(path, images):
    """A disk holding the images as logical partitions 5, 6, ... in an
    extended partition (one EBR before each)."""
    n = len(images)
    ext_len = n * SLOT
    with open(path, "wb") as f:
        f.truncate((EXT_START + ext_len) * 512)
        f.write(_sector([(0x05, EXT_START, ext_len)]))
        for i, data in enumerate(images):
            ebr = EXT_START + i * SLOT
            ents = [(0x83, 64, IMG_SECTORS)]
            if i + 1 < n:
                ents.append((0x05, (i + 1) * SLOT, SLOT))
            f.seek(ebr * 512)
            f.write(_sector(ents))
            f.seek((ebr + 64) * 512)
            f.write(data)


# --- one boot ----------------------------------------------------------------------

LINE = re.compile(rb"FSWALK (\S+) (BEGIN|REFUSED \S+|DONE [^\r\n]*)\r?\n|FSWALK-STOP [^\r\n]*\r?\n|"
                  rb"FSWALK-END \d+|\*\*\* KERNEL PANIC|rump: the rump kernel panicked")


def walk_boot(kernel, disks, starts, log, limit):
    """Boots with the disks (paths, hda first) and fswalk= from the
    partitions in starts ({disk name: first partition}).  Returns
    (events, text): events a list of (part, outcome), outcome one of
    "DONE ...", "REFUSED E...", "PANIC" (NetBSD's), "HANG", "ADROS-PANIC",
    "ENDED" (the boot ended mid-image)."""
    spec = ",".join(f"{d}:{p}" for d, p in starts.items())
    drives = [f"file={p},format=raw,if=ide,index={i},snapshot=on" for i, p in enumerate(disks)]
    s = qi.Session(kernel, f"fswalk={spec}", drives, limit=limit, log=log)
    events, cur = [], None
    try:
        while True:
            try:
                m = s.expect(LINE, HANG_S if cur else 120)
            except qi.Timeout:
                if s.alive():
                    events.append((cur, "HANG") if cur else (None, "NO-START"))
                elif cur:
                    events.append((cur, "ENDED"))
                break
            t = m.group(0)
            if m.group(1):
                part, what = m.group(1).decode(), m.group(2).decode()
                if what == "BEGIN":
                    cur = part
                elif part not in (p for p, _ in events):  # not the walk's end after a panic
                    events.append((part, what))
                    cur = None
            elif b"KERNEL PANIC" in t:
                events.append((cur, "ADROS-PANIC"))
                break
            elif b"rump kernel panicked" in t:
                # The rest of this boot runs without NetBSD: boot again.
                if cur:
                    events.append((cur, "PANIC"))
                break
            elif t.startswith(b"FSWALK-END") or t.startswith(b"FSWALK-STOP"):
                break
    finally:
        if s.alive():
            s.close(20)
        else:
            s.close(1)
    return events, s.text()


FAILURE = re.compile(r"(panic: [^\n]*|\*\*\* RUMP KERNEL FAULT[^\n]*|rumpuser: the rump kernel [^\n]*)")


def failure_message(text):
    """NetBSD's panic message (or the fault), addresses and numbers
    blurred so that the same failure groups together."""
    m = FAILURE.search(text)
    if not m:
        return "(no message: a hang)"
    msg = re.sub(r"\(thread [^)]*\): ", "", m.group(1).strip())
    msg = re.sub(r"file \"[^\"]*/", 'file "', msg)
    msg = re.sub(r"\[[^\]]*\]", "[...]", msg)
    msg = re.sub(r"(, |: )[a-z]+=.*", "", msg)         # the details after the kind of fault
    msg = re.sub(r"0x[0-9a-f]+|(?<![A-Za-z_])\d+(?![A-Za-z_])", "N", msg)
    return msg[:160]


def part_index(part):
    """("hdb", 7) for "hdb7"."""
    m = re.match(r"(hd[a-d])(\d+)$", part or "")
    return (m.group(1), int(m.group(2))) if m else (None, None)


# --- the campaign ------------------------------------------------------------------

def missing():
    """Why the campaign cannot run here, or None."""
    if not common.rump_present():
        return "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    have = common.linked_archives()
    lack = [a for a in NEEDS.values() if a not in have]
    if lack:
        return "NetBSD file systems not linked: " + ", ".join(lack)
    tools = [t for t in ("mke2fs", "makefs", "mkfs.fat", "mcopy", "genisoimage") if not shutil.which(t)]
    if tools:
        return "host tools missing: " + ", ".join(tools)
    return None


def campaign(build, seconds, boots, ndisks, per_disk, seed, kinds, say=print):
    """Runs rounds until seconds or boots are spent; returns the tally."""
    kernel = os.path.join(build, "adros.elf")
    work = os.path.join(build, "fsfuzz")
    crashes = os.path.join(work, "crashes")
    os.makedirs(crashes, exist_ok=True)
    logs = os.path.join(build, "test-logs")
    os.makedirs(logs, exist_ok=True)
    base = base_images(work)
    rng = random.Random(seed)
    tally = collections.Counter()
    per_kind = collections.Counter()
    refusals = collections.Counter()
    saved = []
    t0, nboot, rnd = time.monotonic(), 0, 0
    while (not seconds or time.monotonic() - t0 < seconds) and (not boots or nboot < boots):
        rnd += 1
        # One round: ndisks disks of per_disk mutated images.
        imgs = {}
        paths = []
        for d in range(ndisks):
            name = DISK_NAMES[d]
            batch = []
            for i in range(per_disk):
                kind = kinds[(rnd + d + i) % len(kinds)]
                data, what = mutate(kind, base[kind], rng)
                data += b"\0" * (IMG_SECTORS * 512 - len(data))
                imgs[f"{name}{5 + i}"] = (kind, data, what)
                batch.append(data)
            p = os.path.join(work, f"disk-{name}.img")
            pack(p, batch)
            paths.append(p)
        starts = {DISK_NAMES[d]: 5 for d in range(ndisks)}
        while starts and (not boots or nboot < boots):
            nboot += 1
            log = os.path.join(logs, f"fsfuzz-{seed}-{nboot}.log")
            events, text = walk_boot(kernel, paths, starts, log, limit=60 + 30 * per_disk * len(starts))
            last = prev_part = None
            for part, outcome in events:
                if part is None:
                    tally["harness: " + outcome] += 1
                    continue
                kind, data, what = imgs[part]
                last = part
                key = outcome.split()[0]
                tally[key] += 1
                per_kind[kind] += 1
                if key == "REFUSED":
                    refusals[f"{kind} {outcome.split()[1]}"] += 1
                elif key == "DONE":
                    m = re.search(r"errors=(\d+) write=(\S+)", outcome)
                    if m and int(m.group(1)):
                        tally["DONE with errors"] += 1
                    if m and m.group(2) not in ("ok", "EROFS"):
                        tally["write failed"] += 1
                if key in ("PANIC", "HANG", "ADROS-PANIC", "ENDED"):
                    # With the image before it in the same boot: NetBSD may
                    # keep state from one mount to the next (a failed mount
                    # leaving its device marked).
                    stem = os.path.join(crashes, f"{kind}-seed{seed}-r{rnd}-{part}")
                    dk, num = part_index(part)
                    prev = f"{dk}{num - 1}" if num > 5 and prev_part == f"{dk}{num - 1}" else None
                    files = []
                    if prev:
                        with open(stem + ".prev.img", "wb") as f:
                            f.write(imgs[prev][1])
                        files.append(stem + ".prev.img")
                    with open(stem + ".img", "wb") as f:
                        f.write(data)
                    files.append(stem + ".img")
                    how = "tools/test/fsfuzz.py --replay " + " ".join(os.path.relpath(x, ROOT) for x in files)
                    with open(stem + ".txt", "w") as f:
                        f.write(f"{outcome} on {part} ({kind}); mutations: {what}\n")
                        if prev:
                            f.write(f"after {prev} ({imgs[prev][0]}: {imgs[prev][2]}), saved as {stem}.prev.img\n")
                        f.write(f"replay: {how}\n\n")
                        f.write(text[-6000:])
                    saved.append((stem + ".img", outcome, kind, what, how, failure_message(text)))
                    say(f"  fsfuzz: {outcome} on {part} ({kind}: {what}); replay: {how}")
                prev_part = part
            if any(o == "ADROS-PANIC" for _, o in events):
                break
            # Boot again after the last image seen, for what is left.
            finished = "FSWALK-END" in text and "FSWALK-STOP" not in text
            if not events:
                tally["harness: a boot without results"] += 1
            if finished or last is None:
                break
            dk, num = part_index(last)
            starts = {d: (num + 1 if d == dk else p) for d, p in starts.items() if d >= dk}
            if starts[dk] >= 5 + per_disk:
                starts.pop(dk)
        if tally["ADROS-PANIC"]:
            break
    return tally, per_kind, refusals, saved, nboot


def replay(build, files):
    """The images, in order, as hda5, hda6...: the console and the outcomes."""
    work = os.path.join(build, "fsfuzz")
    os.makedirs(work, exist_ok=True)
    images = []
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        images.append(data + b"\0" * max(0, IMG_SECTORS * 512 - len(data)))
    p = os.path.join(work, "replay.img")
    pack(p, images)
    events, text = walk_boot(os.path.join(build, "adros.elf"), [p], {"hda": 5},
                             os.path.join(build, "test-logs", "fsfuzz-replay.log"), 300)
    print(text)
    print(events)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--time", type=float, default=0, help="seconds to spend (0: --boots decides)")
    ap.add_argument("--boots", type=int, default=0)
    ap.add_argument("--disks", type=int, default=4)
    ap.add_argument("--per-disk", type=int, default=MAX_PER_DISK)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--replay", nargs="+", metavar="IMAGE", help="boot these images (hda5, hda6...) and show it")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    why = missing()
    if why:
        print(f"  fsfuzz: skipped: {why}")
        return 2
    if args.replay:
        replay(build, args.replay)
        return 0
    if not args.time and not args.boots:
        args.boots = 1
    kinds = [k for k in args.kinds.split(",") if k]
    if any(k not in KINDS for k in kinds) or not 1 <= args.disks <= 4 or not 1 <= args.per_disk <= MAX_PER_DISK:
        ap.error("--kinds from ext2,ffs,fat,iso; --disks 1..4; --per-disk 1..56")
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"  FUZZ    NetBSD's file systems: {args.disks} disk(s) of {args.per_disk} images, seed {seed}")
    t0 = time.monotonic()
    tally, per_kind, refusals, saved, nboot = campaign(build, args.time, args.boots, args.disks, args.per_disk,
                                                       seed, kinds)
    n = sum(per_kind.values())
    kinds_s = ", ".join(f"{k} {per_kind[k]}" for k in KINDS if per_kind[k])
    print(f"  fsfuzz: {n} images ({kinds_s}) in {nboot} boots, {time.monotonic() - t0:.0f} s: "
          f"{tally['DONE']} mounted and walked ({tally['DONE with errors']} with errors, "
          f"{tally['write failed']} writes failed), {tally['REFUSED']} refused, "
          f"{tally['PANIC']} NetBSD panics, {tally['HANG']} hangs, {tally['ENDED']} ended mid-image, "
          f"{tally['ADROS-PANIC']} AdrOS panics")
    if refusals:
        print("  fsfuzz: refusals: " + ", ".join(f"{k} {v}" for k, v in sorted(refusals.items())))
    for k, v in tally.items():
        if k.startswith("harness"):
            print(f"  fsfuzz: {k}: {v}")
    for path, outcome, kind, what, how, msg in saved:
        print(f"  fsfuzz: saved {path}: {outcome} ({kind}: {what}); replay: {how}")
    groups = collections.Counter((kind, msg) for _, _, kind, _, _, msg in saved)
    for (kind, msg), n in sorted(groups.items(), key=lambda x: (-x[1], x[0])):
        print(f"  fsfuzz: {n:4d} x {kind}: {msg}")
    bad = tally["ADROS-PANIC"] or any(k.startswith("harness") for k in tally) or n == 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
