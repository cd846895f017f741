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
  cross check fuzz-ext2-short: the libFuzzer target for ~25 s (when a fs
                      boot was run)
Images are made by tools/images/mkimages.py in <build>/fsimg.
"""
import os
import re
import subprocess

import common
import mkimages
import qemu
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


def boots(build):
    plan = [
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
