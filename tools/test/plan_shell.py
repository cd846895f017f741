"""Test boots for the shell (src/shell): script mode (run=), and an
interactive session driven over the serial line (tools/qemu/qemu_interactive.py):
commands and their output, editing keys, history, error cases, Ctrl-C,
a very long line, and a stream of random bytes after which the shell must
still work.

The runner boots each plan entry through tools/qemu/qemu.py; the interactive
session needs a live pipe instead, so it runs from the check of the
"shell" boot (whose own boot is a script-mode run).
"""
import hashlib
import os
import random
import re
import shutil
import subprocess

import common
import qemu
import qemu_interactive as qi
# Shared with other plans (plan_apic) through common:
from common import Steps, check_patterns, expect_out as _expect_out, lines as _lines, \
    t_ctrl_c_sleep as _t_ctrl_c_sleep, t_system as _t_system

ROOT = common.ROOT
DEMO = os.path.join(ROOT, "demo")


def _demo_img(build, who="shell"):
    # One image per boot: boots run in parallel and QEMU locks its images.
    return os.path.join(build, f"{who}-demo.img")


def _random_img(build):
    return os.path.join(build, "shell-random.img")


def _umask002_copy(src, dst):
    """demo/ as a clone made under umask 002 has it (directories 0775, files
    0664): the image built from it must hold what the tests below expect."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True)
    for d, dirs, files in os.walk(dst):
        os.chmod(d, 0o775)
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                os.chmod(p, 0o775 if os.stat(p).st_mode & 0o111 else 0o664)


def _make_demo(build, who="shell"):
    os.makedirs(build, exist_ok=True)
    tree = os.path.join(build, f"{who}-demo-umask002")
    _umask002_copy(DEMO, tree)
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), tree, _demo_img(build, who)], check=True,
                   stdout=subprocess.DEVNULL)


def _make_disks(build):
    _make_demo(build)
    rng = random.Random(4242)
    with open(_random_img(build), "wb") as f:
        for _ in range(16):
            f.write(rng.randbytes(1 << 20))


def _drive(path, index):
    return f"file={path},format=raw,if=ide,index={index}"


def _hexdump(data, off=0):
    """What the shell's hexdump prints for data (no repeated lines in it)."""
    out = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        line = f"{off + i:08x} "
        for j in range(16):
            line += (" " if j == 8 else "") + (f" {chunk[j]:02x}" if j < len(chunk) else "   ")
        asc = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        out.append(f"{line}  |{asc}|")
    out.append(f"{off + len(data):08x}")
    return "\n".join(out)


# --- script mode -------------------------------------------------------------

SCRIPT_OK = "echo script-hello; uptime; echo 'two  spaces' x\\ y; help echo; sleep 0.1; date"


def _check_script_ok(b, res):
    out = b.output
    name = "shell/script"
    want = [
        (r"(?m)^script: running run=$", "announces script mode"),
        (r"(?m)^adros# echo script-hello\nscript-hello$", "echoes each command, then its output"),
        (r"(?m)^adros# uptime\nup \d+:\d\d:\d\d\.\d{3} ", "uptime"),
        (r"(?m)^two  spaces x y$", "quotes keep spaces, backslash escapes"),
        (r"(?m)^usage: echo \[text\.\.\.\]$", "help <cmd> shows the usage"),
        (r"(?m)^adros# date\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+\)$", "date"),
        (r"(?m)^script: 6 commands, 0 failed$", "summary line"),
    ]
    check_patterns(res, out, want, f"{name}: ", b.tail(30))
    if b.status == qemu.EXIT_OK:
        res.ok(f"{name}: powers off with success status")
    else:
        res.fail(f"{name}: powers off with success status", b.describe())
    if "[exit " in out:
        res.fail(f"{name}: no failures", "a command failed:\n" + b.tail(30))


SCRIPT_FAIL = ("echo first; nosuchcmd; sleep; sleep x; write /keep kept; rm /keep" + " " * 600 + "/not-this-one; "
               "cat /keep; echo 'unterminated; echo last")


def _check_script_fail(b, res):
    out = b.output
    name = "shell/script-fail"
    want = [
        (r"(?m)^shell: unknown command \"nosuchcmd\" \(type help\)\n\[exit 127\] nosuchcmd$", "unknown command"),
        (r"(?m)^usage: sleep <seconds>\n\[exit 2\] sleep$", "missing argument: usage"),
        (r"(?m)^sleep: bad duration \"x\".*\n\[exit 1\] sleep x$", "bad argument: one-line error"),
        (r"(?m)^shell: unterminated quote\n\[exit 2\] echo 'unterminated; echo last$",
         "unterminated quote (it swallows the rest of the script)"),
        (r"(?m)^shell: command too long \(over 511 characters\)\n\[exit 2\] rm /keep$",
         "a command over the limit is refused whole"),
        (r"(?m)^adros# cat /keep\nkept$", "the refused command did not run in part"),
        (r"(?m)^script: 8 commands, 5 failed$", "summary counts the failures"),
    ]
    check_patterns(res, out, want, f"{name}: ", b.tail(30))
    if b.status == qemu.EXIT_FAIL:
        res.ok(f"{name}: powers off with failure status")
    else:
        res.fail(f"{name}: powers off with failure status", b.describe())


# --- the interactive session ------------------------------------------------

def _one_line_error(s, cmd, pattern, status):
    out = s.command(cmd)
    lines = [l for l in _lines(out) if l]
    want = f"[exit {status}] {cmd}"
    if len(lines) != 2 or not re.search(pattern, lines[0]) or lines[1] != want:
        return f"`{cmd}` printed {lines!r}; expected one line /{pattern}/ then {want!r}"
    return None


