/* What "synced" costs (bench=rump_fsync, docs/RELIABILITY.md): AdrOS's
 * fsync on a rump mount also writes and waits for the whole file system
 * (NetBSD's VFS_SYNC with MNT_WAIT) and flushes the disk's cache, where
 * NetBSD's fsync alone leaves msdosfs's FAT and ext2fs's bitmaps as delayed
 * writes.  Measured in one boot, alternating rounds of each mode (so a
 * busy host affects both alike), on NetBSD's ext2fs (hda) and msdosfs
 * (hdb): what the shell's `write` does (create, write 4 KiB, fsync, close)
 * 32 times, and a 4 MiB file written in 64 KiB writes with one fsync.
 * Needs hda (ext2) and hdb (FAT) (tools/test/plan_reliability.py
 * benches()). */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define SMALL_FILES 32
#define ROUNDS 3

/* Writes len bytes to path in chunks of chunk, then fsync; ns or 0. */
static uint64_t write_file(const char *path, const uint8_t *buf, size_t len, size_t chunk)
{
    struct file *f;
    uint64_t t0 = clock_gettime_ns();
    if (vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f) != 0)
        return 0;
    bool ok = true;
    for (size_t done = 0; ok && done < len; done += chunk)
        ok = vfs_write(f, buf, chunk) == (ssize_t)chunk;
    ok = ok && vfs_fsync(f) == 0;
    vfs_close(f);
    return ok ? clock_gettime_ns() - t0 : 0;
}

/* One round on mount point mp: the small synced files, then the 4 MiB one;
 * everything removed after.  Adds to ns_small, ns_big and the disk's
 * writes and flushes. */
static bool round_on(const char *mp, const char *dev, const uint8_t *buf, uint64_t *ns_small, uint64_t *ns_big,
                     uint64_t *writes, uint64_t *flushes)
{
    struct blkdev *b = blk_find(dev);
    struct blk_stats s0 = { 0 }, s1 = { 0 };
    if (b)
        blk_get_stats(b, &s0);
    char path[48];
    bool ok = true;
    for (int i = 0; ok && i < SMALL_FILES; i++) {
        ksnprintf(path, sizeof(path), "%s/s%d.txt", mp, i);
        uint64_t ns = write_file(path, buf, 4096, 4096);
        ok = ns != 0;
        *ns_small += ns;
    }
    ksnprintf(path, sizeof(path), "%s/big.bin", mp);
    uint64_t ns = ok ? write_file(path, buf, 4u << 20, 65536) : 0;
    ok = ok && ns;
    *ns_big += ns;
    if (b) {
        blk_get_stats(b, &s1);
        *writes += s1.writes - s0.writes;
        *flushes += s1.flushes - s0.flushes;
        blk_put(b);
    }
    for (int i = 0; i < SMALL_FILES; i++) {
        ksnprintf(path, sizeof(path), "%s/s%d.txt", mp, i);
        vfs_unlink(path);
    }
    vfs_unlink(path);
    ksnprintf(path, sizeof(path), "%s/big.bin", mp);
    vfs_unlink(path);
    rump_sync();
    return ok;
}

static void bench_fs(const char *fs, const char *dev, const char *mp, const uint8_t *buf)
{
    vfs_mkdir(mp, 0755);
    if (rump_mount(dev, mp, false) != 0) {
        kprintf("# bench rump_fsync: rump mount of %s failed\n", dev);
        return;
    }
    uint64_t small[2] = { 0 }, big[2] = { 0 }, writes[2] = { 0 }, flushes[2] = { 0 };
    bool ok = true;
    for (int r = 0; ok && r < ROUNDS; r++)
        for (int whole = 0; ok && whole < 2; whole++) {
            rump_set_sync_whole_fs(whole);
            ok = round_on(mp, dev, buf, &small[whole], &big[whole], &writes[whole], &flushes[whole]);
        }
    rump_set_sync_whole_fs(true);
    vfs_umount(mp);
    if (!ok) {
        kprintf("# bench rump_fsync: %s: a write or fsync failed\n", fs);
        return;
    }
    static const char *const mode[2] = { "NetBSD's fsync", "whole fs (AdrOS)" };
    char metric[80], note[96];
    for (int whole = 0; whole < 2; whole++) {
        ksnprintf(metric, sizeof(metric), "%s: 4 KiB file created, written, fsynced: %s", fs, mode[whole]);
        ksnprintf(note, sizeof(note), "per file, %d files x %d rounds; %llu disk writes, %llu flushes", SMALL_FILES,
                  ROUNDS, (unsigned long long)writes[whole], (unsigned long long)flushes[whole]);
        kbench_result("rump_fsync", metric, 0, small[whole] / (SMALL_FILES * ROUNDS), note);
        ksnprintf(metric, sizeof(metric), "%s: 4 MiB file, 64 KiB writes, one fsync: %s", fs, mode[whole]);
        kbench_result("rump_fsync", metric, 0, big[whole] / ROUNDS, "per file");
    }
    uint64_t rs = small[0] ? small[1] * 1000 / small[0] : 0, rb = big[0] ? big[1] * 1000 / big[0] : 0;
    ksnprintf(note, sizeof(note), "whole fs / NetBSD's fsync: small files %llu.%03llu, 4 MiB file %llu.%03llu",
              (unsigned long long)(rs / 1000), (unsigned long long)(rs % 1000), (unsigned long long)(rb / 1000),
              (unsigned long long)(rb % 1000));
    ksnprintf(metric, sizeof(metric), "%s: cost ratio", fs);
    kbench_result("rump_fsync", metric, 0, 0, note);
}

static void bench_rump_fsync(void)
{
    if (!rump_running()) {
        kprintf("# bench rump_fsync: skipped, the rump kernel is %s\n", rump_linked() ? "not running" : "not linked");
        return;
    }
    uint8_t *buf = kmalloc(65536);
    if (!buf)
        return;
    for (size_t i = 0; i < 65536; i++)
        buf[i] = (uint8_t)(i * 13 + 5);
    bench_fs("ext2fs", "hda", "/fe", buf);
    bench_fs("msdosfs", "hdb", "/ff", buf);
    kfree(buf);
}
KBENCH(rump_fsync, bench_rump_fsync);
