"""The component build and the stage links (tools/rump-components.sh,
mk/rump.mk).

  build-fresh-export   in a fresh export of the tree (what a new user gets),
                       with the component sources unreachable
                       (RUMP_SRC_URL= a path that does not exist): make says
                       why in one line within 30 s, remembers it, builds
                       build/adros.elf without components, and that kernel
                       boots to the shell; with components present, a
                       Stage-1-only set (no PCI archives, no rumpcomp/
                       headers) builds too, reports the other stages
                       missing, and NetBSD's ext2fs in that kernel reads a
                       disk whose manifest equals the host's
  build-rump-dir-incomplete  RUMP_DIR= an incomplete set stops the build
                       with the names of what is missing
  runner-in-export     `make test` in a tree without .git (a release
                       tarball): the git-based checks skip with the reason
                       and the runner ends with its summary line
  rump-devices-none    the kernel with every stage linked boots with no NIC,
                       USB or sound device: the rump kernel starts
  rump-devices-all     ... and with all of them (e1000, EHCI + a USB disk,
                       HD audio, AC'97, ES1370): every driver attaches, a
                       failed attach does not stop the rump kernel, and a
                       disk still mounts through NetBSD's ext2fs
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import qemu
from common import ROOT, RUMP_DIR, check_patterns, linked_stages, rump_present
STAGE1 = ["librump", "librumpvfs", "librumpdev", "librumpdev_disk", "librumpfs_ext2fs", "librumpfs_ffs"]
WHY = "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"


NOT_CHECKOUT = "not a git checkout (a release tarball or a git archive export): the export checks need git ls-files"


def _git_checkout():
    try:
        p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    except OSError:
        return False
    return p.returncode == 0 and os.path.realpath(p.stdout.strip()) == os.path.realpath(ROOT)


def _export(dest):
    """The tracked files as they are in the work tree (so uncommitted changes
    are tested too), without build/ or third_party/: what a release tarball
    holds."""
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True, check=True).stdout
    for f in files.decode().split("\0"):
        if not f or not os.path.exists(os.path.join(ROOT, f)):
            continue
        os.makedirs(os.path.join(dest, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(dest, f), follow_symlinks=False)


def _clean_env():
    """The environment of a make run as a new user would type it: nothing
    of the outer make's variables (RUMP_DIR=, RUMP=)."""
    env = dict(os.environ)
    for k in ("RUMP_DIR", "RUMP", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "RUMP_SRC_URL", "RUMP_BUILDRUMP_URL"):
        env.pop(k, None)
    return env


def _stage1_set(dest):
    """A component directory holding only the Stage 1 archives and rump/."""
    os.makedirs(os.path.join(dest, "lib"))
    for a in STAGE1:
        os.symlink(os.path.join(RUMP_DIR, "lib", a + ".a"), os.path.join(dest, "lib", a + ".a"))
    os.makedirs(os.path.join(dest, "include"))
    os.symlink(os.path.join(RUMP_DIR, "include", "rump"), os.path.join(dest, "include", "rump"))


FALLBACK = "build-fresh-export: sources unreachable: make says why in one line, builds without NetBSD's code"


