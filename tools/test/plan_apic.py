"""Test boots for I/O APIC interrupt routing (ioapic=on, src/arch/x86/ioapic.c).

The default controller is the 8259 PIC and every other plan boots with it;
here the existing suites run again with ioapic=on: the core interrupt,
scheduler and sync suites (timer interrupts through the I/O APIC), the
storage boots (PCI with a shared level-triggered line, ATA completion
interrupts, DMA and PIO), the apic suite that inspects the redirection
table, a shell session over the serial line (UART receive interrupts, sleep
and Ctrl-C) and the rump kernel reading ext2 (apic-stage1-read, skipped
without the components).  Those boots check that the boot log says the
I/O APIC is in use.  apic-off checks the default (8259, apic suite SKIPs);
apic-noacpi boots a machine without ACPI tables, where ioapic=on must fall
back to the 8259 with everything still working.  Disk images are
plan_storage's and plan_stage1's (made by disks.py) under separate names, so
they never collide with the boots of those plans running in parallel.
"""
import os
import re
import time

import disks
import qemu
import qemu_interactive as qi
from common import APIC_LOG_RX, Steps, rump_present, t_ctrl_c_sleep, t_system
PIC_LOG_RX = r"(?m)^irq: 8259 PIC"


def _check_apic_log(b, res):
    name = "apic: boot log says the I/O APIC is in use"
    if re.search(APIC_LOG_RX, b.output) and not re.search(PIC_LOG_RX, b.output):
        res.ok(name)
    else:
        res.fail(name, "no 'irq: I/O APIC at ...' line:\n" + b.tail(30))
    # QEMU's MADT moves the timer: ISA IRQ 0 is on GSI 2.
    if re.search(r"(?m)^irq: I/O APIC .*; ISA IRQ 0 -> GSI 2", b.output):
        res.ok("apic: boot log reports ISA IRQ 0 -> GSI 2")
    else:
        res.fail("apic: boot log reports ISA IRQ 0 -> GSI 2", b.tail(30))


def _check_pic_log(b, res):
    if re.search(PIC_LOG_RX, b.output) and not re.search(APIC_LOG_RX, b.output):
        res.ok("apic: without ioapic=on the 8259 PIC is used")
    else:
        res.fail("apic: without ioapic=on the 8259 PIC is used", b.tail(30))


def _check_fallback(b, res):
    name = "apic: without ACPI, ioapic=on falls back to the 8259 PIC"
    if re.search(r"(?m)^irq: no usable I/O APIC \(.*\); using the 8259 PIC", b.output) and \
            not re.search(APIC_LOG_RX, b.output):
        res.ok(name)
    else:
        res.fail(name, b.tail(30))


def _check_shared_irq_ran(b, res):
    """The pci suite's shared level-triggered line test ran (not skipped)."""
    if re.search(r"(?m)^\s*ok \d+ pci_shared_level_irq # time", b.output):
        res.ok("apic: shared level-triggered PCI line test ran")
    else:
        res.fail("apic: shared level-triggered PCI line test ran", b.tail(40))


SCRIPT = "echo apic-script; sleep 0.3; uptime"


def _t_timer(s):
    """sleep is woken by the (I/O APIC routed) timer, neither early nor stuck."""
    t0 = time.monotonic()
    s.command("sleep 0.5", timeout=20)
    took = time.monotonic() - t0
    if took < 0.45:
        return f"sleep 0.5 returned after {took:.2f}s"
    if took > 10:
        return f"sleep 0.5 took {took:.1f}s"
    return None


