"""What the test plans share.  The plans (tools/test/plan_*.py) are leaves:
they import this module and the other helpers here (disks.py, fsdetect.py),
never one another; check_leaves() holds them to it.

Importing this module puts the other tool folders on sys.path
(tools/qemu, tools/images, tools/bench), so `import qemu` or `import
mkimages` works from any plan; the runners in tools/test and tools/bench
import it first.

  ROOT, TOOLS, RUMP_DIR          the tree, tools/, the rump components
  plans(), area_benches()        the plan modules; their bench boots
  rump_present(), linked_stages()  what the kernel links (make asked once)
  check_patterns(), expect_panic()  result helpers
  pattern(), mkfs()              test data and ext2 images
  manifest_lines(), host_manifest(), compare_manifest()
  Steps, safe(), end_two_guests()  interactive sessions (qemu_interactive)
  expect_out(), lines(), t_system(), t_ctrl_c_sleep()  shell steps
"""
import functools
import hashlib
import os
import re
import subprocess
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
HERE = os.path.join(TOOLS, "test")
for _d in ("qemu", "images", "bench"):
    if os.path.join(TOOLS, _d) not in sys.path:
        sys.path.append(os.path.join(TOOLS, _d))

import qemu  # noqa: E402
import qemu_interactive as qi  # noqa: E402

# As make resolves it: relative to the project root (make test RUMP_DIR=...
# puts it in the environment); RUMP=off means none.
RUMP_DIR = os.path.join(ROOT, os.environ.get("RUMP_DIR", os.path.join("third_party", "rump")))
MANIFEST_SH = os.path.join(TOOLS, "images", "manifest.sh")
# The boot log line of ioapic=on (src/arch/x86/ioapic.c).
APIC_LOG_RX = r"(?m)^irq: I/O APIC at 0x[0-9a-f]+ \(\d+ lines, version 0x[0-9a-f]+\), LAPIC \d+ at 0x[0-9a-f]+"


# --- the plans ---------------------------------------------------------------

def plans():
    """The plan modules, tools/test/plan_<area>.py, in file-name order;
    refuses to go on when one imports another (see check_leaves())."""
    import glob
    import importlib
    bad = check_leaves()
    if bad:
        raise SystemExit("plans are leaves, but " + "; ".join(f"{p} imports {m}" for p, m in bad) +
                         ": move what they share into tools/test/common.py (or disks.py, fsdetect.py)")
    return [importlib.import_module(os.path.basename(p)[:-3])
            for p in sorted(glob.glob(os.path.join(HERE, "plan_*.py")))]


def area_benches(build):
    """The plans' extra bench boots (a benches(build) function), for
    tools/bench/runbench.py and tools/bench/linuxref.py."""
    extra = []
    for m in plans():
        if hasattr(m, "benches"):
            extra += m.benches(build)
    return extra


def check_leaves():
    """The tool modules that import a plan (only plans() may load them):
    [(file, the plan it imports)]."""
    import glob
    bad = []
    for p in sorted(glob.glob(os.path.join(TOOLS, "*", "*.py"))):
        with open(p) as f:
            for m in re.finditer(r"^\s*(?:from|import)\s+(plan_\w+)", f.read(), re.M):
                bad.append((os.path.relpath(p, TOOLS), m.group(1)))
    return bad


# --- the rump kernel's components ----------------------------------------------

def rump_present():
    """The rump components are there (the base archive and rump/ headers)
    and not turned off (RUMP=off)."""
    if os.environ.get("RUMP") == "off":
        return False
    return os.path.exists(os.path.join(RUMP_DIR, "lib", "librump.a")) and \
        os.path.exists(os.path.join(RUMP_DIR, "include", "rump", "rumpuser.h"))


@functools.lru_cache(maxsize=None)
def _make_vars():
    p = subprocess.run(["make", "-s", "-C", ROOT, "-pn", "kernel"], capture_output=True, text=True)
    return p.stdout


def _stages():
    m = re.search(r"^RUMP_LINKED_STAGES :?= *(.*)$", _make_vars(), re.M)
    return tuple(m.group(1).split()) if m else ()


def linked_archives():
    """The archives mk/rump.mk links (librump, librumpdev_virtio_ld...)."""
    m = re.search(r"^RUMP_LIBS :?= *(.*)$", _make_vars(), re.M)
    return m.group(1).split() if m else []


