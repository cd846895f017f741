/* Benchmark usb_seq: sequential raw throughput of a USB disk (NetBSD's
 * ehci/umass/sd through src/netbsd/usb.c) next to the ATA disk of the same
 * boot, through the same block layer: 32 MiB read with 64 KiB requests,
 * the next 32 MiB with 1 MiB requests, then 32 MiB written with 1 MiB
 * requests and a flush (timed with the flush).  Each configuration reads
 * a region of the disk no other one touched, with the block cache off
 * (the device path, as the raw ATA benchmark).  Disks: sd0 and hda, each
 * at least 96 MiB.
 *
 * Benchmark virtio_seq: the reads of usb_seq on the virtio disks (NetBSD's
 * ld on virtio-blk and sd on virtio-scsi, through src/netbsd/disk.c): ld0
 * and sd0, each at least 64 MiB.  tools/bench/linuxref.py mirrors both.
 *
 * Benchmark pc_seq: the disks of a PC of today through NetBSD's drivers
 * (issue 21): wd0 (ahcisata, atabus, wd on AHCI), ld0 (nvme, ld on NVMe),
 * sd0 (umass, sd on a USB stick on xHCI), each an ext2 image with a 32 MiB
 * /bench.bin: the reads of virtio_seq on each raw disk, then /bench.bin
 * read cold through AdrOS's ext2 with 64 KiB and 1 MiB reads (the block
 * cache on and dropped first, as ext2_seq_read).  tools/bench/linuxref.py
 * mirrors it (linux_pc). */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define REGION (32u << 20)

/* Interrupts taken on every line but the timer's (0) so far: the disks'
 * controllers, for the interrupts per MiB of a transfer. */
static uint64_t device_irqs(void)
{
    uint64_t n = 0;
    for (unsigned l = 1; l < IRQ_LINES; l++) {
        struct irq_stats st;
        irq_get_stats(l, &st);
        n += st.count;
    }
    return n;
}

static void one(const char *bench, struct blkdev *d, const char *what, bool write, uint32_t req, uint64_t first, uint8_t *buf)
{
    uint32_t n = req / d->sector_size;
    uint64_t s = first / d->sector_size, reqs = REGION / req, errs = 0;
    uint64_t t0 = clock_gettime_ns(), c0 = clock_cycles(), irq0 = device_irqs();
    for (uint64_t i = 0; i < reqs; i++, s += n)
        if ((write ? blk_write(d, s, n, buf) : blk_read(d, s, n, buf)) != 0)
            errs++;
    if (write && blk_flush(d) != 0)
        errs++;
    uint64_t ns = clock_gettime_ns() - t0, cyc = clock_cycles() - c0, irqs = device_irqs() - irq0;
    uint64_t kbps = (uint64_t)REGION * 1000000ull / (ns ? ns : 1);
    kprintf("# %s: %s %s %u KiB: %llu device interrupts, %llu per MiB\n", bench, d->name, what, req / 1024,
            (unsigned long long)irqs, (unsigned long long)(irqs / (REGION >> 20)));
    char metric[40], note[96];
    ksnprintf(metric, sizeof(metric), "%s-%s-%uk", d->name, what, req / 1024);
    ksnprintf(note, sizeof(note), "%llu.%02llu MB/s, %llu requests, %llu errors", (unsigned long long)(kbps / 1000),
              (unsigned long long)(kbps % 1000 / 10), (unsigned long long)reqs, (unsigned long long)errs);
    kbench_result(bench, metric, cyc / reqs, ns / reqs, note);
}

/* The regions of bench on the ndev disks devs: a 64 KiB read, a 1 MiB
 * read and (write) a 1 MiB write, each of REGION bytes; a disk absent or
 * too small is skipped with a line saying so. */
