/* Open files and the name operations of vfs.h: vfs_open/close, read/write
 * (plain, positioned, scatter-gather), lseek, readdir, stat, mkdir, unlink,
 * rmdir, rename, symlink, readlink.
 *
 * A struct file holds one vnode reference for as long as it is open; its
 * offset is protected by the file's own mutex (so two threads reading one
 * file each get distinct bytes).  Block-device vnodes (VBLK) are read and
 * written through blkfile.c, everything else through the vnode's ops; a
 * device opened for writing is claimed (BLK_CLAIM_WRITE, see blk.h) for as
 * long as the file is open, so it cannot be written while a file system
 * has it mounted, nor mounted while it is open for writing.
 *
 * Creating: O_CREAT makes regular files only, and a path ending in "/"
 * names a directory (POSIX pathname resolution), so it never creates
 * anything: an existing directory gives -EISDIR, a missing name -ENOENT,
 * anything else -ENOTDIR.  O_CREAT without O_DIRECTORY on an existing
 * directory is -EISDIR (POSIX open). */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

struct file {
    struct vnode *vp;   /* immutable while open; one reference */
    int flags;          /* O_* given to vfs_open, immutable */
    volatile int refcnt;
    kmutex_t lock;      /* protects off */
    uint64_t off;       /* byte offset, or readdir cookie */
    struct blk_claim claim; /* VBLK opened for writing (claim.dev set); immutable */
};

/* Open struct files, for `vitals` (leaks show as a count that only grows). */
static volatile int open_files;

int vfs_open_files(void) { return __atomic_load_n(&open_files, __ATOMIC_RELAXED); }

static bool can_read(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool can_write(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }
static bool mount_ro(const struct vnode *vp) { return (vp->mnt->flags & VFS_MNT_RDONLY) != 0; }

/* Looks name up in dir (no mount crossing): referenced child. */
static int dir_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    if (dir->type != VDIR || !dir->ops->lookup)
        return -ENOTDIR;
    return dir->ops->lookup(dir, name, out);
}

static bool trailing_slash(const char *path)
{
    size_t n = strnlen(path, VFS_PATH_MAX);
    return n > 0 && path[n - 1] == '/';
}

static int open_create(const char *path, int flags, uint32_t mode, struct vnode **out)
{
    if (trailing_slash(path)) {
        /* Names a directory, never a file to create: the lookup decides
         * (-ENOENT, -ENOTDIR), and vfs_open refuses a directory. */
        int err = vfs__lookup(path, true, out);
        if (!err && (flags & O_EXCL)) {
            vnode_rele(*out);
            err = -EEXIST;
        }
        return err;
    }
    struct vnode *dir, *vp = NULL;
    char name[VFS_NAME_MAX + 1];
    int err = vfs__lookup_parent(path, &dir, name);
    if (err == -EINVAL) /* "/" or ends in "." / "..": nothing to create */
        return vfs__lookup(path, true, out);
    if (err)
        return err;
    err = dir_lookup(dir, name, &vp);
    if (err == 0) {
        vp = vfs__cross_down(vp);
        if (flags & O_EXCL)
            err = -EEXIST;
        else if (vp->type == VLNK) {
            vnode_rele(vp);
            vp = NULL;
            err = (flags & O_NOFOLLOW) ? -ELOOP : vfs__lookup(path, true, &vp);
        }
    } else if (err == -ENOENT) {
        if (mount_ro(dir))
            err = -EROFS;
        else if (!dir->ops->create)
            err = -EOPNOTSUPP;
        else
            err = dir->ops->create(dir, name, VREG, mode & 07777, &vp);
    }
    vnode_rele(dir);
    if (err && vp)
        vnode_rele(vp);
    if (!err)
        *out = vp;
    return err;
}

