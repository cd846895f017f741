/* NetBSD's msdosfs through the rump kernel, written (suite rumpfat).  The
 * runner (tools/test/plan_fsdetect.py) boots it with a freshly made, empty FAT32
 * image on the device fatdev= names (hda by default; the USB tests pass
 * sd0), and checks the image on the host afterwards: fsck.fat -n clean,
 * every file read back with mcopy equal to what was written here (same
 * content generator as the plan), and nothing else on it.  The suite ends
 * with a sync and leaves the file system mounted: the power-off unmounts
 * it, as for a user who syncs and switches off.
 *
 * Besides the workload (create, append, rename across directories, delete,
 * 200 files, one 16 MiB file) it checks what FAT does differently from the
 * Unix file systems AdrOS's VFS was written for: no symbolic links, names
 * that differ only in case are one name, long names next to 8.3 ones,
 * timestamps, the 4 GiB - 1 size limit and no holes, "." and ".." (listed
 * by NetBSD, left out by the VFS), rmdir of a non-empty directory.  Without the rump components every case reports
 * SKIP. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/vfs.h>

KOPTION(fatdev, "fatdev", "fatdev=<blockdev>: the empty FAT disk the rumpfat suite writes (default hda)");

/* The content generator shared with tools/test/fsdetect.py. */
static uint8_t pattern(uint32_t seed, uint64_t i) { return (uint8_t)((i * 131u + seed * 7u + (i >> 10)) & 0xff); }

#define NEED_RUMP(t) \
    do { \
        if (!rump_linked()) \
            KT_SKIP(t, "NetBSD rump components not linked (third_party/rump absent)"); \
        if (!rump_running()) \
            KT_SKIP(t, "the rump kernel did not start"); \
    } while (0)

/* Writes size bytes of pattern(seed) (continuing at the end with O_APPEND)
 * in 64 KiB calls, then fsync. */
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
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(seed, start + off + i);
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

/* Does path hold exactly size bytes of pattern(seed)? */
static bool file_is(const char *path, uint32_t seed, uint64_t size)
{
    struct file *f;
    if (vfs_open(path, O_RDONLY, 0, &f) < 0)
        return false;
    uint8_t *buf = kmalloc(65536);
    uint64_t off = 0;
    bool ok = buf != NULL;
    while (ok) {
        ssize_t n = vfs_read(f, buf, 65536);
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        for (ssize_t i = 0; i < n && ok; i++)
            ok = buf[i] == pattern(seed, off + (uint64_t)i);
        off += (uint64_t)n;
    }
    kfree(buf);
    vfs_close(f);
    return ok && off == size;
}

static void mount_detected(struct ktest *t)
{
    NEED_RUMP(t);
    const char *dev = cmdline_get("fatdev") ? cmdline_get("fatdev") : "hda";
    /* No type named: the FAT boot sector is recognised. */
    KT_ASSERT_EQ(t, rump_mount(dev, "/f", false), 0);
    struct vfs_mountinfo mi;
    KT_ASSERT_EQ(t, vfs_statfs("/f", &mi), 0);
    KT_EXPECT_STREQ(t, mi.fstype, "rump");
    KT_EXPECT_EQ(t, strncmp(mi.source, "msdos:", 6), 0);
    ktest_log(t, "%s mounted as %s", dev, mi.source);
}

static void names(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, write_file("/f/A Long File Name, Mixed Case.text", 11, 3000, O_TRUNC), 0);
    struct vfs_stat st;
    /* One name whatever the case of the letters. */
    KT_EXPECT_EQ(t, vfs_stat("/f/a long file name, MIXED CASE.TEXT", &st), 0);
    KT_EXPECT_EQ(t, st.size, 3000);
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/f/A LONG FILE NAME, MIXED CASE.TEXT", O_CREAT | O_EXCL | O_WRONLY, 0644, &f),
                 -EEXIST);
    /* An 8.3 name. */
    KT_ASSERT_EQ(t, write_file("/f/short.txt", 12, 100, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_stat("/f/SHORT.TXT", &st), 0);
    /* Listing the root: both names as created. */
    KT_ASSERT_EQ(t, vfs_open("/f", O_RDONLY, 0, &f), 0);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    int seen = 0;
    while (vfs_readdir(f, de) > 0) {
        if (strcmp(de->name, "A Long File Name, Mixed Case.text") == 0 && de->type == VREG)
            seen |= 1;
        if (strcmp(de->name, "short.txt") == 0 && de->type == VREG)
            seen |= 2;
    }
    vfs_close(f);
    kfree(de);
    KT_EXPECT_EQ(t, seen, 3);
}

static void no_links(struct ktest *t)
{
    NEED_RUMP(t);
    /* FAT has no symbolic links: NetBSD says so. */
    KT_EXPECT_EQ(t, vfs_symlink("short.txt", "/f/link"), -EOPNOTSUPP);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_lstat("/f/link", &st), -ENOENT);
}

