"""Reliability (issues 15 and 25): memory pressure and a lossy link, short
versions for `make test` (the long mixed run is `make soak`, tools/test/soak.py).
They need NetBSD's components (ext2 and net stages); otherwise each is
reported as skipped with the reason.

  rel-pressure-ram  -m 48: memhog takes all but 256 KiB of the kernel heap
                 (and gives it back after 30 s) while commands start, list,
                 fetch 4 MiB over the e1000 onto NetBSD's ext2fs and copy
                 8 MiB on it, and the native ext2 driver reads 8 MiB; then
                 everything from the heap; errors (ENOMEM) and slowness are
                 fine, a panic or hang is not: the fetch and the copy either
                 finish (then they read back right afterwards) or are
                 refused with "out of memory (ENOMEM)".  (Before NetBSD's
                 pager windows were mappings, the fetch blocked until
                 memhog let go and the copy never met the pressure; now
                 the fetch finishes under it and the copy's open is
                 refused.)  After the pressure (`memhog
                 wait`: commands that fail fast with ENOMEM reach it in 5 s,
                 and the checks once ran with the heap still held): a fresh
                 rump mount reads both files back with the host's sha256, a
                 second fetch succeeds, e2fsck -fn is clean on the host.
  rel-pressure-memlimit  rump.RUMP_MEMLIMIT=4m: 4 churn threads (create,
                 write, append, rename, delete, fsync, read, verified against
                 their manifest), an 8 MiB copy, a 4 MiB fetch, churn again;
                 the rump kernel's memory stays under the host's ceiling
                 (2 x limit + 16 MiB); after: remount, sha256 equal, fetch
                 again, e2fsck clean; a second 8 MiB copy after the second
                 churn reads back too (it lost 7-11 pages in 1 run of 4
                 with the full component set: the pagedaemon's page-out
                 failing for memory, dropped by NetBSD's rump VM;
                 src/rump/rump_uvm_aiodone.c, docs/RELIABILITY.md, "A
                 page-out lost to ENOMEM").
                 (It faulted in NetBSD's uvm_page_unbusy: a DIAGNOSTIC
                 assertion of NetBSD 7.99 that a read-ahead giving up on its
                 first page breaks; AdrOS's link-time shim,
                 src/rump/rump_uvm_unbusy.c, docs/RELIABILITY.md.  `rump
                 status` at the end counts the calls it saved.)
  rel-pdaemon-enomem  rump.RUMP_MEMLIMIT=4m and rump.pdaemon_enomem=2: every
                 other block lookup of NetBSD's pagedaemon fails with ENOMEM,
                 as NetBSD's getblk makes it fail when no buffer is free;
                 2 churn threads and an 8 MiB copy meanwhile: churn's files
                 verify intact, the copy reads back with the host's sha256
                 after umount and mount, e2fsck is clean, and `rump status`
                 shows failures injected and pages kept dirty (without the
                 shim, 3 runs of 3 found churn's files CORRUPT).
  rel-reserve    -m 48, memhog takes every page it can: the shell still
                 starts commands, rm removes a file (ls no longer shows it), df,
                 sync and free run, a file written before reads back, and
                 poweroff powers off (the memory reserve, mm.reserve=).
  rel-reserve-ramfs -m 48 with ramfs.size=64 (the RAM root allowed more than
                 the RAM: memory runs out first): cp /dev/zero
                 /big fills it until the heap stops at the reserve
                 (ENOSPC), then rm /big, df and poweroff work.
  rel-reserve-off the same with mm.reserve=0: the shell cannot start rm
                 ("cannot start rm: ENOMEM"), so the script fails: what the
                 reserve prevents, and proof that memhog really exhausts memory.
  rel-reserve-dhcp -m 48, a DHCP server of our own (tools/test/fakelan.py)
                 giving a 30 s lease renewed every 3 s; once bound, memhog
                 -a takes every page it can and keeps it: the renewals go
                 on (the renewal thread runs on the reserve): `dhcp`, 15 s
                 later, counts at least 3 more; every command starts.
                 Fails with the thread off the reserve.
  rel-usb-pull   interactive, QMP: a FAT32 and an ext2 stick on EHCI, mounted
                 through NetBSD's msdosfs and ext2fs; `write` on each (synced)
                 and both pulled (device_del) right after it returns; on the
                 host fsck.fat -n and e2fsck -fn are clean and the lines are
                 in the files (mtype, debugfs).  Then the mounts of the gone
                 sticks: ls, cat (cached or not), write fail with EIO,
                 `mount` marks them "(gone)", umount says what was lost.
  rel-blkdebug-write  two ATA disks, ext2 (NetBSD's ext2fs) and FAT32
                 (msdosfs): a first boot writes a line on each (synced); a
                 second boot puts them behind QEMU's blkdebug failing every
                 write and flush: a write, a copy and a sync get EIO, never
                 success; the lines and the host's files read back, before
                 and after the failures; nothing panics; umount forces the
                 mounts off; on the host e2fsck -fn and fsck.fat -n are
                 clean and hold the lines.
  rel-lossy-link two guests joined by tools/qemu/lossyrelay.py on 127.0.0.1
                 (5% dropped, 1% duplicated, 1% reordered, 1% corrupted,
                 seeded): 16 MiB of ttcp's pattern over NetBSD's TCP; both
                 guests print the stream's sha256 (ttcp -s), equal to each
                 other and to the host's; the relay injected every kind of
                 fault; both guests still answer (vitals, ping) and power
                 off cleanly.  About 3 minutes under TCG on a loaded host.

Network safety: user networking with restrict=on (guestfwd to
tools/qemu/httpserve.py, which opens no socket), and for the two guests UDP
sockets bound to 127.0.0.1 talking only to the relay on 127.0.0.1.
"""
import hashlib
import os
import re
import shutil
import subprocess

import common
import mkimages
import qemu
import qmp
import qemu_interactive as qi
from common import Steps, check_patterns, linked_stages, rump_present, sha256_file
from disks import HCS, stick, usb_missing
from fakelan import FakeLan
from lossylink import LOSSY_MIB, check_lossy

ROOT = common.ROOT
WHY = "NetBSD's ext2 and network components absent (tools/rump-components.sh builds them, see README)"
STATIC = "net=wm0:10.0.2.15/24,gw=10.0.2.2"
MIB = 1 << 20


def _dir(build):
    d = os.path.join(build, "reliability")
    os.makedirs(d, exist_ok=True)
    return d


def _httpserve(root):
    return f"python3 {os.path.join(ROOT, 'tools', 'qemu', 'httpserve.py')} {root}"


