/* KTAP suite "vfsedge": VFS edge cases and block devices that go away.
 *   - O_CREAT on a path ending in "/" creates nothing (-ENOENT, -EISDIR,
 *     -ENOTDIR);
 *   - rmdir (and rename) and mount of one directory are serialized, both
 *     ways round, with "gatefs", a file system of this file whose mount
 *     and rmdir can be held half-way;
 *   - a RAM disk destroyed while open through /dev, and while natively
 *     mounted (an ext2 image copied from hda, the small1k image of
 *     plan_fs.py; skipped without it): every later operation -EIO, close
 *     and umount still work;
 *   - claims through the VFS: /dev/<disk> cannot be opened for writing
 *     while mounted, nor mounted while open for writing. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/ramdisk.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

static int put_file(const char *path, const char *text)
{
    struct file *f;
    int err = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (err)
        return err;
    size_t len = strlen(text);
    ssize_t n = vfs_write(f, text, len);
    vfs_close(f);
    return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

/* vfs_open, closing the file when it opened: returns the error. */
static int try_open(const char *path, int flags)
{
    struct file *f;
    int err = vfs_open(path, flags, 0644, &f);
    if (!err)
        vfs_close(f);
    return err;
}

static void creat_trailing_slash(struct ktest *t)
{
    struct vfs_stat st;
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/cs", 0755), 0);
    /* A missing name: nothing is created. */
    KT_EXPECT_EQ(t, try_open("/tmp/cs/new/", O_WRONLY | O_CREAT), -ENOENT);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/new/", O_RDWR | O_CREAT | O_EXCL), -ENOENT);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/new//", O_RDONLY | O_CREAT), -ENOENT);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/cs/new", &st), -ENOENT);
    /* An existing directory. */
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/cs/d/", 0755), 0); /* mkdir takes the slash */
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d/", O_WRONLY | O_CREAT), -EISDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d/", O_RDONLY | O_CREAT), -EISDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d", O_RDONLY | O_CREAT), -EISDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d/", O_WRONLY | O_CREAT | O_EXCL), -EEXIST);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d/", O_RDONLY | O_CREAT | O_DIRECTORY), 0);
    KT_EXPECT_EQ(t, try_open("/", O_RDONLY | O_CREAT), -EISDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/d/.", O_WRONLY | O_CREAT), -EISDIR);
    /* A regular file is not a directory. */
    KT_ASSERT_EQ(t, put_file("/tmp/cs/f", "file"), 0);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/f/", O_WRONLY | O_CREAT), -ENOTDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/f/", O_RDONLY), -ENOTDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/f", O_WRONLY | O_CREAT), 0);
    /* Symlinks: to a directory, and dangling (its target is not made). */
    KT_ASSERT_EQ(t, vfs_symlink("d", "/tmp/cs/ld"), 0);
    KT_ASSERT_EQ(t, vfs_symlink("nothere", "/tmp/cs/dang"), 0);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/ld/", O_WRONLY | O_CREAT), -EISDIR);
    KT_EXPECT_EQ(t, try_open("/tmp/cs/dang/", O_WRONLY | O_CREAT), -ENOENT);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/cs/nothere", &st), -ENOENT);
    /* Without the slash, O_CREAT still makes files. */
    KT_EXPECT_EQ(t, try_open("/tmp/cs/new", O_WRONLY | O_CREAT), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/cs/new", &st), 0);
    KT_EXPECT_EQ(t, st.type, VREG);
    const char *names[] = { "/tmp/cs/new", "/tmp/cs/f", "/tmp/cs/ld", "/tmp/cs/dang" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        KT_EXPECT_EQ(t, vfs_unlink(names[i]), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/cs/d"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/cs"), 0);
}

/* --- gatefs: a root directory holding one empty directory "d".  A mount
 * from source "gate" and, while gate_rmdir is set, an rmdir signal
 * `entered` and then wait for `gate` half-way through. --- */
#define GATE_ROOT 1
#define GATE_D 2
static ksem_t entered, gate;
static volatile bool gate_rmdir, d_present;
static const struct vnode_ops gate_vops;

