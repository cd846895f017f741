/* Stage 1: NetBSD's ext2fs through the rump kernel (suites rumpfs and
 * rumpwrite).  The runner boots them with prepared disks (tools/test/
 * plan_stage1.py): for rumpfs, hda holds files/f0..f7 (1 MiB each, the
 * pattern below) and hdb is a corrupt image; for rumpwrite, hda is a fresh
 * ext2 file system that the suite fills, and the runner checks it on the
 * host afterwards (e2fsck -fn, debugfs).  Without the rump components every
 * case reports SKIP. */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/vfs.h>

#include "../../src/rump/rump_pager.h"
#include "../../src/rump/rump_preempt.h"

/* The content generator shared with tools/test/common.py (pattern()). */
static uint8_t pattern(uint32_t seed, uint64_t i) { return (uint8_t)((i * 131u + seed * 7u + (i >> 10)) & 0xff); }

#define NEED_RUMP(t) \
    do { \
        if (!rump_linked()) \
            KT_SKIP(t, "NetBSD rump components not linked (third_party/rump absent)"); \
        if (!rump_running()) \
            KT_SKIP(t, "the rump kernel did not start"); \
    } while (0)

static void fill_pattern(uint8_t *buf, size_t n, uint32_t seed, uint64_t off)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(seed, off + i);
}

/* ---------------- rumpfs ---------------- */

static void mount_readonly(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, rump_mount("hda", "/r", true), 0);
    struct vfs_stat st;
    KT_ASSERT_EQ(t, vfs_stat("/r/files/f3", &st), 0);
    KT_EXPECT_EQ(t, st.type, VREG);
    KT_EXPECT_EQ(t, st.size, 1u << 20);
    /* Read-only: writes are refused by NetBSD's ext2fs. */
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/r/new", O_CREAT | O_WRONLY, 0644, &f), -EROFS);
}

/* A cold sequential read through NetBSD's ext2fs reads each block from the
 * disk once: its read-ahead goes to the pages themselves (a mapping window,
 * src/rump/rump_pager.c), which completion marks valid; the rump kernel
 * alone leaves them "fake" and reads every block a second time (Stage 1
 * notes in docs/PERFORMANCE.md).  The data must be right too. */
static void read_once(struct ktest *t)
{
    NEED_RUMP(t);
    struct blkdev *d = blk_find("hda");
    KT_ASSERT_NOT_NULL(t, d);
    bcache_drop(NULL);
    struct blk_stats s0, s1;
    struct rump_pager_stats p0, p1;
    blk_get_stats(d, &s0);
    rump_pager_get_stats(&p0);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/r/files/f5", O_RDONLY, 0, &f), 0);
    uint8_t *buf = kmalloc(4096), *want = kmalloc(4096);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_NOT_NULL(t, want);
    uint64_t off = 0;
    int bad = 0;
    ssize_t n;
    while ((n = vfs_read(f, buf, 4096)) > 0) {
        fill_pattern(want, (size_t)n, 5, off);
        bad += memcmp(buf, want, (size_t)n) != 0;
        off += (uint64_t)n;
    }
    vfs_close(f);
    kfree(buf);
    kfree(want);
    blk_get_stats(d, &s1);
    rump_pager_get_stats(&p1);
    blk_put(d);
    /* What NetBSD asked the disk for (the block cache's own read-ahead
     * aside, which the disk figures include). */
    uint64_t asked = s1.read_bytes - s0.read_bytes, disk = s1.disk_read_bytes - s0.disk_read_bytes;
    ktest_log(t, "1 MiB read in 4 KiB reads: NetBSD asked for %llu KiB in %llu requests, %llu KiB read from the "
              "disk; %lu pager windows, %lu copied; %lu read-ahead pages made valid", (unsigned long long)(asked >> 10),
              (unsigned long long)(s1.reads - s0.reads), (unsigned long long)(disk >> 10), p1.mapped - p0.mapped,
              p1.copied - p0.copied, p1.readahead_valid - p0.readahead_valid);
    KT_EXPECT_EQ(t, n, 0);
    KT_EXPECT_EQ(t, off, 1u << 20);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_GT(t, p1.mapped, p0.mapped);
    KT_EXPECT_GT(t, p1.readahead_valid, p0.readahead_valid);
    /* The file, its indirect blocks and a little metadata: not twice. */
    KT_EXPECT_LE(t, asked, (1u << 20) + (1u << 20) / 8);
}