def _t_help(s):
    out = s.command("help")
    missing = [c for c in ["help", "history", "echo", "sleep", "ps", "free", "uptime", "date", "dmesg",
                           "cmdline", "ktest", "bench", "lsblk", "reboot", "poweroff", "rump"]
               if not re.search(rf"(?m)^  {c}\s", out)]
    if missing:
        return f"help lacks {missing}: {out!r}"
    return None


def _t_history(s):
    s.command("echo hist-one")
    s.command("echo hist-two")
    # Up twice: hist-one; Enter runs it.
    out = s.command("\x1b[A\x1b[A")
    if not re.search(r"(?m)^hist-one\r?$", out):
        return f"Up Up Enter printed {out!r}, expected hist-one"
    # Up three times (hist-one, hist-two, hist-one again is the newest...) then
    # Down once: history is one, two, one; Up x3 = one(1st), Down = two.
    out = s.command("\x1b[A\x1b[A\x1b[A\x1b[B")
    if not re.search(r"(?m)^hist-two\r?$", out):
        return f"Up x3 Down Enter printed {out!r}, expected hist-two"
    # Down past the newest entry comes back to what was being typed.
    out = s.command("echo typed\x1b[A\x1b[B")
    if not re.search(r"(?m)^typed\r?$", out):
        return f"typing, Up, Down, Enter printed {out!r}, expected the typed line back"
    out = s.command("history")
    if not re.search(r"(?m)^\s+\d+  echo hist-one\r?\n\s+\d+  echo hist-two\r?\n\s+\d+  echo hist-one", out):
        return f"history printed {out!r}"
    return None


def _t_editing(s):
    out = s.command("echo abX\x7fc\x08d")
    if not re.search(r"(?m)^abd\r?$", out):
        return f"backspace: printed {out!r}, expected abd"
    out = s.command("echo wrong\x15echo right")
    if not re.search(r"(?m)^right\r?$", out) or "wrong\n" in out:
        return f"Ctrl-U: printed {out!r}, expected only 'right'"
    out = s.command("echo\ttab")
    if not re.search(r"(?m)^tab\r?$", out):
        return f"tab: printed {out!r}"
    return None


def _t_ctrl_c_line(s):
    start = s.mark()
    s.send("echo cancelled-line\x03")
    s.expect(r"\^C\r?\n" + qi.PROMPT_RX, 10, start=start)
    out = s.command("echo after-cancel")
    if re.search(r"(?m)^cancelled-line\r?$", s.text(start)):
        return "the cancelled line ran"
    if not re.search(r"(?m)^after-cancel\r?$", out):
        return f"after Ctrl-C: {out!r}"
    return None


def _t_long_line(s):
    """A line over 511 characters is refused whole: cut off, this `rm`
    would remove /keep.  Backspace back under the limit makes it whole."""
    err = _expect_out(s, "write /keep kept", r"^$")
    if err:
        return err
    start = s.mark()
    s.send("rm /keep" + " " * 700 + "/not-this-one\r", chunk=100)
    s.expect(r"shell: line over 511 characters: Enter will not run it", 20, start=start)
    s.expect(r"\nshell: line too long \(721 characters, at most 511\): not run\r\n" + qi.PROMPT_RX, 20,
             start=start)
    if "[exit" in s.text(start):
        return f"the refused line ran: {s.text(start)[-300:]!r}"
    err = _expect_out(s, "cat /keep", r"^kept\r?$")
    if err:
        return err
    start = s.mark()
    s.send("echo " + "B" * 520 + "\x7f" * 20 + "\r", chunk=100)
    s.expect(r"\n(B{500})\r\n" + qi.PROMPT_RX, 20, start=start)
    return _expect_out(s, "echo after-long-line", r"^after-long-line\r?$")


def _t_type_ahead(s):
    """Keys typed while a command runs wait for the prompt; when more come
    than the shell can hold, the line that lost bytes is refused, never run
    in part or joined with the next."""
    start = s.mark()
    s.send("sleep 1\recho typed-ahead\r")
    s.expect(r"\ntyped-ahead\r\n" + qi.PROMPT_RX, 20, start=start)
    start = s.mark()
    # 4096 bytes fill the queue during the sleep: "echo lost-" keeps its
    # start, the rest is lost; what comes after the prompt would be joined.
    s.send("sleep 2\r")
    s.expect(r"sleep 2\r?\n", 10, start=start)
    s.send("\x7f" * 4086 + "echo lost-enter\recho next\r", chunk=512)
    s.expect(r"adros> echo lost", 20, start=start)
    s.send(" joined\r")
    s.expect(r"shell: input was lost while this line was typed: not run\r\n" + qi.PROMPT_RX, 20, start=start)
    text = s.text(start)
    if re.search(r"(?m)^lost-", text):
        return f"a line that lost bytes ran: {text[-300:]!r}"
    s.send("\x15")
    return _expect_out(s, "echo after-lost-input", r"^after-lost-input\r?$")


def _t_ctrl_backslash(s):
    """Ctrl-\\ prints the thread dump from the console's interrupt, also
    while a command holds the shell, and is not taken as input."""
    start = s.mark()
    s.send("sleep 30\r")
    s.expect(r"sleep 30\r\n", 10, start=start)
    s.send("\x1c")
    s.expect(r"--- end of threads ---", 20, start=start)
    text = s.text(start)
    if not re.search(r"--- \d+ threads ---", text) or not re.search(r'thread \d+ "main" prio \d+', text):
        return f"no thread list: {text[-600:]!r}"
    # The thread the interrupt came in on gets a stack scan (it is the one a
    # starvation keeps running).
    if not re.search(r"\binterrupted; Stack scan .*\r?\n \?  \[0x[0-9a-f]+\] \w+", text):
        return f"no stack scan of the interrupted thread: {text[-600:]!r}"
    s.send("\x03")
    s.expect(r"\[exit 130\] sleep 30\r?\n" + qi.PROMPT_RX, 10, start=start)
    return _expect_out(s, "echo after-dump", r"^after-dump\r?$")


