"""ttcp (src/shell/cmd_ttcp.c) and the network benchmarks of `make bench`:
NetBSD's wm driver and TCP/IP stack, measured from the host
(tools/bench/netbench.py) the same way as the Linux reference boot
(tools/bench/linuxref.py).

Network safety: QEMU user-mode networking with restrict=on only, host
endpoints on 127.0.0.1 only (netbench.nic()).

Test (`make test`):
  net-ttcp   the runner's own boot (rump=off): ttcp without the network
             and with bad arguments fails with a clear message.  Then an
             interactive session, static address: `ttcp -r` receives 4 MiB
             the host sends through hostfwd (the guest checks the pattern
             and closes: the host sees the close after every byte);
             `ttcp -t 10.0.2.100:5001 4` sends 4 MiB that the host receives
             through guestfwd and checks byte for byte; 1 MiB in 1023-byte
             sends arrives intact too; a stream with one byte changed is
             refused at that byte's offset (with 1001-byte receives);
             Ctrl-C stops `ttcp -r` waiting for a connection and `ttcp -t`
             in mid-transfer; connecting where nothing listens is a clear
             error.  Skipped with the reason when the network components
             are absent.

Benchmarks (`make bench`, tools/bench/runbench.py):
  net-bench      one boot with the NIC: ping the gateway (a warm-up ping,
                 discarded, then PING_COUNT at PING_INTERVAL_MS), then
                 `ttcp -t` BENCH_MIB to the host and `ttcp -r` BENCH_MIB from
                 the host, with 64 KiB and with 1 KiB sends and receives
                 (-l 1024: busybox nc's size, what the Linux guest uses),
                 lsirq around each; throughput timed on the host (and what
                 ttcp printed), NIC interrupts per MB.  On QEMU's e1000
                 (NetBSD's wm).
  net-bench-e1000e, net-bench-virtio   the same on e1000e (wm, i82574L)
                 and on virtio-net-pci (vioif, the transitional device's
                 legacy interface); bench net_e1000e, net_virtio.
  net-rump-init  rump_init with the network components linked, RUMP_SAMPLES
                 boots with the e1000 and as many without a NIC (net=off,
                 run="rump"): the fastest and the median.
  ping-copy-bench  ping the gateway idle, then while a 64 MiB cp runs in
                 the background through NetBSD's ext2fs (a shell job):
                 both medians and the ratio, during / idle (target <= 2;
                 tools/bench/pingcopy.py).
"""
import os
import re
import statistics
import time

import netbench as nb
import pingcopy
import qemu
import qemu_interactive as qi
from common import Steps, check_patterns, linked_archives, linked_stages, rump_present, safe

WHY = "NetBSD network components absent (tools/rump-components.sh builds them, see README)"
STATIC = "net=wm0:10.0.2.15/24,gw=10.0.2.2"
TEST_MIB = 4
BENCH_MIB = nb.BENCH_MIB
PING_COUNT, PING_INTERVAL_MS = nb.PING_COUNT, nb.PING_INTERVAL_MS
RUMP_SAMPLES = 5
PEER = f"{nb.GUEST_PEER}:{nb.GUEST_PORT}"


def _net_linked():
    return rump_present() and "net" in linked_stages()


# ---- the test ---------------------------------------------------------------

def _expect_fail(s, cmd, pattern, timeout=30):
    out = s.command(cmd, timeout)
    return None if re.search(pattern, out) else f"`{cmd}` printed {out[-500:]!r}, expected /{pattern}/"


