"""NICs through NetBSD's stack like wm0 on e1000 (plan_net.py): virtio-net
through NetBSD's vioif (the virtio stage with the network stage), e1000e (an
i82574L) through NetBSD's wm, and e1000 itself for the long transfer.

QEMU user-mode networking with restrict=on only; the host end of the
guest's fetch is tools/qemu/httpserve.py spawned by guestfwd (no socket on
the host); the host's download from the guest's httpd goes through a
hostfwd bound to 127.0.0.1.  Skipped with the reason when the components
are absent.

  nic-<nic>-xfer    one interactive boot, the default configuration: AdrOS's
                    DHCP client configures the NIC's interface after the
                    prompt (waited for on the console), `dhcp` shows the
                    lease; ping -c 5 the gateway: 5 received; httpd serves a
                    native ext2 disk holding a 64 MiB random file and the
                    host downloads it (sha256 equal to the file's) while the
                    guest fetches another 64 MiB random file from the host
                    (its sha256sum equal to the host's): both directions at
                    once; httpd stops; ifconfig shows the interface up.
                    <nic>: virtio, e1000e, e1000.
  nic-<nic>-static  net=<if>:10.0.2.15/24,gw=10.0.2.2: the address and the
                    default route; ping -c 5 the gateway: 5 received;
                    ifconfig says no "no carrier" (vioif reports no link
                    state: no status line, and DHCP does not wait for one).
                    <nic>: virtio, e1000e.  With net.tcpbuf= (TCP's
                    initial socket buffers, src/netbsd/netif.c): on e1000e
                    1 MiB, beyond NetBSD's 256 KiB ceiling (kern.sbmax,
                    raised to fit): httpd's listening socket is made; on
                    virtio a value out of range: a clear error, the
                    network still works.  On e1000e `rump status` shows
                    the NVM reads beyond QEMU's 64 words answered
                    (src/rump/rump_bus_space.c), NetBSD's attach line
                    (RUMP_VERBOSE) the words erased, ifconfig QEMU's MAC.
  nic-virtio-lossy  plan_reliability.py's rel-lossy-link on vioif: two
                    guests joined by tools/qemu/lossyrelay.py, ttcp's
                    pattern through the faults, sha256 equal in both guests
                    and on the host.
"""
import hashlib
import http.client
import os
import re
import threading
import time

import qemu
import qemu_interactive as qi
from common import (ROOT, Steps, check_patterns, end_two_guests, linked_archives, linked_stages, mkfs,
                    rump_present, sha256_file)
from lossylink import check_lossy
from netbench import free_port

# name: (QEMU device, NetBSD's interface, the stages it needs, the archive
# that must be linked for it, whether it has its own static-address boot)
NICS = {"virtio": ("virtio-net-pci,disable-modern=on", "vioif0", ("net", "virtio"), "librumpdev_virtio_if_vioif", True),
        "e1000e": ("e1000e", "wm0", ("net",), None, True),
        "e1000": ("e1000", "wm0", ("net",), None, False)}
XFER_MIB = 64
MIB = 1 << 20


def _dir(build):
    d = os.path.join(build, "nics")
    os.makedirs(d, exist_ok=True)
    return d


def _nic(build, dev, port=None):
    net = "user,id=n0,restrict=on"
    if port:
        net += (f",hostfwd=tcp:127.0.0.1:{port}-:80,guestfwd=tcp:10.0.2.100:80-cmd:python3 "
                f"{os.path.join(ROOT, 'tools', 'qemu', 'httpserve.py')} {os.path.join(_dir(build), 'srv')}")
    return ["-netdev", net, "-device", f"{dev},netdev=n0"]


def _random_file(path, mib):
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(MIB))


_prepared = {}
_prepare_lock = threading.Lock()


def _prepare(build):
    """The host's file (fetched by the guest) and the guest's disk (served by
    its httpd), each XFER_MIB of random bytes: made once for every NIC's
    session (they run at the same time and only read them)."""
    with _prepare_lock:
        if build not in _prepared:
            try:
                _make_files(build)
                _prepared[build] = None
            except Exception as e:  # every session reports it
                _prepared[build] = e
        if _prepared[build]:
            raise _prepared[build]


