#!/usr/bin/env python3
"""The Linux reference boot of `make bench`: Debian's i386 Linux kernel on
the same emulated PC as one of AdrOS's benchmark boots, running the same
workloads, so that every AdrOS figure can be shown next to Linux's.

  tools/bench/linuxref.py                 the Linux boot alone: prints its BENCH lines
  tools/bench/linuxref.py -m usb_seq      the same on the machine of AdrOS's usb_seq
  tools/bench/runbench.py                 runs it after AdrOS's boots, prints the pairs
  tools/bench/runbench.py --boots usb_seq,linux   AdrOS's usb_seq, then its mirror

Everything lives in <build>/linuxref; nothing is installed on the machine:
  fetch()      `apt-get download` of the kernel package linux-image-686:i386
               depends on and of busybox-static:i386 into debs/ (as root it
               first enables the i386 architecture and runs apt-get update
               when apt does not know them), `dpkg -x` into root/.  Fetched
               once; `rm -r build/linuxref` fetches again.
  initramfs()  busybox, the timing helper lrio (tools/bench/linuxref-io.c, built
               with the machine's gcc -m32), MODULES and every module they
               need (the .ko's `depends=` and `softdep=pre:` fields) in load
               order, tools/bench/linuxref-init.sh as /init with the network
               workloads' functions (NET_INIT) added; `cpio -o -H newc`.
               With the rump_host workload also /bin/rumphost, NetBSD's
               rump kernel on its POSIX hypercalls (tools/bench/rumphost.c,
               build_rumphost(); when it cannot be built the boot runs
               without it and the comparison says why).
  run()        boots it with qemu.qemu_cmd(), the definition AdrOS's boots
               use, with the memory, disks and extra arguments of the AdrOS
               boot it mirrors (MIRRORS); the disks are copies of that boot's
               images (the write workload changes them); its NIC too, if it
               has one (user-mode networking with restrict=on only, see
               _net_args()).
  compare()    pairs each Linux figure with AdrOS's figures of the same
               workload (PAIRS): MB/s and AdrOS/Linux; the network figures
               are paired by tools/bench/netbench.py (format_compare()).

Two kinds of machine are mirrored (mirror() picks among the AdrOS boots
that ran): the ext2 one (fs-bench, else rump_ext2; MODULES, WORKLOADS) and
the USB one (usb_seq; USB_MODULES, USB_WORKLOADS), one Linux boot each.
The usb_seq mirror has the same EHCI controller, USB stick and ATA disk,
with the very -drive options of the AdrOS boot (snapshot=on: both guests'
writes go to QEMU's temporary overlay); /init finds the USB disk by its
sysfs path (under the EHCI controller's usbN), the ATA disk likewise, and
runs on each, O_DIRECT through lrio rawread/rawwrite, the requests of
tests/kernel/usb_bench.c: 32 MiB read with 64 KiB requests from byte 0,
the next 32 MiB with 1 MiB requests, the next 32 MiB written with 1 MiB
requests and fsync() (a cache flush), timed with it.  Linux's figures are
bench linux_usb, metrics usb-read-64k ... ata-write-1024k.  The virtio_seq
and pc_seq mirrors are raw mirrors of the same kind (RAW_MIRRORS): pc_seq's
has the AHCI, NVMe and qemu-xhci devices of plan_ahci.py's bench boot, each
with its ext2 image; its figures are bench linux_pc (PC_MODULES, wl_pc_raw).

The network workloads (ping, tcp_tx, tcp_rx) give the guest the NIC of
AdrOS's net-bench boot (tools/test/plan_net_bench.py): QEMU's e1000 on user-mode
networking with restrict=on and the same two forwards, host ends on
127.0.0.1 (netbench.nic()); eth0 is configured statically as AdrOS's wm0
(10.0.2.15/24, gateway 10.0.2.2), and the host measures both directions
with the same code as for AdrOS.

When something needed is missing (no network, apt refuses, not root, no
cpio) run() raises Skip with the reason; the runner prints it and goes on.
"""
import argparse
import fcntl
import glob
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test"))
import common  # noqa: E402  (first: puts the tool folders on sys.path)
import netbench  # noqa: E402
import qemu  # noqa: E402

# What the initramfs loads: PIIX IDE (ata_piix; ata_generic as the fallback
# a generic initramfs has), SCSI disks, ext2 (Debian builds it into ext4:
# CONFIG_EXT4_USE_FOR_EXT2), the e1000 NIC for the network workloads.
MODULES = ["ata_piix", "ata_generic", "sd_mod", "ext4", "e1000"]
# What the usb_seq mirror loads: the ATA disk's as above, the EHCI
# controller on PCI (ehci_pci, with ehci_hcd and usbcore), usb-storage's
# bulk-only transport (the stick is a usb-storage device, not UAS), SCSI
# disks for both.
USB_MODULES = ["ata_piix", "ata_generic", "ehci_pci", "usb_storage", "sd_mod"]
# The NIC mirrors (run_nic()): AdrOS's net-bench-<nic> boots, the network
# workloads alone on that NIC (netbench.NICS), with these modules; the
# interrupt lines counted are those whose /proc/interrupts name matches
# NIC_IRQ (virtio's are virtioN-config, -input.0, -output.0).
NIC_MODULES = {"e1000": ["e1000"], "e1000e": ["e1000e"], "virtio": ["virtio_pci", "virtio_net"]}
NIC_IRQ = {"e1000": "eth0", "e1000e": "eth0", "virtio": "virtio"}

