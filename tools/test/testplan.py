"""What `make test` boots.  Each entry is one QEMU boot:

  name      shown in the report (and matched by `runtests.py -k`)
  cmdline   kernel command line (panic=poweroff vga=off are added)
  disks     QEMU -drive arguments (strings) or argument lists
  prepare   callable(build) run first (make disk images)
  check     callable(boot, result) replacing KTAP parsing (death tests)
  post      callables(boot, result) run after KTAP parsing
  timeout   seconds (default 180)
  skip      a reason: the boot is not run and its tests (names in "tests")
            are reported as skipped

cross_checks() are run after all boots with every result (for checks that
compare boots, like "entropy differs between two boots").
"""
import re

import common
from common import expect_panic


def _area_plans():
    """tools/test/plan_<area>.py modules add their own boots and cross checks."""
    return common.plans()


def boots(build):
    plan = [
        {"name": "core", "cmdline": "initcalls=off ktest=printf,cmdline,pmm,kmalloc,irq", "timeout": 240},
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
    for m in _area_plans():
        plan += m.boots(build)
    return plan


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


def cross_checks():
    checks = [_entropy_differs]
    for m in _area_plans():
        checks += getattr(m, "cross_checks", lambda: [])()
    return checks
