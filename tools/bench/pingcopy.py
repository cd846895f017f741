#!/usr/bin/env python3
"""Ping while a disk copy runs (issue 24): does a 64 MiB copy through
NetBSD's ext2fs delay the network?

One boot, -m 256, an e1000 on QEMU's user network (restrict=on, nothing
leaves QEMU; the address by DHCP, which ping waits for) and an ATA disk holding big.bin, 64 MiB of random bytes
(tools/test/disks.py copy_image), mounted through the rump kernel:

  ping -c 5 -i 100 10.0.2.2                 warm-up (ARP), not counted
  ping -c N -i 100 10.0.2.2                 idle
  cp /r/big.bin /r/copy.bin &               the copy, a shell job
  sleep 1; ping -c N -i 100 10.0.2.2        during the copy
  jobs; wait                                the copy must still be running
  cat /dev/zero > /dev/null &               a CPU-bound command, a shell job
  sleep 0.2; ping -c N -i 100 10.0.2.2      during it
  jobs; kill %1; wait                       it must still be running

The first reply of each ping is discarded.  Figures: the medians (ms) and
their ratios, during the copy / idle (the target is <= 2) and during the
CPU-bound command / idle (the scheduler's share for a command that
sleeps between short bursts: ping, like the shell, waited out the other's
10 ms slices before each command of one priority was ordered by the CPU
time it used).  A reply that never came
counts as endless, so a network that loses half the replies during the
copy shows as "stalled" rather than as the median of the few that came
(a system that stalls outright ends in the boot's timeout).  Only reported
when `jobs` shows the copy still running after the ping, i.e. every reply
was timed during the copy.

  tools/bench/pingcopy.py [--build DIR]     runs it alone
  make bench                                through plan_net_bench.benches()
"""
import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test"))

import common  # noqa: E402  (first: puts the tool folders on sys.path)
import qemu  # noqa: E402
from disks import copy_image  # noqa: E402
from netbench import rtts_ms  # noqa: E402

PINGS = 21
BENCH = "ping_copy"
MIN_BUSY = 8
# 100 ms apart, from 0.2 s after the copy's start: the copy took 3.5 s on a
# calm host (2026-12-07), 30 s when first measured on a loaded one, and
# 2.3 s once NetBSD's pager was mapped (the same day, later).
SCRIPT = ("mkdir /r; mount -t rump hda /r; ping -c 5 -i 100 10.0.2.2; "
          f"echo IDLE; ping -c {PINGS} -i 100 10.0.2.2; "
          f"cp /r/big.bin /r/copy.bin & sleep 0.2; echo BUSY; ping -c {PINGS} -i 100 10.0.2.2; "
          "echo JOBS; jobs; wait; cat /dev/zero > /dev/null & sleep 0.2; echo HOG; "
          f"ping -c {PINGS} -i 100 10.0.2.2; echo HOGJOBS; jobs; kill %1; wait; poweroff")


class Failed(Exception):
    pass


def _median_with_losses(rtts, sent):
    """The median of sent round trips where a missing reply counts as
    endless: None when half or more are missing (ping gave up on them)."""
    s = sorted(rtts) + [float("inf")] * max(0, sent - len(rtts))
    m = statistics.median(s) if s else float("inf")
    return None if m == float("inf") else m