# Workloads of tools/bench/linuxref-init.sh (its wl_<name> functions), in order.
# rump_host: NetBSD's ext2fs in a rump kernel on NetBSD's POSIX hypercalls
# (tools/bench/rumphost.c; RUMPHOST below), between the two: it reads the
# file before ext2_write removes it.
DISK_WORKLOADS = ["ext2_read", "rump_host", "ext2_write"]
# The network workloads (NET_INIT below, host side in tools/bench/netbench.py).
NET_WORKLOADS = ["dhcp", "ping", "tcp_tx", "tcp_rx"]
WORKLOADS = DISK_WORKLOADS + NET_WORKLOADS
# The raw block device workloads of the usb_seq mirror (wl_usb_raw: the
# requests of tests/kernel/usb_bench.c on the USB and on the ATA disk).
USB_WORKLOADS = ["usb_raw"]
# The virtio_seq mirror (tests/kernel/usb_bench.c's virtio_seq, plan_virtio.py):
# the same legacy virtio-blk and virtio-scsi devices, Linux's virtio_blk
# (vda) and virtio_scsi with sd (sda), O_DIRECT reads of the same regions.
VIRTIO_MODULES = ["virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod"]
VIRTIO_WORKLOADS = ["virtio_raw"]
# The pc_seq mirror (tests/kernel/usb_bench.c's pc_seq, plan_ahci.py): the
# same AHCI, NVMe and qemu-xhci devices with the same image on each, Linux's
# ahci (sdX under ataN), nvme (nvme0n1), xhci_pci + usb_storage (sdX under
# usbN); O_DIRECT reads of the same regions, then /bench.bin read cold
# through Linux's ext2 (ext4 module) with 64 KiB and 1 MiB reads.
PC_MODULES = ["ahci", "nvme", "xhci_pci", "usb_storage", "sd_mod", "ext4"]
PC_WORKLOADS = ["pc_raw"]
# Not in the benchmark: prints the guest's kernel log (tools/bench/linuxref.py -w dmesg).
DEBUG_WORKLOADS = ["dmesg"]

# AdrOS benchmark boots the Linux guest can mirror, in order of preference,
# with the 32 MiB file on their disk that the read workload reads.
MIRRORS = [("fs-bench", "/bench.bin"), ("rump_ext2", "/big.bin")]
# The AdrOS USB benchmark boot (tools/test/plan_usb.py): mirrored besides one of
# MIRRORS, with USB_MODULES and USB_WORKLOADS, no file (path None).
USB_MIRROR = "usb_seq"
VIRTIO_MIRROR = "virtio_seq"
PC_MIRROR = "pc_seq"
# The raw-disk mirrors: (modules, workloads, linuxref_disks= for /init).
RAW_MIRRORS = {USB_MIRROR: (USB_MODULES, USB_WORKLOADS, "usb"), VIRTIO_MIRROR: (VIRTIO_MODULES, VIRTIO_WORKLOADS, "virtio"),
               PC_MIRROR: (PC_MODULES, PC_WORKLOADS, "pc")}

# Each Linux figure (bench, metric) and the AdrOS figures of the same
# workload: (bench, metric, label).  An empty list: AdrOS has no such
# benchmark yet, the Linux figure is shown alone.
PAIRS = [
    ("linux_ext2", "cold seq read 4KiB", "ext2 cold read, 4 KiB reads",
     [("ext2_seq_read", "read-4k", "native ext2 (fs-bench)"),
      ("rump_ext2", "cold seq read 4KiB native", "native ext2 (rump_ext2)"),
      ("rump_ext2", "cold seq read 4KiB rump", "NetBSD ext2fs via rump")]),
    ("linux_ext2", "cold seq read 64KiB", "ext2 cold read, 64 KiB reads",
     [("ext2_seq_read", "read-64k", "native ext2 (fs-bench)"),
      ("rump_ext2", "cold seq read 64KiB native", "native ext2 (rump_ext2)"),
      ("rump_ext2", "cold seq read 64KiB rump", "NetBSD ext2fs via rump")]),
    ("linux_ext2", "cold seq read 256KiB", "ext2 cold read, 256 KiB reads",
     [("ext2_seq_read", "read-256k", "native ext2 (fs-bench)")]),
    ("linux_ext2", "cold seq read 1MiB", "ext2 cold read, 1 MiB reads",
     [("ext2_seq_read", "read-1024k", "native ext2 (fs-bench)"),
      ("rump_ext2", "cold seq read 1MiB native", "native ext2 (rump_ext2)"),
      ("rump_ext2", "cold seq read 1MiB rump", "NetBSD ext2fs via rump")]),
    # The rump-host reference: the same NetBSD ext2fs on Linux's POSIX
    # hypercalls (bench linux_rumphost) next to it on AdrOS's.
    ("linux_rumphost", "cold seq read 4KiB", "NetBSD ext2fs cold read, 4 KiB",
     [("rump_ext2", "cold seq read 4KiB rump", "hosted by AdrOS")]),
    ("linux_rumphost", "cold seq read 64KiB", "NetBSD ext2fs cold read, 64 KiB",
     [("rump_ext2", "cold seq read 64KiB rump", "hosted by AdrOS")]),
    ("linux_rumphost", "cold seq read 1MiB", "NetBSD ext2fs cold read, 1 MiB",
     [("rump_ext2", "cold seq read 1MiB rump", "hosted by AdrOS")]),
    ("linux_rumphost", "seq write 32MiB 4KiB fsync", "NetBSD ext2fs write 32 MiB+fsync, 4 KiB",
     [("rump_ext2", "seq write 32MiB 4KiB fsync rump", "hosted by AdrOS")]),
    ("linux_rumphost", "seq write 32MiB 64KiB fsync", "NetBSD ext2fs write 32 MiB+fsync, 64 KiB",
     [("rump_ext2", "seq write 32MiB 64KiB fsync rump", "hosted by AdrOS")]),
    ("linux_rumphost", "seq write 32MiB 1MiB fsync", "NetBSD ext2fs write 32 MiB+fsync, 1 MiB",
     [("rump_ext2", "seq write 32MiB 1MiB fsync rump", "hosted by AdrOS")]),
    ("linux_ext2", "seq write 32MiB 4KiB fsync", "ext2 write 32 MiB + fsync, 4 KiB",
     [("rump_ext2", "seq write 32MiB 4KiB fsync rump", "NetBSD ext2fs via rump")]),
    ("linux_ext2", "seq write 32MiB 64KiB fsync", "ext2 write 32 MiB + fsync, 64 KiB",
     [("rump_ext2", "seq write 32MiB 64KiB fsync rump", "NetBSD ext2fs via rump")]),
    ("linux_ext2", "seq write 32MiB 1MiB fsync", "ext2 write 32 MiB + fsync, 1 MiB",
     [("rump_ext2", "seq write 32MiB 1MiB fsync rump", "NetBSD ext2fs via rump")]),
    # No Linux workload: AdrOS's figures stand alone.
    ("linux_ext2", "warm seq read 64KiB", "ext2 warm read (cached), 64 KiB",
     [("rump_ext2", "warm seq read 64KiB native", "native ext2 (rump_ext2)"),
      ("rump_ext2", "warm seq read 64KiB rump", "NetBSD ext2fs via rump")]),
    # The usb_seq mirror: raw disks, O_DIRECT on Linux, blk_read/blk_write
    # on AdrOS (tests/kernel/usb_bench.c); USB stick on EHCI, then ATA.
    ("linux_usb", "usb-read-64k", "USB disk raw read 32 MiB, 64 KiB",
     [("usb_seq", "sd0-read-64k", "sd0 (NetBSD umass via rump)")]),
    ("linux_usb", "usb-read-1024k", "USB disk raw read 32 MiB, 1 MiB",
     [("usb_seq", "sd0-read-1024k", "sd0 (NetBSD umass via rump)")]),
    ("linux_usb", "usb-write-1024k", "USB disk raw write 32 MiB+flush, 1 MiB",
     [("usb_seq", "sd0-write-1024k", "sd0 (NetBSD umass via rump)")]),
    ("linux_usb", "ata-read-64k", "ATA disk raw read 32 MiB, 64 KiB",
     [("usb_seq", "hda-read-64k", "hda (native ATA, usb_seq)")]),
    ("linux_usb", "ata-read-1024k", "ATA disk raw read 32 MiB, 1 MiB",
     [("usb_seq", "hda-read-1024k", "hda (native ATA, usb_seq)")]),
    ("linux_usb", "ata-write-1024k", "ATA disk raw write 32 MiB+flush, 1 MiB",
     [("usb_seq", "hda-write-1024k", "hda (native ATA, usb_seq)")]),
    # The virtio_seq mirror: raw reads, O_DIRECT on Linux, blk_read on AdrOS.
    ("linux_virtio", "vblk-read-64k", "virtio-blk raw read 32 MiB, 64 KiB",
     [("virtio_seq", "ld0-read-64k", "ld0 (NetBSD ld via rump)")]),
    ("linux_virtio", "vblk-read-1024k", "virtio-blk raw read 32 MiB, 1 MiB",
     [("virtio_seq", "ld0-read-1024k", "ld0 (NetBSD ld via rump)")]),
    ("linux_virtio", "vscsi-read-64k", "virtio-scsi raw read 32 MiB, 64 KiB",
     [("virtio_seq", "sd0-read-64k", "sd0 (NetBSD sd via rump)")]),
    ("linux_virtio", "vscsi-read-1024k", "virtio-scsi raw read 32 MiB, 1 MiB",
     [("virtio_seq", "sd0-read-1024k", "sd0 (NetBSD sd via rump)")]),
]


