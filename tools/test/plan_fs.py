"""File-system test boots (VFS, native ext2, the manifest, hostile images)
and the short fuzzing run.

  fs-vfs              ktest=vfs,vfsedge: ramfs, devfs, paths, mounts, RAM
                      disks, edge cases; hda = small1k (vfsedge copies it
                      into a RAM disk that goes away while mounted)
  fs-ext2             ktest=ext2: hda = std4k image, hdb = the 5 GiB-file
                      image, hdd = the pack of hostile images (every one
                      must fail cleanly)
  fs-manifest-<img>   manifest=hda on each good image, compared line by
                      line with tools/images/manifest.sh on the tree it was made from
  fs-hostile-<img>    manifest=hda on some corrupt images: must report the
                      failure (MANIFEST-FAILED or a mount error) and power
                      off with the FAIL status, no panic, no hang
  fs-disks-auto       (NetBSD's ext2fs linked) mount= and `mount` without -t
                      pick NetBSD's driver and mount read-write (a file
                      written is on the image, e2fsck -fn clean); df -k
                      figures of NetBSD's and AdrOS's ext2 mounts equal
                      what dumpe2fs -h says of the image (NetBSD's size
                      leaves out the file system's own structures, as its
                      statvfs does); a second mount of a mounted disk
                      names the mount holding it; -t ext2 stays AdrOS's
                      read-only driver; /dev lists the disk and partitions
  cross check fuzz-ext2-short: the libFuzzer target for ~25 s (when a fs
                      boot was run)
Images are made by tools/images/mkimages.py in <build>/fsimg.
"""
import os
import re
import subprocess

import common
import disks
import mkimages
import qemu
from common import check_patterns
from disks import HOSTILE_BOOTS, fs_drive, fs_img, fs_manifest_check, fs_prepare

ROOT = common.ROOT


def _expect_clean_failure(what):
    def check(b, res):
        name = res.group
        if b.timed_out:
            res.fail(name, f"timed out ({what})\n" + b.tail(15))
        elif b.status == qemu.EXIT_PANIC or "KERNEL PANIC" in b.output:
            res.fail(name, f"panicked on a corrupt image ({what})\n" + b.tail(25))
        elif b.status != qemu.EXIT_FAIL:
            res.fail(name, f"expected the FAIL status, got {b.describe()} ({what})\n" + b.tail(15))
        elif "MANIFEST-END" in b.output:
            res.fail(name, f"the manifest completed on a corrupt image ({what})")
        elif not re.search(r"MANIFEST-FAILED E[A-Z]+", b.output):
            res.fail(name, "no MANIFEST-FAILED line\n" + b.tail(15))
        elif not re.search(r"ext2: hda: .*: (EIO|EINVAL)|manifest: .*: E[A-Z]+", b.output):
            res.fail(name, "no error message naming the problem\n" + b.tail(15))
        else:
            m = re.search(r"ext2: hda: (.*)", b.output) or re.search(r"manifest: (.*)", b.output)
            res.ok(f"{name}: fails cleanly: {m.group(1).strip() if m else ''}")
    return check