def _t_random_bytes(s):
    rng = random.Random(20240707)
    data = bytes(rng.randrange(256) for _ in range(6000))
    start = s.mark()
    s.send(data, chunk=256, pause=0.01)
    s.quiet(1.0, 60)
    # Whatever state the garbage left (a half line, a running command),
    # Ctrl-C and Ctrl-U bring back a clean prompt.
    s.send("\x03")
    s.quiet(0.5, 20)
    s.send("\x15")
    out = s.command("echo still-alive", timeout=20)
    if not re.search(r"(?m)^still-alive\r?$", out):
        return f"after random bytes: {out!r}"
    text = s.text(start)
    if "KERNEL PANIC" in text:
        return "the random bytes caused a panic"
    return _expect_out(s, "uptime", r"^up \d")


def _t_ktest(s):
    # Suites that need nothing of the machine: pmm's exhaust_and_restore
    # counts every free page and wants no other allocator running, which
    # a live shell with the rump kernel cannot promise (it runs in its own
    # quiet boot, the core suites).
    out = s.command("ktest printf,tls", timeout=120)
    if not re.search(r"(?m)^ok 1 printf\r?$", out) or not re.search(r"(?m)^ktest: all passed", out):
        return f"ktest printf,tls: {out[-500:]!r}"
    return _one_line_error(s, "ktest", r"^usage: ktest ", 2)


def _t_errors(s):
    for cmd, pat, st in [("nosuchcommand", r'^shell: unknown command "nosuchcommand"', 127),
                         ("sleep", r"^usage: sleep <seconds>$", 2),
                         ("sleep -1", r"^sleep: bad duration", 1),
                         ("dmesg -l bogus", r"^dmesg: bad level", 1),
                         ("ps extra", r"^usage: ps \[-k\]$", 2),
                         ("help nosuch", r'^help: no command "nosuch"', 1),
                         ("echo 'open", r"^shell: unterminated quote$", 2),
                         ("bench nosuch", r'^bench: no benchmark named "nosuch"', 1),
                         ]:
        err = _one_line_error(s, cmd, pat, st)
        if err:
            return err
    return None


def _read_demo(rel):
    with open(os.path.join(DEMO, rel), "rb") as f:
        return f.read()


def _t_files(s):
    out = s.command("ls /mnt")
    names = [l for l in _lines(out) if l]
    want = ["README", "docs/", "hello.txt", "lost+found/", "readme-link@", "scripts/"]
    if names != want:
        return f"ls /mnt printed {names}, expected {want}"
    err = _expect_out(s, "ls -l /mnt", r"^l[rwx-]{9} .* readme-link -> README\r?$")
    if err:
        return err
    hello = _read_demo("hello.txt").decode()
    out = s.command("cat /mnt/hello.txt")
    if out.replace("\r\n", "\n") != hello:
        return f"cat /mnt/hello.txt printed {out!r}, expected {hello!r}"
    digest = hashlib.sha256(_read_demo("README")).hexdigest()
    err = _expect_out(s, "sha256sum /mnt/README", rf"^{digest}  /mnt/README\r?$")
    if err:
        return err
    out = s.command("hexdump -n 40 /mnt/README").replace("\r\n", "\n").rstrip("\n")
    want = _hexdump(_read_demo("README")[:40])
    if out != want:
        return f"hexdump -n 40 /mnt/README printed\n{out}\nexpected\n{want}"
    for cmd, pat in [("stat /mnt/docs", r"^  type: directory  mode: 0755 \(drwxr-xr-x\)"),
                     ("stat /mnt/readme-link", r"^  target: README\r?$"),
                     ("ls /mnt/docs", r"^notes.txt\r?$"),
                     ("df", r"^(hda\s+ext2\s+4\.0M|ext2fs:hda\s+rump\s+3\.\dM)\s.*/mnt\r?$"),
                     ("mount", r"^hda on /mnt type (ext2 \(ro\)|rump \(ext2fs, rw\))\r?$"),
                     ("lsblk", r"^hda\s+disk\s+4\.0M\s+8192\s+512 "),
                     ("lsblk", r"^hdb\s+disk\s+16\.0M\s+32768\s+512 "),
                     ("lspci", r"^00:01\.1 8086:7010 0101 IDE controller .* ata\r?$"),
                     ("umount /mnt", r"^"),
                     ("ls /mnt", r"\A\Z"),
                     ("mount hda /mnt", r"^"),
                     ("cat /mnt/docs/notes.txt", r"^subdirectory of the demo disk")]:
        err = _expect_out(s, cmd, pat)
        if err:
            return err
    return None