def _pc_pairs():
    """The pc_seq mirror's pairs: on each disk raw reads (O_DIRECT on Linux,
    blk_read with the block cache off on AdrOS) and cold ext2 reads of the
    32 MiB /bench.bin, 64 KiB and 1 MiB requests; Linux's metrics are
    AdrOS's with the device named by its controller."""
    pairs = []
    for dev, ctl, name, label in (("wd0", "ahci", "AHCI", "ahcisata+wd, rump"), ("ld0", "nvme", "NVMe", "nvme+ld, rump"),
                                  ("sd0", "xhci", "xHCI stick", "xhci+umass, rump")):
        for what, text in (("read", "raw read 32 MiB"), ("ext2-read", "ext2 cold read 32 MiB")):
            for k, size in (("64k", "64 KiB"), ("1024k", "1 MiB")):
                side = f"{dev} ({label})" if what == "read" else f"{dev}, AdrOS's ext2"
                pairs.append(("linux_pc", f"{ctl}-{what}-{k}", f"{name} {text}, {size}",
                              [(PC_MIRROR, f"{dev}-{what}-{k}", side)]))
        # Linux's transfers cut to 64 KiB (NetBSD's MAXPHYS), AdrOS's 1 MiB reads.
        pairs.append(("linux_pc", f"{ctl}-read-1024k-xfer64k", f"{name} raw 1 MiB, Linux at 64 KiB xfers",
                      [(PC_MIRROR, f"{dev}-read-1024k", f"{dev} ({label})")]))
    return pairs


PAIRS += _pc_pairs()

CMDLINE = "console=ttyS0 quiet panic=-1"

