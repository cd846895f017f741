#!/bin/sh
# make run / make debug: runs QEMU (the arguments) with isa-debug-exit, so
# that AdrOS's poweroff status reaches the shell that typed `make run`.
# QEMU exits with (status << 1) | 1 through isa-debug-exit; this exits with
# the kernel's status: 0 after a clean poweroff (or Ctrl-A X), 1 after a
# failing script, 2 after a panic with panic=poweroff.
"$@" -device isa-debug-exit,iobase=0xf4,iosize=0x04
st=$?
case $st in
0) exit 0 ;;                  # Ctrl-A X, or ACPI poweroff
*) if [ $((st % 2)) -eq 1 ] && [ "$st" -lt 128 ]; then
       exit $((st >> 1))
   fi
   exit "$st" ;;              # QEMU's own failure, or a signal
esac