def _interactive(build):
    def check(b, res):
        name = "apic/script"
        if re.search(r"(?m)^apic-script\r?$", b.output) and re.search(r"(?m)^up \d+:\d\d:\d\d\.\d{3} ", b.output) \
                and b.status == qemu.EXIT_OK:
            res.ok(f"{name}: runs and powers off")
        else:
            res.fail(f"{name}: runs and powers off", b.describe() + "\n" + b.tail(20))
        _check_apic_log(b, res)
        kernel = os.path.join(build, "adros.elf")
        log = os.path.join(build, "test-logs", "apic-shell-interactive.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        s = qi.Session(kernel, "ioapic=on", [], limit=180, log=log)
        st = Steps(s, res, "apic/shell")
        st.run("boots to the prompt", lambda s: s.wait_prompt(60) and None)
        st.run("the I/O APIC is in use", lambda s: None if re.search(APIC_LOG_RX, s.text()) else
               "no I/O APIC line in the boot log")
        st.run("sleep 0.5 takes about 0.5 s", _t_timer)
        st.run("system commands", t_system)
        st.run("Ctrl-C interrupts sleep 30", t_ctrl_c_sleep)

        st.run("poweroff", qi.poweroff_step)
        if s.alive():
            s.close(5)
    return check


def _stage1_boot(build):
    """The rump kernel reading ext2 (rumpuser bio completions, timers, many
    threads) with the I/O APIC; images in <build>/apic/stage1."""
    base = os.path.join(build, "apic")
    d = os.path.join(base, "stage1")
    b = {"name": "apic-stage1-read", "cmdline": "ioapic=on ktest=rumpfs", "timeout": 300,
         "prepare": lambda build_: disks.stage1_read_images(base),
         "disks": [f"file={d}/read.img,format=raw,if=ide,index=0",
                   f"file={d}/corrupt.img,format=raw,if=ide,index=1"],
         "post": [_check_apic_log]}
    if not rump_present():
        b["skip"] = "NetBSD rump components absent (put them in third_party/rump, see README)"
        b["tests"] = ["apic-stage1-read"]
    return b


def boots(build):
    return [
        {"name": "apic-core", "cmdline": "ioapic=on initcalls=off ktest=irq,sched,sync,apic,prof", "timeout": 300,
         "post": [_check_apic_log]},
        {"name": "apic-time", "cmdline": "ioapic=on initcalls=off ktest=time,schedregress", "timeout": 300,
         "post": [_check_apic_log]},
        {"name": "apic-off", "cmdline": "ktest=apic", "timeout": 120, "post": [_check_pic_log]},
        {"name": "apic-noacpi", "cmdline": "ioapic=on initcalls=off ktest=irq,apic,time", "timeout": 120,
         "disks": [["-machine", "acpi=off"]], "post": [_check_fallback]},
        {"name": "apic-storage-blk", "cmdline": "ioapic=on ktest=blk,apic", "timeout": 120,
         "post": [_check_apic_log]},
        {"name": "apic-storage-pci", "cmdline": "ioapic=on net=off ktest=pci,apic", "timeout": 120,
         "prepare": disks.storage_prepare("apic-pci"),
         "disks": disks.storage_disks(build, "apic-pci", blkdebug=False) + [
             ["-device", "pci-bridge,id=br1,chassis_nr=1"],
             ["-device", "virtio-rng-pci,bus=br1,addr=0x3"],
             # The e1000 the pci suite drives, on no network at all.
             ["-nic", "none", "-device", "e1000"]],
         "post": [disks.check_storage_log, _check_apic_log, _check_shared_irq_ran]},
        {"name": "apic-storage-ata-dma", "cmdline": "ioapic=on ktest=ata,apic", "timeout": 240,
         "prepare": disks.storage_prepare("apic-dma"), "disks": disks.storage_disks(build, "apic-dma"),
         "post": [_check_apic_log]},
        {"name": "apic-storage-ata-pio", "cmdline": "ioapic=on ata.dma=off ktest=ata", "timeout": 240,
         "prepare": disks.storage_prepare("apic-pio"), "disks": disks.storage_disks(build, "apic-pio"),
         "post": [disks.check_pio_only, _check_apic_log]},
        _stage1_boot(build),
        {"name": "apic-shell", "cmdline": f'ioapic=on run="{SCRIPT}"', "timeout": 60,
         "check": _interactive(build)},
    ]
