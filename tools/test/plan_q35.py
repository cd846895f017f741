"""AdrOS on QEMU's q35 machine (ICH9 chipset, PCI Express; issue 21): one
boot running a smoke test of each stage on q35's own devices.  Skipped with
the reason when the components of a stage it needs are absent.

  q35-stages  PIRQA-H read from the ICH9 and every device's line as q35
        wires it; stage 1: AdrOS's ext2 reads a file from the disk on the
        built-in AHCI controller (NetBSD's ahcisata, wd0); stage 3: NetBSD's
        ext2fs reads one from a USB stick on ICH9's EHCI with its UHCI
        companion (sd0); stage 2: e1000e (NetBSD's wm) gets its address by
        DHCP and pings the gateway (user-mode networking, restrict=on);
        stage 4: HD audio (hdaudio, hdafg) plays a tone; lspci names the
        NetBSD driver of each device
  q35-xhci    a USB stick on qemu-xhci on q35's root bus (pcie.0, where QEMU
        puts a -device by default): AdrOS's ext2 manifest of the storage
        issue's std4k image on it (sd0: NetBSD's xhci, umass, sd) equals
        the host's
  q35-ppb-nvme, q35-ppb-xhci  PCIe devices behind root ports, as QEMU puts
        them on a PC of today: an NVMe disk behind one pcie-root-port, a
        qemu-xhci with a stick behind another (NetBSD's ppb, AdrOS's pci_ppb
        component, attaches a pci bus behind each).  The std4k image's
        manifest read through AdrOS's ext2 on ld0, through NetBSD's ext2fs
        on sd0: each equals the host's
  q35-ppb-write  the same two devices behind their root ports: a write
        through NetBSD's ext2fs on ld0 (disks.WRITE_SCRIPT), e2fsck -fn
        clean, every file read back equal; every interrupt line as the
        swizzle up to the root port and q35's wiring say; lspci names ppb
        for the root ports and nvme, xhci for the devices on buses 1 and 2,
        lsblk the disks' controllers
"""
import hashlib
import os

import mkimages
import qemu
from common import check_patterns, linked_archives, linked_stages, pattern, rump_present
from disks import WRITE_SCRIPT, fs_img, fs_manifest_check, fs_prepare, stage1_read_images, write_check, write_prepare

STAGES = ("ext2", "ahci", "usb", "net", "audio")
SCRIPT = ("rump; lspci; lsblk; mkdir /n; mount -r wd0 /n; sha256sum /n/files/f0; mkdir /u; "
          "mount -t rump -r sd0 /u; sha256sum /u/files/f1; sleep 8; ping -c 3 10.0.2.2; audio; tone -f 440 -t 300")


def _prepare(build):
    stage1_read_images(build)


def _check(b, res):
    name = res.group
    if b.timed_out or "PANIC" in b.output:
        res.fail(name, b.describe() + "\n" + b.tail(30))
        return
    f0 = hashlib.sha256(pattern(0, 1 << 20)).hexdigest()
    f1 = hashlib.sha256(pattern(1, 1 << 20)).hexdigest()
    check_patterns(res, b.output, [
        (r"pci: PIRQ A-H -> (?:1?\d ){7}1?\d \(ICH9\)", "the ICH9's PIRQA-H routing is read"),
        (r"^(?![\s\S]*(?:PIRQ. not routed|but PIRQ. goes to))", "every device's line is as q35 wires it"),
        (r"00:1f\.2 8086:2922 .* netbsd:ahcisata0", "lspci: NetBSD's ahcisata drives ICH9's AHCI"),
        (r"8086:10d3 .* netbsd:wm0", "lspci: NetBSD's wm drives the e1000e"),
        (r"8086:293a .* netbsd:ehci0", "lspci: NetBSD's ehci drives ICH9's EHCI"),
        (r"8086:2934 .* netbsd:uhci0", "lspci: NetBSD's uhci drives its companion"),
        (r"8086:293e .* netbsd:hdaudio0", "lspci: NetBSD's hdaudio drives ICH9's HD audio"),
        (rf"adros# sha256sum /n/files/f0\n{f0}  /n/files/f0", "stage 1: AdrOS's ext2 reads wd0 on AHCI"),
        (rf"adros# sha256sum /u/files/f1\n{f1}  /u/files/f1", "stage 3: NetBSD's ext2fs reads the USB stick"),
        (r"net: wm0: 10\.0\.2\.15/24 by DHCP in \d+ ms", "stage 2: DHCP on e1000e"),
        (r"3 packets transmitted, 3 packets received", "stage 2: the gateway answers pings"),
        (r"audio0: .*\n  encodings: ", "stage 4: audio0 on HD audio"),
        (r"script: 13 commands, 0 failed", "every command succeeded"),
    ], f"{name}: ", b.tail(40))


