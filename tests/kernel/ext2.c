/* KTAP suite "ext2": the native ext2 driver through the VFS, on the images
 * tools/images/mkimages.py makes (plan_fs.py's fs-ext2 boot):
 *   hda  std4k: the full test tree (contents regenerated here from the same
 *        seeds as mkimages.py's _data(): SHA-256 of "seed:counter", each
 *        digest repeated 64 times)
 *   hdb  big4k: /over4g, a 5 GiB sparse file
 *   hdd  the hostile pack: every corrupt image, each of which must fail
 *        with an error (at mount or while walking), never crash, and leave
 *        the file system unmountable afterwards (no leaked references).
 * Cases skip when their disk is absent.  Also the benchmark ext2_seq_read. */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/sha256.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define MNT "/mnt/e2"
#define MiB_ (1024u * 1024u)

/* mkimages.py's _data(seed, n)[off:off+n]. */
static void gen(const char *seed, uint64_t off, uint8_t *out, size_t n)
{
    char s[64];
    uint8_t d[32];
    uint64_t cur = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t p = off + i, ctr = p / 2048;
        if (ctr != cur) {
            int len = ksnprintf(s, sizeof(s), "%s:%llu", seed, (unsigned long long)ctr);
            sha256(s, (size_t)len, d);
            cur = ctr;
        }
        out[i] = d[p % 2048 % 32];
    }
}

/* Mounts dev on dir if it is not mounted yet; false when the disk is
 * missing or not the expected image. */
static bool mount_once(const char *dev, const char *dir)
{
    struct vfs_mountinfo mi;
    if (vfs_statfs(dir, &mi) == 0 && strcmp(mi.target, dir) == 0)
        return true;
    struct blkdev *d = blk_find(dev);
    blk_put(d);
    if (!d)
        return false;
    int err = vfs_mkdir(dir, 0755);
    if (err && err != -EEXIST)
        return false;
    return vfs_mount("ext2", dev, dir, VFS_MNT_RDONLY) == 0;
}

#define NEED_STD(t) \
    do { \
        if (!mount_once("hda", MNT)) \
            KT_SKIP(t, "no ext2 test image on hda"); \
    } while (0)

/* Compares a whole file with gen(seed), reading in chunks of `chunk`. */
static int check_file(const char *path, const char *seed, uint64_t size, size_t chunk)
{
    struct file *f;
    int err = vfs_open(path, O_RDONLY, 0, &f);
    if (err)
        return err;
    uint8_t *a = kmalloc(chunk), *b = kmalloc(chunk);
    uint64_t off = 0;
    int bad = 0;
    while (a && b) {
        ssize_t n = vfs_read(f, a, chunk);
        if (n <= 0) {
            bad = n < 0 ? (int)n : 0;
            break;
        }
        gen(seed, off, b, (size_t)n);
        if (memcmp(a, b, (size_t)n)) {
            bad = -EBADMSG;
            break;
        }
        off += (uint64_t)n;
    }
    kfree(a);
    kfree(b);
    vfs_close(f);
    if (bad)
        return bad;
    return off == size ? 0 : -ERANGE;
}

static void mount_and_statfs(struct ktest *t)
{
    NEED_STD(t);
    struct vfs_mountinfo mi;
    KT_ASSERT_EQ(t, vfs_statfs(MNT "/a", &mi), 0);
    KT_EXPECT_STREQ(t, mi.fstype, "ext2");
    KT_EXPECT_STREQ(t, mi.source, "hda");
    KT_EXPECT_TRUE(t, mi.flags & VFS_MNT_RDONLY);
    KT_EXPECT_EQ(t, mi.block_size, 4096);
    struct blkdev *d = blk_find("hda");
    KT_ASSERT_NOT_NULL(t, d);
    KT_EXPECT_EQ(t, mi.total_blocks * mi.block_size, d->nsectors * d->sector_size);
    blk_put(d);
    KT_EXPECT_LT(t, mi.free_blocks, mi.total_blocks);
    KT_EXPECT_EQ(t, mi.total_inodes, 2048);
    /* Mounted: the disk may be read through /dev, not written. */
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/dev/hda", O_RDWR, 0, &f), -EBUSY);
    KT_ASSERT_EQ(t, vfs_open("/dev/hda", O_RDONLY, 0, &f), 0);
    vfs_close(f);
    /* Mounting a non-ext2 device or a missing one fails cleanly. */
    KT_EXPECT_EQ(t, vfs_mount("ext2", "nosuchdisk", "/mnt", VFS_MNT_RDONLY), -ENXIO);
}

