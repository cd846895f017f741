#!/bin/busybox sh
# /init of the Linux reference boot (tools/linuxref.py builds the initramfs:
# busybox, the timing helper /bin/lrio, the modules in /lib/modules with
# their load order in /lib/modules/order).
#
# Runs the workloads named on the kernel command line, which the kernel
# hands to init as environment variables:
#   linuxref_workloads=ext2_read,ext2_write   (wl_<name> below, in order)
#   linuxref_file=/bench.bin                  the 32 MiB file on /dev/sda
# and prints each figure as AdrOS's benchmarks do, one line
#   BENCH {"bench":...,"metric":...,"cycles":0,"ns":...,"note":"... MB/s ..."}
# then reports its status through QEMU's isa-debug-exit port (0xf4), like
# AdrOS: 0 = all workloads ran, 1 = one failed.

/bin/busybox mkdir -p /proc /sys /dev /mnt /tmp
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "LINUXREF init at $(cut -d' ' -f1 /proc/uptime) s (guest uptime), kernel $(uname -r)"

status=0

finish() {
    sync
    echo "LINUXREF done at $(cut -d' ' -f1 /proc/uptime) s, status $status"
    printf "\\$(printf %03o "$status")" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
    poweroff -f
}

failed() {
    echo "LINUXREF FAILED: $*"
    status=1
}

# emit BENCH-NAME METRIC BYTES NS: one BENCH line, MB/s = 10^6 bytes/s.
emit() {
    awk -v b="$1" -v m="$2" -v by="$3" -v ns="$4" 'BEGIN {
        printf "BENCH {\"bench\":\"%s\",\"metric\":\"%s\",\"cycles\":0,\"ns\":%s,\"note\":\"%.2f MB/s over %d MiB\"}\n",
            b, m, ns, by * 1000 / ns, by / 1048576 }'
}

size_name() {
    case "$1" in
    4096) echo 4KiB ;; 65536) echo 64KiB ;; 262144) echo 256KiB ;; 1048576) echo 1MiB ;; *) echo "$1" ;;
    esac
}

drop_caches() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
}

# sda_stat: disk reads, sectors read, disk writes, sectors written so far.
sda_stat() {
    awk '{ print $1, $3, $5, $7 }' /sys/block/sda/stat
}

# requests LABEL BEFORE(4 numbers) AFTER(4 numbers): the disk requests the
# workload made, as AdrOS's rump_ext2 benchmark prints them.
requests() {
    awk -v l="$1" -v r0="$2" -v s0="$3" -v w0="$4" -v t0="$5" -v r1="$6" -v s1="$7" -v w1="$8" -v t1="$9" 'BEGIN {
        r = r1 - r0; w = w1 - w0
        printf "# linux %s: %d disk reads, %d KiB average; %d disk writes, %d KiB average\n",
            l, r, r ? (s1 - s0) / 2 / r : 0, w, w ? (t1 - t0) / 2 / w : 0 }'
}

# Cold sequential reads of the whole file: the page cache, dentries and
# inodes are dropped before each size.
wl_ext2_read() {
    for bs in 4096 65536 262144 1048576; do
        drop_caches
        s0=$(sda_stat)
        r=$(lrio read "/mnt$linuxref_file" $bs) || { failed "read $bs"; return; }
        requests "$bs-byte reads" $s0 $(sda_stat)
        set -- $r
        emit linux_ext2 "cold seq read $(size_name $bs)" "$1" "$2"
    done
}

# Sequential writes of 32 MiB, timed to the end of fsync(); the read file
# is removed first to make room (the disk is the runner's copy).
wl_ext2_write() {
    rm -f "/mnt$linuxref_file"
    for bs in 4096 65536 1048576; do
        drop_caches
        s0=$(sda_stat)
        r=$(lrio write /mnt/write.bin $bs 33554432) || { failed "write $bs"; return; }
        requests "$bs-byte writes" $s0 $(sda_stat)
        set -- $r
        emit linux_ext2 "seq write 32MiB $(size_name $bs) fsync" "$1" "$2"
        rm -f /mnt/write.bin
    done
}

# The whole kernel log (tools/linuxref.py -w dmesg, when looking into a figure).
wl_dmesg() {
    dmesg
}

# Network workloads (ping to the gateway, TCP bulk both ways) come with
# Stage 2: add wl_<name> functions here and their host side in
# tools/linuxref.py (network_workloads()).

t0=$(cut -d' ' -f1 /proc/uptime)
while read -r m; do
    insmod "/lib/modules/$m" || failed "insmod $m"
done </lib/modules/order
i=0
while [ ! -b /dev/sda ] && [ $i -lt 200 ]; do
    usleep 50000
    i=$((i + 1))
done
echo "LINUXREF modules loaded and sda found in $(awk -v a="$t0" '{ printf "%.2f", $1 - a }' /proc/uptime) s"
# What the figures depend on: the disk's transfer mode, the clock.
dmesg | grep -E 'ata1: PATA|Switched to clocksource|\[sda\] [0-9]+ 512-byte' | sed 's/^/# dmesg: /'
if ! mount -t ext2 /dev/sda /mnt; then
    failed "mount -t ext2 /dev/sda"
    cat /proc/partitions
    finish
fi

for w in $(echo "$linuxref_workloads" | tr , ' '); do
    if type "wl_$w" >/dev/null 2>&1; then
        echo "# linuxref workload $w"
        "wl_$w"
    else
        failed "no workload named $w"
    fi
done
umount /mnt || failed "umount"
finish
