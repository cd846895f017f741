"""Disks that several plans boot: how each is made and attached.

  storage pattern disks  every sector a known pattern, with partition
                         tables (plan_storage, plan_apic, plan_usb)
  the ext2 image set     tools/images/mkimages.py in <build>/fsimg, the
                         storage issue's images (plan_fs, plan_stage1,
                         plan_usb), with the manifest check of each
  stage 1's read disks   read.img and corrupt.img (plan_stage1, plan_apic)
  USB sticks             QEMU's host controllers and usb-storage
                         (plan_usb, plan_reliability)
  the disk of tones      WAV files on ext2 (plan_audio, tools/bench/bench_audio.py)

A prepare function given to several boots runs once per run (runtests.py
keys on the function), so each is one object here.
"""
import hashlib
import math
import os
import re
import shutil
import struct
import subprocess

import common
import mkimages
import qemu

# --- storage pattern disks ----------------------------------------------------
#
#   hda  8 MiB, every sector a known pattern (sector_pattern, disk 0), with an
#        MBR: hda1 2048+4096 (83), hda2 extended 8192+8192 holding hda5
#        8255+2000 and hda6 12351+4033 (EBRs at 8192 and 12288)
#   hdc  4 MiB pattern (disk 2), no table; the ata suite writes above 4096
#   hdd  4 MiB pattern (disk 3) behind QEMU's blkdebug: EIO on reads that
#        touch sector 1000 and on writes that touch sector 2000
#
# tests/kernel/ata.c holds the same layout; keep the two in step.

BLKDEBUG_READ_SECTOR = 1000
BLKDEBUG_WRITE_SECTOR = 2000


def sector_pattern(disk, s):
    """The 512 bytes of sector s of test disk `disk` (as fill_expected in ata.c)."""
    b = bytearray(((s * 13 + j * 7 + disk * 101 + (s >> 8)) & 0xff) for j in range(512))
    b[0:8] = b"ADR" + bytes([disk & 0xff]) + struct.pack("<I", s & 0xffffffff)
    return bytes(b)


def _entry(ptype, lba, n):
    return struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", lba, n)


def _table(entries):
    """A 512-byte MBR/EBR sector holding up to four (type, lba, count) entries."""
    sec = bytearray(512)
    for i, e in enumerate(entries):
        if e:
            sec[446 + 16 * i:446 + 16 * (i + 1)] = _entry(*e)
    sec[510:512] = b"\x55\xaa"
    return bytes(sec)


def make_disk(path, disk, nsectors, tables=None):
    """Writes a pattern disk; tables maps sector -> 512 bytes to put there."""
    tables = tables or {}
    with open(path + ".tmp", "wb") as f:
        for s in range(nsectors):
            f.write(tables.get(s) or sector_pattern(disk, s))
    os.replace(path + ".tmp", path)


def hda_tables():
    return {
        0: _table([(0x83, 2048, 4096), (0x05, 8192, 8192), None, None]),
        8192: _table([(0x83, 63, 2000), (0x05, 4096, 4096)]),   # hda5 at 8255; next EBR at 8192+4096
        12288: _table([(0x83, 63, 4033)]),                       # hda6 at 12351, to the end
    }


def storage_prepare(tag):
    """A prepare function making hda, hdc and hdd in <build>/storage/<tag>
    (one set per boot: boots run in parallel and QEMU locks its images)."""
    def prepare(build):
        d = os.path.join(build, "storage", tag)
        os.makedirs(d, exist_ok=True)
        make_disk(os.path.join(d, "hda.img"), 0, 16384, hda_tables())
        make_disk(os.path.join(d, "hdc.img"), 2, 8192)
        make_disk(os.path.join(d, "hdd.img"), 3, 8192)
        with open(os.path.join(d, "blkdebug.conf"), "w") as f:
            for event, sector in (("read_aio", BLKDEBUG_READ_SECTOR), ("write_aio", BLKDEBUG_WRITE_SECTOR)):
                f.write(f'[inject-error]\nevent = "{event}"\nerrno = "5"\nsector = "{sector}"\nonce = "off"\n\n')
    return prepare


