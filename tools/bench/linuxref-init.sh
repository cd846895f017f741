#!/bin/busybox sh
# /init of the Linux reference boot (tools/bench/linuxref.py builds the initramfs:
# busybox, the timing helper /bin/lrio, the modules in /lib/modules with
# their load order in /lib/modules/order).
#
# Runs the workloads named on the kernel command line, which the kernel
# hands to init as environment variables:
#   linuxref_workloads=ext2_read,ext2_write   (wl_<name> below, in order)
#                                             (usb_raw: the usb_seq mirror's)
#   linuxref_disks=none                       no disk: the NIC mirrors
#   linuxref_disks=virtio                     vda and a virtio-scsi disk
#   linuxref_disks=pc                         AHCI, NVMe, xHCI stick (pc_raw)
#   linuxref_file=/bench.bin                  the 32 MiB file on /dev/sda
#                                             (none: nothing is mounted, the
#                                             raw workloads of the usb_seq
#                                             mirror use the block devices)
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

# disk_stat DEV: disk reads, sectors read, disk writes, sectors written so far.
disk_stat() {
    awk '{ print $1, $3, $5, $7 }' "/sys/block/$1/stat"
}

sda_stat() {
    disk_stat sda
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

# The rump-host reference (tools/bench/rumphost.c): NetBSD's ext2fs in a
# rump kernel on NetBSD's POSIX hypercalls, a Linux process on /dev/sda
# (unmounted meanwhile): cold reads of the file, then it is deleted and
# 32 MiB written three times, as AdrOS's rump_ext2 boot does.  Its BENCH
# lines are bench linux_rumphost.  Without /bin/rumphost (it could not be
# built; the runner says why) nothing runs.
wl_rump_host() {
    if [ ! -x /bin/rumphost ]; then
        echo "# rump_host: no /bin/rumphost in the initramfs"
        return
    fi
    umount /mnt || { failed "rump_host: umount /mnt"; return; }
    s0=$(sda_stat)
    rumphost /dev/sda "$linuxref_file" || failed "rump_host: rumphost /dev/sda $linuxref_file"
    requests "rumphost (all of it)" $s0 $(sda_stat)
    mount -t ext2 /dev/sda /mnt || { failed "rump_host: mount -t ext2 /dev/sda again"; finish; }
}

# disk_on KIND: the sdX whose sysfs device path goes through KIND: "usb"
# (usb-storage's SCSI host sits under the EHCI controller's USB port),
# "ata" (libata's host) or "virtio" (virtio_scsi's host under virtioN);
# empty when there is none yet.
disk_on() {
    for b in /sys/block/sd*; do
        [ -e "$b" ] || continue
        case "$(readlink -f "$b")" in
        */usb[0-9]*/*) [ "$1" = usb ] && echo "${b##*/}" && return ;;
        */ata[0-9]*/*) [ "$1" = ata ] && echo "${b##*/}" && return ;;
        */virtio[0-9]*/host*) [ "$1" = virtio ] && echo "${b##*/}" && return ;;
        esac
    done
}

# raw_set LABEL DEV [BENCH [reads]]: the workloads of AdrOS's usb_seq
# benchmark (tests/kernel/usb_bench.c) on one whole disk, O_DIRECT: 32 MiB
# read with 64 KiB requests from 0, the next 32 MiB with 1 MiB requests,
# the next 32 MiB written with 1 MiB requests and fsync() (a cache flush),
# timed with it (not with "reads": virtio_seq's).  Each region is touched
# once (cold).  Figures as bench BENCH (linux_usb by default).
raw_set() {
    label=$1 dev=$2 bench=${3:-linux_usb}
    specs="read 65536 0 64k|read 1048576 33554432 1024k"
    [ "$4" = reads ] || specs="$specs|write 1048576 67108864 1024k"
    IFS='|'
    set -- $specs
    unset IFS
    for spec in "$@"; do
        set -- $spec
        what=$1 bs=$2 off=$3 k=$4
        s0=$(disk_stat "$dev")
        r=$(lrio "raw$what" "/dev/$dev" "$bs" "$off" 33554432) || { failed "lrio raw$what /dev/$dev $bs"; return; }
        requests "$label ($dev) $bs-byte ${what}s" $s0 $(disk_stat "$dev")
        set -- $r
        emit "$bench" "$label-$what-$k" "$1" "$2"
    done
}