# The network workloads' side of /init, added to tools/bench/linuxref-init.sh when
# the initramfs is built (functions only: the script calls wl_<name>).  The
# kernel passes linuxref_net_mib, linuxref_ping_count and
# linuxref_ping_interval (seconds) to init in its environment.  Busybox
# and lrio: ping, ip, and lrio send/recv for the transfers (their guest-side
# times come from lrio).
NET_INIT = r"""
# ---- network workloads (from NET_INIT in tools/bench/linuxref.py) ----
# eth0 as AdrOS's wm0 in its benchmark: 10.0.2.15/24, gateway 10.0.2.2.
net_up() {
    [ -n "$net_is_up" ] && return 0
    ip link set lo up
    if ! ip link set eth0 up || ! ip addr add 10.0.2.15/24 dev eth0 || ! ip route add default via 10.0.2.2; then
        failed "configuring eth0 10.0.2.15/24 gateway 10.0.2.2"
        return 1
    fi
    n=0
    while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 100 ]; do
        usleep 100000
        n=$((n + 1))
    done
    net_is_up=1
    echo "# linux eth0: $(ip -4 addr show eth0 | awk '/inet / { print $2 }')," \
        "carrier $(cat /sys/class/net/eth0/carrier)"
}

# The interrupts of the NIC's line(s) so far (names matching
# $linuxref_nic_irq, eth0 by default), every CPU.
nic_irqs() {
    awk -v p="${linuxref_nic_irq:-eth0}" '$0 ~ p { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) t += $i } END { print t + 0 }' /proc/interrupts
}

uptime_cs() {
    awk '{ printf "%d", $1 * 100 + 0.5 }' /proc/uptime
}

# A DHCP lease from QEMU's user network, as AdrOS's dhcp bench boot takes
# one: the time from bringing eth0 up (link negotiation included) to the
# address applied, by busybox's udhcpc (its script adds the address); the
# first ping of the gateway with the new address; then the address is
# removed again for net_up's static one.
wl_dhcp() {
    ip link set lo up
    printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"\nexit 0\n' >/tmp/udhcpc.sh
    chmod +x /tmp/udhcpc.sh
    set -- $(lrio now)
    t0=$2
    ip link set eth0 up || { failed "dhcp: eth0 up"; return; }
    udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /tmp/udhcpc.sh >/tmp/dhcp.out 2>&1 || { failed "dhcp: udhcpc"; cat /tmp/dhcp.out; return; }
    set -- $(lrio now)
    echo "LINUXREF dhcp lease in $(awk -v a="$t0" -v b="$2" 'BEGIN { printf "%d", (b - a) / 1e6 }') ms:" \
        "$(ip -4 addr show eth0 | awk '/inet / { print $2 }')"
    ping -c 1 -W 5 10.0.2.2 >/tmp/ping1.out 2>&1
    echo "LINUXREF dhcp first ping: $(grep -o 'time=[0-9.]* ms' /tmp/ping1.out)"
    ip addr flush dev eth0
}

# A warm-up ping resolves the gateway's address; its reply is not counted.
wl_ping() {
    net_up || return
    ping -c 1 -W 5 10.0.2.2 >/dev/null 2>&1
    ping -c "$linuxref_ping_count" -i "$linuxref_ping_interval" 10.0.2.2 >/tmp/ping.out 2>&1 || failed "ping"
    echo "LINUXREF ping begin"
    cat /tmp/ping.out
    echo "LINUXREF ping end"
}

# To the host's sink through guestfwd, by lrio with 64 KiB writes, as ttcp
# does on AdrOS (busybox nc moves 1 KiB a call: it would measure nc); the
# end is the host's acknowledgement line (guestfwd never passes a close).
wl_tcp_tx() {
    net_up || return
    i0=$(nic_irqs)
    lrio send 10.0.2.100 5001 $((linuxref_net_mib * 1048576)) 65536 >/tmp/tx.out || { failed "tcp_tx: lrio send"; return; }
    i1=$(nic_irqs)
    set -- $(cat /tmp/tx.out)
    echo "LINUXREF tcp_tx guest $1 bytes $2 ns, irqs $((i1 - i0))"
}

# From the host through hostfwd, received by lrio with 64 KiB reads.
wl_tcp_rx() {
    net_up || return
    rm -f /tmp/rx.out
    i0=$(nic_irqs)
    lrio recv 5001 65536 >/tmp/rx.out &
    pid=$!
    n=0
    while ! grep -q ':1389 00000000:0000 0A' /proc/net/tcp && [ $n -lt 500 ]; do
        usleep 10000
        n=$((n + 1))
    done
    echo "LINUXREF tcp_rx listening"
    wait $pid
    i1=$(nic_irqs)
    [ -s /tmp/rx.out ] || { failed "tcp_rx: nothing received"; return; }
    set -- $(cat /tmp/rx.out)
    echo "LINUXREF tcp_rx guest $1 bytes $2 ns, irqs $((i1 - i0))"
}
"""


class Skip(Exception):
    """The reference boot cannot run here; str() is the reason."""


class Failed(Exception):
    """The reference boot ran and failed; str() says how, with the console tail."""


def _dir(build):
    return os.path.join(build, "linuxref")