def linked_stages():
    """The stages mk/rump.mk links with the components present, as a list;
    make is asked once per process."""
    return list(_stages())


# --- results -------------------------------------------------------------------

def check_patterns(res, text, want, prefix, context=""):
    """One test result per (pattern, what) in want: ok when the pattern is
    found in text, else a failure showing context (e.g. the console tail)."""
    for pat, what in want:
        if re.search(pat, text):
            res.ok(f"{prefix}{what}")
        else:
            res.fail(f"{prefix}{what}", f"no /{pat}/ in the output" + (f":\n{context}" if context else ""))


def expect_panic(patterns):
    """A check for death tests: the boot must end in a panic whose report
    matches every pattern."""
    def check(b, res):
        name = res.group
        if b.timed_out:
            res.fail(name, "timed out instead of panicking")
            return
        if b.status != qemu.EXIT_PANIC:
            res.fail(name, f"expected a panic, got: {b.describe()}\n" + b.tail(15))
            return
        for pat in patterns:
            if re.search(pat, b.output):
                res.ok(f"{name}: /{pat}/")
            else:
                res.fail(name, f"panic report lacks /{pat}/:\n" + b.tail(25))
    return check


# --- test data -----------------------------------------------------------------

def pattern(seed, n, off=0):
    """The content generator of tests/kernel/rump_stage1.c (and rump_fat.c)."""
    return bytes(((i * 131 + seed * 7 + (i >> 10)) & 0xff) for i in range(off, off + n))


