"""Stage 2 test boots: NetBSD's wm driver and TCP/IP stack (src/netbsd/).

Only QEMU user-mode networking with restrict=on, or a network that exists
only between QEMU and this process: nothing leaves QEMU.

  net-static        net=wm0:10.0.2.15/24,gw=10.0.2.2: ifconfig shows wm0 with
                    QEMU's MAC and the address, route shows the default route,
                    ping -c 5 the gateway: 5 received, netstat runs
  net-dhcp          the default boot configuration: AdrOS's DHCP client gets
                    QEMU's address and lease (server, lease time) without
                    delaying the shell prompt, and installs no default route
                    (QEMU with restrict=on offers no router: option 3 is only
                    sent without restrict); ping -c 5 the gateway: 5 received
  net-dhcp-first    the boot's first command a ping: it waits for the lease
                    and is answered; `rump status` shows the rewrites of
                    QEMU's e1000 receive control register that would not
                    change it skipped (the one after the lease, NetBSD's
                    multicast filter for the new address, held the reply
                    for a second: src/rump/rump_bus_space.c); then
                    `ifconfig wm0 down` and `up`: the leased address
                    answers again as soon as QEMU's e1000 takes frames
                    (1 s after wm_init's RCTL write; NetBSD's own
                    duplicate address detection, which held it back for
                    6 s at each link-up, is off: src/netbsd/netif.c)
  net-dhcp-shell    net=off, then the shell's dhcp wm0: when it returns the
                    address works (duplicate address detection is over), at
                    once: ping -c 5 the gateway: 5 received
  net-dhcp-ioapic   the same as net-dhcp, interrupts through the I/O APIC
                    (both capture the wire with filter-dump: DHCP checksums,
                    no ICMP redirect storm, 5 echo replies)
  net-dhcp-server   a DHCP server of our own (below) that loses the first
                    DISCOVER, sends hostile replies before its OFFER, refuses
                    the first REQUEST, offers a router, a name server and a
                    30 s lease renewed every 3 s: the client retransmits with
                    backoff, ignores what is not for it, starts over after
                    the NAK, installs the default route (ping through it to an
                    off-link address), renews by unicast
  net-dhcp-declined the server's address answers the ARP probe of duplicate
                    address detection: the client declines it, and the next
                    exchange gets another address
  net-dhcp-expiry   a 20 s lease whose server stops answering: unicast
                    renewals from T1, broadcast from T2, the address removed
                    at expiry, then a new exchange and a working address
  net-none          no NIC: the network commands fail with a clear message and
                    AdrOS goes on

The DHCP server of the last three is FakeLan (tools/test/fakelan.py): the
other end of QEMU's "dgram" network backend, frames between QEMU and this
process only.
"""
import os
import re
import struct

import qemu
from common import check_patterns, linked_stages, rump_present
from fakelan import FakeLan, csum

NIC = ["-nic", "user,model=e1000,restrict=on"]


def _check(want, absent=(), lan=None, pcap=None):
    def check(b, res):
        name = res.group
        if lan:
            lan.finish()
        if pcap:
            for what, ok, detail in _wire_verdicts(pcap):
                (res.ok(f"{name}: {what}") if ok else res.fail(f"{name}: {what}", detail))
        if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL):
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        check_patterns(res, b.output, want, f"{name}: ", b.tail(30))
        for pat, what in absent:
            m = re.search(pat, b.output)
            if m:
                res.fail(f"{name}: {what}", f"/{pat}/ found: {m.group(0)!r}\n{b.tail(30)}")
            else:
                res.ok(f"{name}: {what}")
        if lan:
            for what, ok, detail in lan.verdicts():
                (res.ok(f"{name}: {what}") if ok else res.fail(f"{name}: {what}", detail + "\n" + lan.describe()))
    return check


def _nic_dump(pcap):
    """QEMU's user networking with restrict=on, its frames written to pcap
    (a file: QEMU's filter-dump)."""
    return ["-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0",
            "-object", f"filter-dump,id=f1,netdev=n0,file={pcap}"]