static int gate_vnode(struct mount *mp, enum vtype type, uint64_t ino, struct vnode **out)
{
    struct vnode *vp = kzalloc(sizeof(*vp));
    if (!vp)
        return -ENOMEM;
    vnode_init(vp, mp, &gate_vops, type, ino);
    *out = vp;
    return 0;
}

static int gate_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    if (strcmp(name, "..") == 0)
        return gate_vnode(dir->mnt, VDIR, GATE_ROOT, out);
    if (dir->ino == GATE_ROOT && strcmp(name, "d") == 0 && d_present)
        return gate_vnode(dir->mnt, VDIR, GATE_D, out);
    return -ENOENT;
}

static int gate_rmdir_op(struct vnode *dir, const char *name)
{
    if (dir->ino != GATE_ROOT || strcmp(name, "d") != 0 || !d_present)
        return -ENOENT;
    if (gate_rmdir) {
        ksem_up(&entered);
        ksem_down(&gate);
    }
    d_present = false;
    return 0;
}

static int gate_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de) { return 0; }

static int gate_getattr(struct vnode *vp, struct vfs_stat *st)
{
    st->mode = 0755;
    st->nlink = 2;
    return 0;
}

static void gate_inactive(struct vnode *vp)
{
    if (vp != vp->mnt->root)
        kfree(vp);
}

static const struct vnode_ops gate_vops = {
    .lookup = gate_lookup,
    .rmdir = gate_rmdir_op,
    .readdir = gate_readdir,
    .getattr = gate_getattr,
    .inactive = gate_inactive,
};

static int gate_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    if (source && strcmp(source, "gate") == 0) {
        ksem_up(&entered);
        ksem_down(&gate);
    }
    return gate_vnode(mp, VDIR, GATE_ROOT, rootp);
}

static int gate_unmount(struct mount *mp)
{
    kfree(mp->root);
    return 0;
}

static const struct vfsops gate_vfsops = { .name = "gatefs", .mount = gate_mount, .unmount = gate_unmount };

struct op_ctx {
    const char *fstype, *source, *path;
    volatile bool done;
    int err;
};

static void *mount_thread(void *arg)
{
    struct op_ctx *c = arg;
    c->err = vfs_mount(c->fstype, c->source, c->path, 0);
    c->done = true;
    return NULL;
}

static void *rmdir_thread(void *arg)
{
    struct op_ctx *c = arg;
    c->err = vfs_rmdir(c->path);
    c->done = true;
    return NULL;
}

static struct thread *start(void *(*fn)(void *), struct op_ctx *c)
{
    struct thread_attr a = { "vfs-edge", PRIO_NORMAL, 32 * 1024, PROCESS_FLAG_THREAD | PROCESS_FLAG_JOINABLE };
    struct thread *th;
    return thread_create(&a, fn, c, &th) ? NULL : th;
}