# The usb_seq mirror: the USB stick (usb-storage on EHCI) and the ATA disk.
wl_usb_raw() {
    usb=$(disk_on usb)
    ata=$(disk_on ata)
    [ -n "$usb" ] && [ -n "$ata" ] || { failed "usb_raw: USB disk '$usb', ATA disk '$ata'"; cat /proc/partitions; return; }
    echo "# linux usb: /dev/$usb $(cat /sys/block/$usb/device/vendor /sys/block/$usb/device/model | tr -s ' \n' ' ')," \
        "max_sectors_kb $(cat /sys/block/$usb/queue/max_sectors_kb), scheduler $(cat /sys/block/$usb/queue/scheduler)," \
        "write cache: $(cat /sys/block/$usb/queue/write_cache)"
    echo "# linux ata: /dev/$ata $(cat /sys/block/$ata/device/model | tr -s ' \n' ' ')," \
        "max_sectors_kb $(cat /sys/block/$ata/queue/max_sectors_kb), scheduler $(cat /sys/block/$ata/queue/scheduler)," \
        "write cache: $(cat /sys/block/$ata/queue/write_cache)"
    raw_set usb "$usb"
    raw_set ata "$ata"
}

# The virtio_seq mirror: virtio-blk (virtio_blk: vda) and a disk on
# virtio-scsi (virtio_scsi and sd), raw reads only.
wl_virtio_raw() {
    scsi=$(disk_on virtio)
    [ -b /dev/vda ] && [ -n "$scsi" ] || { failed "virtio_raw: vda, virtio-scsi disk '$scsi'"; cat /proc/partitions; return; }
    for d in vda "$scsi"; do
        echo "# linux virtio: /dev/$d max_sectors_kb $(cat /sys/block/$d/queue/max_sectors_kb)," \
            "scheduler $(cat /sys/block/$d/queue/scheduler), nr_requests $(cat /sys/block/$d/queue/nr_requests)"
    done
    raw_set vblk vda linux_virtio reads
    raw_set vscsi "$scsi" linux_virtio reads
}

# The pc_seq mirror: the AHCI disk (ahci: libata, under ataN), the NVMe
# namespace (nvme0n1) and the USB stick on xHCI (usb-storage, under usbN),
# each the same ext2 image: raw reads as virtio_raw's, then /bench.bin read
# cold through ext2 with 64 KiB and 1 MiB reads.
wl_pc_raw() {
    ahci=$(disk_on ata)
    usb=$(disk_on usb)
    [ -n "$ahci" ] && [ -b /dev/nvme0n1 ] && [ -n "$usb" ] ||
        { failed "pc_raw: AHCI disk '$ahci', nvme0n1, USB disk '$usb'"; cat /proc/partitions; return; }
    for d in "$ahci" nvme0n1 "$usb"; do
        echo "# linux pc: /dev/$d max_sectors_kb $(cat /sys/block/$d/queue/max_sectors_kb)," \
            "max_hw_sectors_kb $(cat /sys/block/$d/queue/max_hw_sectors_kb)," \
            "scheduler $(cat /sys/block/$d/queue/scheduler), nr_requests $(cat /sys/block/$d/queue/nr_requests)"
    done
    raw_set ahci "$ahci" linux_pc reads
    raw_set nvme nvme0n1 linux_pc reads
    raw_set xhci "$usb" linux_pc reads
    # The 1 MiB reads again (the next 32 MiB) with Linux's transfers cut
    # to NetBSD's MAXPHYS (max_sectors_kb 64), as AdrOS's go to the disk.
    for pair in "ahci $ahci" "nvme nvme0n1" "xhci $usb"; do
        set -- $pair
        label=$1 dev=$2
        old=$(cat /sys/block/$dev/queue/max_sectors_kb)
        echo 64 >/sys/block/$dev/queue/max_sectors_kb || { failed "max_sectors_kb 64 on $dev"; continue; }
        s0=$(disk_stat "$dev")
        r=$(lrio rawread "/dev/$dev" 1048576 67108864 33554432) || failed "lrio rawread /dev/$dev, 64 KiB transfers"
        requests "$label ($dev) 1048576-byte reads, max_sectors_kb 64" $s0 $(disk_stat "$dev")
        echo "$old" >/sys/block/$dev/queue/max_sectors_kb
        set -- $r
        [ -n "$2" ] && emit linux_pc "$label-read-1024k-xfer64k" "$1" "$2"
    done
    for pair in "ahci $ahci" "nvme nvme0n1" "xhci $usb"; do
        set -- $pair
        label=$1 dev=$2
        mount -t ext2 -o ro "/dev/$dev" /mnt || { failed "mount -t ext2 /dev/$dev"; continue; }
        for bs in 65536 1048576; do
            drop_caches
            s0=$(disk_stat "$dev")
            r=$(lrio read /mnt/bench.bin $bs) || { failed "read /bench.bin on $dev, $bs"; break; }
            requests "$label ($dev) ext2 $bs-byte reads" $s0 $(disk_stat "$dev")
            set -- $r
            emit linux_pc "$label-ext2-read-$((bs / 1024))k" "$1" "$2"
        done
        umount /mnt || failed "umount /dev/$dev"
    done
}