def _prepare(tag):
    def prepare(build):
        d = _dir(build)
        tree, srv = os.path.join(d, f"{tag}-tree"), os.path.join(d, f"{tag}-srv")
        for p in (tree, srv):
            shutil.rmtree(p, ignore_errors=True)
            os.makedirs(p)
        with open(os.path.join(tree, "big.bin"), "wb") as f:
            f.write(os.urandom(8 * MIB))
        with open(os.path.join(srv, "net.bin"), "wb") as f:
            f.write(os.urandom(4 * MIB))
        for img in ("rump", "native"):
            path = os.path.join(d, f"{tag}-{img}.img")
            if os.path.exists(path):
                os.remove(path)
            subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", tree, path, "48M"],
                           check=True, capture_output=True)
    return prepare


def _vitals(text):
    return [dict((k, int(v)) for k, v in re.findall(r"(\w+)=(-?\d+)", m))
            for m in re.findall(r"^vitals: (.*)$", text, re.M)]


def _after_pressure(build, tag, b, res):
    """None after a panic or hang (reported); else the test's directory,
    the host's sha256 of its big.bin and the output after the script's
    AFTER-PRESSURE line."""
    if not _no_panic(b, res):
        return None
    d = _dir(build)
    m = re.search(r"^AFTER-PRESSURE$", b.output, re.M)
    return d, sha256_file(os.path.join(d, f"{tag}-tree", "big.bin")), b.output[m.end():] if m else ""


def _under_pressure(res, b, tail, cmd, done, path, want, what, may_refuse=True):
    """A command that wrote path while memhog held the heap either finished
    (its output matches done; then path must read back with the host's
    sha256 `want` in tail, the output after the pressure, or with tail None
    in the command's own output) or, if may_refuse, was refused with a clear
    out-of-memory error (ENOMEM) and nothing else."""
    name = res.group
    m = re.search(r"^adros# " + re.escape(cmd) + r"\n((?:(?!adros# ).*\n)*)", b.output, re.M)
    out = m.group(1) if m else ""
    if re.search(done, out, re.M):
        check_patterns(res, out if tail is None else tail,
                       [(re.escape(f"{want}  {path}"), f"{what}: done under the pressure, and right (host's sha256)")],
                       f"{name}: ", b.tail(40))
    elif may_refuse and "out of memory (ENOMEM)" in out:
        res.ok(f"{name}: {what}: refused for memory under the pressure, with a clear error "
               f"({out.strip().splitlines()[0]})")
    else:
        res.fail(f"{name}: {what}: done, or refused for memory with a clear error", out or b.tail(40))


def _common_checks(build, tag, b, res, finals, may_refuse):
    """No panic or hang; what was written under the pressure (the fetch
    and the copy) reads back with the host's sha256 afterwards (or, if
    may_refuse, was refused for memory); the final fetch; e2fsck on the
    image."""
    name = res.group
    after = _after_pressure(build, tag, b, res)
    if not after:
        return False
    d, big, tail = after
    net = sha256_file(os.path.join(d, f"{tag}-srv", "net.bin"))
    _under_pressure(res, b, tail, "cp /r/big.bin /r/c1.bin", r"^8388608 bytes copied$", "/r/c1.bin", big,
                    "the 8 MiB copy", may_refuse)
    _under_pressure(res, b, tail, "fetch http://10.0.2.100/net.bin /r/n1.bin",
                    r"fetch: 4194304 bytes in [\d.]+ s \([^)]*\) -> /r/n1\.bin", "/r/n1.bin", net,
                    "the 4 MiB fetch", may_refuse)
    want = [(r"fetch: 4194304 bytes in [\d.]+ s \([^)]*\) -> /r/n2\.bin",
             "after the pressure: a new 4 MiB fetch succeeds"),
            (re.escape(f"{net}  /r/n2.bin"), "after the pressure: the new fetch has the host's sha256")]
    want += finals(big, net)
    check_patterns(res, tail, want, f"{name}: ", b.tail(40))
    _e2fsck(res, os.path.join(d, f"{tag}-rump.img"), "e2fsck -fn clean")
    return True


def _no_panic(b, res):
    if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL) or "KERNEL PANIC" in b.output:
        res.fail(f"{res.group}: no panic, no hang", b.describe() + "\n" + b.tail(40))
        return False
    res.ok(f"{res.group}: no panic, no hang ({b.elapsed:.0f} s)")
    return True


def _e2fsck(res, img, what):
    p = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok(f"{res.group}: {what}")
    else:
        res.fail(f"{res.group}: {what}", p.stdout[-1500:])


# --- little RAM ---------------------------------------------------------------

RAM_SCRIPT = ("mkdir /r; mount -t rump hda /r; mkdir /n; mount hdb /n; vitals; "
              "memhog -t 30 -a 256; vitals; ps; ls /r; "
              "fetch http://10.0.2.100/net.bin /r/n1.bin; cp /r/big.bin /r/c1.bin; sha256sum /n/big.bin; "
              "vitals; memhog wait; sleep 4; "
              "echo AFTER-PRESSURE; umount /r; mount -t rump hda /r; sha256sum /r/c1.bin /r/n1.bin /r/big.bin; "
              "fetch http://10.0.2.100/net.bin /r/n2.bin; sha256sum /r/n2.bin; sha256sum /n/big.bin; vitals; free; rump status")


def _check_ram(build, tag):
    def check(b, res):
        name = res.group

        def finals(big, net):
            return [(re.escape(f"{big}  /r/big.bin"), "after: the original reads back through a fresh rump mount"),
                    (re.escape(f"{big}  /n/big.bin"), "after: the native ext2 driver reads the 8 MiB file right")]
        if not _common_checks(build, tag, b, res, finals, may_refuse=True):
            return
        _memhog_checks(b, res)
    return check


def _memhog_checks(b, res):
    """memhog took (nearly) all of a 48 MiB machine's heap, other
    allocations really failed meanwhile, and it gave the heap back."""
    name = res.group
    m = re.search(r"memhog: took (\d+) KiB\n", b.output)
    if m and int(m.group(1)) > 30 * 1024:
        res.ok(f"{name}: memhog took the heap ({m.group(1)} KiB of 48 MiB)")
    else:
        res.fail(f"{name}: memhog took the heap", b.tail(40))
    v = _vitals(b.output)
    # memhog's own last kmalloc fails once: others must have failed too.
    if len(v) >= 3 and v[1]["pages"] < 1024 and v[-1]["kfail"] > 10:
        res.ok(f"{name}: allocations really failed under the pressure "
               f"({v[1]['pages']} free pages, {v[-1]['kfail']} kmalloc failures)")
    else:
        res.fail(f"{name}: allocations really failed under the pressure", f"vitals: {v}")
    if re.search(r"memhog: gave back \d+ KiB after 30 s", b.output):
        res.ok(f"{name}: the pressure went away (memhog gave the heap back)")
    else:
        res.fail(f"{name}: the pressure went away (memhog gave the heap back)", b.tail(40))


# --- the memory reserve ------------------------------------------------------------

RESERVE_SCRIPT = ("rump status; write /keep.txt kept-line; write /gone.txt doomed; memhog -a; free; echo LS1; ls /; "
                  "rm /gone.txt; echo LS2; ls /; echo LS-END; df; sync; cat /keep.txt; free; poweroff")