static void read_only(struct ktest *t)
{
    NEED_STD(t);
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open(MNT "/hello.txt", O_WRONLY, 0, &f), -EROFS);
    KT_EXPECT_EQ(t, vfs_open(MNT "/newfile", O_RDWR | O_CREAT, 0644, &f), -EROFS);
    KT_EXPECT_EQ(t, vfs_mkdir(MNT "/newdir", 0755), -EROFS);
    KT_EXPECT_EQ(t, vfs_unlink(MNT "/hello.txt"), -EROFS);
    KT_EXPECT_EQ(t, vfs_rmdir(MNT "/a"), -EROFS);
    KT_EXPECT_EQ(t, vfs_rename(MNT "/hello.txt", MNT "/x"), -EROFS);
    KT_EXPECT_EQ(t, vfs_symlink("x", MNT "/l"), -EROFS);
    char buf[40] = { 0 };
    KT_ASSERT_EQ(t, vfs_open(MNT "/hello.txt", O_RDONLY, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_read(f, buf, sizeof(buf)), 28);
    KT_EXPECT_STREQ(t, buf, "Hello from AdrOS ext2 tests\n");
    vfs_close(f);
}

static void sizes_and_contents(struct ktest *t)
{
    NEED_STD(t);
    static const uint32_t sizes[] = { 0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097,
                                      12 * 1024 - 1, 12 * 1024, 12 * 1024 + 1, 12 * 4096 - 1, 12 * 4096,
                                      12 * 4096 + 1, (12 + 1024) * 4096 + 1, 3 * MiB_ + 17 };
    static const size_t chunks[] = { 1000, 4096, 65536, 7 };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        char path[64], seed[32];
        ksnprintf(path, sizeof(path), MNT "/sizes/s%u", sizes[i]);
        ksnprintf(seed, sizeof(seed), "size%u", sizes[i]);
        struct vfs_stat st;
        KT_EXPECT_EQ(t, vfs_stat(path, &st), 0);
        KT_EXPECT_EQ(t, st.size, sizes[i]);
        size_t chunk = chunks[i % ARRAY_SIZE(chunks)];
        if (chunk == 7 && sizes[i] > 100000)
            chunk = 65536 + 7;
        int r = check_file(path, seed, sizes[i], chunk);
        if (r)
            ktest_log(t, "%s: %s", path, strerror(-r));
        KT_EXPECT_EQ(t, r, 0);
    }
    /* Positioned reads across block boundaries. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open(MNT "/sizes/s3145745", O_RDONLY, 0, &f), 0);
    uint8_t a[300], b[300];
    static const uint64_t offs[] = { 4000, 4096 * 12 - 10, 4096 * (12 + 512) - 100, 3 * MiB_ + 17 - 300 };
    for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
        KT_EXPECT_EQ(t, vfs_pread(f, a, sizeof(a), offs[i]), (ssize_t)sizeof(a));
        gen("size3145745", offs[i], b, sizeof(b));
        KT_EXPECT_MEMEQ(t, a, b, sizeof(a));
    }
    KT_EXPECT_EQ(t, vfs_pread(f, a, sizeof(a), 3 * MiB_ + 17), 0);
    vfs_close(f);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void sparse_holes(struct ktest *t)
{
    NEED_STD(t);
    struct vfs_stat st;
    KT_ASSERT_EQ(t, vfs_stat(MNT "/sparse", &st), 0);
    KT_EXPECT_EQ(t, st.size, 6 * MiB_);
    KT_EXPECT_LT(t, st.blocks, 100); /* a few blocks, not 6 MiB */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open(MNT "/sparse", O_RDONLY, 0, &f), 0);
    uint8_t *buf = kmalloc(300 * 1024), *exp = kmalloc(10000);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_NOT_NULL(t, exp);
    memset(buf, 0xff, 300 * 1024);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 300 * 1024, 0), 300 * 1024);
    KT_EXPECT_TRUE(t, all_zero(buf, 300 * 1024));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 5000, 300 * 1024), 5000);
    gen("sp1", 0, exp, 5000);
    KT_EXPECT_MEMEQ(t, buf, exp, 5000);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 10000, 2 * MiB_ + 123), 10000);
    gen("sp2", 0, exp, 10000);
    KT_EXPECT_MEMEQ(t, buf, exp, 10000);
    memset(buf, 0xff, 300 * 1024);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 300 * 1024, 6 * MiB_ - 300 * 1024), 300 * 1024);
    KT_EXPECT_TRUE(t, all_zero(buf, 300 * 1024));
    vfs_close(f);
    kfree(buf);
    kfree(exp);
}