class Session:
    def __init__(self, s, sink, source):
        self.s, self.sink, self.source = s, sink, source

    def receive(self, s, n=TEST_MIB << 20, corrupt_at=None, opts=""):
        """`ttcp -r`; the host sends n bytes when it listens.  Returns (what
        the guest printed, the source's result)."""
        m = s.mark()
        s.send(f"ttcp -r {opts}-p {nb.GUEST_PORT}\r")
        s.expect(r"ttcp: listening on port \d+", 30, start=m)
        r = self.source.send(n, corrupt_at)
        e = s.expect(qi.PROMPT_RX, 60, start=m)
        return s.text(m, e.start()), r

    def host_to_guest(self, s):
        out, r = self.receive(s)
        n = TEST_MIB << 20
        if r["error"] or not r["closed"] or r["bytes"] != n:
            return f"host side: {r}; guest printed {out!r}"
        if not re.search(rf"ttcp: received {n} bytes in \d+\.\d{{3}} s \([\d.]+ MB/s\)\nttcp: pattern ok", out):
            return f"guest printed {out!r}"
        return None

    def guest_to_host(self, s, mib=TEST_MIB, opts="", index=0):
        n = mib << 20
        out = s.command(f"ttcp -t {opts}{PEER} {mib}", 120)
        if not re.search(rf"ttcp: sent {n} bytes in \d+\.\d{{3}} s \([\d.]+ MB/s\)", out):
            return f"guest printed {out!r}"
        r = self.sink.results[index] if len(self.sink.results) > index else None
        if not r or r["error"] or r["bytes"] != n:
            return f"host side: {r} ({self.sink.error})"
        if r["mismatch"] is not None:
            return f"the host found the pattern wrong at byte {r['mismatch']}"
        return None

    def odd_sends(self, s):
        return self.guest_to_host(s, 1, "-l 1023 ", 1)

    def corrupt(self, s):
        bad = 777777
        out, r = self.receive(s, 1 << 20, corrupt_at=bad, opts="-l 1001 ")
        want = nb.pattern(bad + 1)[bad]
        pat = rf"ttcp: pattern mismatch at byte {bad} of the stream: 0x{want ^ 0x5a:02x}, expected 0x{want:02x}"
        if not re.search(pat, out):
            return f"guest printed {out!r}, expected /{pat}/"
        if r["error"] is None and not r["closed"]:
            return f"the host's connection did not end: {r}"
        return None

    def ctrl_c_listen(self, s):
        m = s.mark()
        s.send("ttcp -r\r")
        s.expect(r"ttcp: listening on port 5001", 30, start=m)
        s.send("\x03")
        e = s.expect(qi.PROMPT_RX, 10, start=m)
        out = s.text(m, e.start())
        return None if "ttcp: interrupted waiting for a connection" in out else f"printed {out!r}"

    def ctrl_c_send(self, s):
        m = s.mark()
        s.send(f"ttcp -t {PEER} 1024\r")
        s.expect(r"ttcp: connected to", 30, start=m)
        time.sleep(1.0)
        s.send("\x03")
        e = s.expect(qi.PROMPT_RX, 15, start=m)
        out = s.text(m, e.start())
        if not re.search(r"ttcp: interrupted after \d+ of 1073741824 bytes", out):
            return f"printed {out!r}"
        return None

    def refused(self, s):
        return _expect_fail(s, f"ttcp -t 10.0.2.2:{nb.GUEST_PORT} 1",
                            rf"ttcp: connecting to 10\.0\.2\.2:{nb.GUEST_PORT}: connection refused")