def _check_reserve(b, res):
    name = res.group
    if not _no_panic(b, res):
        return
    m = re.search(r"memhog: took (\d+) KiB\n", b.output)
    refused = [int(x) for x in re.findall(r"reserve: \d+ KiB .*?; (\d+) allocations refused", b.output)]
    if m and int(m.group(1)) > 30 * 1024 and refused and refused[0] > 0:
        res.ok(f"{name}: memhog took the heap ({m.group(1)} KiB of 48 MiB; {refused[0]} allocations refused "
               "to keep the reserve)")
    else:
        res.fail(f"{name}: memhog took the heap and was refused the reserve", b.tail(40))
    after = b.output[b.output.find("memhog: took"):]
    ls2 = after[after.find("LS2"):after.find("LS-END")] if "LS-END" in after else ""
    if "cannot start" in after:
        res.fail(f"{name}: every command starts", b.tail(40))
    else:
        res.ok(f"{name}: every command starts")
    if "gone.txt" in after[after.find("LS1"):after.find("LS2")] and "gone.txt" not in ls2 and "keep.txt" in ls2:
        res.ok(f"{name}: rm removed the file under the exhaustion (ls shows it gone)")
    else:
        res.fail(f"{name}: rm removed the file under the exhaustion (ls shows it gone)", b.tail(40))
    check_patterns(res, after, [
        (r"ramfs .*  /\r?\n", "df lists the RAM root"),
        (r"\nkept-line\r?\n", "the file written before reads back"),
        (r"powering off", "poweroff starts"),
    ], f"{name}: ", b.tail(40))
    if b.status == qemu.EXIT_OK:
        res.ok(f"{name}: QEMU exited with poweroff's status 0")
    else:
        res.fail(f"{name}: QEMU exited with poweroff's status 0", b.describe())


DHCP_SCRIPT = "sleep 10; dhcp; memhog -a; sleep 15; dhcp; free; memhog free; poweroff"


def _check_reserve_dhcp(lan):
    def check(b, res):
        name = res.group
        lan.finish()
        if not _no_panic(b, res):
            return
        renewed = [int(x) for x in re.findall(r"expires in \d+ s; renewed (\d+) times\)", b.output)]
        took = re.search(r"memhog: took (\d+) KiB\n", b.output)
        refused = [int(x) for x in re.findall(r"reserve: \d+ KiB .*?; (\d+) allocations refused", b.output)]
        if took and int(took.group(1)) > 30 * 1024 and refused and refused[-1] > 0:
            res.ok(f"{name}: memhog took the heap ({took.group(1)} KiB; {refused[-1]} allocations refused)")
        else:
            res.fail(f"{name}: memhog took the heap and was refused the reserve", b.tail(40))
        if len(renewed) == 2 and renewed[1] - renewed[0] >= 3:
            res.ok(f"{name}: the lease was renewed {renewed[1] - renewed[0]} times in 15 s while memory was "
                   f"exhausted (renewed {renewed[0]} -> {renewed[1]})")
        else:
            res.fail(f"{name}: the lease is renewed while memory is exhausted (3 or more in 15 s)",
                     f"renewal counts shown by dhcp: {renewed}\n" + b.tail(40) + "\n" + lan.describe())
        after = b.output[b.output.find("memhog: took"):]
        m = re.search(r".*cannot start.*", after)
        if m:
            res.fail(f"{name}: every command started", m.group(0))
        else:
            res.ok(f"{name}: every command started")
        for what, ok, detail in lan.verdicts():
            (res.ok(f"{name}: {what}") if ok else res.fail(f"{name}: {what}", detail + "\n" + lan.describe()))
        if b.status != qemu.EXIT_OK:
            res.fail(f"{name}: QEMU exited with poweroff's status 0", b.describe())
    return check


RAMFS_SCRIPT = "rump status; cp /dev/zero /big; free; ls -l /; rm /big; echo LS; ls /; df; poweroff"


def _check_reserve_ramfs(b, res):
    name = res.group
    if not _no_panic(b, res):
        return
    ls = b.output[b.output.find("adros# echo LS"):]
    check_patterns(res, b.output, [
        (r"cp: writing /big: .*\(ENOSPC\)", "cp fills the RAM root: ENOSPC"),
        (r"reserve: \d+ KiB .*; [1-9]\d* allocations refused", "the reserve refused the RAM root's allocations"),
        (r"adros# rm /big\nadros# ", "rm /big works"),
        (r"ramfs .*  /\r?\n", "df runs"),
        (r"powering off", "poweroff starts"),
    ], f"{name}: ", b.tail(40))
    if ls and "big" not in ls[:ls.find("adros# df")]:
        res.ok(f"{name}: /big is gone")
    else:
        res.fail(f"{name}: /big is gone", b.tail(30))
    if b.status == qemu.EXIT_OK:
        res.ok(f"{name}: QEMU exited with poweroff's status 0")
    else:
        res.fail(f"{name}: QEMU exited with poweroff's status 0", b.describe())


def _check_reserve_off(b, res):
    name = res.group
    if not _no_panic(b, res):
        return
    check_patterns(res, b.output, [
        (r"reserve 0 KiB", "the boot says there is no reserve"),
        (r"cannot start rm: .*ENOMEM", "without the reserve rm cannot start"),
    ], f"{name}: ", b.tail(40))
    if b.status == qemu.EXIT_FAIL and "powering off" not in b.output:
        res.ok(f"{name}: the script fails and poweroff never ran")
    else:
        res.fail(f"{name}: the script fails and poweroff never ran", b.describe() + "\n" + b.tail(20))


# --- sticks pulled right after a synced write ------------------------------------------

PULL_LINE = {"fat": "synced-on-fat-then-pulled", "ext2": "synced-on-ext2-then-pulled"}


def _pull_imgs(build):
    d = _dir(build)
    return os.path.join(d, "pull-fat.img"), os.path.join(d, "pull-ext2.img"), os.path.join(d, "pull-third.img")