static void links_and_names(struct ktest *t)
{
    NEED_STD(t);
    struct vfs_stat a, b, c;
    KT_EXPECT_EQ(t, vfs_stat(MNT "/hard1", &a), 0);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/hard2", &b), 0);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/a/b/hard3", &c), 0);
    KT_EXPECT_EQ(t, a.ino, b.ino);
    KT_EXPECT_EQ(t, a.ino, c.ino);
    KT_EXPECT_EQ(t, a.nlink, 3);
    KT_EXPECT_EQ(t, check_file(MNT "/a/b/hard3", "hard", 3000, 512), 0);

    static char buf[1024];
    static const struct { const char *path; char ch; int len; } links[] = {
        { MNT "/links/fast59", 'x', 59 }, { MNT "/links/slow60", 'y', 60 }, { MNT "/links/slow900", 'z', 901 } };
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        KT_EXPECT_EQ(t, vfs_lstat(links[i].path, &a), 0);
        KT_EXPECT_EQ(t, a.type, VLNK);
        KT_EXPECT_EQ(t, a.size, links[i].len);
        memset(buf, 0, sizeof(buf));
        KT_EXPECT_EQ(t, vfs_readlink(links[i].path, buf, sizeof(buf)), links[i].len);
        int bad = 0;
        for (int k = links[i].len == 901 ? 1 : 0; k < links[i].len; k++)
            bad += buf[k] != links[i].ch;
        KT_EXPECT_EQ(t, bad, 0);
    }
    KT_EXPECT_EQ(t, vfs_readlink(MNT "/links/fast", buf, sizeof(buf)), 12);
    KT_EXPECT_STREQ(t, buf, "../hello.txt");
    /* Following links inside the mount, relative and to a directory. */
    KT_EXPECT_EQ(t, vfs_stat(MNT "/links/fast", &a), 0);
    KT_EXPECT_EQ(t, a.size, 28);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/a/b/c/up", &b), 0);
    KT_EXPECT_EQ(t, a.ino, b.ino);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/links/todir/c/d/e/deep.txt", &a), 0);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/fastlink", &b), 0);
    KT_EXPECT_EQ(t, a.ino, b.ino);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/links/dangling", &a), -ENOENT);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/links/slow_long", &a), 0);
    KT_EXPECT_EQ(t, a.size, 10);
    /* 255-byte names. */
    char name[300];
    memcpy(name, MNT "/", 8);
    memset(name + 8, 'n', 255);
    name[8 + 255] = '\0';
    KT_EXPECT_EQ(t, vfs_stat(name, &a), 0);
    KT_EXPECT_EQ(t, a.size, 1);
    name[8 + 254] = '\0';
    KT_EXPECT_EQ(t, vfs_stat(name, &a), -ENOENT);
}