def _make_files(build):
    d = _dir(build)
    for sub in ("srv", "tree"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    _random_file(os.path.join(d, "srv", "in.bin"), XFER_MIB)
    _random_file(os.path.join(d, "tree", "out.bin"), XFER_MIB)
    mkfs(os.path.join(d, "out.img"), XFER_MIB + 16, os.path.join(d, "tree"), block=4096)


def _download(port, path, got):
    """GET path from the guest's httpd through the hostfwd; got gets the
    status, the byte count and the sha256 of the body (or the error)."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        t0 = time.monotonic()
        c.request("GET", path)
        r = c.getresponse()
        h, n = hashlib.sha256(), 0
        while True:
            b = r.read(MIB)
            if not b:
                break
            h.update(b)
            n += len(b)
        got.update(status=r.status, bytes=n, sha=h.hexdigest(), secs=time.monotonic() - t0)
        c.close()
    except Exception as e:  # noqa: BLE001 - any client error is the step's failure
        got["error"] = repr(e)


def _xfer_session(nic, dev, ifn):
    def run(res, build):
        name = f"nic-{nic}-xfer"
        try:
            _prepare(build)
        except Exception as e:  # a broken generator is a failure, not a crash
            res.fail(name, f"preparing the files failed: {e}")
            return
        d = _dir(build)
        port = free_port()
        log = os.path.join(build, "test-logs", f"{name}.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        s = qi.Session(os.path.join(build, "adros.elf"), "", [f"file={os.path.join(d, 'out.img')},format=raw,"
                                                              f"if=ide,index=0,snapshot=on"],
                       mem=384, limit=600, extra=_nic(build, dev, port), log=log)
        st = Steps(s, res, name)

        def dhcp(s):
            # Printed at the prompt (which is then redrawn after a \r, not
            # a new prompt): the shell is waiting for a command.
            s.expect(rf"net: {ifn}: 10\.0\.2\.15/24 by DHCP in \d+ ms", 120)
            out = s.command("dhcp", 30)
            if not re.search(rf"{ifn}: 10\.0\.2\.15/24\r?\n\trouter: none offered\r?\n\tserver: 10\.0\.2\.2", out):
                return f"dhcp printed {out!r}"
            return None
        st.run("DHCP at boot after the prompt, dhcp shows the lease", dhcp)

        def ping(s):
            out = s.command("ping -c 5 10.0.2.2", 60)
            return None if "5 packets transmitted, 5 packets received, 0.0% packet loss" in out else \
                f"ping printed {out!r}"
        st.run("ping the gateway: 5 received", ping)

        def serve(s):
            out = s.command("mkdir /srv", 20) + s.command("mount -r hda /srv", 60) + s.command("httpd /srv", 30)
            return None if "httpd: serving /srv on port 80" in out else f"printed {out!r}"
        st.run("httpd serves the native ext2 disk", serve)

        notes = []

        def both(s):
            got = {}
            host = threading.Thread(target=_download, args=(port, "/out.bin", got))
            m = s.mark()
            s.send("fetch http://10.0.2.100/in.bin /in.bin\r")
            host.start()
            e = s.expect(qi.PROMPT_RX, 400, start=m)
            host.join(400)
            out = s.text(m, e.start())
            mf = re.search(rf"fetch: {XFER_MIB * MIB} bytes in (\d+\.\d+) s", out)
            errs = []
            if not mf:
                errs.append(f"the guest's fetch printed {out[-400:]!r}")
            if host.is_alive() or "error" in got or got.get("status") != 200:
                errs.append(f"the host's download: {got}")
            elif got["bytes"] != XFER_MIB * MIB or got["sha"] != sha256_file(os.path.join(d, "tree", "out.bin")):
                errs.append(f"the host got {got['bytes']} bytes with sha256 {got['sha']}, not the guest's file")
            if errs:
                return "; ".join(errs)
            sha = s.command("sha256sum /in.bin", 300)
            want = sha256_file(os.path.join(d, "srv", "in.bin"))
            if f"{want}  /in.bin" not in sha:
                return f"the guest's sha256sum printed {sha!r}, the host's is {want}"
            notes.append(f"        host->guest (fetch) {mf.group(1)} s, guest->host (httpd) {got['secs']:.1f} s")
            return None
        st.run(f"{XFER_MIB} MiB each way at once (fetch from the host, httpd to the host): sha256 equal", both)
        res.lines += notes

        def stop(s):
            out = s.command("httpd stop", 60) + s.command(f"ifconfig {ifn}", 20)
            if not re.search(r"httpd: stopped; port 80", out) or \
                    not re.search(rf"{ifn}: flags=\S+<UP,BROADCAST,RUNNING[\s\S]*inet 10\.0\.2\.15/24", out):
                return f"printed {out!r}"
            return None
        st.run("httpd stops; ifconfig: up, the address", stop)
        end_two_guests((st,), (s,), res, name, log)  # one guest here
    return run


# Each static boot's net.tcpbuf= and what the boot log must say about it.
TCPBUF = {"e1000e": ("1048576", r"^(?![\s\S]*net: (net\.tcpbuf|kern\.sbmax|net\.inet\.tcp))",
                     "net.tcpbuf=1048576 taken without an error"),
          "virtio": ("99999999999", r"net: net\.tcpbuf=99999999999: want 0 \(NetBSD's buffers\) or 4096 to \d+ bytes",
                     "net.tcpbuf out of range: a clear error")}


# A static boot's own last command, kernel options and what the boot must
# print: on e1000e, the NVM reads beyond QEMU's 64 words that NetBSD's
# attach makes (only for the versions it prints) were answered, not polled
# for 0.5 s each (src/rump/rump_bus_space.c), NetBSD got them as erased
# words (its attach line, printed with RUMP_VERBOSE: the image's unique ID
# is words 0x43 and 0x42), and the MAC, from the words QEMU has, is QEMU's.
OWN = {"e1000e": ("rump status", "rump.RUMP_VERBOSE=1 ",
                  [(r"QEMU e1000e: [1-9]\d* NVM reads of words beyond its 64 answered as erased",
                    "NVM reads beyond QEMU's 64 words answered (no 0.5 s poll each)"),
                   (r"wm0: .*Image Unique ID ffffffff", "NetBSD reads those words as erased (0xffff)"),
                   (r"address: 52:54:00:12:34:56", "the MAC from the NVM is QEMU's")])}


def _static_boot(build, nic, dev, ifn):
    tcpbuf, tcpbuf_rx, tcpbuf_what = TCPBUF[nic]
    own_cmd, own_opts, own_want = OWN.get(nic, (None, "", []))

    def check(b, res):
        name = res.group
        if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL) or "PANIC" in b.output:
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        want = [(rf"net: {ifn}: 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(static\)", "static configuration"),
                (rf"default\s+10\.0\.2\.2\s+UG\s+{ifn}", "route shows the default route"),
                (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping the gateway: 5 received"),
                (r"^(?![\s\S]*status: no carrier)", "ifconfig shows no false 'no carrier'"),
                (tcpbuf_rx, tcpbuf_what),
                (r"httpd: serving / on port 80", "httpd's socket is made"),
                (rf"script: {6 if own_cmd else 5} commands, 0 failed", "every command succeeded")] + own_want
        check_patterns(res, b.output, want, f"{name}: ", b.tail(30))
    return {"name": f"nic-{nic}-static", "cmdline": f'{own_opts}net={ifn}:10.0.2.15/24,gw=10.0.2.2 net.tcpbuf={tcpbuf} '
            f'run="ifconfig {ifn}; route; ping -c 5 10.0.2.2; httpd /; httpd stop{"; " + own_cmd if own_cmd else ""}"',
            "timeout": 120,
            "extra": _nic(build, dev), "check": check}


def _why(stages, archive):
    missing = [s for s in stages if s not in linked_stages()] if rump_present() else list(stages)
    if missing:
        return f"NetBSD's {' and '.join(missing)} components absent (tools/rump-components.sh builds them, see README)"
    if archive and archive not in linked_archives():
        return f"{archive}.a absent from the rump components"
    return None


def boots(build):
    plan = []
    for nic, (dev, ifn, stages, archive, static) in NICS.items():
        tests = {f"nic-{nic}-xfer": [f"{nic}: DHCP, ping, {XFER_MIB} MiB each way at once (fetch and httpd), "
                                     f"sha256 equal"]}
        if static:
            tests[f"nic-{nic}-static"] = [f"{nic}: static address and route, ping the gateway"]
        why = _why(stages, archive)
        if why:
            plan += [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in tests.items()]
            continue
        plan.append({"name": f"nic-{nic}-xfer", "run": _xfer_session(nic, dev, ifn), "timeout": 600})
        if static:
            plan.append(_static_boot(build, nic, dev, ifn))
    lossy = ["vioif: ttcp through the lossy relay between two guests, sha256 equal"]
    why = _why(("net", "virtio"), NICS["virtio"][3])
    if why:
        plan.append({"name": "nic-virtio-lossy", "cmdline": "", "skip": why, "tests": lossy})
    else:
        plan.append({"name": "nic-virtio-lossy", "cmdline": 'run="help ttcp"', "timeout": 60,
                     "check": check_lossy(build, "nic-virtio-lossy",
                                                           "virtio-net-pci,disable-modern=on", "vioif0")})
    return plan
