#!/usr/bin/env python3
"""Fuzzes every kernel command-line option: boots AdrOS again and again
with random options from the kernel's own list (every KOPTION in the
sources), each given garbage, a huge value, an empty value or no value at
all, and checks that the kernel neither panics nor hangs: bad input gets a
clear message, never a crash (of AdrOS, or of the rump kernel fed a bad
parameter).  Each boot also gets `run="echo ALIVE"`, so it powers off once
its shell has run.

  tools/test/fuzzopts.py [--build build] [--time SECONDS] [--boots N] [--seed S]

Options that exist to stop the machine on purpose (crashtest=, panic=) are
left out; a boot that an option legitimately ends early (ktest=, bench=,
compare=, manifest=, init=) must still end cleanly, not in a panic.  Failing
command lines are printed so they can be replayed.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import qemu  # noqa: E402

ROOT = common.ROOT
EXCLUDE = {"crashtest", "panic", "rumptest.crash"}


def options():
    """Every option name declared with KOPTION (prefixes end in '.')."""
    names = set()
    for d in ("src", "tests/kernel"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in files:
                if f.endswith(".c"):
                    with open(os.path.join(dirpath, f), errors="replace") as fh:
                        names.update(re.findall(r'KOPTION\(\s*\w+\s*,\s*"([^"]+)"', fh.read()))
    return sorted(n for n in names if n not in EXCLUDE)


def value(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return None                                       # bare key
    if kind == 1:
        return ""                                         # key=
    if kind == 2:
        return "x" * rng.choice([300, 1000, 4000])        # huge
    if kind == 3:
        return str(rng.choice([-1, 0, 1, 2**31, 2**63, 10**30]))
    if kind == 4:                                         # plausible shapes, broken
        return rng.choice(["hda:", ":/mnt", "hda:/mnt:rw:extra", "wm0:1.2.3/99,gw=", "on,off", "all,,",
                           "rump:", "dhcp,static", "../../..", "%s%s%n", "\\", "'"])
    chars = "abcxyz019:/,.=-_%$@![]{}\\\"'"
    return "".join(rng.choice(chars) for _ in range(rng.randrange(1, 40)))


def cmdline(rng, names):
    parts = []
    for name in rng.sample(names, min(len(names), rng.randrange(1, 6))):
        if name.endswith("."):
            name += rng.choice(["RUMP_VERBOSE", "RUMP_MEMLIMIT", "RUMP_NCPU", "x", ""])
        v = value(rng)
        if v is None:
            parts.append(name)
        elif any(c in v for c in " \"") or rng.random() < 0.2:
            parts.append(f'{name}="{v.replace(chr(34), "")}"')
        else:
            parts.append(f"{name}={v}")
    # run= first: a line longer than the kernel keeps (4 KiB) loses its end.
    return 'run="echo ALIVE" ' + " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--time", type=float, default=120, help="seconds to spend")
    ap.add_argument("--boots", type=int, default=0, help="stop after this many boots (0: time decides)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    names = options()
    kernel = os.path.join(args.build, "adros.elf")
    print(f"  FUZZ    kernel options: {len(names)} options, seed {seed}")
    t0, n, bad = time.monotonic(), 0, []
    while time.monotonic() - t0 < args.time and (not args.boots or n < args.boots):
        cl = cmdline(rng, names)
        b = qemu.boot(kernel, cl, (), 90, 128)
        n += 1
        why = None
        if b.timed_out:
            why = "hang (no end within 90 s)"
        elif b.status == qemu.EXIT_PANIC or "*** KERNEL PANIC" in b.output:
            why = "kernel panic"
        elif "RUMP KERNEL PANIC" in b.output:
            why = "the rump kernel panicked (a bad value reached it)"
        elif b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL):
            why = b.describe()
        if why:
            bad.append((cl, why, b.tail(12)))
            print(f"fuzzopts: {why}: {cl}\n    " + b.tail(12).replace("\n", "\n    "))
    print(f"  fuzzopts: {n} boots, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
