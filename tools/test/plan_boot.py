"""Boot sequencing with every stage linked and every device present
(src/rump/rump_integration.c): devices attach in the background.

  boot-background  an interactive session with an e1000 (net=dhcp, the
                   default), intel-hda and a USB stick on EHCI mounted at
                   boot through the rump kernel (rumpmount=sd0:/usb, what
                   `make run USB=...` sets): the prompt comes before the
                   rump kernel has started and before the stick is mounted
                   (it never waits for a stick, a codec or a link; the time,
                   "AdrOS ready in N ms", is noted, not tested); the mount is
                   then reported, /usb/hello.txt reads through NetBSD's
                   ext2fs, and `rump` shows NetBSD's DELAYs slept (wm's
                   resets and PHY waits) without holding a rump CPU
"""
import os
import re
import subprocess

import qemu
import qemu_interactive as qi
from common import ROOT, linked_stages, rump_present

def _prepare(build):
    d = os.path.join(build, "boot")
    os.makedirs(d, exist_ok=True)
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), os.path.join(ROOT, "demo"),
                    os.path.join(d, "stick.img")], check=True, capture_output=True)


def _check(build):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status != qemu.EXIT_OK:
            res.fail(name, b.describe() + "\n" + b.tail(20))
            return
        d = os.path.join(build, "boot")
        extra = ["-nic", "user,model=e1000,restrict=on", "-audiodev", "none,id=snd0",
                 "-device", "intel-hda", "-device", "hda-output,audiodev=snd0",
                 "-device", "usb-ehci,id=ehci",
                 "-drive", f"if=none,id=usb0,file={os.path.join(d, 'stick.img')},format=raw,snapshot=on",
                 "-device", "usb-storage,bus=ehci.0,drive=usb0"]
        log = os.path.join(build, "test-logs", name + "-session.log")
        s = qi.Session(os.path.join(build, "adros.elf"), "rumpmount=sd0:/usb", [], limit=150, extra=extra, log=log)
        try:
            m = s.wait_prompt(60)
            before = s.text(0, m.end())
            # The time is a figure, not a test (docs/PERFORMANCE.md, "Boot":
            # host load stretches it); what is tested is what the prompt
            # does not wait for.
            r = re.search(r"AdrOS ready in (\d+\.\d+) ms", before)
            label = f"{name}: AdrOS ready is reported before the prompt"
            (res.ok(f"{label} ({r.group(1)} ms of guest time)") if r else res.fail(label, before[-500:]))
            for rx, what in [(r"rump: NetBSD rump kernel started", "the rump kernel's start"),
                             (r"rumpmount: sd0 mounted on /usb", "the stick's mount")]:
                label = f"{name}: the prompt does not wait for {what}"
                (res.fail(label, before[-800:]) if re.search(rx, before) else res.ok(label))
            s.expect(r"rumpmount: sd0 mounted on /usb through the rump kernel \(rw\)", 90)
            res.ok(f"{name}: the stick is mounted in the background")
            out = s.command("cat /usb/hello.txt", 60)
            label = f"{name}: /usb/hello.txt reads through NetBSD's ext2fs"
            want = open(os.path.join(ROOT, "demo", "hello.txt")).read().strip()
            (res.ok(label) if want in out else res.fail(label, out[-400:]))
            # NetBSD's DELAY is AdrOS's (src/rump/rump_delay.c): wm's and
            # ehci's long delays slept without holding a rump CPU.
            out = s.command("rump", 30)
            m = re.search(r"NetBSD's DELAY: (\d+) ms slept without a CPU, (\d+) ms spun", out)
            label = f"{name}: NetBSD's long DELAYs sleep without a rump CPU"
            (res.ok(f"{label} ({m.group(0)})") if m and int(m.group(1)) > 0 else res.fail(label, out[-400:]))
            err = qi.poweroff_step(s)
            (res.fail(f"{name}: poweroff", err) if err else res.ok(f"{name}: poweroff exits QEMU cleanly"))
        except qi.Timeout as e:
            res.fail(name, f"timeout: {e}\n" + s.text()[-1500:])
        finally:
            if s.alive():
                s.close(1)
        if "PANIC" in s.text():
            res.fail(f"{name}: no panic", "see " + log)
    return check


def boots(build):
    what = ["the prompt comes before the rump kernel and the stick's mount; the mount follows"]
    if not rump_present() or not {"net", "usb", "audio"} <= set(linked_stages()):
        return [{"name": "boot-background", "cmdline": "", "tests": what,
                 "skip": "NetBSD net, usb and audio components absent (tools/rump-components.sh builds them)"}]
    return [{"name": "boot-background", "cmdline": 'run="echo runner"', "prepare": _prepare, "timeout": 60,
             "check": _check(os.path.abspath(build)), "tests": what}]


def cross_checks():
    return []


def benches(build):
    return []
