/* KTAP suite "vfs": the VFS on the ramfs root, devfs and RAM disks: files,
 * directories, path lookup (".", "..", symlinks, mount points both ways),
 * mount/umount (busy checks), readdir, positioned and scatter-gather I/O,
 * block-device files, errors, and several threads at once.  Each case works
 * in its own directory under /tmp. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/ramdisk.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/vfs.h>

static int put_file(const char *path, const void *data, size_t len)
{
    struct file *f;
    int err = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (err)
        return err;
    ssize_t n = vfs_write(f, data, len);
    vfs_close(f);
    return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

/* Reads up to size bytes of path; returns the count or -errno. */
static ssize_t get_file(const char *path, void *buf, size_t size)
{
    struct file *f;
    int err = vfs_open(path, O_RDONLY, 0, &f);
    if (err)
        return err;
    ssize_t n = vfs_read(f, buf, size);
    vfs_close(f);
    return n;
}

static void file_roundtrip(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rt", 0755), 0);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/rt/a", O_RDWR | O_CREAT, 0644, &f), 0);
    KT_EXPECT_EQ(t, vfs_write(f, "hello, ", 7), 7);
    KT_EXPECT_EQ(t, vfs_write(f, "world", 5), 5);
    KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_CUR), 12);
    KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_SET), 0);
    char buf[32] = { 0 };
    KT_EXPECT_EQ(t, vfs_read(f, buf, sizeof(buf)), 12);
    KT_EXPECT_STREQ(t, buf, "hello, world");
    KT_EXPECT_EQ(t, vfs_read(f, buf, sizeof(buf)), 0); /* end of file */
    KT_EXPECT_EQ(t, vfs_lseek(f, -5, SEEK_END), 7);
    KT_EXPECT_EQ(t, vfs_lseek(f, -100, SEEK_CUR), -EINVAL);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_fstat(f, &st), 0);
    KT_EXPECT_EQ(t, st.type, VREG);
    KT_EXPECT_EQ(t, st.size, 12);
    KT_EXPECT_EQ(t, vfs_ftruncate(f, 5), 0);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, sizeof(buf), 0), 5);
    KT_EXPECT_EQ(t, vfs_close(f), 0);

    /* O_APPEND, O_TRUNC, O_EXCL. */
    KT_ASSERT_EQ(t, vfs_open("/tmp/rt/a", O_WRONLY | O_APPEND, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_write(f, "!", 1), 1);
    vfs_close(f);
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, get_file("/tmp/rt/a", buf, sizeof(buf)), 6);
    KT_EXPECT_STREQ(t, buf, "hello!");
    KT_EXPECT_EQ(t, vfs_open("/tmp/rt/a", O_WRONLY | O_CREAT | O_EXCL, 0, &f), -EEXIST);
    KT_ASSERT_EQ(t, vfs_open("/tmp/rt/a", O_WRONLY | O_TRUNC, 0, &f), 0);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rt/a", &st), 0);
    KT_EXPECT_EQ(t, st.size, 0);

    /* Access modes. */
    KT_ASSERT_EQ(t, vfs_open("/tmp/rt/a", O_RDONLY, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_write(f, "x", 1), -EBADF);
    vfs_close(f);
    KT_ASSERT_EQ(t, vfs_open("/tmp/rt/a", O_WRONLY, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_read(f, buf, 1), -EBADF);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_open("/tmp/rt/a", O_ACCMODE, 0, &f), -EINVAL);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/rt/a"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rt"), 0);
}

static void sparse_and_large(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/sp", 0755), 0);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/sp/f", O_RDWR | O_CREAT, 0644, &f), 0);
    /* 5 GiB + 3: past 32 bits, nearly all hole. */
    uint64_t far = 5ull * 1024 * 1024 * 1024;
    KT_EXPECT_EQ(t, vfs_pwrite(f, "end", 3, far), 3);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_fstat(f, &st), 0);
    KT_EXPECT_EQ(t, st.size, far + 3);
    KT_EXPECT_LE(t, st.blocks, 16); /* one page, not gigabytes */
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 8, far - 5), 8);
    KT_EXPECT_MEMEQ(t, buf, "\0\0\0\0\0end", 8);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 8, 12345), 8);
    KT_EXPECT_MEMEQ(t, buf, "\0\0\0\0\0\0\0\0", 8);
    KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_END), (int64_t)(far + 3));
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/sp/f"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/sp"), 0);
}