def mkfs(img, size_mb, tree=None, block=1024, inodes=None):
    """A fresh ext2 image of size_mb MiB, holding tree when given."""
    if os.path.exists(img):
        os.remove(img)
    cmd = ["mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block)]
    if inodes:
        cmd += ["-N", str(inodes)]
    if tree:
        cmd += ["-d", tree]
    subprocess.run(cmd + [img, f"{size_mb}M"], check=True, capture_output=True)


# --- manifests -----------------------------------------------------------------

def manifest_lines(text):
    """MANIFEST-BEGIN..MANIFEST-END from a boot's output, or None."""
    lines = [l.rstrip("\r") for l in text.splitlines()]
    try:
        a = lines.index("MANIFEST-BEGIN")
    except ValueError:
        return None
    out = []
    for l in lines[a:]:
        # Manifest lines start with a one-letter type and a space; kernel
        # log lines of other threads are anything else ("rump: ... started"
        # when the rump kernel's start-up ends mid-walk, NetBSD's own
        # "WARNING: ZFS on NetBSD is under development" with the full
        # component set, its "cprng kernel: failed statistical RNG test"
        # when its output's FIPS runs test fails by chance).  A garbled
        # manifest line is then missing from the comparison, never hidden.
        if not re.match(r"[a-z] ", l) and not l.startswith("MANIFEST-"):
            continue
        out.append(l)
        if l.startswith("MANIFEST-END"):
            return out
    return None


def host_manifest(tree):
    """tools/images/manifest.sh on a host directory, as lines."""
    return subprocess.run([MANIFEST_SH, tree], capture_output=True, text=True, check=True).stdout.splitlines()


def compare_manifest(b, res, tree, equal="every line equal"):
    """The boot's manifest against the host's of tree: one ok, or one
    failure showing the first lines that differ."""
    name = res.group
    guest = manifest_lines(b.output)
    if guest is None:
        res.fail(name, "no complete MANIFEST-BEGIN..MANIFEST-END in the output\n" + b.tail(20))
        return
    host = host_manifest(tree)
    if guest == host:
        res.ok(f"{name}: {len(host) - 2} objects, {equal}")
        return
    diffs = []
    for i in range(max(len(guest), len(host))):
        g = guest[i] if i < len(guest) else "(none)"
        h = host[i] if i < len(host) else "(none)"
        if g != h:
            diffs.append(f"line {i + 1}:\n      guest: {g}\n      host:  {h}")
        if len(diffs) >= 5:
            break
    res.fail(name, f"manifest differs from tools/images/manifest.sh {tree}:\n    " + "\n    ".join(diffs))


# --- interactive sessions ------------------------------------------------------

class Steps:
    """Runs named checks against one session; a timeout or a failed check
    is recorded and the session resynchronised for the next one."""

    def __init__(self, s, res, prefix):
        self.s, self.res, self.prefix = s, res, prefix
        self.dead = False

    def run(self, name, fn):
        full = f"{self.prefix}: {name}"
        if not self.s.alive():
            self.res.fail(full, "QEMU is no longer running")
            return
        if self.dead:
            self.res.fail(full, "not run: the shell stopped answering after an earlier failure")
            return
        try:
            err = fn(self.s)
        except qi.Timeout as e:
            err = f"timeout: {e}"
        except AssertionError as e:
            err = str(e) or "check failed"
        if err:
            self.res.fail(full, err)
            self.resync()
        else:
            self.res.ok(full)

    def resync(self):
        try:
            self.s.send("\x03")
            self.s.quiet(0.5, 10)
            self.s.command("", timeout=10)
        except qi.Timeout:
            self.dead = True


def safe(fn):
    """A session step whose host-side errors (a refused or reset socket, a
    client library exception) become a failure message, not a crash."""
    def run(s):
        try:
            return fn(s)
        except (qi.Timeout, AssertionError):
            raise
        except Exception as e:  # noqa: BLE001
            return f"{type(e).__name__}: {e}"
    return run


def sha256_file(path):
    """The sha256 (hex) of a file, read 1 MiB at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def end_two_guests(steps, sessions, res, name, logs):
    """Powers off two guests (their Steps and qi.Sessions) and fails
    "<name>: no panic" if either panicked."""
    for st in steps:
        st.run("poweroff", qi.poweroff_step)
    for s in sessions:
        if s.alive():
            s.close(1)
        if "KERNEL PANIC" in s.text():
            res.fail(f"{name}: no panic", "a guest panicked; see " + str(logs))


def end_session(st, s, res, name, log, qmp_client=None):
    """Powers off one guest (its Steps and qi.Session), closes its QMP
    client, and fails "<name>: no panic" if it panicked."""
    st.run("poweroff exits QEMU cleanly", qi.poweroff_step)
    if qmp_client:
        qmp_client.close()
    if s.alive():
        s.close(1)
    if "KERNEL PANIC" in s.text():
        res.fail(f"{name}: no panic", "the session panicked; see " + log)


def lines(text):
    return [l.rstrip() for l in text.replace("\r", "").split("\n")]


def expect_out(s, cmd, pattern, timeout=20):
    """None when cmd's output matches pattern, else what went wrong."""
    out = s.command(cmd, timeout)
    if not re.search(pattern, out, re.M):
        return f"`{cmd}` printed {out[-600:]!r}, expected /{pattern}/"
    return None


def t_system(s):
    """The shell's system commands each print what they should."""
    for cmd, pat in [("echo hello world", r"^hello world\r?$"),
                     ("ps", r"^\s+\d+\s+\d+ \w+ .* sh:ps\r?$"),
                     ("free", r"^pages:  total \d+ KiB"),
                     ("uptime", r"^up \d+:\d\d:\d\d\.\d{3} "),
                     ("date", r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"),
                     ("dmesg 3", r"^\[\s*\d+\.\d{6}\] [IDWENCA!] "),
                     ("dmesg -l err", r"^"),
                     ("cmdline", r"panic=poweroff vga=off"),
                     ("cmdline -o", r"^  run\s+run="),
                     ("lsblk", r"^NAME\s+TYPE\s+SIZE"),
                     ("sleep 0.2", r"^$"),
                     ("rump", r"^rump")]:
        err = expect_out(s, cmd, pat)
        if err:
            return err
    return None


def t_ctrl_c_sleep(s):
    """Ctrl-C stops `sleep 30` within 5 s and the shell answers."""
    import time
    start = s.mark()
    s.send("sleep 30\r")
    s.expect(r"sleep 30\r\n", 10, start=start)
    # At once: a Ctrl-C right after Enter, before the command's thread may
    # even exist, interrupts it too.
    t0 = time.monotonic()
    s.send("\x03")
    s.expect(r"\^C\r?\n(.|\n)*\[exit 130\] sleep 30\r?\n" + qi.PROMPT_RX, 10, start=start)
    took = time.monotonic() - t0
    if took > 5:
        return f"sleep 30 took {took:.1f}s to stop after Ctrl-C"
    return expect_out(s, "echo alive-after-sleep", r"^alive-after-sleep\r?$")