def _make_hugedir(path, bs):
    """A tiny ext2 image whose root directory claims ~4 GiB and maps every
    block, through indirect blocks that all point at one another, to one
    empty directory block: no holes, so only a size check can refuse it (a
    driver that walks it takes minutes per lookup)."""
    import struct
    nblk = 64 if bs == 1024 else 16
    img = bytearray(bs * nblk)
    first = 1 if bs == 1024 else 0
    sb = 1024
    struct.pack_into("<IIIII", img, sb + 0, 32, nblk, 0, 0, 0)      # inodes, blocks
    struct.pack_into("<I", img, sb + 20, first)                     # first data block
    struct.pack_into("<I", img, sb + 24, {1024: 0, 4096: 2}[bs])    # log block size
    struct.pack_into("<I", img, sb + 32, 8 * bs)                    # blocks per group
    struct.pack_into("<I", img, sb + 40, 32)                        # inodes per group
    struct.pack_into("<H", img, sb + 56, 0xEF53)
    gdt = first + 1
    itab = gdt + 1
    struct.pack_into("<I", img, gdt * bs + 8, itab)                 # inode table
    itb = (32 * 128 + bs - 1) // bs
    d, s1, s2, s3 = itab + itb + 1, itab + itb + 2, itab + itb + 3, itab + itb + 4
    r = itab * bs + 128                                             # inode 2, the root
    struct.pack_into("<HHI", img, r, 0o40755, 0, (0xffffffff // bs) * bs)
    struct.pack_into("<H", img, r + 26, 2)
    for i in range(12):
        struct.pack_into("<I", img, r + 40 + 4 * i, d)
    struct.pack_into("<III", img, r + 88, s1, s2, s3)
    struct.pack_into("<IH", img, d * bs, 0, bs)                     # one empty entry
    for i in range(bs // 4):
        struct.pack_into("<I", img, s1 * bs + 4 * i, d)
        struct.pack_into("<I", img, s2 * bs + 4 * i, s1)
        struct.pack_into("<I", img, s3 * bs + 4 * i, s2)
    with open(path, "wb") as f:
        f.write(img)


def _prepare_hugedir(build):
    d = os.path.join(build, "fsimg")
    os.makedirs(d, exist_ok=True)
    for bs in (1024, 4096):
        _make_hugedir(os.path.join(d, f"bad-hugedir-{bs // 1024}k.img"), bs)


# --- disks that are simply there ------------------------------------------

AUTO_SCRIPT = ("mount; df -k /mnt; write /mnt/auto.txt written-through-netbsd; sync; mkdir /r; "
               "mount -t rump hdb /r; umount /mnt; mount -t ext2 hda /mnt; df -k /mnt; "
               "mount -t rump hda /r; write /mnt/no.txt x; umount /mnt; mount hda /mnt; ls /dev")


def _prepare_auto(build):
    d = os.path.join(build, "disks")
    os.makedirs(d, exist_ok=True)
    tree = os.path.join(d, "auto-tree")
    os.makedirs(tree, exist_ok=True)
    with open(os.path.join(tree, "hello.txt"), "w") as f:
        f.write("hello\n")
    common.mkfs(os.path.join(d, "auto.img"), 24, tree, block=1024)
    subprocess.run(["cp", os.path.join(d, "auto.img"), os.path.join(d, "auto-before.img")], check=True)
    # hdb: an MBR disk with two partitions, one of them ext2 (for /dev).
    parts = os.path.join(d, "parts.img")
    with open(parts, "wb") as f:
        f.truncate(8 << 20)
        f.write(disks._table([(0x83, 2048, 4096), (0x83, 6144, 10240), None, None]))


def dumpe2fs(img):
    """dumpe2fs -h of img as a dict of its "Name: value" lines."""
    p = subprocess.run(["dumpe2fs", "-h", img], capture_output=True, text=True, check=True)
    return dict((k.strip(), v.strip()) for k, v in re.findall(r"^([^:\n]+):(.*)$", p.stdout, re.M))


def netbsd_ext2_overhead(sb):
    """The blocks NetBSD's ext2fs_statvfs leaves out of f_blocks: the first
    data block, bitmaps and inode tables, and the superblock and group
    descriptor copies (reserved ones included) of the groups holding one."""
    bsize, bcount, first = int(sb["Block size"]), int(sb["Block count"]), int(sb["First block"])
    bpg, itpg = int(sb["Blocks per group"]), int(sb["Inode blocks per group"])
    feats = sb.get("Filesystem features", "").split()
    ncg = -(-(bcount - first) // bpg)
    ngdb = -(-ncg // (bsize // 32))
    if "resize_inode" in feats:
        ngdb += int(sb.get("Reserved GDT blocks", "0"))

    def has_sb(i):
        if i < 2:
            return True
        for p in (3, 5, 7):
            n = p
            while n < i:
                n *= p
            if n == i:
                return True
        return False
    groups = sum(1 for i in range(ncg) if has_sb(i)) if "sparse_super" in feats else ncg
    return first + ncg * (2 + itpg) + groups * (1 + ngdb)


def _df_row(text, target):
    """(size KiB, used KiB, avail KiB, inodes, ifree) of df -k's line for target."""
    m = re.search(r"^\S+ +\S+ +(\d+) +(\d+) +(\d+) +\d+% +(\d+) +(\d+)  " + re.escape(target) + r"\s*$",
                  text, re.M)
    return tuple(int(x) for x in m.groups()) if m else None


def _check_auto(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL) or "KERNEL PANIC" in b.output:
            res.fail(name, b.describe() + "\n" + b.tail(25))
            return
        out = b.output.replace("\r", "")
        d = os.path.join(build, "disks")
        img, before = os.path.join(d, "auto.img"), os.path.join(d, "auto-before.img")
        sb0 = dumpe2fs(before)
        bs = int(sb0["Block size"])
        # Boot and mount -t none: NetBSD's ext2fs, read-write.
        check_patterns(res, out, [
            (r"shell: mounted hda on /mnt \(NetBSD's ext2fs, rw\)", "mount= picks NetBSD's ext2fs, read-write"),
            (r"(?m)^hda on /mnt type rump \(ext2fs, rw\)$", "mount lists it read-write"),
            (r"mount: hdb: no file system recognized", "mount of a disk holding none says so"),
            (r"mount: hda is in use: ext2fs?:?hda is mounted on /mnt \(ext2\); umount /mnt first|"
             r"mount: hda is in use: hda is mounted on /mnt \(ext2\); umount /mnt first",
             "a second mount of a mounted disk names the mount holding it (not EACCES)"),
            (r"write: /mnt/no.txt: .*EROFS", "-t ext2 stays AdrOS's read-only driver"),
            (r"(?s)adros# mount hda /mnt\n(?:rump: hda: ext2 found.*\n)?vfs: mounted ext2fs:hda \(rump\) on /mnt",
             "mount without -t picks NetBSD's ext2fs"),
            (r"(?m)^hdb1$", "/dev lists partitions"), (r"(?m)^hdb2$", "/dev lists the second partition"),
        ], name)
        if re.search(r"\bEACCES\b", out):
            res.fail(f"{name}: no misleading EACCES", b.tail(30))
        # df of NetBSD's mount (before the write) against the pristine image.
        rows = [m for m in re.finditer(r"(?m)^adros# df -k /mnt$", out)]
        nb = _df_row(out[rows[0].end():], "/mnt") if rows else None
        total, free = int(sb0["Block count"]), int(sb0["Free blocks"])
        want = ((total - netbsd_ext2_overhead(sb0)) * bs // 1024, None, free * bs // 1024,
                int(sb0["Inode count"]), int(sb0["Free inodes"]))
        if nb and (nb[0], nb[2], nb[3], nb[4]) == (want[0], want[2], want[3], want[4]) and \
                nb[1] == nb[0] - nb[2]:
            res.ok(f"{name}: df -k of NetBSD's mount: {nb[0]} KiB, {nb[2]} free, {nb[3]} inodes, {nb[4]} free, "
                   "as dumpe2fs -h")
        else:
            res.fail(f"{name}: df -k of NetBSD's mount", f"got {nb}, dumpe2fs says {want}\n" + b.tail(30))
        # df of AdrOS's ext2 (after NetBSD's unmount wrote the image).
        sb1 = dumpe2fs(img)
        na = _df_row(out[rows[1].end():], "/mnt") if len(rows) > 1 else None
        want = (int(sb1["Block count"]) * bs // 1024, int(sb1["Free blocks"]) * bs // 1024,
                int(sb1["Inode count"]), int(sb1["Free inodes"]))
        if na and (na[0], na[2], na[3], na[4]) == want:
            res.ok(f"{name}: df -k of AdrOS's ext2 mount equals dumpe2fs -h")
        else:
            res.fail(f"{name}: df -k of AdrOS's ext2 mount", f"got {na}, dumpe2fs says {want}")
        # The write went through NetBSD's ext2fs onto the image, cleanly.
        p = subprocess.run(["debugfs", "-R", "cat /auto.txt", img], capture_output=True, text=True)
        if p.stdout.strip() == "written-through-netbsd":
            res.ok(f"{name}: a file written on the mount= disk is on the image")
        else:
            res.fail(f"{name}: a file written on the mount= disk is on the image", repr(p.stdout + p.stderr))
        p = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
        if p.returncode == 0:
            res.ok(f"{name}: e2fsck -fn clean")
        else:
            res.fail(f"{name}: e2fsck -fn clean", p.stdout[-1500:])
    return check


def _auto_boot(build):
    if not common.rump_present() or "ext2" not in common.linked_stages():
        return {"name": "fs-disks-auto", "cmdline": "", "tests": ["fs-disks-auto"],
                "skip": "NetBSD's ext2fs is not linked (the rump components' ext2 stage)"}
    d = os.path.join(build, "disks")
    return {"name": "fs-disks-auto", "cmdline": f'mount=hda:/mnt run="{AUTO_SCRIPT}"', "timeout": 240,
            "prepare": _prepare_auto, "check": _check_auto(build),
            "disks": [f"file={d}/auto.img,format=raw,if=ide,index=0",
                      f"file={d}/parts.img,format=raw,if=ide,index=1,snapshot=on"]}


def boots(build):
    plan = [
        _auto_boot(build),
        {"name": "fs-vfs", "cmdline": "ktest=vfs,vfsedge", "timeout": 120, "prepare": fs_prepare,
         "disks": [fs_drive(fs_img(build, "small1k"), 0)]},
        {"name": "fs-ext2", "cmdline": "ktest=ext2", "timeout": 300, "prepare": fs_prepare,
         "disks": [fs_drive(fs_img(build, "std4k"), 0), fs_drive(fs_img(build, "big4k"), 1),
                   fs_drive(os.path.join(build, "fsimg", "hostile-pack.img"), 3)]},
    ]
    for img, tree in mkimages.GOOD.items():
        if img.startswith("small"):
            continue
        plan.append({"name": f"fs-manifest-{img}", "cmdline": "manifest=hda", "timeout": 240,
                     "prepare": fs_prepare, "disks": [fs_drive(fs_img(build, img), 0)],
                     "check": fs_manifest_check(img, os.path.join(build, "fsimg", tree))})
    for h in HOSTILE_BOOTS:
        what = mkimages.corruption_what(h.rsplit("-", 1)[0])
        plan.append({"name": f"fs-hostile-{h}", "cmdline": "manifest=hda", "timeout": 90,
                     "prepare": fs_prepare, "disks": [fs_drive(fs_img(build, "bad-" + h), 0)],
                     "check": _expect_clean_failure(what)})
    for k in ("1k", "4k"):
        plan.append({"name": f"fs-hostile-hugedir-{k}", "cmdline": "manifest=hda", "timeout": 60,
                     "prepare": _prepare_hugedir, "disks": [fs_drive(fs_img(build, "bad-hugedir-" + k), 0)],
                     "check": _expect_clean_failure("a directory claiming 4 GiB of one repeated block")})
    return plan


def fuzz_ext2_short(results, res, build):
    """Builds and runs every libFuzzer target briefly (the ext2 parser, the
    command-line and shell parsers, addresses, HTTP), when file-system boots
    ran: `make fuzz FUZZ_TIME=25` (mk/fuzz.mk)."""
    if not any(r.group.startswith("fs-") for r in results):
        return
    mkimages.build_all(build)
    p = subprocess.run(["make", "--no-print-directory", "-f", "mk/fuzz.mk", f"BUILD={build}", "fuzz-build"],
                       cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        res.fail("fuzz-short", "building the fuzzers failed:\n" + (p.stdout + p.stderr)[-2000:])
        return
    p = subprocess.run(["make", "--no-print-directory", "-f", "mk/fuzz.mk", f"BUILD={build}", "FUZZ_TIME=25",
                        "fuzz"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    targets = re.findall(r"FUZZ    (\w+) for", out)
    done = dict(re.findall(r"^  (\w+): Done (\d+) runs", out, re.M))
    for t in targets:
        if t in done:
            res.ok(f"fuzz-{t}-short: {done[t]} inputs, no crash")
        else:
            res.fail(f"fuzz-{t}-short", f"fuzzer exit {p.returncode}:\n" + out[-3000:])
    if not targets:
        res.fail("fuzz-short", f"no fuzzer ran (exit {p.returncode}):\n" + out[-3000:])


def cross_checks():
    return [fuzz_ext2_short]


def benches(build):
    """Raw ATA sequential reads with PIO and DMA (bench=ata_seq_read) and
    native ext2 sequential file reads (bench=ext2_seq_read), in the same
    boot, on an image holding /bench.bin (32 MiB of random data)."""
    return [{"name": "fs-bench", "cmdline": "bench=ata_seq_read,ext2_seq_read", "timeout": 600,
             "prepare": fs_prepare,
             "disks": [fs_drive(fs_img(build, "bench4k"), 0)]}]