static void paths(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/p", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/p/a", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/p/a/b", 0755), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/p/a/b/f", "data", 4), 0);
    struct vfs_stat st, st2;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p/a/b/f", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("//tmp/./p/a/../a/b/./f", &st2), 0);
    KT_EXPECT_EQ(t, st.ino, st2.ino);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p/a/b/", &st), 0);
    KT_EXPECT_EQ(t, st.type, VDIR);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p/a/b/f/", &st), -ENOTDIR);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p/a/b/f/x", &st), -ENOTDIR);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p/nope", &st), -ENOENT);
    KT_EXPECT_EQ(t, vfs_stat("", &st), -ENOENT);
    /* ".." at "/" stays at "/". */
    KT_EXPECT_EQ(t, vfs_stat("/../../tmp/p/a", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/", &st2), 0);
    KT_EXPECT_EQ(t, vfs_stat("/..", &st), 0);
    KT_EXPECT_EQ(t, st.ino, st2.ino);
    /* Relative paths are taken from "/". */
    KT_EXPECT_EQ(t, vfs_stat("tmp/p/a/b/f", &st), 0);

    char longname[300];
    memset(longname, 'n', sizeof(longname));
    memcpy(longname, "/tmp/p/", 7);
    longname[299] = '\0';
    KT_EXPECT_EQ(t, vfs_stat(longname, &st), -ENAMETOOLONG);
    longname[7 + 255] = '\0'; /* exactly 255 bytes: allowed */
    KT_EXPECT_EQ(t, put_file(longname, "x", 1), 0);
    KT_EXPECT_EQ(t, vfs_unlink(longname), 0);
    char *huge = kmalloc(VFS_PATH_MAX + 10);
    KT_ASSERT_NOT_NULL(t, huge);
    for (int i = 0; i < VFS_PATH_MAX + 9; i++)
        huge[i] = i % 2 ? '/' : 'a';
    huge[VFS_PATH_MAX + 9] = '\0';
    KT_EXPECT_EQ(t, vfs_stat(huge, &st), -ENAMETOOLONG);
    kfree(huge);

    /* Directory errors. */
    KT_EXPECT_EQ(t, vfs_mkdir("/tmp/p/a", 0755), -EEXIST);
    KT_EXPECT_EQ(t, vfs_mkdir("/tmp/p/zz/y", 0755), -ENOENT);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/p/a"), -ENOTEMPTY);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/p/a/b/f"), -ENOTDIR);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/p/a"), -EISDIR);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/p/a/missing"), -ENOENT);
    KT_EXPECT_EQ(t, vfs_rmdir("/"), -EINVAL);
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/tmp/p/a", O_WRONLY, 0, &f), -EISDIR);
    KT_EXPECT_EQ(t, vfs_open("/tmp/p/a/b/f", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
    KT_ASSERT_EQ(t, vfs_open("/tmp/p/a", O_RDONLY, 0, &f), 0);
    char c;
    KT_EXPECT_EQ(t, vfs_read(f, &c, 1), -EISDIR);
    vfs_close(f);

    KT_EXPECT_EQ(t, vfs_unlink("/tmp/p/a/b/f"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/p/a/b"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/p/a"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/p"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/p", &st), -ENOENT);
}

static void symlinks(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/s", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/s/d", 0755), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/s/d/f", "target!", 7), 0);
    KT_EXPECT_EQ(t, vfs_symlink("d/f", "/tmp/s/rel"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("/tmp/s/d", "/tmp/s/abs"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("../../s/abs/../d/./f", "/tmp/s/d/twisty"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("loop2", "/tmp/s/loop1"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("loop1", "/tmp/s/loop2"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("nowhere", "/tmp/s/dangling"), 0);
    KT_EXPECT_EQ(t, vfs_symlink("x", "/tmp/s/rel"), -EEXIST);

    char buf[64] = { 0 };
    KT_EXPECT_EQ(t, get_file("/tmp/s/rel", buf, sizeof(buf)), 7);
    KT_EXPECT_STREQ(t, buf, "target!");
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, get_file("/tmp/s/abs/f", buf, sizeof(buf)), 7);
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, get_file("/tmp/s/d/twisty", buf, sizeof(buf)), 7);
    KT_EXPECT_STREQ(t, buf, "target!");

    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_lstat("/tmp/s/rel", &st), 0);
    KT_EXPECT_EQ(t, st.type, VLNK);
    KT_EXPECT_EQ(t, st.size, 3);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/s/rel", &st), 0);
    KT_EXPECT_EQ(t, st.type, VREG);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/s/abs/", &st), 0);
    KT_EXPECT_EQ(t, st.type, VDIR);
    KT_EXPECT_EQ(t, vfs_readlink("/tmp/s/abs", buf, sizeof(buf)), 8);
    KT_EXPECT_STREQ(t, buf, "/tmp/s/d");
    KT_EXPECT_EQ(t, vfs_readlink("/tmp/s/abs", buf, 4), 8); /* truncated, full length returned */
    KT_EXPECT_STREQ(t, buf, "/tm");
    KT_EXPECT_EQ(t, vfs_readlink("/tmp/s/d", buf, sizeof(buf)), -EINVAL);

    KT_EXPECT_EQ(t, vfs_stat("/tmp/s/loop1", &st), -ELOOP);
    KT_EXPECT_EQ(t, vfs_lstat("/tmp/s/loop1", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/s/dangling", &st), -ENOENT);
    struct file *f;
    KT_EXPECT_EQ(t, vfs_open("/tmp/s/rel", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
    /* O_CREAT through a symlink opens the target. */
    KT_ASSERT_EQ(t, vfs_open("/tmp/s/rel", O_RDWR | O_CREAT, 0644, &f), 0);
    KT_EXPECT_EQ(t, vfs_fstat(f, &st), 0);
    KT_EXPECT_EQ(t, st.size, 7);
    vfs_close(f);

    /* 16 links in a chain resolve; 17 do not. */
    char name[32], target[32];
    for (int i = 0; i < VFS_SYMLOOP_MAX + 1; i++) {
        ksnprintf(name, sizeof(name), "/tmp/s/c%d", i);
        if (i == 0)
            strlcpy(target, "d/f", sizeof(target));
        else
            ksnprintf(target, sizeof(target), "c%d", i - 1);
        KT_ASSERT_EQ(t, vfs_symlink(target, name), 0);
    }
    ksnprintf(name, sizeof(name), "/tmp/s/c%d", VFS_SYMLOOP_MAX - 1);
    KT_EXPECT_EQ(t, vfs_stat(name, &st), 0);
    ksnprintf(name, sizeof(name), "/tmp/s/c%d", VFS_SYMLOOP_MAX);
    KT_EXPECT_EQ(t, vfs_stat(name, &st), -ELOOP);
    for (int i = 0; i < VFS_SYMLOOP_MAX + 1; i++) {
        ksnprintf(name, sizeof(name), "/tmp/s/c%d", i);
        vfs_unlink(name);
    }
    const char *gone[] = { "/tmp/s/rel", "/tmp/s/abs", "/tmp/s/d/twisty", "/tmp/s/loop1", "/tmp/s/loop2",
                           "/tmp/s/dangling", "/tmp/s/d/f" };
    for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
        KT_EXPECT_EQ(t, vfs_unlink(gone[i]), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/s/d"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/s"), 0);
}

static void readdir_lists_everything(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rd", 0755), 0);
    enum { N = 150 };
    char name[40];
    for (int i = 0; i < N; i++) {
        ksnprintf(name, sizeof(name), "/tmp/rd/e%03d", i);
        if (i % 10 == 0)
            KT_ASSERT_EQ(t, vfs_mkdir(name, 0755), 0);
        else
            KT_ASSERT_EQ(t, put_file(name, name, 3), 0);
    }
    static uint8_t seen[N];
    memset(seen, 0, sizeof(seen));
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/rd", O_RDONLY | O_DIRECTORY, 0, &f), 0);
    int count = 0, bad = 0, r;
    for (int pass = 0; pass < 2; pass++) {
        while ((r = vfs_readdir(f, de)) == 1) {
            int idx = -1;
            if (de->namelen == 4 && de->name[0] == 'e')
                idx = (de->name[1] - '0') * 100 + (de->name[2] - '0') * 10 + (de->name[3] - '0');
            if (idx < 0 || idx >= N || de->type != (idx % 10 == 0 ? VDIR : VREG))
                bad++;
            else
                seen[idx]++;
            count++;
        }
        KT_EXPECT_EQ(t, r, 0);
        KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_SET), 0); /* rewind: the second pass sees it all again */
    }
    vfs_close(f);
    KT_EXPECT_EQ(t, count, 2 * N);
    KT_EXPECT_EQ(t, bad, 0);
    int wrong = 0;
    for (int i = 0; i < N; i++)
        wrong += seen[i] != 2;
    KT_EXPECT_EQ(t, wrong, 0);
    for (int i = 0; i < N; i++) {
        ksnprintf(name, sizeof(name), "/tmp/rd/e%03d", i);
        KT_EXPECT_EQ(t, i % 10 == 0 ? vfs_rmdir(name) : vfs_unlink(name), 0);
    }
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rd"), 0);
    kfree(de);
}

static void rename_cases(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rn", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rn/d1", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rn/d1/sub", 0755), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/rn/a", "AAA", 3), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/rn/b", "B", 1), 0);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/a", "/tmp/rn/b"), 0); /* replaces b */
    char buf[8] = { 0 };
    KT_EXPECT_EQ(t, get_file("/tmp/rn/b", buf, sizeof(buf)), 3);
    KT_EXPECT_STREQ(t, buf, "AAA");
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rn/a", &st), -ENOENT);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/b", "/tmp/rn/d1/sub/c"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rn/d1/sub/c", &st), 0);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/d1", "/tmp/rn/d1/sub/x"), -EINVAL);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/d1/sub/c", "/tmp/rn/d1"), -EISDIR);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/missing", "/tmp/rn/y"), -ENOENT);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/d1", "/tmp/rn/d2"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rn/d2/sub/c", &st), 0);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rn/d2/sub/c", "/dev/c"), -EXDEV);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/rn/d2/sub/c"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rn/d2/sub"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rn/d2"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rn"), 0);
}