static volatile int reader_bad, reader_done;
static void *reader(void *arg)
{
    uint32_t k = (uint32_t)(uintptr_t)arg;
    char path[32];
    ksnprintf(path, sizeof(path), "/r/files/f%u", (unsigned)k);
    uint8_t *buf = kmalloc(16384), *want = kmalloc(16384);
    struct file *f;
    if (!buf || !want || vfs_open(path, O_RDONLY, 0, &f) != 0) {
        reader_bad++;
        goto out;
    }
    uint64_t off = 0;
    for (;;) {
        /* Odd sizes so that requests straddle blocks. */
        size_t want_n = 4093 + (k * 1021) % 12000;
        ssize_t n = vfs_read(f, buf, want_n);
        if (n < 0) {
            reader_bad++;
            break;
        }
        if (n == 0)
            break;
        fill_pattern(want, (size_t)n, k, off);
        if (memcmp(buf, want, (size_t)n) != 0)
            reader_bad++;
        off += (uint64_t)n;
    }
    if (off != (1u << 20))
        reader_bad++;
    vfs_close(f);
out:
    kfree(buf);
    kfree(want);
    reader_done++;
    return NULL;
}

static void eight_concurrent_readers(struct ktest *t)
{
    NEED_RUMP(t);
    reader_bad = reader_done = 0;
    struct thread *th[8];
    uint64_t t0 = clock_gettime_ns();
    for (int k = 0; k < 8; k++) {
        struct thread_attr a = { .name = "rreader", .prio = PRIO_NORMAL, .stack_size = 32768,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, reader, (void *)(uintptr_t)k, &th[k]), 0);
    }
    for (int k = 0; k < 8; k++)
        thread_join(th[k], NULL);
    ktest_log(t, "8 threads read 8 MiB through rump ext2fs in %llu ms",
              (unsigned long long)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    KT_EXPECT_EQ(t, reader_done, 8);
    KT_EXPECT_EQ(t, reader_bad, 0);
}

static void same_as_native(struct ktest *t)
{
    NEED_RUMP(t);
    /* Runs after /r is unmounted: NetBSD refuses (EBUSY) a second mount of a
     * device it has mounted already. */
    KT_EXPECT_EQ(t, rump_compare("hda"), 0);
}

static void corrupt_image_fails_cleanly(struct ktest *t)
{
    NEED_RUMP(t);
    int r = rump_mount("hdb", "/bad", true);
    ktest_log(t, "mounting the corrupt image: %s", strerror(r));
    KT_EXPECT_LT(t, r, 0);
    /* AdrOS and the rump kernel go on working. */
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/r/files/f0", &st), 0);
    KT_EXPECT_EQ(t, rump_mount("hdb", "/bad", false) < 0, 1);
}

