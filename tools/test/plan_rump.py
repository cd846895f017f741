"""Test boots for the hypercall layer (src/rump/).

  rumpuser        the conformance suite against the stand-in rump kernel,
                  with parameters set on the command line (the suite reads
                  the same options back through rumpuser_getparam)
  rumpuser-panic  rumpuser_exit(RUMPUSER_PANIC) gives AdrOS's panic report
  rumpuser-lwp    curlwpop(SET) over a set lwp is caught (panic)
  rumpreal        the real NetBSD rump kernel (when linked: rump_init and
                  rump system calls from several threads; else KTAP SKIP)
"""
import re

from common import expect_panic


def boots(build):
    return [
        {"name": "rumpuser",
         "cmdline": "ktest=rumpuser rump=off rump.RUMP_MEMLIMIT=8m rump._RUMPUSER_HOSTNAME=rumptest "
                    "rump.RUMP_NVNODES=1234 rump.RUMP_NCPU=0 rump.RUMP_BLKSECTSHIFT=abc",
         "timeout": 300},
        {"name": "rumpuser-panic", "cmdline": "rump=off rumptest.crash=panic", "timeout": 60,
         "check": expect_panic([r"rump kernel panic", r"Backtrace:", r"rumpuser_exit\+"])},
        {"name": "rumpuser-lwp", "cmdline": "rump=off rumptest.crash=curlwp", "timeout": 60,
         "check": expect_panic([r"rumpuser_curlwpop\(SET", r"rumpuser_curlwpop\+"])},
        {"name": "rumpreal", "cmdline": "ktest=rumpreal", "timeout": 300},
    ]