int vfs_open(const char *path, int flags, uint32_t mode, struct file **out)
{
    if ((flags & O_ACCMODE) == O_ACCMODE || !out)
        return -EINVAL;
    struct vnode *vp;
    int err = (flags & O_CREAT) ? open_create(path, flags, mode, &vp)
                                : vfs__lookup(path, !(flags & O_NOFOLLOW), &vp);
    if (err)
        return err;
    bool wr = (flags & O_ACCMODE) != O_RDONLY;
    if (vp->type == VLNK)
        err = -ELOOP; /* only reachable with O_NOFOLLOW */
    else if ((flags & O_DIRECTORY) && vp->type != VDIR)
        err = -ENOTDIR;
    else if (vp->type == VDIR && (wr || (flags & O_TRUNC) || ((flags & O_CREAT) && !(flags & O_DIRECTORY))))
        err = -EISDIR;
    else if (vp->type == VBLK && !vp->bdev)
        err = -ENXIO;
    else if (wr && vp->type == VBLK && vp->bdev->readonly)
        err = -EROFS;
    else if (wr && vp->type == VREG && mount_ro(vp))
        err = -EROFS;
    struct file *f = NULL;
    if (!err && !(f = kzalloc(sizeof(*f))))
        err = -ENOMEM;
    if (!err && wr && vp->type == VBLK)
        err = blk_claim(vp->bdev, BLK_CLAIM_WRITE, NULL, &f->claim);
    if (!err && wr && (flags & O_TRUNC) && vp->type == VREG)
        err = vp->ops->truncate ? vp->ops->truncate(vp, 0) : -EOPNOTSUPP;
    if (err) {
        if (f)
            blk_unclaim(&f->claim);
        kfree(f);
        vnode_rele(vp);
        return err;
    }
    f->vp = vp;
    f->flags = flags;
    f->refcnt = 1;
    kmutex_init(&f->lock, "file");
    __atomic_add_fetch(&open_files, 1, __ATOMIC_RELAXED);
    *out = f;
    return 0;
}

struct file *vfs_file_dup(struct file *f)
{
    __atomic_add_fetch(&f->refcnt, 1, __ATOMIC_SEQ_CST);
    return f;
}

int vfs_close(struct file *f)
{
    if (!f)
        return -EBADF;
    if (__atomic_sub_fetch(&f->refcnt, 1, __ATOMIC_SEQ_CST) == 0) {
        blk_unclaim(&f->claim);
        vnode_rele(f->vp);
        kfree(f);
        __atomic_sub_fetch(&open_files, 1, __ATOMIC_RELAXED);
    }
    return 0;
}

struct blkdev *vfs_file_blkdev(struct file *f) { return f && f->vp->type == VBLK ? f->vp->bdev : NULL; }
enum vtype vfs_file_type(struct file *f) { return f ? f->vp->type : VNON; }

/* One contiguous transfer at off. */
static ssize_t rw_at(struct file *f, bool write, void *buf, size_t len, uint64_t off)
{
    struct vnode *vp = f->vp;
    if (write ? !can_write(f) : !can_read(f))
        return -EBADF;
    if ((ssize_t)len < 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (!buf)
        return -EFAULT;
    switch (vp->type) {
    case VDIR:
        return -EISDIR;
    case VBLK:
        return vfs__blk_rw(vp->bdev, write, buf, len, off);
    case VREG:
    case VCHR:
        if (write)
            return vp->ops->write ? vp->ops->write(vp, buf, len, off) : -EOPNOTSUPP;
        return vp->ops->read ? vp->ops->read(vp, buf, len, off) : -EOPNOTSUPP;
    default:
        return -EINVAL;
    }
}

/* Caller-given offsets are signed 64-bit (off_t) and the range may not
 * wrap; VFS_OFF_APPEND (UINT64_MAX) is only ever made by vfs_write. */
static bool bad_range(uint64_t off, size_t len)
{
    return off > (uint64_t)INT64_MAX || (uint64_t)len > (uint64_t)INT64_MAX - off;
}

ssize_t vfs_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    if (!f)
        return -EBADF;
    if (bad_range(off, len))
        return -EINVAL;
    return rw_at(f, false, buf, len, off);
}

ssize_t vfs_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
    if (!f)
        return -EBADF;
    if (bad_range(off, len))
        return -EINVAL;
    return rw_at(f, true, (void *)buf, len, off);
}

static ssize_t rw_vec(struct file *f, bool write, const struct kiovec *iov, int iovcnt, uint64_t off)
{
    if (!f)
        return -EBADF;
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -EINVAL;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].len == 0)
            continue;
        if (bad_range(off + total, iov[i].len) || off > (uint64_t)INT64_MAX)
            return total ? (ssize_t)total : -EINVAL;
        ssize_t n = rw_at(f, write, iov[i].base, iov[i].len, off + total);
        if (n < 0)
            return total ? (ssize_t)total : n;
        total += (size_t)n;
        if ((size_t)n < iov[i].len)
            break; /* end of file, or device end */
    }
    return (ssize_t)total;
}

ssize_t vfs_preadv(struct file *f, const struct kiovec *iov, int iovcnt, uint64_t off)
{
    return rw_vec(f, false, iov, iovcnt, off);
}

ssize_t vfs_pwritev(struct file *f, const struct kiovec *iov, int iovcnt, uint64_t off)
{
    return rw_vec(f, true, iov, iovcnt, off);
}

