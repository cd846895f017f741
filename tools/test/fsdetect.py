"""The boots of plan_fsdetect.py (NetBSD's other file systems through rump
mounts: manifests, detection, the FAT write test) for any kind of disk:
plan_fsdetect boots them on ATA disks, plan_usb on USB sticks.

Every boot here is made by a function taking `attach(path, index,
writable)`, which returns the QEMU arguments for one disk (a -drive string
or an argument list), and the AdrOS names of the disks; see ata() and
boots_for().  Images come from tools/images/mkimages.py (build_nbfs).
"""
import os
import re
import shutil
import subprocess

import common
import mkimages
import qemu
from common import pattern  # tests/kernel/rump_fat.c's content generator (as rump_stage1.c's)

def ata(path, index, writable=False):
    """An image as IDE disk `index` (hda, hdb, ...); read-only boots use
    snapshot=on so the guest can never change the image."""
    return f"file={path},format=raw,if=ide,index={index}" + ("" if writable else ",snapshot=on")


ATA_NAMES = ["hda", "hdb", "hdc", "hdd"]


def _compare_manifest(view, detected):
    """The guest's manifest equals the host's of view; the boot log says the
    file system was detected as `detected`."""
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(name, f"{b.describe()}\n" + b.tail(20))
            return
        if re.search(r"rump: \w+: " + re.escape(detected) + r" found \(NetBSD's \w+\)", b.output):
            res.ok(f"{name}: detected as {detected}")
        else:
            res.fail(f"{name}: detected as {detected}", "no detection line\n" + b.tail(20))
        common.compare_manifest(b, res, view, "every line equal to the host's view")
    return check


# (image, host view, what detection calls it, timeout); paths relative to
# <build>/nbfs.
MANIFESTS = {
    "ext2": ("../fsimg/rev0.img", "../fsimg/tree-small", "ext2", 180),
    "fat32": ("fat32.img", "view-fat32", "FAT32", 420),
    "fat16": ("fat16.img", "view-fat16", "FAT16", 180),
    "fat12": ("fat12.img", "view-fat12", "FAT12", 180),
    "iso": ("iso.img", "view-iso", "ISO 9660", 180),
    "joliet": ("joliet.img", "tree-small", "ISO 9660", 180),
    "ffs": ("ffs.img", "tree-ffs", "FFS", 180),
}
TOOLS = {"ext2": ("mke2fs",), "fat32": ("mkfs.fat", "mcopy"), "fat16": ("mkfs.fat", "mcopy"), "fat12": ("mkfs.fat", "mcopy"),
         "iso": ("genisoimage", "xorriso"), "joliet": ("genisoimage", "xorriso"), "ffs": ("makefs",)}


def _prepare(build):
    mkimages.build_all(build)
    mkimages.build_nbfs(build)


def manifest_boots(build, attach=ata, dev="hda", prefix="fsdetect", extra=()):
    d = os.path.join(build, "nbfs")
    out = []
    for fs, (img, view, what, timeout) in MANIFESTS.items():
        name = f"{prefix}-manifest-{fs}"
        missing = mkimages.have_tools(*TOOLS[fs])
        if missing:
            out.append({"name": name, "cmdline": "", "skip": f"host tools missing: {' '.join(missing)}"
                        " (tools/deps.sh)", "tests": [f"manifest=rump:{dev} on {what} equals the host's view"]})
            continue
        out.append({"name": name, "cmdline": f"manifest=rump:{dev}", "timeout": timeout, "prepare": _prepare,
                    "disks": [attach(os.path.join(d, img), 0, False)], "extra": list(extra),
                    "check": _compare_manifest(os.path.join(d, view), what)})
    return out