static void seq_disks(const char *bench, const char *const *devs, int ndev, bool write)
{
    rump_running(); /* NetBSD's disks present at boot are registered by then */
    uint8_t *buf = kmalloc_aligned(1u << 20, 4096);
    if (!buf)
        return;
    size_t cache = bcache_set_limit(0);
    for (uint32_t i = 0; i < (1u << 20); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    uint64_t need = (write ? 3ull : 2ull) * REGION;
    for (int k = 0; k < ndev; k++) {
        struct blkdev *d = blk_find(devs[k]);
        if (!d || d->nsectors * d->sector_size < need) {
            kprintf("# %s: no disk %s of %llu MiB or more; skipped\n", bench, devs[k],
                    (unsigned long long)(need >> 20));
            blk_put(d);
            continue;
        }
        one(bench, d, "read", false, 64u << 10, 0, buf);
        one(bench, d, "read", false, 1u << 20, REGION, buf);
        if (write)
            one(bench, d, "write", true, 1u << 20, 2ull * REGION, buf);
        blk_put(d);
    }
    bcache_set_limit(cache);
    kfree(buf);
}

static void bench_usb_seq(void)
{
    static const char *const devs[2] = { "sd0", "hda" };
    seq_disks("usb_seq", devs, 2, true);
}
KBENCH(usb_seq, bench_usb_seq);

static void bench_virtio_seq(void)
{
    static const char *const devs[2] = { "ld0", "sd0" };
    seq_disks("virtio_seq", devs, 2, false);
}
KBENCH(virtio_seq, bench_virtio_seq);

/* /bench.bin on dev's ext2 read whole with req-byte reads, cold (the block
 * cache dropped first): bench's figure <dev>-ext2-read-<req/1024>k. */
static void ext2_cold(const char *bench, const char *dev, uint32_t req, uint8_t *buf)
{
    struct file *f;
    bcache_drop(NULL);
    if (vfs_open("/mnt/pcseq/bench.bin", O_RDONLY, 0, &f) != 0) {
        kprintf("# %s: no /bench.bin on %s; skipped\n", bench, dev);
        return;
    }
    uint64_t bytes = 0, reqs = 0;
    uint64_t t0 = clock_gettime_ns(), c0 = clock_cycles();
    ssize_t n;
    while ((n = vfs_read(f, buf, req)) > 0) {
        bytes += (uint64_t)n;
        reqs++;
    }
    uint64_t ns = clock_gettime_ns() - t0, cyc = clock_cycles() - c0;
    vfs_close(f);
    uint64_t kbps = bytes * 1000000ull / (ns ? ns : 1);
    char metric[40], note[96];
    ksnprintf(metric, sizeof(metric), "%s-ext2-read-%uk", dev, req / 1024);
    ksnprintf(note, sizeof(note), "%llu.%02llu MB/s, %llu bytes%s", (unsigned long long)(kbps / 1000),
              (unsigned long long)(kbps % 1000 / 10), (unsigned long long)bytes, n < 0 ? ", READ ERROR" : "");
    kbench_result(bench, metric, cyc / (reqs ? reqs : 1), ns / (reqs ? reqs : 1), note);
}

static void bench_pc_seq(void)
{
    static const char *const devs[3] = { "wd0", "ld0", "sd0" };
    seq_disks("pc_seq", devs, 3, false);
    uint8_t *buf = kmalloc_aligned(1u << 20, 4096);
    if (!buf)
        return;
    vfs_mkdir("/mnt/pcseq", 0755);
    for (int k = 0; k < 3; k++) {
        if (vfs_mount("ext2", devs[k], "/mnt/pcseq", VFS_MNT_RDONLY) != 0) {
            kprintf("# pc_seq: no ext2 on %s; skipped\n", devs[k]);
            continue;
        }
        ext2_cold("pc_seq", devs[k], 64u << 10, buf);
        ext2_cold("pc_seq", devs[k], 1u << 20, buf);
        vfs_umount("/mnt/pcseq");
    }
    kfree(buf);
}
KBENCH(pc_seq, bench_pc_seq);
