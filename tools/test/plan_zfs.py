"""ZFS through the rump kernel (src/netbsd/zfs.c, the zpool and zfs shell
commands): NetBSD's ZFS, pool version 23.  Skipped with the reason when the
zfs stage (librumpkern_solaris, librumpfs_zfs) is not linked.

  zfs-mirror   a mirror of two 96 MiB disks; a generated tree (from an ext2
        disk, hdc) copied onto a dataset with compression=on, sync, power
        off.  On the host: random garbage over most of one disk's data area
        (not its labels).  Next boot: zpool import, every file's SHA-256
        equals the host's, zpool scrub -w repairs the damage (repaired > 0),
        a second scrub repairs nothing, status ONLINE with no data errors.
  zfs-datasets  snapshot and rollback restore a changed file; compressible
        data written with compression=on uses less than with it off
        (zfs get used); zfs set/get checksum; destroy.
  zfs-bad      bad input: a disk with no pool (import finds none), a disk
        too small, a pool name that exists, a full pool (ENOSPC, the shell
        goes on), a mirror with one half missing (imports DEGRADED, files
        read), a disk whose four labels are garbage (no pool found); AdrOS
        keeps running through all of it.
"""
import hashlib
import os
import random
import re
import shutil

import qemu
from common import check_patterns, linked_stages, mkfs, pattern, rump_present

MIB = 1 << 20
DISK_MB = 96
# ZFS's labels: two of 256 KiB at the start, two at the end; the first
# 4 MiB are labels and boot block.
DATA_START = 4 * MIB


def _why():
    if not rump_present():
        return "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    if "zfs" not in linked_stages():
        return ("NetBSD's ZFS components absent (librumpkern_solaris.a, librumpfs_zfs.a: "
                "tools/rump-components.sh builds them with MKZFS=yes)")
    return None


def _dir(build):
    d = os.path.join(build, "zfs")
    os.makedirs(d, exist_ok=True)
    return d


def _blank(path, mb):
    with open(path, "wb") as f:
        f.truncate(mb * MIB)


def _drive(path, index):
    return f"file={path},format=raw,if=ide,index={index}"


