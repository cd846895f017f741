"""Names, waits and Ctrl-C for the network commands (src/netbsd/dns.c,
src/apps/netcmd.c), against tools/qemu/dnsnet.py: a DHCP, DNS and ping
server on a network that exists only between QEMU and that script (QEMU's
UDP socket backend on 127.0.0.1).

  net-dns       one interactive session, the default net=dhcp:
                - `fetch http://files.example.test/...` at the prompt right
                  after boot waits for the DHCP lease (saying so), resolves
                  the name with the lease's name server and downloads
                - an A record, a CNAME, NXDOMAIN ("no such host"), a
                  truncated UDP answer asked again over TCP, the cache (the
                  server's log: one query), the hosts file (no query),
                  ping by name with two replies: the median is the mean of
                  the two (printed per reply)
                - a name the servers never answer (the lease's second server
                  never answers anything): each asked twice, "no answer from
                  the name servers", and keys typed during the wait run after
                - Ctrl-C stops at once: a DNS wait, and connects to a host
                  that never answers (nc, fetch, ttcp); a command typed
                  right after the Ctrl-C is not lost; nc -l 7000 listens
  net-dns-nodhcp  the same network without DHCP answers: fetch at the
                  prompt says it waits for the lease, Ctrl-C stops the wait;
                  host waits, then gives up with a clear message; Ctrl-C
                  stops the shell's dhcp
"""
import os
import re
import time

from common import Steps, linked_stages, rump_present, safe
from dnsnet import DnsNet
import qemu_interactive as qi

WHY = "NetBSD network components absent (tools/rump-components.sh builds them, see README)"


def _ctrl_c(s, cmd, wait_rx, after="echo typed-after-ctrl-c"):
    """Runs cmd, waits for wait_rx (the command is blocked), presses Ctrl-C
    and at once types another command: cmd must end with [exit 130] within
    3 s and the typed command must run.  None or what went wrong."""
    start = s.mark()
    s.send(cmd + "\r")
    if wait_rx:
        s.expect(wait_rx, 30, start=start)
    else:
        s.expect(re.escape(cmd) + r"\r?\n", 10, start=start)
    time.sleep(1.5)  # let it block well inside the wait (not a synchronisation)
    t0 = time.monotonic()
    s.send("\x03")
    s.expect(r"\[exit 130\] " + re.escape(cmd), 10, start=start)
    took = time.monotonic() - t0
    s.send(after + "\r")
    m = s.expect(r"(?m)^typed-after-ctrl-c\r?$", 10, start=start)
    s.expect(qi.PROMPT_RX, 10, start=m.end())
    if took > 3:
        return f"`{cmd}` took {took:.1f} s to stop after Ctrl-C"
    return None


