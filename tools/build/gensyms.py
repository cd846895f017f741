#!/usr/bin/env python3
"""Turn `nm -n` output into the kernel's symbol table (an assembly file).

Only text symbols are kept; the table is sorted by address so the kernel can
binary-search it for backtraces.  Usage: nm -n adros.elf | gensyms.py - > ksyms.S
"""
import sys

def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "-"
    lines = [] if src == "/dev/null" else (sys.stdin if src == "-" else open(src))
    syms = []
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "TtWw":
            continue
        name = parts[2]
        if name.startswith(".L") or name.startswith("ksyms_"):
            continue
        syms.append((int(parts[0], 16), name))
    syms.sort()
    out = ['\t.section .ksyms, "a"', "\t.align 4", "\t.global ksyms_count, ksyms_addrs, ksyms_offsets, ksyms_names",
           "ksyms_count:", f"\t.long {len(syms)}", "ksyms_addrs:"]
    out += [f"\t.long 0x{a:08x}" for a, _ in syms]
    out.append("ksyms_offsets:")
    off = 0
    for _, n in syms:
        out.append(f"\t.long {off}")
        off += len(n) + 1
    out.append("ksyms_names:")
    out += [f'\t.asciz "{n}"' for _, n in syms]
    out.append('\t.section .note.GNU-stack, "", @progbits')
    print("\n".join(out))

if __name__ == "__main__":
    main()
