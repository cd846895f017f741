#!/usr/bin/env python3
"""A sampling profiler for AdrOS under QEMU, from the outside: while the
guest runs, the host reads the CPU's registers through QEMU's monitor (QMP,
`info registers`) every few milliseconds and walks the frame-pointer chain
in guest memory (`xp`; the kernel is identity mapped and built with frame
pointers), then names the addresses with the kernel's symbols.  No kernel
change, no guest cooperation.

  tools/qemu/qprof.py [--build build] [--from PATTERN] [--until PATTERN]
                 [--interval MS] [--depth N] [--top N] -- [kernel options]
                 [-- extra QEMU arguments]

Samples are taken between the first console line matching --from (default:
the start) and the first matching --until (default "AdrOS ready").  It
prints the functions where the CPU was (self), the functions on the stack
(inclusive), and how much of the time the CPU was idle.  Example, where
rump_init's time goes with an EHCI controller present:

  tools/qemu/qprof.py --from 'rumpuser: hypercall interface' --until 'rump_init took' \\
      -- net=off -- -device usb-ehci
"""
import argparse
import bisect
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

IDLE = {"arch_idle", "idle_loop"}


class Symbols:
    def __init__(self, elf):
        out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
        self.addrs, self.names = [], []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else f"?{addr:#x}"


class Monitor:
    def __init__(self, path):
        for _ in range(250):
            self.s = socket.socket(socket.AF_UNIX)
            try:
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                time.sleep(0.02)
        else:
            raise OSError(f"cannot connect to QEMU's monitor at {path}")
        self.f = self.s.makefile("rw")
        self.f.readline()  # greeting
        self.cmd({"execute": "qmp_capabilities"})

    def cmd(self, obj):
        self.f.write(json.dumps(obj) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r or "error" in r:
                return r.get("return")

    def hmp(self, line):
        return self.cmd({"execute": "human-monitor-command", "arguments": {"command-line": line}}) or ""


def stack(mon, depth):
    regs = mon.hmp("info registers")
    m = re.search(r"EIP=([0-9a-f]+)", regs)
    b = re.search(r"EBP=([0-9a-f]+)", regs)
    hlt = "HLT=1" in regs
    if not m:
        return None, hlt
    pcs = [int(m.group(1), 16)]
    ebp = int(b.group(1), 16) if b else 0
    for _ in range(depth):
        if ebp < 0x1000 or ebp >= 0x40000000 or ebp & 3:
            break
        words = re.findall(r":\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)", mon.hmp(f"xp /2wx {ebp:#x}"))
        if not words:
            break
        nxt, ret = int(words[0][0], 16), int(words[0][1], 16)
        if ret < 0x100000:
            break
        pcs.append(ret - 1)
        if nxt <= ebp:
            break
        ebp = nxt
    return pcs, hlt


def main():
    argv = sys.argv[1:]
    parts = []
    while "--" in argv:
        i = argv.index("--")
        parts.append(argv[:i])
        argv = argv[i + 1:]
    parts.append(argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--from", dest="start", default=None)
    ap.add_argument("--until", default="AdrOS ready")
    ap.add_argument("--interval", type=float, default=2.0, help="ms between samples")
    ap.add_argument("--depth", type=int, default=12)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args(parts[0])
    cmdline = " ".join(parts[1]) if len(parts) > 1 else ""
    extra = parts[2] if len(parts) > 2 else []
    kernel = os.path.join(args.build, "adros.elf")
    syms = Symbols(kernel)
    tmp = tempfile.mkdtemp(prefix="qprof-")
    sock = os.path.join(tmp, "qmp")
    cmd = qemu.qemu_cmd(kernel, "panic=poweroff vga=off " + cmdline, (), 256, extra)
    i = cmd.index("-monitor")
    cmd = cmd[:i] + cmd[i + 2:] + ["-qmp", f"unix:{sock},server=on,wait=off"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    console = []
    state = {"started": args.start is None, "done": False}

    def reader():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            console.append(line)
            if args.start and not state["started"] and re.search(args.start, line):
                state["started"] = True
            if state["started"] and re.search(args.until, line):
                state["done"] = True
        state["done"] = True

    threading.Thread(target=reader, daemon=True).start()
    mon = Monitor(sock)
    self_c, incl_c = {}, {}
    n = idle = 0
    t0 = time.monotonic()
    t_start = None
    while not state["done"] and time.monotonic() - t0 < args.timeout:
        if not state["started"]:
            time.sleep(0.001)
            continue
        t_start = t_start or time.monotonic()
        try:
            pcs, hlt = stack(mon, args.depth)
        except (OSError, ValueError):
            break
        if pcs:
            n += 1
            names = [syms.name(p) for p in pcs]
            if hlt or names[0] in IDLE:
                idle += 1
            self_c[names[0]] = self_c.get(names[0], 0) + 1
            for nm in set(names):
                incl_c[nm] = incl_c.get(nm, 0) + 1
        time.sleep(args.interval / 1000)
    span = time.monotonic() - (t_start or time.monotonic())
    try:
        mon.hmp("quit")
    except OSError:
        pass
    proc.kill()
    proc.wait()
    if not n:
        print("qprof: no samples (did --from match? last console lines follow)")
        print("\n".join(console[-10:]))
        return 1
    print(f"qprof: {n} samples over {span:.2f} s of host time; CPU idle (hlt) in {100.0 * idle / n:.1f}%")
    print(f"\n{'self %':>7}  function")
    for nm, c in sorted(self_c.items(), key=lambda x: -x[1])[:args.top]:
        print(f"{100.0 * c / n:7.1f}  {nm}")
    print(f"\n{'incl %':>7}  function (on the stack)")
    for nm, c in sorted(incl_c.items(), key=lambda x: -x[1])[:args.top]:
        print(f"{100.0 * c / n:7.1f}  {nm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
