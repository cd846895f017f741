#!/usr/bin/env python3
"""Host side of the network benchmarks and of the ttcp tests: TCP endpoints
on 127.0.0.1 for a guest on QEMU's user-mode network (restrict=on), a boot
that starts them when the guest's console says so, and parsers for what
the guests print.  Used by tools/test/plan_net_bench.py (AdrOS) and
tools/bench/linuxref.py (the Linux reference boot): both guests get the same NIC
(nic()) and are measured by the same code here.

Network safety: the only NIC is `-nic user,model=e1000,restrict=on` with
    guestfwd=tcp:10.0.2.100:5001-tcp:127.0.0.1:<sink port>   guest -> host
    hostfwd=tcp:127.0.0.1:<source port>-:5001               host -> guest
Host ports are picked free at run time, on 127.0.0.1 only.

Guest -> host (Sink): the guest connects to 10.0.2.100:5001.  QEMU's
guestfwd to a `tcp:` chardev connects to the sink once, when QEMU starts,
and carries every guest connection to 10.0.2.100:5001 over that one host
connection: the sink sees bytes but never the guest's FIN, and closing it
does not reach the guest.  So the sink knows how many bytes each transfer
has, times from the first byte to the last, and acknowledges the end by
writing a line back (`ttcp -t` and the Linux workload wait for it).

Host -> guest (Source): when the guest's console shows that it listens,
the source connects to the hostfwd port, sends the bytes, shuts its side
down and waits for the guest to close: timed from the first byte sent to
that end of stream.

The pattern is ttcp's (src/shell/cmd_ttcp.c): the little-endian 32-bit word
at byte offset 4k is SEED + k.

By hand, for a guest run outside the runners (tools/qemu/qprof.py during a
transfer, docs/PERFORMANCE.md):
  tools/bench/netbench.py sink PORT MIB [--verify]   listens on 127.0.0.1:PORT
  tools/bench/netbench.py source PORT MIB            retries until the guest listens
"""
import array
import os
import re
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "qemu"))
import qemu  # noqa: E402

# The benchmark's workloads, the same for AdrOS and Linux.
BENCH_MIB = 64
PING_COUNT, PING_INTERVAL_MS = 200, 10

SEED = 0x74746370
GUEST_PORT = 5001          # the guest's end of both forwards
GUEST_PEER = "10.0.2.100"  # the guestfwd address
ACK = b"ttcp: received\n"
CHUNK = 256 * 1024

_pattern = b""


def _grow(n):
    """Makes the cached pattern at least n bytes (n under 8 GiB: the words
    stay below 2^32)."""
    global _pattern
    if len(_pattern) < n:
        words = (max(n, 2 * len(_pattern)) + 3) // 4
        _pattern = array.array("I", range(SEED, SEED + words)).tobytes() if sys.byteorder == "little" else \
            b"".join(((SEED + k) & 0xffffffff).to_bytes(4, "little") for k in range(words))


def pattern(n):
    """The first n bytes of the pattern (cached, grown on demand)."""
    _grow(n)
    return _pattern[:n]


