"""Boot AdrOS over and over, to count a rare hang and to compare kernels.

    python3 tools/qemu/bootloop.py -n 60 [--kernel A.elf --kernel B.elf] \
        [--append "net=off"] [--wait "rump kernel started"] [--limit 60] \
        [--logs DIR] -- <QEMU device arguments>

Each round boots every kernel once (the order swapped every other round,
so that neither always comes first).  A boot counts as hung when the
shell's prompt or the --wait pattern does not come within --limit
seconds: then Ctrl-\\ asks the kernel for its thread dump from the console
interrupt (src/kernel/console.c), and the session is kept in
DIR/<kernel>-<round>.hang.  Prints one line per boot and the counts.

With --bench NAME the boots are `bench=NAME` boots instead (no prompt
waited for: the bench powers off), and the BENCH figures of the first two
kernels are compared round by round: the geometric mean of the ratios
(second/first) over every workload and round both finished, and the
median per workload.  Issue 21's NVMe hang was counted and the fix's cost
measured with it (docs/RELIABILITY.md, docs/PERFORMANCE.md section 6).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
import qemu_interactive as qi  # noqa: E402


def interactive(kernel, args, log):
    s = qi.Session(kernel, args.append, extra=args.qemu, limit=args.limit * 2 + 30)
    try:
        s.wait_prompt(args.limit)
        s.expect(args.wait, timeout=args.limit)
        return True, None
    except qi.Timeout:
        if s.alive():
            s.send("\x1c")
            s.quiet(settle=2, timeout=20)
        return False, s.text()
    finally:
        s._kill()


def bench(kernel, args, log):
    b = qemu.boot(kernel, f"{args.append} bench={args.bench}".strip(), extra=args.qemu, timeout=args.limit,
                  log=log + ".log")
    figs = {}
    for line in b.lines():
        if line.startswith("BENCH "):
            x = json.loads(line[6:])
            figs[x["metric"]] = float(x["note"].split()[0])
    return (not b.timed_out and b.status == qemu.EXIT_OK), figs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20, help="rounds")
    ap.add_argument("--kernel", action="append", help="kernel image (repeat to compare); build/adros.elf")
    ap.add_argument("--append", default="net=off", help="kernel command line")
    ap.add_argument("--wait", default=r"rump kernel started", help="pattern a boot must print")
    ap.add_argument("--limit", type=int, default=60, help="seconds for the prompt, then for the pattern")
    ap.add_argument("--bench", help="boot bench=NAME and compare its figures")
    ap.add_argument("--logs", default="build/bootloop")
    ap.add_argument("qemu", nargs="*", help="QEMU arguments (after --)")
    args = ap.parse_args()
    kernels = args.kernel or ["build/adros.elf"]
    os.makedirs(args.logs, exist_ok=True)
    hung = {k: 0 for k in kernels}
    figs = {k: {} for k in kernels}  # kernel -> round -> figures
    for i in range(args.n):
        for k in (kernels if i % 2 == 0 else kernels[::-1]):
            name = os.path.basename(k)
            log = os.path.join(args.logs, f"{name}-{i}")
            t0 = time.time()
            if args.bench:
                ok, f = bench(k, args, log)
                if ok:
                    figs[k][i] = f
            else:
                ok, text = interactive(k, args, log)
                if text is not None:
                    with open(log + ".hang", "w") as out:
                        out.write(text)
            hung[k] += not ok
            print(f"{name} round {i}: {'ok' if ok else 'HUNG'} ({time.time() - t0:.1f} s)", flush=True)
    for k in kernels:
        print(f"{k}: {hung[k]} of {args.n} hung")
    if args.bench and len(kernels) >= 2:
        a, b = figs[kernels[0]], figs[kernels[1]]
        ratios = {}
        for i in set(a) & set(b):
            for m in set(a[i]) & set(b[i]):
                if a[i][m] > 0:
                    ratios.setdefault(m, []).append(b[i][m] / a[i][m])
        every = [r for rs in ratios.values() for r in rs if r > 0]
        if every:
            print(f"{os.path.basename(kernels[1])}/{os.path.basename(kernels[0])}: geometric mean "
                  f"{math.exp(sum(map(math.log, every)) / len(every)):.3f} over {len(every)} figures")
            for m, rs in sorted(ratios.items()):
                print(f"  {m}: median {statistics.median(rs):.2f} ({len(rs)} rounds)")
    return 1 if any(hung.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