def storage_disks(build, tag, blkdebug=True):
    d = os.path.join(build, "storage", tag)
    disks = [f"file={d}/hda.img,format=raw,if=ide,index=0",
             f"file={d}/hdc.img,format=raw,if=ide,index=2"]
    if blkdebug:
        disks.append(f"file=blkdebug:{d}/blkdebug.conf:{d}/hdd.img,format=raw,if=ide,index=3")
    return disks


def check_storage_log(b, res):
    """The lspci-style listing, the disks and their partitions in the boot log."""
    want = [
        (r"pci: 00:00\.0 8086:1237 \[060000\] Host bridge", "lspci lists the host bridge"),
        (r"pci: 00:01\.1 8086:7010 \[010180\] IDE controller", "lspci lists the PIIX IDE"),
        (r"pci:     BAR4 io   0x[0-9a-f]{4} size 16", "IDE BAR4 decoded"),
        (r"pci: 00:01\.1: attached ata", "ATA driver attached by class"),
        (r"ata0: hda: master \"QEMU HARDDISK\", 16384 sectors", "hda identified"),
        (r"ata1: hdc: master \"QEMU HARDDISK\", 8192 sectors", "hdc identified"),
        (r"blk: hda: partition hda6 type 83, sectors 12351\.\.16383", "logical partition found"),
    ]
    common.check_patterns(res, b.output, want, "boot-log: ")


def check_pio_only(b, res):
    if "ata: DMA disabled by ata.dma=off" in b.output and re.search(r"hda: master .*, PIO\n", b.output):
        res.ok("ata.dma=off makes the disks PIO-only")
    else:
        res.fail("ata.dma=off makes the disks PIO-only", "no 'DMA disabled' / PIO line in the boot log")


# --- the ext2 image set --------------------------------------------------------

HOSTILE_BOOTS = ["badmagic-1k", "hugeblocks-4k", "badgdt-1k", "blockpast-4k", "reclen0-1k", "dirloop-4k",
                 "hugesize-1k", "badino-4k"]


def fs_prepare(build):
    mkimages.build_all(build)


def fs_img(build, name):
    return os.path.join(build, "fsimg", name + ".img")


def fs_drive(path, index):
    # snapshot=on: the guest can never change the images.
    return f"file={path},format=raw,if=ide,index={index},snapshot=on"


def fs_manifest_check(img, tree):
    """A check: the boot powered off cleanly and its manifest equals
    tools/images/manifest.sh on tree (the one img was made from)."""
    def check(b, res):
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(res.group, f"{b.describe()}\n" + b.tail(20))
            return
        common.compare_manifest(b, res, tree)
    return check


# --- a write workload through NetBSD's ext2fs ------------------------------------

# On an ext2 image holding big.bin (write_prepare): files, a directory, a
# 3 MiB copy, sync, and a file left for the poweroff's writeback.
WRITE_SCRIPT = ("mkdir /w; mount -t rump -o rw {dev} /w; mkdir /w/dir; write /w/dir/a {hello}; "
                "cp /w/big.bin /w/dir/copy.bin; sha256sum /w/big.bin /w/dir/copy.bin; sync; "
                "write /w/at-poweroff kept; ls /w/dir")


def write_prepare(subdir, tag):
    """A prepare function making <build>/<subdir>/write-<tag>.img: 32 MiB of
    ext2 holding big.bin, 3 MiB of random bytes."""
    def prepare(build):
        d = os.path.join(build, subdir)
        tree = os.path.join(d, f"write-{tag}-tree")
        os.makedirs(tree, exist_ok=True)
        with open(os.path.join(tree, "big.bin"), "wb") as f:
            f.write(os.urandom(3 << 20))
        common.mkfs(os.path.join(d, f"write-{tag}.img"), 32, tree=tree, block=4096)
    return prepare


def debugfs_dump(img, path, out):
    """The bytes of path on ext2 image img (through debugfs), or None."""
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["debugfs", "-R", f"dump {path} {out}", img], capture_output=True)
    return open(out, "rb").read() if os.path.exists(out) else None