def _pcap_frames(path):
    with open(path, "rb") as f:
        d = f.read()
    off, out = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def _wire_verdicts(path):
    """What the guest put on the wire: DHCP with good checksums, no ICMP
    redirects and nothing from the loopback address (the storm of a stack
    that forwards packets for an address it does not yet take)."""
    try:
        frames = _pcap_frames(path)
    except OSError as e:
        return [("the wire was captured", False, str(e))]
    guest = [f for f in frames if f[6:12] == bytes.fromhex("525400123456") and f[12:14] == b"\x08\x00"]
    bad_sums, dhcp, redirects, loop, echo_replies = [], 0, 0, 0, 0
    for f in frames:
        if f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] == 1 and ip[ihl] == 0 and f[0:6] == bytes.fromhex("525400123456"):
            echo_replies += 1
    for f in guest:
        ip = f[14:]
        ihl, tot = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0]
        if ip[12:16] == b"\x7f\0\0\x01":
            loop += 1
        if ip[9] == 1 and ip[ihl] == 5:
            redirects += 1
        if ip[9] == 17 and struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] == 67:
            dhcp += 1
            udp = ip[ihl:tot]
            if csum(ip[:ihl]) or csum(ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + udp):
                bad_sums.append(len(udp))
    return [("on the wire: DHCP messages with good IP and UDP checksums", dhcp >= 2 and not bad_sums,
             f"{dhcp} DHCP messages, {len(bad_sums)} with bad checksums"),
            ("on the wire: no ICMP redirect, nothing from 127.0.0.1", redirects == 0 and loop == 0,
             f"{redirects} redirects, {loop} packets from 127.0.0.1 in {len(frames)} frames"),
            ("on the wire: 5 echo replies reached the guest", echo_replies == 5, f"{echo_replies} echo replies")]


