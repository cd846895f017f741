"""Test boots for PCI, ATA and the block layer (suites pci, ata, blk).

Disk images are made at test time in <build>/storage/, one set per boot
(boots run in parallel and QEMU locks its images):

  hda  8 MiB, every sector a known pattern (sector_pattern, disk 0), with an
       MBR: hda1 2048+4096 (83), hda2 extended 8192+8192 holding hda5
       8255+2000 and hda6 12351+4033 (EBRs at 8192 and 12288)
  hdc  4 MiB pattern (disk 2), no table; the ata suite writes above 4096
  hdd  4 MiB pattern (disk 3) behind QEMU's blkdebug: EIO on reads that
       touch sector 1000 and on writes that touch sector 2000

tests/kernel/ata.c holds the same layout; keep the two in step.
"""
import os
import re
import struct

from testplan import check_patterns

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


def _prepare(tag):
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


def _disks(build, tag, blkdebug=True):
    d = os.path.join(build, "storage", tag)
    disks = [f"file={d}/hda.img,format=raw,if=ide,index=0",
             f"file={d}/hdc.img,format=raw,if=ide,index=2"]
    if blkdebug:
        disks.append(f"file=blkdebug:{d}/blkdebug.conf:{d}/hdd.img,format=raw,if=ide,index=3")
    return disks


def _check_boot_log(b, res):
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
    check_patterns(res, b.output, want, "boot-log: ")


def boots(build):
    return [
        {"name": "storage-blk", "cmdline": "ktest=blk", "timeout": 120},
        # The block cache on test devices (tests/kernel/bcache.c); the same
        # suite with a 48 MiB guest, where the default bound is smaller.
        {"name": "storage-bcache", "cmdline": "ktest=bcache", "timeout": 120},
        {"name": "storage-bcache-48m", "cmdline": "ktest=bcache", "timeout": 120, "mem": 48},
        {"name": "storage-pci", "cmdline": "net=off ktest=pci", "timeout": 120,
         "prepare": _prepare("pci"),
         "disks": _disks(build, "pci", blkdebug=False) + [
             ["-device", "pci-bridge,id=br1,chassis_nr=1"],
             ["-device", "virtio-rng-pci,bus=br1,addr=0x3"],
             # The e1000 the pci suite drives, on no network at all.
             ["-nic", "none", "-device", "e1000"]],
         "post": [_check_boot_log]},
        {"name": "storage-ata-dma", "cmdline": "ktest=ata", "timeout": 240,
         "prepare": _prepare("dma"), "disks": _disks(build, "dma")},
        {"name": "storage-ata-pio", "cmdline": "ata.dma=off ktest=ata", "timeout": 240,
         "prepare": _prepare("pio"), "disks": _disks(build, "pio"),
         "post": [_check_pio_only]},
    ]


def _check_pio_only(b, res):
    if "ata: DMA disabled by ata.dma=off" in b.output and re.search(r"hda: master .*, PIO\n", b.output):
        res.ok("ata.dma=off makes the disks PIO-only")
    else:
        res.fail("ata.dma=off makes the disks PIO-only", "no 'DMA disabled' / PIO line in the boot log")


def benches(build):
    """The ATA benchmark (bench=ata_seq_read) runs in the same boot as the
    native ext2 one, on the ext2 benchmark image: see plan_fs.benches()."""
    return []
