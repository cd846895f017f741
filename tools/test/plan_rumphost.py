"""The rump-host reference of `make bench` (tools/bench/rumphost.c, issue 24):
NetBSD's rump kernel on NetBSD's POSIX hypercall library as a Linux
program.  No guest boots here: these run on the build machine.

  rumphost-build-why   the build says why it cannot be done (no components,
                       sources unreachable), and the comparison prints the
                       Linux-hosted rows as skipped with that reason: what
                       `make bench` does on a machine without the sources
  rumphost-host        the program built, run on an ext2 image (not a disk:
                       rumpuser's etfs takes a file too) with -n (Linux's
                       caches left alone on a shared machine): every read
                       reads the whole file, the writes' 32 MiB reach the
                       image (e2fsck clean afterwards, the file gone as
                       the workload deletes it), hypercalls were counted
"""
import os
import re
import shutil
import subprocess
import tempfile

import common
import linuxref

BUILD_SH = os.path.join(common.TOOLS, "bench", "rumphost-build.sh")
FILE_MIB = 8


def _build_why(res, build):
    name = "rumphost-build-why"
    with tempfile.TemporaryDirectory() as t:
        empty = os.path.join(t, "empty")
        os.makedirs(empty)
        p = subprocess.run([BUILD_SH, empty, os.path.join(t, "w"), os.path.join(t, "out")],
                           capture_output=True, text=True, timeout=60)
        if p.returncode == 1 and "no rump kernel components" in p.stderr:
            res.ok(f"{name}: no components: {p.stderr.strip()}")
        else:
            res.fail(f"{name}: no components", f"exit {p.returncode}: {p.stderr.strip()[-300:]}")
        if not common.rump_present():
            res.skip(f"{name}: sources unreachable", "no rump components (RUMP_DIR)")
        else:
            env = dict(os.environ, RUMP_SRC_URL=os.path.join(t, "no-such-repository"))
            p = subprocess.run([BUILD_SH, common.RUMP_DIR, os.path.join(t, "w"), os.path.join(t, "out")],
                               capture_output=True, text=True, timeout=120, env=env)
            if p.returncode == 1 and "cannot clone" in p.stderr and not os.path.exists(os.path.join(t, "out")):
                res.ok(f"{name}: sources unreachable: {p.stderr.strip()[:120]}")
            else:
                res.fail(f"{name}: sources unreachable", f"exit {p.returncode}: {p.stderr.strip()[-300:]}")
    # The runner's table: the AdrOS figure with "-" for Linux, and the reason.
    info = {"kver": "k", "packages": [], "mirror": "rump_ext2", "boot_s": 1.0, "elapsed_s": 2.0,
            "rumphost": linuxref.rumphost_info("", "cannot clone X")}
    adros = [{"bench": "rump_ext2", "metric": "cold seq read 4KiB rump", "ns": 10 ** 9, "note": "33 MB/s over 32 MiB"}]
    text = "\n".join(linuxref.format_comparison(adros, [], info))
    want = [r"NetBSD ext2fs cold read, 4 KiB\s+hosted by AdrOS\s+33\.55\s+-\s+-",
            r"rump-host reference\): skipped, not built: cannot clone X"]
    miss = [w for w in want if not re.search(w, text)]
    if miss:
        res.fail(f"{name}: the table says skipped", f"missing {miss} in:\n{text}")
    else:
        res.ok(f"{name}: the table says skipped")


def _host(res, build):
    name = "rumphost-host"
    if not common.rump_present():
        res.skip(name, "no rump components (RUMP_DIR)")
        return
    for tool in ("mke2fs", "e2fsck", "debugfs"):
        if not shutil.which(tool):
            res.skip(name, f"{tool} not found")
            return
    d = os.path.join(build, "rumphost-test")
    os.makedirs(d, exist_ok=True)
    prog = os.path.join(d, "rumphost")
    why = linuxref.build_rumphost(build, prog)
    if why:
        res.skip(name, f"cannot build it here: {why}")
        return
    tree = os.path.join(d, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(os.urandom(FILE_MIB << 20))
    img = os.path.join(d, "disk.img")
    common.mkfs(img, 48, tree, block=4096)
    p = subprocess.run([prog, "-n", img, "/big.bin"], capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    if p.returncode:
        res.fail(name, f"exit {p.returncode}:\n{out[-2000:]}")
        return
    ok = True
    for size in ("4KiB", "64KiB", "1MiB"):
        m = re.search(rf'"metric":"cold seq read {size}".*over (\d+) MiB', out)
        h = re.search(rf"# rumphost hypercalls cold read {size}: bio (\d+)", out)
        if not m or int(m.group(1)) != FILE_MIB or not h or int(h.group(1)) == 0:
            res.fail(f"{name}: cold read {size}", f"want {FILE_MIB} MiB read through counted rumpuser_bio calls:\n{out}")
            ok = False
        w = re.search(rf'"metric":"seq write 32MiB {size} fsync".*over (\d+) MiB', out)
        hw = re.search(rf"# rumphost hypercalls write {size}: bio (\d+) .*bio average (\d+) KiB", out)
        # 32 MiB reached the image through rumpuser_bio before fsync returned.
        if not w or int(w.group(1)) != 32 or not hw or int(hw.group(1)) * int(hw.group(2)) < 30 * 1024:
            res.fail(f"{name}: write {size}", f"want 32 MiB written through rumpuser_bio:\n{out}")
            ok = False
    fsck = subprocess.run(["e2fsck", "-fn", img], capture_output=True, text=True)
    ls = subprocess.run(["debugfs", "-R", "ls /", img], capture_output=True, text=True)
    if fsck.returncode or "big.bin" in ls.stdout or "write.bin" in ls.stdout:
        res.fail(f"{name}: the image afterwards", f"e2fsck exit {fsck.returncode}: {fsck.stdout[-600:]}\nls /: {ls.stdout}")
        ok = False
    if ok:
        res.ok(name, "; ".join(l for l in out.splitlines() if "cold seq read 1MiB" in l or "rump_init" in l)[:200])


def boots(build):
    return [{"name": "rumphost-build-why", "run": _build_why},
            {"name": "rumphost-host", "run": _host}]
