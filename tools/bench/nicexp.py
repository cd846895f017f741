#!/usr/bin/env python3
"""A/B runs of the network benchmark (tools/test/plan_net_bench.py's
net-bench boot) with kernel options, alternating, for looking into TCP
throughput (docs/PERFORMANCE.md, section 2):

  tools/bench/nicexp.py --nic virtio --runs 2 "" "net.tcpbuf=131072"

runs each option set in turn, --runs times, and prints the 64 KiB figures
of each run (MB/s both ways, interrupts per MB, ping median).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test"))
import common  # noqa: E402  (first: puts the tool folders on sys.path)
import netbench  # noqa: E402

KEYS = [(netbench.M_TX_HOST, "tx MB/s"), (netbench.M_RX_HOST, "rx MB/s"), (netbench.M_IRQ_TX, "tx irq/MB"),
        (netbench.M_IRQ_RX, "rx irq/MB"), (netbench.M_PING_MED, "ping ms")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(common.ROOT, "build"))
    ap.add_argument("--nic", default="e1000", choices=list(netbench.NICS))
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("options", nargs="+", help="kernel options of each variant (\"\" for none)")
    a = ap.parse_args()
    bench = next(s for s in common.area_benches(a.build) if s.get("nic") == a.nic)
    kernel = os.path.join(a.build, "adros.elf")
    print(f"{'options':<32} " + " ".join(f"{label:>10}" for _, label in KEYS))
    for _ in range(a.runs):
        for opts in a.options:
            b, results = bench["run"](kernel, a.build, dict(bench, append=opts))
            v = {r["metric"]: r.get("value") for r in results}
            cells = [f"{v[k]:10.2f}" if v.get(k) is not None else f"{'-':>10}" for k, _ in KEYS]
            print(f"{opts or '(none)':<32} " + " ".join(cells) + ("" if results else f"  failed: {b.describe()}"),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