def _run(cmd, timeout, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise Skip(f"{cmd[0]} not found")
    except subprocess.TimeoutExpired:
        raise Skip(f"`{' '.join(cmd)}` took over {timeout} s")


def _apt_error(p):
    lines = [l for l in (p.stderr + p.stdout).splitlines() if l.startswith("E:")]
    return lines[0] if lines else ((p.stderr or p.stdout).strip().splitlines() or ["?"])[-1]


# ---------------------------------------------------------------- fetch

def _debs(debs):
    kern = sorted(glob.glob(os.path.join(debs, "linux-image-*-686_*_i386.deb")))
    bb = sorted(glob.glob(os.path.join(debs, "busybox-static_*_i386.deb")))
    return (kern[-1] if kern else None), (bb[-1] if bb else None)


def _kernel_package():
    """The versioned package linux-image-686:i386 depends on, or None."""
    p = _run(["apt-cache", "depends", "linux-image-686:i386"], 120)
    m = re.search(r"Depends: (linux-image-\S+-686)(:i386)?\s*$", p.stdout, re.M)
    return m.group(1) + ":i386" if p.returncode == 0 and m else None


def _apt_update():
    # A failed index (a mirror mid-sync) fails the command though the rest is
    # usable: whether it worked shows in what apt knows afterwards.
    _run(["apt-get", "update", "-qq"], 900)


def _download(debs):
    if not shutil.which("apt-get"):
        raise Skip("apt-get not found (not a Debian machine)")
    as_root = os.geteuid() == 0
    updated = False
    archs = _run(["dpkg", "--print-foreign-architectures"], 60).stdout.split()
    if "i386" not in archs:
        if not as_root:
            raise Skip("the i386 architecture is not enabled in apt; as root: "
                       "dpkg --add-architecture i386 && apt-get update")
        p = _run(["dpkg", "--add-architecture", "i386"], 60)
        if p.returncode:
            raise Skip(f"dpkg --add-architecture i386 failed: {_apt_error(p)}")
        _apt_update()
        updated = True
    kpkg = _kernel_package()
    if not kpkg and as_root and not updated:
        _apt_update()
        updated = True
        kpkg = _kernel_package()
    if not kpkg:
        raise Skip("apt knows no linux-image-686:i386 (apt-get update failed: no network?)")
    for attempt in (1, 2):
        shutil.rmtree(debs, ignore_errors=True)
        os.makedirs(debs)
        p = _run(["apt-get", "download", "-q", kpkg, "busybox-static:i386"], 1800, cwd=debs)
        if p.returncode == 0 and all(_debs(debs)):
            return
        if attempt == 1 and as_root and not updated:
            _apt_update()  # the index may name a version the mirror has dropped
            updated = True
            kpkg = _kernel_package() or kpkg
            continue
        raise Skip(f"apt-get download {kpkg} busybox-static:i386 failed: {_apt_error(p)}")


def fetch(build):
    """The unpacked packages: dict root, vmlinuz, kver (uname -r), packages
    (the .deb names).  Downloads only when build/linuxref/debs lacks them."""
    d = _dir(build)
    debs = os.path.join(d, "debs")
    if not all(_debs(debs)):
        _download(debs)
    kdeb, bdeb = _debs(debs)
    names = [os.path.basename(kdeb), os.path.basename(bdeb)]
    root = os.path.join(d, "root")
    stamp = os.path.join(root, ".unpacked")
    if not os.path.exists(stamp) or open(stamp).read() != "\n".join(names):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        for deb in (kdeb, bdeb):
            p = _run(["dpkg", "-x", deb, root], 600)
            if p.returncode:
                raise Skip(f"dpkg -x {os.path.basename(deb)} failed: {_apt_error(p)}")
        with open(stamp, "w") as f:
            f.write("\n".join(names))
    vml = sorted(glob.glob(os.path.join(root, "boot", "vmlinuz-*")))
    if not vml or not os.path.exists(os.path.join(root, "bin", "busybox")):
        raise Skip(f"the packages hold no kernel or no busybox: {names}")
    kver = os.path.basename(vml[-1])[len("vmlinuz-"):]
    return {"root": root, "vmlinuz": vml[-1], "kver": kver, "packages": names}


# ---------------------------------------------------------------- modules

def _module_bytes(path):
    if path.endswith(".xz"):
        return lzma.decompress(open(path, "rb").read())
    if path.endswith(".zst"):
        p = subprocess.run(["zstd", "-dcq", path], capture_output=True, check=True)
        return p.stdout
    return open(path, "rb").read()


def modinfo(data):
    """The .modinfo section of a module (ELF32 or ELF64, little-endian) as a
    dict key -> list of values, what `modinfo -F key` prints."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    if data[4] == 1:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        fmt = "<IIIIII"   # name type flags addr offset size
    else:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3C)
        fmt = "<IIQQQQ"
    secs = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
    strtab = secs[shstrndx][4]
    out = {}
    for s in secs:
        name = data[strtab + s[0]:data.index(b"\0", strtab + s[0])]
        if name == b".modinfo":
            for item in data[s[4]:s[4] + s[5]].split(b"\0"):
                k, sep, v = item.decode("utf-8", "replace").partition("=")
                if sep:
                    out.setdefault(k, []).append(v)
    return out


def _norm(name):
    return name.replace("-", "_")


def load_order(moddir, wanted):
    """Module files for wanted (module names) and everything they depend on,
    dependencies first.  `depends=` names modules; `softdep=pre:` may name
    an alias (crypto-crc32c), resolved among the crypto and lib modules,
    preferring the generic implementation."""
    index = {}
    for dirpath, _, files in os.walk(moddir):
        for f in files:
            m = re.match(r"(.+)\.ko(\.xz|\.zst)?$", f)
            if m:
                index[_norm(m.group(1))] = os.path.join(dirpath, f)
    infos = {}

    def info(name):
        if name not in infos:
            infos[name] = modinfo(_module_bytes(index[name]))
        return infos[name]

    aliases = None

    def by_alias(alias):
        nonlocal aliases
        if aliases is None:
            aliases = {}
            for n, p in index.items():
                if "/crypto/" in p or "/lib/" in p.replace(moddir, ""):
                    for a in info(n).get("alias", []):
                        aliases.setdefault(a, []).append(n)
        cands = aliases.get(alias, [])
        cands.sort(key=lambda n: (not n.endswith("_generic"), n))
        return cands[0] if cands else None

    order, seen = [], set()

    def visit(name, chain):
        name = _norm(name)
        if name in seen:
            return
        if name not in index:
            raise Skip(f"module {name} (needed by {' <- '.join(chain) or 'the workloads'}) is not in the package")
        seen.add(name)
        mi = info(name)
        deps = [d for v in mi.get("depends", []) for d in v.split(",") if d]
        for v in mi.get("softdep", []):
            pre = re.search(r"pre:\s*(.*?)(post:|$)", v)
            for alias in (pre.group(1).split() if pre else []):
                dep = _norm(alias) if _norm(alias) in index else by_alias(alias)
                if dep:
                    deps.append(dep)
        for dep in deps:
            visit(dep, [name] + chain)
        order.append(name)

    for w in wanted:
        visit(w, [])
    return [(n, index[n]) for n in order]


# ---------------------------------------------------------------- initramfs

def _build_lrio(out):
    src = os.path.join(HERE, "linuxref-io.c")
    cmd = ["gcc", "-m32", "-march=i686", "-static", "-nostdlib", "-ffreestanding", "-fno-pic", "-no-pie",
           "-fno-stack-protector", "-fno-tree-loop-distribute-patterns", "-fno-asynchronous-unwind-tables",
           "-O2", "-Wall", "-Wextra", "-Werror", "-Wmissing-prototypes", "-Wl,--build-id=none", "-o", out, src]
    p = _run(cmd, 120)
    if p.returncode:
        raise Skip(f"building the timing helper failed: {p.stderr.strip()[-300:]}")


def build_rumphost(build, out):
    """The rump-host reference program (tools/bench/rumphost-build.sh) as
    out: None when built, else why not (one line).  The kernel side is the
    rump components AdrOS links (common.RUMP_DIR); NetBSD's librumpuser
    comes from RUMP_SRC_URL, else the checkout of make's component build
    (<build>/rumpbuild/src-netbsd) when there is one, else GitHub."""
    if not common.rump_present():
        return f"no rump components in {common.RUMP_DIR} (or RUMP=off)"
    env = dict(os.environ)
    local = os.path.join(build, "rumpbuild", "src-netbsd")
    if "RUMP_SRC_URL" not in env and os.path.isdir(os.path.join(local, ".git")):
        env["RUMP_SRC_URL"] = local
    cmd = [os.path.join(HERE, "rumphost-build.sh"), common.RUMP_DIR, os.path.join(build, "rumphost"), out]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    except subprocess.TimeoutExpired:
        return "rumphost-build.sh took over 900 s"
    if p.returncode:
        return (p.stderr.strip().splitlines() or [f"rumphost-build.sh exited {p.returncode}"])[-1]
    return None


def initramfs(build, fetched, modules=MODULES, rumphost=False):
    """Builds <build>/linuxref/initramfs.cpio with modules (names) and
    their dependencies; returns (path, module names in load order, why
    /bin/rumphost is missing or None).  rumphost: put the rump-host
    reference program in (build_rumphost())."""
    if not shutil.which("cpio"):
        raise Skip("cpio not found (tools/deps.sh installs it)")
    d = _dir(build)
    tree = os.path.join(d, "initramfs")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "bin"))
    os.makedirs(os.path.join(tree, "lib", "modules"))
    shutil.copy2(os.path.join(fetched["root"], "bin", "busybox"), os.path.join(tree, "bin", "busybox"))
    _build_lrio(os.path.join(tree, "bin", "lrio"))
    no_rumphost = build_rumphost(build, os.path.join(tree, "bin", "rumphost")) if rumphost else None
    with open(os.path.join(HERE, "linuxref-init.sh")) as f:
        first, rest = f.read().split("\n", 1)
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(first + "\n" + NET_INIT + rest)  # after the #! line: functions, defined before they run
    os.chmod(os.path.join(tree, "init"), 0o755)
    mods = load_order(os.path.join(fetched["root"], "lib", "modules", fetched["kver"]), modules)
    for name, path in mods:
        with open(os.path.join(tree, "lib", "modules", name + ".ko"), "wb") as f:
            f.write(_module_bytes(path))
    with open(os.path.join(tree, "lib", "modules", "order"), "w") as f:
        f.write("".join(f"{name}.ko\n" for name, _ in mods))
    names = []
    for dirpath, dirs, files in os.walk(tree):
        for x in dirs + files:
            names.append(os.path.relpath(os.path.join(dirpath, x), tree))
    out = os.path.join(d, "initramfs.cpio")
    with open(out, "wb") as f:
        p = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=tree,
                           input=("\n".join(sorted(names)) + "\n").encode(), stdout=f, stderr=subprocess.PIPE)
    if p.returncode:
        raise Skip(f"cpio failed: {p.stderr.decode(errors='replace').strip()}")
    return out, [n for n, _ in mods], no_rumphost


# ---------------------------------------------------------------- the boot

class NetHost:
    """The host side of the network workloads of one Linux boot: a sink
    (tcp_tx, through guestfwd) listening before QEMU starts, a source
    (tcp_rx, through hostfwd) started when the guest says it listens."""

    def __init__(self, workloads, nic="e1000"):
        self.workloads, self.nic = workloads, nic
        self.nbytes = netbench.BENCH_MIB << 20
        # Linux sends zeros (busybox has no pattern): the sink counts.
        self.sink = netbench.Sink([self.nbytes] if "tcp_tx" in workloads else [], verify=False)
        self.source = netbench.Source(netbench.free_port())
        self.rx = {}

    def nic_options(self):
        return netbench.nic(self.sink.port, self.source.port)

    def cmdline(self):
        return (f" linuxref_net_mib={netbench.BENCH_MIB} linuxref_ping_count={netbench.PING_COUNT}"
                f" linuxref_ping_interval={netbench.PING_INTERVAL_MS / 1000:g} linuxref_nic_irq={NIC_IRQ[self.nic]}")

    def triggers(self):
        def send():
            self.rx.update(self.source.send(self.nbytes))
        return [(rb"LINUXREF tcp_rx listening", send)] if "tcp_rx" in self.workloads else []

    def start(self):
        self.sink.start()

    def close(self):
        self.sink.close()

    def results(self, text):
        """BENCH dicts (bench linux_net) from the host's measurements and the console."""
        d = {"mib": netbench.BENCH_MIB}
        if self.sink.results and self.sink.results[0]["ns"]:
            d["tx_host"] = (self.sink.results[0]["bytes"], self.sink.results[0]["ns"])
        if self.rx.get("ns"):
            d["rx_host"] = (self.rx["bytes"], self.rx["ns"])
        for key, w in (("tx", "tcp_tx"), ("rx", "tcp_rx")):
            m = re.search(rf"LINUXREF {w} guest (\d+) bytes (\d+) ns, irqs (\d+)", text)
            if m:
                d[f"{key}_guest"] = (int(m.group(1)), int(m.group(2)))
                d[f"irq_{key}"] = int(m.group(3))
        m = re.search(r"LINUXREF dhcp lease in (\d+) ms", text)
        if m:
            d["dhcp_ms"] = int(m.group(1))
        m = re.search(r"LINUXREF dhcp first ping: time=([\d.]+) ms", text)
        if m:
            d["dhcp_ping_ms"] = float(m.group(1))
        m = re.search(r"LINUXREF ping begin\n([\s\S]*?)LINUXREF ping end", text)
        if m:
            d["rtts"] = netbench.rtts_ms(m.group(1))
        return netbench.results(netbench.bench_name("linux_net", self.nic), d)

    def problems(self):
        p = [f"guest->host: {r['error']}" for r in self.sink.results if r["error"]]
        if self.sink.error:
            p.append(self.sink.error)
        if self.rx.get("error"):
            p.append(f"host->guest: {self.rx['error']}")
        return p


def network_workloads(workloads, nic="e1000"):
    """The host side of the network workloads among workloads (a NetHost),
    None when there are none."""
    every = WORKLOADS + USB_WORKLOADS + VIRTIO_WORKLOADS + PC_WORKLOADS + DEBUG_WORKLOADS
    assert all(w in every for w in workloads), workloads
    net = [w for w in workloads if w in NET_WORKLOADS]
    return NetHost(net, nic) if net else None


NET_OPTIONS = ("-nic", "-netdev", "-net")


def _net_args(spec_extra, nic_options):
    """The guest's network arguments: exactly the mirrored boot's.  AdrOS's
    boots have no NIC unless they ask for one (qemu.qemu_cmd adds `-nic
    none`), and then neither has Linux.  A boot that asks for one must use
    user-mode networking with restrict=on, nothing else: its options are
    passed through, and nic_options (network_workloads()) are added to its
    `-nic user,...` (or to `-nic user,model=e1000,restrict=on` when it has
    none).  Returns (extra without the network options, network options)."""
    rest, net = [], []
    it = iter(spec_extra)
    for a in it:
        if a in NET_OPTIONS:
            v = next(it, "")
            if v != "none" and not (v.startswith("user") and "restrict=on" in v.split(",")):
                raise Skip(f"the mirrored AdrOS boot has `{a} {v}`: the Linux guest gets user-mode "
                           "networking with restrict=on only")
            net += [a, v]
        else:
            rest.append(a)
    for o in nic_options:
        if "restrict" in o or re.search(r"hostfwd=[^:]*:(?!127\.0\.0\.1:)", o) or \
                re.search(r"guestfwd=.*-(?!tcp:127\.0\.0\.1:)", o):
            raise ValueError(f"NIC option {o!r}: the guest's network stays restricted, host ends on 127.0.0.1")
    if nic_options:
        users = [i for i in range(1, len(net), 2) if net[i - 1] == "-nic" and net[i].startswith("user")]
        if users:
            net[users[0]] = ",".join([net[users[0]]] + list(nic_options))
        else:
            net = ["-nic", ",".join(["user", "model=e1000", "restrict=on"] + list(nic_options))]
    return rest, net


def _disk_copies(build, disks):
    """The mirrored boot's -drive arguments, each image replaced by a copy
    the guest may write (same size and contents, same interface and index;
    snapshot=on dropped so that writes reach a raw file as reads do)."""
    out = []
    for i, disk in enumerate(disks):
        args = list(disk) if isinstance(disk, (list, tuple)) else ["-drive", disk]
        for j in range(1, len(args)):
            if args[j - 1] != "-drive":
                continue
            opts = []
            for o in args[j].split(","):
                if o.startswith("file="):
                    copy = os.path.join(_dir(build), f"disk{i}.img")
                    shutil.copyfile(o[5:], copy)
                    o = "file=" + copy
                if o != "snapshot=on":
                    opts.append(o)
            args[j] = ",".join(opts)
        out.append(args)
    return out


def mirror(specs, ran=None):
    """(spec, file): what to mirror among specs (AdrOS's area bench boots).
    ran: the names of the AdrOS boots that ran (None: all of them).  The
    mirror of the first of MIRRORS among them (file: the file its read
    workload reads) and that of USB_MIRROR (file None) when it ran; when
    both, spec is {"name": "a+b", "mirrors": [(spec, file), ...]}, which
    run() boots one after the other.  When none of them ran (runbench
    --boots linux), the first of MIRRORS that exists, as before."""
    found = []
    for name, path in MIRRORS:
        s = next((s for s in specs if s["name"] == name and (ran is None or name in ran)), None)
        if s:
            found.append((s, path))
            break
    for raw in RAW_MIRRORS:
        r = next((s for s in specs if s["name"] == raw and (ran is None or raw in ran)), None)
        if r:
            found.append((r, None))
    if not found and ran is not None:
        found = [(s, path) for name, path in MIRRORS for s in specs if s["name"] == name][:1]
    if not found:
        raise Skip(f"no AdrOS benchmark boot to mirror (one of {[n for n, _ in MIRRORS] + list(RAW_MIRRORS)})")
    if len(found) == 1:
        return found[0]

    def prepare(build):
        for s, _ in found:
            if s.get("prepare"):
                s["prepare"](build)
    return {"name": "+".join(s["name"] for s, _ in found), "mirrors": found, "prepare": prepare}, None


def run(build, spec, path, workloads=None, timeout=300):
    """Boots Linux as spec (an AdrOS bench boot) would be booted and runs
    workloads (None: WORKLOADS, or USB_WORKLOADS for the usb_seq mirror);
    returns (results, info): results are BENCH dicts (bench linux_ext2 or
    linux_usb, linux_net, and linux_boot for the boot times), info a dict
    for the header.  A spec from mirror() with several "mirrors" boots each
    in turn (explicit workloads: those of each mirror's kind).  Raises Skip
    (cannot run here) or Failed (ran and failed)."""
    os.makedirs(_dir(build), exist_ok=True)
    with open(os.path.join(_dir(build), ".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)  # one reference boot at a time per build directory
        results, boots = [], []
        for s, p in spec.get("mirrors", [(spec, path)]):
            modules, mine, _ = RAW_MIRRORS.get(s["name"], (MODULES, WORKLOADS, None))
            w = mine if workloads is None else [x for x in workloads if x in mine + DEBUG_WORKLOADS]
            if not w:
                continue
            r, info = _run_locked(build, s, p, w, timeout, modules)
            results += r
            boots.append(info)
        if not boots:
            raise Skip(f"no workload of {workloads} runs on the machine of {spec['name']}")
        info = dict(boots[0])
        info["mirror"] = ", ".join(b["mirror"] for b in boots)
        info["boots"] = boots
        return results, info


def run_nic(build, nic, timeout=600):
    """The NIC mirror of AdrOS's net-bench-<nic> boot: Linux with
    NIC_MODULES[nic], no disk, the network workloads on QEMU's
    netbench.NICS[nic]; returns its BENCH dicts (bench linux_net_<nic>).
    Raises Skip or Failed as run()."""
    spec = {"name": f"net-bench-{nic}", "nic": nic,
            "extra": ["-nic", f"user,model={netbench.NICS[nic]},restrict=on"]}
    os.makedirs(_dir(build), exist_ok=True)
    with open(os.path.join(_dir(build), ".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        results, _ = _run_locked(build, spec, None, NET_WORKLOADS, timeout, NIC_MODULES[nic])
    return [r for r in results if r["bench"] != "linux_boot"]


def _run_locked(build, spec, path, workloads, timeout, modules):
    fetched = fetch(build)
    initrd, mods, no_rumphost = initramfs(build, fetched, modules, "rump_host" in workloads)
    nethost = network_workloads(workloads, spec.get("nic", "e1000"))
    extra, net = _net_args(list(spec.get("extra", ())), nethost.nic_options() if nethost else [])
    qargs = ["-initrd", initrd] + net + extra
    if path:
        disks = _disk_copies(build, spec.get("disks", ()))
    else:
        # The raw workloads: the disks exactly as the AdrOS boot has them
        # (snapshot=on: writes go to QEMU's temporary overlay on both sides).
        disks = list(spec.get("disks", ()))
    cmdline = f"{CMDLINE} linuxref_workloads={','.join(workloads)}"
    if spec.get("nic"):
        cmdline += " linuxref_disks=none"
    elif spec["name"] in RAW_MIRRORS:
        cmdline += f" linuxref_disks={RAW_MIRRORS[spec['name']][2]}"
    if path:
        cmdline += f" linuxref_file={path}"
    log = os.path.join(_dir(build), "console.log")
    if nethost:
        # The host's ends run while the guest does: netbench.boot() starts
        # the source when the console says the guest listens.
        cmdline += nethost.cmdline()
        nethost.start()
        try:
            b, _ = netbench.boot(qemu.qemu_cmd(fetched["vmlinuz"], cmdline, disks, spec.get("mem", 256), qargs),
                                 max(timeout, 600), nethost.triggers(), log=log, marker=b"LINUXREF init")
        finally:
            nethost.close()
    else:
        b = qemu.boot(fetched["vmlinuz"], cmdline, disks, timeout, spec.get("mem", 256), qargs,
                      log=log, prefix="", marker=b"LINUXREF init")
    problems = nethost.problems() if nethost else []
    if b.timed_out or b.status != qemu.EXIT_OK or "LINUXREF FAILED" in b.output or problems:
        why = b.describe() if b.status != 0 else "QEMU exited with status 0 (kernel panic or poweroff before the end?)"
        raise Failed(f"{why}{'; ' + '; '.join(problems) if problems else ''}; console in {log}\n{b.tail(20)}")
    results = []
    for line in b.lines():
        if line.startswith("BENCH "):
            results.append(json.loads(line[6:]))
    if nethost:
        results += nethost.results(b.output)
    guest_init = re.search(r"LINUXREF init at ([\d.]+) s", b.output)
    suffix = f", {spec['name']}" if spec["name"] in RAW_MIRRORS else ""  # the ext2 mirror's names stay
    if b.ready_s is not None:
        results.append({"bench": "linux_boot", "metric": f"QEMU start to /init (host ms){suffix}", "cycles": 0,
                        "ns": int(b.ready_s * 1e9),
                        "note": f"guest uptime {guest_init.group(1)} s at /init" if guest_init else ""})
    results.append({"bench": "linux_boot", "metric": f"whole boot with the workloads (host ms){suffix}", "cycles": 0,
                    "ns": int(b.elapsed * 1e9), "note": f"QEMU start to exit, mirrors {spec['name']}"})
    info = {"kver": fetched["kver"], "packages": fetched["packages"], "modules": mods, "mirror": spec["name"],
            "boot_s": b.ready_s, "elapsed_s": b.elapsed}
    if "rump_host" in workloads:
        info["rumphost"] = rumphost_info(b.output, no_rumphost)
    return results, info


# ---------------------------------------------------------------- comparison

def rumphost_info(text, not_built):
    """What the rump-host reference boot said: {"skipped": why or None,
    "lines": its "# rumphost" lines (rump_init, the hypercalls counted per
    workload)}."""
    lines = [l.strip() for l in text.splitlines() if l.lstrip().startswith("# rumphost")]
    skipped = f"not built: {not_built}" if not_built else None
    if not skipped and not any(l.startswith("BENCH") and '"linux_rumphost"' in l for l in text.splitlines()):
        skipped = "it ran and reported no figure (see the console log)"
    return {"skipped": skipped, "lines": lines}


def rate(r):
    """MB/s (10^6 bytes/s) of a throughput BENCH result, None if it has none."""
    note = r.get("note", "")
    m = re.search(r"over (\d+) MiB", note)
    if m and r.get("ns"):
        return (int(m.group(1)) << 20) * 1e3 / r["ns"]
    m = re.search(r"([\d.]+) MB/s", note)
    return float(m.group(1)) if m else None


def compare(adros, linux):
    """Rows (workload, AdrOS label, AdrOS MB/s, Linux MB/s, AdrOS/Linux),
    one per AdrOS figure of each Linux figure (None where one is missing);
    a workload neither side ran has no row."""
    a = {(r["bench"], r["metric"]): r for r in adros}
    lx = {(r["bench"], r["metric"]): r for r in linux}
    rows = []
    for bench, metric, workload, sides in PAIRS:
        lr = rate(lx[(bench, metric)]) if (bench, metric) in lx else None
        found = [(label, rate(a[(b, m)])) for b, m, label in sides if (b, m) in a]
        if not found and (bench, metric) in lx:
            rows.append((workload, "(no AdrOS benchmark)" if not sides else "(not run)", None, lr, None))
        for label, ar in found:
            rows.append((workload, label, ar, lr, ar / lr if ar and lr else None))
    return rows


def package_version(deb):
    """'busybox-static_1%3a1.35.0-4_i386.deb' -> 'busybox-static 1:1.35.0-4'."""
    parts = urllib.parse.unquote(deb).split("_")
    return " ".join(parts[:2]) if len(parts) >= 3 else deb


def format_comparison(adros, linux, info):
    def f(x, fmt):
        return format(x, fmt) if x is not None else "-"
    pkgs = ", ".join(package_version(p) for p in info["packages"])
    lines = [f"AdrOS next to Linux {info['kver']} ({pkgs}) on the machine of "
             f"boot {b['mirror']}: Linux reaches /init {f(b['boot_s'], '.1f')} s after QEMU starts, "
             f"{b['elapsed_s']:.1f} s with the workloads" for b in info.get("boots", [info])]
    lines.append(f"{'workload':<38} {'AdrOS':<28} {'AdrOS MB/s':>10} {'Linux MB/s':>10} {'AdrOS/Linux':>11}")
    last = None
    for workload, label, ar, lr, ratio in compare(adros, linux):
        lines.append(f"{workload if workload != last else '':<38} {label:<28} {f(ar, '10.2f'):>10} "
                     f"{f(lr, '10.2f') if workload != last else '':>10} {f(ratio, '11.2f'):>11}")
        last = workload
    for b in info.get("boots", [info]):
        rh = b.get("rumphost")
        if rh and rh["skipped"]:
            lines.append(f"NetBSD ext2fs hosted by Linux (rump-host reference): skipped, {rh['skipped']}")
        elif rh:
            lines.append("NetBSD ext2fs hosted by Linux (tools/bench/rumphost.c, NetBSD's POSIX hypercalls):")
            lines += ["  " + l for l in rh["lines"]]
    if any(r["bench"].startswith("linux_net") for r in linux):
        lines.append("")
        lines += netbench.format_compare(adros, linux)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(common.ROOT, "build"))
    ap.add_argument("-w", dest="workloads", default="",
                    help="comma-separated workloads (default: all of each mirrored boot's)")
    ap.add_argument("-m", "--mirror", default="",
                    help=f"comma-separated AdrOS boots to mirror, e.g. {USB_MIRROR} (default: the first of "
                         f"{', '.join(n for n, _ in MIRRORS)} that exists)")
    args = ap.parse_args()
    workloads = [w for w in args.workloads.split(",") if w] or None
    every = WORKLOADS + USB_WORKLOADS + VIRTIO_WORKLOADS + PC_WORKLOADS + DEBUG_WORKLOADS
    unknown = [w for w in workloads or [] if w not in every]
    if unknown:
        ap.error(f"no workload {', '.join(unknown)} (there are {', '.join(every)})")
    try:
        spec, path = mirror(common.area_benches(args.build), set(args.mirror.split(",")) - {""})
        if spec.get("prepare"):
            spec["prepare"](args.build)
        results, info = run(args.build, spec, path, workloads)
    except Skip as e:
        print(f"linux reference boot skipped: {e}")
        return 0
    except Failed as e:
        print(f"linux reference boot failed: {e}", file=sys.stderr)
        return 1
    for r in results:
        print(json.dumps(r))
    print()
    print("\n".join(format_comparison([], results, info)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