static void directories(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, vfs_mkdir("/f/one", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/f/one/two", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/f/one/two/three", 0755), 0);
    KT_ASSERT_EQ(t, write_file("/f/one/two/three/deep file.bin", 13, 777, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/f/one/two"), -ENOTEMPTY);
    KT_EXPECT_EQ(t, vfs_unlink("/f/one"), -EISDIR);
    /* FAT stores "." and ".." in a subdirectory and NetBSD lists them; the
     * VFS leaves them out of listings, as for every file system, and
     * resolves them by name. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/f/one/two", O_RDONLY, 0, &f), 0);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    int seen = 0, n = 0;
    while (vfs_readdir(f, de) > 0) {
        n++;
        if (strcmp(de->name, "three") == 0 && de->type == VDIR)
            seen++;
    }
    vfs_close(f);
    kfree(de);
    KT_EXPECT_EQ(t, seen, 1);
    KT_EXPECT_EQ(t, n, 1);
    struct vfs_stat st, st2;
    KT_EXPECT_EQ(t, vfs_stat("/f/one/two/three/../../two/./three", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/f/one/two/three", &st2), 0);
    KT_EXPECT_EQ(t, st.ino, st2.ino);
    /* Renamed into another directory, the emptied one removed. */
    KT_EXPECT_EQ(t, vfs_rename("/f/one/two/three/deep file.bin", "/f/one/moved up.bin"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/f/one/two/three"), 0);
    KT_EXPECT_TRUE(t, file_is("/f/one/moved up.bin", 13, 777));
    /* A directory moved under another. */
    KT_ASSERT_EQ(t, vfs_mkdir("/f/wander", 0755), 0);
    KT_EXPECT_EQ(t, vfs_rename("/f/wander", "/f/one/two/wandered"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/f/one/two/wandered", &st), 0);
    KT_EXPECT_EQ(t, st.type, VDIR);
}

static void times_and_limits(struct ktest *t)
{
    NEED_RUMP(t);
    struct vfs_stat st;
    KT_ASSERT_EQ(t, vfs_stat("/f/short.txt", &st), 0);
    /* FAT keeps local time in 2-second steps from 1980; AdrOS's clock is
     * UTC and the mount says so (gmtoff 0): within a minute of now. */
    int64_t now = (int64_t)(clock_wall_ns() / 1000000000ull);
    ktest_log(t, "mtime %lld, now %lld", (long long)st.mtime, (long long)now);
    KT_EXPECT_LE(t, st.mtime, now + 2);
    KT_EXPECT_GE(t, st.mtime, now - 60);
    KT_EXPECT_EQ(t, st.mode & 0777, 0644);
    /* Sizes stop at 4 GiB - 1: a write past it is refused.  FAT has no
     * holes: a write beyond the end allocates and zeroes the gap. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/f/limit.bin", O_CREAT | O_RDWR, 0644, &f), 0);
    KT_EXPECT_EQ(t, vfs_pwrite(f, "x", 1, 0xFFFFFFFFull), -EFBIG);
    KT_EXPECT_EQ(t, vfs_pwrite(f, "x", 1, 1u << 20), 1);
    KT_EXPECT_EQ(t, vfs_fstat(f, &st), 0);
    KT_EXPECT_EQ(t, st.size, (1u << 20) + 1);
    KT_EXPECT_GE(t, st.blocks * 512, (1u << 20) + 1);
    char c = 1;
    KT_EXPECT_EQ(t, vfs_pread(f, &c, 1, 512 * 1024), 1);
    KT_EXPECT_EQ(t, c, 0);
    KT_EXPECT_EQ(t, vfs_ftruncate(f, 0), 0);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_stat("/f/limit.bin", &st), 0);
    KT_EXPECT_EQ(t, st.size, 0);
}

static void create_append_rename_delete(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, write_file("/f/created.txt", 1, 5000, O_TRUNC), 0);
    KT_ASSERT_EQ(t, write_file("/f/appended.txt", 2, 3000, O_TRUNC), 0);
    KT_ASSERT_EQ(t, write_file("/f/appended.txt", 2, 7000, O_APPEND), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/f/appended.txt", &st), 0);
    KT_EXPECT_EQ(t, st.size, 10000);
    KT_ASSERT_EQ(t, vfs_mkdir("/f/sub", 0755), 0);
    KT_ASSERT_EQ(t, write_file("/f/sub/before-rename.txt", 3, 1234, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_rename("/f/sub/before-rename.txt", "/f/after-rename.txt"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/f/sub/before-rename.txt", &st), -ENOENT);
    KT_ASSERT_EQ(t, write_file("/f/deleted.txt", 4, 100, O_TRUNC), 0);
    KT_EXPECT_EQ(t, vfs_unlink("/f/deleted.txt"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/f/deleted.txt", &st), -ENOENT);
}

static void two_hundred_files(struct ktest *t)
{
    NEED_RUMP(t);
    KT_ASSERT_EQ(t, vfs_mkdir("/f/many", 0755), 0);
    int bad = 0;
    for (int k = 0; k < 200; k++) {
        char path[64];
        ksnprintf(path, sizeof(path), "/f/many/file number %03d.dat", k);
        if (write_file(path, 100 + (uint32_t)k, (uint64_t)(k * 37 % 3000) + 1, O_TRUNC) != 0)
            bad++;
    }
    KT_EXPECT_EQ(t, bad, 0);
}

static void one_16mib_file(struct ktest *t)
{
    NEED_RUMP(t);
    uint64_t t0 = clock_gettime_ns();
    KT_ASSERT_EQ(t, write_file("/f/big.bin", 7, 16u << 20, O_TRUNC), 0);
    ktest_log(t, "16 MiB written through rump msdosfs in %llu ms",
              (unsigned long long)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    KT_EXPECT_TRUE(t, file_is("/f/big.bin", 7, 16u << 20));
}

static void sync_and_stay_mounted(struct ktest *t)
{
    NEED_RUMP(t);
    KT_EXPECT_EQ(t, rump_sync(), 0);
}

KTEST_SUITE(rumpfat, KTEST_CASE(mount_detected), KTEST_CASE(names), KTEST_CASE(no_links),
            KTEST_CASE(directories), KTEST_CASE(times_and_limits), KTEST_CASE(create_append_rename_delete),
            KTEST_CASE(two_hundred_files), KTEST_CASE(one_16mib_file), KTEST_CASE(sync_and_stay_mounted));