def boots(build):
    tests = ["q35: ICH9 PIRQ routing, stages 1-4 on q35's devices (AHCI, ICH9 EHCI/UHCI, e1000e, HD audio)"]
    why = None
    if not rump_present():
        why = "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    else:
        missing = [s for s in STAGES if s not in linked_stages()]
        if missing:
            why = f"the components of stage(s) {' '.join(missing)} absent (tools/rump-components.sh builds them)"
    if why:
        return [{"name": "q35-stages", "cmdline": "", "skip": why, "tests": tests}, _xhci_boot(build)] + \
            _ppb_boots(build)
    img = os.path.join(build, "stage1", "read.img")
    extra = ["-drive", f"if=none,id=d0,file={img},format=raw,snapshot=on", "-device", "ide-hd,drive=d0,bus=ide.0",
             "-device", "ich9-usb-ehci1,id=ehci,addr=1d.7,multifunction=on",
             "-device", "ich9-usb-uhci1,masterbus=ehci.0,firstport=0,addr=1d.0,multifunction=on",
             "-drive", f"if=none,id=u0,file={img},format=raw,snapshot=on",
             "-device", "usb-storage,bus=ehci.0,drive=u0",
             "-netdev", "user,id=n0,restrict=on", "-device", "e1000e,netdev=n0",
             "-audiodev", "none,id=snd0", "-device", "ich9-intel-hda", "-device", "hda-output,audiodev=snd0"]
    return [{"name": "q35-stages", "cmdline": f'run="{SCRIPT}"', "timeout": 300, "machine": "q35",
             "prepare": _prepare, "extra": extra, "check": _check}, _xhci_boot(build)] + _ppb_boots(build)


# The xHCI controller on the root bus (bus 0).
XHCI_ROOT_BUS = ["-device", "qemu-xhci,id=xhci0,bus=pcie.0", "-device", "usb-storage,bus=xhci0.0,drive=d0"]


def _xhci_boot(build):
    tests = ["q35: a USB stick on qemu-xhci (root bus), AdrOS's ext2 manifest equals the host's"]
    why = None
    if not rump_present():
        why = "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    elif "librumpdev_pci_xhci" not in linked_archives():
        why = "librumpdev_pci_xhci.a absent from the rump components (tools/rump-components.sh builds it)"
    if why:
        return {"name": "q35-xhci", "cmdline": "", "skip": why, "tests": tests}
    std = fs_img(build, "std4k")
    extra = ["-drive", f"if=none,id=d0,file={std},format=raw,snapshot=on"] + XHCI_ROOT_BUS
    return {"name": "q35-xhci", "cmdline": "net=off manifest=sd0", "timeout": 400, "machine": "q35",
            "prepare": fs_prepare, "extra": extra,
            "check": fs_manifest_check("std4k", os.path.join(build, "fsimg", mkimages.GOOD["std4k"]))}


# --- PCIe devices behind root ports ----------------------------------------------

# An NVMe disk (drive d0) behind root port rp1 and a qemu-xhci with a stick
# (drive d1) behind rp2: SeaBIOS gives them buses 1 and 2.
BEHIND_ROOT_PORTS = ["-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
                     "-device", "pcie-root-port,id=rp2,chassis=2,slot=2",
                     "-device", "nvme,drive=d0,serial=adros0,bus=rp1",
                     "-device", "qemu-xhci,id=xhci0,bus=rp2", "-device", "usb-storage,bus=xhci0.0,drive=d1"]
