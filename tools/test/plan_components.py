"""The component build and the stage links (tools/rump-components.sh,
mk/rump.mk).

  build-fresh-export   a bare `make` in a fresh export of the tree builds
                       build/adros.elf without components (the default goal);
                       with components present, a Stage-1-only set (no PCI
                       archives, no rumpcomp/ headers) builds too, reports
                       the other stages missing, and NetBSD's ext2fs in that
                       kernel reads a disk whose manifest equals the host's
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

import qemu
from common import ROOT, RUMP_DIR, check_patterns, linked_stages, rump_present
STAGE1 = ["librump", "librumpvfs", "librumpdev", "librumpdev_disk", "librumpfs_ext2fs", "librumpfs_ffs"]
WHY = "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"


def _export(dest):
    """The tracked files as they are in the work tree (so uncommitted changes
    are tested too), without build/ or third_party/."""
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True, check=True).stdout
    for f in files.decode().split("\0"):
        if not f or not os.path.exists(os.path.join(ROOT, f)):
            continue
        os.makedirs(os.path.join(dest, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(dest, f), follow_symlinks=False)


def _stage1_set(dest):
    """A component directory holding only the Stage 1 archives and rump/."""
    os.makedirs(os.path.join(dest, "lib"))
    for a in STAGE1:
        os.symlink(os.path.join(RUMP_DIR, "lib", a + ".a"), os.path.join(dest, "lib", a + ".a"))
    os.makedirs(os.path.join(dest, "include"))
    os.symlink(os.path.join(RUMP_DIR, "include", "rump"), os.path.join(dest, "include", "rump"))


def _fresh_export(results, res, build):
    tmp = tempfile.mkdtemp(prefix="adros-export-")
    try:
        src = os.path.join(tmp, "src")
        _export(src)
        env = dict(os.environ)
        env.pop("RUMP_DIR", None)
        env.pop("MAKEFLAGS", None)
        env.pop("MAKELEVEL", None)
        p = subprocess.run(["make"], cwd=src, capture_output=True, text=True, timeout=900, env=env)
        elf = os.path.join(src, "build", "adros.elf")
        if p.returncode == 0 and os.path.exists(elf) and "kernel built without rump" in p.stdout:
            res.ok("build-fresh-export: bare make builds build/adros.elf (no components)")
        else:
            res.fail("build-fresh-export: bare make builds build/adros.elf (no components)",
                     f"exit {p.returncode}, elf {'present' if os.path.exists(elf) else 'missing'}:\n"
                     + (p.stdout + p.stderr)[-1500:])
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
                (r"stages linked: ext2 net usb audio", "shell's rump command lists every stage"),
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
    run = 'rump.RUMP_VERBOSE=1 run="rump; mkdir /r; mount -t rump -r hda /r; cat /r/hello.txt; umount /r"'
    names = {"rump-devices-none": ["the rump kernel starts with every stage linked and no device"],
             "rump-devices-all": ["every NetBSD driver attaches; the rump kernel survives hdaudio's failed attach"]}
    if not rump_present() or linked_stages() != ["ext2", "net", "usb", "audio"]:
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
    return [_fresh_export]
