/* The vnodes of the "rump" file-system type (rump_mount.c mounts): every
 * vnode is a path inside the rump kernel, and its operations are rump
 * system calls on it.  Open descriptors are kept per vnode (read-only, or
 * read-write once written) and closed when the VFS lets the vnode go.
 *
 * Each operation is a body, which makes the system calls, entered through
 * RUMP_SYSCALL (rump_sys.h: bound to an lwp, and returning -EIO should the
 * rump kernel panic meanwhile); operations on a vnode's descriptor or
 * directory cursor take its lock first, outside the guard, so a panic
 * cannot leave it held.
 *
 * Assumptions: called from AdrOS threads (never interrupts).  Vnodes are
 * not cached: two lookups of one name give two vnodes (nothing can be
 * mounted on a directory inside a rump mount). */
#ifdef ADROS_HAVE_RUMP

#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#include "rump_int.h"
#include "rump_sys.h"

struct rnode {
    kmutex_t lock;      /* fd, rw, old_fd and the directory cursor; taken by
                         * the guarded entries, outside RUMP_GUARDED, so a
                         * rump kernel panic cannot leave it held */
    int fd;             /* -1 until needed */
    bool rw;            /* fd is open read-write */
    int old_fd;         /* the read-only descriptor fd replaced: kept open
                         * until inactive, since a reader may still be using
                         * its number (closing it would let it be reused) */
    /* readdir cursor: entry index `dindex` is at dbuf[dpos] */
    char *dbuf;
    int dpos, dlen;
    uint64_t dindex;
    char path[];        /* inside the rump kernel */
};

static const struct vnode_ops rump_vnops;

static int vtype_of(uint32_t mode)
{
    switch (mode & NB_S_IFMT) {
    case NB_S_IFDIR:
        return VDIR;
    case NB_S_IFREG:
        return VREG;
    case NB_S_IFLNK:
        return VLNK;
    case NB_S_IFBLK:
        return VBLK;
    case NB_S_IFCHR:
        return VCHR;
    default:
        return VNON;
    }
}

int rump__new_vnode(struct mount *mp, const char *path, struct vnode **out)
{
    struct nb_stat st;
    if (rump___sysimpl_lstat50(path, &st) < 0)
        return rump_sys_err();
    size_t len = strlen(path);
    struct rnode *rn = kzalloc(sizeof(*rn) + len + 1);
    struct vnode *vp = kzalloc(sizeof(*vp));
    if (!rn || !vp) {
        kfree(rn);
        kfree(vp);
        return -ENOMEM;
    }
    kmutex_init(&rn->lock, "rumpvn");
    rn->fd = -1;
    rn->old_fd = -1;
    memcpy(rn->path, path, len + 1);
    vnode_init(vp, mp, &rump_vnops, (enum vtype)vtype_of(st.st_mode), st.st_ino);
    vp->data = rn;
    *out = vp;
    return 0;
}

