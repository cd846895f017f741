"""The disks of a PC of today through NetBSD's drivers in the rump kernel
(issue 21), as AdrOS block devices (src/netbsd/disk.c): AHCI through
ahcisata, atabus and wd (wd0), NVMe through nvme and ld_nvme (ld0), USB
sticks on xHCI through xhci, usb, umass and sd (sd0).  The components are
AdrOS's definitions (tools/rumpcomp/); boots are skipped with the reason
when they are absent (CI's shared set has none of them).

  <kind>-native, <kind>-rump  (kind: ahci, nvme, xhci) the storage issue's
        std4k ext2 image (a generated tree) on the disk: manifest=<dev>
        (AdrOS's ext2) and manifest=rump:<dev> (NetBSD's ext2fs) each equal
        tools/images/manifest.sh on the tree
  <kind>-write  a write workload through NetBSD's ext2fs (disks.WRITE_SCRIPT):
        e2fsck -fn clean on the host, every file read back equal
  nec-xhci-native  the same read on QEMU's other xHCI (nec-usb-xhci)
  ahci-nvme-apart  an AHCI disk, an NVMe disk and a stick on xHCI mounted
        through NetBSD's ext2fs, each given its own 3 MiB of data written
        back in one sync (the three disks' workers busy at once): each
        image holds its own data only, e2fsck -fn clean; lspci names
        NetBSD's drivers, lsblk the disks' controllers, lsusb -t the xHCI
        root hub and the stick's speed
  <ahci|nvme>-blkdebug  QEMU's blkdebug fails every read of one sector of a
        file: reading it gives EIO natively and through NetBSD's ext2fs, the
        other file reads, AdrOS goes on
  xhci-hotplug  an interactive session with QEMU's monitor (QMP): a stick
        device_add'ed on xHCI appears as an sd disk and reads whole; pulled
        while idle it leaves lsblk; plugged again, then pulled while a reader
        is in the middle of a 24 MiB file, the reader gets EIO (within
        usb.timeout) and AdrOS goes on

Bench boot pc_seq (tests/kernel/usb_bench.c, tools/bench/linuxref.py mirrors
it): wd0 on AHCI, ld0 on NVMe and sd0 on qemu-xhci, each an ext2 image
with a 32 MiB /bench.bin: raw and ext2 sequential reads.
"""
import hashlib
import os
import re
import shutil
import time

import mkimages
import qemu
import qemu_interactive as qi
import qmp
from common import (Steps, check_patterns, end_session, linked_archives, linked_stages, mkfs, pattern,
                    rump_present)
import disks
from disks import (WRITE_SCRIPT, debugfs_dump, e2fsck_clean, fs_img, fs_manifest_check, fs_prepare, write_check,
                   write_prepare)

# kind: (what must be linked: a stage or an archive, QEMU's device arguments
# for drive id d<n>, AdrOS's name of the disk)
KINDS = {
    "ahci": ("ahci", lambda n: ["-device", f"ahci,id=ahci{n}", "-device", f"ide-hd,drive=d{n},bus=ahci{n}.0"], "wd0"),
    "nvme": ("nvme", lambda n: ["-device", f"nvme,drive=d{n},serial=adros{n}"], "ld0"),
    "xhci": ("librumpdev_pci_xhci", lambda n: ["-device", f"qemu-xhci,id=xhci{n}",
                                               "-device", f"usb-storage,bus=xhci{n}.0,drive=d{n}"], "sd0"),
}
NEC_XHCI = ["-device", "nec-usb-xhci,id=xhci0", "-device", "usb-storage,bus=xhci0.0,drive=d0"]


def _dir(build):
    d = os.path.join(build, "ahci")
    os.makedirs(d, exist_ok=True)
    return d


def _drive(img, n=0, snapshot=True, file_opt=None):
    f = file_opt or f"file={img}"
    return ["-drive", f"if=none,id=d{n},{f},format=raw" + (",snapshot=on" if snapshot else "")]


def _why(*kinds):
    if not rump_present():
        return "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    for kind in kinds:
        need = KINDS[kind][0]
        if need.startswith("lib"):
            if need not in linked_archives():
                return f"{need}.a absent from the rump components (tools/rump-components.sh builds it)"
        elif need not in linked_stages():
            return f"the {need} stage's components absent (librumpdev_pci_{'ahcisata' if need == 'ahci' else need}.a)"
    return None


# --- two disks on two controllers ------------------------------------------------

# "rump" first: it waits for the rump kernel's start (the disks are there
# by then).
APART = (("wd0", "/a"), ("ld0", "/b"), ("sd0", "/c"))
APART_SCRIPT = ("rump; lspci; lsblk; lsusb -t; " +
                "".join(f"mkdir {m}; mount -t rump -o rw {dev} {m}; " for dev, m in APART) +
                "".join(f"cp {m}/big.bin {m}/copy.bin; " for _, m in APART) + "sync; " +
                "sha256sum " + " ".join(f"{m}/copy.bin" for _, m in APART) + "; " +
                "; ".join(f"umount {m}" for _, m in APART))


