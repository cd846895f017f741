#!/usr/bin/env python3
"""A small network for one QEMU guest, on 127.0.0.1 only: a DHCP server, a
DNS server (UDP and TCP), a one-file web server and a host that answers
ping, behind QEMU's UDP
socket backend (one Ethernet frame per datagram):

  -netdev socket,id=n0,udp=127.0.0.1:<PORT>,localaddr=127.0.0.1:<GUEST>

  dnsnet.py --port PORT --guest GUEST [--no-dhcp] [--log FILE] [--deadline S]

The network is 10.0.3.0/24.  10.0.3.1 (the server) answers ARP, ping, DHCP
(the guest gets 10.0.3.15/24, router 10.0.3.1, name servers 10.0.3.1 then
10.0.3.2, unless --no-dhcp: then DHCP is never answered) and DNS on port
53 over UDP and TCP, and HTTP on port 80 (any GET: "hello from dnsnet\n").
10.0.3.2 answers ARP and nothing else: a silent name
server (what is sent to it is logged as "dns silent <name>").

The zone (anything else is NXDOMAIN):
  www.example.test     A 192.0.2.10
  alias.example.test   CNAME www.example.test
  gw.example.test      A 10.0.3.1
  files.example.test   A 10.0.3.1
  big.example.test     over UDP: truncated (TC) and empty; over TCP: A 192.0.2.77
  silent.example.test  never answered

Each DNS question is logged as "dns <udp|tcp> <name> <answer>", each DHCP
message as "dhcp <type>", to --log (default stderr), flushed at once.

TCP is the least that serves one query (or one GET) per connection on a
loss-free link: no retransmission, no window management.  Stdlib only.
"""
import argparse
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

SERVER_IP = bytes([10, 0, 3, 1])
SILENT_IP = bytes([10, 0, 3, 2])
GUEST_IP = bytes([10, 0, 3, 15])
SERVER_MAC = bytes([0x52, 0x54, 0x00, 0x00, 0x03, 0x01])
SILENT_MAC = bytes([0x52, 0x54, 0x00, 0x00, 0x03, 0x02])
BCAST = b"\xff" * 6

ZONE_A = {"www.example.test": "192.0.2.10", "gw.example.test": "10.0.3.1", "files.example.test": "10.0.3.1"}
HTTP_BODY = b"hello from dnsnet\n"
ZONE_CNAME = {"alias.example.test": "www.example.test"}
TCP_ONLY = {"big.example.test": "192.0.2.77"}
SILENT = {"silent.example.test"}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_packet(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp_packet(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    return ip_packet(src, dst, 17, u[:6] + struct.pack("!H", c) + u[8:])


def tcp_packet(src, dst, sport, dport, seq, ack, flags, data=b""):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(t)) + t)
    return ip_packet(src, dst, 6, t[:16] + struct.pack("!H", c) + t[18:])


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def read_name(m, off):
    """The dotted lower-case name at off (no compression in questions)."""
    labels = []
    while True:
        n = m[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(m[off:off + n].decode("ascii", "replace"))
        off += n


def encode_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def a_record(name, ip, ttl=60):
    return encode_name(name) + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(ip)


def dns_answer(q, tcp):
    """The reply to query q and a word for the log, or (None, word) to stay silent."""
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    name, end = read_name(q, 12)
    question = q[12:end + 4]
    rcode, tc, answers = 0, 0, []
    if name in SILENT:
        return None, "silent"
    if name in ZONE_A:
        answers.append(a_record(name, ZONE_A[name]))
        word = ZONE_A[name]
    elif name in ZONE_CNAME:
        target = ZONE_CNAME[name]
        answers.append(encode_name(name) + struct.pack("!HHIH", 5, 1, 60, len(encode_name(target))) +
                       encode_name(target))
        answers.append(a_record(target, ZONE_A[target]))
        word = "cname " + ZONE_A[target]
    elif name in TCP_ONLY:
        if tcp:
            answers.append(a_record(name, TCP_ONLY[name]))
            word = TCP_ONLY[name]
        else:
            tc, word = 1, "truncated"
    else:
        rcode, word = 3, "nxdomain"
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | (tc << 9) | rcode, 1, len(answers), 0, 0)
    return hdr + question + b"".join(answers), word


# --- DHCP ---------------------------------------------------------------------------

