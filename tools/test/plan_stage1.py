"""Stage 1 test boots: NetBSD's ext2fs through the rump kernel.

They need the rump components (third_party/rump, see README); without them
every test here is reported as skipped with the reason.

  stage1-read   suite rumpfs: read-only mount, 8 concurrent readers,
                native vs rump comparison, a corrupt image refused
  stage1-write  suite rumpwrite, then on the host: e2fsck -fn clean and
                every file read back with debugfs equals what was written
  stage1-manifest-*  manifest=rump:hda on the storage images, compared
                with the native manifest and tools/images/manifest.sh
"""
import os
import re
import shutil
import subprocess

import mkimages
from common import mkfs, pattern, rump_present
from disks import HOSTILE_BOOTS, fs_drive, fs_img, fs_manifest_check, fs_prepare, stage1_read_images


def _prepare_write(build):
    d = os.path.join(build, "stage1")
    os.makedirs(d, exist_ok=True)
    mkfs(os.path.join(d, "write.img"), 64)


def _check_written(b, res):
    img = os.path.join(res.build, "stage1", "write.img")
    p = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok("stage1-write/e2fsck -fn clean")
    else:
        res.fail("stage1-write/e2fsck -fn clean", f"e2fsck exit {p.returncode}:\n{p.stdout[-2000:]}")
    out = os.path.join(res.build, "stage1", "write-out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    subprocess.run(["debugfs", "-R", f"rdump / {out}", img], capture_output=True)
    expect = {"created.txt": pattern(1, 5000), "appended.txt": pattern(2, 10000),
              "after-rename.txt": pattern(3, 1234), "big.bin": pattern(7, 32 << 20),
              "yield.bin": pattern(9, 8 << 20)}
    for k in range(1000):
        expect[f"small/f{k:04d}"] = pattern(100 + k, k * 37 % 3000 + 1)
    bad = []
    for rel, data in expect.items():
        path = os.path.join(out, rel)
        try:
            with open(path, "rb") as f:
                if f.read() != data:
                    bad.append(f"{rel}: content differs")
        except OSError:
            bad.append(f"{rel}: missing on the host")
    for gone in ("deleted.txt", "before-rename.txt"):
        if os.path.exists(os.path.join(out, gone)):
            bad.append(f"{gone}: should not exist")
    if os.readlink(os.path.join(out, "dir", "link")) != "../created.txt" if os.path.islink(
            os.path.join(out, "dir", "link")) else True:
        bad.append("dir/link: missing or wrong target")
    if bad:
        res.fail("stage1-write/host reads back what rump wrote", "; ".join(bad[:10]))
    else:
        res.ok("stage1-write/host reads back what rump wrote", f"({len(expect)} files)")
    shutil.rmtree(out, ignore_errors=True)


SHELL_SCRIPT = ("mkdir /w; mount -t rump hda /w; write /w/a.txt hello rump; write -a /w/a.txt second line; "
                "mkdir /w/d; cp /w/a.txt /w/d/b.txt; mv /w/d/b.txt /w/d/c.txt; ln -s ../a.txt /w/d/l; "
                "cat /w/d/l; sync; rump; umount /w")


def _prepare_shell(build):
    d = os.path.join(build, "stage1")
    os.makedirs(d, exist_ok=True)
    mkfs(os.path.join(d, "shell.img"), 16)


def _check_shell(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != 1:
            res.fail(name, f"{b.describe()}\n" + b.tail(20))
            return
        if not re.search(r"script: 12 commands, 0 failed", b.output):
            res.fail(name, "the script had failures:\n" + b.tail(30))
            return
        res.ok(f"{name}: mount -t rump, write, cp, mv, ln -s, cat, sync, umount")
        img = os.path.join(build, "stage1", "shell.img")
        p = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
        (res.ok if p.returncode == 0 else lambda n: res.fail(n, p.stdout[-1500:]))(f"{name}: e2fsck -fn clean")
        got = subprocess.run(["debugfs", "-R", "cat /d/c.txt", img], capture_output=True).stdout
        link = subprocess.run(["debugfs", "-R", "stat /d/l", img], capture_output=True, text=True).stdout
        if got == b"hello rump\nsecond line\n" and 'Fast link dest: "../a.txt"' in link:
            res.ok(f"{name}: the host reads the files back")
        else:
            res.fail(f"{name}: the host reads the files back", f"got {got!r}; link: {link[-300:]}")
    return check


TWO_DISKS = ("mkdir /a; mkdir /b; mount -t rump hda /a; mount -t rump hdb /b; write /a/x on-a; write /b/y on-b; "
             "ls /a; ls /b; umount /b; cat /a/x; umount /a")


def _prepare_two(build):
    d = os.path.join(build, "stage1")
    os.makedirs(d, exist_ok=True)
    mkfs(os.path.join(d, "two-a.img"), 8)
    mkfs(os.path.join(d, "two-b.img"), 8)


def _check_two(build):
    def check(b, res):
        name = res.group
        out = b.output
        ok = (re.search(r"adros# ls /a\nlost\+found/\nx\n", out) and re.search(r"adros# ls /b\nlost\+found/\ny\n", out)
              and re.search(r"adros# cat /a/x\non-a\n", out) and "script: 11 commands, 0 failed" in out)
        if ok:
            res.ok(f"{name}: two disks mounted through rump at once stay apart")
        else:
            res.fail(name, "wrong listing or contents:\n" + b.tail(30))
        d = os.path.join(build, "stage1")
        a = subprocess.run(["debugfs", "-R", "ls -p /", os.path.join(d, "two-a.img")], capture_output=True, text=True).stdout
        bb = subprocess.run(["debugfs", "-R", "ls -p /", os.path.join(d, "two-b.img")], capture_output=True, text=True).stdout
        if "/x/" in a and "/y/" not in a and "/y/" in bb and "/x/" not in bb:
            res.ok(f"{name}: each file landed on its own disk (host)")
        else:
            res.fail(f"{name}: each file landed on its own disk (host)", f"hda: {a}\nhdb: {bb}")
    return check


def _check_memlimit(build):
    def check(b, res):
        name = res.group
        import hashlib
        tree = os.path.join(build, "stage1", "bench-tree", "big.bin")
        want = hashlib.sha256(open(tree, "rb").read()).hexdigest()
        if b.timed_out:
            res.fail(name, "hung (the rump kernel waiting for memory?)\n" + b.tail(15))
        elif re.search(want + r"\s+/r/big.bin", b.output) and "0 failed" in b.output:
            res.ok(f"{name}: 32 MiB read through rump with RUMP_MEMLIMIT=3m, right digest")
        else:
            res.fail(name, f"expected {want}:\n" + b.tail(15))
    return check


# The block cache under both drivers: the 32 MiB file read natively twice,
# then through NetBSD's ext2fs; `bcache` and `lsblk -s` after each read.
BCACHE_SCRIPT = ("mkdir /n; mount -t ext2 -r hda /n; bcache; lsblk -s; sha256sum /n/big.bin; bcache; lsblk -s; "
                 "sha256sum /n/big.bin; bcache; lsblk -s; umount /n; mkdir /r; mount -t rump -r hda /r; "
                 "sha256sum /r/big.bin; bcache; lsblk -s; umount /r")


def _bcache_snapshots(out):
    """(hit KiB, hda disk read bytes, cache KiB, limit KiB, evictions) after
    each `bcache; lsblk -s` of BCACHE_SCRIPT, in order."""
    snaps = []
    for m in re.finditer(r"size (\d+) KiB of (\d+) KiB .*\nhits \d+ \((\d+) KiB\).*\n.*\n"
                         r"blocks inserted \d+\s+evicted (\d+).*\n(?:.*\n)*?hda\s.*?(\d+) disk reads\s+(\d+) B",
                         out):
        snaps.append((int(m.group(3)), int(m.group(6)), int(m.group(1)), int(m.group(2)), int(m.group(4))))
    return snaps


def _check_bcache(build, small):
    def check(b, res):
        import hashlib
        name = res.group
        want = hashlib.sha256(open(os.path.join(build, "stage1", "bench-tree", "big.bin"), "rb").read()).hexdigest()
        digests = re.findall(r"([0-9a-f]{64})\s+/[nr]/big.bin", b.output)
        if b.timed_out or "script: 17 commands, 0 failed" not in b.output:
            res.fail(name, f"{b.describe()}; the script failed:\n" + b.tail(30))
            return
        if digests == [want] * 3:
            res.ok(f"{name}: the 32 MiB file reads right three times (native, native, rump)")
        else:
            res.fail(f"{name}: the 32 MiB file reads right three times", f"want {want}, got {digests}")
        snaps = _bcache_snapshots(b.output)
        if len(snaps) != 4:
            res.fail(name, f"expected 4 bcache/lsblk snapshots, parsed {len(snaps)}:\n" + b.tail(40))
            return
        mib = 1024 * 1024
        (h0, d0, _, _, _), (h1, d1, _, _, _), (h2, d2, _, _, _), (h3, d3, _, _, _) = snaps
        if small:
            over = [s for s in snaps if s[2] > s[3] or s[3] != 8 * 1024]
            if over or snaps[-1][4] == 0:
                res.fail(f"{name}: bcache=8 holds at most 8 MiB", f"snapshots {snaps}")
            else:
                res.ok(f"{name}: bcache=8 holds at most 8 MiB with a 32 MiB file "
                       f"(largest {max(s[2] for s in snaps)} KiB, {snaps[-1][4]} evictions)")
            return
        first = f"1st native read: {(d1 - d0) // mib} MiB from the disk"
        if d1 - d0 >= 32 * mib:
            res.ok(f"{name}: {first}")
        else:
            res.fail(f"{name}: the first read is cold", first)
        second = f"2nd native read: {(h2 - h1) // 1024} MiB from the cache, {(d2 - d1) // 1024} KiB from the disk"
        if (h2 - h1) * 1024 >= 32 * mib and d2 - d1 < mib:
            res.ok(f"{name}: {second}")
        else:
            res.fail(f"{name}: the second read is served from memory", second)
        third = f"rump read: {(h3 - h2) // 1024} MiB from the cache, {(d3 - d2) // 1024} KiB from the disk"
        if (h3 - h2) * 1024 >= 32 * mib and d3 - d2 < 2 * mib:
            res.ok(f"{name}: {third}")
        else:
            res.fail(f"{name}: NetBSD's ext2fs is served from the same cache", third)
    return check


def _rump_fails_cleanly(b, res):
    """A corrupt image read through NetBSD's ext2fs: the manifest must fail
    with an error and AdrOS must go on to a clean poweroff (FAIL status).  If
    NetBSD's code panics on the image, the rump kernel is stopped and the
    panic contained; AdrOS itself must never panic."""
    name = res.group
    if b.timed_out:
        res.fail(name, "timed out\n" + b.tail(15))
    elif "*** KERNEL PANIC" in b.output or b.status == 5:
        res.fail(name, "AdrOS panicked on a corrupt image read through rump\n" + b.tail(25))
    elif b.status != 3:
        res.fail(name, f"expected the FAIL status, got {b.describe()}\n" + b.tail(15))
    elif "MANIFEST-END" in b.output or "MANIFEST-FAILED" not in b.output:
        res.fail(name, "no MANIFEST-FAILED (the corrupt image was read as if sound?)\n" + b.tail(15))
    else:
        how = "rump kernel panicked, contained" if "RUMP KERNEL PANIC" in b.output else "error returned"
        m = re.search(r"MANIFEST-FAILED (E[A-Z]+)", b.output)
        res.ok(f"{name}: fails cleanly with {m.group(1) if m else '?'} ({how})")


def boots(build):
    if not rump_present():
        why = "NetBSD rump components absent (put them in third_party/rump, see README)"
        return [
            {"name": "stage1-read", "cmdline": "", "skip": why,
             "tests": ["rumpfs/mount_readonly", "rumpfs/read_once", "rumpfs/eight_concurrent_readers", "rumpfs/same_as_native",
                       "rumpfs/corrupt_image_fails_cleanly", "rumpfs/unmount", "rumpfs/native_and_rump_exclusive"]},
            {"name": "stage1-shell", "cmdline": "", "skip": why,
             "tests": ["shell: mount -t rump, write, cp, mv, ln -s, sync, umount; checked on the host"]},
            {"name": "stage1-two-disks", "cmdline": "", "skip": why,
             "tests": ["two disks mounted through rump at once stay apart",
                       "32 MiB read through rump with RUMP_MEMLIMIT=3m"]},
            {"name": "stage1-hostile", "cmdline": "", "skip": why,
             "tests": ["corrupt images read through rump fail cleanly, AdrOS keeps running"]},
            {"name": "stage1-manifest", "cmdline": "", "skip": why,
             "tests": ["manifest=rump:hda equals tools/manifest.sh on the storage images"]},
            {"name": "stage1-bcache", "cmdline": "", "skip": why,
             "tests": ["a 32 MiB file read twice natively, then through rump: served from the block cache",
                       "bcache=8 holds at most 8 MiB with a 32 MiB file"]},
            {"name": "stage1-write", "cmdline": "", "skip": why,
             "tests": ["rumpwrite (create, append, rename, delete, 1000 files, 32 MiB, a writer giving the big lock up)",
                       "stage1-write/e2fsck -fn clean", "stage1-write/host reads back what rump wrote"]},
        ]
    d = os.path.join(build, "stage1")

    def post_write(b, res):
        res.build = build
        _check_written(b, res)

    manifests = []
    for img, tree in mkimages.GOOD.items():
        if img.startswith("small"):
            continue
        # NetBSD's ext2fs reading the storage issue's images must print the
        # very manifest the host prints for the tree (the native driver is
        # held to the same by the fs-manifest-* boots).
        manifests.append({"name": f"stage1-manifest-{img}", "cmdline": "manifest=rump:hda", "timeout": 300,
                          "prepare": fs_prepare,
                          "disks": [fs_drive(fs_img(build, img), 0)],
                          "check": fs_manifest_check(img, os.path.join(build, "fsimg", tree))})
    hostile = []
    for h in HOSTILE_BOOTS:
        hostile.append({"name": f"stage1-hostile-{h}", "cmdline": "manifest=rump:hda", "timeout": 120,
                        "prepare": fs_prepare,
                        "disks": [fs_drive(fs_img(build, "bad-" + h), 0)],
                        "check": _rump_fails_cleanly})
    shell = [{"name": "stage1-shell", "cmdline": f'run="{SHELL_SCRIPT}"', "timeout": 120,
              "prepare": _prepare_shell, "disks": [f"file={d}/shell.img,format=raw,if=ide,index=0"],
              "check": _check_shell(build)}]
    shell += [{"name": "stage1-two-disks", "cmdline": f'run="{TWO_DISKS}"', "timeout": 120,
               "prepare": _prepare_two,
               "disks": [f"file={d}/two-a.img,format=raw,if=ide,index=0",
                         f"file={d}/two-b.img,format=raw,if=ide,index=1"],
               "check": _check_two(build)},
              {"name": "stage1-memlimit",
               "cmdline": 'rump.RUMP_MEMLIMIT=3m run="mkdir /r; mount -t rump -r hda /r; sha256sum /r/big.bin"',
               "timeout": 180, "prepare": _prepare_bench,
               "disks": [f"file={d}/bench.img,format=raw,if=ide,index=0,snapshot=on"],
               "check": _check_memlimit(build)},
              {"name": "stage1-bcache", "cmdline": f'run="{BCACHE_SCRIPT}"', "timeout": 300,
               "prepare": _prepare_bench,
               "disks": [f"file={d}/bench.img,format=raw,if=ide,index=0,snapshot=on"],
               "check": _check_bcache(build, False)},
              {"name": "stage1-bcache-small", "cmdline": f'bcache=8 run="{BCACHE_SCRIPT}"', "timeout": 300,
               "prepare": _prepare_bench,
               "disks": [f"file={d}/bench.img,format=raw,if=ide,index=0,snapshot=on"],
               "check": _check_bcache(build, True)}]
    return manifests + hostile + shell + [
        {"name": "stage1-read", "cmdline": "ktest=rumpfs", "timeout": 300,
         "prepare": stage1_read_images,
         "disks": [f"file={d}/read.img,format=raw,if=ide,index=0",
                   f"file={d}/corrupt.img,format=raw,if=ide,index=1"]},
        {"name": "stage1-write", "cmdline": "ktest=rumpwrite", "timeout": 600,
         "prepare": _prepare_write,
         "disks": [f"file={d}/write.img,format=raw,if=ide,index=0"],
         "post": [post_write]},
    ]


def _prepare_bench(build):
    d = os.path.join(build, "stage1")
    tree = os.path.join(d, "bench-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(os.urandom(32 << 20))
    mkfs(os.path.join(d, "bench.img"), 48, tree, block=4096)


def benches(build):
    if not rump_present():
        return []
    d = os.path.join(build, "stage1")
    return [{"name": "rump_ext2", "cmdline": "bench=rump_ext2", "timeout": 600, "prepare": _prepare_bench,
             "disks": [f"file={d}/bench.img,format=raw,if=ide,index=0"]}]