PPB_ARCHIVES = ("librumpdev_pci_ppb", "librumpdev_pci_nvme", "librumpdev_pci_xhci")
PPB_SCRIPT = "rump; lspci; lsblk; " + WRITE_SCRIPT.format(dev="ld0", hello="hello-ppb")


def _prepare_ppb_write(build):
    fs_prepare(build)  # the stick's image
    write_prepare("q35", "ppb")(build)


def _ppb_boots(build):
    tests = {"q35-ppb-nvme": ["q35: ld0 on NVMe behind a PCIe root port, AdrOS's ext2 manifest equals the host's"],
             "q35-ppb-xhci": ["q35: sd0 on qemu-xhci behind a PCIe root port, NetBSD's ext2fs manifest equals "
                              "the host's"],
             "q35-ppb-write": ["q35: a write through NetBSD's ext2fs on NVMe behind a root port, e2fsck -fn clean; "
                               "lines swizzled; lspci names ppb, nvme and xhci"]}
    why = None
    if not rump_present():
        why = "NetBSD rump components absent (tools/rump-components.sh builds them, see README)"
    else:
        missing = [a for a in PPB_ARCHIVES if a not in linked_archives()]
        if missing:
            why = f"{' '.join(a + '.a' for a in missing)} absent from the rump components " \
                  "(tools/rump-components.sh builds them)"
    if why:
        return [{"name": n, "cmdline": "", "skip": why, "tests": t} for n, t in tests.items()]
    std = fs_img(build, "std4k")
    tree = os.path.join(build, "fsimg", mkimages.GOOD["std4k"])
    both = ["-drive", f"if=none,id=d0,file={std},format=raw,snapshot=on",
            "-drive", f"if=none,id=d1,file={std},format=raw,snapshot=on"] + BEHIND_ROOT_PORTS
    img = os.path.join(build, "q35", "write-ppb.img")
    more = [(r"pci: 01:00\.0 INTA reaches bus 0 as 00:0\w INTA: PIRQ[E-H]\n",
             "the NVMe's INTA swizzled up to its root port's"),
            (r"pci: 02:00\.0 INTA reaches bus 0 as 00:0\w INTA: PIRQ[E-H]\n",
             "qemu-xhci's INTA swizzled up to its root port's"),
            (r"^(?![\s\S]*(?:PIRQ. not routed|but PIRQ. goes to))", "every device's line is as q35 wires it"),
            (r"00:0\w\.0 1b36:000c .* netbsd:ppb0\n", "lspci: NetBSD's ppb drives the first root port"),
            (r"00:0\w\.0 1b36:000c .* netbsd:ppb1\n", "lspci: NetBSD's ppb drives the second root port"),
            (r"01:00\.0 1b36:0010 .* netbsd:nvme0\n", "lspci: NetBSD's nvme drives the NVMe controller on bus 1"),
            (r"02:00\.0 1b36:000d .* netbsd:xhci0\n", "lspci: NetBSD's xhci drives qemu-xhci on bus 2"),
            (r"\nld0 +disk .*nvme0", "lsblk: ld0, its driver's controller"),
            (r"\nsd0 +disk .*xhci0", "lsblk: sd0, its driver's controller")]
    return [
        {"name": "q35-ppb-nvme", "cmdline": "net=off manifest=ld0", "timeout": 400, "machine": "q35",
         "prepare": fs_prepare, "extra": both, "check": fs_manifest_check("std4k", tree)},
        {"name": "q35-ppb-xhci", "cmdline": "net=off manifest=rump:sd0", "timeout": 400, "machine": "q35",
         "prepare": fs_prepare, "extra": both, "check": fs_manifest_check("std4k", tree)},
        {"name": "q35-ppb-write", "cmdline": f'net=off run="{PPB_SCRIPT}"', "timeout": 300, "machine": "q35",
         "prepare": _prepare_ppb_write,
         "extra": ["-drive", f"if=none,id=d0,file={img},format=raw",
                   "-drive", f"if=none,id=d1,file={std},format=raw,snapshot=on"] + BEHIND_ROOT_PORTS,
         "check": write_check(build, "q35", "ppb", "hello-ppb", commands=12, more=more)},
    ]


def cross_checks():
    return []
