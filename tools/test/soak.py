#!/usr/bin/env python3
"""make soak: one long boot with every device present and every workload
running at once, watched for leaks and losses (issue 15).

Devices: an ATA disk with ext2 for the churn (hda, NetBSD's ext2fs), a
second ATA ext2 disk served by httpd (hdb, read-only), the e1000 on
restricted user networking (host port -> guest 80; guest 10.0.2.100:80 ->
tools/qemu/httpserve.py), intel-hda with a wav backend, and USB storage when
the kernel has USB commands.

Workloads, all at once:
  churn     `churn -b -t 8` on hda: create/write/append/rename/delete/
            fsync/read, every file verified against its manifest at the end
  httpd     serves hdb; HOST_CLIENTS host threads download its files in
            parallel and compare sha256; every ABORT_EVERY-th download is
            cut off mid-body (a fault the server must survive)
  fetch     the console fetches a file from the host into RAM (ramfs),
            checks its sha256 in the guest, removes it, and again
  tone      `tone -b` for the whole run into the wav backend
  usb       every minute: the FAT stick on EHCI (sd0, NetBSD's msdosfs,
            read-only) has its 4 MiB file read and checked, and a FAT image
            is hot-plugged on UHCI through the QEMU monitor (drive_add,
            device_add), mounted, written, unmounted and pulled out
            (device_del); the images pass fsck.fat -n and hold what was
            written (mtype) after power-off.  Skipped with a message when
            the USB components are absent
Every SAMPLE_S seconds `vitals` is sampled (heap, threads, open files,
sockets, rump kernel memory); at the end a table and an ASCII chart.

Baseline: after a warm-up (every workload started and stopped once) the
churn disk is unmounted and mounted again (its caches go), AdrOS's block
cache and NetBSD's caches are emptied (`bcache drop`, `rump drop`) and the
heap and thread count are recorded; after the run, everything stopped and
the same done again, they must be back within 1%.  Where the rump kernel's
memory went between the two is printed from NetBSD's pool statistics
(`rump pools`).  The churn disk must pass
`e2fsck -fn` on the host after power-off.  The last line is the verdict:

  SOAK PASS: <minutes> min, <ops> churn ops, <bytes> moved, <faults> faults, 0 errors, nothing lost
  SOAK FAIL: <reasons>

Usage: tools/test/soak.py [--minutes N] [--build DIR]   (SOAK_MIN= in make soak)
Every QEMU run is bounded (minutes + 10 min); network endpoints are on
127.0.0.1 only.
"""
import argparse
import concurrent.futures as cf
import hashlib
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402  (first: puts the other tool folders on sys.path)
import qemu  # noqa: E402
import qemu_interactive as qi  # noqa: E402
from common import ROOT, mkfs, rump_present  # noqa: E402
from netbench import free_port  # noqa: E402

