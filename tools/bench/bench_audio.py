"""Audio benchmarks (make bench; the boot "audio-bench", from
tools/test/plan_audio.py's benches()): one interactive session on QEMU's
intel-hda + hda-output with the wav backend, the ext2 disk of the audio
tests (tools/test/disks.py's tones_image()).

  CPU per second of playback   AdrOS counts each thread's CPU time (ps:
                               CPU-ms).  Two windows of 5 s, between `ps`
                               snapshots: an idle shell (`sleep 5`) and a
                               44.1 kHz 16-bit stereo tone playing in the
                               background (started 1 s before, so the
                               device's start is not counted).  The figure is
                               the sum over the threads that live through
                               both windows (the playback thread counts from
                               0) of their ms/s playing minus ms/s idle.  The
                               shell's own commands (ps printing 2 KB on the
                               115200-baud console) run in short-lived job
                               threads and are left out; they are why the
                               idle thread's share (noted too) is too noisy
                               for a figure this small.
  interrupts per second        lsirq's counters over the same two windows:
                               the sound card's line, and all lines together
                               minus the idle rate.
  play-to-first-sample latency The host types `play /mnt/s440.wav` + Enter
                               and polls the recording's size every 1 ms;
                               the latency is the time until the file grows.
                               QEMU's wav backend writes through a 4 KiB
                               stdio buffer (23 ms of 44.1 kHz stereo) from
                               its audio timer (10 ms period), so the figure
                               overstates the true latency by 0..33 ms; the
                               median of 5 plays is given, min and max in
                               the note.

  first play while the machine starts (run_first_play, the boot
                               "audio-first-play-bench"): an e1000 (net=dhcp),
                               intel-hda and a USB stick mounted at boot
                               through the rump kernel (rumpmount=sd0:/usb);
                               the guest's "AdrOS ready" time (the prompt
                               follows it), then `play /mnt/s440.wav` typed at
                               once: the recording's length (2000 ms when
                               nothing was replayed or lost) and what play
                               reports (time, underruns).

Figures are guest CPU under TCG (software emulation), on a host shared
with other work: compare them with each other, not with hardware.
"""
import os
import re
import statistics
import subprocess
import time

import qemu
import qemu_interactive as qi
from common import ROOT
from disks import tones_image

PLAYS = 5


def _snap(s):
    """(uptime s, {thread name: CPU ms} summed by name, {irq line: (count, handlers)})."""
    up = s.command("uptime", 20)
    m = re.search(r"\((\d+)\.(\d+) s\)", up)
    if not m:
        raise RuntimeError(f"uptime printed {up!r}")
    t = int(m.group(1)) + int(m.group(2)) / 1000
    ps = s.command("ps", 20)
    cpu = {}
    for line in ps.splitlines():
        f = line.split(None, 5)
        if len(f) == 6 and f[0].isdigit():
            cpu[f[5].strip()] = cpu.get(f[5].strip(), 0) + int(f[3])
    irq = {}
    for line in s.command("lsirq", 20).splitlines():
        f = line.split(None, 4)
        if len(f) >= 4 and f[0].isdigit():
            irq[int(f[0])] = (int(f[1]), f[4].strip() if len(f) == 5 else "")
    return t, cpu, irq


def _window(a, b):
    """Busy share, interrupts per second per line, thread CPU ms between snapshots a and b."""
    dt = b[0] - a[0]
    idle = b[1].get("idle", 0) - a[1].get("idle", 0)
    rates = {line: (b[2][line][0] - a[2].get(line, (0, ""))[0]) / dt for line in b[2]}
    threads = {n: b[1][n] - a[1].get(n, 0) for n in b[1]}
    return 1 - idle / 1000 / dt, rates, threads, dt


def _fig(metric, value, unit, note=""):
    return {"bench": "audio", "metric": metric, "cycles": 0, "ns": int(value * 1e6) if unit == "ms" else 0,
            "unit": unit, "value": value, "note": note}


