"""Test boots for PCI, ATA and the block layer (suites pci, ata, blk).

The disks are the storage pattern disks of disks.py, made at test time in
<build>/storage/<tag>/, one set per boot (boots run in parallel and QEMU
locks its images): hda with an MBR and logical partitions, hdc, and hdd
behind QEMU's blkdebug.
"""
from disks import check_pio_only, check_storage_log, storage_disks, storage_prepare


def boots(build):
    return [
        {"name": "storage-blk", "cmdline": "ktest=blk", "timeout": 120},
        # The block cache on test devices (tests/kernel/bcache.c); the same
        # suite with a 48 MiB guest, where the default bound is smaller.
        {"name": "storage-bcache", "cmdline": "ktest=bcache", "timeout": 120},
        {"name": "storage-bcache-48m", "cmdline": "ktest=bcache", "timeout": 120, "mem": 48},
        {"name": "storage-pci", "cmdline": "net=off ktest=pci", "timeout": 120,
         "prepare": storage_prepare("pci"),
         "disks": storage_disks(build, "pci", blkdebug=False) + [
             ["-device", "pci-bridge,id=br1,chassis_nr=1"],
             ["-device", "virtio-rng-pci,bus=br1,addr=0x3"],
             # The e1000 the pci suite drives, on no network at all.
             ["-nic", "none", "-device", "e1000"]],
         "post": [check_storage_log]},
        {"name": "storage-ata-dma", "cmdline": "ktest=ata", "timeout": 240,
         "prepare": storage_prepare("dma"), "disks": storage_disks(build, "dma")},
        {"name": "storage-ata-pio", "cmdline": "ata.dma=off ktest=ata", "timeout": 240,
         "prepare": storage_prepare("pio"), "disks": storage_disks(build, "pio"),
         "post": [check_pio_only]},
    ]


def benches(build):
    """The ATA benchmark (bench=ata_seq_read) runs in the same boot as the
    native ext2 one, on the ext2 benchmark image: see plan_fs.benches()."""
    return []
