/* Stage 1 benchmark (bench=rump_ext2): rump_init time, mount times, and
 * sequential read throughput of one large file through NetBSD's ext2fs in
 * the rump kernel and through AdrOS's native ext2 driver, in the same boot:
 * cold (the block cache dropped, a fresh mount) and warm (a fresh mount,
 * the block cache holding the file); the sequential write of 32 MiB with
 * fsync through NetBSD's ext2fs (the native driver is read-only); the
 * memory the rump kernel holds after mounting.  Needs hda with /big.bin
 * (tools/test/plan_stage1.py benches()).  With the kernel option prof=<Hz>
 * each NetBSD workload is profiled (include/adros/prof.h) and its top
 * functions printed after it, outside the timed part. */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/prof.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define PROF_TOP 150 /* enough to class nearly every sample by whose code it is */

/* Reads path sequentially with reqsize reads; returns ns, 0 on error. */
static uint64_t read_all(const char *path, size_t reqsize, uint64_t *bytes)
{
    struct file *f;
    if (vfs_open(path, O_RDONLY, 0, &f) != 0)
        return 0;
    uint8_t *buf = kmalloc(reqsize);
    if (!buf) {
        vfs_close(f);
        return 0;
    }
    uint64_t t0 = clock_gettime_ns(), total = 0;
    for (;;) {
        ssize_t n = vfs_read(f, buf, reqsize);
        if (n <= 0)
            break;
        total += (uint64_t)n;
    }
    uint64_t ns = clock_gettime_ns() - t0;
    kfree(buf);
    vfs_close(f);
    *bytes = total;
    return ns;
}

/* The hypercalls the rump kernel made since snap (per MiB of bytes), as
 * tools/bench/rumphost.c prints the POSIX host's: the profile of
 * docs/PERFORMANCE.md ("the rump-host reference"). */
#define NHC 16
static void hypercalls(const char *what, const uint32_t *snap, uint64_t bytes)
{
    uint32_t now[NHC];
    int n = rump_hypercall_counts(now, NHC);
    char line[512];
    size_t len = ksnprintf(line, sizeof(line), "# rump_ext2 hypercalls %s:", what);
    uint64_t mib = bytes >> 20, nbio = 0, bio_bytes = 0;
    for (int i = 0; i < n && i < NHC && len < sizeof(line); i++) {
        uint64_t d = (uint32_t)(now[i] - snap[i]);
        const char *name = rump_hypercall_name(i);
        if (!strcmp(name, "bio"))
            nbio = d;
        if (!strcmp(name, "bio_sectors")) {
            bio_bytes = d * 512;
            continue;
        }
        if (d)
            len += ksnprintf(line + len, sizeof(line) - len, " %s %llu (%llu/MiB)", name, (unsigned long long)d,
                             (unsigned long long)(mib ? d / mib : 0));
    }
    kprintf("%s; bio average %llu KiB\n", line, (unsigned long long)(nbio ? bio_bytes / nbio / 1024 : 0));
}

static void report_rate(const char *metric, uint64_t bytes, uint64_t ns)
{
    char note[64];
    ksnprintf(note, sizeof(note), "%llu MB/s over %llu MiB", (unsigned long long)(ns ? bytes * 1000 / ns : 0),
              (unsigned long long)(bytes >> 20));
    kbench_result("rump_ext2", metric, 0, ns, note);
}

/* One sequential read: mount, read the whole file, unmount (so that
 * neither driver's own cache holds the file), timing the read only.  Cold:
 * the block cache is dropped first; warm: it holds what the last read left. */
