#!/usr/bin/env python3
"""Checks AdrOS's copies of NetBSD's structures (src/rump/rump_sys.h, named
nb_<name>, described by src/rump/rump_layouts.c) against the rump kernel as compiled: both layouts are read from
DWARF debug information (readelf --debug-dump=info), so the check needs no
NetBSD header and sees exactly what NetBSD's code uses.

  layoutcheck.py extract -o build/rump/layouts.json ARCHIVE...
      the layout of every structure named in STRUCTS, from NetBSD's archives.
      A structure defined differently in several compilation units counts by
      its most common definition outside NetBSD's compatibility objects
      (rtsock_50.o and the like keep old layouts, e.g. a 148-byte
      if_msghdr where the current one has 152).
  layoutcheck.py check build/rump/layouts.json OBJECT...
      every nb_<name> in our objects has NetBSD's size, and each member it
      shares with NetBSD's (by name) sits at the same offset.  Exit 1 and a
      message per difference otherwise.
"""
import collections
import json
import re
import subprocess
import sys

STRUCTS = ["sockaddr", "sockaddr_in", "sockaddr_in6", "sockaddr_dl", "sockaddr_storage", "ifreq",
           "in_aliasreq", "if_data", "if_msghdr", "ifa_msghdr", "rt_msghdr", "rt_metrics", "sysctlnode",
           "kinfo_pcb", "pollfd", "linger", "bpf_hdr", "bpf_program", "bpf_insn", "timeval",
           "usb_device_info", "usb_event", "scsireq", "ufs_args", "msdosfs_args", "iso_args", "pool_sysctl",
           "audio_prinfo", "audio_info", "audio_device", "audio_encoding", "mixer_devinfo", "mixer_ctrl",
           "zfs_cmd", "dmu_objset_stats", "mounta", "zio", "vdev", "vdev_ops", "uvm_object", "vm_page", "buf", "uio"]
# The mount argument structures of src/rump/rump_sys.h live in the file
# systems' archives, read from the directory of the archives given to
# extract whether or not they are linked (an absent archive: its structure
# is not checked, and the check says so).
FS_ARCHIVES = {"ufs_args": "librumpfs_ffs.a", "msdosfs_args": "librumpfs_msdos.a",
               "iso_args": "librumpfs_cd9660.a"}

TAG = re.compile(r"^\s*<(\d+)><[0-9a-f]+>: Abbrev Number: \d+ \((DW_TAG_\w+)\)")
ATTR = re.compile(r"^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$")


def _name(v):
    # "(indirect string, offset: 0x9c): nb_sockaddr_in", "(string) uid" or
    # "sin_len"
    if v.startswith("(string) "):
        return v[len("(string) "):].strip()
    return v.rsplit(": ", 1)[-1].strip() if v.startswith("(") else v.strip()


def _int(v):
    m = re.search(r"(?:DW_OP_plus_uconst: )?(-?\d+)\)?\s*$", v)
    return int(m.group(1)) if m else None


def structs(paths, wanted):
    """{name: [(layout, object), ...]} for structure definitions named in
    wanted; a layout is (size, ((member, offset), ...))."""
    found = collections.defaultdict(list)
    p = subprocess.Popen(["readelf", "--debug-dump=info", "--wide"] + paths, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, errors="replace")
    cur = None        # [name, size, members, depth]
    member = None     # [name, offset]
    attrs_of = None   # "struct" / "member" / None

    def close_member():
        nonlocal member
        if cur is not None and member is not None and member[0] is not None and member[1] is not None:
            cur[2].append((member[0], member[1]))
        member = None

    def close_struct():
        nonlocal cur
        close_member()
        if cur is not None and cur[0] in wanted and cur[1] is not None:
            found[cur[0]].append(((cur[1], tuple(cur[2])), obj))
        cur = None

    obj = ""
    for line in p.stdout:
        if line.startswith("File: "):
            close_struct()
            obj = line[6:].strip()
            continue
        m = TAG.match(line)
        if m:
            depth, tag = int(m.group(1)), m.group(2)
            if cur is not None and depth == cur[3] + 1 and tag == "DW_TAG_member":
                close_member()
                member = [None, None]
                attrs_of = "member"
                continue
            if cur is not None and depth <= cur[3]:
                close_struct()
            elif cur is not None:
                close_member()
                attrs_of = None
                continue
            if tag == "DW_TAG_structure_type":
                cur = [None, None, [], depth]
                attrs_of = "struct"
            else:
                attrs_of = None
            continue
        m = ATTR.match(line)
        if not m or attrs_of is None:
            continue
        key, val = m.group(1), m.group(2)
        if attrs_of == "struct":
            if key == "DW_AT_name":
                cur[0] = _name(val)
            elif key == "DW_AT_byte_size":
                cur[1] = _int(val)
            elif key == "DW_AT_declaration":
                cur[0] = None  # a declaration, not a definition
        elif attrs_of == "member":
            if key == "DW_AT_name":
                member[0] = _name(val)
            elif key == "DW_AT_data_member_location":
                member[1] = _int(val)
    close_struct()
    p.wait()
    return found


def extract(out, archives):
    import os
    libdir = os.path.dirname(archives[0]) if archives else "."
    fs = [os.path.join(libdir, a) for a in sorted(set(FS_ARCHIVES.values()))]
    found = structs(archives + [a for a in fs if os.path.exists(a)], set(STRUCTS))
    res = {}
    compat = re.compile(r"(_\d\d|compat[^/]*)\.o\)?$")
    for name, defs in found.items():
        current = [l for l, o in defs if not compat.search(o)] or [l for l, o in defs]
        layout, _ = collections.Counter(current).most_common(1)[0]
        res[name] = {"size": layout[0], "members": dict(layout[1])}
    with open(out, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    return 0


def check(ref, objects):
    with open(ref) as f:
        theirs = json.load(f)
    ours = structs(objects, {"nb_" + s for s in STRUCTS})
    problems, checked = [], 0
    for name, defs in sorted(ours.items()):
        layouts = [l for l, o in defs]
        base = name[3:]
        if base not in theirs and base in FS_ARCHIVES:
            print(f"  LAYOUT  {name} not checked: no {FS_ARCHIVES[base]} among the rump components")
            continue
        if base not in theirs:
            problems.append(f"{name}: NetBSD's struct {base} is not in the rump kernel's debug information")
            continue
        t = theirs[base]
        for size, members in set(layouts):
            checked += 1
            if size != t["size"]:
                problems.append(f"{name}: {size} bytes, NetBSD's struct {base} has {t['size']}")
            common = 0
            for m, off in members:
                if m in t["members"]:
                    common += 1
                    if t["members"][m] != off:
                        problems.append(f"{name}.{m}: offset {off}, NetBSD's is {t['members'][m]}")
            if common == 0 and members:
                problems.append(f"{name}: no member name in common with NetBSD's struct {base}")
    if checked == 0:
        problems.append("no nb_ structure found in " + " ".join(objects))
    for p in problems:
        print("layoutcheck: " + p, file=sys.stderr)
    if not problems:
        print(f"  LAYOUT  {checked} NetBSD structures match (sizes and offsets)")
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "extract" and argv[2] == "-o":
        return extract(argv[3], argv[4:])
    if len(argv) >= 4 and argv[1] == "check":
        return check(argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
