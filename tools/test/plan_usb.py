"""Stage 3 test boots: USB mass storage through NetBSD's EHCI/UHCI/OHCI,
usb, uhub, umass, scsibus and sd in the rump kernel, as AdrOS block
devices (src/netbsd/usb.c).

They need the rump components with the USB stage (third_party/rump, see
README); without them every test here is reported as skipped with the
reason.

  usb-manifest-<hc>-<native|rump>  the storage issue's ext2 images as a
        USB stick on EHCI (std4k), UHCI and OHCI (std2k): manifest=sd0
        (AdrOS's ext2 on the USB disk) and manifest=rump:sd0 (NetBSD's
        ext2fs on it) each equal tools/images/manifest.sh on the tree
  usb-manifest-ehci-ioapic  the same with interrupts through the I/O APIC
  usb-disks     two USB sticks (one MBR-partitioned) and an ATA disk at
        once: lsusb, lsusb -t, lsblk, hexdump; a rump mount, a native
        mount and an ATA mount written at once stay apart (host: debugfs);
        the rump mount on the USB disk is left mounted at poweroff and
        must be on the image afterwards (shutdown syncs it)
  usb-blkdebug  a USB stick whose image fails reads in one file's blocks
        (QEMU blkdebug): that file gives EIO through both drivers, the
        others read, the error is counted, AdrOS goes on
  usb-fs-*      plan_fsdetect.py's boots on USB sticks: FAT32 (long names,
        nested directories, a 20 MiB file) and ISO 9660 manifests through
        NetBSD's msdosfs/cd9660 equal the host's view, detection on four
        sticks, the FAT write test checked with fsck.fat -n and mcopy
  usb-automount interactive, with QMP: sticks plugged in after boot are
        mounted on /usb1, /usb2 (an ext2 stick whole, a FAT partition of an
        MBR stick) through NetBSD's drivers, read-write, with a line saying
        so; the stick present at boot is left alone; pulled, each is
        unmounted with a line saying so; what was written on the ext2 one
        before the pull is on its image
  usb-hotplug   interactive, with QEMU's QMP (automount=off): a second stick added at run
        time appears (log line, lsblk; NetBSD's attach and detach events
        read from /dev/usb and logged), is mounted and read; removed while
        mounted: reads get EIO, the disk leaves lsblk, the mount can be
        unmounted, the shell goes on; added again, it reads whole; pulled
        while a reader runs: the reader gets EIO after usb.timeout (QEMU
        never answers the transfer in flight), the shell goes on, the
        mount unmounts
"""
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import disks
import mkimages
import qemu
import qemu_interactive as qi
import qmp
from common import Steps, check_patterns, end_session, mkfs, pattern
from disks import HCS, fs_img, fs_manifest_check, fs_prepare, hda_tables, make_disk, stick, usb_boot, usb_missing
from fsdetect import boots_for


# --- two sticks and an ATA disk ------------------------------------------

DISKS_SCRIPT = ("lsusb; lsusb -t; lsblk; hexdump -s 1080 -n 2 /dev/sd0; "
                "mkdir /a; mkdir /b; mkdir /c; mount -t rump sd0 /a; mount -t rump sd1 /b; "
                "mount -t rump hda /c; hexdump -n 16 /dev/sd2p1; "
                "write /a/x on-a; write /b/y on-b; write /c/z on-c; ls /a; ls /b; ls /c; "
                "cat /a/x; umount /b; umount /c; write /a/synced-at-poweroff kept; lsusb -s")


def _prepare_disks(build):
    d = os.path.join(build, "usb")
    os.makedirs(d, exist_ok=True)
    for n in ("a", "b", "c"):
        mkfs(os.path.join(d, f"disk-{n}.img"), 8)
    make_disk(os.path.join(d, "parts.img"), 0, 16384, hda_tables())


def _debugfs_ls(img):
    return subprocess.run(["debugfs", "-R", "ls -p /", img], capture_output=True, text=True).stdout