def _prepare_apart(build):
    d = _dir(build)
    for n in range(len(APART)):
        tree = os.path.join(d, f"apart-{n}-tree")
        shutil.rmtree(tree, ignore_errors=True)
        os.makedirs(tree)
        with open(os.path.join(tree, "big.bin"), "wb") as f:
            f.write(pattern(10 + n, 3 << 20))
        mkfs(os.path.join(d, f"apart-{n}.img"), 16, tree=tree, block=4096)


def _check_apart(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK or "PANIC" in b.output:
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        data = [pattern(10 + n, 3 << 20) for n in range(len(APART))]
        sha = [hashlib.sha256(x).hexdigest() for x in data]
        copies = "".join(rf"{sha[n]}  {m}/copy\.bin\n" for n, (_, m) in enumerate(APART))
        check_patterns(res, b.output, [
            (r"00:0\w\.\d 8086:2922 .* netbsd:ahcisata0", "lspci: NetBSD's ahcisata drives the AHCI controller"),
            (r"00:0\w\.\d 1b36:0010 .* netbsd:nvme0", "lspci: NetBSD's nvme drives the NVMe controller"),
            (r"\nwd0 +disk .*ahcisata0", "lsblk: wd0, its driver's controller"),
            (r"\nld0 +disk .*nvme0", "lsblk: ld0, its driver's controller"),
            (r"\nsd0 +disk .*xhci0", "lsblk: sd0, its driver's controller"),
            (r"/:  Bus \d+\. Dev 0, .*xHCI Root Hub, class hub, driver uhub\d, super\n"
             r"    \|__ Port \d+: Dev 1, QEMU QEMU USB HARDDRIVE, .*driver umass\d, super",
             "lsusb -t: the xHCI root hub, the stick on a super-speed port"),
            (copies, "each copy in the guest is its own disk's"),
            (r"script: 18 commands, 0 failed", "every command succeeded"),
        ], f"{name}: ", b.tail(40))
        d = _dir(build)
        for n, (dev, _) in enumerate(APART):
            img = os.path.join(d, f"apart-{n}.img")
            e2fsck_clean(res, f"{name}: {dev}", img)
            got = debugfs_dump(img, "/copy.bin", os.path.join(d, f"apart-{n}-dump.bin"))
            what = f"{name}: {dev}'s image holds its own copy (debugfs)"
            if got == data[n]:
                res.ok(what)
            else:
                res.fail(what, "no copy" if got is None else
                         f"{len(got)} bytes, equal to another disk's: {got in data}")
    return check


# --- read errors ------------------------------------------------------------------

BLKDEBUG_SCRIPT = ("rump; mkdir /n; mkdir /r; mount -r {dev} /n; sha256sum /n/good.bin; sha256sum /n/bad.bin; "
                   "umount /n; mount -t rump -r {dev} /r; sha256sum /r/good.bin; sha256sum /r/bad.bin; "
                   "sha256sum /r/good.bin; umount /r; echo still-alive")


def _prepare_blkdebug(build):
    d = _dir(build)
    disks.blkdebug_read_image(d)


def _check_blkdebug(b, res):
    # The script's failing reads make its exit status a failure: only a
    # hang or a panic ends the check here.
    name = res.group
    if b.timed_out or "PANIC" in b.output:
        res.fail(name, b.describe() + "\n" + b.tail(30))
        return
    good = hashlib.sha256(pattern(1, 256 << 10)).hexdigest()
    check_patterns(res, b.output, [
        (rf"adros# sha256sum /n/good.bin\n{good}  /n/good.bin", "native: the good file reads"),
        (r"adros# sha256sum /n/bad.bin\n(?:.*\n)*?sha256sum: /n/bad.bin: .*\(EIO\)", "native: the bad file gives EIO"),
        (rf"adros# sha256sum /r/good.bin\n{good}  /r/good.bin", "rump: the good file reads"),
        (r"adros# sha256sum /r/bad.bin\n(?:.*\n)*?sha256sum: /r/bad.bin: .*\(EIO\)", "rump: the bad file gives EIO"),
        (rf"adros# sha256sum /r/good.bin\n{good}  /r/good.bin\nadros# umount /r\n",
         "rump: reads still work after the error"),
        (r"adros# echo still-alive\nstill-alive", "AdrOS goes on"),
        (r"script: 13 commands, 2 failed", "only the two reads of the bad file failed"),
    ], f"{name}: ", b.tail(30))


# --- hot-plug and removal under a reader on xHCI ------------------------------------

HOT_TIMEOUT = 5  # usb.timeout: a transfer QEMU never answers after the pull fails then


def _prepare_hot(build):
    d = _dir(build)
    tree = os.path.join(d, "hot-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(pattern(5, 24 << 20))
    mkfs(os.path.join(d, "hot.img"), 40, tree, block=4096)


def _hotplug(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(f"{name}: the boot without a stick", b.describe() + "\n" + b.tail(20))
            return
        img = os.path.join(_dir(build), "hot.img")
        sock = qmp.socket_path(build, "xhci-hotplug")
        log = os.path.join(build, "test-logs", "xhci-hotplug-session.log")
        extra = ["-device", "qemu-xhci,id=xhci0"] + qmp.args(sock)
        # automount=off: the test reads and pulls the raw disk itself.
        s = qi.Session(os.path.join(build, "adros.elf"), f"net=off automount=off usb.timeout={HOT_TIMEOUT}", [],
                       limit=400, extra=extra, log=log)
        st = Steps(s, res, name)
        want = hashlib.sha256(pattern(5, 24 << 20)).hexdigest()
        q = {"n": 0}

        def plug():
            q["n"] += 1
            q["drive"] = f"hot{q['n']}"
            q["c"].hmp(f"drive_add 0 if=none,id={q['drive']},file={img},format=raw,snapshot=on")
            start = s.mark()
            q["c"].cmd("device_add", driver="usb-storage", bus="xhci0.0", drive=q["drive"], id=f"stick{q['n']}")
            m = s.expect(r"disk: (sd\d+): QEMU QEMU HARDDISK, 40960 KiB", 60, start=start)
            g = m.group(1)
            q["dev"] = g.decode() if isinstance(g, bytes) else g

        def guarded(fn):
            def step(s):
                try:
                    return fn(s)
                except qmp.QMPError as e:
                    return f"QMP: {e}"
            return step

        def boot(s):
            s.wait_prompt(60)
            s.command("rump", 120)
            q["c"] = qmp.Client(sock)
            return None

        def add_read(s):
            plug()
            out = "".join(s.command(c, 300) for c in ("mkdir /h", f"mount -t rump -r {q['dev']} /h",
                                                      "sha256sum /h/big.bin", "umount /h"))
            return None if want in out else f"the plugged stick: {out[-400:]!r}"

        def pull_reading(s):
            # Mounted afresh (nothing of the file in NetBSD's caches) and
            # nothing in AdrOS's block cache: the reader reads the stick.
            s.command(f"mount -t rump -r {q['dev']} /h", 60)
            s.command("bcache drop", 30)

            def served():
                return sum(b["stats"]["rd_bytes"] for b in q["c"].cmd("query-blockstats")
                           if b.get("device") == q["drive"])
            base = served()
            start = s.mark()
            s.send("sha256sum /h/big.bin\r")
            deadline = time.monotonic() + 60
            while served() < base + (2 << 20):  # a reader in the middle of the file
                if time.monotonic() > deadline:
                    return "sha256sum read nothing from the stick within 60 s"
                time.sleep(0.05)
            q["c"].cmd("device_del", id=f"stick{q['n']}")
            m = s.expect(qi.PROMPT_RX, 120, start=start)
            out = s.text(start, m.start())
            if not re.search(r"sha256sum: /h/big.bin: .*\(EIO\)", out):
                return f"the reader did not get EIO: {out[-500:]!r}"
            # (NetBSD's umass then resets a device QEMU no longer answers,
            # 5 s timeouts per step: the detach itself comes minutes later.)
            out = s.command("echo still-here", 30)
            return None if "still-here" in out else f"after the removal: {out!r}"

        def pull_idle(s):
            start = s.mark()
            q["c"].cmd("device_del", id=f"stick{q['n']}")
            s.expect(rf"disk: {q['dev']}: removed", 60, start=start)
            out = s.command("lsblk")
            return f"{q['dev']} still listed: {out!r}" if re.search(rf"\n{q['dev']} ", "\n" + out) else None

        def again(s):
            plug()
            return None

        st.run("boots with xHCI and no stick", guarded(boot))
        st.run("device_add: the stick is an sd disk and reads whole", guarded(add_read))
        st.run("device_del, idle: the disk leaves lsblk", guarded(pull_idle))
        st.run("device_add again: the stick is back", guarded(again))
        st.run("device_del while a reader runs: the reader gets EIO, AdrOS goes on", guarded(pull_reading))
        end_session(st, s, res, name, log, q.get("c"))
    return check


def boots(build):
    plan = []
    d = os.path.join(build, "ahci")
    tree = os.path.join(build, "fsimg", mkimages.GOOD["std4k"])
    for kind, (_, devs, dev) in KINDS.items():
        names = {f"{kind}-native": [f"{dev} on {kind}: AdrOS's ext2 manifest equals the host's"],
                 f"{kind}-rump": [f"{dev} on {kind}: NetBSD's ext2fs manifest equals the host's"],
                 f"{kind}-write": [f"{dev} on {kind}: a write through NetBSD's ext2fs, e2fsck -fn clean"]}
        if kind == "xhci":
            names["nec-xhci-native"] = [f"{dev} on nec-usb-xhci: AdrOS's ext2 manifest equals the host's"]
        if kind == "xhci":
            names["xhci-hotplug"] = ["xHCI: a stick plugged, pulled, plugged again, pulled under a reader (EIO)"]
        if kind in ("ahci", "nvme"):
            names[f"{kind}-blkdebug"] = [f"{dev} on {kind}: blkdebug's read errors give EIO through both drivers"]
        why = _why(kind)
        if why:
            plan += [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
            continue
        std = fs_img(build, "std4k")
        for k, opt in (("native", f"manifest={dev}"), ("rump", f"manifest=rump:{dev}")):
            plan.append({"name": f"{kind}-{k}", "cmdline": f"net=off {opt}", "timeout": 400,
                         "prepare": fs_prepare, "extra": _drive(std) + devs(0),
                         "check": fs_manifest_check("std4k", tree)})
        if kind == "xhci":
            plan.append({"name": "xhci-hotplug", "cmdline": 'net=off run="rump"', "timeout": 120,
                         "prepare": _prepare_hot, "extra": ["-device", "qemu-xhci,id=xhci0"],
                         "check": _hotplug(build)})
            plan.append({"name": "nec-xhci-native", "cmdline": f"net=off manifest={dev}", "timeout": 400,
                         "prepare": fs_prepare, "extra": _drive(std) + NEC_XHCI,
                         "check": fs_manifest_check("std4k", tree)})
        img = os.path.join(d, f"write-{kind}.img")
        hello = f"hello-{kind}"
        plan.append({"name": f"{kind}-write", "cmdline": f'net=off run="{WRITE_SCRIPT.format(dev=dev, hello=hello)}"',
                     "timeout": 300, "prepare": write_prepare("ahci", kind), "extra": _drive(img, 0, False) + devs(0),
                     "check": write_check(build, "ahci", kind, hello)})
        if kind in ("ahci", "nvme"):
            err = _drive(None, 0, True, f"file=blkdebug:{d}/blkdebug.conf:{d}/err.img")
            plan.append({"name": f"{kind}-blkdebug", "cmdline": f'net=off run="{BLKDEBUG_SCRIPT.format(dev=dev)}"',
                         "timeout": 300, "prepare": _prepare_blkdebug, "extra": err + devs(0),
                         "check": _check_blkdebug})
    names = ["wd0 on AHCI, ld0 on NVMe and sd0 on xHCI written in one sync stay apart; lspci, lsblk and lsusb -t "
             "name NetBSD's drivers"]
    why = _why("ahci", "nvme", "xhci")
    if why:
        plan.append({"name": "ahci-nvme-apart", "cmdline": "", "skip": why, "tests": names})
    else:
        extra = []
        for n, kind in enumerate(("ahci", "nvme", "xhci")):
            extra += _drive(os.path.join(d, f"apart-{n}.img"), n, False) + KINDS[kind][1](n)
        plan.append({"name": "ahci-nvme-apart", "cmdline": f'net=off run="{APART_SCRIPT}"', "timeout": 300,
                     "prepare": _prepare_apart, "extra": extra, "check": _check_apart(build)})
    return plan


BENCH_MIB = 128  # each pc_seq disk: 64 MiB of raw reads, a 32 MiB file and a 40 MiB one


def _prepare_bench(build):
    """The pc_seq image: ext2 (4 KiB blocks) with /bench.bin (32 MiB, the
    ext2 reads) and /fill.bin (40 MiB) of random data, so that the raw reads
    (the first 64 MiB) read data, not only the zeros of free blocks."""
    tree = os.path.join(_dir(build), "bench-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    for name, mib in (("bench.bin", 32), ("fill.bin", 40)):
        with open(os.path.join(tree, name), "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
    mkfs(os.path.join(_dir(build), "bench.img"), BENCH_MIB, tree, block=4096)
    shutil.rmtree(tree)


def benches(build):
    """pc_seq: the three disks in one boot, each a snapshot=on view of the
    same image (nothing is written)."""
    why = _why("ahci", "nvme", "xhci")
    if why:
        print(f"# pc_seq skipped: {why}", flush=True)
        return []
    img = os.path.join(_dir(build), "bench.img")
    disks = [_drive(img, n) + KINDS[kind][1](n) for n, kind in enumerate(("ahci", "nvme", "xhci"))]
    return [{"name": "pc_seq", "cmdline": "net=off bench=pc_seq", "timeout": 600, "disks": disks,
             "prepare": _prepare_bench}]


def cross_checks():
    return []
