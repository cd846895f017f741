"""What `make test` boots.  Each entry is one QEMU boot:

  name      shown in the report (and matched by `runtests.py -k`)
  cmdline   kernel command line (panic=poweroff vga=off are added)
  disks     QEMU -drive arguments (strings) or argument lists
  prepare   callable(build) run first (make disk images)
  check     callable(boot, result) replacing KTAP parsing (death tests)
  post      callables(boot, result) run after KTAP parsing
  timeout   seconds (default 180)
  run       callable(result, build) replacing the boot (checks that boot by
            themselves or need no boot, run in parallel with the boots)
  skip      a reason: the boot is not run and its tests (names in "tests")
            are reported as skipped

cross_checks() are run after all boots with every result (for checks that
compare boots, like "entropy differs between two boots").
"""
import glob
import importlib
import os
import re

import common
from common import expect_panic


def _area_plans():
    """tools/test/plan_<area>.py modules add their own boots and cross
    checks: [(name, module)], or (name, the exception) for one that cannot
    load (a broken plan is its own failure, not the end of the run)."""
    bad = common.check_leaves()
    if bad:
        return [("plan-leaves", Exception("plans are leaves, but " + "; ".join(f"{p} imports {m}" for p, m in bad)))]
    mods = []
    for path in sorted(glob.glob(os.path.join(common.HERE, "plan_*.py"))):
        name = os.path.basename(path)[:-3]
        try:
            mods.append((name, importlib.import_module(name)))
        except Exception as e:
            mods.append((name, e))
    return mods


def boots(build):
    plan = [
        {"name": "core", "cmdline": "initcalls=off ktest=printf,cmdline,pmm,kmalloc,irq,prof", "timeout": 240},
        {"name": "threads", "cmdline": "initcalls=off ktest=sched,schedregress,fpu,tls,time", "timeout": 300},
        {"name": "sync", "cmdline": "initcalls=off ktest=sync", "timeout": 300},
        {"name": "entropy-1", "cmdline": "ktest=entropy", "timeout": 120},
        {"name": "entropy-2", "cmdline": "ktest=entropy", "timeout": 120},
        {"name": "death-null", "cmdline": "crashtest=null", "timeout": 60,
         "check": expect_panic([r"Page fault \(#PF\)", r"NULL pointer dereference",
                                 r"EIP=[0-9a-f]+ in crash_test\+", r"Backtrace:\n\s+\[0x[0-9a-f]+\] crash_test\+"])},
        {"name": "death-stack", "cmdline": "crashtest=stack", "timeout": 60,
         "check": expect_panic([r"guard page"])},
        {"name": "death-doublefree", "cmdline": "crashtest=kfree", "timeout": 60,
         "check": expect_panic([r"kfree\(0x[0-9a-f]+\): double free"])},
        {"name": "death-spinsleep", "cmdline": "crashtest=spinsleep", "timeout": 60,
         "check": expect_panic([r"blocking while holding a spinlock"])},
        {"name": "bad-cmdline", "cmdline": "ktest=cmdline =oops bad\"opt=1 unknownopt=3 x=\"unterminated",
         "timeout": 60, "post": [_check_cmdline_warnings]},
    ]
    for name, m in _area_plans():
        if isinstance(m, Exception):
            plan.append(_broken_plan(name, m))
            continue
        try:
            plan += m.boots(build)
        except Exception as e:
            plan.append(_broken_plan(name, e))
    return plan


def _broken_plan(name, e):
    """A plan that cannot load or list its boots is one failing entry."""
    def run(res, build):
        res.fail(name, f"the plan failed: {type(e).__name__}: {e}")
    return {"name": name, "run": run}


def _check_cmdline_warnings(b, res):
    for pat in [r'ignoring "=oops": empty option name', r'unknown option "unknownopt" ignored',
                r'ignoring "x="unterminated"']:
        if re.search(pat, b.output):
            res.ok(f"bad-cmdline reports /{pat}/")
        else:
            res.fail("bad-cmdline", f"no warning matching /{pat}/")


def _entropy_differs(results, res, build):
    samples = []
    for r in results:
        if r.group.startswith("entropy-") and getattr(r, "boot", None):
            m = re.search(r"ENTROPY-SAMPLE ([0-9a-f]+)", r.boot.output)
            if m:
                samples.append(m.group(1))
    if len(samples) < 2:
        if any(r.group.startswith("entropy-") for r in results):
            res.fail("entropy/differs-between-boots", "no ENTROPY-SAMPLE line in the entropy boots")
        return
    if samples[0] != samples[1]:
        res.ok("entropy/differs-between-boots")
    else:
        res.fail("entropy/differs-between-boots", f"two boots produced the same output {samples[0]}")


def _clock_calibrations_agree(results, res, build):
    """Every boot measures the TSC against the PIT: on one host all must
    agree (a boot whose calibration a busy host disturbed runs its clock
    fast or slow, and every timer with it)."""
    mhz = []
    for r in results:
        b = getattr(r, "boot", None)
        m = re.search(r"clock: TSC (\d+\.\d+) MHz \(pit-calibrated", b.output) if b else None
        if m:
            mhz.append((float(m.group(1)), r.group))
    if len(mhz) < 3:
        return
    med = sorted(f for f, _ in mhz)[len(mhz) // 2]
    off = [f"{g}: {f:.3f} MHz" for f, g in mhz if abs(f - med) > med * 0.002]
    name = f"clock/calibration: {len(mhz)} boots agree within 0.2 % (median {med:.3f} MHz)"
    (res.fail(name, "; ".join(off)) if off else res.ok(name))


def cross_checks():
    checks = [_entropy_differs, _clock_calibrations_agree]
    for name, m in _area_plans():
        if not isinstance(m, Exception):
            checks += getattr(m, "cross_checks", lambda: [])()
    return checks