def _session(build, res):
    name = "net-dns"
    net = DnsNet(build, name)
    log = os.path.join(build, "test-logs", name + "-session.log")
    s = qi.Session(os.path.join(build, "adros.elf"), "", limit=400, extra=net.extra, log=log)
    st = Steps(s, res, name)
    try:
        def first(s):
            s.wait_prompt(120)
            out = s.command("fetch http://files.example.test/hello.txt /hello.txt", 40)
            if "waiting for wm0's DHCP lease" not in out:
                res.lines.append("        (the lease was already there when fetch ran: no wait to see)")
            out = s.command("cat /hello.txt", 20)
            if out.replace("\r", "") != "hello from dnsnet\n":
                return f"fetched {out!r}"
            out = s.command("host www.example.test", 40)
            if not re.search(r"(?m)^www\.example\.test has address 192\.0\.2\.10\r?$", out):
                return f"host printed {out!r}"
            return None

        def answers(s):
            for cmd, rx in (("host alias.example.test", r"^alias\.example\.test has address 192\.0\.2\.10\r?$"),
                            ("host NoPe.example.test", r"^host: NoPe\.example\.test: no such host\r?\n\[exit 1\]"),
                            ("host big.example.test", r"^big\.example\.test has address 192\.0\.2\.77\r?$"),
                            ("host www.example.test", r"^www\.example\.test has address 192\.0\.2\.10\r?$"),
                            ("host bad..name", r"^host: bad\.\.name: not a host name or address"),
                            ("host", r"^hosts file: /etc/hosts\r?\nname servers \(DHCP\):\r?\n  10\.0\.3\.1:53\r?\n"
                                     r"  10\.0\.3\.2:53\r?$")):
                out = s.command(cmd, 30)
                if not re.search(rx, out, re.M):
                    return f"`{cmd}` printed {out!r}"
            if net.queries("big.example.test") != [("udp", "truncated"), ("tcp", "192.0.2.77")]:
                return f"big.example.test: not UDP truncated then TCP: {net.queries('big.example.test')}"
            if net.queries("www.example.test") != [("udp", "192.0.2.10")]:
                return f"www.example.test asked again, not cached: {net.queries('www.example.test')}"
            if net.queries("nope.example.test") != [("udp", "nxdomain")]:
                return f"nope.example.test: {net.queries('nope.example.test')}"
            return None

        def ping_median(s):
            out = s.command("ping -c 2 -i 200 gw.example.test", 30)
            times = [float(t) for t in re.findall(r"time=([\d.]+) ms", out)]
            m = re.search(r"median ([\d.]+)", out)
            if "2 packets received" not in out or len(times) != 2 or not m:
                return f"ping printed {out!r}"
            want = (times[0] + times[1]) / 2
            if abs(float(m.group(1)) - want) > 0.002:
                return f"median {m.group(1)} ms, replies {times}: expected their mean {want:.3f}"
            return None

        def hosts_file(s):
            for cmd in ("mkdir /etc", 'write /etc/hosts "10.0.3.1 router.lan"'):
                s.command(cmd, 20)
            out = s.command("ping -c 1 router.lan", 30)
            if "1 packets received" not in out:
                return f"ping router.lan printed {out!r}"
            if net.queries("router.lan"):
                return f"router.lan was asked of the name server: {net.queries('router.lan')}"
            return None

        def silent_and_typeahead(s):
            start = s.mark()
            s.send("host silent.example.test\r")
            s.expect(r"host silent\.example\.test\r?\n", 10, start=start)
            s.send("echo typed-during-the-wait\r")
            m = s.expect(r"host: silent\.example\.test: no answer from the name servers", 30, start=start)
            s.expect(r"(?m)^typed-during-the-wait\r?$", 20, start=m.end())
            s.wait_prompt(10)
            got = [q for q in net.queries("silent.example.test")]
            want = [("udp", "silent")] * 2 + [("silent", "-")] * 2
            return None if got == want else f"queries for silent.example.test: {got}, expected {want} (each server twice)"

        st.run("fetch by name at the prompt right after boot: waits for the lease, resolves, downloads", safe(first))
        st.run("A, CNAME, NXDOMAIN, truncated then TCP, the cache, a bad name", safe(answers))
        st.run("ping by name, two replies: the median is their mean", safe(ping_median))
        st.run("the hosts file answers without a query", safe(hosts_file))
        st.run("a silent server: a clear timeout, keys typed meanwhile run after", safe(silent_and_typeahead))
        st.run("Ctrl-C stops a DNS wait at once",
               safe(lambda s: _ctrl_c(s, "host silent.example.test", None)))
        st.run("Ctrl-C stops nc's connect to a host that never answers",
               safe(lambda s: _ctrl_c(s, "nc 10.0.3.2 80", None)))
        st.run("Ctrl-C stops fetch's connect", safe(lambda s: _ctrl_c(s, "fetch http://10.0.3.2/x /x", None)))
        st.run("Ctrl-C stops ttcp's connect", safe(lambda s: _ctrl_c(s, "ttcp -t 10.0.3.2 1", None)))
        st.run("nc -l 7000 listens on every address (Ctrl-C ends it)",
               safe(lambda s: _ctrl_c(s, "nc -l 7000", r"nc: listening on 0\.0\.0\.0:7000")))
        m = re.search(r"net: wm0: 10\.0\.3\.15/24 by DHCP in (\d+) ms", s.text())
        if m:
            res.lines.append(f"        DHCP: lease in {m.group(1)} ms (guest time, from the exchange's start)")
        st.run("poweroff", qi.poweroff_step)
    finally:
        if s.alive():
            s.close(1)
        net.stop()
    if "KERNEL PANIC" in s.text():
        res.fail(f"{name}: no panic", "the session panicked; see " + log)


def _session_nodhcp(build, res):
    name = "net-dns-nodhcp"
    net = DnsNet(build, name, dhcp=False)
    log = os.path.join(build, "test-logs", name + "-session.log")
    s = qi.Session(os.path.join(build, "adros.elf"), "", limit=300, extra=net.extra, log=log)
    st = Steps(s, res, name)
    try:
        def wait_then_ctrl_c(s):
            s.wait_prompt(120)
            return _ctrl_c(s, "fetch http://www.example.test/ /f", r"fetch: waiting for wm0's DHCP lease\.\.\.")

        def gives_up(s):
            out = s.command("host www.example.test", 40)
            if not re.search(r"host: wm0 got no DHCP lease \(wm0: DHCP failed: ETIMEDOUT\)|"
                             r"host: gave up waiting for wm0's DHCP lease", out):
                return f"host printed {out!r}"
            return None

        st.run("fetch at the prompt waits for the lease, saying so; Ctrl-C stops the wait", safe(wait_then_ctrl_c))
        st.run("a DHCP server that never answers: the command gives up with a clear message", safe(gives_up))
        st.run("Ctrl-C stops the shell's dhcp waiting for an answer", safe(lambda s: _ctrl_c(s, "dhcp wm0", None)))
        st.run("poweroff", qi.poweroff_step)
    finally:
        if s.alive():
            s.close(1)
        net.stop()


def boots(build):
    names = {"net-dns": ["names, the cache, the hosts file, TCP fallback, timeouts, Ctrl-C"],
             "net-dns-nodhcp": ["commands wait for DHCP, Ctrl-C, give up"]}
    if not rump_present() or "net" not in linked_stages():
        return [{"name": n, "cmdline": "", "skip": WHY, "tests": t} for n, t in names.items()]
    return [{"name": "net-dns", "run": lambda res, b: _session(b, res)},
            {"name": "net-dns-nodhcp", "run": lambda res, b: _session_nodhcp(b, res)}]