def _prepare_pull(build):
    fat, ext2, third = _pull_imgs(build)
    os.makedirs(os.path.dirname(fat), exist_ok=True)
    tree = os.path.join(_dir(build), "pull-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "old.txt"), "w") as f:
        f.write("there before\n")
    mkimages.make_fat(fat, 40 * 1024, 32, tree)
    mkimages.fat_ms_boot_signature(fat)  # NetBSD keeps FSInfo current only then (plan_fsdetect)
    common.mkfs(ext2, 16, tree)
    common.mkfs(third, 8, tree)


def _host_checks(build, res, name):
    fat, ext2, _ = _pull_imgs(build)
    p = subprocess.run(["fsck.fat", "-n", fat], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok(f"{name}: fsck.fat -n clean on the pulled FAT stick")
    else:
        res.fail(f"{name}: fsck.fat -n clean on the pulled FAT stick", (p.stdout + p.stderr)[-1500:])
    p = subprocess.run(["mtype", "-i", fat, "::/w.txt"], capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.strip() == PULL_LINE["fat"]:
        res.ok(f"{name}: the FAT stick holds the synced line (mtype)")
    else:
        res.fail(f"{name}: the FAT stick holds the synced line (mtype)", f"{p.returncode}: {(p.stdout + p.stderr)[-500:]!r}")
    _e2fsck(res, ext2, "e2fsck -fn clean on the pulled ext2 stick")
    p = subprocess.run(["debugfs", "-R", "cat /w.txt", ext2], capture_output=True, text=True)
    if p.stdout.strip() == PULL_LINE["ext2"]:
        res.ok(f"{name}: the ext2 stick holds the synced line (debugfs)")
    else:
        res.fail(f"{name}: the ext2 stick holds the synced line (debugfs)", (p.stdout + p.stderr)[-500:])


def _check_pull(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(f"{name}: the boot with two sticks", b.describe() + "\n" + b.tail(20))
            return
        fat, ext2, third = _pull_imgs(build)
        sock = qmp.socket_path(build, "rel-usb-pull")
        log = os.path.join(build, "test-logs", "rel-usb-pull-session.log")
        extra = list(HCS["ehci"][0]) + stick("ehci", fat, 0, snapshot=False) + \
            stick("ehci", ext2, 1, snapshot=False) + stick("ehci", third, 2) + qmp.args(sock)
        s = qi.Session(os.path.join(build, "adros.elf"), "net=off usb.timeout=5", [], limit=400, extra=extra, log=log)
        st = Steps(s, res, name)
        q, where = {}, {}

        def boot(s):
            s.wait_prompt(60)
            for n in range(3):
                s.expect(rf"disk: sd{n}: ", 120, start=0)
            q["c"] = qmp.Client(sock)
            out = "".join(s.command(c, 120) for c in
                          ("mkdir /s0", "mkdir /s1", "mkdir /s2", "mount -t rump sd0 /s0", "mount -t rump sd1 /s1",
                           "mount -t rump sd2 /s2", "mount"))
            # Which is which: the FAT one is msdos; of the ext2 ones, the
            # 8 MiB is the third (its size in lsblk).
            small = re.search(r"\n(sd[0-2]) +disk +8\.0M ", "\n" + s.command("lsblk", 30))
            for dev, mnt, fs in re.findall(r"(sd[0-2]) on (/s[0-2]) type rump \((msdos|ext2fs)", out):
                kind = "fat" if fs == "msdos" else "third" if small and dev == small.group(1) else "ext2"
                where[kind] = (mnt, "stick" + dev[-1], dev)
            return None if len(where) == 3 else f"three sticks mounted: {out[-600:]!r}"

        def write_pull(s):
            for kind in ("fat", "ext2"):
                out = s.command(f"write {where[kind][0]}/w.txt {PULL_LINE[kind]}", 60)
                if "[exit" in out:
                    return f"write on the {kind} stick: {out[-300:]!r}"
            # The third: a change never synced (mkdir does not sync).
            out = s.command(f"mkdir {where['third'][0]}/unsynced", 60)
            if "[exit" in out:
                return f"mkdir on the third stick: {out[-300:]!r}"
            # Pulled at once: nothing may be left for later.
            start = s.mark()
            for kind in where:
                q["c"].cmd("device_del", id=where[kind][1])
            for kind in where:
                s.expect(rf"disk: {where[kind][2]}: removed", 60, start=start)
            return None

        st.run("boot, both sticks mounted through NetBSD's msdosfs and ext2fs", boot)
        st.run("write (synced) on each, both pulled right after", write_pull)
        _gone_steps(st, where)
        st.run("poweroff", qi.poweroff_step)
        if "c" in q:
            q["c"].close()
        s.close(5)
        _host_checks(build, res, name)
    return check


def _gone_steps(st, where):
    """The mounts of pulled sticks (issue 25: a device that is gone is
    gone)."""
    def ops_fail(s):
        bad = []
        for kind in where:
            mnt = where[kind][0]
            for c in (f"cat {mnt}/w.txt", f"cat {mnt}/old.txt", f"ls {mnt}", f"write {mnt}/new.txt x",
                      f"sha256sum {mnt}/old.txt"):
                out = s.command(c, 60)
                if "EIO" not in out or "[exit" not in out:
                    bad.append(f"{c}: {out.strip()[-200:]!r}")
        # The third's change can no longer be written: sync says so.
        out = s.command("sync", 60)
        if not re.search(r"sync: .*EIO", out):
            bad.append(f"sync: {out.strip()[-200:]!r}")
        return "; ".join(bad) or None

    def marked(s):
        out = s.command("mount", 30)
        if "(gone" not in out:
            return f"no mount marked (gone): {out!r}"
        miss = [k for k in where if not re.search(rf"{where[k][2]} on {where[k][0]} type .*\(gone", out)]
        return f"not marked (gone): {miss}: {out!r}" if miss else None

    def umount(s):
        bad = []
        for kind in ("fat", "ext2", "third"):
            out = s.command(f"umount {where[kind][0]}", 60)
            want = (r"is gone: unwritten data was lost: 1 change since the last sync" if kind == "third" else
                    r"is gone: nothing unwritten was lost")
            if not re.search(rf"{where[kind][2]} \(\w+ on {where[kind][0]}\) {want}", out) or "[exit" in out:
                bad.append(f"{kind}: {out!r}")
        out = s.command("mount", 30)
        if re.search(r" on /s[0-2] ", out):
            bad.append(f"still mounted: {out!r}")
        return "; ".join(bad) or None

    st.run("after the pull: ls, cat (cached or not), write on its mounts fail with EIO", ops_fail)
    st.run("mount marks the pulled sticks' mounts (gone)", marked)
    st.run("umount of a gone stick says whether unwritten data was lost", umount)


# --- disks that fail writes under NetBSD's file systems -------------------------------

# The failing boot's blkdebug: every write and every flush fails (EIO).  (A
# fault that starts at the guest's first flush cannot be had reliably:
# QEMU 7.2 flushes the drives by itself before the guest writes, a number
# of times that is its own business.)  Error rules fire on their event;
# iotype keeps the write rule off reads.
FAULT_CONF = """[inject-error]
event = "write_aio"
iotype = "write"
errno = "5"
once = "off"

[inject-error]
event = "flush_to_disk"
iotype = "flush"
errno = "5"
once = "off"
"""
WRITES_ONLY_CONF = FAULT_CONF[:FAULT_CONF.index("\n[inject-error]\nevent = \"flush_to_disk\"")] + "\n"

# Boot 1, healthy disks: the lines written and synced before the fault.
BEFORE_SCRIPT = ("mkdir /e; mkdir /f; mount -t rump hda /e; mount -t rump hdb /f; "
                 "write /e/a.txt before-fault-e; write /f/a.txt before-fault-f; umount /e; umount /f")
# Boot 2, failing disks.
FAULT_SCRIPT = ("mkdir /e; mkdir /f; mount -t rump hda /e; mount -t rump hdb /f; mount; "
                "cat /e/a.txt; cat /f/a.txt; echo FAULTS-FROM-HERE; "
                "write /e/b.txt after-fault; write /f/b.txt after-fault; cp /e/old.bin /e/c.bin; "
                "cp /f/old.bin /f/c.bin; sync; sha256sum /e/old.bin /f/old.bin; cat /e/a.txt; cat /f/a.txt; "
                "lsblk -s; umount /e; umount /f; echo still-alive")


def _fault_imgs(build, variant=""):
    d = _dir(build)
    return (os.path.join(d, f"fault{variant}-ext2.img"), os.path.join(d, f"fault{variant}-fat.img"),
            os.path.join(d, f"fault{variant}.conf"))


def _prepare_fault(build):
    ext2, fat, conf = _fault_imgs(build)
    with open(_fault_imgs(build, "-w")[2], "w") as f:
        f.write(WRITES_ONLY_CONF)
    tree = os.path.join(_dir(build), "fault-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "old.bin"), "wb") as f:
        f.write(common.pattern(25, 256 << 10))
    common.mkfs(ext2, 8, tree)
    mkimages.make_fat(fat, 40 * 1024, 32, tree)
    mkimages.fat_ms_boot_signature(fat)
    with open(conf, "w") as f:
        f.write(FAULT_CONF)


def _check_fault(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(f"{name}: the healthy boot writes a line on each disk", b.describe() + "\n" + b.tail(30))
            return
        res.ok(f"{name}: the healthy boot writes a line on each disk")
        ext2, fat, conf = _fault_imgs(build)
        # Twice from copies of the same disks: every write and flush
        # failing, then the writes alone (flushes succeed: nothing but the
        # writes' own errors can tell the writer).
        for variant, what in (("", "writes and flushes fail"), ("-w", "writes fail, flushes succeed")):
            e2, ft, cf = _fault_imgs(build, variant)
            if variant:
                shutil.copyfile(ext2, e2)
                shutil.copyfile(fat, ft)
            _failing_boot(build, res, f"{name}: {what}", e2, ft, cf, variant)
    return check


def _failing_boot(build, res, name, ext2, fat, conf, variant):
    b = qemu.boot(os.path.join(build, "adros.elf"), f'net=off run="{FAULT_SCRIPT}"', timeout=240,
                  disks=[f"file=blkdebug:{conf}:{ext2},format=raw,if=ide,index=0",
                         f"file=blkdebug:{conf}:{fat},format=raw,if=ide,index=1"],
                  log=os.path.join(build, "test-logs", f"rel-blkdebug-write-failing{variant}.log"))
    if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL) or "KERNEL PANIC" in b.output:
        res.fail(f"{name}: no panic, no hang", b.describe() + "\n" + b.tail(40))
        return
    res.ok(f"{name}: no panic, no hang ({b.elapsed:.0f} s)")
    old = hashlib.sha256(common.pattern(25, 256 << 10)).hexdigest()
    out = b.output
    after = out[out.find("FAULTS-FROM-HERE"):] if "FAULTS-FROM-HERE" in out else ""
    eio = r"\n(?:.*\n)*?{}: .*\(EIO\)\n(?:.*\n)*?\[exit 1\] "
    want = [(r"adros# cat /e/a.txt\nbefore-fault-e\n", "ext2fs: mounted on the failing disk, the line reads"),
            (r"adros# cat /f/a.txt\nbefore-fault-f\n", "msdosfs: mounted on the failing disk, the line reads")]
    check_patterns(res, out, want, f"{name}: ", b.tail(60))
    want = [(re.escape("adros# write /e/b.txt after-fault") + eio.format("write"), "ext2fs: write gets EIO"),
            (re.escape("adros# write /f/b.txt after-fault") + eio.format("write"), "msdosfs: write gets EIO"),
            (re.escape("adros# cp /e/old.bin /e/c.bin") + eio.format("cp"), "ext2fs: cp gets EIO"),
            (re.escape("adros# cp /f/old.bin /f/c.bin") + eio.format("cp"), "msdosfs: cp gets EIO"),
            (r"adros# sync" + eio.format("sync"), "sync gets EIO"),
            (r"adros# sync\n(?:.*\n)*?rump: sync of hda \(ext2fs\) failed: EIO", "sync: the ext2fs mount's EIO"),
            (r"adros# sync\n(?:.*\n)*?rump: sync of hdb \(msdos\) failed: EIO", "sync: the msdosfs mount's EIO"),
            (re.escape(f"{old}  /e/old.bin"), "ext2fs: a file there before reads back"),
            (re.escape(f"{old}  /f/old.bin"), "msdosfs: a file there before reads back"),
            (r"adros# cat /e/a.txt\nbefore-fault-e\n", "ext2fs: after the failed writes the line still reads"),
            (r"adros# cat /f/a.txt\nbefore-fault-f\n", "msdosfs: after the failed writes the line still reads"),
            (r"adros# umount /e\nrump: hda \(ext2fs on /e\): \d+ writes? to the disk failed since the last sync",
             "ext2fs: umount says writes failed"),
            (r"adros# umount /f\nrump: hdb \(msdos on /f\): \d+ writes? to the disk failed since the last sync",
             "msdosfs: umount says writes failed"),
            (r"adros# echo still-alive\nstill-alive", "the mounts go and AdrOS goes on")]
    check_patterns(res, after, want, f"{name}: ", b.tail(60))
    p = subprocess.run(["e2fsck", "-fn", ext2], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok(f"{name}: e2fsck -fn clean on the failing ext2 disk")
    else:
        res.fail(f"{name}: e2fsck -fn clean on the failing ext2 disk", p.stdout[-1500:])
    p = subprocess.run(["debugfs", "-R", "cat /a.txt", ext2], capture_output=True, text=True)
    if p.stdout.strip() == "before-fault-e":
        res.ok(f"{name}: the ext2 disk holds the line synced before the fault")
    else:
        res.fail(f"{name}: the ext2 disk holds the line synced before the fault", (p.stdout + p.stderr)[-400:])
    p = subprocess.run(["fsck.fat", "-n", fat], capture_output=True, text=True)
    if p.returncode == 0:
        res.ok(f"{name}: fsck.fat -n clean on the failing FAT disk")
    else:
        res.fail(f"{name}: fsck.fat -n clean on the failing FAT disk", (p.stdout + p.stderr)[-1500:])
    p = subprocess.run(["mtype", "-i", fat, "::/a.txt"], capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.strip() == "before-fault-f":
        res.ok(f"{name}: the FAT disk holds the line synced before the fault")
    else:
        res.fail(f"{name}: the FAT disk holds the line synced before the fault", (p.stdout + p.stderr)[-400:])


# --- little RAM, USB ------------------------------------------------------------

USB_SCRIPT = ("mkdir /u; mount -t rump sd0 /u; vitals; memhog -t 30 -a 256; vitals; lsusb; "
              "sha256sum /u/big.bin; cp /u/big.bin /u/c1.bin; vitals; memhog wait; sleep 4; "
              "echo AFTER-PRESSURE; umount /u; mount -t rump sd0 /u; sha256sum /u/big.bin /u/c1.bin; "
              "lsusb -s; vitals; umount /u")


def _check_usb(build, tag):
    """-m 48, memhog taking the heap while NetBSD's USB stack, umass and
    ext2fs read and copy 8 MiB on a stick: no panic, no hang; afterwards
    both files read back with the host's sha256 and the stick's file
    system is clean."""
    def check(b, res):
        name = res.group
        after = _after_pressure(build, tag, b, res)
        if not after:
            return
        d, big, tail = after
        _under_pressure(res, b, tail, "cp /u/big.bin /u/c1.bin", r"^8388608 bytes copied$", "/u/c1.bin", big,
                        "the copy")
        # Read under the pressure: the right sum, or refused for memory.
        _under_pressure(res, b, None, "sha256sum /u/big.bin", r"^[0-9a-f]{64}  /u/big\.bin$", "/u/big.bin",
                        big, "the stick's file read")
        check_patterns(res, tail, [(re.escape(f"{big}  /u/big.bin"), "after: the original reads back right")],
                       f"{name}: ", b.tail(40))
        _memhog_checks(b, res)
        _e2fsck(res, os.path.join(d, f"{tag}-rump.img"), "e2fsck -fn clean on the stick")
    return check


# --- small rump kernel limit ---------------------------------------------------

LIMIT = 4
LIMIT_SCRIPT = ("mkdir /r; mount -t rump hda /r; vitals; churn -t 4 -s 20 /r/ch; vitals; "
                "cp /r/big.bin /r/c1.bin; fetch http://10.0.2.100/net.bin /r/n1.bin; vitals; "
                "churn -t 2 -s 8 /r/ch2; cp /r/big.bin /r/c2.bin; vitals; "
                "echo AFTER-PRESSURE; umount /r; mount -t rump hda /r; sha256sum /r/c1.bin /r/c2.bin /r/n1.bin; "
                "fetch http://10.0.2.100/net.bin /r/n2.bin; sha256sum /r/n2.bin; vitals; rump status")


def _check_limit(build, tag):
    def check(b, res):
        name = res.group

        def finals(big, net):
            return [(re.escape(f"{big}  /r/c2.bin"), "after: the copy made after the second churn reads back right")]
        if not _common_checks(build, tag, b, res, finals, may_refuse=False):
            return
        check_patterns(res, b.output, [
            (rf"rump kernel memory limited to {LIMIT * 1024} KiB \(RUMP_MEMLIMIT\)", "the limit is in force"),
            (r"churn: verify: \d+ files, \d+ bytes: intact \(0 lost, 0 corrupt, 0 stray, 0 bad reads",
             "4 churn threads under the limit: every file intact"),
        ], f"{name}: ", b.tail(40))
        verdicts = re.findall(r"churn: verify: .*", b.output)
        if len(verdicts) == 2 and all(": intact (" in v for v in verdicts):
            res.ok(f"{name}: both churns under the limit: nothing damaged")
        else:
            res.fail(f"{name}: both churns under the limit: nothing damaged",
                     "\n".join(verdicts) or b.tail(40))
        v = _vitals(b.output)
        ceiling = 2 * LIMIT * MIB + 16 * MIB
        peak = max((x["rump"] for x in v), default=-1)
        if v and 0 < peak <= ceiling:
            res.ok(f"{name}: rump kernel memory stayed under the ceiling (peak sampled {peak} <= {ceiling})")
        else:
            res.fail(f"{name}: rump kernel memory stayed under the ceiling", f"vitals: {v}")
    return check


# --- the pagedaemon's page-out failing for memory -------------------------------

ENOMEM_SCRIPT = ("mkdir /r; mount -t rump hda /r; churn -b -t 2 -s 30 /r/ch; cp /r/big.bin /r/c1.bin; churn stop; "
                 "echo AFTER-PRESSURE; umount /r; mount -t rump hda /r; sha256sum /r/c1.bin; rump status")


def _check_enomem(build, tag):
    def check(b, res):
        name = res.group
        after = _after_pressure(build, tag, b, res)
        if not after:
            return
        d, big, tail = after
        check_patterns(res, b.output, [
            (r"churn: verify: \d+ files, \d+ bytes: intact \(0 lost, 0 corrupt, 0 stray, 0 bad reads",
             "churn's files, paged out meanwhile, all intact"),
        ], f"{name}: ", "\n".join(re.findall(r"churn: verify: .*", b.output)[-8:]) or b.tail(40))
        check_patterns(res, tail, [
            (re.escape(f"{big}  /r/c1.bin"), "the copy made meanwhile reads back with the host's sha256"),
        ], f"{name}: ", b.tail(40))
        m = re.search(r"NetBSD's page writes: (\d+) failed for memory \(ENOMEM\), their (\d+) pages kept dirty.*; "
                      r"(\d+) failures injected", tail)
        if m and int(m.group(1)) > 0 and int(m.group(3)) > 0:
            res.ok(f"{name}: the pagedaemon's writes failed ({m.group(3)} injected) and "
                   f"{m.group(2)} pages were kept dirty")
        else:
            res.fail(f"{name}: the pagedaemon's writes failed and their pages were kept dirty",
                     m.group(0) if m else b.tail(40))
        _e2fsck(res, os.path.join(d, f"{tag}-rump.img"), "e2fsck -fn clean")
    return check


# --- the rump kernel's memory: default limit, pools, buffer cache ----------------

MEM_SCRIPT = ("mkdir /r; mount -t rump hda /r; rump status; churn -t 4 -s 8 /r/ch; sha256sum /r/big.bin; "
              "umount /r; echo BEFORE-DROP; rump status; rump pools; rump drop; echo AFTER-DROP; rump status; "
              "rump pools -a; vitals -q")


# NetBSD's buffer cache high-water mark in a rump kernel left alone: 15 %
# of the 512 MiB it believes it has (PHYSMEM in rumpkern/emul.c), in pages.
NETBSD_BUFCACHE_KIB = (512 * 256 * 15 // 100) * 4


def _rumpmem(text):
    m = re.search(r"rumpmem: (.*)", text)
    return dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))) if m else None


def _bufcache(text):
    m = re.search(r"NetBSD's buffer cache: (\d+) KiB \(trimmed between (\d+) and (\d+) KiB\)", text)
    return tuple(int(x) for x in m.groups()) if m else None


def _check_rump_memory(mem_mib):
    """Half of RAM by default; NetBSD's buffer cache at 15 % of that; the
    pool table accounts for the rump kernel's memory; `rump drop` empties
    the buffer cache of what a churn left in it and the memory goes back."""
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK or "KERNEL PANIC" in b.output:
            res.fail(f"{name}: boot ran its script", b.describe() + "\n" + b.tail(40))
            return
        m = re.search(r"rump kernel memory limited to (\d+) KiB \(RUMP_MEMLIMIT: half of RAM by default\)", b.output)
        half = mem_mib * 1024 // 2
        if m and half * 0.9 <= int(m.group(1)) <= half:
            res.ok(f"{name}: default limit half of RAM ({m.group(1)} KiB of {mem_mib} MiB)")
        else:
            res.fail(f"{name}: default limit half of RAM ({half} KiB)", m.group(0) if m else b.tail(40))
        limit = int(m.group(1)) if m else 0
        first = _bufcache(b.output)
        # NetBSD's rump_vfs.c: the buffer cache is 5 % of RUMP_MEMLIMIT.
        if first and limit and first[2] <= limit * 51 // 1000:
            res.ok(f"{name}: NetBSD's buffer cache bounded by the limit ({first[2]} KiB, without a limit "
                   f"{NETBSD_BUFCACHE_KIB} KiB)")
        else:
            res.fail(f"{name}: NetBSD's buffer cache bounded by the limit (5 % of {limit} KiB)", f"status {first}")
        m1, m2 = re.search(r"^BEFORE-DROP$", b.output, re.M), re.search(r"^AFTER-DROP$", b.output, re.M)
        if not m1 or not m2:
            res.fail(f"{name}: script ran to the end", b.tail(40))
            return
        before, after = b.output[m1.end():m2.start()], b.output[m2.end():]
        pools_lines = re.findall(r"^\S+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$", after, re.M)
        s1, s2 = _rumpmem(before), _rumpmem(after)
        v = _vitals(after)
        if (s2 and v and len(pools_lines) >= 20 and s2["pools"] + s2["vmpages"] + s2["other"] == s2["total"]
                and abs(s2["total"] - v[-1]["rump"]) <= s2["total"] // 20 and s2["pools"] > 0):
            res.ok(f"{name}: rump pools: {len(pools_lines)} pools; pools + VM pages + other = the rump kernel's "
                   f"memory ({s2['total']} bytes, vitals {v[-1]['rump']})")
        else:
            res.fail(f"{name}: rump pools accounts for the rump kernel's memory", f"{s2} {v} {len(pools_lines)} lines")
        b1, b2 = _bufcache(before), _bufcache(after)
        d = re.search(r"rump: dropped NetBSD's caches: buffer cache (\d+) KiB freed \((\d+) KiB busy or dirty stay\), "
                      r"VM pages (\d+) KiB; rump kernel memory (\d+) -> (\d+) KiB", before)
        if not (b1 and b2 and d and s1 and s2):
            res.fail(f"{name}: rump drop", f"{b1} {b2} {d and d.group(0)} {s1} {s2}\n" + b.tail(30))
            return
        buf_freed, busy, vm_freed, t0, t1 = (int(x) for x in d.groups())
        if b2[0] <= busy + 4 and b2[1:] == b1[1:] and b2[0] <= b1[0]:
            res.ok(f"{name}: rump drop: NetBSD's buffer cache down to what is busy ({b1[0]} -> {b2[0]} KiB), "
                   f"its marks put back")
        else:
            res.fail(f"{name}: rump drop: NetBSD's buffer cache emptied, marks put back", f"{b1} -> {b2}, {d.group(0)}")
        if vm_freed >= 1024 and s2["vmpages"] <= s1["vmpages"] - vm_freed * 1024 + 64 * 1024:
            res.ok(f"{name}: rump drop freed the VM's free pages ({vm_freed} KiB; {s1['vmpages'] // 1024} -> "
                   f"{s2['vmpages'] // 1024} KiB)")
        else:
            res.fail(f"{name}: rump drop freed the VM's free pages", f"{d.group(0)}; {s1} -> {s2}")
        if s1["total"] - s2["total"] >= (buf_freed + vm_freed) * 1024 // 2 and t1 < t0:
            res.ok(f"{name}: the memory went back to AdrOS ({s1['total'] // 1024} -> {s2['total'] // 1024} KiB)")
        else:
            res.fail(f"{name}: the memory went back to AdrOS", f"{s1} -> {s2}; {d.group(0)}")
    return check


def _check_memlimit_off(b, res):
    name = res.group
    check_patterns(res, b.output, [
        (r"rump kernel memory not limited \(rump\.RUMP_MEMLIMIT=off\)", "rump.RUMP_MEMLIMIT=off: no limit"),
        (r"rump kernel memory: \d+ KiB, no limit", "rump status says so"),
        (rf"NetBSD's buffer cache: \d+ KiB \(trimmed between \d+ and {NETBSD_BUFCACHE_KIB} KiB\)",
         "NetBSD's own buffer cache size is left alone"),
    ], f"{name}: ", b.tail(30))
    if "buffer cache limited to" in b.output:
        res.fail(f"{name}: no buffer cache sizing without a limit", b.tail(30))


def _pressure_boot(build, tag, cmdline, mem, check, disks=("rump",)):
    d = _dir(build)
    nic = f"user,model=e1000,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:{_httpserve(os.path.join(d, tag + '-srv'))}"
    drives = [f"file={os.path.join(d, f'{tag}-{img}.img')},format=raw,if=ide,index={i}"
              for i, img in enumerate(disks)]
    return {"name": tag, "cmdline": cmdline, "mem": mem, "timeout": 420, "prepare": _prepare(tag),
            "extra": ["-nic", nic], "disks": drives, "check": check(build, tag)}


def boots(build):
    names = {
        "rel-pressure-ram": ["-m 48 and memhog: file, network and native work, errors not panics; recovery"],
        "rel-pressure-memlimit": [f"RUMP_MEMLIMIT={LIMIT}m: churn, copy, fetch; memory under the ceiling; recovery"],
        "rel-lossy-link": [f"{LOSSY_MIB} MiB TCP through a lossy relay between two guests, sha256 equal"],
        "rel-pressure-usb": ["-m 48 and memhog: 8 MiB read and copied on a USB stick, errors not panics; recovery"],
        "rel-pdaemon-enomem": ["the pagedaemon's page-outs failing with ENOMEM: the copy reads back, pages kept dirty"],
        "rel-rump-memory": ["rump kernel memory: default limit, buffer cache bound, rump pools, rump drop"],
        "rel-rump-memlimit-off": ["rump.RUMP_MEMLIMIT=off: no limit, NetBSD's buffer cache left alone"],
    }
    reserve = [
        {"name": "rel-reserve", "cmdline": f'net=off run="{RESERVE_SCRIPT}"', "mem": 48, "timeout": 180,
         "check": _check_reserve,
         "tests": ["memory exhausted by memhog: commands start, rm, df, sync, poweroff work (the reserve)"]},
        {"name": "rel-reserve-ramfs", "cmdline": f'ramfs.size=64 net=off run="{RAMFS_SCRIPT}"', "mem": 48,
         "timeout": 180, "check": _check_reserve_ramfs,
         "tests": ["the RAM root filled by cp /dev/zero: ENOSPC at the reserve, then rm, df, poweroff work"]},
        {"name": "rel-reserve-off", "cmdline": f'mm.reserve=0 net=off run="{RESERVE_SCRIPT}"', "mem": 48,
         "timeout": 180, "check": _check_reserve_off,
         "tests": ["mm.reserve=0: the same exhaustion keeps rm from starting"]},
    ]
    stages = linked_stages() if rump_present() else []
    dhcp_tests = ["memory exhausted by memhog: the DHCP lease is still renewed (the renewal thread's reserve)"]
    if "net" not in stages:
        reserve.append({"name": "rel-reserve-dhcp", "cmdline": "", "tests": dhcp_tests,
                        "skip": "NetBSD's network components absent"})
    else:
        lan = FakeLan("rel-reserve-dhcp", "plain", lease=30, t1=3, t2=20)
        reserve.append({"name": "rel-reserve-dhcp", "cmdline": f'run="{DHCP_SCRIPT}"', "mem": 48, "timeout": 180,
                        "extra": lan.extra, "prepare": lan.prepare, "check": _check_reserve_dhcp(lan),
                        "tests": dhcp_tests})
    pull_tests = ["FAT32 and ext2 sticks pulled right after a synced write: fsck clean, content there",
                  "a pulled stick's mounts: EIO, marked (gone), umount reports"]
    if "usb" not in stages or "ext2" not in stages:
        reserve.append({"name": "rel-usb-pull", "cmdline": "", "skip": "NetBSD's USB and ext2 components absent",
                        "tests": pull_tests})
    elif usb_missing() or mkimages.have_tools("mkfs.fat", "mtype", "fsck.fat", "debugfs"):
        tools = mkimages.have_tools("mkfs.fat", "mtype", "fsck.fat", "debugfs")
        reserve.append({"name": "rel-usb-pull", "cmdline": "", "tests": pull_tests,
                        "skip": usb_missing() or f"host tools missing: {', '.join(tools)}"})
    else:
        reserve.append({"name": "rel-usb-pull", "cmdline": 'net=off run="lsusb -s"', "timeout": 120,
                        "extra": list(HCS["ehci"][0]), "prepare": _prepare_pull, "check": _check_pull(build),
                        "tests": pull_tests})
    fault_tests = ["blkdebug failing writes and flushes under ext2fs and msdosfs: EIO, data before kept, fsck clean"]
    tools = mkimages.have_tools("mkfs.fat", "mtype", "fsck.fat", "debugfs")
    if "ext2" not in stages or tools:
        reserve.append({"name": "rel-blkdebug-write", "cmdline": "", "tests": fault_tests,
                        "skip": f"host tools missing: {', '.join(tools)}" if tools else
                        "NetBSD's ext2 components absent"})
    else:
        ext2, fat, conf = _fault_imgs(build)
        reserve.append({"name": "rel-blkdebug-write", "cmdline": f'net=off run="{BEFORE_SCRIPT}"', "timeout": 240,
                        "disks": [f"file={ext2},format=raw,if=ide,index=0", f"file={fat},format=raw,if=ide,index=1"],
                        "prepare": _prepare_fault, "check": _check_fault(build), "tests": fault_tests})
    if "ext2" not in stages or "net" not in stages:
        return reserve + [{"name": n, "cmdline": "", "skip": WHY, "tests": t} for n, t in names.items()]
    return reserve + [
        _pressure_boot(build, "rel-pressure-ram", f'{STATIC} run="{RAM_SCRIPT}"', 48, _check_ram,
                       disks=("rump", "native")),
        dict(_pressure_boot(build, "rel-pressure-memlimit", f'rump.RUMP_MEMLIMIT={LIMIT}m {STATIC} run="{LIMIT_SCRIPT}"',
                            256, _check_limit), tests=names["rel-pressure-memlimit"]),
        dict(_pressure_boot(build, "rel-pdaemon-enomem",
                            f'rump.RUMP_MEMLIMIT={LIMIT}m rump.pdaemon_enomem=2 net=off run="{ENOMEM_SCRIPT}"',
                            256, _check_enomem), extra=[], tests=names["rel-pdaemon-enomem"]),
        {"name": "rel-lossy-link", "cmdline": 'run="help ttcp"', "timeout": 60, "check": check_lossy(build)},
        (dict(_pressure_boot(build, "rel-pressure-usb", f'net=off run="{USB_SCRIPT}"', 48, _check_usb),
              disks=[], extra=HCS["ehci"][0] + stick("ehci", os.path.join(_dir(build), "rel-pressure-usb-rump.img"), snapshot=False),
              tests=names["rel-pressure-usb"]) if not usb_missing() else
         {"name": "rel-pressure-usb", "cmdline": "", "skip": usb_missing(), "tests": names["rel-pressure-usb"]}),
        dict(_pressure_boot(build, "rel-rump-memory", f'run="{MEM_SCRIPT}"', 256, lambda build, tag: _check_rump_memory(256)),
             extra=[], timeout=240, tests=names["rel-rump-memory"]),
        {"name": "rel-rump-memlimit-off", "cmdline": 'rump.RUMP_MEMLIMIT=off run="rump status"', "mem": 64,
         "timeout": 120, "check": _check_memlimit_off, "tests": names["rel-rump-memlimit-off"]},
    ]


# --- benchmarks ----------------------------------------------------------------------

def _prepare_fsync_bench(build):
    d = os.path.join(_dir(build), "bench")
    os.makedirs(d, exist_ok=True)
    common.mkfs(os.path.join(d, "fsync-ext2.img"), 32)
    fat = os.path.join(d, "fsync-fat.img")
    mkimages.make_fat(fat, 40 * 1024, 32)
    mkimages.fat_ms_boot_signature(fat)


def benches(build):
    """rump_fsync: what "synced" costs, NetBSD's fsync alone against AdrOS's
    whole-file-system sync, on ext2fs and msdosfs (tests/kernel/fsync_bench.c)."""
    if not rump_present() or "ext2" not in linked_stages() or mkimages.have_tools("mkfs.fat"):
        return []
    d = os.path.join(_dir(build), "bench")
    return [{"name": "rump_fsync", "cmdline": "net=off bench=rump_fsync", "timeout": 600,
             "prepare": _prepare_fsync_bench,
             "disks": [f"file={d}/fsync-ext2.img,format=raw,if=ide,index=0",
                       f"file={d}/fsync-fat.img,format=raw,if=ide,index=1"]}]