def _debugfs_cat(img, path):
    return subprocess.run(["debugfs", "-R", f"cat {path}", img], capture_output=True).stdout


def _broke(b, res):
    """A boot that hung or panicked: one failure, nothing more to check."""
    if b.timed_out or "KERNEL PANIC" in b.output:
        res.fail(res.group, b.describe() + "\n" + b.tail(30))
        return True
    return False


def _check_disks(build):
    def check(b, res):
        name = res.group
        out = b.output
        if _broke(b, res):
            return
        want = [
            (r"disk: sd0: QEMU QEMU HARDDISK, 8192 KiB \(16384 sectors of 512 bytes\)", "sd0 attached with NetBSD's geometry"),
            (r"disk: sd2: QEMU QEMU HARDDISK, .*\n(?:.*\n)*?disk: sd2: \d+ partitions", "the partitioned stick's MBR is scanned"),
            (r"Bus \d{3} Device 001: ID [0-9a-f]{4}:[0-9a-f]{4} .*EHCI root hub\n.*hub, high speed", "lsusb: the EHCI root hub"),
            (r"Bus \d{3} Device 00[2-4]: ID 46f4:0001 QEMU QEMU USB HARDDRIVE\n.*mass storage|"
             r"Bus \d{3} Device 00[2-4]: ID 46f4:0001 QEMU QEMU USB HARDDRIVE\n.*driver umass\d", "lsusb: a stick, its IDs, umass"),
            (r"/:  Bus \d\d\. Dev 1, .*root hub.*\n(    \|__ Port \d: Dev \d, QEMU QEMU USB HARDDRIVE.*\n){3}", "lsusb -t: three sticks under the root hub"),
            (r"\nsd0 +disk +8\.0M +16384 +512 rw -  +QEMU QEMU HARDDISK", "lsblk lists sd0"),
            (r"\nsd2p1 +part .* sd2 ", "lsblk lists sd2's partitions as sd2p<N>"),
            (r"adros# hexdump -s 1080 -n 2 /dev/sd0\n00000438  53 ef", "hexdump /dev/sd0 reads the ext2 magic"),
            (r"adros# ls /a\nlost\+found/\nx\n", "rump mount of sd0 holds only its file"),
            (r"adros# ls /b\nlost\+found/\ny\n", "rump mount of sd1 holds only its file"),
            (r"adros# ls /c\nlost\+found/\nz\n", "rump mount of the ATA disk holds only its file"),
            (r"adros# cat /a/x\non-a\n", "reads back through rump"),
            (r"script: \d+ commands, 0 failed", "every command succeeded"),
        ]
        d = os.path.join(build, "usb")
        with open(os.path.join(d, "parts.img"), "rb") as f:
            f.seek(2048 * 512)  # the first partition (disks.hda_tables)
            first = " ".join(f"{x:02x}" for x in f.read(8))
        want.append((rf"adros# hexdump -n 16 /dev/sd2p1\n00000000  {first} ", "sd2p1 reads its partition's first sector"))
        check_patterns(res, out, want, f"{name}: ", b.tail(40))
        la, lb, lc = (_debugfs_ls(os.path.join(d, f"disk-{n}.img")) for n in "abc")
        if "/x/" in la and "/y/" not in la and "/y/" in lb and "/x/" not in lb and "/z/" in lc and "/x/" not in lc:
            res.ok(f"{name}: each file landed on its own disk (host)")
        else:
            res.fail(f"{name}: each file landed on its own disk (host)", f"sd0: {la}\nsd1: {lb}\nhda: {lc}")
        kept = _debugfs_cat(os.path.join(d, "disk-a.img"), "/synced-at-poweroff")
        if kept == b"kept\n":
            res.ok(f"{name}: a rump mount on a USB disk left mounted is written back at poweroff")
        else:
            res.fail(f"{name}: a rump mount on a USB disk left mounted is written back at poweroff", f"got {kept!r}")
        for n in "abc":
            p = subprocess.run(["e2fsck", "-fn", os.path.join(d, f"disk-{n}.img")], capture_output=True, text=True)
            if p.returncode != 0:
                res.fail(f"{name}: e2fsck -fn clean on every disk", f"disk-{n}: {p.stdout[-800:]}")
                break
        else:
            res.ok(f"{name}: e2fsck -fn clean on every disk")
    return check