static void rmdir_and_mount_serialized(struct ktest *t)
{
    static bool registered;
    if (!registered) {
        vfs_register_fs(&gate_vfsops);
        registered = true;
    }
    ksem_init(&entered, 0);
    ksem_init(&gate, 0);
    struct vfs_stat st, st2;
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rm", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rm/a", 0755), 0);

    /* A mount being set up on /tmp/rm/a: the directory stays. */
    struct op_ctx m = { "gatefs", "gate", "/tmp/rm/a", false, 1 };
    struct thread *mt = start(mount_thread, &m);
    KT_ASSERT_NOT_NULL(t, mt);
    ksem_down(&entered); /* inside gatefs's mount */
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rm/a"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_rename("/tmp/rm/a", "/tmp/rm/b"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_mount("ramfs", "second", "/tmp/rm/a", 0), -EBUSY);
    ksem_up(&gate);
    thread_join(mt, NULL);
    KT_EXPECT_EQ(t, m.err, 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rm/a", &st), 0);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rm", &st2), 0);
    KT_EXPECT_NE(t, st.mnt_id, st2.mnt_id); /* reachable: the mount landed */
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rm/a"), -EBUSY);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/rm/a"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rm/a"), 0);

    /* An rmdir of /tmp/rm/g/d under way: a mount on it waits, then finds
     * nothing there. */
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/rm/g", 0755), 0);
    d_present = true;
    KT_ASSERT_EQ(t, vfs_mount("gatefs", "plain", "/tmp/rm/g", 0), 0);
    KT_ASSERT_EQ(t, vfs_stat("/tmp/rm/g/d", &st), 0);
    gate_rmdir = true;
    struct op_ctx r = { NULL, NULL, "/tmp/rm/g/d", false, 1 };
    struct thread *rt = start(rmdir_thread, &r);
    KT_ASSERT_NOT_NULL(t, rt);
    ksem_down(&entered); /* inside gatefs's rmdir */
    struct op_ctx m2 = { "ramfs", "late", "/tmp/rm/g/d", false, 1 };
    struct thread *mt2 = start(mount_thread, &m2);
    KT_ASSERT_NOT_NULL(t, mt2);
    process_sleep(20 * NSEC_PER_MSEC);
    KT_EXPECT_FALSE(t, m2.done); /* waits for the rmdir */
    gate_rmdir = false;
    ksem_up(&gate);
    thread_join(rt, NULL);
    thread_join(mt2, NULL);
    KT_EXPECT_EQ(t, r.err, 0);
    KT_EXPECT_EQ(t, m2.err, -ENOENT);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/rm/g/d", &st), -ENOENT);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/rm/g"), 0); /* nothing left below it */
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rm/g"), 0);
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/rm"), 0);
}

/* --- block devices that go away --- */

static void dev_path(char *buf, size_t size, struct blkdev *d) { ksnprintf(buf, size, "/dev/%s", d->name); }

static void device_gone_while_open(struct ktest *t)
{
    struct blkdev *rd;
    KT_ASSERT_EQ(t, ramdisk_create(64, 512, &rd), 0);
    char path[32];
    dev_path(path, sizeof(path), rd);
    struct file *w, *r;
    KT_ASSERT_EQ(t, vfs_open(path, O_RDWR, 0, &w), 0);
    KT_ASSERT_EQ(t, vfs_open(path, O_RDONLY, 0, &r), 0);
    static uint8_t buf[1024];
    memset(buf, 0x5a, sizeof(buf));
    KT_EXPECT_EQ(t, vfs_pwrite(w, buf, 700, 100), 700);
    KT_EXPECT_EQ(t, vfs_pread(r, buf, 1024, 0), 1024);
    KT_EXPECT_EQ(t, buf[100], 0x5a);
    struct blkdev *held = vfs_file_blkdev(r);

    ramdisk_destroy(rd);
    /* Had the disk been freed (the open files must keep it), this would
     * reuse its memory, zeroed, and the checks below would see it. */
    enum { SPRAY = 48 };
    void *spray[3 * SPRAY];
    for (int i = 0; i < 3 * SPRAY; i++)
        spray[i] = kzalloc(128u << (i % 3));
    KT_EXPECT_TRUE(t, blk_gone(held));
    KT_EXPECT_EQ(t, vfs_pread(r, buf, 512, 0), -EIO);
    KT_EXPECT_EQ(t, vfs_pread(r, buf, 10, 3), -EIO); /* partial sector */
    KT_EXPECT_EQ(t, vfs_pwrite(w, buf, 512, 0), -EIO);
    KT_EXPECT_EQ(t, vfs_write(w, buf, 10), -EIO);
    KT_EXPECT_EQ(t, vfs_fsync(w), -EIO);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_fstat(r, &st), 0); /* the size is still known */
    KT_EXPECT_EQ(t, st.size, 64 * 512);
    KT_EXPECT_EQ(t, vfs_stat(path, &st), -ENOENT);
    KT_EXPECT_EQ(t, try_open(path, O_RDONLY), -ENOENT);
    KT_EXPECT_EQ(t, vfs_close(w), 0);
    KT_EXPECT_EQ(t, vfs_close(r), 0); /* the last user: the disk is freed now */
    for (int i = 0; i < 3 * SPRAY; i++)
        kfree(spray[i]);
}

