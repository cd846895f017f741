"""The lossy link between two AdrOS guests (issue 15's rel-lossy-link in
plan_reliability.py, and plan_nics.py's nic-virtio-lossy on vioif): two
guests on QEMU socket backends joined by tools/qemu/lossyrelay.py on
127.0.0.1 (5% dropped, 1% duplicated, 1% reordered, 1% corrupted, seeded);
16 MiB of ttcp's pattern over NetBSD's TCP; both guests print the stream's
sha256 (ttcp -s), equal to each other and to the host's; the relay injected
every kind of fault; both guests still answer (vitals, ping) and power off
cleanly.

Network safety: UDP sockets bound to 127.0.0.1 talking only to the relay on
127.0.0.1.
"""
import hashlib
import os
import re
import socket
import struct
import subprocess
import time

import common
import qemu_interactive as qi
from common import Steps, check_patterns, end_two_guests

ROOT = common.ROOT
TTCP_SEED = 0x74746370  # src/shell/cmd_ttcp.c
LOSSY_MIB = 16
MIB = 1 << 20


def _free_udp_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def ttcp_pattern_sha(nbytes):
    """sha256 of ttcp's pattern: the little-endian word at byte 4k is
    TTCP_SEED + k (mod 2^32)."""
    h = hashlib.sha256()
    step = 1 << 18  # words per chunk
    for k0 in range(0, nbytes // 4, step):
        k1 = min(k0 + step, nbytes // 4)
        h.update(struct.pack(f"<{k1 - k0}I", *(((TTCP_SEED + k) & 0xffffffff) for k in range(k0, k1))))
    return h.hexdigest()


def start_relay(build, name, ports, deadline, seed=15, stats_every=0):
    log = open(os.path.join(build, "test-logs", f"{name}-relay.log"), "w")
    pa, ga, pb, gb = ports
    cmd = ["python3", os.path.join(ROOT, "tools", "qemu", "lossyrelay.py"), "--a-listen", str(pa), "--a-guest", str(ga),
           "--b-listen", str(pb), "--b-guest", str(gb), "--seed", str(seed), "--deadline", str(deadline)]
    if stats_every:
        cmd += ["--stats-every", str(stats_every)]
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log.name


def guest_netdev(listen, own, mac, dev="e1000"):
    return ["-netdev", f"socket,id=n0,udp=127.0.0.1:{listen},localaddr=127.0.0.1:{own}",
            "-device", f"{dev},netdev=n0,mac={mac}"]


def check_lossy(build, name="rel-lossy-link", dev="e1000", ifn="wm0"):
    """The lossy-link session on QEMU's NIC dev, NetBSD's interface ifn
    (plan_nics.py runs it on vioif)."""
    def check(b, res):
        check_patterns(res, b.output, [(r"usage: ttcp -t \[-s\]", "ttcp has -s (sha256 of the stream)")],
                       f"{name}/help: ", b.tail(10))
        os.makedirs(os.path.join(build, "test-logs"), exist_ok=True)
        ports = _free_udp_ports(4)
        relay, relay_log = start_relay(build, name, ports, deadline=480)
        logs = {w: os.path.join(build, "test-logs", f"{name}-{w}.log") for w in "ab"}
        kernel = os.path.join(build, "adros.elf")
        a = qi.Session(kernel, f"net={ifn}:10.0.9.1/24", limit=520, log=logs["a"],
                       extra=guest_netdev(ports[0], ports[1], "52:54:00:00:0f:01", dev))
        bb = qi.Session(kernel, f"net={ifn}:10.0.9.2/24", limit=520, log=logs["b"],
                        extra=guest_netdev(ports[2], ports[3], "52:54:00:00:0f:02", dev))
        sa, sb = Steps(a, res, f"{name}/A"), Steps(bb, res, f"{name}/B")
        want = ttcp_pattern_sha(LOSSY_MIB * MIB)
        t_transfer = [0.0]

        def up(s):
            s.wait_prompt(120)
            out = s.command(f"ifconfig {ifn}", 60)
            return None if "10.0.9." in out else f"printed {out!r}"
        sa.run("boots with its static address", up)
        sb.run("boots with its static address", up)

        def transfer(_):
            ma = a.mark()
            a.send("ttcp -r -s\r")
            a.expect(r"ttcp: listening on port 5001", 60, start=ma)
            mb = bb.mark()
            t0 = time.monotonic()
            bb.send(f"ttcp -t -s 10.0.9.1 {LOSSY_MIB}\r")
            eb = bb.expect(qi.PROMPT_RX, 420, start=mb)
            ea = a.expect(qi.PROMPT_RX, 60, start=ma)
            t_transfer[0] = time.monotonic() - t0
            oa, ob = a.text(ma, ea.start()), bb.text(mb, eb.start())
            ha = re.search(r"ttcp: sha256 ([0-9a-f]{64}) of (\d+) bytes", oa)
            hb = re.search(r"ttcp: sha256 ([0-9a-f]{64}) of (\d+) bytes", ob)
            if not ha or not hb:
                return f"no digest: receiver printed {oa[-400:]!r}; sender printed {ob[-400:]!r}"
            if ha.group(2) != str(LOSSY_MIB * MIB) or ha.group(1) != hb.group(1) or ha.group(1) != want:
                return f"receiver {ha.groups()}, sender {hb.groups()}, host {want}"
            if "ttcp: pattern ok" not in oa:
                return f"the receiver's pattern check: {oa[-400:]!r}"
            return None
        sa.run(f"{LOSSY_MIB} MiB over TCP through the lossy relay: sha256 equal in both guests and on the host",
               transfer)
        res.ok(f"{name}: transfer took {t_transfer[0]:.0f} s (host clock, TCG)") if t_transfer[0] else None

        def healthy(peer):
            # Through a link that drops 5 % of frames and corrupts 1 %, three
            # echoes (and the ARP exchange before them) may all be lost now and
            # then: up to three rounds, healthy when one gets a reply.
            def step(s):
                out = s.command("vitals", 30)
                for _ in range(3):
                    out += s.command(f"ping -c 3 {peer}", 60)
                    if re.search(r"3 packets transmitted, [1-3] packets received", out):
                        break
                return None if "vitals: t=" in out and re.search(r"3 packets transmitted, [1-3] packets received",
                                                                  out) else f"printed {out!r}"
            return step
        sa.run("still healthy afterwards (vitals, ping through the relay)", healthy("10.0.9.2"))
        sb.run("still healthy afterwards (vitals, ping through the relay)", healthy("10.0.9.1"))
        end_two_guests((sa, sb), (a, bb), res, name, logs)
        relay.terminate()
        try:
            relay.wait(10)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay.wait()
        text = open(relay_log).read()
        counts = {}
        for direction, rest in re.findall(r"^lossyrelay: (a->b|b->a) (.*)$", text, re.M):
            counts[direction] = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", rest))
        total = {k: sum(c.get(k, 0) for c in counts.values())
                 for k in ("frames", "dropped", "duplicated", "reordered", "corrupted")}
        if all(total[k] > 0 for k in total) and total["dropped"] > total["frames"] * 0.03:
            res.ok(f"{name}: the relay injected every fault: " + ", ".join(f"{v} {k}" for k, v in total.items()))
        else:
            res.fail(f"{name}: the relay injected every fault", text[-800:])
    return check