# --- read errors ---------------------------------------------------------

def _prepare_blkdebug(build):
    d = os.path.join(build, "usb")
    disks.blkdebug_read_image(d)


BLKDEBUG_SCRIPT = ("lsusb -s; mkdir /n; mkdir /r; mount -r sd0 /n; sha256sum /n/good.bin; sha256sum /n/bad.bin; "
                   "umount /n; mount -t rump -r sd0 /r; sha256sum /r/good.bin; sha256sum /r/bad.bin; "
                   "sha256sum /r/good.bin; umount /r; lsblk -s; echo still-alive")


def _check_blkdebug(b, res):
    name = res.group
    out = b.output
    good = hashlib.sha256(pattern(1, 256 << 10)).hexdigest()
    if _broke(b, res):
        return
    want = [
        (rf"adros# sha256sum /n/good.bin\n{good}  /n/good.bin", "native: the good file reads"),
        (r"adros# sha256sum /n/bad.bin\n(?:.*\n)*?sha256sum: /n/bad.bin: .*\(EIO\)", "native: the bad file gives EIO"),
        (rf"adros# sha256sum /r/good.bin\n{good}  /r/good.bin", "rump: the good file reads"),
        (r"adros# sha256sum /r/bad.bin\n(?:.*\n)*?sha256sum: /r/bad.bin: .*\(EIO\)", "rump: the bad file gives EIO"),
        (rf"adros# sha256sum /r/good.bin\n{good}  /r/good.bin\nadros# umount /r\n", "rump: reads still work after the error"),
        (r"\nsd0 .* [1-9]\d* errors", "the errors are counted on sd0"),
        (r"adros# echo still-alive\nstill-alive", "AdrOS goes on"),
    ]
    check_patterns(res, out, want, f"{name}: ", b.tail(40))


# --- hot-plug ------------------------------------------------------------