def _t_manifest(s):
    host = subprocess.run([os.path.join(ROOT, "tools", "images", "manifest.sh"), DEMO], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    # mke2fs adds lost+found to the tree.
    body = sorted(host[1:-1] + ["d - - /lost+found"], key=lambda l: l.split(" ", 3)[3].encode())
    want = ["MANIFEST-BEGIN"] + body + [f"MANIFEST-END {len(body)}"]
    got = [l for l in _lines(s.command("manifest /mnt", timeout=60)) if l]
    if got != want:
        return f"manifest /mnt printed {got}, expected {want}"
    return _one_line_error(s, "manifest /mnt/hello.txt", r"^manifest: /mnt/hello.txt: not a directory", 1)


def _t_symlink(s):
    out = s.command("cat /mnt/readme-link")
    want = _read_demo("README").decode()
    if out.replace("\r\n", "\n") != want:
        return f"cat through the symlink printed {out[:300]!r}"
    return None


def _t_file_errors(s):
    for cmd, pat, st in [("cat /mnt/nope", r"^cat: /mnt/nope: no such file or directory \(ENOENT\)$", 1),
                         ("cat /mnt/docs", r"^cat: /mnt/docs: is a directory \(EISDIR\)$", 1),
                         ("ls /mnt/hello.txt/x", r"^ls: /mnt/hello.txt/x: not a directory \(ENOTDIR\)$", 1),
                         ("grep", r"^usage: grep \[-i -v -c -n\] <regex> \[file\.\.\.\]$", 2),
                         ("umount /mnt/docs", r"^umount: /mnt/docs: not a mount point$", 1),
                         ("hexdump -n zz /mnt/hello.txt", r'^hexdump: bad length "zz"$', 1),
                         ("sha256sum /nope", r"^sha256sum: /nope: no such file", 1),
                         ("stat /nope", r"^stat: /nope: no such file", 1),
                         ("mount nosuchdev /tmp", r"^mount: nosuchdev: no such block device", 1),
                         ("mount -t nofs none /tmp", r"^mount: none on /tmp \(nofs\): ", 1),
                         ("mount hda", r"^usage: mount ", 2),
                         ("umount /tmp", r"^umount: /tmp: ", 1),
                         ("umount /", r"^umount: /: the system's own file system, never unmounted \(EPERM\)$", 1),
                         ("lspci -x", r"^usage: lspci", 2)]:
        err = _one_line_error(s, cmd, pat, st)
        if err:
            return err
    return None


def _t_ctrl_c_hexdump(s):
    import time
    start = s.mark()
    s.send("hexdump /dev/hdb\r")
    s.expect(r"\n00000000  ", 20, start=start)
    t0 = time.monotonic()
    s.send("\x03")
    s.expect(r"\[exit 130\] hexdump /dev/hdb\r?\n" + qi.PROMPT_RX, 20, start=start)
    took = time.monotonic() - t0
    lines = s.text(start).count("\n")
    if took > 10:
        return f"hexdump took {took:.1f}s to stop after Ctrl-C"
    if lines < 100:
        return f"hexdump printed only {lines} lines before Ctrl-C: not a long-running test"
    return _expect_out(s, "echo alive-after-hexdump", r"^alive-after-hexdump\r?$")


# --- asynchronous log lines never split a command's output ---------------------

ASYNC_N = 200
ASYNC_CMDS = ["hexdump /mnt/README", "cat /mnt/README"] * 3 + ["sleep 0.3"]
# The script ends when the logging thread has logged its last line (the
# check wants every one shown), however slow the host.
ASYNC_SCRIPT = f"logtest {ASYNC_N} 1 async-line; " + "; ".join(ASYNC_CMDS) + "; logtest wait"


def _async_expected(cmd):
    readme = _read_demo("README")
    if cmd.startswith("hexdump"):
        return _hexdump(readme) + "\n"
    if cmd.startswith("cat"):
        return readme.decode()
    return ""


def _async_lines_all_there(text):
    """None when every logtest line came out once (nothing lost to holding)."""
    seen = re.findall(rf"async-line (\d+)/{ASYNC_N}", text)
    if sorted(map(int, seen)) != list(range(1, ASYNC_N + 1)):
        return f"{len(seen)} of the {ASYNC_N} log lines shown (each once expected)"
    return None


def _check_async_script(b, res):
    """Script mode: each command's echo line is followed by exactly its
    output, however many log lines another thread writes meanwhile."""
    name = "shell/async-log: script"
    out = b.output
    for cmd in ASYNC_CMDS:
        want = f"adros# {cmd}\n" + _async_expected(cmd)
        n = out.count(want)
        if n == ASYNC_CMDS.count(cmd):
            res.ok(f"{name}: {cmd}: output whole, right after its echo ({n}x)")
        else:
            res.fail(f"{name}: {cmd}: output whole, right after its echo",
                     f"{n} of {ASYNC_CMDS.count(cmd)} intact:\n" + b.tail(40))
    err = _async_lines_all_there(out)
    (res.fail if err else res.ok)(f"{name}: every log line shown once", *([err] if err else []))
    if b.status != qemu.EXIT_OK:
        res.fail(f"{name}: powers off with success status", b.describe())


def _t_async_log(s):
    """Interactive: log lines from another thread during commands and at the
    prompt: each command's output is exact, every log line is shown, and
    after each the prompt is redrawn (never mixed with what is typed)."""
    start = s.mark()
    out = s.command(f"logtest {ASYNC_N} 1 async-line")
    if out.strip():
        return f"logtest printed {out!r}"
    for cmd in ASYNC_CMDS:
        out = s.command(cmd, 30)
        if out != _async_expected(cmd):
            return f"{cmd} printed {out!r} amid log lines"
    s.expect(rf"async-line {ASYNC_N}/{ASYNC_N}\r?\n", 30, start=start)
    s.expect(r"\radros> ", 10)
    text = s.text(start)
    err = _async_lines_all_there(text)
    if err:
        return err
    for m in re.finditer(rf"async-line \d+/{ASYNC_N}\n", text):
        if not text.startswith("\radros> ", m.end()):
            return f"no prompt redrawn after {m.group(0)!r}: {text[m.start():m.end() + 40]!r}"
    return None



# --- pipelines over real files, compared with the host's tools ---------------

def _pipes_tree(build):
    return os.path.join(build, "shell-pipes-tree")


def _pipes_img(build):
    return os.path.join(build, "shell-pipes.img")


_VOCAB = ["apple", "Apple", "abacus", "banana", "cab", "crux", "drop", "The", "the", "then", "other", "pop",
          "hop", "shop", "extra", "box", "mix", "kiwi", "lemon", "mango", "zebra", "yak", "Zulu", "echo",
          "x", "ab", "bab", "a-b", "tab\tbed", "  lead", "trail  "]

# Guest commands (run by init= from the disk, after `cd /mnt`), each with
# the host command giving the same output (None: the same text, run by
# bash in the tree with LC_ALL=C).  Every one must succeed.
PIPES = [
    ("cat words.txt | grep -n ab", None),
    ("grep -i -c THE words.txt", None),
    ("grep -v e words.txt | sort | uniq -c | sort -rn | head -n 15", None),
    ("sort words.txt | uniq -c", None),
    ("sort -n nums.txt | tail -n 12", None),
    ("sort -rn nums.txt | head -n 12", None),
    ("sort -r words.txt | uniq | head -n 20", None),
    ("cat words.txt | wc -l", None),
    ("wc -w < words.txt", None),
    ("cat words.txt nums.txt | wc -c", None),
    ("grep '^[a-c].*x$' words.txt", None),
    ("grep -n 'o*p' words.txt | tail -n 5", None),
    ("head -n 7 words.txt | tail -n 3", None),
    ("echo *.txt d*/* ~ x*y", None),
    ("sort words.txt > /tmp/sorted", ""),
    ("uniq -c < /tmp/sorted | sort -n | tail -n 4", "sort words.txt | uniq -c | sort -n | tail -n 4"),
    ("cat nope 2>&1 | wc -l", None),
    ("grep zebra words.txt >> /tmp/z", ""),
    ("grep Zulu words.txt >> /tmp/z", ""),
    ("cat /tmp/z | tee /tmp/t | wc -l", "(grep zebra words.txt; grep Zulu words.txt) | wc -l"),
    ("wc -c /tmp/t", "printf '%s /tmp/t\\n' $( (grep zebra words.txt; grep Zulu words.txt) | wc -c)"),
    ("false || echo yes && echo and", None),
    ("X=abc", ""),
    ("echo $X ${X}def \"$X\" '$X' $?", "X=abc; echo $X ${X}def \"$X\" '$X' $?"),
    ("cd docs && pwd && cat notes.txt | wc -l", "cd docs && echo /mnt/docs && cat notes.txt | wc -l"),
    ("pwd", "echo /mnt/docs"),
]


def _make_pipes(build):
    tree = _pipes_tree(build)
    _umask002_copy(DEMO, tree)
    rng = random.Random(2612)
    with open(os.path.join(tree, "words.txt"), "w") as f:
        for _ in range(3000):
            f.write(" ".join(rng.choice(_VOCAB) for _ in range(rng.randint(1, 4))) + "\n")
    with open(os.path.join(tree, "nums.txt"), "w") as f:
        for _ in range(600):
            n = rng.choice([rng.randint(-50, 50), rng.randint(0, 100000), rng.randint(0, 9)])
            frac = rng.choice(["", "", f".{rng.randint(0, 99)}", ".50", ".5"])
            f.write(rng.choice(["", " ", "  "]) + str(n) + frac + rng.choice(["", " x", " items"]) + "\n")
    with open(os.path.join(tree, "pipes.sh"), "w") as f:
        f.write("cd /mnt\n" + "".join(cmd + "\n" for cmd, _ in PIPES))
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), tree, _pipes_img(build)], check=True,
                   stdout=subprocess.DEVNULL)