static uint64_t seq_read(bool rump, bool cold, size_t reqsize, uint64_t *bytes, uint64_t *mount_ns)
{
    const char *mp = rump ? "/br" : "/bn";
    if (cold)
        bcache_drop(NULL);
    vfs_mkdir(mp, 0755);
    uint64_t t0 = clock_gettime_ns();
    int r = rump ? rump_mount("hda", mp, true) : vfs_mount("ext2", "hda", mp, VFS_MNT_RDONLY);
    *mount_ns = clock_gettime_ns() - t0;
    if (r) {
        kprintf("# bench rump_ext2: %s mount of hda failed (%d)\n", rump ? "rump" : "native", r);
        return 0;
    }
    char path[32];
    ksnprintf(path, sizeof(path), "%s/big.bin", mp);
    struct blkdev *dev = blk_find("hda");
    struct blk_stats s0, s1;
    blk_get_stats(dev, &s0);
    uint32_t hc[NHC];
    rump_hypercall_counts(hc, NHC);
    bool prof = rump && prof_option_hz() && prof_start(prof_option_hz()) == 0;
    uint64_t ns = read_all(path, reqsize, bytes);
    if (prof)
        prof_stop();
    blk_get_stats(dev, &s1);
    if (rump) {
        char what[32];
        ksnprintf(what, sizeof(what), "%s read %uKiB", cold ? "cold" : "warm", (unsigned)(reqsize >> 10));
        hypercalls(what, hc, *bytes);
        if (prof)
            prof_report(what, PROF_TOP);
    }
    blk_put(dev);
    uint64_t nreq = s1.reads - s0.reads, nbytes = s1.read_bytes - s0.read_bytes;
    uint64_t dreq = s1.disk_reads - s0.disk_reads, dbytes = s1.disk_read_bytes - s0.disk_read_bytes;
    kprintf("# %s %s %u-byte reads: %llu requests of %llu KiB average; %llu disk requests of %llu KiB average\n",
            cold ? "cold" : "warm", rump ? "rump" : "native", (unsigned)reqsize, (unsigned long long)nreq,
            (unsigned long long)(nreq ? nbytes / nreq / 1024 : 0), (unsigned long long)dreq,
            (unsigned long long)(dreq ? dbytes / dreq / 1024 : 0));
    vfs_umount(mp);
    return ns;
}

/* 32 MiB written sequentially to a new file through NetBSD's ext2fs, with
 * reqsize writes, timed from open to the end of fsync (as Linux's
 * workload); the file is deleted after.  0 on error.  The memory figure
 * above leaves out the block cache's (it is the kernel's, not rump's). */
