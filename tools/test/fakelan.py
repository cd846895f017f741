"""FakeLan: the other end of QEMU's "dgram" network backend over a pair of
Unix datagram sockets in a temporary directory: Ethernet frames, one per
datagram, between QEMU and this process only (no IP socket on the host).
It answers DHCP (scenarios "main", "dup", "expire", see FakeLan), ARP for
its addresses and ICMP echo sent to its MAC, and keeps what went through in
build/test-logs/<boot>.pcap.

Shared by the test plans that need a DHCP server of their own
(plan_net.py, plan_reliability.py): plans do not import each other.
"""
import os
import shutil
import socket
import struct
import tempfile
import threading
import time

from dnsnet import csum  # the Internet checksum: one copy, in tools/qemu/dnsnet.py


# ---- a DHCP server, a router and another host, for the guest only ----

def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip_str(b):
    return ".".join(str(x) for x in b)




BCAST_MAC = b"\xff" * 6
SRV_MAC = bytes.fromhex("020000000202")
OTHER_MAC = bytes.fromhex("020000000299")
SRV, DNS, CLIENT, CLIENT2 = ip4("10.0.2.2"), ip4("10.0.2.3"), ip4("10.0.2.15"), ip4("10.0.2.16")
ROGUE = ip4("10.0.2.99")
MASK = ip4("255.255.255.0")
COOKIE = bytes([99, 130, 83, 99])
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK = 1, 2, 3, 4, 5, 6


def opt(code, val):
    return bytes([code, len(val)]) + val


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, payload, ident=0):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, len(udp))
    s = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", s) + udp[8:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident, 0, 64, 17, 0, src_ip, dst_ip)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return dst_mac + src_mac + b"\x08\x00" + iph + udp


def bootp_reply(xid, chaddr, yiaddr, options, file=b"", sname=b""):
    b = struct.pack("!BBBB4sHH4s4s4s4s", 2, 1, 6, 0, xid, 0, 0, b"\0" * 4, yiaddr, SRV, b"\0" * 4)
    b += chaddr + b"\0" * 10 + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + COOKIE + options
    return b.ljust(300, b"\0")