def first_mismatch(data, off):
    """The stream offset of the first byte of data (at stream offset off)
    that is not the pattern's, or None."""
    _grow(off + len(data))
    want = memoryview(_pattern)[off:off + len(data)]  # no copy: this runs per recv()
    if data == want:
        return None
    for i in range(len(data)):
        if data[i] != want[i]:
            return off + i
    return off + len(data)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """Guest -> host: the end of guestfwd's chardev.  transfers: the byte
    count of each transfer the guest makes, in order; verify: check the
    pattern (else only count).  Listening starts at construction (QEMU
    connects when it starts); start() accepts and receives in a thread."""

    def __init__(self, transfers, verify=True, accept_timeout=60, stall=60, first=900):
        self.transfers = list(transfers)
        self.first = first  # the wait for a transfer's first byte (the guest boots, runs other workloads)
        self.verify = verify
        if verify:
            _grow(min(max(self.transfers, default=0), 64 << 20))  # now, not while the guest sends
        self.accept_timeout, self.stall = accept_timeout, stall
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.results = []   # per transfer: dict bytes, ns, mismatch (offset or None), error
        self.error = None
        self.thread = None
        self.conn = None

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        try:
            self.lsock.settimeout(self.accept_timeout)
            self.conn, _ = self.lsock.accept()
        except OSError as e:
            self.error = f"QEMU's guestfwd chardev did not connect: {e}"
            return
        finally:
            self.lsock.close()
        for n in self.transfers:
            r = {"bytes": 0, "ns": None, "mismatch": None, "error": None}
            self.results.append(r)
            t0 = None
            try:
                while r["bytes"] < n:
                    self.conn.settimeout(self.stall if t0 else self.first)
                    d = self.conn.recv(min(CHUNK, n - r["bytes"]))
                    if not d:
                        r["error"] = "QEMU closed the chardev"
                        return
                    if t0 is None:
                        t0 = time.perf_counter_ns()
                    if self.verify and r["mismatch"] is None:
                        r["mismatch"] = first_mismatch(d, r["bytes"])
                    r["bytes"] += len(d)
                r["ns"] = time.perf_counter_ns() - t0
                self.conn.sendall(ACK)
            except OSError as e:
                r["error"] = f"after {r['bytes']} of {n} bytes: {e}"
                return

    def close(self):
        for s in (self.conn, self.lsock):
            if s:
                try:
                    s.close()
                except OSError:
                    pass
        if self.thread:
            self.thread.join(5)


class Source:
    """Host -> guest through hostfwd 127.0.0.1:port.  send() connects,
    sends n bytes of the pattern (one byte flipped at corrupt_at, if
    given), shuts down its side and waits for the guest to close; returns a
    dict bytes (sent), ns (first byte to the guest's close), closed (the
    guest closed), error."""

    def __init__(self, port):
        self.port = port

    def send(self, n, corrupt_at=None, stall=60, conn=None):
        """conn: a connection already made (else one is made now)."""
        data = pattern(n)
        if corrupt_at is not None:
            data = bytearray(data)
            data[corrupt_at] ^= 0x5a
            data = bytes(data)
        r = {"bytes": 0, "ns": None, "closed": False, "error": None}
        try:
            c = conn or socket.create_connection(("127.0.0.1", self.port), timeout=stall)
            c.settimeout(stall)
        except OSError as e:
            r["error"] = f"connect to 127.0.0.1:{self.port}: {e}"
            return r
        try:
            t0 = time.perf_counter_ns()
            mv = memoryview(data)
            while r["bytes"] < n:
                r["bytes"] += c.send(mv[r["bytes"]:r["bytes"] + CHUNK])
            c.shutdown(socket.SHUT_WR)
            while True:
                try:
                    if not c.recv(65536):
                        break
                except ConnectionResetError:
                    break
            r["ns"] = time.perf_counter_ns() - t0
            r["closed"] = True
        except OSError as e:
            r["error"] = f"after {r['bytes']} of {n} bytes: {e}"
        finally:
            c.close()
        return r


# The NICs benchmarked, each on both guests: QEMU's -nic model.  On -M pc
# virtio-net-pci is the transitional device: NetBSD's vioif drives its
# legacy interface (NetBSD 7.99 has no virtio 1.0), Linux's virtio_net its
# modern one; the same emulated device either way.
NICS = {"e1000": "e1000", "e1000e": "e1000e", "virtio": "virtio-net-pci"}


def bench_name(guest, nic):
    """The BENCH "bench" of a guest's ("net" for AdrOS, "linux_net") figures
    on nic: e1000's keep the plain names."""
    return guest if nic == "e1000" else f"{guest}_{nic}"


def nic(sink_port, source_port):
    """The NIC options both guests get (after `user,model=<NICS[nic]>,restrict=on`)."""
    return [f"hostfwd=tcp:127.0.0.1:{source_port}-:{GUEST_PORT}",
            f"guestfwd=tcp:{GUEST_PEER}:{GUEST_PORT}-tcp:127.0.0.1:{sink_port}"]


