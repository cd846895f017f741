"""Stage 2 test boots: NetBSD's wm driver and TCP/IP stack (src/netbsd/).

Only QEMU user-mode networking with restrict=on: nothing leaves QEMU.

  net-static   net=wm0:10.0.2.15/24,gw=10.0.2.2: ifconfig shows wm0 with
               QEMU's MAC and the address, route shows the default route,
               ping -c 5 the gateway: 5 received, netstat runs
  net-dhcp     the default boot configuration: DHCP on the first interface
               gets QEMU's address without delaying the shell prompt
  net-none     no NIC: the network commands fail with a clear message and
               AdrOS goes on
  net-sockets  suite net (tests/kernel/net.c): the socket interface on the
               loopback interface, from several threads at once
"""
from plan_components import _linked_stages
from plan_stage1 import rump_present
from testplan import check_patterns
import qemu

NIC = ["-nic", "user,model=e1000,restrict=on"]


def _check(want):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL):
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        check_patterns(res, b.output, want, f"{name}: ", b.tail(30))
    return check


def boots(build):
    names = {"net-static": ["static address, default route, ping -c 5 the gateway: 5 received"],
             "net-dhcp": ["DHCP gets QEMU's address at boot"],
             "net-none": ["no NIC: network commands fail cleanly"],
             "net-sockets": ["net/loopback_interface", "net/udp_loopback", "net/timeouts_on_time",
                             "net/refused_and_bad_arguments", "net/tcp_echo_concurrent"]}
    if not rump_present() or "net" not in _linked_stages():
        why = "NetBSD network components absent (tools/rump-components.sh builds them, see README)"
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in names.items()]
    return [
        {"name": "net-sockets", "cmdline": "ktest=net", "timeout": 180},
        {"name": "net-static", "extra": NIC, "timeout": 180,
         "cmdline": 'net=wm0:10.0.2.15/24,gw=10.0.2.2 run="ifconfig wm0; route; ping -c 5 10.0.2.2; '
                    'netstat; ifconfig wm0"',
         "check": _check([(r"net: wm0: 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(static\)", "static configuration"),
                          (r"address: 52:54:00:12:34:56", "ifconfig shows QEMU's MAC"),
                          (r"inet 10\.0\.2\.15/24", "ifconfig shows the address"),
                          (r"default\s+10\.0\.2\.2\s+UG\s+wm0", "route shows the default route"),
                          (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping: 5 received"),
                          (r"round-trip min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms", "ping: round-trip line"),
                          (r"Proto Recv-Q Send-Q", "netstat runs"),
                          (r"script: 5 commands, 0 failed", "every command succeeded")])},
        {"name": "net-dhcp", "extra": NIC, "timeout": 180,
         "cmdline": 'run="sleep 5; ifconfig wm0"',
         "check": _check([(r"AdrOS ready[\s\S]*net: wm0: 10\.0\.2\.15/24 by DHCP", "DHCP after the prompt is ready"),
                          (r"inet 10\.0\.2\.15/24", "the leased address is on wm0")])},
        {"name": "net-none", "timeout": 120,
         "cmdline": 'run="ifconfig; ping -c 1 10.0.2.2; dhcp wm0; ifconfig lo0"',
         "check": _check([(r"ping: .*(unreachable|EHOSTUNREACH|ENETUNREACH)", "ping reports no route"),
                          (r"dhcp: wm0: no such interface", "dhcp on a missing interface"),
                          (r"lo0: flags=\w+<UP,LOOPBACK", "the loopback interface is there"),
                          (r"script: 4 commands, 2 failed", "AdrOS goes on")])},
    ]
