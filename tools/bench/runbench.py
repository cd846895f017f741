#!/usr/bin/env python3
"""AdrOS benchmarks: boots the kernel with bench=..., collects the BENCH
JSON lines, prints them as JSON (one object per line) and as a table.

  tools/bench/runbench.py                 all benchmarks
  tools/bench/runbench.py -b mutex,sleep  some
  tools/bench/runbench.py --boot-samples 5  also time boot-to-ready over 5 boots
  tools/bench/runbench.py --boots fs-bench,linux   only these boots (names: core,
                                          the area boots, boot (the samples), linux)

An area boot may run the guest itself ("run": callable(kernel, build, spec)
returning (qemu.Boot, its figures)): the network benchmarks
(tools/test/plan_net_bench.py) measure from the host while the guest runs.

Last, the Linux reference boot (tools/bench/linuxref.py): Debian's i386 kernel on
the machine of AdrOS's fs-bench boot (plus the network benchmarks' NIC), and
on that of usb_seq when it ran (--boots usb_seq,linux: that one alone),
running the same workloads; each AdrOS figure is printed next to Linux's
with the ratio AdrOS/Linux.  When its
packages cannot be fetched it is skipped with the reason (--no-linux skips it).
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test"))
import common  # noqa: E402  (first: puts the tool folders on sys.path)
import linuxref  # noqa: E402
import netbench  # noqa: E402
import qemu  # noqa: E402

ROOT = common.ROOT


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("-b", dest="benches", default="all")
    ap.add_argument("--boot-samples", type=int, default=5)
    ap.add_argument("--no-extra", action="store_true", help="skip the area boots (storage, rump...)")
    ap.add_argument("--no-linux", action="store_true", help="skip the Linux reference boot")
    ap.add_argument("--boots", default="", help="comma-separated boot names to run (default: all)")
    args = ap.parse_args()
    only = set(filter(None, args.boots.split(",")))

    def wanted(name):
        return not only or name in only

    kernel = os.path.join(args.build, "adros.elf")
    boots = [{"name": "core", "cmdline": f"initcalls=off bench={args.benches}", "timeout": 600}]
    area = common.area_benches(args.build) if not args.no_extra and args.benches == "all" else []
    boots += area
    results = []
    profiles = []
    prepared = set()
    for spec in boots:
        if not wanted(spec["name"]):
            continue
        if spec.get("prepare"):
            spec["prepare"](args.build)
            prepared.add(spec["name"])
        if spec.get("run"):
            # A boot with a host side (tools/test/plan_net_bench.py): it runs the
            # guest itself and returns its figures.
            b, figures = spec["run"](kernel, args.build, spec)
        else:
            b = qemu.boot(kernel, spec["cmdline"], spec.get("disks", ()), spec.get("timeout", 600),
                          spec.get("mem", 256), spec.get("extra", ()))
            figures = [json.loads(line[6:]) for line in b.lines() if line.startswith("BENCH ")]
            profiles += profile_lines(b.lines())
        if b.timed_out or b.status != qemu.EXIT_OK or (spec.get("run") and not figures):
            print(f"bench boot {spec['name']} failed: {b.describe()}\n{b.tail(20)}", file=sys.stderr)
            return 1
        for r in figures:
            results.append(r)
            print(json.dumps(r))
    if args.boot_samples and wanted("boot"):
        ready = []
        kernel_ready = []
        for _ in range(args.boot_samples):
            b = qemu.boot(kernel, "initcalls=off bench=none", timeout=60)
            if b.ready_s is not None:
                ready.append(b.ready_s * 1e3)
            for line in b.lines():
                if line.startswith("AdrOS ready in "):
                    kernel_ready.append(float(line.split()[3]))
        if ready:
            r = {"bench": "boot", "metric": "QEMU start to ready line (host ms, median)", "cycles": 0,
                 "ns": int(statistics.median(ready) * 1e6), "note": f"{len(ready)} boots, -cpu max, 256 MiB"}
            results.append(r)
            print(json.dumps(r))
        if kernel_ready:
            r = {"bench": "boot", "metric": "kernel entry to ready line (guest ms, median)", "cycles": 0,
                 "ns": int(statistics.median(kernel_ready) * 1e6), "note": ""}
            results.append(r)
            print(json.dumps(r))
    linux, linux_info, linux_skipped, linux_failed = [], None, None, None
    if area and not args.no_linux and wanted("linux"):
        linux, linux_info, linux_skipped, linux_failed = linux_reference(args.build, area, prepared, only or None)
        for r in linux:
            print(json.dumps(r))
    print()
    print(f"{'benchmark':<12} {'metric':<46} {'cycles':>12} {'ns':>14}  note")
    for r in results + linux:
        note = r.get("note", "")
        if r.get("unit") and r.get("value") is not None and r["unit"] != "MB/s":
            note = f"{r['value']:.3f} {r['unit']}" + (f"; {note}" if note else "")
        print(f"{r['bench']:<12} {r['metric']:<46} {r['cycles']:>12} {r['ns']:>14}  {note}")
    if profiles:
        print()
        print("\n".join(profiles))
    if linux_info:
        print()
        print("\n".join(linuxref.format_comparison(results, linux, linux_info)))
    elif any(r["bench"].startswith("net") for r in results):
        print()
        print("\n".join(netbench.format_compare(results, [])))
    if linux_skipped:
        print(f"\nlinux reference boot skipped: {linux_skipped}")
    if linux_failed:
        print(f"\nlinux reference boot failed: {linux_failed}", file=sys.stderr)
        return 1
    return 0


def profile_lines(lines):
    """A boot's profile lines worth keeping with the figures: the hypercalls
    the rump kernel made per workload (tests/kernel/rump_bench.c), shown
    above the POSIX host's (tools/bench/rumphost.c)."""
    return [l.strip() for l in lines if l.startswith("# rump_ext2 hypercalls")]