def e2fsck_clean(res, what, img):
    p = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok(f"{what}: e2fsck -fn clean")
    else:
        res.fail(f"{what}: e2fsck -fn clean", p.stdout[-1500:])


def write_check(build, subdir, tag, hello, commands=9, more=()):
    """The check of a WRITE_SCRIPT boot on write_prepare's image: every
    command succeeded (commands: the script's count, WRITE_SCRIPT's own 9
    unless the boot runs more), the patterns more (as check_patterns takes
    them), the copy's sha256 in the guest, e2fsck -fn clean on the host, and
    debugfs reads every file back as written."""
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK or "PANIC" in b.output:
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        d = os.path.join(build, subdir)
        img = os.path.join(d, f"write-{tag}.img")
        big = open(os.path.join(d, f"write-{tag}-tree", "big.bin"), "rb").read()
        sha = hashlib.sha256(big).hexdigest()
        common.check_patterns(res, b.output,
                              [(rf"{sha}  /w/big\.bin\n{sha}  /w/dir/copy\.bin", "sha256 of the copy in the guest"),
                               (rf"script: {commands} commands, 0 failed", "every command succeeded")] + list(more),
                              f"{name}: ", b.tail(30))
        e2fsck_clean(res, name, img)
        want = {"/dir/a": hello.encode() + b"\n", "/dir/copy.bin": big, "/at-poweroff": b"kept\n"}
        for path, data in want.items():
            got = debugfs_dump(img, path, os.path.join(d, f"write-{tag}-dump.bin"))
            what = f"{name}: {path} on the image (debugfs) as written"
            if got == data:
                res.ok(what)
            else:
                res.fail(what, f"{len(got) if got is not None else 'no'} bytes, want {len(data)}")
    return check


# --- stage 1's read disks ----------------------------------------------------------

def stage1_read_images(build):
    """<build>/stage1/read.img (8 files of 1 MiB, a deep directory, a
    symbolic link) and corrupt.img (superblock magic and counts damaged)."""
    d = os.path.join(build, "stage1")
    tree = os.path.join(d, "read-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "files"))
    for k in range(8):
        with open(os.path.join(tree, "files", f"f{k}"), "wb") as f:
            f.write(common.pattern(k, 1 << 20))
    os.makedirs(os.path.join(tree, "a", "b", "c"))
    with open(os.path.join(tree, "a", "b", "c", "deep.txt"), "w") as f:
        f.write("deep\n" * 100)
    os.symlink("files/f0", os.path.join(tree, "link-to-f0"))
    common.mkfs(os.path.join(d, "read.img"), 24, tree)
    # A corrupt image: a valid file system whose superblock magic and block
    # counts are damaged.
    bad = os.path.join(d, "corrupt.img")
    common.mkfs(bad, 4)
    with open(bad, "r+b") as f:
        f.seek(1024 + 56)
        f.write(b"\x00\x00")          # s_magic
        f.seek(1024 + 4)
        f.write(b"\xff\xff\xff\x7f")  # s_blocks_count


# --- USB sticks ----------------------------------------------------------------

# QEMU's USB host controllers: (-device arguments, the bus name sticks go on).
HCS = {
    "ehci": (["-device", "usb-ehci,id=hc"], "hc.0"),
    "uhci": (["-device", "piix3-usb-uhci,id=hc"], "hc.0"),
    "ohci": (["-device", "pci-ohci,id=hc"], "hc.0"),
}


def usb_missing():
    """Why USB boots cannot run here, or None."""
    if not common.rump_present():
        return "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    if "usb" not in common.linked_stages():
        return "NetBSD USB components absent (librumpdev_pci_usbhc, librumpdev_usb, librumpdev_umass, librumpdev_scsipi)"
    return None


def stick(hc, img, n=0, snapshot=True, fmt="raw", file_opt=None):
    """QEMU arguments for a USB stick holding img on controller hc (an HCS
    key), drive id u<n>.  file_opt replaces file=<img> (e.g. blkdebug)."""
    devs, bus = HCS[hc]
    f = file_opt or f"file={img}"
    drive = f"if=none,id=u{n},{f},format={fmt}" + (",snapshot=on" if snapshot else "")
    return ["-drive", drive, "-device", f"usb-storage,bus={bus},drive=u{n},id=stick{n}"]


def usb_boot(name, hc, sticks, cmdline, **kw):
    """A plan entry with controller hc and sticks (lists of QEMU args)."""
    extra = list(HCS[hc][0])
    for s in sticks:
        extra += s
    e = {"name": name, "cmdline": cmdline, "extra": extra}
    e.update(kw)
    return e


# --- the disk of tones -----------------------------------------------------------

def wav_bytes(rate, ch, bits, freq, secs, amp=0.5):
    n = int(rate * secs)
    frames = []
    for i in range(n):
        v = amp * math.sin(2 * math.pi * freq * i / rate)
        s = struct.pack("<h", int(round(v * 32767))) if bits == 16 else struct.pack("<B", int(round(128 + v * 127)))
        frames.append(s * ch)
    data = b"".join(frames)
    return wav_header(ch, rate, bits, len(data)) + data


def wav_header(ch, rate, bits, datalen, align=None):
    align = ch * bits // 8 if align is None else align
    return (b"RIFF" + struct.pack("<I", 36 + datalen) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, ch, rate, rate * align, align, bits) + b"data" + struct.pack("<I", datalen))