def _ttcp_session(build):
    def check(b, res):
        name = res.group
        want = [(r"ttcp: the network is not available[^\n]*\n\[exit 1\] ttcp -r", "-r without the network"),
                (r"ttcp: the network is not available[^\n]*\n\[exit 1\] ttcp -t", "-t without the network"),
                (r"usage: ttcp -t \[-s\] \[-l len\] <host\[:port\]> <MiB> \| ttcp -r \[-n\] \[-s\] \[-l len\] \[-p port\]\n"
                 r"\[exit 2\] ttcp\n", "no arguments: the usage"),
                (r"ttcp: 0: the length must be 1 to 262144 bytes", "a bad -l"),
                (r"ttcp: 0: MiB must be 1 to 4096", "a size of 0"),
                (r"ttcp: 70000: not a port number", "a bad port"),
                (r"ttcp: 10\.0\.2: not a host name or address", "a bad address"),
                (r"usage: ttcp .*\n\[exit 2\] ttcp -t 10\.0\.2\.100 1 -p 7", "-p with -t: the usage"),
                (r"script: 8 commands, 8 failed", "each failed, AdrOS goes on")]
        check_patterns(res, b.output, want, f"{name}/rump=off: ", b.tail(20))
        # 4 MiB and 1 MiB checked, then the 1 GiB send that Ctrl-C stops.
        sink = nb.Sink([TEST_MIB << 20, 1 << 20, 1 << 30], verify=True).start()
        source = nb.Source(nb.free_port())
        log = os.path.join(build, "test-logs", f"{name}-session.log")
        s = qi.Session(os.path.join(build, "adros.elf"), STATIC, limit=400,
                       extra=nb.nic_args(sink.port, source.port), log=log)
        t = Session(s, sink, source)
        st = Steps(s, res, name)

        def start(s):
            s.wait_prompt(90)
            out = s.command("rump", 60)
            return None if "rump kernel: running" in out else f"rump printed {out!r}"
        st.run("boot with the e1000, the rump kernel runs", start)
        st.run(f"host -> guest: ttcp -r receives {TEST_MIB} MiB, checks the pattern, closes", safe(t.host_to_guest))
        st.run(f"guest -> host: ttcp -t sends {TEST_MIB} MiB, the host checks every byte", safe(t.guest_to_host))
        st.run("guest -> host with 1023-byte sends: the host checks every byte", safe(t.odd_sends))
        st.run("a stream with one byte changed (1001-byte receives): refused at its offset", safe(t.corrupt))
        st.run("Ctrl-C stops ttcp -r waiting for a connection", safe(t.ctrl_c_listen))
        st.run("Ctrl-C stops ttcp -t in mid-transfer", safe(t.ctrl_c_send))
        st.run("connecting where nothing listens: a clear error", safe(t.refused))
        st.run("poweroff", qi.poweroff_step)
        if s.alive():
            s.close(1)
        sink.close()
        if "KERNEL PANIC" in s.text():
            res.fail(f"{name}: no panic", "the session panicked; see " + log)
    return check


def boots(build):
    tests = ["ttcp both ways through user networking, pattern checked on the host and in the guest; "
             "errors, Ctrl-C"]
    if not _net_linked():
        return [{"name": "net-ttcp", "cmdline": "", "skip": WHY, "tests": tests}]
    off = ('rump=off run="ttcp -r; ttcp -t 10.0.2.100:5001 1; ttcp; ttcp -t 10.0.2.100 0; '
           'ttcp -r -p 70000; ttcp -t 10.0.2 1; ttcp -t 10.0.2.100 1 -p 7; ttcp -r -l 0"')
    return [{"name": "net-ttcp", "cmdline": off, "timeout": 60, "check": _ttcp_session(build)}]


# ---- the benchmarks -----------------------------------------------------------

TX = f"ttcp -t {PEER} {BENCH_MIB}"
RX = f"ttcp -r -p {nb.GUEST_PORT}"
TX_1K = f"ttcp -t -l 1024 {PEER} {BENCH_MIB}"
RX_1K = f"ttcp -r -l 1024 -p {nb.GUEST_PORT}"
BENCH_SCRIPT = (f"rump; ping -c 1 10.0.2.2; ping -c {PING_COUNT} -i {PING_INTERVAL_MS} 10.0.2.2; lsirq; "
                f"{TX}; lsirq; {RX}; lsirq; {TX_1K}; lsirq; {RX_1K}; lsirq")


def _between(text, start, end):
    i = text.find(start)
    j = text.find(end, i + len(start)) if i >= 0 else -1
    return text[i:j] if i >= 0 and j >= 0 else ""


def _cmd_output(text, cmd):
    """What the script's command cmd printed (up to the next command)."""
    i = text.find(f"adros# {cmd}\n")
    if i < 0:
        return ""
    j = text.find("\nadros# ", i + 1)
    k = text.find("\nscript: ", i + 1)
    ends = [x for x in (j, k) if x >= 0]
    return text[i:min(ends)] if ends else text[i:]


def _guest_rate(text, verb):
    """(bytes, ns) of ttcp's "ttcp: sent|received N bytes in S.mmm s" line."""
    m = re.search(rf"ttcp: {verb} (\d+) bytes in (\d+)\.(\d{{3}}) s", text)
    return (int(m.group(1)), int(m.group(2)) * 10**9 + int(m.group(3)) * 10**6) if m else None


# The benchmarked NICs (netbench.NICS): NetBSD's interface, the stages and
# the archive they need.
BENCH_NICS = {"e1000": ("wm0", ("net",), None), "e1000e": ("wm0", ("net",), None),
              "virtio": ("vioif0", ("net", "virtio"), "librumpdev_virtio_if_vioif")}


