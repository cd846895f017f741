"""Short fuzzing runs in `make test` (the long ones are `make fuzz`):

  fuzz-options-short   tools/test/fuzzopts.py: 8 boots with random, huge, empty
                       and missing values for random kernel options; none
                       may panic AdrOS or the rump kernel, none may hang
  fuzz-fs-short        tools/test/fsfuzz.py: one disk of 32 mutated ext2,
                       FFS, FAT and ISO 9660 images mounted, walked and
                       written through NetBSD's drivers (about one boot;
                       again after a NetBSD panic or hang, which are saved
                       and reported, not failures); AdrOS must never panic
                       and every image must get an outcome
  fuzz-fs-known-<case> images that made NetBSD's code fail, rebuilt on
                       purpose (fsfuzz.known_cases): an FFS cylinder group
                       whose inode rotor sends ffs's allocator through a
                       wild pointer (a CPU fault in NetBSD's code), an FFS
                       image on which ffs_valloc releases a mutex it does
                       not hold, an ext2 image on which genfs_lock is taken
                       twice (both caught by the hypercall layer), an ext2
                       superblock with no fragments per group (a divide
                       error in __divdi3 under ext2fs), and an
                       ext2 image ext2fs refuses followed by a good FFS
                       one (a KASSERT in NetBSD's specfs): each must end
                       as a contained rump kernel panic, AdrOS going on to
                       the end of the walk
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
                        "--per-disk", "32", "--boots", "3"], capture_output=True, text=True, timeout=900)
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


def _known(name):
    def run(res, build):
        why = fsfuzz_missing()
        if why:
            res.skip(f"fuzz-fs-known-{name}", why)
            return
        import fsfuzz
        work = os.path.join(build, "fsfuzz")
        os.makedirs(work, exist_ok=True)
        imgs, want = fsfuzz.known_cases(work)[name]
        disk = os.path.join(work, f"known-{name}.img")
        fsfuzz.pack(disk, [i + b"\0" * (fsfuzz.IMG_SECTORS * 512 - len(i)) for i in imgs])
        os.makedirs(os.path.join(build, "test-logs"), exist_ok=True)
        log = os.path.join(build, "test-logs", f"fuzz-fs-known-{name}.log")
        events, text = fsfuzz.walk_boot(os.path.join(build, "adros.elf"), [disk], {"hda": 5}, log, 180)
        last = events[-1] if events else (None, "nothing")
        if "KERNEL PANIC (thread" in text.replace("RUMP KERNEL PANIC", ""):
            res.fail(f"fuzz-fs-known-{name}: AdrOS does not panic", text[-2500:])
        elif last[1] != want or last[0] != f"hda{4 + len(imgs)}":
            res.fail(f"fuzz-fs-known-{name}: {want} on the last image", f"outcomes {events}\n" + text[-2500:])
        elif "FSWALK-END" not in text:
            res.fail(f"fuzz-fs-known-{name}: AdrOS goes on to the end of the walk", text[-2500:])
        else:
            m = re.search(r"(RUMP KERNEL FAULT[^\n]*|panic: [^\n]{0,160})", text)
            res.ok(f"fuzz-fs-known-{name}: contained ({m.group(1).strip() if m else want}), AdrOS went on")
    return run


def boots(build):
    plan = [{"name": "fuzz-fs-short", "cmdline": "", "run": _fuzz_fs_short}]
    for name in ("ffs-irotor", "ffs-nifree", "ext2-ibitmap", "ext2-fpg0", "ext2-refused-then-ffs"):
        plan.append({"name": f"fuzz-fs-known-{name}", "cmdline": "", "run": _known(name)})
    return plan


def cross_checks():
    return [_fuzz_options_short]