def dhcp_reply(p, log):
    """The reply (a UDP payload) to a client's message p, or None."""
    if len(p) < 240 or p[0] != 1 or p[236:240] != b"\x63\x82\x53\x63":
        return None
    opts, i = {}, 240
    while i < len(p) and p[i] != 255:
        if p[i] == 0:
            i += 1
            continue
        opts[p[i]] = p[i + 2:i + 2 + p[i + 1]]
        i += 2 + p[i + 1]
    mtype = opts.get(53, b"\0")[0]
    log(f"dhcp {mtype}")
    if mtype == 1:
        rtype = 2   # DISCOVER -> OFFER
    elif mtype == 3:
        rtype = 5   # REQUEST -> ACK
    else:
        return None
    r = bytearray(240)
    r[0:4] = b"\x02\x01\x06\x00"
    r[4:8] = p[4:8]                      # xid
    r[10:12] = p[10:12]                  # flags
    r[16:20] = GUEST_IP                  # yiaddr
    r[20:24] = SERVER_IP                 # siaddr
    r[28:44] = p[28:44]                  # chaddr
    r[236:240] = b"\x63\x82\x53\x63"
    o = bytes([53, 1, rtype, 54, 4]) + SERVER_IP + bytes([51, 4]) + struct.pack("!I", 3600)
    o += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + SERVER_IP + bytes([6, 8]) + SERVER_IP + SILENT_IP + b"\xff"
    return bytes(r) + o


# --- the network --------------------------------------------------------------------

class Net:
    def __init__(self, sock, guest, dhcp, log):
        self.sock, self.guest, self.dhcp, self.log = sock, guest, dhcp, log
        self.guest_mac = BCAST
        self.conns = {}   # (guest port) -> dict(seq, ack, buf, done)

    def send(self, dst_mac, src_mac, etype, payload):
        self.sock.sendto(dst_mac + src_mac + struct.pack("!H", etype) + payload, self.guest)

    def send_ip(self, pkt):
        self.send(self.guest_mac, SERVER_MAC, 0x0800, pkt)

    def frame(self, f):
        if len(f) < 14:
            return
        src_mac, etype = f[6:12], struct.unpack("!H", f[12:14])[0]
        if etype == 0x0806:
            self.arp(f[14:], src_mac)
        elif etype == 0x0800:
            self.ip(f[14:], src_mac)

    def arp(self, a, src_mac):
        if len(a) < 28 or struct.unpack("!H", a[6:8])[0] != 1:
            return
        target = a[24:28]
        mac = SERVER_MAC if target == SERVER_IP else SILENT_MAC if target == SILENT_IP else None
        if mac:
            r = a[:6] + b"\x00\x02" + mac + target + a[8:14] + a[14:18]
            self.send(src_mac, mac, 0x0806, r)

    def ip(self, p, src_mac):
        if len(p) < 20 or p[0] >> 4 != 4:
            return
        ihl = (p[0] & 15) * 4
        proto, src, dst = p[9], p[12:16], p[16:20]
        body = p[ihl:struct.unpack("!H", p[2:4])[0]]
        if proto == 17 and len(body) >= 8:
            sport, dport = struct.unpack("!HH", body[:4])
            data = body[8:]
            if dport == 67 and self.dhcp:
                r = dhcp_reply(data, self.log)
                if r:
                    self.send(BCAST, SERVER_MAC, 0x0800, udp_packet(SERVER_IP, b"\xff" * 4, 67, 68, r))
            elif dport == 53 and dst == SERVER_IP:
                self.guest_mac = src_mac
                r, word = dns_answer(data, False)
                self.log(f"dns udp {read_name(data, 12)[0]} {word}")
                if r:
                    self.send_ip(udp_packet(SERVER_IP, src, 53, sport, r))
            elif dport == 53 and dst == SILENT_IP:
                self.log(f"dns silent {read_name(data, 12)[0]} -")
        elif proto == 1 and dst == SERVER_IP and len(body) >= 8 and body[0] == 8:
            self.guest_mac = src_mac
            icmp = b"\x00\x00\x00\x00" + body[4:]
            icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
            self.send_ip(ip_packet(SERVER_IP, src, 1, icmp))
        elif proto == 6 and dst == SERVER_IP and len(body) >= 20:
            self.guest_mac = src_mac
            self.tcp(src, body)

    def tcp(self, src, t):
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        data = t[(off >> 4) * 4:]
        out = lambda s, a, fl, d=b"": self.send_ip(tcp_packet(SERVER_IP, src, dport, sport, s, a, fl, d))
        if dport not in (53, 80):
            if not flags & RST:
                out(0, seq + len(data) + (1 if flags & SYN else 0), RST | ACK)
            return
        c = self.conns.get(sport)
        if flags & SYN:
            c = self.conns[sport] = {"seq": 1000, "ack": seq + 1, "buf": b"", "sent": False}
            out(1000, c["ack"], SYN | ACK)
            c["seq"] = 1001
            return
        if c is None or flags & RST:
            self.conns.pop(sport, None)
            return
        if data and seq == c["ack"]:
            c["ack"] += len(data)
            c["buf"] += data
        if flags & FIN and seq + len(data) == c["ack"]:
            c["ack"] += 1
            out(c["seq"], c["ack"], ACK)
            self.conns.pop(sport, None)
            return
        if data:
            out(c["seq"], c["ack"], ACK)
        b = c["buf"]
        msg = None
        if dport == 80 and not c["sent"] and b"\r\n\r\n" in b:
            self.log(f"http {b.split(b' ')[1].decode('ascii', 'replace') if b' ' in b else '?'}")
            c["sent"] = True
            msg = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(HTTP_BODY) +
                   HTTP_BODY)
        if dport == 53 and not c["sent"] and len(b) >= 2 and len(b) >= 2 + struct.unpack("!H", b[:2])[0]:
            q = b[2:2 + struct.unpack("!H", b[:2])[0]]
            r, word = dns_answer(q, True)
            self.log(f"dns tcp {read_name(q, 12)[0]} {word}")
            c["sent"] = True
            if r:
                msg = struct.pack("!H", len(r)) + r
        if msg:
            out(c["seq"], c["ack"], PSH | ACK, msg)
            c["seq"] += len(msg)
            out(c["seq"], c["ack"], FIN | ACK)
            c["seq"] += 1