def _fresh_export(res, build):
    if not _git_checkout():
        res.skip(FALLBACK, NOT_CHECKOUT)
        return
    tmp = tempfile.mkdtemp(prefix="adros-export-")
    try:
        src = os.path.join(tmp, "src")
        _export(src)
        env = _clean_env()
        # Where the component sources cannot be reached, the first make says
        # so in one line within 30 s and goes on without them.
        gone = os.path.join(tmp, "no-such-repository")
        urls = [f"RUMP_SRC_URL={gone}", f"RUMP_BUILDRUMP_URL={gone}-too"]
        t0 = time.monotonic()
        p = subprocess.run(["make", "rump-components"] + urls, cwd=src, capture_output=True, text=True,
                           timeout=120, env=env)
        probe_s = time.monotonic() - t0
        said = [l for l in p.stdout.splitlines() if l.startswith("rump: ")]
        if p.returncode == 0 and len(said) == 1 and f"cannot reach {gone} (" in said[0] and probe_s < 30:
            res.ok(FALLBACK + f": one line in {probe_s:.1f} s")
        else:
            res.fail(FALLBACK, f"exit {p.returncode} after {probe_s:.1f} s, lines {said}:\n"
                     + (p.stdout + p.stderr)[-1500:])
        p = subprocess.run(["make", "-j2"] + urls, cwd=src, capture_output=True, text=True, timeout=900, env=env)
        elf = os.path.join(src, "build", "adros.elf")
        name = "build-fresh-export: make then builds build/adros.elf without components, not trying again"
        said = [l for l in p.stdout.splitlines() if l.startswith("rump: ")]
        if p.returncode == 0 and os.path.exists(elf) and "kernel built without rump" in p.stdout \
                and len(said) == 1 and "make clean retries" in said[0]:
            res.ok(name)
        else:
            res.fail(name, f"exit {p.returncode}, elf {'present' if os.path.exists(elf) else 'missing'}:\n"
                     + (p.stdout + p.stderr)[-1500:])
        if os.path.exists(elf):
            b = qemu.boot(elf, 'run="echo fallback-shell-up"', [], 120,
                          log=os.path.join(build, "test-logs", "build-fallback.log"))
            check_patterns(res, b.output, [(r"(?m)^fallback-shell-up\r?$", "the shell runs a command"),
                                           (r"script: 1 commands, 0 failed", "and powers off cleanly")],
                           "build-fresh-export: the fallback kernel boots to the shell: ", b.tail(15))
        name = "build-fresh-export: Stage-1-only component set builds and reads a disk"
        if not rump_present():
            res.skip(name, WHY)
            return
        s1 = os.path.join(tmp, "stage1-set")
        _stage1_set(s1)
        p = subprocess.run(["make", "-j2", f"RUMP_DIR={s1}", "BUILD=build-s1"], cwd=src, capture_output=True,
                           text=True, timeout=900, env=env)
        out = p.stdout + p.stderr
        if p.returncode != 0:
            res.fail(name, f"make exit {p.returncode}:\n{out[-2000:]}")
            return
        check_patterns(res, out, [(r"RUMP    ext2: linked", "ext2 stage linked"),
                                  (r"RUMP    net: not linked \(missing librumpnet\.a", "net stage reported missing"),
                                  (r"RUMP    usb: not linked \(missing librumpdev_pci\.a", "usb stage reported missing")],
                       "build-fresh-export/stage1-only: ", out[-1500:])
        # The Stage 1 kernel reads a disk through NetBSD's ext2fs.
        tree = os.path.join(ROOT, "demo")
        img = os.path.join(tmp, "demo.img")
        subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), tree, img], check=True, capture_output=True)
        b = qemu.boot(os.path.join(src, "build-s1", "adros.elf"), "manifest=rump:hda",
                      [f"file={img},format=raw,if=ide,index=0,snapshot=on"], 240,
                      log=os.path.join(build, "test-logs", "build-stage1-only.log"))
        # mke2fs adds lost+found, which the tree does not have.
        guest = [l for l in (_manifest(b.output) or []) if not l.endswith(" /lost+found")]
        if guest:
            guest[-1] = re.sub(r"^MANIFEST-END \d+", f"MANIFEST-END {len(guest) - 2}", guest[-1])
        host = subprocess.run([os.path.join(ROOT, "tools", "images", "manifest.sh"), tree], capture_output=True, text=True,
                              check=True).stdout.splitlines()
        if b.status == qemu.EXIT_OK and guest == host and re.search(r"linked for: ext2\r?\n", b.output):
            res.ok(name + f" ({len(host) - 2} objects equal)")
        else:
            res.fail(name, f"{b.describe()}, manifest {'equal' if guest == host else 'differs'}\n" + b.tail(20))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rump_dir_incomplete(res, build):
    """RUMP_DIR naming an incomplete set stops the build, naming what is missing."""
    tmp = tempfile.mkdtemp(prefix="adros-rumpdir-")
    try:
        cases = [("an empty directory", [], ["lib/librump.a", "include/rump/rumpuser.h"]),
                 ("a set without the base's other archives", ["lib/librump.a", "include/rump/rumpuser.h"],
                  ["librumpvfs.a", "librumpdev.a"])]
        for i, (what, files, named) in enumerate(cases):
            d = os.path.join(tmp, f"set{i}")
            os.makedirs(d)
            for f in files:
                os.makedirs(os.path.dirname(os.path.join(d, f)), exist_ok=True)
                open(os.path.join(d, f), "w").close()
            p = subprocess.run(["make", "-n", f"RUMP_DIR={d}", f"BUILD={os.path.join(tmp, 'build')}", "kernel"],
                               cwd=ROOT, capture_output=True, text=True, timeout=120, env=_clean_env())
            name = f"build-rump-dir-incomplete: {what} stops the build, naming what it lacks"
            if p.returncode != 0 and all(n in p.stderr for n in named):
                res.ok(name)
            else:
                res.fail(name, f"exit {p.returncode}, expected {named} named:\n{(p.stdout + p.stderr)[-800:]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _runner_in_export(res, build):
    """The runner in a tree without .git (a release tarball) reports the
    checks that need git as skipped and ends with its summary line."""
    name = "runner-in-export: a tree without .git ends with the summary line"
    if not _git_checkout():
        res.skip(name, NOT_CHECKOUT)
        return
    tmp = tempfile.mkdtemp(prefix="adros-tarball-")
    try:
        _export(tmp)
        p = subprocess.run(["make", "RUMP=off", "test", "TESTARGS=-k core,build-fresh-export"], cwd=tmp,
                           capture_output=True, text=True, timeout=900, env=_clean_env())
        out = p.stdout + p.stderr
        last = [l for l in p.stdout.splitlines() if l.strip()][-1:] or [""]
        if p.returncode == 0 and re.match(r"^\d+ passed, 0 failed(, \d+ skipped)?$", last[0]) \
                and re.search(r"skip  build-fresh-export.*not a git checkout", out):
            res.ok(name + f" ({last[0]})")
        else:
            res.fail(name, f"exit {p.returncode}, last line {last[0]!r}:\n{out[-2000:]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _manifest(text):
    lines = [l.rstrip("\r") for l in text.splitlines()]
    if "MANIFEST-BEGIN" not in lines:
        return None
    out = lines[lines.index("MANIFEST-BEGIN"):]
    for i, l in enumerate(out):
        if l.startswith("MANIFEST-END"):
            return out[:i + 1]
    return None


ALL_DEVICES = ["-nic", "user,model=e1000,restrict=on",
               "-device", "usb-ehci,id=ehci", "-device", "usb-storage,bus=ehci.0,drive=usb0",
               "-device", "intel-hda", "-device", "hda-output,audiodev=snd0",
               "-device", "AC97,audiodev=snd0", "-device", "ES1370,audiodev=snd0",
               "-audiodev", "none,id=snd0"]


def _prepare_devices(build):
    d = os.path.join(build, "components")
    os.makedirs(d, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), os.path.join(ROOT, "demo"),
                    os.path.join(d, "demo.img")], check=True, capture_output=True)
    with open(os.path.join(d, "usb.img"), "wb") as f:
        f.truncate(16 << 20)


