"""Devices of a virtual machine through NetBSD's virtio drivers in the rump
kernel (the NIC is plan_nics.py's).  Disks, as AdrOS block devices
(src/netbsd/disk.c, with the USB disks):
virtio-blk through ld (ld0), virtio-scsi through vioscsi, scsibus and sd
(sd0).  QEMU's legacy interface (disable-modern=on): NetBSD 7.99 has no
virtio 1.0.  Skipped with the reason when the components are absent.

  virtio-<ld|sd>-<native|rump>  the storage issue's std4k ext2 image (a
        generated tree) on the disk: manifest=<dev> (AdrOS's ext2) and
        manifest=rump:<dev> (NetBSD's ext2fs) each equal
        tools/images/manifest.sh on the tree
  virtio-<ld|sd>-write  an ext2 image (a 3 MiB file) written through NetBSD's ext2fs
        (files, a directory, a 3 MiB copy, sync, and a file left for the
        poweroff's writeback): e2fsck -fn clean on the host, debugfs
        reads every file back equal
  virtio-rnd   viornd on virtio-rng: what it takes from the device goes
        into AdrOS's entropy pool too (src/rump/rump_viornd.c)

Benchmark (`make bench`):
  virtio_seq   tests/kernel/usb_bench.c's virtio_seq: raw sequential reads
        of ld0 (virtio-blk) and sd0 (virtio-scsi), 64 MiB of random data
        each, 64 KiB and 1 MiB requests; tools/bench/linuxref.py mirrors
        it (Linux's virtio_blk and virtio_scsi, O_DIRECT).
"""
import os

import mkimages
import qemu
from common import check_patterns, linked_archives, linked_stages, rump_present
from disks import WRITE_SCRIPT, fs_img, fs_manifest_check, fs_prepare, write_check, write_prepare

# kind: (the archive, QEMU's device arguments for a drive id d0, AdrOS's name)
KINDS = {"ld": ("librumpdev_virtio_ld", ["-device", "virtio-blk-pci,drive=d0,disable-modern=on"], "ld0"),
         "sd": ("librumpdev_virtio_vioscsi", ["-device", "virtio-scsi-pci,id=vs,disable-modern=on",
                                              "-device", "scsi-hd,bus=vs.0,drive=d0"], "sd0")}


def _dir(build):
    d = os.path.join(build, "virtio")
    os.makedirs(d, exist_ok=True)
    return d


def _drive(img, snapshot):
    return ["-drive", f"if=none,id=d0,file={img},format=raw" + (",snapshot=on" if snapshot else "")]


def _why(kind):
    if not rump_present():
        return "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    if "virtio" not in linked_stages():
        return "NetBSD virtio components absent (librumpdev_pci_virtio)"
    if kind and KINDS[kind][0] not in linked_archives():
        return f"{KINDS[kind][0]}.a absent from the rump components"
    return None


def _check_rnd(b, res):
    name = res.group
    if b.timed_out or b.status != qemu.EXIT_OK or "PANIC" in b.output:
        res.fail(name, b.describe() + "\n" + b.tail(30))
        return
    check_patterns(res, b.output, [(r"viornd0 at virtio\d", "viornd attaches to virtio-rng"),
                                   (r"entropy: viornd: [1-9]\d* bytes from virtio-rng, [1-9]\d* bits credited",
                                    "AdrOS's pool gets viornd's bytes")],
                   f"{name}: ", b.tail(30))


def _rnd_boot():
    names = {"virtio-rnd": ["viornd on virtio-rng feeds AdrOS's entropy pool"]}
    why = _why(None) or ("librumpdev_virtio_viornd.a absent from the rump components"
                         if "librumpdev_virtio_viornd" not in linked_archives() else None)
    if why:
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
    return [{"name": "virtio-rnd", "cmdline": 'net=off rump.RUMP_VERBOSE=1 run="sleep 5"', "timeout": 120,
             "extra": ["-device", "virtio-rng-pci,disable-modern=on"], "check": _check_rnd}]


BENCH_MIB = 64  # virtio_seq reads 2 x 32 MiB of each disk


def _prepare_bench(build):
    for kind in KINDS:
        with open(os.path.join(_dir(build), f"bench-{kind}.img"), "wb") as f:
            for _ in range(BENCH_MIB):
                f.write(os.urandom(1 << 20))


def benches(build):
    """virtio_seq: ld0 and sd0 in one boot (snapshot=on: nothing written)."""
    if any(_why(kind) for kind in KINDS):
        print(f"# virtio_seq skipped: {_why('ld') or _why('sd')}", flush=True)
        return []
    disks = []
    for i, (kind, (_, devs, _)) in enumerate(KINDS.items()):
        img = os.path.join(_dir(build), f"bench-{kind}.img")
        dev = [a.replace("drive=d0", f"drive=d{i}") for a in devs]
        disks.append(["-drive", f"if=none,id=d{i},file={img},format=raw,snapshot=on"] + dev)
    return [{"name": "virtio_seq", "cmdline": "net=off bench=virtio_seq", "timeout": 600, "disks": disks,
             "prepare": _prepare_bench}]


def boots(build):
    plan = []
    for kind, (archive, devs, dev) in KINDS.items():
        names = {f"virtio-{kind}-native": [f"{dev} on virtio: AdrOS's ext2 manifest equals the host's"],
                 f"virtio-{kind}-rump": [f"{dev} on virtio: NetBSD's ext2fs manifest equals the host's"],
                 f"virtio-{kind}-write": [f"{dev} on virtio: a write through NetBSD's ext2fs, e2fsck -fn clean"]}
        why = _why(kind)
        if why:
            plan += [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
            continue
        tree = os.path.join(build, "fsimg", mkimages.GOOD["std4k"])
        for k, opt in (("native", f"manifest={dev}"), ("rump", f"manifest=rump:{dev}")):
            plan.append({"name": f"virtio-{kind}-{k}", "cmdline": f"net=off {opt}", "timeout": 400,
                         "prepare": fs_prepare, "extra": _drive(fs_img(build, "std4k"), True) + devs,
                         "check": fs_manifest_check("std4k", tree)})
        img = os.path.join(_dir(build), f"write-{kind}.img")
        plan.append({"name": f"virtio-{kind}-write",
                     "cmdline": f'net=off run="{WRITE_SCRIPT.format(dev=dev, hello="hello-virtio")}"',
                     "timeout": 300, "prepare": write_prepare("virtio", kind), "extra": _drive(img, False) + devs,
                     "check": write_check(build, "virtio", kind, "hello-virtio")})
    return plan + _rnd_boot()