static void big_directory(struct ktest *t)
{
    NEED_STD(t);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open(MNT "/many", O_RDONLY | O_DIRECTORY, 0, &f), 0);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    int n = 0, bad = 0, r;
    char *first = kmalloc(VFS_PATH_MAX);
    KT_ASSERT_NOT_NULL(t, first);
    while ((r = vfs_readdir(f, de)) == 1) {
        if (n++ == 0)
            ksnprintf(first, VFS_PATH_MAX, MNT "/many/%s", de->name);
        if (de->type != VREG || strncmp(de->name, "entry", 5) != 0)
            bad++;
    }
    KT_EXPECT_EQ(t, r, 0);
    KT_EXPECT_EQ(t, n, 1100);
    KT_EXPECT_EQ(t, bad, 0);
    vfs_close(f);
    kfree(de);
    /* Lookups in the (htree-indexed) directory, read linearly. */
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat(first, &st), 0);
    KT_EXPECT_EQ(t, st.type, VREG);
    kfree(first);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/many/entry9999", &st), -ENOENT);
}

static void dotdot_across_mount(struct ktest *t)
{
    NEED_STD(t);
    struct vfs_stat a, b;
    KT_EXPECT_EQ(t, vfs_stat(MNT "/..", &a), 0);
    KT_EXPECT_EQ(t, vfs_stat("/mnt", &b), 0);
    KT_EXPECT_EQ(t, a.ino, b.ino);
    KT_EXPECT_EQ(t, a.mnt_id, b.mnt_id);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/a/b/../../../e2/a/b/c/../../../hello.txt", &a), 0);
    KT_EXPECT_EQ(t, a.size, 28);
    KT_EXPECT_EQ(t, vfs_stat(MNT "/a/..", &a), 0);
    KT_EXPECT_EQ(t, vfs_stat(MNT, &b), 0);
    KT_EXPECT_EQ(t, a.ino, b.ino);
    KT_EXPECT_EQ(t, a.ino, 2);
}

static void over_4gib(struct ktest *t)
{
    if (!mount_once("hdb", "/mnt/big"))
        KT_SKIP(t, "no 5 GiB-file image on hdb");
    struct vfs_stat st;
    uint64_t g5 = 5ull << 30;
    KT_ASSERT_EQ(t, vfs_stat("/mnt/big/over4g", &st), 0);
    KT_EXPECT_EQ(t, st.size, g5 + 4096);
    KT_EXPECT_LT(t, st.blocks, 200);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/mnt/big/over4g", O_RDONLY, 0, &f), 0);
    char buf[64];
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 27, 0), 27);
    KT_EXPECT_STREQ(t, buf, "start of a file over 4 GiB\n");
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 9, g5), 9);
    KT_EXPECT_STREQ(t, buf, "5 GiB in\n");
    memset(buf, 0x55, sizeof(buf));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 64, (4ull << 30) + 123), 64);
    KT_EXPECT_TRUE(t, all_zero((uint8_t *)buf, 64));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 64, g5 + 4096 - 10), 10);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 64, g5 + 4096), 0);
    KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_END), (int64_t)(g5 + 4096));
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_umount("/mnt/big"), 0);
}

struct reader {
    size_t chunk;
    int result;
    struct thread *th;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    r->result = check_file(MNT "/sizes/s3145745", "size3145745", 3 * MiB_ + 17, r->chunk);
    return NULL;
}