static void open_survives_unlink(struct ktest *t)
{
    KT_ASSERT_EQ(t, put_file("/tmp/ghost", "still here", 10), 0);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/ghost", O_RDWR, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/ghost"), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/ghost", &st), -ENOENT);
    char buf[16] = { 0 };
    KT_EXPECT_EQ(t, vfs_pread(f, buf, sizeof(buf), 0), 10);
    KT_EXPECT_STREQ(t, buf, "still here");
    KT_EXPECT_EQ(t, vfs_pwrite(f, "S", 1, 0), 1);
    KT_EXPECT_EQ(t, vfs_fstat(f, &st), 0);
    KT_EXPECT_EQ(t, st.nlink, 0);
    /* A new file of the same name is a different file. */
    KT_ASSERT_EQ(t, put_file("/tmp/ghost", "new", 3), 0);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, sizeof(buf), 0), 10);
    KT_EXPECT_EQ(t, buf[0], 'S');
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/ghost"), 0);
}

static void mounts(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/m", 0755), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/m/under", "hidden", 6), 0);
    KT_EXPECT_EQ(t, vfs_mount("nosuchfs", "none", "/tmp/m", 0), -ENODEV);
    KT_EXPECT_EQ(t, vfs_mount("ramfs", "none", "/tmp/m/under", 0), -ENOTDIR);
    KT_EXPECT_EQ(t, vfs_mount("ramfs", "none", "/tmp/nowhere", 0), -ENOENT);
    KT_ASSERT_EQ(t, vfs_mount("ramfs", "test", "/tmp/m", 0), 0);
    KT_EXPECT_EQ(t, vfs_mount("ramfs", "again", "/tmp/m", 0), -EBUSY);

    struct vfs_stat st, st2;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m/under", &st), -ENOENT); /* covered */
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/m/in", 0755), 0);
    KT_ASSERT_EQ(t, put_file("/tmp/m/in/f", "on top", 6), 0);
    /* ".." from the mounted root goes to the covering directory's parent. */
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m/in/../../m/in/f", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m/..", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp", &st2), 0);
    KT_EXPECT_EQ(t, st.ino, st2.ino);
    KT_EXPECT_EQ(t, st.mnt_id, st2.mnt_id);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m", &st), 0);
    KT_EXPECT_NE(t, st.mnt_id, st2.mnt_id);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/m"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/m/in/f", "/tmp/f"), -EXDEV);

    /* The mount list shows it. */
    struct vfs_mountinfo *mi = kmalloc(8 * sizeof(*mi));
    KT_ASSERT_NOT_NULL(t, mi);
    int n = vfs_mount_list(mi, 8);
    KT_EXPECT_GE(t, n, 3);
    bool found = false, root = false, dev = false;
    for (int i = 0; i < n && i < 8; i++) {
        found |= strcmp(mi[i].target, "/tmp/m") == 0 && strcmp(mi[i].source, "test") == 0 &&
                 strcmp(mi[i].fstype, "ramfs") == 0;
        root |= strcmp(mi[i].target, "/") == 0;
        dev |= strcmp(mi[i].target, "/dev") == 0 && strcmp(mi[i].fstype, "devfs") == 0;
    }
    KT_EXPECT_TRUE(t, found && root && dev);
    KT_EXPECT_EQ(t, vfs_statfs("/tmp/m/in", &mi[0]), 0);
    KT_EXPECT_STREQ(t, mi[0].target, "/tmp/m");
    KT_EXPECT_GT(t, mi[0].total_blocks, 0);
    kfree(mi);

    /* Busy: an open file, a nested mount; not a mount point: -EINVAL. */
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/m/in/f", O_RDONLY, 0, &f), 0);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m/in"), -EINVAL);
    KT_EXPECT_EQ(t, vfs_umount("/"), -EPERM);
    KT_EXPECT_EQ(t, vfs_umount("/dev"), -EPERM);
    KT_EXPECT_EQ(t, vfs_rmdir("/dev"), -EBUSY);
    char buf[8] = { 0 };
    KT_EXPECT_EQ(t, vfs_read(f, buf, 6), 6);
    vfs_close(f);
    KT_ASSERT_EQ(t, vfs_mount("ramfs", "nested", "/tmp/m/in", 0), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m/in/f", &st), -ENOENT);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m/in"), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/m/in/f", &st), 0);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m"), 0);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/m"), -EINVAL);
    memset(buf, 0, sizeof(buf));
    KT_EXPECT_EQ(t, get_file("/tmp/m/under", buf, sizeof(buf)), 6);
    KT_EXPECT_STREQ(t, buf, "hidden");
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/m/under"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/m"), 0);
}