def changed_disks(spec):
    """The AdrOS boot spec (or one of the boots it mirrors) wrote to its
    disk images: a drive without snapshot=on (rump_ext2's write workload
    deletes /big.bin), so they are prepared again for the Linux boot."""
    specs = [s for s, _ in spec.get("mirrors", [(spec, None)])]
    drives = [d if isinstance(d, str) else ",".join(d) for s in specs for d in s.get("disks", ())]
    return any("snapshot=on" not in d.split(",") for d in drives)


def linux_reference(build, area, prepared, ran):
    """The Linux reference boot on the machine of the area boots that ran
    (ran: their names, None for all; linuxref.mirror() chooses):
    (results, info, skip reason, failure); the last two are None or a string."""
    try:
        spec, path = linuxref.mirror(area, ran)
        if spec.get("prepare") and (spec["name"] not in prepared or changed_disks(spec)):
            spec["prepare"](build)
        print(f"# linux reference boot: Debian's i386 kernel on the machine of {spec['name']}", flush=True)
        results, info = linuxref.run(build, spec, path)
        # The NIC mirrors: Linux on the NIC of each net-bench-<nic> that ran
        # (e1000's workloads run on the ext2 mirror, when that one ran).
        for s in area:
            if s.get("nic") and (ran is None or s["name"] in ran) and \
                    not any(r["bench"] == netbench.bench_name("linux_net", s["nic"]) for r in results):
                print(f"# linux reference boot: Debian's i386 kernel on the NIC of {s['name']}", flush=True)
                results += linuxref.run_nic(build, s["nic"])
        return results, info, None, None
    except linuxref.Skip as e:
        print(f"# linux reference boot skipped: {e}", flush=True)
        return [], None, str(e), None
    except linuxref.Failed as e:
        return [], None, None, str(e)


if __name__ == "__main__":
    sys.exit(main())