static int getattr(struct vnode *vp, struct vfs_stat *st)
{
    memset(st, 0, sizeof(*st));
    int err = vp->ops->getattr ? vp->ops->getattr(vp, st) : -EOPNOTSUPP;
    if (err)
        return err;
    st->type = vp->type;
    st->ino = vp->ino;
    st->mnt_id = vp->mnt->id;
    if (vp->type == VBLK && vp->bdev) {
        st->size = vp->bdev->nsectors * vp->bdev->sector_size;
        st->blksize = vp->bdev->sector_size;
    }
    return 0;
}

ssize_t vfs_read(struct file *f, void *buf, size_t len)
{
    if (!f)
        return -EBADF;
    kmutex_lock(&f->lock);
    ssize_t n = rw_at(f, false, buf, len, f->off);
    if (n > 0)
        f->off += (uint64_t)n;
    kmutex_unlock(&f->lock);
    return n;
}

ssize_t vfs_write(struct file *f, const void *buf, size_t len)
{
    if (!f)
        return -EBADF;
    kmutex_lock(&f->lock);
    if ((f->flags & O_APPEND) && f->vp->type == VREG) {
        /* The file system places the data at the end atomically. */
        ssize_t n = rw_at(f, true, (void *)buf, len, VFS_OFF_APPEND);
        struct vfs_stat st;
        if (n >= 0 && getattr(f->vp, &st) == 0)
            f->off = st.size;
        kmutex_unlock(&f->lock);
        return n;
    }
    ssize_t n = rw_at(f, true, (void *)buf, len, f->off);
    if (n > 0)
        f->off += (uint64_t)n;
    kmutex_unlock(&f->lock);
    return n;
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
    if (!f)
        return -EBADF;
    kmutex_lock(&f->lock);
    int64_t base = 0;
    int err = 0;
    if (whence == SEEK_CUR)
        base = (int64_t)f->off;
    else if (whence == SEEK_END) {
        struct vfs_stat st;
        err = getattr(f->vp, &st);
        base = (int64_t)st.size;
    } else if (whence != SEEK_SET)
        err = -EINVAL;
    if (!err && ((off > 0 && base > INT64_MAX - off) || base + off < 0 ||
                 (f->vp->type == VDIR && !(whence == SEEK_SET))))
        err = -EINVAL;
    if (!err)
        f->off = (uint64_t)(base + off);
    int64_t r = err ? err : (int64_t)f->off;
    kmutex_unlock(&f->lock);
    return r;
}

int vfs_fstat(struct file *f, struct vfs_stat *st)
{
    if (!f)
        return -EBADF;
    return getattr(f->vp, st);
}

int vfs_ftruncate(struct file *f, uint64_t size)
{
    if (!f)
        return -EBADF;
    if (!can_write(f))
        return -EBADF;
    if (f->vp->type != VREG)
        return f->vp->type == VDIR ? -EISDIR : -EINVAL;
    return f->vp->ops->truncate ? f->vp->ops->truncate(f->vp, size) : -EOPNOTSUPP;
}

int vfs_fsync(struct file *f)
{
    if (!f)
        return -EBADF;
    if (f->vp->type == VBLK)
        return blk_flush(f->vp->bdev);
    return f->vp->ops->fsync ? f->vp->ops->fsync(f->vp) : 0;
}