static void scatter_gather(struct ktest *t)
{
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open("/tmp/sg", O_RDWR | O_CREAT | O_TRUNC, 0644, &f), 0);
    char a[] = "0123", b[] = "456789", c[] = "ab";
    struct kiovec wv[] = { { a, 4 }, { NULL, 0 }, { b, 6 }, { c, 2 } };
    KT_EXPECT_EQ(t, vfs_pwritev(f, wv, 4, 100), 12);
    char x[5] = { 0 }, y[3] = { 0 }, z[20];
    memset(z, 'z', sizeof(z));
    struct kiovec rv[] = { { x, 4 }, { y, 2 }, { z, 20 } };
    KT_EXPECT_EQ(t, vfs_preadv(f, rv, 3, 100), 12); /* short: end of file */
    KT_EXPECT_STREQ(t, x, "0123");
    KT_EXPECT_STREQ(t, y, "45");
    KT_EXPECT_MEMEQ(t, z, "6789abzz", 8);
    KT_EXPECT_EQ(t, vfs_preadv(f, rv, 3, 5000), 0);
    KT_EXPECT_EQ(t, vfs_preadv(f, rv, -1, 0), -EINVAL);
    /* The file offset is untouched by positioned I/O. */
    KT_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_CUR), 0);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/sg"), 0);
}