def _host_outputs(build):
    """Each PIPES command's output on the host (one bash, in the tree)."""
    mark = "@@adros-pipes@@"
    script = "".join(f"echo {mark}\n{host if host is not None else cmd}\n" for cmd, host in PIPES)
    env = dict(os.environ, LC_ALL="C", HOME="/")
    out = subprocess.run(["bash", "-c", script], cwd=_pipes_tree(build), env=env, capture_output=True,
                         text=True).stdout
    return out.split(mark + "\n")[1:]


def _check_pipes(build):
    def check(b, res):
        name = "shell/pipes"
        out = b.output.replace("\r\n", "\n")
        host = _host_outputs(build)
        # The guest's: what follows each "adros# <cmd>" echo, to the next one.
        parts = re.split(r"(?m)^adros# (.*)\n", out)
        guest = {}
        for i in range(1, len(parts) - 1, 2):
            text = parts[i + 1]
            text = re.split(r"(?m)^script: \d+ commands", text)[0]
            guest.setdefault(parts[i], text)
        for (cmd, _), want in zip(PIPES, host):
            got = guest.get(cmd)
            if got is None:
                res.fail(f"{name}: {cmd}", "not run:\n" + b.tail(20))
            elif got != want:
                res.fail(f"{name}: {cmd}", f"AdrOS printed {got[:600]!r}\nthe host printed {want[:600]!r}")
            else:
                res.ok(f"{name}: {cmd}")
        want_n = len(PIPES) + 1
        check_patterns(res, out, [(rf"(?m)^script: {want_n} commands, 0 failed$", "every command succeeded")],
                       f"{name}: ", b.tail(30))
    return check


# --- the command language, interactively --------------------------------------

def _t_cursor_keys(s):
    left, right, home, end, dele = "\x1b[D", "\x1b[C", "\x1b[H", "\x1b[F", "\x1b[3~"
    for keys, want, what in [("echo wrld" + left * 3 + "o", "world", "Left, then insert"),
                             ("cho x" + "\x01" + "e", "x", "Ctrl-A, insert at the start"),
                             ("echo a" + "\x01\x05" + "b", "ab", "Ctrl-A then Ctrl-E"),
                             ("cho y" + home + "e" + end + "z", "yz", "Home and End"),
                             ("echo abXc" + left * 2 + dele, "abc", "Delete under the cursor"),
                             ("echo abcd" + left * 4 + right * 2 + "\x7f", "acd", "Right, Backspace mid-line"),
                             ("echo keep drop" + left * 4 + "\x0b", "keep", "Ctrl-K"),
                             ("echo one two\x17three", "one three", "Ctrl-W"),
                             ("echo cl\x0cear", "clear", "Ctrl-L")]:
        out = s.command(keys)
        if not re.search(rf"(?m)^{re.escape(want)}\r?$", out):
            return f"{what}: {keys!r} printed {out!r}, expected {want!r}"
    return None