def tones_image(build):
    """<build>/audio/audio.img: the WAV files plan_audio's boots play."""
    d = os.path.join(build, "audio")
    tree = os.path.join(d, "tree")
    os.makedirs(tree, exist_ok=True)
    files = {"s440.wav": lambda: wav_bytes(44100, 2, 16, 440, 2),
             "s1k.wav": lambda: wav_bytes(44100, 2, 16, 1000, 2),
             "m8k.wav": lambda: wav_bytes(8000, 1, 8, 440, 2),
             "l1k.wav": lambda: wav_bytes(44100, 2, 16, 1000, 8),
             "trunc.wav": lambda: wav_header(2, 44100, 16, 400)[:30],
             "rate.wav": lambda: wav_header(2, 1000000, 16, 400) + bytes(400),
             "ch0.wav": lambda: wav_header(0, 44100, 16, 400, align=4) + bytes(400)}
    for name, make in files.items():
        p = os.path.join(tree, name)
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(make())
    img = os.path.join(d, "audio.img")
    tmp = f"{img}.{os.getpid()}.{id(files)}"
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", tree, tmp, "8M"], check=True, capture_output=True)
    os.replace(tmp, img)  # boots running in parallel never see a half-made image


def copy_image(build):
    """<build>/audio/copy.img: ext2 holding big.bin, 64 MiB of random
    bytes (made once), with room for its copy (plan_audio's busy
    session, tools/bench/pingcopy.py)."""
    d = os.path.join(build, "audio")
    img = os.path.join(d, "copy.img")
    if os.path.exists(img):
        return img
    tree = os.path.join(d, "copytree")
    os.makedirs(tree, exist_ok=True)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(os.urandom(64 << 20))
    tmp = f"{img}.{os.getpid()}"
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", tree, tmp, "160M"], check=True, capture_output=True)
    os.remove(os.path.join(tree, "big.bin"))
    os.replace(tmp, img)
    return img


def blkdebug_read_image(d):
    """d/err.img: a 4 MiB ext2 image holding good.bin and bad.bin (256 KiB
    of pattern each), and d/blkdebug.conf: QEMU's blkdebug failing every
    read of one sector in the middle of bad.bin with EIO."""
    tree = os.path.join(d, "err-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "good.bin"), "wb") as f:
        f.write(common.pattern(1, 256 << 10))
    with open(os.path.join(tree, "bad.bin"), "wb") as f:
        f.write(common.pattern(2, 256 << 10))
    img = os.path.join(d, "err.img")
    common.mkfs(img, 4, tree, block=1024)
    blocks = mkimages._blocks_of(img, "/bad.bin")
    sector = blocks[len(blocks) // 2] * 2
    with open(os.path.join(d, "blkdebug.conf"), "w") as f:
        f.write(f'[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "{sector}"\nonce = "off"\n')
