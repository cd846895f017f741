#!/usr/bin/env python3
"""AdrOS test runner: host unit tests (cmocka) and in-kernel KTAP suites
booted under QEMU, plus death tests and checks that need the host.

Prints one line per suite and ends with "N passed, N failed" (", N skipped"
when any); exits non-zero on any failure.

  tools/test/runtests.py                 everything
  tools/test/runtests.py -k sched,sync   only boots/suites whose name matches
  tools/test/runtests.py --list          what would run
"""
import argparse
import concurrent.futures as cf
import os
import re
import subprocess
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (first: puts the other tool folders on sys.path)
import qemu  # noqa: E402
import testplan  # noqa: E402

ROOT = common.ROOT


class Result:
    def __init__(self, group):
        self.group = group
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.lines = []  # report lines

    def ok(self, name, note=""):
        self.passed += 1
        self.lines.append(f"  ok    {name}{(' ' + note) if note else ''}")

    def fail(self, name, why):
        self.failed += 1
        self.lines.append(f"  FAIL  {name}: {why}")

    def skip(self, name, why):
        self.skipped += 1
        self.lines.append(f"  skip  {name}: {why}")


def parse_ktap(text):
    """Returns (plan, suites) where suites is a list of
    (name, ok, cases[(num, name, status, directive)]).  status: ok/fail/skip."""
    plan = None
    suites = []
    cases = []
    seen_header = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if line == "KTAP version 1":
            seen_header = True
            continue
        if not seen_header:
            continue
        m = re.match(r"^1\.\.(\d+)$", line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r"^    (ok|not ok) (\d+) (\S+)(.*)$", line)
        if m:
            directive = m.group(4)
            status = "ok" if m.group(1) == "ok" else "fail"
            if "# SKIP" in directive:
                status = "skip"
            cases.append((int(m.group(2)), m.group(3), status, directive.strip()))
            continue
        m = re.match(r"^(ok|not ok) (\d+) (\S+)", line)
        if m:
            suites.append((m.group(3), m.group(1) == "ok", cases))
            cases = []
    return plan, suites


def failure_context(text, case_name):
    """The diagnostic lines printed just before a failing case's result."""
    lines = text.splitlines()
    out = []
    for i, l in enumerate(lines):
        if re.match(rf"^    not ok \d+ {re.escape(case_name)}\b", l):
            j = i - 1
            while j >= 0 and lines[j].startswith("        #"):
                out.insert(0, lines[j].strip())
                j -= 1
            break
    return out


def run_host_tests(res, build, sel):
    hostdir = os.path.join(build, "host")
    if not os.path.isdir(hostdir):
        res.fail("host", f"no host tests built in {hostdir}")
        return
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", ASAN_OPTIONS="detect_leaks=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    for name in sorted(os.listdir(hostdir)):
        path = os.path.join(hostdir, name)
        if not name.startswith("test_") or not os.access(path, os.X_OK):
            continue
        if sel and not any(s in name for s in sel):
            continue
        try:
            p = subprocess.run([path], capture_output=True, text=True, timeout=300, env=env)
        except subprocess.TimeoutExpired:
            res.fail(f"host/{name}", "timed out")
            continue
        out = p.stdout + p.stderr
        n_ok = n_fail = 0
        for line in p.stdout.splitlines():
            m = re.match(r"^(ok|not ok) \d+ - (.*)$", line.strip())
            if m:
                if m.group(1) == "ok":
                    n_ok += 1
                    res.ok(f"host/{name}/{m.group(2)}")
                else:
                    n_fail += 1
                    res.fail(f"host/{name}/{m.group(2)}", "see output above")
        if p.returncode != 0 and n_fail == 0:
            res.fail(f"host/{name}", f"exit {p.returncode}:\n{out[-3000:]}")
        elif n_fail:
            res.lines.append(out[-3000:])
        elif n_ok == 0:
            res.fail(f"host/{name}", "ran no tests")


_prepare_lock = threading.Lock()
_prepared = {}  # prepare function -> None (done) or the exception it raised


def _prepare_once(fn, build):
    """Boots run in parallel and several share one image generator: each
    generator runs once, under a lock, before the first boot that needs it
    (a second run would rewrite an image another QEMU is reading)."""
    with _prepare_lock:
        if fn not in _prepared:
            try:
                fn(build)
                _prepared[fn] = None
            except Exception as e:
                _prepared[fn] = e
        if _prepared[fn] is not None:
            raise _prepared[fn]


def run_boot(spec, build):
    """Runs one boot of the plan; returns a Result.  Whatever goes wrong in
    the harness (a tool missing, QEMU not starting, a bug in a check) is that
    boot's failure, never the end of the run."""
    res = Result(spec["name"])
    try:
        return _run_boot(spec, build, res)
    except Exception as e:
        res.fail(spec["name"] + " (harness)", _harness_error(e))
        return res


