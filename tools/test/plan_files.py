"""The shell's file-writing commands (cp, write, mkdir, rm, rmdir, mv,
ln -s, sync) on the ramfs root: each must do what it says, and each error
must be one line with an exit status.  (Through NetBSD's ext2fs they are
exercised by plan_stage1's stage1-shell boot.)"""
import qemu
from common import check_patterns

SCRIPT = ("mkdir /t; write /t/a hello world; write -a /t/a again; cat /t/a; cp /t/a /t/b; mv /t/b /t/c; "
          "ln -s c /t/l; cat /t/l; ls /t; rm /t/a; ls /t; mkdir /t/sub; rmdir /t/sub; rm /t/none; cp /t; "
          "cp /nope /t/x; mv /t/c /dev/c; rmdir /t; sync; umount /dev; umount /; rmdir /dev; mv /dev /d; "
          "ls /dev")


def _check(b, res):
    out = b.output
    expect = [
        ("write then append", r"adros# cat /t/a\nhello world\nagain\n"),
        ("cp copies and syncs", r"adros# cp /t/a /t/b\n18 bytes copied\n"),
        ("mv and ln -s", r"adros# cat /t/l\nhello world\nagain\n"),
        ("ls shows the result", r"adros# ls /t\na\nc\nl@\n"),
        ("rm removes", r"adros# rm /t/a\nadros# ls /t\nc\nl@\n"),
        ("mkdir/rmdir", r"adros# rmdir /t/sub\nadros# rm /t/none"),
        ("rm of a missing file: one-line error", r"rm: /t/none: no such file or directory \(ENOENT\)\n\[exit 1\] rm /t/none"),
        ("cp with one argument: usage", r"usage: cp <source> <destination>\n\[exit 2\] cp /t\n"),
        ("cp from a missing file", r"cp: /nope: no such file or directory \(ENOENT\)\n\[exit 1\]"),
        ("mv across file systems refused", r"mv: /t/c -> /dev/c: .*EXDEV\)?\n\[exit 1\]"),
        ("rmdir of a non-empty directory refused", r"rmdir: /t: .*\(ENOTEMPTY\)\n\[exit 1\]"),
        ("/dev cannot be unmounted",
         r"umount: /dev: the system's own file system, never unmounted \(EPERM\)\n\[exit 1\] umount /dev\n"),
        ("/ cannot be unmounted", r"umount: /: the system's own file system, never unmounted \(EPERM\)\n\[exit 1\]"),
        ("/dev cannot be removed", r"rmdir: /dev: busy \(EBUSY\)\n\[exit 1\] rmdir /dev\n"),
        ("/dev cannot be renamed", r"mv: /dev -> /d: busy \(EBUSY\)\n\[exit 1\] mv /dev /d\n"),
        ("/dev still there", r"adros# ls /dev\n(.*\n)*zero\n"),
        ("the script's failures are counted", r"script: 24 commands, 9 failed"),
    ]
    check_patterns(res, out, [(pat, name) for name, pat in expect], "shell-files/", b.tail(40))


# Filling the RAM root: it stops at its size with ENOSPC, and the machine
# still starts commands (before the limit, cp took every page and then no
# command could start: ENOMEM).
FULL = "df; cp /dev/zero /big; df; ls -l /; rm /big; df; sync; poweroff"


def _check_full(name, size):
    def check(b, res):
        expect = [
            ("df shows the RAM root's size", rf"adros# df\n.*\nnone +ramfs +{size} +0B +{size} +0% "),
            ("full is ENOSPC", r"adros# cp /dev/zero /big\ncp: writing /big: no space left \(ENOSPC\)\n"),
            ("df shows it full", rf"adros# df\n.*\nnone +ramfs +{size} +{size} +0B +100% "),
            ("ls starts", r"adros# ls -l /\n-rw-r--r-- .* big\n"),
            ("rm starts and frees", rf"adros# rm /big\nadros# df\n.*\nnone +ramfs +{size} +0B +{size} +0% "),
            ("sync and poweroff start", r"adros# sync\n(.*\n)*?adros# poweroff\npowering off"),
        ]
        check_patterns(res, b.output, [(pat, what) for what, pat in expect], f"{name}/", b.tail(30))
        if "ENOMEM" in b.output:
            res.fail(f"{name}/no command failed to start", b.tail(30))
        if b.status == qemu.EXIT_OK:
            res.ok(f"{name}/powers off")
        else:
            res.fail(f"{name}/powers off", b.describe())
    return check


def boots(build):
    return [{"name": "shell-files", "cmdline": f'run="{SCRIPT}"', "timeout": 60, "check": _check},
            # Default: half of RAM (128 MiB: 63 MiB less what the kernel holds).
            {"name": "ramfs-full", "cmdline": f'run="{FULL}"', "mem": 128, "timeout": 90,
             "check": _check_full("ramfs-full", r"\d\d\.\dM")},
            {"name": "ramfs-full-size", "cmdline": f'ramfs.size=8 run="{FULL}"', "mem": 128, "timeout": 90,
             "check": _check_full("ramfs-full-size", "8.0M")}]