def _t_completion(s):
    err = _expect_out(s, "ech\t completed", r"^completed\r?$")
    if err:
        return "command completion: " + err
    err = _expect_out(s, "cat /mnt/hel\t", r"^" + re.escape(_read_demo("hello.txt").decode().splitlines()[0]))
    if err:
        return "path completion: " + err
    s.command("cd /mnt")
    err = _expect_out(s, "cat do\tno\t", r"^" + re.escape(_read_demo("docs/notes.txt").decode().splitlines()[0]))
    s.command("cd /")
    if err:
        return "relative path completion: " + err
    # Several candidates: the first Tab adds nothing, the second lists them
    # and the line comes back as it was.
    start = s.mark()
    s.send("ls /mnt/\t\t")
    s.expect(r"\nREADME  docs/  hello\.txt  .*\r?\n" + qi.PROMPT_RX + r"ls /mnt/", 10, start=start)
    s.send("\x15")
    start = s.mark()
    s.send("he\t\t")
    s.expect(r"\nhead  help  hexdump  \r?\n" + qi.PROMPT_RX + "he", 10, start=start)
    s.send("\x15")
    return _expect_out(s, "echo after-completion", r"^after-completion\r?$")


def _no_command_threads(s, names):
    out = s.command("ps")
    left = [n for n in names if re.search(rf"(?m) sh:{n}\r?$", out)]
    return f"threads left behind: {left}: {out!r}" if left else None


def _t_pipe_ctrl_c(s):
    """Ctrl-C stops every command of a pipeline that would run forever."""
    import time
    start = s.mark()
    s.send("cat -f /dev/zero | grep -c x | wc -l\r")
    s.expect(r"wc -l\r?\n", 10, start=start)
    s.quiet(0.5, 10)
    t0 = time.monotonic()
    s.send("\x03")
    s.expect(r"\[exit 130\] cat -f /dev/zero \| grep -c x \| wc -l\r?\n" + qi.PROMPT_RX, 10, start=start)
    if time.monotonic() - t0 > 5:
        return "the pipeline took over 5 s to stop"
    return _no_command_threads(s, ["cat", "grep", "wc"])


def _t_pipe_epipe(s):
    """head leaving early stops the writer (broken pipe): cat of a disk,
    then of an endless device, ends at once."""
    err = _expect_out(s, "cat -f /dev/hdb /dev/zero | head -n 3 | wc -l", r"^3\r?$", timeout=20)
    return err or _no_command_threads(s, ["cat", "head"])


def _t_jobs(s):
    err = _expect_out(s, "sleep 30 &", r"^\[1\] sleep 30\r?$")
    err = err or _expect_out(s, "jobs", r"^\[1\] running  sleep 30\r?$")
    err = err or _expect_out(s, "kill %1", r"^\[1\] done \(exit 130\) sleep 30\r?$")
    err = err or _expect_out(s, "jobs", r"^$")
    err = err or _expect_out(s, "kill %1", r"^kill: %1: no such job\r?$")
    if err:
        return err
    # fg brings one back; Ctrl-C then stops it.
    s.command("sleep 30 &")
    start = s.mark()
    s.send("fg\r")
    s.expect(r"\nsleep 30\r?\n", 10, start=start)
    s.send("\x03")
    s.expect(r"\[exit 130\] fg\r?\n" + qi.PROMPT_RX, 10, start=start)
    # wait: for all of them; output of a job in the background still shows.
    err = _expect_out(s, "sleep 0.3 & echo bg-output &", r"^\[1\] sleep 0\.3\r?\n\[2\] echo bg-output")
    err = err or _expect_out(s, "wait", r"^\[1\] done sleep 0\.3\r?$")
    return err or _no_command_threads(s, ["sleep", "echo"])


def _t_bg_output_redraws(s):
    """A background job's output at the prompt: the line being typed is
    erased before it and redrawn after it."""
    start = s.mark()
    s.send("sleep 1 | wc -l &\r")
    s.expect(r"\[1\] sleep 1 \| wc -l\r?\n" + qi.PROMPT_RX, 10, start=start)
    s.send("echo typed-meanwhile")
    s.expect(r"\r\x1b\[K0\r?\n\radros> echo typed-meanwhile", 10, start=start)
    s.send("\r")
    s.expect(r"\ntyped-meanwhile\r?\n\[1\] done sleep 1 \| wc -l\r?\n" + qi.PROMPT_RX, 10, start=start)
    return None


def _t_more(s):
    """more asks the terminal its height (a cursor position report) and
    shows a page less one line, then waits: Space for a page, q to quit."""
    readme = _read_demo("README").decode().splitlines()
    start = s.mark()
    s.send("more /mnt/README\r")
    s.expect(r"\x1b\[6n", 10, start=start)
    s.send("\x1b[8;80R")  # 8 rows: pages of 7 lines
    m = s.expect(r"--More--", 10, start=start)
    first = s.text(start, m.start()).replace("\x1b7\x1b[999;999H\x1b[6n\x1b8", "").split("\n")
    if first[-8:-1] != readme[:7]:
        return f"the first page was {first!r}, expected README's first 7 lines"
    mark = s.mark()
    s.send(" ")
    m = s.expect(r"--More--", 10, start=mark)
    if readme[13] not in s.text(mark, m.start()) or readme[14] in s.text(mark, m.start()):
        return f"Space did not show exactly the next page: {s.text(mark, m.start())!r}"
    s.send("q")
    s.expect(r"\r\x1b\[Kadros> ", 10, start=mark)
    if readme[14] in s.text(mark):
        return "q did not stop the pager"
    # Not on the terminal: no pager, everything passes through.
    return _expect_out(s, "more /mnt/README | wc -l", rf"^{len(readme)}\r?$")