static void block_device_files(struct ktest *t)
{
    struct blkdev *rd;
    KT_ASSERT_EQ(t, ramdisk_create(2048, 512, &rd), 0); /* 1 MiB */
    char path[32];
    ksnprintf(path, sizeof(path), "/dev/%s", rd->name);
    /* It shows up in /dev without remounting. */
    struct file *d;
    KT_ASSERT_EQ(t, vfs_open("/dev", O_RDONLY, 0, &d), 0);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    bool listed = false;
    while (vfs_readdir(d, de) == 1)
        listed |= strcmp(de->name, rd->name) == 0 && de->type == VBLK;
    vfs_close(d);
    kfree(de);
    KT_EXPECT_TRUE(t, listed);

    struct vfs_stat st;
    KT_ASSERT_EQ(t, vfs_stat(path, &st), 0);
    KT_EXPECT_EQ(t, st.type, VBLK);
    KT_EXPECT_EQ(t, st.size, 1024 * 1024);
    struct file *f;
    KT_ASSERT_EQ(t, vfs_open(path, O_RDWR, 0, &f), 0);
    KT_EXPECT_TRUE(t, vfs_file_blkdev(f) == rd);
    KT_EXPECT_EQ(t, vfs_file_type(f), VBLK);
    /* Unaligned write across three sectors (read-modify-write). */
    static uint8_t w[1200], r[2048];
    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i * 7 + 1);
    KT_EXPECT_EQ(t, vfs_pwrite(f, w, sizeof(w), 300), (ssize_t)sizeof(w));
    KT_EXPECT_EQ(t, vfs_pread(f, r, 2048, 0), 2048);
    KT_EXPECT_MEMEQ(t, r + 300, w, sizeof(w));
    int zeros = 0;
    for (int i = 0; i < 300; i++)
        zeros += r[i] == 0;
    for (int i = 1500; i < 2048; i++)
        zeros += r[i] == 0;
    KT_EXPECT_EQ(t, zeros, 300 + 548);
    /* Aligned whole sectors go straight through; check with the block layer. */
    KT_EXPECT_EQ(t, vfs_pwrite(f, w, 1024, 4096), 1024);
    KT_EXPECT_EQ(t, blk_read(rd, 8, 2, r), 0);
    KT_EXPECT_MEMEQ(t, r, w, 1024);
    /* Scatter-gather on a device. */
    struct kiovec v[] = { { r, 100 }, { r + 100, 924 } };
    memset(r, 0, 1024);
    KT_EXPECT_EQ(t, vfs_preadv(f, v, 2, 4096), 1024);
    KT_EXPECT_MEMEQ(t, r, w, 1024);
    /* The end of the device. */
    KT_EXPECT_EQ(t, vfs_pread(f, r, 100, 1024 * 1024 - 10), 10);
    KT_EXPECT_EQ(t, vfs_pread(f, r, 100, 1024 * 1024), 0);
    KT_EXPECT_EQ(t, vfs_pwrite(f, r, 100, 1024 * 1024), -ENOSPC);
    KT_EXPECT_EQ(t, vfs_fsync(f), 0);
    vfs_close(f);

    /* Regular files and /dev/null have no block device. */
    KT_ASSERT_EQ(t, vfs_open("/dev/null", O_RDWR, 0, &f), 0);
    KT_EXPECT_NULL(t, vfs_file_blkdev(f));
    KT_EXPECT_EQ(t, vfs_read(f, r, 10), 0);
    KT_EXPECT_EQ(t, vfs_write(f, r, 10), 10);
    vfs_close(f);
    KT_EXPECT_EQ(t, vfs_stat("/dev/nosuchdisk", &st), -ENOENT);
    KT_EXPECT_EQ(t, vfs_open("/dev/newfile", O_RDWR | O_CREAT, 0644, &f), -EOPNOTSUPP);
    ramdisk_destroy(rd);
    KT_EXPECT_EQ(t, vfs_stat(path, &st), -ENOENT);
}

