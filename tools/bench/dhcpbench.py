#!/usr/bin/env python3
"""Time to a DHCP lease, guest time, for one or more AdrOS kernels booted
alternately against tools/qemu/dnsnet.py (a DHCP server that answers at
once, on a 127.0.0.1 socket network: nothing leaves the machine).

  tools/bench/dhcpbench.py [--boots N] KERNEL [KERNEL...]

Each boot reads the boot's own report, "net: wm0: <addr> by DHCP in <ms> ms"
(src/netbsd/netif.c: from the DHCP thread's start, right after rump_init
has attached the NIC, to the lease applied and the address usable), and
"rump_init took <ms> ms".  Prints each boot and, per kernel, the median;
with two kernels, the ratio of the medians (the first over the second).
"""
import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "qemu"))

import qemu_interactive as qi  # noqa: E402
from dnsnet import DnsNet  # noqa: E402


def one(kernel, build):
    net = DnsNet(build, "dhcpbench")
    s = qi.Session(kernel, "", limit=120, extra=net.extra)
    try:
        m = s.expect(r"by DHCP in (\d+) ms", 90)
        r = re.search(r"rump_init took ([\d.]+) ms", s.text())
        return int(m.group(1)), float(r.group(1)) if r else None
    finally:
        s._kill()
        s.close(5)
        net.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boots", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "build"))
    ap.add_argument("kernels", nargs="+")
    a = ap.parse_args()
    got = {k: [] for k in a.kernels}
    for i in range(a.boots):
        for k in a.kernels:  # alternately, so host load falls on each alike
            ms, ri = one(k, a.build)
            got[k].append(ms)
            print(f"boot {i + 1} {k}: lease in {ms} ms (rump_init {ri} ms)", flush=True)
    med = {k: statistics.median(v) for k, v in got.items()}
    for k in a.kernels:
        print(f"{k}: median {med[k]:.0f} ms over {len(got[k])} boots: {got[k]}")
    if len(a.kernels) == 2:
        k1, k2 = a.kernels
        print(f"ratio {k1} / {k2}: {med[k1] / med[k2]:.2f}")


if __name__ == "__main__":
    main()
