"""A minimal client of QEMU's machine protocol (QMP) over a Unix socket, for
tests that change the machine while the guest runs (USB hot-plug).

    sock = qmp.socket_path(build, "usb-hotplug")
    extra = qmp.args(sock)                      # add to QEMU's arguments
    ...QEMU started...
    with qmp.Client(sock, timeout=10) as q:
        q.cmd("device_add", driver="usb-storage", bus="ehci.0", drive="u2", id="stick2")
        q.cmd("device_del", id="stick2")

Every call has a time limit; an error answer raises QMPError with QEMU's
description.  Events QEMU sends meanwhile (DEVICE_DELETED...) are kept in
Client.events.
"""
import json
import os
import socket
import time


class QMPError(Exception):
    pass


def socket_path(build, name):
    d = os.path.join(os.path.abspath(build), "qmp")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, name + ".sock")
    if os.path.exists(p):
        os.remove(p)
    return p


def args(path):
    return ["-qmp", f"unix:{path},server=on,wait=off"]


class Client:
    def __init__(self, path, timeout=10, connect_within=20):
        self.timeout = timeout
        self.events = []
        self.buf = b""
        deadline = time.monotonic() + connect_within
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.settimeout(timeout)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise QMPError(f"cannot connect to QMP at {path}")
                time.sleep(0.1)
        self._read()  # the greeting
        self.cmd("qmp_capabilities")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def _read(self):
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self.buf:
            if time.monotonic() > deadline:
                raise QMPError("no answer from QEMU")
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                raise QMPError("no answer from QEMU")
            if not chunk:
                raise QMPError("QEMU closed the QMP connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise QMPError(f"{name}: {r['error'].get('desc', r['error'])}")
            return r.get("return")

    def hmp(self, line):
        """A human monitor command (drive_add...), its text answer."""
        return self.cmd("human-monitor-command", **{"command-line": line})

    def wait_event(self, name, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("event") == name:
                    self.events.remove(e)
                    return e
            if time.monotonic() > deadline:
                raise QMPError(f"no {name} event within {timeout} s")
            old = self.s.gettimeout()
            self.s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                r = self._read()
                if "event" in r:
                    self.events.append(r)
            except QMPError:
                pass
            finally:
                self.s.settimeout(old)