/* --- several threads at once --- */
struct worker {
    int id;
    int errors;
    struct thread *th;
};

static void *churn(void *arg)
{
    struct worker *w = arg;
    char dir[32], name[48];
    uint8_t buf[600], back[600];
    ksnprintf(dir, sizeof(dir), "/tmp/cc/w%d", w->id);
    if (vfs_mkdir(dir, 0755))
        w->errors++;
    for (int round = 0; round < 40; round++) {
        ksnprintf(name, sizeof(name), "%s/f%d", dir, round % 8);
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)(w->id * 31 + round + i);
        if (put_file(name, buf, sizeof(buf)))
            w->errors++;
        memset(back, 0, sizeof(back));
        if (get_file(name, back, sizeof(back)) != (ssize_t)sizeof(back) || memcmp(buf, back, sizeof(buf)))
            w->errors++;
        /* Everyone appends to one shared file, each write one whole record. */
        struct file *f;
        if (vfs_open("/tmp/cc/shared", O_WRONLY | O_CREAT | O_APPEND, 0644, &f) == 0) {
            vfs_write(f, "0123456789", 10);
            vfs_close(f);
        } else {
            w->errors++;
        }
        if (round % 8 == 7) {
            for (int k = 0; k < 8; k++) {
                ksnprintf(name, sizeof(name), "%s/f%d", dir, k);
                if (vfs_unlink(name))
                    w->errors++;
            }
        }
        /* Someone keeps trying to unmount a busy file system. */
        if (vfs_umount("/tmp/cc") != -EBUSY)
            w->errors++;
    }
    if (vfs_rmdir(dir))
        w->errors++;
    return NULL;
}