def boots(build):
    names = {"net-static": ["static address, default route, ping -c 5 the gateway: 5 received"],
             "net-dhcp": ["DHCP at boot: QEMU's address and lease, ping -c 5 the gateway: 5 received"],
             "net-dhcp-first": ["a ping as the first command waits for the lease, no RCTL rewrite after it; "
                                "the address answers at once after ifconfig down and up"],
             "net-dhcp-shell": ["the shell's dhcp: the address works when it returns"],
             "net-dhcp-ioapic": ["the same through the I/O APIC"],
             "net-dhcp-server": ["DHCP against a hostile, lossy server: router, renewal"],
             "net-dhcp-declined": ["an address in use is declined"],
             "net-dhcp-expiry": ["a server that stops answering: renewing, rebinding, expiry, a new lease"],
             "net-none": ["no NIC: network commands fail cleanly"],
             "net-sockets": ["net/loopback_interface", "net/udp_loopback", "net/timeouts_on_time",
                             "net/refused_and_bad_arguments", "net/tcp_echo_concurrent"]}
    if not rump_present() or "net" not in linked_stages():
        why = "NetBSD network components absent (tools/rump-components.sh builds them, see README)"
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
    dhcp_want = [(r"AdrOS ready[\s\S]*net: wm0: 10\.0\.2\.15/24 by DHCP in \d+ ms \(router none, server 10\.0\.2\.2\)",
                  "DHCP after the prompt is ready"),
                 (r"wm0: 10\.0\.2\.15/24\n\trouter: none offered\n\tserver: 10\.0\.2\.2\n"
                  r"\tlease time: 86400 s \(bound, expires in \d+ s; renewed 0 times\)", "dhcp shows the lease"),
                 (r"inet 10\.0\.2\.15/24", "the leased address is on wm0"),
                 (r"dhcp: 10\.0\.2\.15/24 from 10\.0\.2\.2, lease 86400 s", "ifconfig shows the lease"),
                 (r"10\.0\.2\.0/24\s+link\s+U\s+wm0", "route: the subnet"),
                 (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping: 5 received"),
                 (r"script: 5 commands, 0 failed", "every command succeeded")]
    dhcp_absent = [(r"\ndefault\s", "no default route: QEMU offered no router")]
    dhcp_cmd = 'run="sleep 15; dhcp; route; ping -c 5 10.0.2.2; ifconfig wm0"'
    logs = os.path.join(os.path.abspath(build), "test-logs")
    pcap = {n: os.path.join(logs, n + ".pcap") for n in ("net-dhcp", "net-dhcp-ioapic", "net-dhcp-shell")}

    def fresh(path):
        def prepare(build):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.exists(path):
                os.unlink(path)
        return prepare
    lan = FakeLan("net-dhcp-server", "main")
    dup = FakeLan("net-dhcp-declined", "dup")
    gone = FakeLan("net-dhcp-expiry", "expire", lease=20, t1=8, t2=14)
    return [
        # Suite net (tests/kernel/net.c): the socket interface on the
        # loopback interface, from several threads at once.
        {"name": "net-sockets", "cmdline": "ktest=net", "timeout": 180},
        {"name": "net-static", "extra": NIC, "timeout": 180,
         "cmdline": 'net=wm0:10.0.2.15/24,gw=10.0.2.2 run="ifconfig wm0; route; ping -c 5 10.0.2.2; '
                    'netstat; ifconfig wm0; lsirq"',
         "check": _check([(r"net: wm0: 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(static\)", "static configuration"),
                          (r"address: 52:54:00:12:34:56", "ifconfig shows QEMU's MAC"),
                          (r"inet 10\.0\.2\.15/24", "ifconfig shows the address"),
                          (r"default\s+10\.0\.2\.2\s+UG\s+wm0", "route shows the default route"),
                          (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping: 5 received"),
                          (r"round-trip min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms", "ping: round-trip line"),
                          (r"Proto Recv-Q Send-Q", "netstat runs"),
                          (r"\n\d+\s+[1-9]\d*\s+0\s+\d+\s+\S*rump-pci", "lsirq: the NIC's line took interrupts, all claimed"),
                          (r"script: 6 commands, 0 failed", "every command succeeded")])},
        {"name": "net-dhcp", "extra": _nic_dump(pcap["net-dhcp"]), "prepare": fresh(pcap["net-dhcp"]),
         "timeout": 180, "cmdline": dhcp_cmd, "check": _check(dhcp_want, dhcp_absent, pcap=pcap["net-dhcp"])},
        {"name": "net-dhcp-first", "extra": NIC, "timeout": 180,
         "cmdline": 'run="ping -c 1 10.0.2.2; rump status; ifconfig wm0 down; ifconfig wm0 up; '
                    'ping -c 1 -i 3000 10.0.2.2"',
         "check": _check([(r"net: wm0: 10\.0\.2\.15/24 by DHCP in \d+ ms", "the lease"),
                          (r"1 packets transmitted, 1 packets received, 0\.0% packet loss",
                           "the first command's ping waits for the lease and is answered"),
                          (r"QEMU e1000: [1-9]\d* rewrites of RCTL with the value it holds skipped",
                           "RCTL rewrites that change nothing are not made (each a 1 s receive hold)"),
                          (r"flags=\S+<BROADCAST,MULTICAST>[\s\S]*flags=\S+<UP,BROADCAST,RUNNING",
                           "ifconfig takes wm0 down and up"),
                          (r"ping -c 1 -i 3000 10\.0\.2\.2\n[\s\S]*?1 packets transmitted, 1 packets received",
                           "after down and up the leased address answers (no 4-7 s of DAD)"),
                          (r"script: 5 commands, 0 failed", "every command succeeded")])},
        {"name": "net-dhcp-shell", "extra": _nic_dump(pcap["net-dhcp-shell"]), "prepare": fresh(pcap["net-dhcp-shell"]),
         "timeout": 180, "cmdline": 'net=off run="dhcp wm0; ping -c 5 10.0.2.2; dhcp wm0; dhcp eth7; dhcp lo0"',
         "check": _check([(r"adros# dhcp wm0\nwm0: 10\.0\.2\.15/24 \(\d+ ms\)\n\trouter: none offered\n"
                           r"\tserver: 10\.0\.2\.2\n\tlease time: 86400 s", "dhcp wm0 prints the lease"),
                          (r"5 packets transmitted, 5 packets received, 0\.0% packet loss",
                           "ping at once after dhcp: 5 received"),
                          (r"dhcp: eth7: no such interface", "dhcp on a missing interface"),
                          (r"dhcp: lo0: not an Ethernet interface", "dhcp on the loopback interface"),
                          (r"script: 5 commands, 2 failed", "the others succeed")], pcap=pcap["net-dhcp-shell"])},
        {"name": "net-dhcp-ioapic", "extra": _nic_dump(pcap["net-dhcp-ioapic"]),
         "prepare": fresh(pcap["net-dhcp-ioapic"]), "timeout": 180, "cmdline": "ioapic=on " + dhcp_cmd,
         "check": _check(dhcp_want + [(r"(?m)^irq: I/O APIC at ", "the I/O APIC routes the interrupts")],
                         dhcp_absent, pcap=pcap["net-dhcp-ioapic"])},
        {"name": "net-dhcp-server", "extra": lan.extra, "prepare": lan.prepare, "timeout": 180,
         "cmdline": 'run="sleep 20; dhcp; route; ping -c 5 10.0.2.2; ping -c 3 192.0.2.1; ifconfig wm0"',
         "check": _check([(r"dhcp: wm0: 10\.0\.2\.2 refused 10\.0\.2\.15 \(NAK: test: start over\?\[2J\), "
                           r"starting over", "the NAK is reported (its text made printable)"),
                          (r"AdrOS ready[\s\S]*net: wm0: 10\.0\.2\.15/24 by DHCP in \d+ ms "
                           r"\(router 10\.0\.2\.2, server 10\.0\.2\.2\)", "DHCP at boot: address and router"),
                          (r"\trouter: 10\.0\.2\.2\n\tserver: 10\.0\.2\.2\n\tlease time: 30 s \(\w+, expires in \d+ s; "
                           r"renewed [1-9]\d* times\)\n\tdns: 10\.0\.2\.3", "dhcp: router, server, DNS, renewed"),
                          (r"default\s+10\.0\.2\.2\s+UG\s+wm0", "route: the default route through the router"),
                          (r"PING 10\.0\.2\.2[^\n]*\n(?:[^\n]*\n)*?5 packets transmitted, 5 packets received",
                           "ping -c 5 the router: 5 received"),
                          (r"PING 192\.0\.2\.1[^\n]*\n(?:[^\n]*\n)*?3 packets transmitted, 3 packets received",
                           "ping off-link through the default route: 3 received"),
                          (r"script: 6 commands, 0 failed", "every command succeeded")],
                         [(r"10\.0\.2\.(6\d|59|255)", "no hostile offer taken")], lan)},
        {"name": "net-dhcp-declined", "extra": dup.extra, "prepare": dup.prepare, "timeout": 180,
         "cmdline": 'run="sleep 8; ifconfig wm0; dhcp wm0; ping -c 2 10.0.2.2"',
         "check": _check([(r"dhcp: wm0: 10\.0\.2\.15 from 10\.0\.2\.2 is in use by another host: declined",
                           "DAD found the address in use: declined"),
                          (r"net: wm0: DHCP failed: ", "the boot's DHCP fails"),
                          (r"wm0: 10\.0\.2\.16/24 \(\d+ ms\)", "the next exchange gets another address"),
                          (r"2 packets transmitted, 2 packets received", "and it works"),
                          (r"script: 4 commands, 0 failed", "every command succeeded")],
                         [(r"inet 10\.0\.2\.15/", "the duplicate address is not kept")], dup)},
        {"name": "net-dhcp-expiry", "extra": gone.extra, "prepare": gone.prepare, "timeout": 180,
         "cmdline": 'run="sleep 34; dhcp; ping -c 2 10.0.2.2"',
         "check": _check([(r"dhcp: wm0: the lease of 10\.0\.2\.15 expired: address removed", "the lease expires"),
                          (r"dhcp: wm0: a new lease obtained", "a new lease follows"),
                          (r"wm0: 10\.0\.2\.15/24\n\trouter: 10\.0\.2\.2\n\tserver: 10\.0\.2\.2\n\tlease time: 20 s",
                           "dhcp shows the new lease"),
                          (r"2 packets transmitted, 2 packets received", "the address works again"),
                          (r"script: 3 commands, 0 failed", "every command succeeded")], lan=gone)},
        {"name": "net-none", "timeout": 120,
         "cmdline": 'run="ifconfig; ping -c 1 10.0.2.2; dhcp wm0; ifconfig lo0"',
         "check": _check([(r"ping: .*(unreachable|EHOSTUNREACH|ENETUNREACH)", "ping reports no route"),
                          (r"dhcp: wm0: no such interface", "dhcp on a missing interface"),
                          (r"lo0: flags=\w+<UP,LOOPBACK", "the loopback interface is there"),
                          (r"script: 4 commands, 2 failed", "AdrOS goes on")])},
    ]
