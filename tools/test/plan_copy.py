"""The kernel's copy routines (src/lib/string.c): memcpy, memmove and memset
checked against byte loops at every length 0..300, every alignment and
overlap (suite copy, tests/kernel/copy.c).  Their speed is `bench=copy`, in
the core boot of tools/runbench.py.

  copy    ktest=copy, no disks, no rump components needed
"""


def boots(build):
    return [{"name": "copy", "cmdline": "initcalls=off ktest=copy", "timeout": 240}]