static void concurrent_readers(struct ktest *t)
{
    NEED_STD(t);
    static struct reader rs[4] = { { 4096, 0, NULL }, { 65536 + 3, 0, NULL }, { 1000, 0, NULL }, { 131072, 0, NULL } };
    for (int i = 0; i < 4; i++) {
        struct thread_attr a = { "ext2-reader", PRIO_NORMAL, 32 * 1024, PROCESS_FLAG_THREAD | PROCESS_FLAG_JOINABLE };
        rs[i].result = -EINPROGRESS;
        KT_ASSERT_EQ(t, thread_create(&a, reader_main, &rs[i], &rs[i].th), 0);
    }
    for (int i = 0; i < 4; i++) {
        thread_join(rs[i].th, NULL);
        KT_EXPECT_EQ(t, rs[i].result, 0);
    }
}

static void busy_umount(struct ktest *t)
{
    NEED_STD(t);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open(MNT "/hello.txt", O_RDONLY, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_umount(MNT), -EBUSY);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_umount(MNT), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat(MNT "/hello.txt", &st), -ENOENT);
}

/* Walks and reads everything below path; returns the first error. */
static int walk_all(char *path, size_t len, int depth, uint8_t *buf)
{
    if (depth > 24)
        return -ELOOP;
    struct file *d;
    int err = vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &d);
    if (err)
        return err;
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(d, &de)) == 1) {
        if (len + 1 + de.namelen + 1 > VFS_PATH_MAX) {
            r = -ENAMETOOLONG;
            break;
        }
        path[len] = '/';
        memcpy(path + len + 1, de.name, (size_t)de.namelen + 1);
        size_t nl = len + 1 + de.namelen;
        struct vfs_stat st;
        r = vfs_lstat(path, &st);
        if (!r && st.type == VDIR)
            r = walk_all(path, nl, depth + 1, buf);
        else if (!r && st.type == VLNK)
            r = vfs_readlink(path, (char *)buf, 4096) < 0 ? -EIO : 0;
        else if (!r && st.type == VREG) {
            struct file *f;
            r = vfs_open(path, O_RDONLY, 0, &f);
            for (uint64_t off = 0; !r && off < st.size && off < 64 * MiB_;) {
                ssize_t n = vfs_pread(f, buf, 65536, off);
                if (n <= 0)
                    r = n < 0 ? (int)n : -EIO;
                off += n > 0 ? (uint64_t)n : 0;
            }
            if (f && !err)
                vfs_close(f);
        }
        path[len] = '\0';
        if (r)
            break;
    }
    vfs_close(d);
    return r < 0 ? r : 0;
}

static void hostile_images(struct ktest *t)
{
    struct blkdev *pack = blk_find("hdd");
    if (!pack)
        KT_SKIP(t, "no hostile-image pack on hdd");
    uint8_t *hdr = kmalloc(4096);
    char *path = kmalloc(VFS_PATH_MAX);
    uint8_t *buf = kmalloc(65536);
    KT_ASSERT_NOT_NULL(t, hdr);
    KT_ASSERT_NOT_NULL(t, path);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_EQ(t, blk_read(pack, 0, 8, hdr), 0);
    if (memcmp(hdr, "ADRHOSTP", 8) != 0) {
        blk_put(pack);
        KT_SKIP(t, "hdd is not a hostile-image pack");
    }
    uint32_t count;
    memcpy(&count, hdr + 8, 4);
    KT_ASSERT_GT(t, count, 0);
    KT_ASSERT_LE(t, count, 80);
    int survived = 0;
    vfs_mkdir("/mnt/h", 0755);
    for (uint32_t i = 0; i < count; i++) {
        char name[41];
        uint32_t start, n;
        memcpy(name, hdr + 16 + 48 * i, 40);
        name[40] = '\0';
        memcpy(&start, hdr + 16 + 48 * i + 40, 4);
        memcpy(&n, hdr + 16 + 48 * i + 44, 4);
        int err;
        struct blkdev *part = blk_add_partition(pack, (int)(10 + i), start, n, &err);
        if (!part) {
            ktest_log(t, "%s: cannot register a partition: %s", name, strerror(-err));
            KT_EXPECT_NE(t, 0, 0);
            continue;
        }
        int r = vfs_mount("ext2", part->name, "/mnt/h", VFS_MNT_RDONLY);
        const char *stage = "mount";
        if (r == 0) {
            stage = "walk";
            strlcpy(path, "/mnt/h", VFS_PATH_MAX);
            r = walk_all(path, strlen(path), 0, buf);
            /* Nothing may stay referenced after the errors. */
            int u = vfs_umount("/mnt/h");
            if (u) {
                ktest_log(t, "%s: umount after the walk: %s", name, strerror(-u));
                KT_EXPECT_EQ(t, u, 0);
            }
        }
        if (r == 0) {
            ktest_log(t, "%s: no error from mount or walk", name);
            survived++;
        } else {
            ktest_log(t, "%s: %s failed: %s", name, stage, strerror(-r));
        }
        KT_EXPECT_TRUE(t, r == -EIO || r == -EINVAL || r == -ELOOP || r == -ENOENT);
    }
    KT_EXPECT_EQ(t, survived, 0);
    blk_drop_partitions(pack);
    blk_put(pack);
    kfree(hdr);
    kfree(path);
    kfree(buf);
}

