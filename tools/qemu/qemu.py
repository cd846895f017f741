"""Boot AdrOS under QEMU headless and capture the serial console.

Shared by the test runner and the benchmark runner.  Every boot has a time
limit; a hang is reported as such, never waited out.  The kernel reports its
outcome through QEMU's isa-debug-exit device: QEMU exits with
(status << 1) | 1, status 0 = success, 1 = failure, 2 = panic.
"""
import os
import subprocess
import time

EXIT_OK, EXIT_FAIL, EXIT_PANIC = 1, 3, 5
EXIT_NAMES = {EXIT_OK: "ok", EXIT_FAIL: "failed", EXIT_PANIC: "panic"}


class Boot:
    def __init__(self, output, status, elapsed, timed_out, ready_s=None):
        self.output = output
        self.status = status
        self.elapsed = elapsed
        self.timed_out = timed_out
        self.ready_s = ready_s  # host seconds from QEMU start to "AdrOS ready" (or boot()'s marker)

    def lines(self):
        return self.output.splitlines()

    def tail(self, n=25):
        return "\n".join(self.lines()[-n:])

    def describe(self):
        if self.timed_out:
            return f"timed out after {self.elapsed:.0f}s (hang?)"
        if self.status == EXIT_PANIC or "*** KERNEL PANIC" in self.output:
            return "kernel panic"
        if self.status in EXIT_NAMES:
            return EXIT_NAMES[self.status]
        if self.status is not None and self.status < 0:
            return f"QEMU killed by signal {-self.status} (triple fault or crash?)"
        return f"QEMU exited with status {self.status} (triple fault / reset?)"


def qemu_cmd(kernel, cmdline, disks=(), mem=256, extra=(), machine="pc"):
    cmd = ["qemu-system-i386", "-M", machine, "-cpu", "max", "-m", str(mem), "-no-reboot",
           "-display", "none", "-monitor", "none", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", kernel, "-append", cmdline]
    for d in disks:
        cmd += d if isinstance(d, (list, tuple)) else ["-drive", d]
    cmd += list(extra)
    # No network unless the boot asks for one: QEMU's default NIC would be
    # user-mode networking without restrict=on.
    if not any(a in ("-nic", "-netdev", "-net") for a in cmd):
        cmd += ["-nic", "none"]
    return cmd


def boot(kernel, cmdline, disks=(), timeout=120, mem=256, extra=(), stdin_data=None, log=None,
         prefix="panic=poweroff vga=off", marker=b"AdrOS ready", machine="pc"):
    """Boot once; returns a Boot.  cmdline gets prefix (AdrOS's panic=poweroff
    vga=off by default; "" for another kernel), and Boot.ready_s is the time
    the console first shows marker."""
    full = f"{prefix} {cmdline}".strip()
    return run(qemu_cmd(kernel, full, disks, mem, extra, machine), timeout, stdin_data, log, marker)


# How long a timed-out boot is given to print its thread dump.
DUMP_WAIT_S = 3


def run(cmd, timeout, stdin_data=None, log=None, marker=b"AdrOS ready", on_output=None):
    """Runs the QEMU command line cmd under a time limit and captures its
    console; returns a Boot.  on_output(console bytes so far), if given, is
    called whenever more arrives (tools/bench/netbench.py starts host-side work
    on what the guest prints)."""
    t0 = time.monotonic()
    ready = None
    # The console's input stays open (without stdin_data): a boot that
    # times out is asked for AdrOS's thread dump (Ctrl-\ on the serial
    # console, src/kernel/console.c) before it is killed, so that a hang
    # leaves its diagnosis in the log.
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if stdin_data is not None:
        try:
            proc.stdin.write(stdin_data)
            proc.stdin.close()
        except BrokenPipeError:
            pass
    timed_out = False
    dump_until = None
    os.set_blocking(proc.stdout.fileno(), False)
    buf = b""
    while True:
        now = time.monotonic()
        if dump_until is None and now - t0 > timeout:
            timed_out = True
            dump_until = now + DUMP_WAIT_S
            if stdin_data is None:
                try:
                    proc.stdin.write(b"\x1c")
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    dump_until = now
            else:
                dump_until = now
        if dump_until is not None and now >= dump_until:
            proc.kill()
            break
        try:
            chunk = proc.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            buf += chunk
            if ready is None and marker in buf:
                ready = time.monotonic() - t0
            if on_output:
                on_output(buf)
            continue
        if proc.poll() is not None:
            rest = proc.stdout.read() or b""
            buf += rest
            if ready is None and marker in buf:
                ready = time.monotonic() - t0
            break
        time.sleep(0.005)
    proc.wait()
    if not proc.stdin.closed:
        proc.stdin.close()
    elapsed = time.monotonic() - t0
    text = buf.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    if log:
        os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
        with open(log, "w") as f:
            f.write(" ".join(cmd) + "\n\n" + text)
    return Boot(text, None if timed_out else proc.returncode, elapsed, timed_out, ready)
