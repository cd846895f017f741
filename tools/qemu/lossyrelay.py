#!/usr/bin/env python3
"""A lossy Ethernet link between two QEMU guests, on 127.0.0.1 only.

Each guest uses QEMU's UDP socket backend, one Ethernet frame per datagram:

  -netdev socket,id=n0,udp=127.0.0.1:<PA>,localaddr=127.0.0.1:<GA>   (guest A)
  -netdev socket,id=n0,udp=127.0.0.1:<PB>,localaddr=127.0.0.1:<GB>   (guest B)

The relay listens on PA and PB; what arrives on PA is sent from PB to
127.0.0.1:GB and the other way round, after the faults, drawn per frame
from a seeded generator (the same seed and the same traffic give the same
faults):

  --drop 0.05      the frame is lost
  --dup 0.01       the frame is delivered twice
  --reorder 0.01   the frame is held back and delivered after the next one
                   in the same direction (or after --hold seconds if none
                   comes)
  --corrupt 0.01   one byte past the Ethernet header is flipped (IP/TCP
                   checksums must catch it)

--deadline seconds bounds the run (default 600); SIGTERM/SIGINT end it
early.  At the end (and with --stats-every N, every N seconds) it prints
one line of counts per direction:

  lossyrelay: a->b frames=N bytes=N dropped=N duplicated=N reordered=N corrupted=N

Nothing is sent to any address but 127.0.0.1, and only to the two guest
ports given.  Used by tools/test/plan_reliability.py and tools/soak.py.
"""
import argparse
import random
import select
import signal
import socket
import sys
import time

ETH_HDR = 14


class Direction:
    def __init__(self, name, sock, dest):
        self.name, self.sock, self.dest = name, sock, dest
        self.held = None  # (frame, copies, release time) for a reordered frame
        self.c = dict(frames=0, bytes=0, dropped=0, duplicated=0, reordered=0, corrupted=0)

    def send(self, frame):
        try:
            self.sock.sendto(frame, self.dest)
        except OSError:
            pass  # the guest is not there (yet, or any more): a lost frame

    def line(self):
        return f"lossyrelay: {self.name} " + " ".join(f"{k}={v}" for k, v in self.c.items())


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a-listen", type=int, required=True, help="port guest A sends to (its udp=)")
    p.add_argument("--a-guest", type=int, required=True, help="guest A's own port (its localaddr=)")
    p.add_argument("--b-listen", type=int, required=True)
    p.add_argument("--b-guest", type=int, required=True)
    p.add_argument("--drop", type=float, default=0.05)
    p.add_argument("--dup", type=float, default=0.01)
    p.add_argument("--reorder", type=float, default=0.01)
    p.add_argument("--corrupt", type=float, default=0.01)
    p.add_argument("--hold", type=float, default=0.05, help="longest a reordered frame waits (s)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--deadline", type=float, default=600, help="seconds, then exit")
    p.add_argument("--stats-every", type=float, default=0, help="print counts every N s (0: only at the end)")
    a = p.parse_args(argv)
    for k in ("drop", "dup", "reorder", "corrupt"):
        if not 0 <= getattr(a, k) <= 1:
            p.error(f"--{k} must be a probability")
    if a.deadline <= 0:
        p.error("--deadline must be positive")
    return a


def main(argv):
    a = parse(argv)
    rng = random.Random(a.seed)
    sa = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sa.bind(("127.0.0.1", a.a_listen))
    sb.bind(("127.0.0.1", a.b_listen))
    # Frames from A (arriving on sa) leave through sb towards B, so that B
    # sees them come from the address it was told to send to.
    ab = Direction("a->b", sb, ("127.0.0.1", a.b_guest))
    ba = Direction("b->a", sa, ("127.0.0.1", a.a_guest))
    route = {sa: (ab, ("127.0.0.1", a.a_guest)), sb: (ba, ("127.0.0.1", a.b_guest))}
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    end = time.monotonic() + a.deadline
    next_stats = time.monotonic() + a.stats_every if a.stats_every else None
    print(f"lossyrelay: A {a.a_guest}<->{a.a_listen}, B {a.b_guest}<->{a.b_listen} on 127.0.0.1; "
          f"drop {a.drop} dup {a.dup} reorder {a.reorder} corrupt {a.corrupt} seed {a.seed}; "
          f"deadline {a.deadline:.0f} s", flush=True)
    while not stop:
        now = time.monotonic()
        if now >= end:
            break
        # Short waits: select is restarted after a signal (PEP 475), so
        # the stop flag is only seen when it returns.
        wait = min(end - now, 0.25)
        for d in (ab, ba):
            if d.held:
                wait = min(wait, max(0.0, d.held[2] - now))
        if next_stats:
            wait = min(wait, max(0.0, next_stats - now))
        try:
            ready, _, _ = select.select([sa, sb], [], [], wait)
        except InterruptedError:
            continue
        now = time.monotonic()
        for s in ready:
            d, source = route[s]
            try:
                frame, peer = s.recvfrom(65536)
            except OSError:
                continue
            if peer != source:
                continue  # only the guest this port serves
            d.c["frames"] += 1
            d.c["bytes"] += len(frame)
            if rng.random() < a.drop:
                d.c["dropped"] += 1
                continue
            if rng.random() < a.corrupt and len(frame) > ETH_HDR:
                i = rng.randrange(ETH_HDR, len(frame))
                frame = frame[:i] + bytes([frame[i] ^ (1 << rng.randrange(8))]) + frame[i + 1:]
                d.c["corrupted"] += 1
            copies = 2 if rng.random() < a.dup else 1
            if copies == 2:
                d.c["duplicated"] += 1
            if d.held is None and rng.random() < a.reorder:
                d.c["reordered"] += 1
                d.held = (frame, copies, now + a.hold)
                continue  # goes out after the next frame
            for _ in range(copies):
                d.send(frame)
            if d.held:
                for _ in range(d.held[1]):
                    d.send(d.held[0])
                d.held = None
        for d in (ab, ba):
            if d.held and now >= d.held[2]:
                for _ in range(d.held[1]):
                    d.send(d.held[0])
                d.held = None
        if next_stats and now >= next_stats:
            for d in (ab, ba):
                print(d.line(), flush=True)
            next_stats = now + a.stats_every
    for d in (ab, ba):
        print(d.line(), flush=True)
    print("lossyrelay: " + ("stopped" if stop else "deadline reached"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