def nic_args(sink_port, source_port, model="e1000"):
    return ["-nic", ",".join(["user", f"model={NICS[model]}", "restrict=on"] + nic(sink_port, source_port))]


def boot(cmd, timeout, triggers=(), log=None, marker=b"AdrOS ready"):
    """Runs the QEMU command line cmd (stdin closed), like qemu.boot(), and
    while it runs calls each of triggers, (regex, fn), in order: fn() in a
    thread of its own once the console shows regex after the previous
    trigger's match.  Returns (qemu.Boot, the triggers' threads)."""
    pending = [(re.compile(p.encode() if isinstance(p, str) else p), fn) for p, fn in triggers]
    state = {"pos": 0}
    threads = []

    def on_output(buf):
        while pending:
            m = pending[0][0].search(buf, state["pos"])
            if not m:
                break
            state["pos"] = m.end()
            t = threading.Thread(target=pending.pop(0)[1], daemon=True)
            t.start()
            threads.append(t)

    b = qemu.run(cmd, timeout, log=log, marker=marker, on_output=on_output)
    for t in threads:
        t.join(30)
    return b, threads


# ---- what the guests print ----

def rtts_ms(text):
    """Round-trip times (ms) of the echo replies in a ping's output, AdrOS's
    ("icmp_seq=N ttl=T time=X ms") or busybox's ("seq=N ttl=T time=X ms")."""
    return [float(m.group(1)) for m in re.finditer(r"(?:icmp_)?seq=\d+ ttl=\d+ time=([\d.]+) ms", text)]