static void concurrent_threads(struct ktest *t)
{
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/cc", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mount("ramfs", "cc", "/tmp/cc", 0), 0);
    /* An open file keeps the file system busy throughout. */
    struct file *keep;
    KT_ASSERT_EQ(t, vfs_open("/tmp/cc/keep", O_RDWR | O_CREAT, 0644, &keep), 0);
    enum { NW = 4 };
    static struct worker ws[NW];
    for (int i = 0; i < NW; i++) {
        ws[i].id = i;
        ws[i].errors = 0;
        struct thread_attr a = { "vfs-churn", PRIO_NORMAL, 32 * 1024, PROCESS_FLAG_THREAD | PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, churn, &ws[i], &ws[i].th), 0);
    }
    int errors = 0;
    for (int i = 0; i < NW; i++) {
        thread_join(ws[i].th, NULL);
        errors += ws[i].errors;
    }
    KT_EXPECT_EQ(t, errors, 0);
    vfs_close(keep);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/cc/keep"), 0);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/cc/shared", &st), 0);
    KT_EXPECT_EQ(t, st.size, NW * 40 * 10);
    KT_EXPECT_EQ(t, vfs_unlink("/tmp/cc/shared"), 0);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/cc"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/cc"), 0);
}

KTEST_SUITE(vfs, KTEST_CASE(file_roundtrip), KTEST_CASE(sparse_and_large), KTEST_CASE(paths), KTEST_CASE(symlinks),
            KTEST_CASE(readdir_lists_everything), KTEST_CASE(rename_cases), KTEST_CASE(open_survives_unlink),
            KTEST_CASE(mounts), KTEST_CASE(scatter_gather), KTEST_CASE(block_device_files),
            KTEST_CASE(concurrent_threads));