def _check_devices(everything):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        want = [(r"rump: NetBSD rump kernel started", "the rump kernel starts"),
                (r"stages linked: ext2 net usb audio(?: [a-z0-9]+)*\n", "shell's rump command lists every stage"),
                (r"script: \d+ commands, 0 failed", "a disk mounts and reads through NetBSD's ext2fs")]
        if everything:
            want += [(r"wm0 at pci0", "wm attaches to e1000"),
                     (r"sd0 at scsibus0", "umass/sd attach to the USB disk on EHCI"),
                     (r"hdaudio0 at pci0", "hdaudio attaches to intel-hda"),
                     (r"auich0 at pci0", "auich attaches to AC97"),
                     (r"eap0 at pci0", "eap attaches to ES1370")]
        else:
            want += [(r"^(?![\s\S]*wm0 at)", "no NIC driver attaches without a NIC")]
        check_patterns(res, b.output, want, f"{name}: ", b.tail(25))
        if "RUMP KERNEL PANIC" in b.output:
            res.fail(f"{name}: no rump kernel panic", b.tail(25))
        else:
            res.ok(f"{name}: no rump kernel panic")
    return check


def boots(build):
    return [{"name": "build-fresh-export", "run": _fresh_export},
            {"name": "build-rump-dir-incomplete", "run": _rump_dir_incomplete},
            {"name": "runner-in-export", "run": _runner_in_export}] + _device_boots(build)


def _device_boots(build):
    run = 'rump.RUMP_VERBOSE=1 run="rump; mkdir /r; mount -t rump -r hda /r; cat /r/hello.txt; umount /r"'
    names = {"rump-devices-none": ["the rump kernel starts with every stage linked and no device"],
             "rump-devices-all": ["every NetBSD driver attaches; the rump kernel survives hdaudio's failed attach"]}
    if not rump_present() or linked_stages()[:4] != ["ext2", "net", "usb", "audio"]:
        why = WHY if not rump_present() else "not every stage's components are present"
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
    d = os.path.join(build, "components")
    disk = [f"file={os.path.join(d, 'demo.img')},format=raw,if=ide,index=0,snapshot=on"]
    return [
        {"name": "rump-devices-none", "cmdline": run, "prepare": _prepare_devices, "disks": disk,
         "timeout": 180, "check": _check_devices(False)},
        {"name": "rump-devices-all", "cmdline": run, "prepare": _prepare_devices, "disks": disk,
         "extra": ALL_DEVICES + ["-drive", f"if=none,id=usb0,file={os.path.join(d, 'usb.img')},format=raw"],
         "timeout": 240, "check": _check_devices(True)},
    ]


def cross_checks():
    return []
