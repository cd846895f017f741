"""NICs other than QEMU's e1000, each through NetBSD's stack like wm0 on
e1000 (plan_net.py): virtio-net through NetBSD's vioif (the virtio stage
with the network stage), e1000e (an i82574L) through NetBSD's wm.

QEMU user-mode networking with restrict=on only; the host end of the
transfer is tools/qemu/httpserve.py spawned by guestfwd (no socket on the
host).  Skipped with the reason when the components are absent.

  nic-<nic>-dhcp    the default boot configuration: AdrOS's DHCP client
                    configures the NIC's interface after the prompt; ping -c
                    5 the gateway: 5 received; fetch a 4 MiB random file
                    over TCP from the host: the guest's sha256sum equals
                    the host's
  nic-<nic>-static  net=<if>:10.0.2.15/24,gw=10.0.2.2: the address and the
                    default route; ping -c 5 the gateway: 5 received;
                    ifconfig says no "no carrier" (vioif reports no link
                    state: no status line, and DHCP does not wait for one)
"""
import hashlib
import os

import qemu
from common import ROOT, check_patterns, linked_archives, linked_stages, rump_present

# name: (QEMU device, NetBSD's interface, the stages it needs, the archive
# that must be linked for it)
NICS = {"virtio": ("virtio-net-pci,disable-modern=on", "vioif0", ("net", "virtio"), "librumpdev_virtio_if_vioif"),
        "e1000e": ("e1000e", "wm0", ("net",), None)}
SIZE = 4 << 20


def _dir(build):
    d = os.path.join(build, "nics")
    os.makedirs(d, exist_ok=True)
    return d


def _nic(build, dev, fwd):
    net = "user,id=n0,restrict=on"
    if fwd:
        net += (f",guestfwd=tcp:10.0.2.100:80-cmd:python3 {os.path.join(ROOT, 'tools', 'qemu', 'httpserve.py')} "
                f"{_dir(build)}")
    return ["-netdev", net, "-device", f"{dev},netdev=n0"]


def _prepare(build):
    with open(os.path.join(_dir(build), "big.bin"), "wb") as f:
        f.write(os.urandom(SIZE))


def _check(want):
    def check(b, res):
        name = res.group
        if b.timed_out or b.status not in (qemu.EXIT_OK, qemu.EXIT_FAIL) or "PANIC" in b.output:
            res.fail(name, b.describe() + "\n" + b.tail(30))
            return
        check_patterns(res, b.output, want(b), f"{name}: ", b.tail(30))
    return check


def _dhcp_boot(build, nic, dev, ifn):
    script = (f"sleep 12; dhcp; ping -c 5 10.0.2.2; fetch http://10.0.2.100/big.bin /big.bin; "
              f"sha256sum /big.bin; ifconfig {ifn}")

    def want(b):
        sha = hashlib.sha256(open(os.path.join(_dir(build), "big.bin"), "rb").read()).hexdigest()
        return [(rf"AdrOS ready[\s\S]*net: {ifn}: 10\.0\.2\.15/24 by DHCP in \d+ ms", "DHCP at boot after the prompt"),
                (rf"{ifn}: 10\.0\.2\.15/24\n\trouter: none offered\n\tserver: 10\.0\.2\.2", "dhcp shows the lease"),
                (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping the gateway: 5 received"),
                (rf"fetch: {SIZE} bytes in \d+\.\d+ s", "4 MiB fetched over TCP"),
                (rf"{sha}  /big\.bin", "the guest's sha256 equals the host's"),
                (rf"{ifn}: flags=\S+<UP,BROADCAST,RUNNING[\s\S]*inet 10\.0\.2\.15/24", "ifconfig: up, the address"),
                (r"script: 6 commands, 0 failed", "every command succeeded")]
    return {"name": f"nic-{nic}-dhcp", "cmdline": f'run="{script}"', "timeout": 180, "prepare": _prepare,
            "extra": _nic(build, dev, True), "check": _check(want)}


def _static_boot(build, nic, dev, ifn):
    def want(b):
        return [(rf"net: {ifn}: 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(static\)", "static configuration"),
                (rf"default\s+10\.0\.2\.2\s+UG\s+{ifn}", "route shows the default route"),
                (r"5 packets transmitted, 5 packets received, 0\.0% packet loss", "ping the gateway: 5 received"),
                (r"^(?![\s\S]*status: no carrier)", "ifconfig shows no false 'no carrier'"),
                (r"script: 3 commands, 0 failed", "every command succeeded")]
    return {"name": f"nic-{nic}-static", "cmdline": f'net={ifn}:10.0.2.15/24,gw=10.0.2.2 run="ifconfig {ifn}; route; '
            f'ping -c 5 10.0.2.2"', "timeout": 120, "extra": _nic(build, dev, False), "check": _check(want)}


def boots(build):
    plan = []
    for nic, (dev, ifn, stages, archive) in NICS.items():
        tests = {f"nic-{nic}-dhcp": [f"{nic}: DHCP at boot, ping the gateway, 4 MiB over TCP with equal sha256"],
                 f"nic-{nic}-static": [f"{nic}: static address and route, ping the gateway"]}
        missing = [s for s in stages if s not in linked_stages()] if rump_present() else list(stages)
        why = None
        if missing:
            why = f"NetBSD's {' and '.join(missing)} components absent (tools/rump-components.sh builds them, see README)"
        elif archive and archive not in linked_archives():
            why = f"{archive}.a absent from the rump components"
        if why:
            plan += [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in tests.items()]
            continue
        plan += [_dhcp_boot(build, nic, dev, ifn), _static_boot(build, nic, dev, ifn)]
    return plan