def _prepare_hotplug(build):
    d = os.path.join(build, "usb")
    tree = os.path.join(d, "hot-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "hello.txt"), "w") as f:
        f.write("hello from the hot-plugged stick\n")
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(pattern(5, 24 << 20))
    mkfs(os.path.join(d, "hot.img"), 40, tree, block=4096)
    mkfs(os.path.join(d, "hot-base.img"), 4)


INFLIGHT_TIMEOUT = 5  # usb.timeout for the hot-plug session


def _hotplug(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(f"{name}: the boot with one stick", b.describe() + "\n" + b.tail(20))
            return
        d = os.path.join(build, "usb")
        kernel = os.path.join(build, "adros.elf")
        sock = qmp.socket_path(build, "usb-hotplug")
        log = os.path.join(build, "test-logs", "usb-hotplug-session.log")
        extra = list(HCS["ehci"][0]) + stick("ehci", os.path.join(d, "hot-base.img"), 0) + \
            ["-drive", f"if=none,id=u1,file={os.path.join(d, 'hot.img')},format=raw,snapshot=on"] + qmp.args(sock)
        s = qi.Session(kernel, f"usb.timeout={INFLIGHT_TIMEOUT} automount=off", [], limit=400, extra=extra, log=log)
        st = Steps(s, res, name)
        q = {}

        def guarded(fn):
            def step(s):
                try:
                    return fn(s)
                except qmp.QMPError as e:
                    return f"QMP: {e}"
            return step

        def boot(s):
            s.wait_prompt(60)
            out = s.command("lsblk", 120)  # after the rump kernel started: lsusb waits for it
            out = s.command("lsusb -s", 120)
            if "1 present" not in out:
                return f"lsusb -s: {out!r}"
            q["c"] = qmp.Client(sock)
            return None

        def add(s):
            start = s.mark()
            t0 = time.monotonic()
            q["c"].cmd("device_add", driver="usb-storage", bus="hc.0", drive="u1", id="stick1")
            s.expect(r"disk: sd1: QEMU QEMU HARDDISK, 40960 KiB", 60, start=start)
            res.ok(f"{name}: (sd1 appeared {time.monotonic() - t0:.1f} s after device_add)")
            # NetBSD's event queue read (/dev/usb): its attach events logged.
            s.expect(r"usb: device 46f4:0001 \(QEMU USB HARDDRIVE\) on bus \d+ address \d+ attached", 10, start=start)
            s.expect(r"usb: driver umass\d+ attached", 10, start=start)
            out = s.command("lsblk")
            return None if re.search(r"\nsd1 +disk", "\n" + out) else f"lsblk: {out!r}"

        def mount_read(s):
            out = "".join(s.command(c, 60) for c in ("mkdir /h", "mount -t rump sd1 /h", "cat /h/hello.txt"))
            return None if "hello from the hot-plugged stick" in out else f"got {out!r}"

        def pull(s):
            # Removed while mounted and open but between transfers.  (With a
            # transfer in flight NetBSD 7's umass recovers by resetting a
            # device QEMU no longer answers, 5 s timeouts per step, and the
            # detach takes minutes: see README, "USB disks".)
            start = s.mark()
            q["c"].cmd("device_del", id="stick1")
            s.expect(r"disk: sd1: removed", 60, start=start)
            s.expect(r"usb: device 46f4:0001 \(QEMU USB HARDDRIVE\) on bus \d+ address \d+ detached", 10, start=start)
            out = s.command("sha256sum /h/big.bin", 120)
            if not re.search(r"sha256sum: /h/big.bin: .*\((EIO|ENXIO)\)", out):
                return f"a read after removal did not get an I/O error: {out[-500:]!r}"
            return None

        def after(s):
            out = s.command("lsblk")
            if re.search(r"\nsd1 ", "\n" + out):
                return f"sd1 still listed: {out!r}"
            out = s.command("umount /h", 60)
            if "[exit" in out:
                return f"umount after removal: {out!r}"
            out = s.command("lsusb -s")
            return None if "1 present, 2 attached and 1 removed" in out else f"lsusb -s: {out!r}"

        def again(s):
            start = s.mark()
            # The drive went with the device: a new one for the same image.
            q["c"].hmp(f"drive_add 0 if=none,id=u1b,file={os.path.join(d, 'hot.img')},format=raw,snapshot=on")
            q["c"].cmd("device_add", driver="usb-storage", bus="hc.0", drive="u1b", id="stick1b")
            s.expect(r"disk: sd1: QEMU QEMU HARDDISK", 60, start=start)
            want = hashlib.sha256(pattern(5, 24 << 20)).hexdigest()
            out = "".join(s.command(c, 300) for c in ("mount -t rump -r sd1 /h", "sha256sum /h/big.bin", "umount /h"))
            return None if want in out else f"re-added stick: {out[-400:]!r}"

        def pull_written(s):
            # Written, unmounted, idle, pulled: NetBSD would flush the
            # written disk's cache as the detach closes it, to a device
            # that is gone; the worker flushed it while idle, so it goes
            # at once (without that: minutes, and no other stick attaches
            # meanwhile).
            # (Through the device: a file system's unmount may flush by
            # itself; the raw write leaves only NetBSD's dirty flag.)
            # write syncs (the block layer's flush reaches NetBSD's
            # DIOCCACHESYNC): the stick is clean when it returns.
            out = s.command("write /dev/sd1 before-pull", 120)
            if "[exit" in out:
                return f"writing to the stick: {out[-300:]!r}"
            start = s.mark()
            t0 = time.monotonic()
            q["c"].cmd("device_del", id="stick1b")
            s.expect(r"disk: sd1: removed", 30, start=start)
            res.ok(f"{name}: (a stick written through /dev left {time.monotonic() - t0:.1f} s after device_del)")
            q["c"].hmp(f"drive_add 0 if=none,id=u1c,file={os.path.join(d, 'hot.img')},format=raw,snapshot=on")
            start = s.mark()
            q["c"].cmd("device_add", driver="usb-storage", bus="hc.0", drive="u1c", id="stick1c")
            s.expect(r"disk: sd1: QEMU QEMU HARDDISK", 60, start=start)
            return None

        def pull_reading(s):
            # With a transfer in flight: QEMU never answers it, NetBSD's
            # recovery takes minutes, AdrOS gives up after usb.timeout.
            s.command("mount -t rump -r sd1 /h", 60)
            s.command("bcache drop", 30)  # from the stick, not from memory
            def stick_read():
                return sum(b["stats"]["rd_bytes"] for b in q["c"].cmd("query-blockstats")
                           if b.get("device") == "u1c")
            base = stick_read()
            start = s.mark()
            s.send("sha256sum /h/big.bin\r")
            # Pulled once QEMU has served 2 MiB of the 24 (a reader in flight).
            deadline = time.monotonic() + 60
            while stick_read() < base + (2 << 20):
                if time.monotonic() > deadline:
                    return "sha256sum read nothing from the stick within 60 s"
                time.sleep(0.05)
            t0 = time.monotonic()
            q["c"].cmd("device_del", id="stick1c")
            m = s.expect(qi.PROMPT_RX, 120, start=start)
            took = time.monotonic() - t0
            out = s.text(start, m.start())
            if not re.search(r"sha256sum: /h/big.bin: .*\(EIO\)", out):
                return f"the reader did not get EIO: {out[-500:]!r}"
            res.ok(f"{name}: (the reader got EIO {took:.1f} s after device_del, usb.timeout={INFLIGHT_TIMEOUT})")
            out = s.command("echo still-here", 30)
            if "still-here" not in out:
                return f"the shell after the removal: {out!r}"
            out = s.command("umount /h", 120)
            return None if "[exit" not in out else f"umount after the removal: {out!r}"

        st.run("boots with one stick", guarded(boot))
        st.run("device_add: the new stick appears with a log line and in lsblk", guarded(add))
        st.run("the new stick mounts and reads", guarded(mount_read))
        st.run("device_del of the mounted stick: later reads get EIO", guarded(pull))
        st.run("the removed disk leaves lsblk; its mount unmounts", guarded(after))
        st.run("the stick added again reads whole", guarded(again))
        st.run("written, unmounted and pulled: gone at once", guarded(pull_written))
        st.run("device_del while a reader runs: the reader gets EIO, AdrOS goes on", guarded(pull_reading))
        end_session(st, s, res, name, log, q.get("c"))
    return check


# --- automount --------------------------------------------------------------

def _prepare_automount(build):
    d = os.path.join(build, "usb")
    os.makedirs(d, exist_ok=True)
    tree = os.path.join(d, "auto-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "hello.txt"), "w") as f:
        f.write("hello from the automounted stick\n")
    mkfs(os.path.join(d, "auto-ext2.img"), 8, tree, block=1024)
    mkfs(os.path.join(d, "auto-base.img"), 4)
    # An MBR stick whose first partition holds FAT16 with one file.
    fat = os.path.join(d, "auto-fat.part")
    if os.path.exists(fat):
        os.remove(fat)
    subprocess.run(["mkfs.fat", "-C", "-F", "16", "-n", "AUTOFAT", fat, str(12 * 1024)], check=True,
                   capture_output=True)
    with open(os.path.join(d, "fat-hello.txt"), "w") as f:
        f.write("hello from a FAT partition\n")
    subprocess.run(["mcopy", "-i", fat, os.path.join(d, "fat-hello.txt"), "::/HELLO.TXT"], check=True,
                   capture_output=True)
    with open(os.path.join(d, "auto-parts.img"), "wb") as out, open(fat, "rb") as part:
        out.truncate(16 << 20)
        out.write(disks._table([(0x06, 2048, 12 * 2048), None, None, None]))
        out.seek(2048 * 512)
        out.write(part.read())


def _automount(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(f"{name}: the boot with one stick", b.describe() + "\n" + b.tail(20))
            return
        d = os.path.join(build, "usb")
        kernel = os.path.join(build, "adros.elf")
        sock = qmp.socket_path(build, "usb-automount")
        log = os.path.join(build, "test-logs", "usb-automount-session.log")
        ext2 = os.path.join(d, "auto-ext2.img")
        extra = list(HCS["ehci"][0]) + stick("ehci", os.path.join(d, "auto-base.img"), 0) + \
            ["-drive", f"if=none,id=a1,file={ext2},format=raw",
             "-drive", f"if=none,id=a2,file={os.path.join(d, 'auto-parts.img')},format=raw,snapshot=on"] + \
            qmp.args(sock)
        s = qi.Session(kernel, "", [], limit=400, extra=extra, log=log)
        st = Steps(s, res, name)
        q = {}

        def guarded(fn):
            def step(s):
                try:
                    return fn(s)
                except qmp.QMPError as e:
                    return f"QMP: {e}"
            return step

        def boot(s):
            s.wait_prompt(60)
            out = s.command("lsusb -s", 120)  # waits for the rump kernel
            if "1 present" not in out:
                return f"lsusb -s: {out!r}"
            out = s.command("mount")
            if "sd0" in out or "/usb" in out:
                return f"the stick present at boot was mounted: {out!r}"
            q["c"] = qmp.Client(sock)
            return None

        def add_ext2(s):
            start = s.mark()
            q["c"].cmd("device_add", driver="usb-storage", bus="hc.0", drive="a1", id="as1")
            s.expect(r"automount: sd1 mounted on /usb1 \(NetBSD's ext2fs, read-write\)", 90, start=start)
            out = s.command("cat /usb1/hello.txt", 60) + s.command("mount")
            if "hello from the automounted stick" not in out or \
                    not re.search(r"(?m)^sd1 on /usb1 type rump \(ext2fs, rw\)", out):
                return f"got {out!r}"
            out = s.command("write /usb1/written.txt written-before-the-pull", 60)
            return None if "[exit" not in out else f"write: {out!r}"

        def add_fat(s):
            start = s.mark()
            q["c"].cmd("device_add", driver="usb-storage", bus="hc.0", drive="a2", id="as2")
            s.expect(r"automount: sd2p1 mounted on /usb2 \(NetBSD's msdos, read-write\)", 90, start=start)
            out = s.command("cat /usb2/hello.txt", 60) + s.command("df /usb2")
            if "hello from a FAT partition" not in out or not re.search(r"msdos:sd2p1 +rump +1\d\.\d+M", out):
                return f"got {out!r}"
            return None

        def pull(s):
            # The stick only read first: NetBSD's unmount of the written one,
            # whose device is gone, fails and syncs every file system, and a
            # stick pulled in the middle of a write keeps NetBSD 7's umass
            # resetting it for minutes (README, "USB disks").
            start = s.mark()
            q["c"].cmd("device_del", id="as2")
            s.expect(r"automount: sd2p1 removed: /usb2 unmounted", 120, start=start)
            out, ls = s.command("mount"), s.command("ls /usb2")
            if "/usb2" in out or "ENOENT" not in ls:
                return f"after the pull: {out!r} {ls!r}"
            start = s.mark()
            q["c"].cmd("device_del", id="as1")
            s.expect(r"automount: sd1 removed: /usb1 unmounted", 120, start=start)
            out = s.command("mount")
            return None if "/usb1" not in out else f"after the second pull: {out!r}"

        st.run("boots with one stick, not automounted", guarded(boot))
        st.run("an ext2 stick plugged in is mounted on /usb1 read-write", guarded(add_ext2))
        st.run("a FAT partition of a second stick is mounted on /usb2", guarded(add_fat))
        st.run("pulled sticks are unmounted with a line each", guarded(pull))
        end_session(st, s, res, name, log, q.get("c"))
        p = subprocess.run(["debugfs", "-R", "cat /written.txt", ext2], capture_output=True, text=True)
        if p.stdout.strip() == "written-before-the-pull":
            res.ok(f"{name}: the file written before the pull is on the stick")
        else:
            res.fail(f"{name}: the file written before the pull is on the stick", repr(p.stdout + p.stderr))
        # (Not e2fsck -fn: NetBSD's ext2fs leaves its bitmaps to the
        # unmount, which a pulled stick never sees; the reliability issue's.)
    return check


def _usb_attach(path, index, writable):
    """fsdetect's attach(): an image as USB stick `index` on EHCI (the
    controller comes with stick 0: QEMU needs the bus before the stick)."""
    return (list(HCS["ehci"][0]) if index == 0 else []) + stick("ehci", path, index, snapshot=not writable)


# NetBSD's other file systems on USB sticks (fsdetect.py's boots with
# EHCI sticks): what sticks carry (FAT32, and an ISO image), detection on
# four sticks, and the FAT write test.
USB_FS = ("usb-fs-manifest-fat32", "usb-fs-manifest-iso", "usb-fs-detect", "usb-fs-fat-write")


def _fs_boots(build):
    all_ = boots_for(build, _usb_attach, ["sd0", "sd1", "sd2", "sd3"], "usb-fs")
    return [b for b in all_ if b["name"] in USB_FS]


def boots(build):
    why = usb_missing()
    names = ([f"usb-manifest-{hc}-{k}" for hc in HCS for k in ("native", "rump")] +
             ["usb-manifest-ehci-ioapic", "usb-disks", "usb-blkdebug", "usb-hotplug", "usb-automount"] +
             list(USB_FS))
    if why:
        return [{"name": n, "cmdline": "", "skip": why, "tests": [n]} for n in names]
    d = os.path.join(build, "usb")
    plan = []
    for hc in HCS:
        img = "std4k" if hc == "ehci" else "std2k"  # full speed is slow under TCG
        tree = os.path.join(build, "fsimg", mkimages.GOOD[img])
        for kind, opt in (("native", "manifest=sd0"), ("rump", "manifest=rump:sd0")):
            plan.append(usb_boot(f"usb-manifest-{hc}-{kind}", hc, [stick(hc, fs_img(build, img))], opt,
                                 timeout=400, prepare=fs_prepare,
                                 check=fs_manifest_check(img, tree)))
    plan.append(usb_boot("usb-manifest-ehci-ioapic", "ehci", [stick("ehci", fs_img(build, "std2k"))],
                         "ioapic=on manifest=rump:sd0", timeout=400, prepare=fs_prepare,
                         check=fs_manifest_check("std2k", os.path.join(build, "fsimg", mkimages.GOOD["std2k"]))))
    plan.append(usb_boot("usb-disks", "ehci",
                         [stick("ehci", os.path.join(d, "disk-a.img"), 0, snapshot=False),
                          stick("ehci", os.path.join(d, "disk-b.img"), 1, snapshot=False),
                          stick("ehci", os.path.join(d, "parts.img"), 2)],
                         f'run="{DISKS_SCRIPT}"', timeout=240, prepare=_prepare_disks,
                         disks=[f"file={d}/disk-c.img,format=raw,if=ide,index=0"], check=_check_disks(build)))
    plan.append(usb_boot("usb-blkdebug", "ehci",
                         [stick("ehci", None, 0, file_opt=f"file=blkdebug:{d}/blkdebug.conf:{d}/err.img")],
                         f'run="{BLKDEBUG_SCRIPT}"', timeout=240, prepare=_prepare_blkdebug, check=_check_blkdebug))
    plan += _fs_boots(build)
    plan.append(usb_boot("usb-hotplug", "ehci", [stick("ehci", os.path.join(d, "hot-base.img"), 0)],
                         'run="lsusb -s"', timeout=120, prepare=_prepare_hotplug, check=_hotplug(build)))
    plan.append(usb_boot("usb-automount", "ehci", [stick("ehci", os.path.join(d, "auto-base.img"), 0)],
                         'run="lsusb -s"', timeout=120, prepare=_prepare_automount, check=_automount(build)))
    return plan


def cross_checks():
    return []


def _prepare_bench(build):
    d = os.path.join(build, "usb")
    os.makedirs(d, exist_ok=True)
    for n in ("bench-usb.img", "bench-ata.img"):
        with open(os.path.join(d, n), "wb") as f:
            f.truncate(128 << 20)


HOTPLUG_ROUNDS = 5


def _run_hotplug_bench(kernel, build, spec):
    """The time from QMP's device_add of a USB stick (EHCI) to AdrOS's
    `disk: sdN:` line, seen on the host: NetBSD's enumeration (port reset
    and settle delays, descriptors, umass, SCSI inquiry) plus AdrOS's
    watcher (polls every USB_POLL_MS) and the disk's registration.  Then
    device_del to `removed`.  HOTPLUG_ROUNDS times; medians."""
    d = os.path.join(build, "usb")
    sock = qmp.socket_path(build, "usb-hotplug-bench")
    extra = list(HCS["ehci"][0]) + qmp.args(sock)
    log = os.path.join(build, "bench-logs", "usb_hotplug.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    s = qi.Session(kernel, "", [], limit=300, extra=extra, log=log)
    add, rm = [], []
    try:
        s.wait_prompt(60)
        s.command("lsusb -s", 120)
        with qmp.Client(sock) as q:
            for i in range(HOTPLUG_ROUNDS):
                q.hmp(f"drive_add 0 if=none,id=hb{i},file={os.path.join(d, 'hot-base.img')},format=raw,snapshot=on")
                start = s.mark()
                t0 = time.monotonic()
                q.cmd("device_add", driver="usb-storage", bus="hc.0", drive=f"hb{i}", id=f"hb{i}")
                s.expect(r"disk: sd\d+: QEMU", 60, start=start)
                add.append(time.monotonic() - t0)
                s.quiet(1.0, 30)  # idle: a removal with a transfer in flight takes minutes (README)
                start = s.mark()
                t0 = time.monotonic()
                q.cmd("device_del", id=f"hb{i}")
                s.expect(r"disk: sd\d+: removed", 60, start=start)
                rm.append(time.monotonic() - t0)
        s.send("poweroff\r")
    except (qi.Timeout, qmp.QMPError) as e:
        print(f"usb hot-plug bench: {e}", file=sys.stderr)
    status = s.close(30)
    b = qemu.Boot(s.text(), status, s.elapsed(), status is None)
    figs = []
    for what, v in (("device_add-to-attached", add), ("device_del-to-removed", rm)):
        if v:
            med = statistics.median(v)
            figs.append({"bench": "usb_hotplug", "metric": what, "cycles": 0, "ns": int(med * 1e9),
                         "note": f"median of {len(v)}: {med * 1e3:.0f} ms (min {min(v) * 1e3:.0f}, max {max(v) * 1e3:.0f})"})
    return b, figs


def benches(build):
    """usb_seq: a 128 MiB USB stick on EHCI and a 128 MiB ATA disk in one
    boot (tests/kernel/usb_bench.c); usb_hotplug: device_add/device_del to
    AdrOS's log lines, timed on the host."""
    if usb_missing():
        return []
    d = os.path.join(build, "usb")
    e = usb_boot("usb_seq", "ehci", [stick("ehci", os.path.join(d, "bench-usb.img"))], "bench=usb_seq",
                 timeout=600, prepare=_prepare_bench,
                 disks=[f"file={d}/bench-ata.img,format=raw,if=ide,index=0,snapshot=on"])
    return [e, {"name": "usb_hotplug", "cmdline": "", "prepare": _prepare_hotplug, "run": _run_hotplug_bench}]
