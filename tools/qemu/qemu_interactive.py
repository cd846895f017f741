"""Drive an AdrOS boot interactively over its serial line.

QEMU runs headless with the serial port on a pipe (-serial stdio); a reader
thread collects everything the guest prints, and the caller sends bytes and
waits for patterns, each wait with a time limit, and the whole boot with a
hard limit after which QEMU is killed.  Used by tools/test/plan_shell.py; also
handy by hand:

    python3 tools/qemu/qemu_interactive.py [--append "mount=hda:/mnt"] \
        [--disk build/demo.img] build/adros.elf "echo hi" "ps"

runs the commands at the shell prompt and prints the session.
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

PROMPT = "adros> "
# A prompt at the start of a line: the line editor also reprints the prompt
# after a \r when it redraws (history, and after a kernel log line shown at
# the prompt), which must not count.
PROMPT_RX = r"(?<=\n)adros> "


class Timeout(Exception):
    pass


class Session:
    def __init__(self, kernel, cmdline="", disks=(), mem=256, limit=180, extra=(), log=None, argv=None):
        """argv replaces the whole QEMU command (e.g. to boot an ISO)."""
        full = f"panic=poweroff vga=off {cmdline}".strip()
        self.cmd = list(argv) if argv else qemu.qemu_cmd(kernel, full, disks, mem, extra)
        self.limit = limit
        self.log = log
        self.buf = bytearray()
        self.pos = 0  # where the next expect() starts looking
        self.cond = threading.Condition()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.killer = threading.Timer(limit, self._kill)
        self.killer.daemon = True
        self.killer.start()
        self.killed = False

    # --- plumbing ---
    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            with self.cond:
                if chunk:
                    self.buf += chunk
                self.cond.notify_all()
            if not chunk:
                return

    def _kill(self):
        self.killed = True
        try:
            self.proc.kill()
        except OSError:
            pass

    def text(self, start=0, end=None):
        """The console output as text (\\r\\n folded to \\n)."""
        with self.cond:
            raw = bytes(self.buf[start:end])
        return raw.decode("latin-1").replace("\r\n", "\n")

    def alive(self):
        return self.proc.poll() is None

    def mark(self):
        with self.cond:
            return len(self.buf)

    # --- talking ---
    def send(self, data, chunk=64, pause=0.0):
        """Sends bytes (str is encoded as latin-1), optionally in paced chunks."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        for i in range(0, len(data), chunk):
            try:
                self.proc.stdin.write(data[i:i + chunk])
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                raise Timeout("QEMU has exited; cannot send")
            if pause:
                time.sleep(pause)

    def expect(self, pattern, timeout=10, start=None):
        """Waits until regex pattern appears in the raw output after `start`
        (default: the end of the previous match).  Returns the match (on the
        raw text, latin-1 decoded); raises Timeout."""
        rx = re.compile(pattern.encode("latin-1") if isinstance(pattern, str) else pattern)
        begin = self.pos if start is None else start
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.buf, begin)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    why = "QEMU exited" if self.proc.poll() is not None else f"{timeout}s passed"
                    tail = self.text(max(begin, len(self.buf) - 400))
                    raise Timeout(f"no /{pattern}/ ({why}); output since: {tail!r}")
                self.cond.wait(min(left, 0.2))

    def quiet(self, settle=0.5, timeout=30):
        """Waits until the guest has printed nothing for `settle` seconds."""
        deadline = time.monotonic() + timeout
        last = self.mark()
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.mark()
            if now != last:
                last, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return True
        return False

    def wait_prompt(self, timeout=60):
        return self.expect(PROMPT_RX, timeout)

    def command(self, line, timeout=20):
        """Types line + Enter at a prompt and waits for the next prompt.
        Returns what the command printed (without the echoed line).  Kernel
        log lines are held while a command runs and shown after the next
        prompt (the shell then redraws it after a \\r, which PROMPT_RX does
        not take for a prompt), so they come before the echo, never in the
        output."""
        start = self.mark()
        self.send(line + "\r")
        # A line with editing keys is not echoed as typed: its echo is then
        # the first line.
        typed = rb"[^\n]*" if any(ord(ch) < 32 or ord(ch) == 127 for ch in line) else \
            re.escape(line).encode("latin-1")
        echo = self.expect(typed + rb"\r?\n", timeout, start=start)
        m = self.expect(PROMPT_RX, timeout, start=echo.end())
        return self.text(echo.end(), m.start())

    def close(self, timeout=20):
        """Waits for QEMU to exit (after poweroff) or kills it; returns its
        exit status (None if it had to be killed)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            self.proc.wait()
            status = None
        else:
            status = None if self.killed else self.proc.returncode
        self.killer.cancel()
        self.reader.join(5)
        if self.log:
            with open(self.log, "w") as f:
                f.write(" ".join(self.cmd) + "\n\n" + self.text())
        return status

    def elapsed(self):
        return time.monotonic() - self.t0


def poweroff_step(s):
    """A session step: `poweroff` must make QEMU exit with the success
    status.  Returns None or what went wrong (the Steps convention)."""
    s.send("poweroff\r")
    status = s.close(30)
    return None if status == qemu.EXIT_OK else f"QEMU exit status {status} after poweroff"


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--append", default="", help="kernel command line")
    ap.add_argument("--disk", action="append", default=[], help="raw disk image (IDE, in order)")
    ap.add_argument("kernel")
    ap.add_argument("commands", nargs="*")
    a = ap.parse_args(argv[1:])
    disks = [f"file={d},format=raw,if=ide,index={i}" for i, d in enumerate(a.disk)]
    s = Session(a.kernel, a.append, disks)
    try:
        s.wait_prompt()
        for c in a.commands:
            s.command(c, timeout=120)
        s.send("poweroff\r")
    except Timeout as e:
        print("timeout:", e, file=sys.stderr)
    status = s.close()
    sys.stdout.write(s.text())
    print(f"\n[qemu exit status {status}]")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
