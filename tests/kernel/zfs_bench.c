/* ZFS benchmark (bench=zfs): sequential write (with fsync) and read of a
 * 32 MiB file, 64 KiB requests, on a ZFS pool (NetBSD's ZFS in the rump
 * kernel) on hda and through NetBSD's ext2fs on hdb (two identical IDE
 * disks; tools/test/plan_zfs.py benches()), in the same boot, with the
 * ratios.  Reads come after an unmount and remount (ext2fs) or an export
 * and import (ZFS), so neither reads from its own cache. */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/format.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/vfs.h>
#include <adros/zfs.h>

#define BENCH_BYTES (32u << 20)
#define BENCH_REQ 65536u

/* Writes (with fsync) or reads path in BENCH_REQ pieces; ns, 0 on error. */
static uint64_t seq_io(const char *path, bool write)
{
    struct file *f;
    if (vfs_open(path, write ? (O_WRONLY | O_CREAT | O_TRUNC) : O_RDONLY, 0644, &f) != 0)
        return 0;
    uint8_t *buf = kmalloc(BENCH_REQ);
    if (!buf) {
        vfs_close(f);
        return 0;
    }
    for (uint32_t i = 0; i < BENCH_REQ; i++)
        buf[i] = (uint8_t)(i * 131u + 7u); /* not compressible to nothing; compression is off anyway */
    uint64_t t0 = clock_gettime_ns(), done = 0;
    while (done < BENCH_BYTES) {
        ssize_t n = write ? vfs_write(f, buf, BENCH_REQ) : vfs_read(f, buf, BENCH_REQ);
        if (n <= 0)
            break;
        done += (uint64_t)n;
    }
    if (write && vfs_fsync(f) != 0)
        done = 0;
    uint64_t ns = clock_gettime_ns() - t0;
    kfree(buf);
    vfs_close(f);
    return done == BENCH_BYTES ? ns : 0;
}

static void rate(const char *metric, uint64_t ns)
{
    char note[64];
    uint64_t mbs = ns ? (uint64_t)BENCH_BYTES * 1000 / ns : 0;
    ksnprintf(note, sizeof(note), "%llu MB/s over 32 MiB", (unsigned long long)mbs);
    kbench_result("zfs", metric, 0, ns, note);
}

static void ratio(const char *metric, uint64_t zfs_ns, uint64_t ext2_ns)
{
    char note[64];
    uint64_t r = zfs_ns ? ext2_ns * 1000 / zfs_ns : 0;
    ksnprintf(note, sizeof(note), "zfs/ext2fs throughput = %llu.%03llu", (unsigned long long)(r / 1000),
              (unsigned long long)(r % 1000));
    kbench_result("zfs", metric, 0, 0, note);
}

static void bench_zfs(void)
{
    if (!zfs_available()) {
        kprintf("# bench zfs: skipped, ZFS is not available (the zfs stage is not linked, or no rump kernel)\n");
        return;
    }
    const char *disks[] = { "hda" };
    if (zfs_pool_create("bench", false, disks, 1, true) != 0) {
        kprintf("# bench zfs: skipped, no pool on hda\n");
        return;
    }
    uint64_t zw = seq_io("/bench/big.bin", true);
    uint64_t zr = 0;
    if (zw && zfs_pool_export("bench") == 0) {
        bcache_drop(NULL);
        if (zfs_pool_import("bench") == 0)
            zr = seq_io("/bench/big.bin", false);
    }
    zfs_pool_destroy("bench");
    uint64_t ew = 0, er = 0;
    if (rump_mount("hdb", "/be", false) == 0) {
        ew = seq_io("/be/big.bin", true);
        vfs_umount("/be");
        bcache_drop(NULL);
        if (ew && rump_mount("hdb", "/be", true) == 0) {
            er = seq_io("/be/big.bin", false);
            vfs_umount("/be");
        }
    }
    if (!zw || !zr || !ew || !er) {
        kprintf("# bench zfs: a run failed (zfs write %llu, read %llu; ext2fs write %llu, read %llu ns)\n",
                (unsigned long long)zw, (unsigned long long)zr, (unsigned long long)ew, (unsigned long long)er);
        return;
    }
    rate("seq write 64KiB+fsync zfs", zw);
    rate("seq write 64KiB+fsync ext2fs", ew);
    ratio("seq write ratio", zw, ew);
    rate("seq read 64KiB zfs", zr);
    rate("seq read 64KiB ext2fs", er);
    ratio("seq read ratio", zr, er);
}
KBENCH(zfs, bench_zfs);
