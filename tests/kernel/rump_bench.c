/* Stage 1 benchmark (bench=rump_ext2): rump_init time, mount times, and
 * sequential read throughput of one large file through NetBSD's ext2fs in
 * the rump kernel and through AdrOS's native ext2 driver, in the same boot,
 * plus the memory the rump kernel holds after mounting.  Needs hda with
 * /big.bin (tools/plan_stage1.py benches()). */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/vfs.h>

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

static void report_rate(const char *metric, uint64_t bytes, uint64_t ns)
{
    char note[64];
    ksnprintf(note, sizeof(note), "%llu MB/s over %llu MiB", (unsigned long long)(ns ? bytes * 1000 / ns : 0),
              (unsigned long long)(bytes >> 20));
    kbench_result("rump_ext2", metric, 0, ns, note);
}

/* One cold sequential read: mount, read the whole file, unmount (so that
 * neither driver's cache holds the file), timing the read only. */
static uint64_t cold_read(bool rump, size_t reqsize, uint64_t *bytes, uint64_t *mount_ns)
{
    const char *mp = rump ? "/br" : "/bn";
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
    uint64_t ns = read_all(path, reqsize, bytes);
    blk_get_stats(dev, &s1);
    blk_put(dev);
    uint64_t nreq = s1.reads - s0.reads, nbytes = s1.read_bytes - s0.read_bytes;
    kprintf("# %s %u-byte reads: %llu disk requests, %llu KiB average\n", rump ? "rump" : "native",
            (unsigned)reqsize, (unsigned long long)nreq, (unsigned long long)(nreq ? nbytes / nreq / 1024 : 0));
    vfs_umount(mp);
    return ns;
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
        uint64_t nn = cold_read(false, reqs[i], &nb, &m);
        mnt_native = m;
        uint64_t rr = cold_read(true, reqs[i], &rb, &m);
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
    kbench_result("rump_ext2", "mount (native ext2)", 0, mnt_native, "read-only, last of 3");
    kbench_result("rump_ext2", "mount (NetBSD ext2fs via rump)", 0, mnt_rump, "read-only, last of 3");
    /* Memory the rump kernel holds with a file system mounted. */
    uint64_t b, m;
    vfs_mkdir("/br", 0755);
    if (rump_mount("hda", "/br", true) == 0) {
        read_all("/br/big.bin", 65536, &b);
        char note[80];
        ksnprintf(note, sizeof(note), "%lld KiB of kernel heap (rump_init + mount + a 32 MiB file read)",
                  (long long)(rump_heap_delta() / 1024));
        kbench_result("rump_ext2", "memory held by the rump kernel", 0, 0, note);
        vfs_umount("/br");
    }
    (void)m;
}
KBENCH(rump_ext2, bench_rump_ext2);