static int child_path(const struct rnode *dir, const char *name, char *out)
{
    if (strcmp(name, "..") == 0) {
        strlcpy(out, dir->path, VFS_PATH_MAX);
        char *slash = strrchr(out, '/');
        if (slash && slash != out)
            *slash = '\0';
        return 0;
    }
    int n = ksnprintf(out, VFS_PATH_MAX, "%s/%s", dir->path, name);
    return n >= VFS_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Opens rn's descriptor (read-write if asked); rn->lock held. */
static int ensure_fd(struct rnode *rn, bool rw, bool dir)
{
    if (rn->fd >= 0 && (rn->rw || !rw))
        return 0;
    int fd = rump___sysimpl_open(rn->path, (rw ? O_RDWR : O_RDONLY) | (dir ? O_DIRECTORY : 0));
    if (fd < 0)
        return rump_sys_err();
    if (rn->fd >= 0)
        rn->old_fd = rn->fd; /* only ever read-only to read-write: once */
    rn->fd = fd;
    rn->rw = rw;
    return 0;
}

static int r_lookup_body(struct vnode *dir, const char *name, struct vnode **out)
{
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    int r = child_path(dir->data, name, path);
    if (r == 0)
        r = rump__new_vnode(dir->mnt, path, out);
    kfree(path);
    return r;
}

static int r_create_body(struct vnode *dir, const char *name, enum vtype type, uint32_t mode, struct vnode **out)
{
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    int r = child_path(dir->data, name, path);
    if (r == 0) {
        if (type == VDIR) {
            if (rump___sysimpl_mkdir(path, mode & 07777) < 0)
                r = rump_sys_err();
        } else if (type == VREG) {
            int fd = rump___sysimpl_open(path, O_CREAT | O_EXCL | O_RDWR, mode & 07777);
            if (fd < 0)
                r = rump_sys_err();
            else
                rump___sysimpl_close(fd);
        } else {
            r = -EOPNOTSUPP;
        }
    }
    if (r == 0)
        r = rump__new_vnode(dir->mnt, path, out);
    kfree(path);
    return r;
}

/* One-path operations on a child of dir. */
enum child_op { OP_UNLINK, OP_RMDIR, OP_SYMLINK };
static int child_op(struct vnode *dir, const char *name, enum child_op op, const char *arg)
{
    char *path = kmalloc(VFS_PATH_MAX);
    if (!path)
        return -ENOMEM;
    int r = child_path(dir->data, name, path);
    if (r == 0) {
        int rc = op == OP_UNLINK  ? rump___sysimpl_unlink(path)
                 : op == OP_RMDIR ? rump___sysimpl_rmdir(path)
                                  : rump___sysimpl_symlink(arg, path);
        if (rc < 0)
            r = rump_sys_err();
    }
    kfree(path);
    return r;
}

static int r_symlink_body(struct vnode *dir, const char *name, const char *target)
{
    return child_op(dir, name, OP_SYMLINK, target);
}

static int r_unlink_body(struct vnode *dir, const char *name) { return child_op(dir, name, OP_UNLINK, NULL); }

static int r_rmdir_body(struct vnode *dir, const char *name) { return child_op(dir, name, OP_RMDIR, NULL); }

static int r_rename_body(struct vnode *fdir, const char *fname, struct vnode *tdir, const char *tname)
{
    char *a = kmalloc(VFS_PATH_MAX), *b = kmalloc(VFS_PATH_MAX);
    int r = (!a || !b) ? -ENOMEM : child_path(fdir->data, fname, a);
    if (r == 0)
        r = child_path(tdir->data, tname, b);
    if (r == 0 && rump___sysimpl_rename(a, b) < 0)
        r = rump_sys_err();
    kfree(a);
    kfree(b);
    return r;
}

static enum vtype dtype(uint8_t t)
{
    switch (t) {
    case NB_DT_DIR:
        return VDIR;
    case NB_DT_REG:
        return VREG;
    case NB_DT_LNK:
        return VLNK;
    case NB_DT_BLK:
        return VBLK;
    case NB_DT_CHR:
        return VCHR;
    default:
        return VNON;
    }
}

#define DBUF 8192

static int r_readdir_body(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
    struct rnode *rn = dir->data; /* rn->lock held */
    int r = ensure_fd(rn, false, true);
    if (r == 0 && !rn->dbuf && !(rn->dbuf = kmalloc(DBUF)))
        r = -ENOMEM;
    if (r == 0 && *cookie != rn->dindex) {
        /* Not where the cursor is: start over and skip to the cookie. */
        if (rump___sysimpl_lseek(rn->fd, 0, SEEK_SET) < 0)
            r = rump_sys_err();
        rn->dindex = 0;
        rn->dpos = rn->dlen = 0;
    }
    while (r == 0) {
        if (rn->dpos >= rn->dlen) {
            int n = rump___sysimpl_getdents30(rn->fd, rn->dbuf, DBUF);
            if (n < 0) {
                r = rump_sys_err();
                break;
            }
            if (n == 0)
                break; /* end of directory: r stays 0 */
            rn->dpos = 0;
            rn->dlen = n;
        }
        const struct nb_dirent *d = (const struct nb_dirent *)(rn->dbuf + rn->dpos);
        if (d->d_reclen == 0 || rn->dpos + d->d_reclen > rn->dlen || d->d_namlen > VFS_NAME_MAX) {
            r = -EIO; /* a malformed record from the rump kernel */
            break;
        }
        rn->dpos += d->d_reclen;
        rn->dindex++;
        /* Empty slots (NetBSD's ext2fs passes unused directory entries on
         * with file number 0, as libc's readdir expects) are skipped. */
        if (rn->dindex <= *cookie || d->d_fileno == 0 || d->d_namlen == 0)
            continue;
        de->ino = d->d_fileno;
        de->type = dtype(d->d_type);
        de->namelen = d->d_namlen;
        memcpy(de->name, d->d_name, d->d_namlen);
        de->name[d->d_namlen] = '\0';
        *cookie = rn->dindex;
        r = 1;
    }
    return r;
}

static void fill_stat(const struct nb_stat *s, struct vfs_stat *st)
{
    memset(st, 0, sizeof(*st));
    st->type = (enum vtype)vtype_of(s->st_mode);
    st->mode = s->st_mode & 07777;
    st->ino = s->st_ino;
    st->nlink = s->st_nlink;
    st->uid = s->st_uid;
    st->gid = s->st_gid;
    st->size = (uint64_t)s->st_size;
    st->blksize = s->st_blksize;
    st->blocks = (uint64_t)s->st_blocks;
    st->atime = s->st_atim.tv_sec;
    st->mtime = s->st_mtim.tv_sec;
    st->ctime = s->st_ctim.tv_sec;
}

static int r_getattr_body(struct vnode *vp, struct vfs_stat *st)
{
    struct rnode *rn = vp->data;
    struct nb_stat s;
    if (rump___sysimpl_lstat50(rn->path, &s) < 0)
        return rump_sys_err();
    fill_stat(&s, st);
    return 0;
}

/* rn->lock held. */
static int r_openfd_body(struct rnode *rn, bool rw) { return ensure_fd(rn, rw, false); }

/* Without the lock: reads of one file run side by side; fd stays open
 * until inactive even if a writer replaces it. */
static ssize_t r_read_body(int fd, void *buf, size_t len, uint64_t off)
{
    ssize_t r = rump___sysimpl_pread(fd, buf, len, (int64_t)off);
    return r < 0 ? rump_sys_err() : r;
}

static ssize_t r_write_body(struct vnode *vp, const void *buf, size_t len, uint64_t off)
{
    struct rnode *rn = vp->data; /* rn->lock held */
    ssize_t r = ensure_fd(rn, true, false);
    if (r == 0 && off == VFS_OFF_APPEND) {
        /* Appending: the size and the write under our lock. */
        struct nb_stat s;
        if (rump___sysimpl_fstat50(rn->fd, &s) < 0)
            r = rump_sys_err();
        else
            off = (uint64_t)s.st_size;
    }
    if (r == 0) {
        r = rump___sysimpl_pwrite(rn->fd, buf, len, (int64_t)off);
        if (r < 0)
            r = rump_sys_err();
    }
    return r;
}

static int r_truncate_body(struct vnode *vp, uint64_t size)
{
    struct rnode *rn = vp->data; /* rn->lock held */
    int r = ensure_fd(rn, true, false);
    if (r == 0 && rump___sysimpl_ftruncate(rn->fd, (int64_t)size) < 0)
        r = rump_sys_err();
    return r;
}

static int r_readlink_body(struct vnode *vp, char *buf, size_t size)
{
    struct rnode *rn = vp->data;
    char *tmp = kmalloc(VFS_PATH_MAX);
    if (!tmp)
        return -ENOMEM;
    ssize_t n = rump___sysimpl_readlink(rn->path, tmp, VFS_PATH_MAX - 1);
    int r;
    if (n < 0) {
        r = rump_sys_err();
    } else {
        tmp[n] = '\0';
        if (size)
            strlcpy(buf, tmp, size);
        r = (int)n;
    }
    kfree(tmp);
    return r;
}

/* The file's data and directory entry (NetBSD's fsync), then everything
 * else its file system holds for the disk, so what reaches the file (FAT,
 * bitmaps) is there too (rump_mount.c: "synced" means on the disk). */
static int r_fsync_body(struct vnode *vp)
{
    struct rnode *rn = vp->data; /* rn->lock held */
    if (rn->fd >= 0 && rn->rw && rump___sysimpl_fsync(rn->fd) < 0)
        return rump_sys_err();
    return rump__sync_mount(vp->mnt);
}

static void r_inactive_body(struct vnode *vp)
{
    struct rnode *rn = vp->data;
    if (rn->fd >= 0)
        rump___sysimpl_close(rn->fd);
    if (rn->old_fd >= 0)
        rump___sysimpl_close(rn->old_fd);
    kfree(rn->dbuf);
    kfree(rn);
    kfree(vp);
}

/* ---- the entries the VFS calls ----
 *
 * A mount whose device went away fails every operation with EIO, before
 * the rump kernel is asked (which would answer reads it has cached); the
 * ones that change something count a change for umount's report. */

#define GONE_CHECK(vp) \
    if (rump__mount_gone((vp)->mnt)) \
        return -EIO;
#define NOTE_CHANGE(vp, r) \
    if ((r) >= 0) \
        rump__mount_changed((vp)->mnt);

#define GUARDED(type, name, vp, change, params, args) \
    static type name params \
    { \
        GONE_CHECK(vp) \
        type r; \
        RUMP_SYSCALL(r, -EIO, name##_body args); \
        if (change) \
            NOTE_CHANGE(vp, r) \
        return r; \
    }
/* The same under the lock of the vnode vp. */
#define GUARDED_LOCKED(type, name, vp, change, params, args) \
    static type name params \
    { \
        GONE_CHECK(vp) \
        struct rnode *rn = (vp)->data; \
        type r; \
        kmutex_lock(&rn->lock); \
        RUMP_SYSCALL(r, -EIO, name##_body args); \
        kmutex_unlock(&rn->lock); \
        if (change) \
            NOTE_CHANGE(vp, r) \
        return r; \
    }

GUARDED(int, r_lookup, dir, false, (struct vnode *dir, const char *name, struct vnode **out), (dir, name, out))
GUARDED(int, r_create, dir, true,
        (struct vnode *dir, const char *name, enum vtype type, uint32_t mode, struct vnode **out),
        (dir, name, type, mode, out))
GUARDED(int, r_symlink, dir, true, (struct vnode *dir, const char *name, const char *target), (dir, name, target))
GUARDED(int, r_unlink, dir, true, (struct vnode *dir, const char *name), (dir, name))
GUARDED(int, r_rmdir, dir, true, (struct vnode *dir, const char *name), (dir, name))
GUARDED(int, r_rename, fdir, true, (struct vnode *fdir, const char *fname, struct vnode *tdir, const char *tname),
        (fdir, fname, tdir, tname))
GUARDED_LOCKED(int, r_readdir, dir, false, (struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de),
               (dir, cookie, de))
GUARDED(int, r_getattr, vp, false, (struct vnode *vp, struct vfs_stat *st), (vp, st))
GUARDED_LOCKED(ssize_t, r_write, vp, true, (struct vnode *vp, const void *buf, size_t len, uint64_t off),
               (vp, buf, len, off))
GUARDED_LOCKED(int, r_truncate, vp, true, (struct vnode *vp, uint64_t size), (vp, size))
GUARDED(int, r_readlink, vp, false, (struct vnode *vp, char *buf, size_t size), (vp, buf, size))
GUARDED_LOCKED(int, r_fsync, vp, false, (struct vnode *vp), (vp))

/* Reads run without the vnode's lock (only the descriptor is taken under
 * it), so readers of one file do not wait for each other. */
static ssize_t r_read(struct vnode *vp, void *buf, size_t len, uint64_t off)
{
    GONE_CHECK(vp)
    struct rnode *rn = vp->data;
    int r;
    kmutex_lock(&rn->lock);
    RUMP_SYSCALL(r, -EIO, r_openfd_body(rn, false));
    int fd = rn->fd;
    kmutex_unlock(&rn->lock);
    if (r < 0)
        return r;
    ssize_t n;
    RUMP_SYSCALL(n, -EIO, r_read_body(fd, buf, len, off));
    return n;
}

static void r_inactive(struct vnode *vp)
{
    int done;
    RUMP_SYSCALL(done, 0, (r_inactive_body(vp), 1));
    if (!done) {
        /* The rump kernel is dead (or died meanwhile): nothing can be
         * closed there; free what is ours. */
        struct rnode *rn = vp->data;
        kfree(rn->dbuf);
        kfree(rn);
        kfree(vp);
    }
}

static const struct vnode_ops rump_vnops = {
    .lookup = r_lookup,
    .create = r_create,
    .symlink = r_symlink,
    .unlink = r_unlink,
    .rmdir = r_rmdir,
    .rename = r_rename,
    .readdir = r_readdir,
    .getattr = r_getattr,
    .read = r_read,
    .write = r_write,
    .truncate = r_truncate,
    .readlink = r_readlink,
    .fsync = r_fsync,
    .inactive = r_inactive,
};

#endif /* ADROS_HAVE_RUMP */