def _run_bench(kernel, build, spec):
    nic = spec.get("nic", "e1000")
    ifn = BENCH_NICS[nic][0]
    n = BENCH_MIB << 20
    sink = nb.Sink([n, n], verify=False)  # counting only: the host's CPU is shared with QEMU
    source = nb.Source(nb.free_port())
    rx = []

    def send():
        rx.append(source.send(n))
    sink.start()
    # spec["append"]: kernel options for an experiment (tools/bench/nicexp.py).
    cmd = qemu.qemu_cmd(kernel, f'panic=poweroff vga=off net={ifn}:10.0.2.15/24,gw=10.0.2.2 {spec.get("append", "")} '
                        f'run="{BENCH_SCRIPT}"',
                        (), 256, nb.nic_args(sink.port, source.port, nic))
    logdir = os.path.join(build, "bench-logs")
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, f"{spec['name']}.log")
    b, _ = nb.boot(cmd, spec.get("timeout", 600), [(rb"ttcp: listening on port", send)] * 2, log=log)
    sink.close()
    problems = [f"guest->host: {r['error']}" for r in sink.results if r["error"]] + \
        [f"host->guest: {r['error']}" for r in rx if r["error"]] + ([sink.error] if sink.error else [])
    if b.timed_out or b.status != qemu.EXIT_OK or problems or len(rx) != 2 or len(sink.results) != 2:
        print(f"{spec['name']}: {'; '.join(problems) or 'incomplete'} (console: {log})")
        return b, []
    out = b.output
    ping = _cmd_output(out, f"ping -c {PING_COUNT} -i {PING_INTERVAL_MS} 10.0.2.2")
    irqs = [nb.irq_count(_cmd_output(out[m.start():], "lsirq")) for m in re.finditer(r"adros# lsirq\n", out)]
    if len(irqs) != 5 or None in irqs:
        irqs = [0] * 5
        print(f"{spec['name']}: no NIC line in lsirq's output")
    d = {"rtts": nb.rtts_ms(ping), "mib": BENCH_MIB}
    for i, suffix in enumerate(("", "_1k")):
        tx_cmd, rx_cmd = (TX, RX) if not suffix else (TX_1K, RX_1K)
        d["tx_host" + suffix] = (sink.results[i]["bytes"], sink.results[i]["ns"])
        d["rx_host" + suffix] = (rx[i]["bytes"], rx[i]["ns"])
        d["tx_guest" + suffix] = _guest_rate(_cmd_output(out, tx_cmd), "sent")
        d["rx_guest" + suffix] = _guest_rate(_cmd_output(out, rx_cmd), "received")
        d["irq_tx" + suffix] = irqs[2 * i + 1] - irqs[2 * i]
        d["irq_rx" + suffix] = irqs[2 * i + 2] - irqs[2 * i + 1]
    results = nb.results(nb.bench_name("net", nic), d)
    m = re.search(r"rump_init took ([\d.]+) ms", out)
    if m:
        results.append({"bench": nb.bench_name("net", nic), "metric": f"rump_init, {nic} present ({spec['name']} boot)",
                        "cycles": 0,
                        "ns": int(float(m.group(1)) * 1e6), "note": "", "value": float(m.group(1)), "unit": "ms"})
    return b, results


# The NICs whose DHCP lease is timed: QEMU model, AdrOS's interface, the
# archive it needs (vioif: NetBSD's virtio network driver).
DHCP_NICS = [("e1000", "e1000", "wm0", None),
             ("e1000e", "e1000e", "wm0", None),
             ("virtio", "virtio-net-pci", "vioif0", "librumpdev_virtio_if_vioif")]