def _tree(d):
    """A tree of files (text, random, zeros) in 3 directories: {path: bytes}."""
    rnd = random.Random(23)
    files = {}
    for i in range(12):
        sub = f"d{i % 3}"
        n = rnd.choice([1, 7, 4096, 65536, 200000, 1 << 20])
        kind = i % 3
        if kind == 0:
            data = (f"file {i} of the zfs tree\n" * (n // 24 + 1)).encode()[:n]
        elif kind == 1:
            data = rnd.randbytes(n)
        else:
            data = bytes(n)
        files[f"{sub}/f{i}.bin"] = data
    files["big.bin"] = rnd.randbytes(4 * MIB)
    tree = os.path.join(d, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    for p, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(tree, p)), exist_ok=True)
        with open(os.path.join(tree, p), "wb") as f:
            f.write(data)
    return tree, files


def _boot(build, name, script, disks, timeout=600, mem=256):
    kernel = os.path.join(build, "adros.elf")
    logdir = os.path.join(build, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    return qemu.boot(kernel, f'net=off run="{script}"', disks, timeout, mem,
                     log=os.path.join(logdir, name + ".log"))


def _boot_ok(res, b, what, fails_ok=False):
    """The boot ended by its script's poweroff (EXIT_FAIL too when commands
    are meant to fail: the script's exit status), without a panic."""
    ends = (qemu.EXIT_OK, qemu.EXIT_FAIL) if fails_ok else (qemu.EXIT_OK,)
    if b.timed_out or b.status not in ends or "PANIC" in b.output or "script: " not in b.output:
        res.fail(what, b.describe() + "\n" + b.tail(40))
        return False
    res.ok(what)
    return True


def _sha_lines(out):
    return dict((p, h) for h, p in re.findall(r"(?m)^([0-9a-f]{64})  (\S+)$", out))


def _mirror(res, build):
    d = _dir(build)
    a, b_, src = (os.path.join(d, n) for n in ("m-a.img", "m-b.img", "m-src.img"))
    tree, files = _tree(d)
    mkfs(src, 16, tree=tree, block=4096)
    for p in (a, b_):
        _blank(p, DISK_MB)
    dirs = sorted({os.path.dirname(p) for p in files if "/" in p})
    cmds = ["mkdir /src", "mount -r hdc /src", "zpool create tank mirror hda hdb", "zfs create tank/data",
            "zfs set compression=on tank/data"]
    cmds += [f"mkdir /tank/data/{x}" for x in dirs]
    cmds += [f"cp /src/{p} /tank/data/{p}" for p in sorted(files)]
    cmds += ["sync", "zpool status tank", "zfs list"]
    b1 = _boot(build, "zfs-mirror-1", "; ".join(cmds), [_drive(a, 0), _drive(b_, 1), _drive(src, 2)])
    if not _boot_ok(res, b1, "zfs-mirror: first boot creates the mirror and writes the tree"):
        return
    check_patterns(res, b1.output, [(r"script: \d+ commands, 0 failed", "every command of the first boot succeeded"),
                                    (r"mirror-0\s+ONLINE", "the mirror is ONLINE")],
                   "zfs-mirror: ", b1.tail(40))
    # Garbage over most of disk a's data area (not its labels).
    rnd = random.Random(2323)
    with open(a, "r+b") as f:
        f.seek(DATA_START)
        f.write(rnd.randbytes(DISK_MB * MIB - DATA_START - 2 * MIB))
    paths = " ".join(f"/tank/data/{p}" for p in sorted(files))
    script = "; ".join(["zpool import", "zpool import tank", f"sha256sum {paths}", "zpool scrub -w tank",
                        "zpool status -v tank", "zpool scrub -w tank", "zpool status -v tank"])
    b2 = _boot(build, "zfs-mirror-2", script, [_drive(a, 0), _drive(b_, 1)])
    if not _boot_ok(res, b2, "zfs-mirror: second boot imports the damaged mirror"):
        return
    got = _sha_lines(b2.output)
    bad = [p for p in files if got.get(f"/tank/data/{p}") != hashlib.sha256(files[p]).hexdigest()]
    if bad:
        res.fail("zfs-mirror: every file's SHA-256 equals the host's", f"differ or missing: {bad}\n" + b2.tail(40))
    else:
        res.ok(f"zfs-mirror: every file's SHA-256 equals the host's ({len(files)} files)")
    scrubs = re.findall(r"scrub: repaired=(\d+) errors=(\d+)", b2.output)
    if len(scrubs) == 2 and int(scrubs[0][0]) > 0 and scrubs[0][1] == "0":
        res.ok(f"zfs-mirror: the scrub repaired the damage ({scrubs[0][0]} bytes)")
    else:
        res.fail("zfs-mirror: the scrub repaired the damage", f"scrub lines {scrubs}\n" + b2.tail(40))
    if len(scrubs) == 2 and scrubs[1] == ("0", "0"):
        res.ok("zfs-mirror: a second scrub finds nothing to repair")
    else:
        res.fail("zfs-mirror: a second scrub finds nothing to repair", f"scrub lines {scrubs}")
    last = b2.output[b2.output.rfind("  pool: tank"):]
    check_patterns(res, last, [(r"state: ONLINE", "status after: ONLINE"),
                               (r"No known data errors", "status after: no data errors")],
                   "zfs-mirror: ", last[-1500:])


# The datasets' script: snapshot/rollback, compression, checksum, destroy.
DATASETS = [
    "zpool create tank hda", "zfs create tank/fs", "write /tank/fs/a before", "zfs snapshot tank/fs@s1",
    "write /tank/fs/a after", "write /tank/fs/b new", "cat /tank/fs/a", "zfs rollback tank/fs@s1",
    "echo ROLLED", "cat /tank/fs/a", "ls /tank/fs", "zfs list",
    "zfs create tank/plain", "zfs create tank/comp", "zfs set compression=on tank/comp",
    "zfs get compression tank/comp", "zfs get compression tank/plain",
    "cp /src/zeros.bin /tank/plain/z", "cp /src/zeros.bin /tank/comp/z", "sync",
    "zfs get used tank/plain", "zfs get used tank/comp", "zfs get compressratio tank/comp", "zpool list", "vitals", "rump pools",
    "zfs set checksum=sha256 tank/plain", "zfs get checksum tank/plain",
    "zfs set compression=bogus tank/plain",
    "zfs destroy tank/fs@s1", "zfs destroy tank/plain", "zfs list", "zpool destroy tank", "zpool list",
]


def _datasets(res, build):
    d = _dir(build)
    disk, src = os.path.join(d, "ds.img"), os.path.join(d, "ds-src.img")
    _blank(disk, DISK_MB)
    tree = os.path.join(d, "ds-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "zeros.bin"), "wb") as f:
        f.write((b"compressible " * 100000)[:1 << 20])
    mkfs(src, 8, tree=tree, block=4096)
    script = "; ".join(["mkdir /src", "mount -r hdb /src"] + DATASETS)
    b = _boot(build, "zfs-datasets", script, [_drive(disk, 0), _drive(src, 1)])
    if not _boot_ok(res, b, "zfs-datasets: the boot ends cleanly", True):
        return
    out = b.output
    after_roll = out[out.find("ROLLED"):]
    check_patterns(res, out, [(r"(?m)^after$", "the changed file reads the change before the rollback")],
                   "zfs-datasets: ", b.tail(40))
    check_patterns(res, after_roll, [(r"(?m)^before$", "after the rollback the file has its snapshot's content"),
                                     (r"(?s)^(?:(?!\bb\b).)*?zfs list", "the file made after the snapshot is gone")],
                   "zfs-datasets: ", after_roll[:1500])
    used = dict(re.findall(r"(?m)^tank/(plain|comp) used (\d+)$", out))
    if len(used) == 2 and int(used["comp"]) * 2 < int(used["plain"]):
        res.ok(f"zfs-datasets: compression=on uses less ({used['comp']} against {used['plain']} bytes)")
    else:
        res.fail("zfs-datasets: compression=on uses less", f"used: {used}\n" + b.tail(40))
    check_patterns(res, out, [(r"(?m)^tank/comp compression on$", "zfs get compression shows on"),
                              (r"(?m)^tank/plain compression off$", "compression is off by default"),
                              (r"(?m)^tank/plain checksum sha256$", "zfs set checksum=sha256"),
                              (r"zfs: set: compression=bogus: compression=", "a bad value is refused clearly"),
                              (r"no pools available", "zpool destroy leaves no pool"),
                              (r"arc: size=\d+ target=\d+ min=\d+ max=(\d+)", "zpool list shows the ARC"),
                              (r"vitals: .* arc=\d+", "vitals shows the ARC's size"),
                              (r"rumpmem: .*\nzfs arc: size=\d+ target=\d+", "rump pools shows the ARC"),
                              (r"script: \d+ commands, 1 failed", "only the bad value failed")],
                   "zfs-datasets: ", b.tail(40))


def _bad(res, build):
    d = _dir(build)
    empty, small, ma, mb_, lab = (os.path.join(d, n) for n in ("bad-empty.img", "bad-small.img", "bad-ma.img",
                                                                 "bad-mb.img", "bad-label.img"))
    _blank(empty, DISK_MB)
    _blank(small, 2)
    _blank(ma, DISK_MB)
    _blank(mb_, DISK_MB)
    # Boot 1: a mirror on hda+hdb filled up (ENOSPC), then exported at poweroff.
    script = "; ".join(["zpool import", "zpool create tiny hdc", "zpool create tank mirror hda hdb",
                        "zpool create tank hdd", "zpool create other hda", "write /tank/small ok",
                        "cp /dev/hdd /tank/fill1", "cp /dev/hdd /tank/fill2", "echo STILL-RUNNING",
                        "rm /tank/fill2", "write /tank/after-full ok", "sync", "zpool list"])
    # hdd: a 40 MiB disk of zeros, copied twice: more than the pool holds.
    fill = os.path.join(d, "bad-fill.img")
    _blank(fill, 40)
    b1 = _boot(build, "zfs-bad-1", script, [_drive(ma, 0), _drive(mb_, 1), _drive(small, 2), _drive(fill, 3)])
    if not _boot_ok(res, b1, "zfs-bad: first boot (no pool, too small, name taken, pool full) ends cleanly", True):
        return
    check_patterns(res, b1.output, [
        (r"no pools available to import", "a disk with no pool: import finds none"),
        (r"zfs: hdc: too small for a pool", "a disk too small is refused"),
        (r"zpool: create tank: a pool of that name exists", "a second pool of the same name is refused"),
        (r"zfs: hda is already in pool tank", "a disk of a pool is refused to another"),
        (r"cp: writing /tank/fill2: no space left \(ENOSPC\)", "filling the pool fails with ENOSPC"),
        (r"(?m)^STILL-RUNNING", "the shell goes on after ENOSPC"),
        (r"script: 13 commands, 4 failed", "only those four failed: the pool works again once space is freed")],
        "zfs-bad: ", b1.tail(40))
    # Boot 2: the mirror without its second half: imports DEGRADED.
    b2 = _boot(build, "zfs-bad-2", "zpool import tank; zpool status tank; cat /tank/small",
               [_drive(ma, 0), _drive(empty, 1)])
    if _boot_ok(res, b2, "zfs-bad: a mirror with a missing half: the boot ends cleanly"):
        check_patterns(res, b2.output, [(r"state: DEGRADED", "the pool imports DEGRADED"),
                                        (r"(?m)^ok$", "its files read")], "zfs-bad: ", b2.tail(40))
    # Boot 3: the labels of a single-disk pool's disk overwritten with garbage.
    shutil.copy(ma, lab)
    rnd = random.Random(7)
    size = os.path.getsize(lab)
    with open(lab, "r+b") as f:
        for off in (0, 256 << 10, size - (512 << 10), size - (256 << 10)):
            f.seek(off)
            f.write(rnd.randbytes(256 << 10))
    b3 = _boot(build, "zfs-bad-3", "zpool import; zpool import tank; echo ALIVE", [_drive(lab, 0)])
    if _boot_ok(res, b3, "zfs-bad: a disk with corrupt labels: the boot ends cleanly", True):
        check_patterns(res, b3.output, [(r"no pools available to import", "corrupt labels: no pool found"),
                                        (r"zpool: import: .*(ENOENT|no such)", "importing it fails clearly"),
                                        (r"(?m)^ALIVE", "AdrOS keeps running")], "zfs-bad: ", b3.tail(40))


# The Stage 1 write workload (tests/kernel/rump_stage1.c, ktest=rumpwrite)
# on a ZFS dataset, then read back after a reboot.
STAGE1_SAMPLE = list(range(0, 1000, 111))
ARC_SLACK = 1 << 20


def _stage1(res, build):
    d = _dir(build)
    disk = os.path.join(d, "stage1.img")
    _blank(disk, DISK_MB)
    kernel = os.path.join(build, "adros.elf")
    logdir = os.path.join(build, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    b1 = qemu.boot(kernel, 'net=off rumpwrite.dev=zfs:tank/w run="zpool create tank hda; zfs create tank/w; '
                   'umount /tank/w; ktest rumpwrite"', [_drive(disk, 0)], 900,
                   log=os.path.join(logdir, "zfs-stage1-1.log"))
    if not _boot_ok(res, b1, "zfs-stage1: the rumpwrite workload runs on tank/w"):
        return
    cases = re.findall(r"(?m)^\s*(ok|not ok) \d+ (\w+)", b1.output)
    bad = [c for c in cases if c[0] != "ok"]
    if len(cases) >= 5 and not bad:
        res.ok(f"zfs-stage1: rumpwrite's {len(cases)} cases pass on ZFS")
    else:
        res.fail("zfs-stage1: rumpwrite's cases pass on ZFS", f"{cases}\n" + b1.tail(40))
    files = {"created.txt": pattern(1, 5000), "appended.txt": pattern(2, 10000),
             "after-rename.txt": pattern(3, 1234), "big.bin": pattern(7, 32 << 20)}
    for k in STAGE1_SAMPLE:
        files[f"small/f{k:04d}"] = pattern(100 + k, k * 37 % 3000 + 1)
    paths = " ".join(f"/tank/w/{p}" for p in files)
    b2 = _boot(build, "zfs-stage1-2", f"zpool import tank; sha256sum {paths}; ls /tank/w/small; ls /tank/w; "
               "ls -l /tank/w/dir; zpool list", [_drive(disk, 0)])
    if not _boot_ok(res, b2, "zfs-stage1: the next boot imports the pool"):
        return
    got = _sha_lines(b2.output)
    wrong = [p for p, data in files.items() if got.get(f"/tank/w/{p}") != hashlib.sha256(data).hexdigest()]
    if wrong:
        res.fail("zfs-stage1: after the reboot every file checked has its content", f"{wrong}\n" + b2.tail(40))
    else:
        res.ok(f"zfs-stage1: after the reboot every file checked has its content ({len(files)} files, "
               "the 32 MiB one among them)")
    # The ARC after 33 MiB read at -m 256: its bound a quarter of
    # RUMP_MEMLIMIT, its size within the bound and ARC_SLACK (c_max is the
    # target ZFS evicts towards, from its reclaim thread: a read may add a
    # few 128 KiB records first; seen: 200 KiB over).
    lim = re.search(r"rump kernel memory limited to (\d+) KiB", b2.output)
    arc = re.search(r"arc: size=(\d+) target=\d+ min=\d+ max=(\d+)", b2.output)
    if lim and arc and int(arc.group(2)) <= int(lim.group(1)) * 1024 // 4 and \
            int(arc.group(1)) <= int(arc.group(2)) + ARC_SLACK:
        res.ok(f"zfs-stage1: the ARC stays within a quarter of RUMP_MEMLIMIT ({int(arc.group(1)) >> 10} KiB, "
               f"bound {int(arc.group(2)) >> 10} KiB of {lim.group(1)} KiB)")
    else:
        res.fail("zfs-stage1: the ARC stays within a quarter of RUMP_MEMLIMIT",
                 f"limit {lim.group(0) if lim else None}, {arc.group(0) if arc else 'no arc line'}")
    names = set(re.findall(r"\bf(\d{4})\b", b2.output))
    if len(names) == 1000:
        res.ok("zfs-stage1: the 1000 small files are all there")
    else:
        res.fail("zfs-stage1: the 1000 small files are all there", f"{len(names)} listed")
    check_patterns(res, b2.output, [(r"link -> \.\./created\.txt", "the symbolic link keeps its target")],
                   "zfs-stage1: ", b2.tail(40))
    listing = b2.output.split("adros# ls /tank/w\n", 1)[-1].split("adros#", 1)[0]
    if "after-rename.txt" in listing and "before-rename.txt" not in listing and "deleted.txt" not in listing:
        res.ok("zfs-stage1: the renamed file has its new name, the deleted one stays deleted")
    else:
        res.fail("zfs-stage1: the renamed file has its new name, the deleted one stays deleted", listing[:1500])


def boots(build):
    names = {"zfs-mirror": ["zfs-mirror: damaged mirror half repaired by scrub, every file equal"],
             "zfs-datasets": ["zfs-datasets: snapshot, rollback, compression, checksum"],
             "zfs-bad": ["zfs-bad: bad input fails clearly, AdrOS keeps running"],
             "zfs-stage1": ["zfs-stage1: the Stage 1 write workload on a dataset, checked after a reboot"]}
    why = _why()
    if why:
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
    return [{"name": "zfs-mirror", "run": _mirror}, {"name": "zfs-datasets", "run": _datasets},
            {"name": "zfs-bad", "run": _bad}, {"name": "zfs-stage1", "run": _stage1}]


def _prepare_bench(build):
    d = _dir(build)
    _blank(os.path.join(d, "bench-zfs.img"), DISK_MB)
    mkfs(os.path.join(d, "bench-ext2.img"), DISK_MB, block=4096)


def benches(build):
    """bench=zfs (tests/kernel/zfs_bench.c): 32 MiB written and read on a
    ZFS pool (hda) and through NetBSD's ext2fs (hdb), two identical disks."""
    if _why():
        return []
    d = _dir(build)
    return [{"name": "zfs", "cmdline": "net=off bench=zfs", "timeout": 900, "prepare": _prepare_bench,
             "disks": [_drive(os.path.join(d, "bench-zfs.img"), 0), _drive(os.path.join(d, "bench-ext2.img"), 1)]}]