def run(kernel, build, spec):
    """The runbench "run" hook: (qemu.Boot, figures)."""
    tones_image(build)
    d = os.path.join(os.path.abspath(build), "audio")
    wav = os.path.join(d, "audio-bench.wav")
    if os.path.exists(wav):
        os.unlink(wav)
    disks = [f"file={os.path.join(d, 'audio.img')},format=raw,if=ide,index=0,snapshot=on"]
    extra = ["-audiodev", f"wav,id=snd0,path={wav}", "-device", "intel-hda", "-device", "hda-output,audiodev=snd0"]
    log = os.path.join(build, "test-logs", "audio-bench.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    s = qi.Session(kernel, "mount=hda:/mnt", disks, limit=spec.get("timeout", 300), extra=extra, log=log)
    figures = []
    try:
        s.wait_prompt(90)
        out = s.command("audio", 60)  # also waits for the rump kernel
        if "audio0:" not in out:
            raise RuntimeError(f"no audio device: {out!r}")
        i0 = _snap(s)
        s.command("sleep 5", 20)
        i1 = _snap(s)
        s.command("tone -b -f 440 -t 9000", 20)
        s.command("sleep 1", 20)
        p0 = _snap(s)
        s.command("sleep 5", 20)
        p1 = _snap(s)
        st = re.search(r"play: (\d+) Hz, (\d+) ch, \S+/(\d+), gain \d+, block (\d+)", s.command("audio", 20))
        s.command("audio stop", 20)
        busy_i, irq_i, _, dt_i = _window(i0, i1)
        busy_p, irq_p, thr, dt_p = _window(p0, p1)
        lines = [n for n, (_, h) in p1[2].items() if re.search(r"rump|pci|hda", h)]
        card = max(lines, key=lambda n: irq_p.get(n, 0) - irq_i.get(n, 0)) if lines else None
        _, _, thr_i, _ = _window(i0, i1)
        delta = {n: v / dt_p - thr_i.get(n, 0) / dt_i for n, v in thr.items()
                 if n != "idle" and not n.startswith("sh:") and (n in thr_i or n == "audio-play")}
        top = sorted(((v, n) for n, v in delta.items()), reverse=True)[:4]
        figures.append(_fig("CPU per s of playback, 44.1 kHz 16-bit stereo", sum(delta.values()), "ms",
                            "most (ms/s): " + ", ".join(f"{n} {v:+.1f}" for v, n in top) +
                            f"; all but idle {busy_p:.1%} playing vs {busy_i:.1%} idle"))
        if card is not None:
            figures.append(_fig("interrupts per s of playback, sound card", irq_p[card] - irq_i.get(card, 0),
                                "irq/s", f"line {card} ({p1[2][card][1]}): {irq_p[card]:.1f}/s playing, "
                                f"{irq_i.get(card, 0):.1f}/s idle" +
                                (f"; blocks of {st.group(4)} bytes at {st.group(1)} Hz {st.group(2)} ch "
                                 f"{st.group(3)}-bit = {int(st.group(1)) * int(st.group(2)) * int(st.group(3)) / 8 / int(st.group(4)):.1f}/s"
                                 if st else "")))
        tot_p, tot_i = sum(irq_p.values()), sum(irq_i.values())
        figures.append(_fig("interrupts per s of playback, all lines", tot_p - tot_i, "irq/s",
                            f"{tot_p:.1f}/s playing, {tot_i:.1f}/s idle"))
        lat = []
        for _ in range(PLAYS):
            size0 = os.path.getsize(wav) if os.path.exists(wav) else 0
            start = s.mark()
            s.send("play /mnt/s440.wav\r")
            t0 = time.monotonic()
            t1 = None
            while time.monotonic() - t0 < 10:
                if os.path.exists(wav) and os.path.getsize(wav) > size0:
                    t1 = time.monotonic()
                    break
                time.sleep(0.001)
            s.expect(r"play: 2000 ms of sound[^\n]*\n(.|\n)*?" + qi.PROMPT_RX, 30, start=start)
            if t1 is None:
                raise RuntimeError("the recording did not grow within 10 s of `play`")
            lat.append((t1 - t0) * 1000)
        figures.append(_fig("play to first sample in the recording (median)", statistics.median(lat), "ms",
                            f"{PLAYS} plays, min {min(lat):.0f} max {max(lat):.0f} ms; includes 0..33 ms of "
                            "QEMU's wav writer (10 ms timer, 4 KiB stdio buffer)"))
        s.send("poweroff\r")
        status = s.close(30)
    except (qi.Timeout, RuntimeError, OSError) as e:
        s.close(1)
        return qemu.Boot(s.text() + f"\naudio-bench: {e}\n", None, s.elapsed(), True), []
    return qemu.Boot(s.text(), status, s.elapsed(), False), figures


def run_first_play(kernel, build, spec):
    """The runbench "run" hook of audio-first-play-bench: (qemu.Boot, figures)."""
    tones_image(build)
    d = os.path.join(os.path.abspath(build), "audio")
    wav = os.path.join(d, "first-play-bench.wav")
    stick = os.path.join(d, "bench-stick.img")
    if os.path.exists(wav):
        os.unlink(wav)
    subprocess.run([os.path.join(ROOT, "tools", "images", "mkdemo.sh"), os.path.join(ROOT, "demo"), stick],
                   check=True, capture_output=True)
    disks = [f"file={os.path.join(d, 'audio.img')},format=raw,if=ide,index=0,snapshot=on"]
    extra = ["-audiodev", f"wav,id=snd0,path={wav}", "-device", "intel-hda", "-device", "hda-output,audiodev=snd0",
             "-nic", "user,model=e1000,restrict=on", "-device", "usb-ehci,id=ehci",
             "-drive", f"if=none,id=usb0,file={stick},format=raw,snapshot=on",
             "-device", "usb-storage,bus=ehci.0,drive=usb0"]
    log = os.path.join(build, "test-logs", "audio-first-play-bench.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    s = qi.Session(kernel, "mount=hda:/mnt rumpmount=sd0:/usb", disks, limit=spec.get("timeout", 200), extra=extra,
                   log=log)
    figures = []
    try:
        m = s.wait_prompt(90)
        r = re.search(r"AdrOS ready in ([\d.]+) ms", s.text(0, m.end()))
        if not r:
            raise RuntimeError("no \"AdrOS ready\" line before the prompt")
        figures.append(_fig("boot to the prompt, e1000 + intel-hda + USB stick mounted at boot", float(r.group(1)),
                            "ms", "guest time of \"AdrOS ready\"; the prompt follows it"))
        out = s.command("play /mnt/s440.wav", 60)
        p = re.search(r"play: 2000 ms of sound \(352800 bytes\) in (\d+) ms, (\d+) underruns \((\d+) bytes\)", out)
        if not p:
            raise RuntimeError(f"play printed {out[-300:]!r}")
        s.send("poweroff\r")
        status = s.close(30)
        # QEMU records while the card's stream runs: 44-byte header, then
        # 16-bit stereo at the rate it was opened with (44.1 kHz here).
        ms = (os.path.getsize(wav) - 44) / (44100 * 4) * 1000
        figures.append(_fig("first play after boot (net=dhcp starting): 2 s tone recorded", ms, "ms",
                            f"play: {p.group(1)} ms, {p.group(2)} underruns ({p.group(3)} bytes); "
                            "2000 when nothing was replayed or lost"))
    except (qi.Timeout, RuntimeError, OSError, ValueError) as e:
        s.close(1)
        return qemu.Boot(s.text() + f"\naudio-first-play-bench: {e}\n", None, s.elapsed(), True), []
    return qemu.Boot(s.text(), status, s.elapsed(), False), figures