def _harness_error(e):
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    return f"{type(e).__name__}: {e}\n    " + "".join(tb[-3:]).rstrip().replace("\n", "\n    ")


def _run_boot(spec, build, res):
    kernel = os.path.join(build, "adros.elf")
    if spec.get("skip"):
        # A boot that cannot run here (e.g. the rump components are absent):
        # each test it stands for is reported as skipped, with the reason.
        for t in spec.get("tests", [spec["name"]]):
            res.skip(t, spec["skip"])
        return res
    if spec.get("run"):
        # A check that boots by itself (or not at all), run among the boots.
        spec["run"](res, build)
        return res
    if spec.get("prepare"):
        try:
            _prepare_once(spec["prepare"], build)
        except Exception as e:  # a broken image generator is a failure, not a crash
            res.fail(spec["name"], f"preparing the boot failed: {e}")
            return res
    logdir = os.path.join(build, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    b = qemu.boot(kernel, spec["cmdline"], spec.get("disks", ()), spec.get("timeout", 180),
                  spec.get("mem", 256), spec.get("extra", ()), spec.get("stdin"),
                  log=os.path.join(logdir, spec["name"] + ".log"), machine=spec.get("machine", "pc"))
    res.boot = b
    if spec.get("check"):
        spec["check"](b, res)
        return res
    plan, suites = parse_ktap(b.output)
    for sname, sok, cases in suites:
        for num, cname, status, directive in cases:
            full = f"{sname}/{cname}"
            if status == "ok":
                res.ok(full, directive.replace("# ", "(", 1) + ")" if directive else "")
            elif status == "skip":
                res.skip(full, directive.split("# SKIP", 1)[1].strip())
            else:
                ctx = failure_context(b.output, cname)
                res.fail(full, "\n        ".join([""] + ctx) if ctx else "failed")
        if not cases:
            (res.ok if sok else res.fail)(sname, "" if sok else "suite failed")
    problems = []
    if plan is None:
        problems.append("no KTAP plan (did the tests start?)")
    elif plan != len(suites):
        problems.append(f"KTAP plan said {plan} suites, {len(suites)} reported")
    if b.timed_out or b.status != qemu.EXIT_OK:
        if not (b.status == qemu.EXIT_FAIL and res.failed and not b.timed_out):
            problems.append(b.describe())
    if problems:
        res.fail(spec["name"] + " (boot)", "; ".join(problems) + "\n    last console lines:\n      " +
                 b.tail(30).replace("\n", "\n      "))
    for post in spec.get("post", ()):
        post(b, res)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", dest="select", default="", help="comma list of name fragments")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-j", dest="jobs", type=int, default=2)
    args = ap.parse_args()
    # Files the tests generate get the same modes whatever the caller's
    # umask (002 is the default for users on many systems).
    os.umask(0o022)
    sel = [s for s in args.select.split(",") if s]
    boots = [b for b in testplan.boots(args.build) if not sel or any(s in b["name"] for s in sel)]
    if args.list:
        for b in boots:
            print(b["name"], "|", b.get("cmdline", ""))
        return 0

    results = []
    try:
        host = Result("host")
        try:
            run_host_tests(host, args.build, sel)
        except Exception as e:
            host.fail("host (harness)", _harness_error(e))
        if host.passed or host.failed:
            results.append(host)
            report(host)
        with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            futs = [ex.submit(run_boot, b, args.build) for b in boots]
            for f in futs:
                r = f.result()
                results.append(r)
                report(r)
        for chk in testplan.cross_checks():
            r = Result(chk.__name__)
            try:
                chk(results, r, args.build)
            except Exception as e:
                r.fail(chk.__name__ + " (harness)", _harness_error(e))
            if r.passed or r.failed or r.skipped:
                results.append(r)
                report(r)
    finally:
        # The closing line is printed whatever happened above (Ctrl-C too).
        p = sum(r.passed for r in results)
        f = sum(r.failed for r in results)
        s = sum(r.skipped for r in results)
        print()
        print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
        sys.stdout.flush()
    return 1 if f else 0


def report(r):
    status = "FAIL" if r.failed else "PASS"
    extra = f", {r.skipped} skipped" if r.skipped else ""
    t = getattr(r, "boot", None)
    tt = f" [{t.elapsed:.1f}s]" if t else ""
    print(f"{status} {r.group}: {r.passed} passed, {r.failed} failed{extra}{tt}")
    for line in r.lines:
        if not line.startswith("  ok"):
            print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
