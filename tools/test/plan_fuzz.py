"""Short fuzzing runs in `make test` (the long ones are `make fuzz`):

  fuzz-options-short   tools/test/fuzzopts.py: 8 boots with random, huge, empty
                       and missing values for random kernel options; none
                       may panic AdrOS or the rump kernel, none may hang
  fuzz-fs-short        tools/test/fsfuzz.py: one disk of 40 mutated ext2,
                       FFS, FAT and ISO 9660 images mounted, walked and
                       written through NetBSD's drivers (about one boot;
                       again after a NetBSD panic or hang, which are saved
                       and reported, not failures); AdrOS must never panic
                       and every image must get an outcome
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


def _fuzz_fs_short(res, build):
    why = fsfuzz_missing()
    if why:
        res.skip("fuzz-fs-short", why)
        return
    p = subprocess.run([sys.executable, os.path.join(HERE, "fsfuzz.py"), "--build", build, "--disks", "1",
                        "--per-disk", "40", "--boots", "4"], capture_output=True, text=True, timeout=900)
    m = re.search(r"fsfuzz: (\d+) images .*?(\d+) AdrOS panics", p.stdout)
    if p.returncode == 0 and m and m.group(2) == "0" and int(m.group(1)) > 0:
        res.ok("fuzz-fs-short: " + m.group(0).split("fsfuzz: ", 1)[1])
        for line in p.stdout.splitlines():
            if "replay:" in line and "saved" in line:
                res.ok("fuzz-fs-short: (contained) " + line.strip().split("fsfuzz: ", 1)[1][:300])
    else:
        res.fail("fuzz-fs-short", (p.stdout + p.stderr)[-3000:])


def fsfuzz_missing():
    sys.path.insert(0, HERE)
    import fsfuzz
    return fsfuzz.missing()


def boots(build):
    return [{"name": "fuzz-fs-short", "cmdline": "", "run": _fuzz_fs_short}]


def cross_checks():
    return [_fuzz_options_short]