def detect_script(names):
    """The fsdetect-detect script for disks names[0..3] = FAT16, ISO 9660, a
    corrupt FAT boot sector, a blank disk.  Seven commands fail on purpose."""
    a, b, c, dd = names
    return "; ".join([
        "mkdir /a", "mkdir /b", "mkdir /c",
        f"mount -t rump {a} /a",                 # FAT16, detected
        f"mount -t rump -o rw {b} /b",           # ISO 9660: read-only whatever is asked
        f"mount -t rump {c} /c",                 # FAIL: no file system recognized
        f"mount -t rump {dd} /c",                # FAIL: likewise (all zeros)
        f"mount -t rump -o fs=msdos {c} /c",     # FAIL: NetBSD's msdosfs refuses it
        f"mount -t rump -o fs=nosuchfs {dd} /c",  # FAIL: unknown file system
        "mount",
        "cat /a/hello.txt", "cat /b/Hello.txt", "ls /b",
        "write /b/new no",                       # FAIL: read-only
        "umount /a",
        f"mount -t rump -o fs=ext2fs {a} /a",    # FAIL: named, so no detection: ext2fs refuses FAT
        f"mount -t rump -o fs=msdos,ro {a} /a",  # named and read-only
        "mount", "cat /a/hello.txt",
        "write /a/new no",                       # FAIL: mounted read-only
        "umount /a", "umount /b",
    ])


DETECT_FAILS = 7


def _check_detect(names):
    a, b, c, dd = names

    def check(bt, res):
        name = res.group
        out = bt.output
        if bt.timed_out or "KERNEL PANIC" in out or bt.status == qemu.EXIT_PANIC:
            res.fail(name, f"{bt.describe()}\n" + bt.tail(30))
            return
        hello = "Hello from AdrOS, NetBSD's file systems"
        want = [
            (rf"rump: {a}: FAT16 found \(NetBSD's msdos\)", f"{a}: FAT16 detected"),
            (rf"rump: {b}: ISO 9660 found \(NetBSD's cd9660\)", f"{b}: ISO 9660 detected"),
            (rf"mount: {c}: no file system recognized", f"{c}: corrupt FAT boot sector refused, clearly"),
            (rf"mount: {dd}: no file system recognized", f"{dd}: blank disk refused, clearly"),
            (rf"rump: NetBSD's msdos refused to mount {c}: ", f"-o fs=msdos on {c}: NetBSD's refusal"),
            (r'rump: mount: unknown file system "nosuchfs"', "-o fs=<unknown>: a clear error"),
            (rf"{a} on /a type rump \(msdos, rw\)\n{b} on /b type rump \(cd9660, ro\)", "mount lists the NetBSD types"),
            (rf"adros# cat /a/hello.txt\n{hello}\n", "FAT16 file read (Hello.txt, case-insensitively)"),
            (rf"adros# cat /b/Hello.txt\n{hello}\n", "ISO 9660 file read"),
            (r"adros# ls /b\n(?:.*\n)*?link to readme@?\n", "ISO 9660: Rock Ridge names"),
            (r"write: .*read-only file system", "ISO 9660 refuses writes"),
            (rf"rump: NetBSD's ext2fs refused to mount {a}: ", "-o fs=ext2fs overrides detection"),
            (rf"{a} on /a type rump \(msdos, ro\)", "-o fs=msdos,ro: read-only"),
            (r"adros# write /a/new no\nwrite: /a/new: read-only file system", "-o ro: FAT refuses writes"),
            (rf"script: \d+ commands, {DETECT_FAILS} failed", f"exactly the {DETECT_FAILS} expected failures; "
             "the kernel went on"),
        ]
        common.check_patterns(res, out, want, f"{name}: ", bt.tail(40))
    return check


def detect_boot(build, attach=ata, names=ATA_NAMES, prefix="fsdetect", extra=()):
    d = os.path.join(build, "nbfs")
    name = f"{prefix}-detect"
    missing = mkimages.have_tools("mkfs.fat", "mcopy", "genisoimage", "xorriso")
    if missing:
        return {"name": name, "cmdline": "", "skip": f"host tools missing: {' '.join(missing)} (tools/deps.sh)",
                "tests": ["detection, clear refusals, -o fs= and -o ro"]}
    imgs = ["fat16.img", "iso.img", "fatbad.img", "blank.img"]
    return {"name": name, "cmdline": f'run="{detect_script(names)}"', "timeout": 180, "prepare": _prepare,
            "disks": [attach(os.path.join(d, img), i, False) for i, img in enumerate(imgs)], "extra": list(extra),
            "check": _check_detect(names)}


# ---- the write test ----