/* A RAM disk holding a copy of hda (an ext2 image), or NULL. */
static struct blkdev *ext2_ramdisk(struct ktest *t)
{
    struct blkdev *hda = blk_find("hda"), *rd = NULL;
    if (!hda)
        return NULL;
    uint64_t n = hda->nsectors;
    uint8_t *buf = kmalloc(64 * 512);
    if (n <= 8192 && buf && ramdisk_create(n, 512, &rd) == 0) {
        for (uint64_t s = 0; s < n; s += 64) {
            uint32_t k = (uint32_t)MIN(64, n - s);
            if (blk_read(hda, s, k, buf) || ramdisk_load(rd, s * 512, buf, k * 512)) {
                ktest_log(t, "cannot copy hda at sector %llu", (unsigned long long)s);
                ramdisk_destroy(rd);
                rd = NULL;
                break;
            }
        }
    }
    kfree(buf);
    blk_put(hda);
    return rd;
}

static void mounted_disk_claims_and_goes(struct ktest *t)
{
    struct blkdev *rd = ext2_ramdisk(t);
    if (!rd)
        KT_SKIP(t, "no small ext2 image on hda");
    char path[32], name[16];
    dev_path(path, sizeof(path), rd);
    strlcpy(name, rd->name, sizeof(name));
    KT_ASSERT_EQ(t, vfs_mkdir("/tmp/dg", 0755), 0);
    KT_ASSERT_EQ(t, vfs_mount("ext2", name, "/tmp/dg", VFS_MNT_RDONLY), 0);
    /* Mounted: readers welcome, writers refused. */
    KT_EXPECT_EQ(t, try_open(path, O_RDWR), -EBUSY);
    KT_EXPECT_EQ(t, try_open(path, O_WRONLY), -EBUSY);
    KT_EXPECT_EQ(t, try_open(path, O_RDONLY), 0);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/dg"), 0);
    /* Open for writing: not mountable until closed. */
    struct file *w;
    KT_ASSERT_EQ(t, vfs_open(path, O_RDWR, 0, &w), 0);
    KT_EXPECT_EQ(t, vfs_mount("ext2", name, "/tmp/dg", VFS_MNT_RDONLY), -EBUSY);
    struct vfs_stat st;
    KT_EXPECT_EQ(t, vfs_stat("/tmp/dg/hello.txt", &st), -ENOENT); /* not mounted */
    vfs_close(w);
    KT_ASSERT_EQ(t, vfs_mount("ext2", name, "/tmp/dg", VFS_MNT_RDONLY), 0);

    /* Files open on it when it goes. */
    struct file *f, *dir;
    KT_ASSERT_EQ(t, vfs_open("/tmp/dg/a/ind.bin", O_RDONLY, 0, &f), 0);
    KT_ASSERT_EQ(t, vfs_open("/tmp/dg/a", O_RDONLY, 0, &dir), 0);
    static uint8_t buf[4096];
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 100, 0), 100);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/dg/hello.txt", &st), 0);
    ramdisk_destroy(rd);
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 4096, 50000), -EIO); /* past the direct blocks */
    KT_EXPECT_EQ(t, vfs_pread(f, buf, 100, 0), -EIO);
    KT_EXPECT_EQ(t, vfs_stat("/tmp/dg/hello.txt", &st), -EIO); /* cached blocks too */
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    KT_ASSERT_NOT_NULL(t, de);
    KT_EXPECT_EQ(t, vfs_readdir(dir, de), -EIO);
    kfree(de);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/dg"), -EBUSY); /* files still open */
    vfs_close(f);
    vfs_close(dir);
    KT_EXPECT_EQ(t, vfs_umount("/tmp/dg"), 0);
    KT_EXPECT_EQ(t, vfs_mount("ext2", name, "/tmp/dg", VFS_MNT_RDONLY), -ENXIO); /* no such disk now */
    KT_EXPECT_EQ(t, vfs_rmdir("/tmp/dg"), 0);
}

KTEST_SUITE(vfsedge, KTEST_CASE(creat_trailing_slash), KTEST_CASE(rmdir_and_mount_serialized),
            KTEST_CASE(device_gone_while_open), KTEST_CASE(mounted_disk_claims_and_goes));