# --- for tests: running it -----------------------------------------------------------

def _free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class DnsNet:
    """This script running for one guest (started by a test or a benchmark),
    and the QEMU arguments that join the guest to it (self.extra)."""

    def __init__(self, build, name, dhcp=True):
        self.log = os.path.join(build, "test-logs", name + "-dnsnet.log")
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        if os.path.exists(self.log):
            os.unlink(self.log)
        port, guest = _free_udp_port(), _free_udp_port()
        args = [sys.executable, os.path.abspath(__file__), "--port", str(port), "--guest", str(guest), "--log", self.log,
                "--deadline", "600"] + ([] if dhcp else ["--no-dhcp"])
        self.proc = subprocess.Popen(args)
        deadline = time.monotonic() + 10
        while "ready" not in self.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.extra = ["-netdev", f"socket,id=n0,udp=127.0.0.1:{port},localaddr=127.0.0.1:{guest}",
                      "-device", "e1000,netdev=n0"]

    def text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def queries(self, name):
        return re.findall(rf"(?m)^\S+ dns (udp|tcp|silent) {re.escape(name)} (\S+)", self.text())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="this end: 127.0.0.1:PORT")
    ap.add_argument("--guest", type=int, required=True, help="QEMU's end (localaddr): 127.0.0.1:GUEST")
    ap.add_argument("--no-dhcp", action="store_true", help="never answer DHCP")
    ap.add_argument("--log")
    ap.add_argument("--deadline", type=float, default=900)
    a = ap.parse_args()
    out = open(a.log, "a", buffering=1) if a.log else sys.stderr

    def log(s):
        out.write(f"{time.monotonic():.3f} {s}\n")
        out.flush()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    net = Net(sock, ("127.0.0.1", a.guest), not a.no_dhcp, log)
    end = time.monotonic() + a.deadline
    log("ready")
    while time.monotonic() < end:
        sock.settimeout(max(0.1, min(1.0, end - time.monotonic())))
        try:
            f, peer = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if peer != ("127.0.0.1", a.guest):
            continue
        try:
            net.frame(f)
        except (IndexError, struct.error, UnicodeError) as e:
            log(f"bad frame: {e}")


if __name__ == "__main__":
    main()