int vfs_readdir(struct file *f, struct vfs_dirent *de)
{
    if (!f)
        return -EBADF;
    struct vnode *vp = f->vp;
    if (vp->type != VDIR)
        return -ENOTDIR;
    kmutex_lock(&f->lock);
    int r;
    for (;;) {
        r = vp->ops->readdir(vp, &f->off, de);
        if (r <= 0)
            break;
        if ((de->namelen == 1 && de->name[0] == '.') ||
            (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.'))
            continue;
        if (de->type == VNON) {
            struct vnode *c;
            if (vp->ops->lookup(vp, de->name, &c) == 0) {
                de->type = c->type;
                vnode_rele(c);
            }
        }
        break;
    }
    kmutex_unlock(&f->lock);
    return r;
}

/* ---- names ---- */

static int stat_path(const char *path, bool follow, struct vfs_stat *st)
{
    struct vnode *vp;
    int err = vfs__lookup(path, follow, &vp);
    if (err)
        return err;
    err = getattr(vp, st);
    vnode_rele(vp);
    return err;
}

int vfs_stat(const char *path, struct vfs_stat *st) { return stat_path(path, true, st); }
int vfs_lstat(const char *path, struct vfs_stat *st) { return stat_path(path, false, st); }

/* Common prologue of the operations that change a directory. */
static int parent_for_change(const char *path, struct vnode **dir, char *name)
{
    int err = vfs__lookup_parent(path, dir, name);
    if (err)
        return err;
    if (mount_ro(*dir)) {
        vnode_rele(*dir);
        return -EROFS;
    }
    return 0;
}

int vfs_mkdir(const char *path, uint32_t mode)
{
    struct vnode *dir, *vp;
    char name[VFS_NAME_MAX + 1];
    int err = vfs__lookup_parent(path, &dir, name);
    if (err)
        return err == -EINVAL ? -EEXIST : err;
    if (dir_lookup(dir, name, &vp) == 0) {
        vnode_rele(vp);
        err = -EEXIST;
    } else if (mount_ro(dir))
        err = -EROFS;
    else if (!dir->ops->create)
        err = -EOPNOTSUPP;
    else if ((err = dir->ops->create(dir, name, VDIR, mode & 07777, &vp)) == 0)
        vnode_rele(vp);
    vnode_rele(dir);
    return err;
}

int vfs_symlink(const char *target, const char *linkpath)
{
    if (!target)
        return -EFAULT;
    size_t tl = strnlen(target, VFS_PATH_MAX);
    if (tl == 0)
        return -ENOENT;
    if (tl >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    struct vnode *dir;
    char name[VFS_NAME_MAX + 1];
    int err = parent_for_change(linkpath, &dir, name);
    if (err)
        return err == -EINVAL ? -EEXIST : err;
    err = dir->ops->symlink ? dir->ops->symlink(dir, name, target) : -EOPNOTSUPP;
    vnode_rele(dir);
    return err;
}

int vfs_readlink(const char *path, char *buf, size_t size)
{
    struct vnode *vp;
    int err = vfs__lookup(path, false, &vp);
    if (err)
        return err;
    if (vp->type != VLNK)
        err = -EINVAL;
    else
        err = vp->ops->readlink ? vp->ops->readlink(vp, buf, size) : -EOPNOTSUPP;
    vnode_rele(vp);
    return err;
}

/* unlink / rmdir: refuses mount points (-EBUSY).  rmdir runs under the ns
 * lock, so a mount cannot land on the directory it removes (vfs.c). */
static int remove_name(const char *path, bool is_dir)
{
    struct vnode *dir, *vp;
    char name[VFS_NAME_MAX + 1];
    if (is_dir)
        vfs__ns_lock();
    int err = vfs__lookup_parent(path, &dir, name);
    if (err) {
        if (is_dir)
            vfs__ns_unlock();
        return err == -EINVAL ? (is_dir ? -EINVAL : -EISDIR) : err;
    }
    err = dir_lookup(dir, name, &vp);
    if (!err) {
        if (is_dir && vp->type != VDIR)
            err = -ENOTDIR;
        else if (!is_dir && vp->type == VDIR)
            err = -EISDIR;
        else if (is_dir && vfs__is_mount_target(vp))
            err = -EBUSY;
        else if (mount_ro(dir))
            err = -EROFS;
        vnode_rele(vp);
    }
    if (!err) {
        if (is_dir)
            err = dir->ops->rmdir ? dir->ops->rmdir(dir, name) : -EOPNOTSUPP;
        else
            err = dir->ops->unlink ? dir->ops->unlink(dir, name) : -EOPNOTSUPP;
    }
    vnode_rele(dir);
    if (is_dir)
        vfs__ns_unlock();
    return err;
}

int vfs_unlink(const char *path) { return remove_name(path, false); }
int vfs_rmdir(const char *path) { return remove_name(path, true); }

/* Is name in dir a mount point, or the target of a mount being set up?
 * The ns lock is held. */
static bool busy_name(struct vnode *dir, const char *name)
{
    struct vnode *vp;
    if (dir_lookup(dir, name, &vp) != 0)
        return false;
    bool busy = vp->type == VDIR && vfs__is_mount_target(vp);
    vnode_rele(vp);
    return busy;
}

/* Under the ns lock: rename may remove a directory (an empty target) or
 * move one, neither of which may race a mount onto it. */
int vfs_rename(const char *from, const char *to)
{
    struct vnode *fdir, *tdir;
    char fname[VFS_NAME_MAX + 1], tname[VFS_NAME_MAX + 1];
    vfs__ns_lock();
    int err = parent_for_change(from, &fdir, fname);
    if (err)
        goto out;
    err = parent_for_change(to, &tdir, tname);
    if (err) {
        vnode_rele(fdir);
        goto out;
    }
    if (fdir->mnt != tdir->mnt)
        err = -EXDEV;
    else if (busy_name(fdir, fname) || busy_name(tdir, tname))
        err = -EBUSY;
    else
        err = fdir->ops->rename ? fdir->ops->rename(fdir, fname, tdir, tname) : -EOPNOTSUPP;
    vnode_rele(tdir);
    vnode_rele(fdir);
out:
    vfs__ns_unlock();
    return err;
}