def _t_cwd_and_small_ones(s):
    notes = _read_demo("docs/notes.txt")
    for cmd, pat in [("cd /mnt/docs; pwd", r"^/mnt/docs\r?$"),
                     ("cat notes.txt | wc -c", rf"^{len(notes)}\r?$"),
                     ("cd ..; ls", r"^README\r?$"),
                     ("cat hello.txt", "^" + re.escape(_read_demo("hello.txt").decode().splitlines()[0])),
                     ("cd; pwd", r"^/\r?$"),
                     ("cp /mnt/README /", r"^$"),
                     ("cmp-readme", None),
                     ("write /w-empty", r"^usage: write "),
                     ("ls /w-empty", r"^ls: /w-empty: no such file or directory \(ENOENT\)$"),
                     ("echo piped-in | write /w-piped; cat /w-piped", r"^piped-in\r?$"),
                     ("cat /dev/hdb", r"^cat: /dev/hdb: binary data, not printed on the terminal: try hexdump "),
                     ("cd /nope", r"^cd: /nope: no such file or directory \(ENOENT\)$")]:
        if cmd == "cmp-readme":
            out = s.command("cat /README", 20)
            if out.replace("\r\n", "\n") != _read_demo("README").decode():
                return f"cp /mnt/README / made a /README holding {out[:200]!r}"
            continue
        err = _expect_out(s, cmd, pat)
        if err:
            return err
    return None

def _interactive(build):
    def check(b, res):
        _check_script_ok(b, res)
        kernel = os.path.join(build, "adros.elf")
        log = os.path.join(build, "test-logs", "shell-interactive.log")
        disks = [_drive(_demo_img(build), 0), _drive(_random_img(build), 1)]
        s = qi.Session(kernel, "mount=hda:/mnt", disks, limit=240, log=log)
        st = Steps(s, res, "shell/interactive")
        st.run("boots to the prompt", lambda s: s.wait_prompt(60) and None)
        st.run("help lists the commands", _t_help)
        st.run("system commands", _t_system)
        st.run("errors are one line with an exit status", _t_errors)
        st.run("editing: backspace, Ctrl-U, tab", _t_editing)
        st.run("history on Up/Down", _t_history)
        st.run("Ctrl-C cancels the line", _t_ctrl_c_line)
        st.run("Ctrl-C interrupts sleep 30", _t_ctrl_c_sleep)
        st.run("Ctrl-\\ dumps the threads while a command runs", _t_ctrl_backslash)
        st.run("a line over the limit is refused whole, not run", _t_long_line)
        st.run("keys typed during a command are kept, or their line refused", _t_type_ahead)
        st.run("random bytes leave the shell working", _t_random_bytes)
        st.run("ktest from the shell", _t_ktest)
        st.run("file commands on the demo disk", _t_files)
        st.run("cat through a symlink", _t_symlink)
        st.run("manifest matches tools/manifest.sh on the demo tree", _t_manifest)
        st.run("file errors are one line with an exit status", _t_file_errors)
        st.run("Ctrl-C interrupts a long hexdump", _t_ctrl_c_hexdump)
        st.run("log lines from another thread: outputs exact, prompt redrawn", _t_async_log)
        st.run("cursor keys, Home/End, Delete, Ctrl-A/E/K/W/L", _t_cursor_keys)
        st.run("Tab completes commands and paths, twice lists", _t_completion)
        st.run("Ctrl-C stops a whole pipeline", _t_pipe_ctrl_c)
        st.run("a reader leaving early stops the writer (EPIPE)", _t_pipe_epipe)
        st.run("jobs: &, jobs, kill %N, fg, wait", _t_jobs)
        st.run("a background job's output redraws the line being typed", _t_bg_output_redraws)
        st.run("more pages by the terminal's height", _t_more)
        st.run("cd, pwd, relative paths; cp into a directory; write, cat of binary", _t_cwd_and_small_ones)

        st.run("poweroff exits QEMU cleanly", qi.poweroff_step)
        if s.alive():
            s.close(1)
        if "KERNEL PANIC" in s.text():
            res.fail("shell/interactive: no panic", "the session panicked; see " + log)
    return check


# --- init=<script on a disk> ----------------------------------------------

def _check_init(b, res):
    name = "shell/init"
    digest = hashlib.sha256(_read_demo("hello.txt")).hexdigest()
    ncmds = sum(1 for l in _read_demo("scripts/tour.sh").decode().splitlines()
                if l.strip() and not l.strip().startswith("#"))
    want = [
        (r"(?m)^shell: mounted hda on /mnt \((ext2, ro|NetBSD's ext2fs, rw)\)$", "mount= mounts the disk before the script"),
        (r"(?m)^script: running init=/mnt/scripts/tour.sh$", "announces the script"),
        (r"(?m)^adros# echo \"AdrOS tour\"\nAdrOS tour$", "runs its commands"),
        (rf"(?m)^{digest}  /mnt/hello.txt$", "sha256sum matches the host's"),
        (rf"(?m)^script: {ncmds} commands, 0 failed$", "every command succeeded"),
    ]
    check_patterns(res, b.output, want, f"{name}: ", b.tail(30))
    if b.status == qemu.EXIT_OK:
        res.ok(f"{name}: powers off with success status")
    else:
        res.fail(f"{name}: powers off with success status", b.describe())


def _check_init_missing(b, res):
    name = "shell/init-missing"
    for pat, what in [(r"(?m)^shell: cannot mount nosuchdisk on /mnt: ", "a bad mount= entry is reported"),
                      (r"(?m)^script: cannot open /mnt/nope\.sh: no such file or directory \(ENOENT\)$",
                       "a missing script is reported")]:
        if re.search(pat, b.output):
            res.ok(f"{name}: {what}")
        else:
            res.fail(f"{name}: {what}", f"no /{pat}/ in:\n" + b.tail(20))
    if b.status == qemu.EXIT_FAIL:
        res.ok(f"{name}: powers off with failure status")
    else:
        res.fail(f"{name}: powers off with failure status", b.describe())