class FakeLan:
    def __init__(self, name, scenario, lease=30, t1=3, t2=20):
        self.name = name          # the boot's: the wire is kept in test-logs/<name>.pcap
        self.scenario = scenario  # "main", "dup", "expire" or "plain" (answers every request)
        self.lease, self.t1, self.t2 = lease, t1, t2
        self.extra = []           # QEMU arguments, filled in by prepare()
        self.log = []             # what the guest sent: dicts
        self.notes = []           # what this end did
        self.errors = []          # what the guest got wrong on the wire
        self.unreachable = []     # ICMP unreachable from the guest
        self.ndisc = self.nreq = 0
        self.declined = False
        self.acks = []            # when the selecting ACKs were sent
        self.started_over = False # "expire": the client came back with a DISCOVER
        self.dir = None
        self.thread = None

    # -- lifecycle: prepare() before the boot, finish() in the check --
    def prepare(self, build):
        logs = os.path.join(os.path.abspath(build), "test-logs")
        os.makedirs(logs, exist_ok=True)
        self.pcap = open(os.path.join(logs, self.name + ".pcap"), "wb")
        self.pcap.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.dir = tempfile.mkdtemp(prefix="adros-lan-")
        mine, theirs = os.path.join(self.dir, "lan"), os.path.join(self.dir, "qemu")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(mine)
        self.sock.settimeout(0.2)
        self.peer = theirs
        self.extra[:] = ["-netdev", f"dgram,id=n0,local.type=unix,local.path={theirs},"
                                    f"remote.type=unix,remote.path={mine}",
                         "-device", "e1000,netdev=n0"]
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def finish(self):
        if self.thread:
            self.stop.set()
            self.thread.join(5)
            self.thread = None
            self.sock.close()
            self.pcap.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _run(self):
        while not self.stop.is_set() and time.monotonic() - self.t0 < 600:
            try:
                f = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self._dump(f)
            try:
                self._frame(f)
            except Exception as e:  # a frame we cannot take apart is the guest's error
                self.errors.append(f"frame {f[:64].hex()}: {e!r}")

    def _dump(self, frame):
        t = time.time()
        self.pcap.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(frame), len(frame)) + frame)

    def _send(self, frame, note=None):
        self._dump(frame)
        if note:
            self.notes.append(f"{time.monotonic() - self.t0:6.2f} {note}")
        try:
            self.sock.sendto(frame, self.peer)
        except OSError as e:
            self.notes.append(f"send: {e}")

    # -- what arrives --
    def _frame(self, f):
        if len(f) < 14:
            return
        etype = struct.unpack("!H", f[12:14])[0]
        if etype == 0x0806:
            self._arp(f)
        elif etype == 0x0800:
            self._ip(f)

    def _arp(self, f):
        op = struct.unpack("!H", f[20:22])[0]
        sha, spa, tpa = f[22:28], f[28:32], f[38:42]
        if op != 1:
            return
        if tpa in (SRV, DNS):
            self._send(f[6:12] + SRV_MAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) +
                       SRV_MAC + tpa + sha + spa)
        elif self.scenario == "dup" and tpa == CLIENT and spa == b"\0" * 4 and not self.declined:
            # Another host has 10.0.2.15: it answers the probe.
            self._send(f[6:12] + OTHER_MAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) +
                       OTHER_MAC + CLIENT + sha + spa, "ARP: 10.0.2.15 is at another host")

    def _ip(self, f):
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        src, dst, proto = ip[12:16], ip[16:20], ip[9]
        if csum(ip[:ihl]) != 0:
            self.errors.append(f"bad IP header checksum from {ip_str(src)}")
        ip = ip[:tot]
        if proto == 1 and ip[ihl] == 3:
            self.unreachable.append(f"{time.monotonic() - self.t0:6.2f} ICMP unreachable code {ip[ihl + 1]}")
        if proto == 1 and f[0:6] == SRV_MAC and ip[ihl] == 8:
            icmp = b"\x00\x00\x00\x00" + ip[ihl + 4:]
            icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
            iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, dst, src)
            iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
            self._send(f[6:12] + SRV_MAC + b"\x08\x00" + iph + icmp)
        elif proto == 17:
            udp = ip[ihl:]
            sport, dport, ulen, usum = struct.unpack("!HHHH", udp[:8])
            if dport != 67:
                return
            if usum and csum(src + dst + struct.pack("!BBH", 0, 17, ulen) + udp[:ulen]) != 0:
                self.errors.append(f"bad UDP checksum from {ip_str(src)}")
            if sport != 68:
                self.errors.append(f"DHCP from port {sport}")
            self._dhcp(f, src, dst, udp[8:ulen])

    def _dhcp(self, f, src, dst, b):
        xid, ciaddr, chaddr = b[4:8], b[12:16], b[28:34]
        opts, i = {}, 240
        if b[236:240] != COOKIE:
            self.errors.append("no magic cookie")
        while i < len(b) and b[i] != 255:
            if b[i] == 0:
                i += 1
                continue
            opts.setdefault(b[i], b[i + 2:i + 2 + b[i + 1]])
            i += 2 + b[i + 1]
        mtype = opts.get(53, b"\0")[0]
        e = {"t": time.monotonic() - self.t0, "type": mtype, "xid": xid.hex(), "ciaddr": ip_str(ciaddr),
             "opt50": ip_str(opts[50]) if 50 in opts else None, "opt54": ip_str(opts[54]) if 54 in opts else None,
             "dst_mac": f[0:6].hex(), "src": ip_str(src), "dst": ip_str(dst), "params": list(opts.get(55, b""))}
        self.log.append(e)
        mac = f[6:12]
        if mtype == DISCOVER:
            self.ndisc += 1
            if self.scenario == "expire" and self.acks:
                self.started_over = True
            if self.scenario == "main" and self.ndisc == 1:
                self.notes.append(f"{e['t']:6.2f} DISCOVER {e['xid']} lost")
                return
            if self.scenario == "main" and self.ndisc == 2:
                self._hostile(xid, chaddr, mac)
            addr = CLIENT2 if self.declined else CLIENT
            self._reply(OFFER, xid, chaddr, addr, BCAST_MAC, b"\xff" * 4)
        elif mtype == REQUEST and ciaddr != b"\0" * 4:
            if self.scenario == "expire" and not self.started_over:
                return  # the server is gone: renewing, rebinding, expiry
            self._reply(ACK, xid, chaddr, ciaddr, mac, ciaddr, "renewal")
        elif mtype == REQUEST:
            self.nreq += 1
            want = opts.get(50) or CLIENT
            if self.scenario == "main" and self.nreq <= 2:
                # A NAK from a server the client did not choose: to ignore.
                self._reply(NAK, xid, chaddr, b"\0" * 4, BCAST_MAC, b"\xff" * 4, "rogue", server=ROGUE)
            if self.scenario == "main" and self.nreq == 1:
                self._reply(NAK, xid, chaddr, b"\0" * 4, BCAST_MAC, b"\xff" * 4, "first request",
                            msg=b"test: start over\x1b[2J")
                return
            self.acks.append(time.monotonic() - self.t0)
            self._reply(ACK, xid, chaddr, want, mac, want)
        elif mtype == DECLINE:
            self.declined = True

    def _options(self, mtype, server=SRV, msg=None):
        o = opt(53, bytes([mtype])) + opt(54, server)
        if mtype == NAK:
            return o + (opt(56, msg) if msg else b"") + b"\xff"
        o += opt(1, MASK) + opt(3, SRV) + opt(6, DNS) + opt(51, struct.pack("!I", self.lease))
        return o + opt(58, struct.pack("!I", self.t1)) + opt(59, struct.pack("!I", self.t2)) + b"\xff"

    def _reply(self, mtype, xid, chaddr, yiaddr, dst_mac, dst_ip, why="", server=SRV, msg=None):
        names = {OFFER: "OFFER", ACK: "ACK", NAK: "NAK"}
        payload = bootp_reply(xid, chaddr, yiaddr, self._options(mtype, server, msg))
        self._send(udp_frame(dst_mac, SRV_MAC, server, dst_ip, 67, 68, payload),
                   f"{names[mtype]} {ip_str(yiaddr)} {xid.hex()} {why}".strip())

    def _hostile(self, xid, chaddr, mac):
        """Replies the client must refuse, each offering an address the
        checks look for (10.0.2.6x): if one is taken, it shows."""
        def offer(addr, options=None, **kw):
            return bootp_reply(kw.get("xid", xid), kw.get("chaddr", chaddr), ip4(addr),
                               options if options is not None else self._options(OFFER), kw.get("file", b""))
        good = lambda p, **kw: udp_frame(BCAST_MAC, SRV_MAC, SRV, b"\xff" * 4, 67, 68, p, **kw)
        bad = []
        bad.append(good(offer("10.0.2.61", xid=bytes(a ^ 0xff for a in xid))))          # another exchange
        bad.append(good(offer("10.0.2.62", chaddr=bytes.fromhex("020000000001"))))      # another client
        bad.append(good(offer("10.0.2.63", opt(53, b"\x02") + opt(54, SRV) + b"\x03\xc8\x0a\x00")))  # overflow
        f = bytearray(good(offer("10.0.2.64")))
        f[14 + 20 + 6] ^= 0x55                                                          # UDP checksum
        bad.append(bytes(f))
        f = bytearray(good(offer("10.0.2.65")))
        f[14 + 10] ^= 0x55                                                              # IP checksum
        bad.append(bytes(f))
        bad.append(good(offer("10.0.2.66"))[:14 + 20 + 8 + 200])                        # truncated
        bad.append(good(offer("10.0.2.67", opt(54, SRV) + opt(1, MASK) + b"\xff")))     # BOOTP, no type
        f = bytearray(good(offer("10.0.2.68")))
        f[14 + 6] = 0x20                                                                # a fragment
        f[14 + 10:14 + 12] = b"\0\0"
        f[14 + 10:14 + 12] = struct.pack("!H", csum(bytes(f[14:34])))
        bad.append(bytes(f))
        bad.append(good(offer("10.0.2.255")))                                           # the subnet's broadcast
        bad.append(good(offer("10.0.2.69", opt(53, b"\x02") + opt(52, b"\x01") + b"\xff",
                              file=opt(54, SRV).ljust(126, b"\0") + b"\x03\x09")))      # overflow in file
        bad.append(udp_frame(BCAST_MAC, SRV_MAC, SRV, b"\xff" * 4, 68, 68, offer("10.0.2.60")))  # wrong port
        bad.append(udp_frame(OTHER_MAC, SRV_MAC, SRV, b"\xff" * 4, 67, 68, offer("10.0.2.59")))  # another station
        for i, fr in enumerate(bad):
            self._send(fr, f"hostile reply {i + 1}" if i == 0 else None)
        self.notes.append(f"{len(bad)} hostile replies sent")

    # -- verdicts for the checks --
    def describe(self):
        rows = [f"  {e['t']:6.2f} guest: type {e['type']} xid {e['xid']} {e['src']} -> {e['dst']} "
                f"(mac {e['dst_mac']}) ciaddr {e['ciaddr']} 50={e['opt50']} 54={e['opt54']}" for e in self.log]
        return "wire log:\n" + "\n".join(rows + ["  " + n for n in self.notes] + ["  error: " + e for e in self.errors])

    def verdicts(self):
        """(what, ok, detail) for each property of the guest's messages."""
        v = [("the guest's frames have good IP and UDP checksums", not self.errors, "; ".join(self.errors[:5])),
             ("no ICMP unreachable from the guest (answers to renewals reach a socket)", not self.unreachable,
              "; ".join(self.unreachable[:5]))]
        disc = [e for e in self.log if e["type"] == DISCOVER]
        sel = [e for e in self.log if e["type"] == REQUEST and e["ciaddr"] == "0.0.0.0"]
        if self.scenario == "main":
            ok = len(disc) >= 2 and disc[0]["xid"] == disc[1]["xid"] and 0.85 <= disc[1]["t"] - disc[0]["t"] <= 3
            v.append(("a lost DISCOVER is sent again after about 1 s, same xid", ok,
                      f"DISCOVERs at {[round(e['t'], 2) for e in disc]}"))
            ok = bool(sel) and sel[0]["opt50"] == "10.0.2.15" and sel[0]["opt54"] == "10.0.2.2" and \
                sel[0]["dst"] == "255.255.255.255" and sel[0]["src"] == "0.0.0.0"
            v.append(("REQUEST: broadcast from 0.0.0.0, requested address and server id", ok,
                      f"first REQUEST {sel[:1]}"))
            xids = []
            for e in disc:
                if e["xid"] not in xids:
                    xids.append(e["xid"])
            v.append(("after the NAK (not the rogue one): one new exchange, a new xid", len(xids) == 2,
                      f"DISCOVER xids {xids}"))
            ren = [e for e in self.log if e["type"] == REQUEST and e["ciaddr"] != "0.0.0.0"]
            ok = bool(ren) and all(e["ciaddr"] == "10.0.2.15" and e["src"] == "10.0.2.15" and
                                   e["dst"] == "10.0.2.2" and e["dst_mac"] == SRV_MAC.hex() and
                                   e["opt50"] is None and e["opt54"] is None for e in ren)
            v.append(("renewals: unicast to the server from the leased address, ciaddr set, no 50/54", ok,
                      f"{len(ren)} renewals"))
            v.append(("the DISCOVER asks for the router (option 55)", bool(disc) and 3 in disc[0]["params"],
                      f"{disc[:1]}"))
        elif self.scenario == "expire":
            # The lease's times count from the exchange's first DISCOVER.
            t0 = disc[0]["t"] if disc else 0
            t_ack = self.acks[0] if self.acks else 0
            later = [e for e in disc if e["t"] > t_ack]
            t_end = later[0]["t"] if later else 1e9
            ren = [e for e in self.log if e["type"] == REQUEST and e["ciaddr"] == "10.0.2.15" and e["t"] < t_end]
            uni = [e for e in ren if e["dst_mac"] == SRV_MAC.hex() and e["dst"] == "10.0.2.2"]
            bc = [e for e in ren if e["dst_mac"] == BCAST_MAC.hex() and e["dst"] == "255.255.255.255"]
            at = lambda es: [round(e["t"] - t0, 2) for e in es]
            v.append((f"renewing from T1 ({self.t1} s): unicast to the server, retransmitted",
                      len(uni) >= 2 and self.t1 - 0.5 <= uni[0]["t"] - t0 <= self.t1 + 1.5,
                      f"unicast renewals at +{at(uni)}"))
            v.append((f"rebinding from T2 ({self.t2} s): broadcast, retransmitted", len(bc) >= 2 and
                      self.t2 - 0.5 <= bc[0]["t"] - t0 <= self.t2 + 1.5 and (not uni or bc[0]["t"] > uni[-1]["t"]),
                      f"broadcast renewals at +{at(bc)}"))
            v.append((f"at expiry ({self.lease} s): the address goes, a new DISCOVER",
                      bool(later) and self.lease - 0.5 <= later[0]["t"] - t0 <= self.lease + 2,
                      f"DISCOVERs at +{at(later)}"))
        elif self.scenario == "plain":
            ren = [e for e in self.log if e["type"] == REQUEST and e["ciaddr"] != "0.0.0.0"]
            v.append(("renewals reached the server", len(ren) >= 1, f"{len(ren)} renewals"))
        else:
            dec = [e for e in self.log if e["type"] == DECLINE]
            ok = len(dec) == 1 and dec[0]["opt50"] == "10.0.2.15" and dec[0]["opt54"] == "10.0.2.2"
            v.append(("one DECLINE of 10.0.2.15 to its server", ok, f"{dec}"))
            v.append(("then a new exchange gets 10.0.2.16", any(e["opt50"] == "10.0.2.16" for e in sel),
                      f"REQUESTs {sel}"))
        return v