KTEST_SUITE(ext2, KTEST_CASE(mount_and_statfs), KTEST_CASE(read_only), KTEST_CASE(sizes_and_contents),
            KTEST_CASE(sparse_holes), KTEST_CASE(links_and_names), KTEST_CASE(big_directory),
            KTEST_CASE(dotdot_across_mount), KTEST_CASE(over_4gib), KTEST_CASE(concurrent_readers),
            KTEST_CASE(busy_umount), KTEST_CASE(hostile_images));

/* bench=ext2_seq_read: /bench.bin (32 MiB of data) on hda, read whole
 * with several request sizes; the block cache is dropped before each pass,
 * so data always comes from the disk. */
static void ext2_seq_read(void)
{
    static const size_t sizes[] = { 4096, 65536, 262144, 1048576 };
    uint8_t *buf = kmalloc(1048576);
    if (!buf || !mount_once("hda", "/mnt/bench")) {
        kprintf("# ext2_seq_read: no bench image on hda (bench.bin)\n");
        kfree(buf);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        struct file *f;
        bcache_drop(NULL); /* cold: from the disk, not the block cache */
        if (vfs_open("/mnt/bench/bench.bin", O_RDONLY, 0, &f)) {
            kprintf("# ext2_seq_read: no /bench.bin on hda\n");
            break;
        }
        uint64_t bytes = 0, reqs = 0;
        uint64_t c0 = clock_cycles(), t0 = clock_gettime_ns();
        ssize_t n;
        while ((n = vfs_read(f, buf, sizes[i])) > 0) {
            bytes += (uint64_t)n;
            reqs++;
        }
        uint64_t ns = clock_gettime_ns() - t0, cyc = clock_cycles() - c0;
        vfs_close(f);
        uint64_t kbps = bytes * 1000000ull / (ns ? ns : 1);
        char metric[32], note[96];
        ksnprintf(metric, sizeof(metric), "read-%uk", (unsigned)(sizes[i] / 1024));
        ksnprintf(note, sizeof(note), "%llu.%02llu MB/s, %llu bytes%s", (unsigned long long)(kbps / 1000),
                  (unsigned long long)(kbps % 1000 / 10), (unsigned long long)bytes, n < 0 ? ", READ ERROR" : "");
        kbench_result("ext2_seq_read", metric, cyc / (reqs ? reqs : 1), ns / (reqs ? reqs : 1), note);
    }
    vfs_umount("/mnt/bench");
    kfree(buf);
}
KBENCH(ext2_seq_read, ext2_seq_read);