# The whole kernel log (tools/bench/linuxref.py -w dmesg, when looking into a figure).
wl_dmesg() {
    dmesg
}

# Network workloads (ping to the gateway, TCP bulk both ways) come with
# Stage 2: add wl_<name> functions here and their host side in
# tools/bench/linuxref.py (network_workloads()).

t0=$(cut -d' ' -f1 /proc/uptime)
while read -r m; do
    insmod "/lib/modules/$m" || failed "insmod $m"
done </lib/modules/order
# The disks the workloads need: /dev/sda with the ext2 file system when
# they read a file; else (the usb_seq mirror) a USB and an ATA disk.
if [ "$linuxref_disks" = none ]; then
    found() { true; }
    what="no disk (none wanted)"
elif [ "$linuxref_disks" = virtio ]; then
    found() { [ -b /dev/vda ] && [ -n "$(disk_on virtio)" ]; }
    what="the virtio disks"
elif [ "$linuxref_disks" = pc ]; then
    found() { [ -n "$(disk_on ata)" ] && [ -b /dev/nvme0n1 ] && [ -n "$(disk_on usb)" ]; }
    what="the AHCI, NVMe and xHCI disks"
elif [ -n "$linuxref_file" ]; then
    found() { [ -b /dev/sda ]; }
    what=sda
else
    found() { [ -n "$(disk_on usb)" ] && [ -n "$(disk_on ata)" ]; }
    what="the USB and ATA disks"
fi
i=0
while ! found && [ $i -lt 400 ]; do
    usleep 50000
    i=$((i + 1))
done
echo "LINUXREF modules loaded and $what found in $(awk -v a="$t0" '{ printf "%.2f", $1 - a }' /proc/uptime) s"
# What the figures depend on: the disk's transfer mode, the clock.
dmesg | grep -E 'ata1: PATA|ata[0-9]+: SATA link up|nvme nvme0: |Switched to clocksource|\[sd[a-z]\] [0-9]+ 512-byte|new [a-z]+-speed USB device|usb-storage [0-9]' | sed 's/^/# dmesg: /'
mounted=
if [ -n "$linuxref_file" ]; then
    if ! mount -t ext2 /dev/sda /mnt; then
        failed "mount -t ext2 /dev/sda"
        cat /proc/partitions
        finish
    fi
    mounted=1
fi

for w in $(echo "$linuxref_workloads" | tr , ' '); do
    if type "wl_$w" >/dev/null 2>&1; then
        echo "# linuxref workload $w"
        "wl_$w"
    else
        failed "no workload named $w"
    fi
done
[ -z "$mounted" ] || umount /mnt || failed "umount"
finish