def ping_stats(rtts):
    """(median, p99) in ms, p99 by the nearest-rank method."""
    s = sorted(rtts)
    if not s:
        return None, None
    return statistics.median(s), s[min(len(s) - 1, max(0, -(-99 * len(s) // 100) - 1))]


def irq_count(lsirq_text, handler="rump-pci"):
    """The count of AdrOS's lsirq line whose handlers include handler."""
    for line in lsirq_text.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].isdigit() and handler in parts[4:]:
            return int(parts[1])
    return None


def rate_note(nbytes, ns):
    return f"{nbytes * 1e3 / ns:.2f} MB/s over {nbytes >> 20} MiB" if ns else "no time"


# ---- figures: the same for both guests ----

M_TX_HOST = "tcp guest->host, host-timed"
M_RX_HOST = "tcp host->guest, host-timed"
M_TX_GUEST = "tcp guest->host, guest-timed"
M_RX_GUEST = "tcp host->guest, guest-timed"
M_PING_MED = "ping 10.0.2.2 median"
M_PING_P99 = "ping 10.0.2.2 p99"
M_IRQ_TX = "NIC interrupts per MB, guest->host"
M_IRQ_RX = "NIC interrupts per MB, host->guest"
M_DHCP = "DHCP lease, from bringing the NIC up"
M_DHCP_BOOT = "DHCP lease, from the kernel's start"
M_DHCP_PING = "first ping after the DHCP lease"
SMALL = " (1 KiB I/O)"  # AdrOS's ttcp -l 1024: small writes, for comparison with its own 64 KiB


def _k(metric):
    return metric + SMALL


# (label, AdrOS metric, Linux metric, unit, which way is better).  Both
# sides move 64 KiB per call (ttcp on AdrOS, lrio send/recv on Linux); the
# rows with SMALL show AdrOS with 1 KiB calls against the same Linux figure.
COMPARED = [("TCP guest->host, host-timed", M_TX_HOST, M_TX_HOST, "MB/s", "higher"),
            ("  AdrOS with 1 KiB sends", _k(M_TX_HOST), M_TX_HOST, "MB/s", "higher"),
            ("TCP host->guest, host-timed", M_RX_HOST, M_RX_HOST, "MB/s", "higher"),
            ("  AdrOS with 1 KiB receives", _k(M_RX_HOST), M_RX_HOST, "MB/s", "higher"),
            ("TCP guest->host, guest-timed", M_TX_GUEST, M_TX_GUEST, "MB/s", "higher"),
            ("  AdrOS with 1 KiB sends", _k(M_TX_GUEST), M_TX_GUEST, "MB/s", "higher"),
            ("TCP host->guest, guest-timed", M_RX_GUEST, M_RX_GUEST, "MB/s", "higher"),
            ("  AdrOS with 1 KiB receives", _k(M_RX_GUEST), M_RX_GUEST, "MB/s", "higher"),
            ("DHCP lease from bringing the NIC up", M_DHCP, M_DHCP, "ms", "lower"),
            ("DHCP lease from the kernel's start", M_DHCP_BOOT, M_DHCP_BOOT, "ms", "lower"),
            ("first ping after the DHCP lease", M_DHCP_PING, M_DHCP_PING, "ms", "lower"),
            ("ping gateway, median", M_PING_MED, M_PING_MED, "ms", "lower"),
            ("ping gateway, p99", M_PING_P99, M_PING_P99, "ms", "lower"),
            ("NIC interrupts/MB, guest->host", M_IRQ_TX, M_IRQ_TX, "irq/MB", "lower"),
            ("  AdrOS with 1 KiB sends", _k(M_IRQ_TX), M_IRQ_TX, "irq/MB", "lower"),
            ("NIC interrupts/MB, host->guest", M_IRQ_RX, M_IRQ_RX, "irq/MB", "lower"),
            ("  AdrOS with 1 KiB receives", _k(M_IRQ_RX), M_IRQ_RX, "irq/MB", "lower")]


def results(bench, d, note=""):
    """BENCH dicts from one guest's measurements d: tx_host, rx_host,
    tx_guest, rx_guest ((bytes, ns) or None), irq_tx, irq_rx (interrupt
    counts), the same keys ending in "_1k" for 1 KiB I/O, rtts (ms, the
    warm-up ping excluded), dhcp_ms (a DHCP lease, ms), dhcp_boot_ms (the
    same from the kernel's start), dhcp_ping_ms (the round trip of the
    first ping once the lease is in place) and mib."""
    out = []

    def add(metric, ns, value, unit, extra):
        out.append({"bench": bench, "metric": metric, "cycles": 0, "ns": int(ns or 0),
                    "note": "; ".join(x for x in (extra, note) if x), "value": value, "unit": unit})
    mib = d.get("mib", BENCH_MIB)
    for suffix, msuffix in (("", ""), ("_1k", SMALL)):
        for key, metric in (("tx_host", M_TX_HOST), ("rx_host", M_RX_HOST), ("tx_guest", M_TX_GUEST),
                            ("rx_guest", M_RX_GUEST)):
            v = d.get(key + suffix)
            if v and v[1]:
                add(metric + msuffix, v[1], v[0] * 1e3 / v[1], "MB/s", rate_note(v[0], v[1]))
        for key, metric in (("irq_tx", M_IRQ_TX), ("irq_rx", M_IRQ_RX)):
            if d.get(key + suffix) is not None:
                add(metric + msuffix, 0, d[key + suffix] / (mib * 1048576 / 1e6), "irq/MB",
                    f"{d[key + suffix]} interrupts over {mib} MiB")
    if d.get("dhcp_ms") is not None:
        add(M_DHCP, d["dhcp_ms"] * 1e6, d["dhcp_ms"], "ms", d.get("dhcp_note", "QEMU's user network (restrict=on)"))
    if d.get("dhcp_boot_ms") is not None:
        add(M_DHCP_BOOT, d["dhcp_boot_ms"] * 1e6, d["dhcp_boot_ms"], "ms", d.get("dhcp_boot_note", ""))
    if d.get("dhcp_ping_ms") is not None:
        add(M_DHCP_PING, d["dhcp_ping_ms"] * 1e6, d["dhcp_ping_ms"], "ms", d.get("dhcp_ping_note", ""))
    med, p99 = ping_stats(d.get("rtts") or [])
    if med is not None:
        n = len(d["rtts"])
        add(M_PING_MED, med * 1e6, med, "ms", f"{n} replies after a discarded warm-up ping")
        add(M_PING_P99, p99 * 1e6, p99, "ms", f"{n} replies, nearest rank")
    return out


def compare(adros, linux, nic_name="e1000"):
    """Rows (label, unit, AdrOS value, Linux value, AdrOS/Linux, better)
    for the network figures on nic_name; None where one is missing."""
    a = {r["metric"]: r.get("value") for r in adros if r["bench"] == bench_name("net", nic_name)}
    lx = {r["metric"]: r.get("value") for r in linux if r["bench"] == bench_name("linux_net", nic_name)}
    rows = []
    for label, am, lm, unit, better in COMPARED:
        av, lv = a.get(am), lx.get(lm)
        if av is None and am.endswith(SMALL):
            continue
        rows.append((label, unit, av, lv, av / lv if av is not None and lv else None, better))
    return rows


def format_compare(adros, linux):
    def f(x):
        return "-" if x is None else f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 1000 else f"{x:.0f}"
    lines = []
    drivers = {"e1000": "wm / e1000", "e1000e": "wm / e1000e", "virtio": "vioif / virtio_net"}
    for n in NICS:
        if not any(r["bench"] in (bench_name("net", n), bench_name("linux_net", n)) for r in adros + linux):
            continue
        lines += [f"{'network workload, ' + n:<34} {'unit':<7} {'AdrOS':>9} {'Linux':>9} {'AdrOS/Linux':>11}  better",
                  f"{'  (' + drivers[n] + ')':<34} {'':<7} {'ttcp':>9} {'lrio':>9}"]
        for label, unit, av, lv, ratio, better in compare(adros, linux, n):
            lines.append(f"{label:<34} {unit:<7} {f(av):>9} {f(lv):>9} {f(ratio):>11}  {better}")
    lines.append("(both move 64 KiB per system call: ttcp on AdrOS, lrio send/recv on Linux; the 1 KiB rows are "
                 "AdrOS's ttcp -l 1024)")
    for r in adros:
        if r["bench"].startswith("net") and r["metric"].startswith("rump_init"):
            lines.append(f"{r['metric']:<50} {r['value']:9.1f} ms  {r['note']}")
    return lines


# ---- by hand: host ends for a guest run outside the runner (tools/qemu/qprof.py) ----

def _source_retry(port, n, limit=300):
    """Like Source.send, but first waits for the guest to listen: until it
    does, QEMU accepts the connection and closes it again at once."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.3)
            continue
        c.settimeout(0.5)
        try:
            closed = not c.recv(1)
        except socket.timeout:
            closed = False  # still open: the guest accepted it, it carries the data
        except OSError:
            closed = True
        if not closed:
            return Source(port).send(n, conn=c)
        c.close()
        time.sleep(0.3)
    return {"bytes": 0, "ns": None, "closed": False, "error": f"the guest did not listen within {limit} s"}


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="host ends for ttcp by hand (see tools/bench/netbench.py's docstring)")
    ap.add_argument("role", choices=["sink", "source"], help="sink: guest -> host (guestfwd); "
                    "source: host -> guest (hostfwd), retried until the guest listens")
    ap.add_argument("port", type=int, help="the host port on 127.0.0.1")
    ap.add_argument("mib", type=int)
    ap.add_argument("--verify", action="store_true", help="sink: check ttcp's pattern")
    a = ap.parse_args(argv)
    n = a.mib << 20
    if a.role == "sink":
        s = Sink([n], verify=a.verify)
        s.lsock.close()
        s.lsock = socket.socket()
        s.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.lsock.bind(("127.0.0.1", a.port))
        s.lsock.listen(1)
        print(f"netbench sink: listening on 127.0.0.1:{a.port}", flush=True)
        s.start().thread.join()
        r = s.results[0] if s.results else {"error": s.error}
    else:
        r = _source_retry(a.port, n)
    print(f"netbench {a.role}: {r}" + (f", {rate_note(r['bytes'], r['ns'])}" if r.get("ns") else ""))
    return 0 if not r.get("error") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