static uint64_t write_32m(size_t reqsize)
{
    struct file *f;
    if (vfs_open("/bw/write.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644, &f) != 0)
        return 0;
    uint8_t *buf = kmalloc(reqsize);
    uint64_t t0 = clock_gettime_ns(), total = 0;
    bool ok = buf != NULL;
    for (size_t i = 0; ok && i < reqsize; i++)
        buf[i] = (uint8_t)(i * 31 + 7);
    while (ok && total < (32u << 20)) {
        ok = vfs_write(f, buf, reqsize) == (ssize_t)reqsize;
        total += reqsize;
    }
    ok = ok && vfs_fsync(f) == 0;
    uint64_t ns = clock_gettime_ns() - t0;
    kfree(buf);
    vfs_close(f);
    vfs_unlink("/bw/write.bin");
    return ok ? ns : 0;
}

static void bench_write(void)
{
    vfs_mkdir("/bw", 0755);
    if (rump_mount("hda", "/bw", false) != 0) {
        kprintf("# bench rump_ext2: read-write rump mount of hda failed\n");
        return;
    }
    /* Room for 32 MiB on the 48 MiB image, as Linux's workload makes it. */
    vfs_unlink("/bw/big.bin");
    static const size_t sizes[] = { 4096, 65536, 1 << 20 };
    static const char *const sn[] = { "4KiB", "64KiB", "1MiB" };
    for (int i = 0; i < 3; i++) {
        struct blkdev *hda = blk_find("hda");
        struct blk_stats s0 = { 0 }, s1 = { 0 };
        if (hda)
            blk_get_stats(hda, &s0);
        uint32_t hc[NHC];
        rump_hypercall_counts(hc, NHC);
        bool prof = prof_option_hz() && prof_start(prof_option_hz()) == 0;
        uint64_t ns = write_32m(sizes[i]);
        if (prof)
            prof_stop();
        char what[32];
        ksnprintf(what, sizeof(what), "write %s", sn[i]);
        hypercalls(what, hc, 32u << 20);
        if (prof)
            prof_report(what, PROF_TOP);
        if (hda) {
            blk_get_stats(hda, &s1);
            uint64_t w = s1.writes - s0.writes;
            /* What reached the disk: requests, their mean size, flushes,
             * and the summed time the disk requests took. */
            kprintf("# bench rump_ext2: write %s: %llu disk writes of %llu KiB on average, %llu flushes, "
                    "%llu disk reads, disk busy %llu ms of %llu ms\n",
                    sn[i], (unsigned long long)w,
                    (unsigned long long)(w ? (s1.write_bytes - s0.write_bytes) / w / 1024 : 0),
                    (unsigned long long)(s1.flushes - s0.flushes), (unsigned long long)(s1.disk_reads - s0.disk_reads),
                    (unsigned long long)((s1.busy_ns - s0.busy_ns) / 1000000), (unsigned long long)(ns / 1000000));
            blk_put(hda);
        }
        char metric[64];
        ksnprintf(metric, sizeof(metric), "seq write 32MiB %s fsync rump", sn[i]);
        if (ns)
            report_rate(metric, 32u << 20, ns);
        else
            kprintf("# bench rump_ext2: %s failed\n", metric);
    }
    vfs_umount("/bw");
}

static void bench_rump_ext2(void)
{
    if (!rump_running()) {
        kprintf("# bench rump_ext2: skipped, the rump kernel is %s\n", rump_linked() ? "not running" : "not linked");
        return;
    }
    kbench_result("rump_ext2", "rump_init", 0, rump_init_ns(), "boot, NetBSD base + vfs + ext2fs + ffs + disk");
    static const size_t reqs[] = { 4096, 65536, 1 << 20 };
    static const char *const rn[] = { "4KiB", "64KiB", "1MiB" };
    uint64_t mnt_native = 0, mnt_rump = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t nb = 0, rb = 0, m;
        uint64_t nn = seq_read(false, true, reqs[i], &nb, &m);
        mnt_native = m;
        uint64_t rr = seq_read(true, true, reqs[i], &rb, &m);
        mnt_rump = m;
        if (!nn || !rr)
            return;
        char metric[64];
        ksnprintf(metric, sizeof(metric), "cold seq read %s native", rn[i]);
        report_rate(metric, nb, nn);
        ksnprintf(metric, sizeof(metric), "cold seq read %s rump", rn[i]);
        report_rate(metric, rb, rr);
        uint64_t ratio = nn * 1000 / rr;
        char note[64];
        ksnprintf(note, sizeof(note), "rump/native throughput = %llu.%03llu", (unsigned long long)(ratio / 1000),
                  (unsigned long long)(ratio % 1000));
        ksnprintf(metric, sizeof(metric), "cold seq read %s ratio", rn[i]);
        kbench_result("rump_ext2", metric, 0, 0, note);
    }
    /* Warm: the file read again on a fresh mount, from the block cache
     * (64 KiB reads).  NetBSD's large reads are not put into the block cache
     * (its page cache holds them: BLK_F_NOCACHE), so a native read, not
     * timed, fills it first. */
    uint64_t fill = 0, fm;
    if (!seq_read(false, true, 65536, &fill, &fm))
        return;
    for (int rump = 0; rump < 2; rump++) {
        uint64_t wb = 0, m;
        uint64_t ns = seq_read(rump, false, 65536, &wb, &m);
        if (ns)
            report_rate(rump ? "warm seq read 64KiB rump" : "warm seq read 64KiB native", wb, ns);
    }
    kbench_result("rump_ext2", "mount (native ext2)", 0, mnt_native, "read-only, last of 3");
    kbench_result("rump_ext2", "mount (NetBSD ext2fs via rump)", 0, mnt_rump, "read-only, last of 3");
    /* Memory the rump kernel holds with a file system mounted. */
    uint64_t b, m;
    vfs_mkdir("/br", 0755);
    if (rump_mount("hda", "/br", true) == 0) {
        read_all("/br/big.bin", 65536, &b);
        char note[80];
        struct bcache_stats bs;
        bcache_get_stats(&bs);
        ksnprintf(note, sizeof(note), "%lld KiB of kernel heap (rump_init + mount + a 32 MiB file read)",
                  (long long)((rump_heap_delta() - (int64_t)bs.mem_bytes) / 1024));
        kbench_result("rump_ext2", "memory held by the rump kernel", 0, 0, note);
        vfs_umount("/br");
    }
    (void)m;
    bench_write(); /* last: it deletes /big.bin */
}
KBENCH(rump_ext2, bench_rump_ext2);