def expected_written():
    """What suite rumpfat leaves on the disk: path -> bytes (directories:
    None)."""
    exp = {
        "A Long File Name, Mixed Case.text": pattern(11, 3000),
        "short.txt": pattern(12, 100),
        "one": None, "one/two": None, "one/two/wandered": None,
        "one/moved up.bin": pattern(13, 777),
        "limit.bin": b"",
        "created.txt": pattern(1, 5000),
        "appended.txt": pattern(2, 10000),
        "sub": None,
        "after-rename.txt": pattern(3, 1234),
        "many": None,
        "big.bin": pattern(7, 16 << 20),
    }
    for k in range(200):
        exp[f"many/file number {k:03d}.dat"] = pattern(100 + k, k * 37 % 3000 + 1)
    return exp


def _prepare_write(img):
    def prep(build):
        os.makedirs(os.path.dirname(img), exist_ok=True)
        mkimages.make_fat(img, 64 * 1024, 32, cluster_sectors=1)
        # NetBSD's msdosfs (2016) keeps the FSInfo free-cluster count up to
        # date only when the boot record has Microsoft's three-sector
        # layout, sector 2 ending in 00 00 55 AA (it reads FSInfo as 1 KiB);
        # mkfs.fat leaves sector 2 empty.  Without it the count goes stale,
        # which fsck.fat reports (a hint only, no data at risk: see README).
        mkimages.fat_ms_boot_signature(img)
    return prep


def _check_fat_written(img):
    def post(b, res):
        name = res.group
        p = subprocess.run(["fsck.fat", "-n", img], capture_output=True, text=True)
        if p.returncode == 0:
            res.ok(f"{name}: fsck.fat -n clean")
        else:
            res.fail(f"{name}: fsck.fat -n clean", f"exit {p.returncode}:\n{(p.stdout + p.stderr)[-2000:]}")
        view = img + ".view"
        try:
            mkimages.fat_host_view(img, view)
        except RuntimeError as e:
            res.fail(f"{name}: mcopy reads back what rump wrote", str(e))
            return
        exp = expected_written()
        bad = []
        for rel, data in exp.items():
            path = os.path.join(view, rel)
            if data is None:
                if not os.path.isdir(path):
                    bad.append(f"{rel}/: missing")
                continue
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        bad.append(f"{rel}: content differs")
            except OSError:
                bad.append(f"{rel}: missing on the host")
        found = set()
        for dirpath, dirs, files in os.walk(view):
            for e in dirs + files:
                found.add(os.path.relpath(os.path.join(dirpath, e), view))
        extra = sorted(found - set(exp))
        if extra:
            bad.append("on the image but never left there: " + ", ".join(extra[:5]))
        if bad:
            res.fail(f"{name}: mcopy reads back what rump wrote", "; ".join(bad[:10]))
        else:
            res.ok(f"{name}: mcopy reads back what rump wrote ({len(exp)} files and directories, nothing else)")
        shutil.rmtree(view, ignore_errors=True)
    return post


def write_boot(build, attach=ata, dev="hda", prefix="fsdetect", extra=()):
    name = f"{prefix}-fat-write"
    missing = mkimages.have_tools("mkfs.fat", "mcopy", "fsck.fat")
    if missing:
        return {"name": name, "cmdline": "", "skip": f"host tools missing: {' '.join(missing)} (tools/deps.sh)",
                "tests": ["rumpfat", "fsck.fat -n clean", "mcopy reads back what rump wrote"]}
    img = os.path.join(build, "nbfs", f"{prefix}-write.img")
    return {"name": name, "cmdline": f"ktest=rumpfat fatdev={dev}", "timeout": 600, "prepare": _prepare_write(img),
            "disks": [attach(img, 0, True)], "extra": list(extra), "post": [_check_fat_written(img)]}


def boots_for(build, attach=ata, names=ATA_NAMES, prefix="fsdetect", extra=()):
    """Every boot of this plan with disks attached by attach(path, index,
    writable) and known to AdrOS by names (names[0] for the one-disk boots;
    the detection boot uses four), extra QEMU arguments added to each (a
    USB host controller, say).  For USB disks, for example:

        def usb(path, i, writable):
            return ["-drive", f"if=none,id=u{i},file={path},format=raw" + ("" if writable else ",snapshot=on"),
                    "-device", f"usb-storage,bus=ehci.0,drive=u{i}"]
        boots_for(build, usb, ["sd0", "sd1", "sd2", "sd3"], "usb-fs", ["-device", "usb-ehci,id=ehci"])
    """
    return manifest_boots(build, attach, names[0], prefix, extra) + [
        detect_boot(build, attach, names, prefix, extra), write_boot(build, attach, names[0], prefix, extra)]