SAMPLE_S = 10
HOST_CLIENTS = 4
ABORT_EVERY = 7
CHURN_THREADS = 8
MIB = 1 << 20


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Soak:
    def __init__(self, build, minutes, memlimit=None):
        self.build, self.minutes, self.memlimit = build, minutes, memlimit
        self.d = os.path.join(build, "soak")
        shutil.rmtree(self.d, ignore_errors=True)
        os.makedirs(self.d)
        self.errors, self.faults = [], 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.downloads = self.dl_bytes = self.aborted = 0
        self.fetches = self.fetch_bytes = 0
        self.samples = []
        self.pools = []  # rump_pools() at each settled(): baseline first, final last
        self.notes = []

    def error(self, what):
        with self.lock:
            self.errors.append(what)
        print(f"soak: ERROR {what}", flush=True)

    # --- images and QEMU ---
    def prepare(self):
        www = os.path.join(self.d, "www")
        os.makedirs(www)
        self.files = {}
        rng = random.Random(15)
        for i in range(6):
            data = rng.randbytes((i + 1) * 512 * 1024)
            name = f"f{i}.bin"
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
            self.files[name] = sha(data)
        srv = os.path.join(self.d, "srv")
        os.makedirs(srv)
        self.fetch_data = rng.randbytes(MIB)
        with open(os.path.join(srv, "one.bin"), "wb") as f:
            f.write(self.fetch_data)
        self.churn_img = os.path.join(self.d, "churn.img")
        mkfs(self.churn_img, 128)
        # USB: a FAT stick on EHCI read all along (sd0), and two FAT images
        # hot-plugged in turn on UHCI, each written to while present.
        self.usb_data = rng.randbytes(4 * MIB)
        self.usb_read_img = os.path.join(self.d, "usbread.img")
        subprocess.run(["mkfs.fat", "-F", "32", "-C", self.usb_read_img, str(48 * 1024)], check=True,
                       capture_output=True)
        src = os.path.join(self.d, "usbdata.bin")
        with open(src, "wb") as f:
            f.write(self.usb_data)
        subprocess.run(["mcopy", "-i", self.usb_read_img, src, "::data.bin"], check=True, capture_output=True)
        self.usb_hot = []
        for k in range(2):
            img = os.path.join(self.d, f"usbhot{k}.img")
            subprocess.run(["mkfs.fat", "-C", img, "8192"], check=True, capture_output=True)
            self.usb_hot.append(img)
        self.usb_reads = self.usb_read_bytes = self.hotplugs = 0
        self.hot_written = {}  # image -> {name: content}
        self.www_img = os.path.join(self.d, "www.img")
        mkfs(self.www_img, 32, www, block=4096)
        self.wav = os.path.join(self.d, "tone.wav")
        self.monitor = os.path.join(self.d, "monitor.sock")

    def qemu_argv(self):
        self.port = free_port()
        serve = f"python3 {os.path.join(common.TOOLS, 'qemu', 'httpserve.py')} {os.path.join(self.d, 'srv')}"
        nic = (f"user,model=e1000,restrict=on,hostfwd=tcp:127.0.0.1:{self.port}-:80,"
               f"guestfwd=tcp:10.0.2.100:80-cmd:{serve}")
        extra = ["-nic", nic, "-audiodev", f"wav,id=snd0,path={self.wav}", "-device", "intel-hda",
                 "-device", "hda-output,audiodev=snd0", "-device", "piix3-usb-uhci,id=uhci",
                 "-device", "usb-ehci,id=ehci",
                 "-drive", f"if=none,id=usbr,file={self.usb_read_img},format=raw,readonly=on",
                 "-device", "usb-storage,bus=ehci.0,drive=usbr",
                 "-chardev", f"socket,id=mon,path={self.monitor},server=on,wait=off", "-mon", "chardev=mon"]
        cmd = qemu.qemu_cmd(os.path.join(self.build, "adros.elf"),
                            "panic=poweroff vga=off net=wm0:10.0.2.15/24,gw=10.0.2.2" +
                            (f" rump.RUMP_MEMLIMIT={self.memlimit}" if self.memlimit else ""),
                            [f"file={self.churn_img},format=raw,if=ide,index=0",
                             f"file={self.www_img},format=raw,if=ide,index=1"], 256, extra)
        # qemu_cmd adds "-monitor none"; the monitor socket above is ours.
        return cmd

    # --- console helpers (the console is used by one thread at a time) ---
    def cmd(self, line, timeout=60):
        with self.console:
            return self.s.command(line, timeout)

    def vitals(self):
        out = self.cmd("vitals", 30)
        m = re.search(r"vitals: (.*)", out)
        if not m:
            self.error(f"vitals did not answer: {out!r}")
            return None
        v = dict((k, int(x)) for k, x in re.findall(r"(\w+)=(-?\d+)", m.group(1)))
        return v

    # --- workloads ---
    def host_clients(self):
        """Parallel downloads from the guest's httpd, sha256 checked; every
        ABORT_EVERY-th one is cut off after a little of the body."""
        names = sorted(self.files)

        def client(k):
            rng = random.Random(k)
            n = 0
            while not self.stop.is_set():
                name = rng.choice(names)
                n += 1
                try:
                    if n % ABORT_EVERY == 0:
                        # A client that goes away mid-body (reset: no FIN
                        # handshake, unread data discarded).
                        raw = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                        raw.sendall(f"GET /{name} HTTP/1.0\r\n\r\n".encode())
                        raw.recv(4096)
                        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                        raw.close()
                        with self.lock:
                            self.aborted += 1
                            self.faults += 1
                        continue
                    c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    c.request("GET", f"/{name}")
                    r = c.getresponse()
                    body = r.read()
                    c.close()
                    if r.status != 200 or sha(body) != self.files[name]:
                        self.error(f"download /{name}: status {r.status}, {len(body)} bytes, sha256 differs")
                    else:
                        with self.lock:
                            self.downloads += 1
                            self.dl_bytes += len(body)
                except Exception as e:  # noqa: BLE001
                    if not self.stop.is_set():
                        self.error(f"download /{name}: {type(e).__name__}: {e}")
                    time.sleep(1)
        return [threading.Thread(target=client, args=(k,), daemon=True) for k in range(HOST_CLIENTS)]

    def fetch_once(self):
        out = self.cmd("fetch http://10.0.2.100/one.bin /tmp-fetch.bin", 120)
        if "fetch: 1048576 bytes in" not in out:
            self.error(f"fetch: {out[-300:]!r}")
            return
        out = self.cmd("sha256sum /tmp-fetch.bin", 60)
        if sha(self.fetch_data) not in out:
            self.error(f"fetched file's sha256 in the guest: {out!r}")
        self.cmd("rm /tmp-fetch.bin", 30)
        self.fetches += 1
        self.fetch_bytes += MIB

    def usb_available(self):
        out = self.cmd("lsusb -s", 120)
        return "USB disks:" in out

    def monitor_cmd(self, line):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(self.monitor)
        s.recv(4096)
        s.sendall(line.encode() + b"\n")
        time.sleep(0.5)
        out = s.recv(65536).decode(errors="replace")
        s.close()
        return out

    def usb_read_step(self):
        """The stick on EHCI, mounted read-only through NetBSD's msdosfs:
        its 4 MiB file read whole and checked."""
        out = self.cmd("sha256sum /u/data.bin", 300)
        if sha(self.usb_data) not in out:
            self.error(f"USB read: {out[-300:]!r}")
            return
        self.usb_reads += 1
        self.usb_read_bytes += len(self.usb_data)

    def usb_hotplug_step(self, i):
        """One hot-plug cycle: a FAT image plugged in on UHCI, seen by
        AdrOS (its log line), mounted through NetBSD's msdosfs, written,
        unmounted, pulled out (its removal line).  fsck.fat and mtype check
        the images at the end."""
        img = self.usb_hot[i % 2]
        start = self.s.mark()
        self.monitor_cmd(f"drive_add 0 if=none,id=usbd{i},file={img},format=raw")
        self.monitor_cmd(f"device_add usb-storage,bus=uhci.0,id=usbs{i},drive=usbd{i}")
        try:
            m = self.s.expect(r"usb: (sd\d+): QEMU", 60, start=start)
        except qi.Timeout:
            self.error(f"hot-plugged USB disk {i} not seen")
            self.monitor_cmd(f"device_del usbs{i}")
            return
        dev = m.group(1).decode()
        name, content = f"hot{i}.txt", f"hot-plug {i}"
        out = self.cmd(f"mount -t rump {dev} /hp", 120)
        out += self.cmd(f"write /hp/{name} '{content}'", 60)
        out += self.cmd("umount /hp", 120)
        if "[exit" in out:
            self.error(f"hot-plugged USB disk {i} ({dev}): {out[-300:]!r}")
        else:
            self.hot_written.setdefault(img, {})[name] = content + "\n"
        time.sleep(2)  # idle: a stick pulled under a transfer takes long to go (README, USB)
        start = self.s.mark()
        self.monitor_cmd(f"device_del usbs{i}")
        try:
            self.s.expect(rf"usb: {dev}: removed", 60, start=start)
        except qi.Timeout:
            self.error(f"USB disk {dev} not removed after device_del")
        self.hotplugs += 1
        self.faults += 1

    def usb_check_images(self):
        """After power-off: the hot-plugged images are clean FAT and hold
        what was written to them."""
        for img, files in self.hot_written.items():
            p = subprocess.run(["fsck.fat", "-n", img], capture_output=True, text=True)
            if p.returncode != 0:
                self.error(f"fsck.fat -n {os.path.basename(img)}: {p.stdout[-300:]}")
            for name, content in files.items():
                got = subprocess.run(["mtype", "-i", img, "::" + name], capture_output=True, text=True).stdout
                if got != content:
                    self.error(f"{os.path.basename(img)}:{name}: {got!r}, written {content!r}")

    # --- the run ---

    def stop_all(self):
        out = self.cmd("churn stop", 600)
        m = re.search(r"churn: done: .*? (\d+) ops .*?(\d+) bytes written, (\d+) read, (\d+) errors", out)
        v = re.search(r"churn: verify: (\d+) files, (\d+) bytes: (\w+)", out)
        self.cmd("httpd stop", 120)
        self.cmd("audio stop", 30)
        return out, m, v

    def run(self):
        self.prepare()
        limit = self.minutes * 60 + 600
        self.console = threading.Lock()
        self.s = qi.Session(None, argv=self.qemu_argv(), limit=limit, log=os.path.join(self.d, "console.log"))
        s = self.s
        t_start = time.monotonic()
        base = final = m = v = status = None
        try:
            s.wait_prompt(120)
            for line in ("mkdir /c", "mount -t rump hda /c", "mkdir /w", "mount -t rump -r hdb /w"):
                out = self.cmd(line, 120)
                if "mounted" not in out and "mkdir" not in line:
                    self.error(f"{line}: {out!r}")
            # Warm-up: every workload once, so caches and pools reach their
            # working size before the baseline.
            self.start_all("/c/warm", 30)
            warm = self.host_clients()
            for t in warm:
                t.start()
            self.fetch_once()
            usb = self.usb_available()
            if usb:  # the USB stack's one-time set-up (threads, buffers) too
                out = self.cmd("mkdir /u", 30) + self.cmd("mkdir /hp", 30) + self.cmd("mount -t rump -r sd0 /u", 120)
                if "[exit" in out:
                    self.error(f"the USB stick on EHCI: {out[-300:]!r}")
                    usb = False
                else:
                    self.usb_read_step()
                    self.usb_hotplug_step(0)
                    self.cmd("umount /u", 120)
            time.sleep(20)
            self.stop.set()
            for t in warm:
                t.join(90)
            self.stop.clear()
            out, _, _ = self.stop_all()
            if "intact" not in out:
                self.error(f"warm-up churn: {out[-400:]!r}")
            base = self.settled()
            print(f"soak: baseline {base}", flush=True)

            secs = int(self.minutes * 60)
            self.start_all("/c/run", secs)
            clients = self.host_clients()
            for t in clients:
                t.start()
            if usb:
                out = self.cmd("mount -t rump -r sd0 /u", 120)
                if "[exit" in out:
                    self.error(f"the USB stick on EHCI: {out[-300:]!r}")
                    usb = False
            else:
                self.notes.append("USB workloads skipped: the kernel has no USB support (NetBSD's USB components absent)")
                print("soak: " + self.notes[-1], flush=True)
            end = time.monotonic() + secs
            next_sample = time.monotonic()
            next_usb = time.monotonic() + 60
            i = 1  # cycle 0 was the warm-up's
            while time.monotonic() < end and s.alive():
                now = time.monotonic()
                if now >= next_sample:
                    v = self.vitals()
                    if v:
                        v["host_s"] = int(now - t_start)
                        self.samples.append(v)
                        print(f"soak: {self.fmt_row(v)}", flush=True)
                    next_sample += SAMPLE_S
                    continue
                if usb and now >= next_usb:
                    self.usb_read_step()
                    self.usb_hotplug_step(i)
                    i += 1
                    next_usb += 60
                    continue
                self.fetch_once()
            self.stop.set()
            for t in clients:
                t.join(90)
            out, m, v = self.stop_all()
            print(out, flush=True)
            if usb:  # mounted after the baseline: its cached pages would count
                self.cmd("umount /u", 120)
            # Connections the host clients closed linger in TIME_WAIT
            # (2 MSL) holding memory: wait for them to go, up to 150 s.
            t_wait = time.monotonic() + 150
            while True:
                final = self.settled()
                if not final or not base or final["socks"] <= base["socks"] or time.monotonic() > t_wait:
                    break
                time.sleep(15)
            self.cmd("umount /c", 300)
            self.cmd("umount /w", 60)
            s.send("poweroff\r")
            status = s.close(120)
        except qi.Timeout as e:
            self.error(f"the console stopped answering: {e}")
        finally:
            self.stop.set()
            if s.alive() or status is None:
                s.close(1)  # also writes the console log
        return self.report(base, final, m, v, status, time.monotonic() - t_start)

    def settled(self):
        """vitals with the churn disk unmounted and mounted again (its
        vnodes and their pages go), AdrOS's block cache emptied (`bcache
        drop`) and NetBSD's caches too (`rump drop`: its buffer cache, the
        pools' free items, the VM's free pages), so what remains above the
        baseline is a leak, not a cache."""
        self.cmd("umount /c", 300)
        self.cmd("bcache drop", 60)
        self.cmd("mount -t rump hda /c", 120)
        # NetBSD frees a pool's page only once it has been idle for 10 s
        # (pool_inactive_time): wait that out before asking.
        time.sleep(11)
        out = self.cmd("rump drop", 120)
        if "dropped NetBSD's caches" not in out:
            self.error(f"rump drop: {out[-300:]!r}")
        self.pools.append(self.rump_pools())
        return self.vitals()

    def rump_pools(self):
        """NetBSD's pools in the rump kernel (`rump pools -a`): {name:
        (items in use, bytes)} plus "(summary)": the rumpmem line."""
        out = self.cmd("rump pools -a", 60)
        pools = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 8 and f[1].isdigit() and f[4].isdigit():
                pools[f[0]] = (int(f[2]), int(f[4]) * 1024)
        m = re.search(r"rumpmem: (.*)", out)
        pools["(summary)"] = dict((k, int(x)) for k, x in re.findall(r"(\w+)=(\d+)", m.group(1))) if m else {}
        return pools

    @staticmethod
    def pool_growth(a, b, n=8):
        """Lines naming the pools that grew most from a to b, and where the
        rump kernel's memory went (pools, VM pages, the rest)."""
        sa, sb = a.get("(summary)", {}), b.get("(summary)", {})
        lines = ["rump kernel memory, baseline -> final: " +
                 ", ".join(f"{k} {sa.get(k, 0) // 1024} -> {sb.get(k, 0) // 1024} KiB"
                           for k in ("total", "pools", "vmpages", "other"))]
        grew = sorted((name for name in b if name != "(summary)"),
                      key=lambda k: b[k][1] - a.get(k, (0, 0))[1], reverse=True)
        for name in grew[:n]:
            (ia, ba), (ib, bb) = a.get(name, (0, 0)), b[name]
            if bb != ba:
                lines.append(f"  pool {name}: {ia} -> {ib} items, {ba // 1024} -> {bb // 1024} KiB")
        return lines

    def start_all(self, where, secs):
        """churn (stopped by stop_all, not by its clock), httpd, a tone."""
        for line in (f"churn -b -t {CHURN_THREADS} -s {secs + 3600} {where}", "httpd /w",
                     f"tone -b -t {min(secs * 1000, 3600000)} -v 20"):
            out = self.cmd(line, 60)
            if not re.search(r"churn: \d+ threads|httpd: serving|tone: \d+ Hz", out):
                self.error(f"{line}: {out!r}")

    @staticmethod
    def fmt_row(v):
        return (f"t={v.get('host_s', 0):5d}s heap={v['heap'] / 1024:8.0f}K threads={v['threads']:3d} "
                f"files={v['files']:3d} socks={v['socks']:3d} rump={v['rump'] / 1024:7.0f}K")

    def chart(self, key, width=60, height=8):
        vals = [x[key] for x in self.samples]
        if not vals:
            return []
        if len(vals) > width:  # one column per bucket, its maximum
            step = len(vals) / width
            vals = [max(vals[int(i * step):int((i + 1) * step)] or [vals[-1]]) for i in range(width)]
        lo, hi = min(vals), max(vals)
        span = (hi - lo) or 1
        rows = []
        for r in range(height, 0, -1):
            cut = lo + span * (r - 0.5) / height
            rows.append(f"{(lo + span * r / height) / 1024:9.0f}K |" + "".join("#" if x >= cut else " " for x in vals))
        rows.append(" " * 11 + "+" + "-" * len(vals))
        return [f"{key} (KiB, {len(self.samples)} samples every {SAMPLE_S} s):"] + rows

    def report(self, base, final, m, v, status, elapsed):
        print("\nsoak: samples")
        print("  host-s   heap(KiB) threads files socks rump(KiB)")
        for x in self.samples:
            print(f"  {x['host_s']:6d} {x['heap'] // 1024:10d} {x['threads']:7d} {x['files']:5d} {x['socks']:5d} "
                  f"{x['rump'] // 1024:9d}")
        for key in ("heap", "rump"):
            print("\n".join(self.chart(key)))
        reasons = list(self.errors)
        if status != qemu.EXIT_OK:
            reasons.append(f"QEMU exit status {status} (panic, hang or no clean poweroff)")
        if "KERNEL PANIC" in self.s.text():
            reasons.append("kernel panic")
        if not v or v.group(3) != "intact":
            reasons.append("churn verification: " + (v.group(0) if v else "no verdict"))
        fsck = subprocess.run(["e2fsck", "-fn", self.churn_img], capture_output=True, text=True)
        if fsck.returncode != 0:
            reasons.append("e2fsck -fn on the churn disk: " + fsck.stdout[-300:])
        fsck2 = subprocess.run(["e2fsck", "-fn", self.www_img], capture_output=True, text=True)
        if fsck2.returncode != 0:
            reasons.append("e2fsck -fn on the served disk: " + fsck2.stdout[-300:])
        n_err = len(self.errors)
        self.usb_check_images()
        reasons += self.errors[n_err:]
        if base and final:
            for key in ("heap", "threads"):
                b, f = base[key], final[key]
                if abs(f - b) > b * 0.01:
                    reasons.append(f"{key} {f} vs baseline {b} ({(f - b) * 100 / b:+.2f}%)")
            if len(self.pools) >= 2:
                for line in self.pool_growth(self.pools[0], self.pools[-1]):
                    print("soak: " + line)
            print(f"soak: baseline {base}\nsoak: final    {final}\n"
                  f"soak: heap {(final['heap'] - base['heap']) * 100 / base['heap']:+.2f}%, threads "
                  f"{final['threads'] - base['threads']:+d}, rump kernel memory {final['rump'] - base['rump']:+d} bytes")
        else:
            reasons.append("no baseline or final vitals")
        ops = int(m.group(1)) if m else 0
        churn_bytes = int(m.group(2)) + int(m.group(3)) if m else 0
        wav = os.path.getsize(self.wav) if os.path.exists(self.wav) else 0
        moved = churn_bytes + self.dl_bytes + self.fetch_bytes + wav + self.usb_read_bytes
        print(f"soak: {elapsed / 60:.1f} min: churn {ops} ops, {churn_bytes} bytes written+read, "
              f"{m.group(4) if m else '?'} errors; httpd {self.downloads} downloads ({self.dl_bytes} bytes) checked, "
              f"{self.aborted} aborted on purpose; fetch {self.fetches} ({self.fetch_bytes} bytes) checked; "
              f"tone {wav} bytes of wav; USB {self.usb_reads} reads ({self.usb_read_bytes} bytes) checked, "
              f"{self.hotplugs} hot-plugs; {len(self.samples)} samples")
        for n in self.notes:
            print("soak: note: " + n)
        if os.path.exists(self.wav):
            os.remove(self.wav)  # hundreds of MB; its size is reported above
        if reasons:
            more = f" (and {len(reasons) - 8} more)" if len(reasons) > 8 else ""
            print(f"SOAK FAIL: {len(reasons)} problems: " + "; ".join(reasons[:8]) + more)
            return 1
        print(f"SOAK PASS: {self.minutes} min, {ops} churn ops, {moved / MIB:.0f} MiB moved, {self.faults} faults, "
              f"0 errors, nothing lost")
        return 0


def main(argv):
    p = argparse.ArgumentParser(description="long mixed run (make soak)")
    p.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MIN", 20)))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--memlimit", default=os.environ.get("SOAK_MEMLIMIT"),
                   help="rump.RUMP_MEMLIMIT for the boot (e.g. 24m; default: the kernel's, half of RAM)")
    a = p.parse_args(argv)
    if a.minutes <= 0:
        p.error("--minutes must be positive")
    if not rump_present():
        print("SOAK SKIP: NetBSD's components are absent (third_party/rump); nothing to soak")
        return 0
    return Soak(a.build, a.minutes, a.memlimit).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