static void unmount(struct ktest *t)
{
    NEED_RUMP(t);
    KT_EXPECT_EQ(t, vfs_umount("/r"), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/r/files/f0", &st), -ENOENT);
}

/* One disk, two drivers: a read-write rump mount and a native mount (or a
 * write open through /dev) refuse each other (EBUSY); read-only users of
 * both kinds share the disk.  Runs after /r is unmounted. */
static void native_and_rump_exclusive(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, rump_mount("hda", "/rw", false), 0);
    vfs_mkdir("/nat", 0755);
    KT_EXPECT_EQ(t, vfs_mount("ext2", "hda", "/nat", VFS_MNT_RDONLY), -EBUSY);
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/dev/hda", O_RDWR, 0, &f), -EBUSY);
    KT_ASSERT_EQ(t, vfs_umount("/rw"), 0);
    /* Natively mounted: NetBSD's read-write mount is refused, read-only works. */
    KT_ASSERT_EQ(t, vfs_mount("ext2", "hda", "/nat", VFS_MNT_RDONLY), 0);
    KT_EXPECT_LT(t, rump_mount("hda", "/rw", false), 0);
    KT_EXPECT_EQ(t, rump_mount("hda", "/ro", true), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/ro/files/f1", &st), 0);
    KT_EXPECT_EQ(t, vfs_umount("/ro"), 0);
    KT_EXPECT_EQ(t, vfs_umount("/nat"), 0);
}

KTEST_SUITE(rumpfs, KTEST_CASE(mount_readonly), KTEST_CASE(read_once), KTEST_CASE(eight_concurrent_readers),
            KTEST_CASE(corrupt_image_fails_cleanly), KTEST_CASE(unmount), KTEST_CASE(same_as_native),
            KTEST_CASE(native_and_rump_exclusive));

/* ---------------- rumpwrite ---------------- */

static int write_file(const char *path, uint32_t seed, uint64_t size, int flags)
{
    struct file *f;
    int r = vfs_open(path, O_WRONLY | O_CREAT | flags, 0644, &f);
    if (r < 0)
        return r;
    uint8_t *buf = kmalloc(65536);
    if (!buf) {
        vfs_close(f);
        return -ENOMEM;
    }
    uint64_t start = (flags & O_APPEND) ? (uint64_t)vfs_lseek(f, 0, SEEK_END) : 0;
    for (uint64_t off = 0; off < size && r >= 0;) {
        size_t n = (size_t)MIN((uint64_t)65536, size - off);
        fill_pattern(buf, n, seed, start + off);
        ssize_t w = vfs_write(f, buf, n);
        if (w != (ssize_t)n)
            r = w < 0 ? (int)w : -EIO;
        off += n;
    }
    kfree(buf);
    int c = vfs_fsync(f);
    vfs_close(f);
    return r < 0 ? r : c;
}

KOPTION(rumpwrite_dev, "rumpwrite.dev",
        "rumpwrite.dev=<source>: what the rumpwrite suite mounts on /w (default hda; zfs:<dataset> for ZFS)");

static void mount_readwrite(struct ktest *t)
{
    NEED_RUMP(t);
    const char *dev = cmdline_get("rumpwrite.dev");
    KT_ASSERT_EQ(t, rump_mount(dev ? dev : "hda", "/w", false), 0);
}

static void create_append_rename_delete(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, write_file("/w/created.txt", 1, 5000, O_TRUNC), 0);
    KT_ASSERT_EQ(t, write_file("/w/appended.txt", 2, 3000, O_TRUNC), 0);
    KT_ASSERT_EQ(t, write_file("/w/appended.txt", 2, 7000, O_APPEND), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/w/appended.txt", &st), 0);
    KT_EXPECT_EQ(t, st.size, 10000);
    KT_ASSERT_EQ(t, write_file("/w/before-rename.txt", 3, 1234, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_rename("/w/before-rename.txt", "/w/after-rename.txt"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/w/before-rename.txt", &st), -ENOENT);
    KT_ASSERT_EQ(t, write_file("/w/deleted.txt", 4, 100, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_unlink("/w/deleted.txt"), 0);
    KT_EXPECT_EQ(t, vfs_mkdir("/w/dir", 0755), 0);
    KT_EXPECT_EQ(t, vfs_symlink("../created.txt", "/w/dir/link"), 0);
    char target[64];
    KT_EXPECT_EQ(t, vfs_readlink("/w/dir/link", target, sizeof(target)), 14);
    KT_EXPECT_STREQ(t, target, "../created.txt");
}

static void thousand_small_files(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, vfs_mkdir("/w/small", 0755), 0);
    int bad = 0;
    for (int k = 0; k < 1000; k++) {
        char path[40];
        ksnprintf(path, sizeof(path), "/w/small/f%04d", k);
        if (write_file(path, 100 + (uint32_t)k, (uint64_t)(k * 37 % 3000) + 1, O_TRUNC) != 0)
            bad++;
    }
    KT_EXPECT_EQ(t, bad, 0);
}

static void one_32mib_file(struct ktest *t)
{
    NEED_RUMP(t);
    uint64_t t0 = clock_gettime_ns();
    KT_ASSERT_EQ(t, write_file("/w/big.bin", 7, 32u << 20, O_TRUNC), 0);
    uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
    ktest_log(t, "32 MiB written through rump ext2fs in %llu ms", (unsigned long long)ms);
    /* Read a few spots back through the rump kernel. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/w/big.bin", O_RDONLY, 0, &f), 0);
    uint8_t buf[512], want[512];
    static const uint64_t spots[] = { 0, 4095, 1u << 20, (32u << 20) - 512 };
    for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
        KT_EXPECT_EQ(t, vfs_pread(f, buf, 512, spots[i]), 512);
        fill_pattern(want, 512, 7, spots[i]);
        KT_EXPECT_MEMEQ(t, buf, want, 512);
    }
    vfs_close(f);
}

/* A thread waiting for the rump kernel's big lock while another writes a
 * file: the writer gives the lock up at NetBSD's preemption point in
 * uiomove (src/rump/rump_preempt.c) instead of holding it for whole
 * 64 KiB writes; what it wrote is intact. */
static volatile bool yield_writer_done;
static volatile int yield_writer_result;

static void *yield_writer(void *arg)
{
    (void)arg;
    yield_writer_result = write_file("/w/yield.bin", 9, 8u << 20, O_TRUNC);
    yield_writer_done = true;
    return NULL;
}

static void writer_gives_way(struct ktest *t)
{
    NEED_RUMP(t);
    const char *dev = cmdline_get("rumpwrite.dev");
    bool mpsafe = dev && strncmp(dev, "zfs:", 4) == 0; /* ZFS takes no big lock for its writes */
    unsigned long y0 = rump_preempt_yields();
    yield_writer_done = false;
    yield_writer_result = 1;
    struct thread_attr a = { .name = "yield-writer", .prio = PRIO_NORMAL, .stack_size = 64 * 1024,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *w;
    struct thread *self = thread_current();
    int myprio = self->prio;
    /* Above the writer: each stat runs when its sleep ends, mid-write. */
    thread_set_priority(self, PRIO_NORMAL + 2);
    KT_ASSERT_EQ(t, thread_create(&a, yield_writer, NULL, &w), 0);
    int stats = 0, bad = 0;
    while (!yield_writer_done) {
        struct vfs_stat st;
        if (vfs_stat("/w/big.bin", &st) != 0 || st.size != (32u << 20))
            bad++;
        stats++;
        process_sleep(NSEC_PER_MSEC);
    }
    thread_set_priority(self, myprio);
    thread_join(w, NULL);
    unsigned long y = rump_preempt_yields() - y0;
    ktest_log(t, "%d stats during an 8 MiB write; the writer gave the big lock up %lu times", stats, y);
    KT_EXPECT_EQ(t, yield_writer_result, 0);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_GT(t, stats, 1);
    if (!mpsafe)
        KT_EXPECT_GT(t, y, 0);
    /* Read back whole. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/w/yield.bin", O_RDONLY, 0, &f), 0);
    uint8_t *buf = kmalloc(65536), *want = kmalloc(65536);
    int differ = 0;
    for (uint64_t off = 0; buf && want && off < (8u << 20); off += 65536) {
        fill_pattern(want, 65536, 9, off);
        if (vfs_pread(f, buf, 65536, off) != 65536 || memcmp(buf, want, 65536) != 0)
            differ++;
    }
    KT_EXPECT_TRUE(t, buf && want);
    KT_EXPECT_EQ(t, differ, 0);
    kfree(buf);
    kfree(want);
    vfs_close(f);
}

static void sync_and_unmount(struct ktest *t)
{
    NEED_RUMP(t);
    KT_EXPECT_EQ(t, rump_sync(), 0);
    KT_EXPECT_EQ(t, vfs_umount("/w"), 0);
}

KTEST_SUITE(rumpwrite, KTEST_CASE(mount_readwrite), KTEST_CASE(create_append_rename_delete),
            KTEST_CASE(thousand_small_files), KTEST_CASE(one_32mib_file), KTEST_CASE(writer_gives_way),
            KTEST_CASE(sync_and_unmount));
