#!/usr/bin/env python3
"""A one-connection HTTP/1.0 responder on stdin/stdout, for QEMU's
guestfwd (`guestfwd=tcp:10.0.2.100:80-cmd:python3 tools/qemu/httpserve.py DIR`
spawns it for every connection the guest makes to 10.0.2.100:80).  It
never opens a network socket itself.

  GET /<path>      the file DIR/<path> (no "..", no leaving DIR), with
                   Content-Length; 404 when missing
  ?truncate=N      send the full Content-Length but only N bytes, then close
  ?stall=N         send the head and N bytes, then stay silent (60 s)
  ?status=N        answer status N with a short body

--log FILE appends one line per request.
"""
import os
import sys
import time
import urllib.parse


def main():
    args = sys.argv[1:]
    log = None
    if len(args) >= 2 and args[0] == "--log":
        log, args = args[1], args[2:]
    root = os.path.realpath(args[0])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head and len(head) < 16384:
        c = inp.read1(4096) if hasattr(inp, "read1") else inp.read(1)
        if not c:
            break
        head += c
    line = head.split(b"\n", 1)[0].strip().decode("latin-1")
    parts = line.split(" ")
    if log:
        with open(log, "a") as f:
            f.write(line + "\n")

    def answer(status, reason, body=b"", length=None):
        hdr = f"HTTP/1.0 {status} {reason}\r\nServer: httpserve\r\nContent-Length: " \
              f"{len(body) if length is None else length}\r\n\r\n"
        out.write(hdr.encode() + body)
        out.flush()

    if len(parts) != 3 or parts[0] != "GET":
        answer(400, "Bad Request", b"bad request\n")
        return
    url = urllib.parse.urlsplit(parts[1])
    q = dict(urllib.parse.parse_qsl(url.query))
    if "status" in q:
        answer(int(q["status"]), "Test Status", b"status page\n")
        return
    rel = urllib.parse.unquote(url.path).lstrip("/")
    path = os.path.realpath(os.path.join(root, rel))
    if ".." in rel.split("/") or not path.startswith(root + os.sep) or not os.path.isfile(path):
        answer(404, "Not Found", b"not found\n")
        return
    size = os.path.getsize(path)
    hdr = f"HTTP/1.0 200 OK\r\nServer: httpserve\r\nContent-Length: {size}\r\n" \
          f"Content-Type: application/octet-stream\r\n\r\n"
    out.write(hdr.encode())
    limit = size
    if "truncate" in q:
        limit = min(size, int(q["truncate"]))
    if "stall" in q:
        limit = min(size, int(q["stall"]))
    with open(path, "rb") as f:
        sent = 0
        while sent < limit:
            chunk = f.read(min(65536, limit - sent))
            if not chunk:
                break
            out.write(chunk)
            sent += len(chunk)
    out.flush()
    if "stall" in q:
        time.sleep(60)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, ConnectionResetError):
        pass