def figures(out):
    """The BENCH dicts from the boot's console output; Failed when the
    run does not give a figure that means something."""
    out_text = out
    i, b, j = out.find("adros# echo IDLE"), out.find("adros# echo BUSY"), out.find("adros# echo JOBS")
    if min(i, b, j) < 0:
        raise Failed("the script did not run to its end")
    idle = rtts_ms(out[i:b])[1:]
    if len(idle) < PINGS - 3:
        raise Failed(f"too few replies idle: {len(idle)} of {PINGS - 1}")
    busy_out, sent = out[b:j], PINGS
    done = re.search(r"^67108864 bytes copied$", busy_out, re.M)
    if done:
        # Requests sent before the copy ended: the last sequence number
        # printed before its line, and the lost ones (no line) up to it.
        seqs = [int(x) for x in re.findall(r"icmp_seq=(\d+)", busy_out[:done.start()])]
        sent = max(seqs) + 1 if seqs else 0
        busy_out = busy_out[:done.start()]
    elif not re.search(r"\[1\] running\s+cp /r/big\.bin", out[j:]):
        raise Failed("the copy's end is not in the output: " + out[j:j + 300])
    busy = rtts_ms(busy_out)[1:]
    if sent - 1 < MIN_BUSY:
        raise Failed(f"the copy ended after {sent} echo requests (fewer than {MIN_BUSY + 1})")
    mi = statistics.median(idle)
    mb = _median_with_losses(busy, sent - 1)
    note = (f"{len(idle)} replies idle, {len(busy)} of {sent - 1} during the copy "
            "(ping -i 100, the first discarded; a missing reply counts as endless); 64 MiB cp on NetBSD's ext2fs")
    out = [{"bench": BENCH, "metric": "ping 10.0.2.2 median, idle", "cycles": 0, "ns": int(mi * 1e6),
            "value": mi, "unit": "ms", "note": note}]
    if mb is None:
        out.append({"bench": BENCH, "metric": "ping 10.0.2.2 median, during the copy", "cycles": 0, "ns": 0,
                    "value": None, "unit": "ms", "note": "stalled: half or more of the replies missing; " + note})
        return out + _hog_figures(out_text, mi)
    out += [{"bench": BENCH, "metric": "ping 10.0.2.2 median, during the copy", "cycles": 0, "ns": int(mb * 1e6),
             "value": mb, "unit": "ms", "note": note},
            {"bench": BENCH, "metric": "ping median, during copy / idle (<= 2)", "cycles": 0, "ns": 0,
             "value": mb / mi, "unit": "ratio", "note": f"max during the copy {max(busy):.3f} ms"}]
    return out + _hog_figures(out_text, mi)


def _hog_figures(out, idle_median):
    """Ping during `cat /dev/zero > /dev/null` (a CPU-bound command of the
    commands' priority): no figures unless it outlived the ping."""
    h, j = out.find("adros# echo HOG\n"), out.find("adros# echo HOGJOBS")
    if min(h, j) < 0 or not re.search(r"\[1\] running\s+cat /dev/zero", out[j:]):
        print("# ping_copy: the CPU-bound command did not outlive its ping: no figure", file=sys.stderr)
        return []
    rtts = rtts_ms(out[h:j])[1:]
    m = _median_with_losses(rtts, PINGS - 1)
    note = f"{len(rtts)} of {PINGS - 1} replies during cat /dev/zero > /dev/null (ping -i 100, the first discarded)"
    if m is None:
        return [{"bench": BENCH, "metric": "ping median, during a CPU-bound command / idle", "cycles": 0, "ns": 0,
                 "value": None, "unit": "ratio", "note": "stalled; " + note}]
    return [{"bench": BENCH, "metric": "ping 10.0.2.2 median, during a CPU-bound command", "cycles": 0,
             "ns": int(m * 1e6), "value": m, "unit": "ms", "note": note},
            {"bench": BENCH, "metric": "ping median, during a CPU-bound command / idle", "cycles": 0, "ns": 0,
             "value": m / idle_median, "unit": "ratio", "note": f"max {max(rtts):.3f} ms"}]


def boot(kernel, build, timeout=600, mem=256):
    disk = f"file={copy_image(build)},format=raw,if=ide,index=0,snapshot=on"
    cmdline = f'run="{SCRIPT}"'  # net=dhcp: ping waits for the lease (netcmd_ready)
    os.makedirs(os.path.join(build, "test-logs"), exist_ok=True)
    return qemu.boot(kernel, cmdline, [disk], timeout, mem, ["-nic", "user,model=e1000,restrict=on"],
                     log=os.path.join(build, "test-logs", "ping-copy-bench.log"))


def run(kernel, build, spec):
    """runbench.py's hook: (the boot, its figures); no figures on failure
    (runbench reports the boot's tail)."""
    b = boot(kernel, build, spec.get("timeout", 600))
    try:
        return b, figures(b.output)
    except Failed as e:
        print(f"# {spec['name']}: {e}", file=sys.stderr, flush=True)
        return b, []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(common.ROOT, "build"))
    ap.add_argument("--mem", type=int, default=256, help="MiB of RAM (the rump kernel may use half)")
    a = ap.parse_args()
    b = boot(os.path.join(a.build, "adros.elf"), a.build, mem=a.mem)
    try:
        for f in figures(b.output):
            v = "stalled" if f["value"] is None else f"{f['value']:.3f} {f['unit']}"
            print(f"{f['metric']:<45} {v}  {f['note']}")
        print(b.output[b.output.find("adros# echo BUSY"):][:3000])
    except Failed as e:
        print(f"failed: {e}\n{b.tail(30)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