# --- make run: its exit status, and reboot ---------------------------------

def _make_run(build, cmdline, limit, until=None, log=None):
    """`make run NET=off CMDLINE=...` as a person types it, stdin empty,
    killed (its whole process group) after limit seconds, or once the
    output matches `until` twice.  Returns (exit status or None, output)."""
    import signal
    import time
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = subprocess.Popen(["make", "--no-print-directory", "run", "NET=off", f"CMDLINE={cmdline}"], cwd=ROOT,
                         env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    os.set_blocking(p.stdout.fileno(), False)
    out, deadline = b"", time.monotonic() + limit
    while p.poll() is None and time.monotonic() < deadline:
        out += p.stdout.read() or b""
        if until and len(re.findall(until, out.decode("latin-1"))) >= 2:
            break
        time.sleep(0.1)
    status = p.poll()
    if status is None:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    os.set_blocking(p.stdout.fileno(), True)
    out += p.stdout.read() or b""
    text = out.decode("latin-1").replace("\r\n", "\n")
    if log:
        with open(log, "w") as f:
            f.write(text)
    return status, text


def _check_make_run(build):
    def check(b, res):
        name = "shell/make-run"
        if os.path.realpath(build) != os.path.realpath(os.path.join(ROOT, "build")):
            res.skip(f"{name}: exit status and reboot", "make run uses build/, the runner another directory")
            return
        logs = os.path.join(build, "test-logs")
        for cmdline, want, what in [('run="false-command"', 2, "a failing script fails `make run` (make: 2)"),
                                    ('run="echo fine"', 0, "a script that succeeds: status 0")]:
            st, text = _make_run(build, cmdline, 90, log=os.path.join(logs, f"shell-make-run-{want}.log"))
            if st == want and "script: 1 commands" in text:
                res.ok(f"{name}: {what}")
            else:
                res.fail(f"{name}: {what}", f"status {st}, output:\n" + "\n".join(text.splitlines()[-15:]))
        st, text = _make_run(build, 'run="reboot"', 120, until=r"AdrOS ready in ",
                             log=os.path.join(logs, "shell-make-run-reboot.log"))
        n = len(re.findall(r"AdrOS ready in ", text))
        if n >= 2 and st is None:
            res.ok(f"{name}: reboot reboots (the kernel started {n} times)")
        else:
            res.fail(f"{name}: reboot reboots", f"the kernel started {n} times, make run status {st}:\n"
                     + "\n".join(text.splitlines()[-15:]))
    return check


# --- the GRUB ISO ------------------------------------------------------------

def _iso(build):
    return os.path.join(build, "shell-adros.iso")


def _make_iso(build):
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkiso.sh"), os.path.join(build, "adros.elf"), _iso(build)],
                   check=True, stdout=subprocess.DEVNULL)


def _check_iso(build):
    def check(b, res):
        name = "shell/iso"
        argv = ["qemu-system-i386", "-M", "pc", "-cpu", "max", "-m", "256", "-no-reboot", "-display", "none",
                "-monitor", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-cdrom", _iso(build)]
        log = os.path.join(build, "test-logs", "shell-iso-cdrom.log")
        s = qi.Session(None, argv=argv, limit=150, log=log)
        st = Steps(s, res, name)
        st.run("GRUB boots the kernel from the ISO to the ready line", lambda s: s.expect(r"AdrOS ready in ", 120)
               and None)
        st.run("the shell answers", lambda s: s.wait_prompt(30) and _expect_out(s, "echo from-the-iso",
                                                                                r"^from-the-iso\r?$"))

        st.run("poweroff", qi.poweroff_step)
        if s.alive():
            s.close(1)
    return check


def boots(build):
    demo = [_drive(_demo_img(build, "shell-init"), 0)]
    return [
        {"name": "shell", "cmdline": f'run="{SCRIPT_OK}"', "timeout": 60, "prepare": _make_disks,
         "check": _interactive(build)},
        {"name": "shell-pipes", "cmdline": "loglevel=4 mount=hda:/mnt init=/mnt/pipes.sh", "timeout": 120,
         "prepare": _make_pipes, "disks": [_drive(_pipes_img(build), 0)], "check": _check_pipes(build)},
        {"name": "shell-script-fail", "cmdline": f'run="{SCRIPT_FAIL}"', "timeout": 60,
         "check": _check_script_fail},
        {"name": "shell-async-log", "cmdline": f'mount=hda:/mnt run="{ASYNC_SCRIPT}"', "timeout": 60,
         "prepare": lambda b: _make_demo(b, "shell-async"), "disks": [_drive(_demo_img(build, "shell-async"), 0)],
         "check": _check_async_script},
        {"name": "shell-init", "cmdline": "mount=hda:/mnt init=/mnt/scripts/tour.sh", "timeout": 60,
         "prepare": lambda b: _make_demo(b, "shell-init"), "disks": demo, "check": _check_init},
        {"name": "shell-init-missing", "cmdline": "mount=nosuchdisk:/mnt init=/mnt/nope.sh", "timeout": 60,
         "check": _check_init_missing},
        # The runner's own boot here is a plain script run; the check runs `make run`.
        {"name": "shell-make-run", "cmdline": 'run="echo before-make-run"', "timeout": 60,
         "check": _check_make_run(build)},
        # The runner's own boot here is a plain script run; the check boots the ISO.
        {"name": "shell-iso", "cmdline": 'run="echo before-the-iso"', "timeout": 60, "prepare": _make_iso,
         "check": _check_iso(build)},
    ]
