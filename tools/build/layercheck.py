#!/usr/bin/env python3
"""The layer check (make lint): fails when a file includes a header of a
layer above its own, or a header private to another folder.

Layers, bottom up (docs/ARCHITECTURE.md); a file may include headers of its
own layer and of the layers below:

  0 lib       src/lib/ and the portable headers (types, strings, parsers)
  1 kernel    src/arch/, src/kernel/, src/mm/, include/arch/
  2 block     the block layer: src/fs/blk.c, bcache.c, mbr.c (blk.h, mbr.h),
              which device drivers register their disks with
  3 drivers   src/drivers/
  4 fs        the rest of src/fs/ (VFS, file systems, pure parsers)
  5 rumpuser  src/rumpuser/: the hypercall library
  6 rump      src/rump/: starting and using the rump kernel
  7 netbsd    src/netbsd/: AdrOS services built on the rump kernel
  8 apps      src/apps/: programs run from the shell (<adros/cmd.h>)
  9 shell     src/shell/

A header's layer is its folder's; headers in include/adros/ are placed one
by one in HEADERS below (a new public header must be added there, or the
check fails): in the layer of the code that implements it.  cmdline.h is
the exception: its parser and option set (KOPTION) are portable (src/lib/)
and every layer reads options, so it sits with lib although the kernel
keeps the command line.  Private headers (*_int.h, *_internal.h, and the hypercall
library's platform header) may only be included from their own folder, and
in src/rumpuser/ the kernel's headers only through rumpuser_platform.h.
Tests (tests/) sit on top and are not checked.

  tools/build/layercheck.py [ROOT]      exit 0, or 1 with one line per violation
"""
import os
import re
import sys

LAYERS = ["lib", "kernel", "block", "drivers", "fs", "rumpuser", "rump", "netbsd", "apps", "shell"]

# Files placed apart from their folder's layer.
FILES = {
    "src/fs/blk.c": "block", "src/fs/bcache.c": "block", "src/fs/mbr.c": "block", "src/fs/blk_int.h": "block",
}

DIRS = {
    "src/lib": "lib",
    "src/arch": "kernel", "src/kernel": "kernel", "src/mm": "kernel", "include/arch": "kernel",
    "src/drivers": "drivers",
    "src/fs": "fs",
    "src/rumpuser": "rumpuser",
    "src/rump": "rump",
    "src/netbsd": "netbsd",
    "src/apps": "apps",
    "src/shell": "shell",
}

# include/adros/<name>.h -> layer of the code that implements it.
HEADERS = {
    "lib": "types string errno format list chacha20 sha256 http dhcp dns wav inet cmdline epoch",
    "kernel": "kprintf clock sched prof sync spinlock irq mm buddy kmalloc_class init console entropy power "
              "platform multiboot ktest",
    "drivers": "pci ata prd ramdisk",
    "block": "blk mbr",
    "fs": "vfs vnode devfs ext2_parse manifest fsdetect",
    "rump": "rump",
    "netbsd": "audio usb net zfs",
    "apps": "cmd netcmd",
    "shell": "shell",
}
HEADER_LAYER = {f"include/adros/{h}.h": layer for layer, names in HEADERS.items() for h in names.split()}

PRIVATE = re.compile(r"(_int|_internal|_platform)\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path):
    if path in HEADER_LAYER:
        return HEADER_LAYER[path]
    if path in FILES:
        return FILES[path]
    for d, layer in DIRS.items():
        if path.startswith(d + "/"):
            return layer
    return None


def check(root):
    problems = []
    files = []
    for top in ("src", "include"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h", ".S"))]
    for full in sorted(files):
        path = os.path.relpath(full, root)
        mine = layer_of(path)
        if mine is None:
            problems.append(f"{path}: in no layer (add its folder or header to tools/build/layercheck.py)")
            continue
        with open(full, errors="replace") as f:
            lines = f.readlines()
        for num, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            if kind == '"':
                target = os.path.normpath(os.path.join(os.path.dirname(path), name))
            elif name.startswith(("adros/", "arch/")):
                target = os.path.join("include", name)
            else:
                continue  # the C library on the host, NetBSD's headers
            if not os.path.exists(os.path.join(root, target)):
                continue  # the compiler reports those
            theirs = layer_of(target)
            where = f"{path}:{num}"
            if theirs is None:
                problems.append(f"{where}: {target} is in no layer (add it to tools/build/layercheck.py)")
            elif LAYERS.index(theirs) > LAYERS.index(mine):
                problems.append(f"{where}: {mine} includes {target}, of the {theirs} layer above it")
            elif PRIVATE.search(target) and os.path.dirname(target) != os.path.dirname(path):
                problems.append(f"{where}: {target} is private to {os.path.dirname(target)}/")
            elif (mine == "rumpuser" and target.startswith("include/") and
                  not path.endswith("rumpuser_platform.h") and target != "include/adros/types.h"):
                problems.append(f"{where}: the hypercall library takes {target} only through "
                                "src/rumpuser/rumpuser_platform.h")
    return problems


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    problems = check(root)
    for p in problems:
        print("layercheck: " + p, file=sys.stderr)
    if problems:
        print(f"layercheck: {len(problems)} include(s) against the layers (docs/ARCHITECTURE.md)", file=sys.stderr)
        return 1
    print("  LAYERS  every include goes down (tools/build/layercheck.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
