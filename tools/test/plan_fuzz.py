"""Short fuzzing runs in `make test` (the long ones are `make fuzz`):

  fuzz-options-short   tools/test/fuzzopts.py: 8 boots with random, huge, empty
                       and missing values for random kernel options; none
                       may panic AdrOS or the rump kernel, none may hang
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _fuzz_options_short(results, res, build):
    p = subprocess.run([sys.executable, os.path.join(HERE, "fuzzopts.py"), "--build", build, "--boots", "8"],
                       capture_output=True, text=True, timeout=900)
    m = re.search(r"fuzzopts: (\d+) boots, (\d+) failed", p.stdout)
    if p.returncode == 0 and m and m.group(2) == "0":
        res.ok(f"fuzz-options-short: {m.group(1)} boots with malformed options, no panic, no hang")
    else:
        res.fail("fuzz-options-short", (p.stdout + p.stderr)[-3000:])


def boots(build):
    return []


def cross_checks():
    return [_fuzz_options_short]