def _run_dhcp(kernel, build, spec):
    """Time to a DHCP lease (QEMU's user network, restrict=on, whose DHCP
    server answers at once), on the e1000, the e1000e and, when NetBSD's
    vioif is linked, on virtio-net: the boot's own line "net: wm0: ... by DHCP in N
    ms (...), M ms after boot", N from the DHCP thread's start (the NIC
    brought up, link negotiation, the exchange, AdrOS's two ARP probes) to
    the address usable, M the guest time since the kernel started.  The
    Linux mirror times busybox's udhcpc from `ip link set eth0 up` to its
    address on the e1000 (tools/bench/linuxref.py, wl_dhcp).  Also the
    round trip of the boot's first ping, which waits for the lease and is
    sent at once (on QEMU's e1000, a write of RCTL after the lease held
    its reply for a second: src/rump/rump_bus_space.c).  Medians of
    RUMP_SAMPLES boots each."""
    results, last = [], None
    for nic, model, ifname, archive in DHCP_NICS:
        if archive and archive not in linked_archives():
            print(f"# DHCP on {nic} skipped: {archive} not linked", flush=True)
            continue
        took, boot, first = [], [], []
        for _ in range(RUMP_SAMPLES):
            last = qemu.boot(kernel, 'run="ping -c 1 10.0.2.2"', timeout=120,
                             extra=["-nic", f"user,model={model},restrict=on"])
            m = re.search(rf"net: {ifname}: \S+ by DHCP in (\d+) ms \([^)]*\), (\d+) ms after boot", last.output)
            if last.timed_out or last.status != qemu.EXIT_OK or not m:
                return last, []
            took.append(int(m.group(1)))
            boot.append(int(m.group(2)))
            p = re.search(r"bytes from 10\.0\.2\.2: icmp_seq=0 ttl=\d+ time=([\d.]+) ms", last.output)
            if p:  # a lost first ping costs the sample, not the boot's other figures
                first.append(float(p.group(1)))
        note = "QEMU's user network (restrict=on)"
        results += nb.results(nb.bench_name("net", nic), {
            "dhcp_ms": statistics.median(took), "dhcp_boot_ms": statistics.median(boot),
            "dhcp_note": f"median of {len(took)} boots: " + ", ".join(map(str, took)) + f" ms; {note}",
            "dhcp_boot_note": f"median of {len(boot)} boots: " + ", ".join(map(str, boot)) + f" ms; {note}",
            "dhcp_ping_ms": statistics.median(first) if first else None,
            "dhcp_ping_note": f"median of {len(first)} boots: " + ", ".join(f"{t:.1f}" for t in first) + " ms"})
    return last, results


def _run_rump_init(kernel, build, spec):
    """rump_init with the network components, with and without the e1000."""
    results, last = [], None
    for label, extra in (("e1000 present", ["-nic", "user,model=e1000,restrict=on"]), ("no NIC", ["-nic", "none"])):
        took = []
        for _ in range(RUMP_SAMPLES):
            last = qemu.boot(kernel, 'net=off run="rump"', timeout=120, extra=extra)
            m = re.search(r"rump_init took ([\d.]+) ms", last.output)
            if last.timed_out or last.status != qemu.EXIT_OK or not m:
                return last, []
            took.append(float(m.group(1)))
        # On a shared machine a boot can lose the CPU to other work: the
        # fastest boot is the best estimate of the cost, the median shows the spread.
        med = statistics.median(took)
        results.append({"bench": "net", "metric": f"rump_init, net components, {label}", "cycles": 0,
                        "ns": int(min(took) * 1e6), "note": f"fastest of {len(took)} boots; median {med:.0f}, all "
                                                            + ", ".join(f"{t:.0f}" for t in took) + " ms",
                        "value": min(took), "unit": "ms"})
    return last, results


def benches(build):
    if not _net_linked():
        print(f"# network benchmarks skipped: {WHY}", flush=True)
        return []
    out = []
    for nic, (_, stages, archive) in BENCH_NICS.items():
        if any(st not in linked_stages() for st in stages) or (archive and archive not in linked_archives()):
            print(f"# network benchmark on {nic} skipped: its components are not linked", flush=True)
            continue
        out.append({"name": "net-bench" if nic == "e1000" else f"net-bench-{nic}", "nic": nic, "run": _run_bench,
                    "timeout": 600})
    out.append({"name": "net-rump-init", "run": _run_rump_init, "timeout": 600})
    out.append({"name": "net-dhcp", "run": _run_dhcp, "timeout": 600})
    if "ext2" in linked_stages():
        out.append({"name": "ping-copy-bench", "run": pingcopy.run, "timeout": 600})
    else:
        print("# ping during a copy skipped: NetBSD's ext2 components are not linked", flush=True)
    return out
