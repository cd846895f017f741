/* The "rump" file-system type: a NetBSD file system running in the rump
 * kernel, seen through AdrOS's VFS.
 *
 * Mounting registers the AdrOS block device with the rump kernel as a block
 * device (etfs: "/dev/<name>" inside the rump kernel, backed by the
 * hypercall layer's rumpuser_open("<name>")), mounts NetBSD's file system on
 * a directory of the rump kernel's own namespace (/adros/<mount id>), and
 * hands the VFS a root vnode.  Every vnode is a path inside the rump kernel;
 * its operations are rump system calls on it.  Open descriptors are kept per
 * vnode (read-only, or read-write once written) and closed when the VFS lets
 * the vnode go.
 *
 * Which NetBSD file system: the source names it ("msdos:sd0", what the
 * shell's `mount -t rump -o fs=msdos sd0 /u` passes), or, with a bare device
 * name, it is detected from the disk's first sectors (detect_fs below):
 * ext2 (ext2fs), FFS/UFS1/UFS2 (ffs), ISO 9660 (cd9660), FAT12/16/32
 * (msdos).  Only the file systems whose archive is linked are offered
 * (ADROS_RUMP_FS_<NAME>, mk/rump.mk).  Once mounted, the mount's source is
 * rewritten to "<NetBSD fs>:<device>", so `mount` and df show which one
 * serves it and the string mounts the same again.  cd9660 is always mounted
 * read-only (NetBSD refuses anything else); so is every mount of a
 * read-only device.
 *
 * Assumptions: called from AdrOS threads (never interrupts); the rump kernel
 * binds a calling thread to a temporary lwp by itself.  Vnodes are not
 * cached: two lookups of one name give two vnodes (nothing can be mounted on
 * a directory inside a rump mount). */
#ifdef ADROS_HAVE_RUMP

#include <adros/blk.h>
#include <adros/clock.h>
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

struct rmount {
    struct blk_claim claim; /* MOUNT, owner blk_owner_rump: the device's own rump opens do not conflict */
    char rpath[48];     /* where NetBSD mounted it */
    char etfs_key[32];
    char fstype[16];
};

static const struct vnode_ops rump_vnops;
/* Mounting and unmounting (and with them the etfs registrations, see
 * rump_integration.c) one at a time; taken outside RUMP_GUARDED. */
static kmutex_t rmount_lock = KMUTEX_INIT(rmount_lock, "rumpmount");
static int r_mount_body(struct mount *mp, const char *source, struct vnode **rootp);
static int r_unmount_body(struct mount *mp);

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

static int new_vnode(struct mount *mp, const char *path, struct vnode **out)
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
        r = new_vnode(dir->mnt, path, out);
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
        r = new_vnode(dir->mnt, path, out);
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

static int r_fsync_body(struct vnode *vp)
{
    struct rnode *rn = vp->data; /* rn->lock held */
    int r = 0;
    if (rn->fd >= 0 && rn->rw) {
        if (rump___sysimpl_fsync(rn->fd) < 0)
            r = rump_sys_err();
    } else {
        rump___sysimpl_sync();
    }
    return r;
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


/* ---- guarded entries (see RUMP_GUARDED in rump_int.h) ---- */
static int r_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_lookup_body(dir, name, out));
    return r;
}

static int r_create(struct vnode *dir, const char *name, enum vtype type, uint32_t mode, struct vnode **out)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_create_body(dir, name, type, mode, out));
    return r;
}

static int r_symlink(struct vnode *dir, const char *name, const char *target)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_symlink_body(dir, name, target));
    return r;
}

static int r_unlink(struct vnode *dir, const char *name)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_unlink_body(dir, name));
    return r;
}

static int r_rmdir(struct vnode *dir, const char *name)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_rmdir_body(dir, name));
    return r;
}

static int r_rename(struct vnode *fdir, const char *fname, struct vnode *tdir, const char *tname)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_rename_body(fdir, fname, tdir, tname));
    return r;
}

static int r_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
    struct rnode *rn = dir->data;
    int r;
    kmutex_lock(&rn->lock);
    RUMP_SYSCALL(r, -EIO, r_readdir_body(dir, cookie, de));
    kmutex_unlock(&rn->lock);
    return r;
}

static int r_getattr(struct vnode *vp, struct vfs_stat *st)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_getattr_body(vp, st));
    return r;
}

static ssize_t r_read(struct vnode *vp, void *buf, size_t len, uint64_t off)
{
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

static ssize_t r_write(struct vnode *vp, const void *buf, size_t len, uint64_t off)
{
    struct rnode *rn = vp->data;
    ssize_t r;
    kmutex_lock(&rn->lock);
    RUMP_SYSCALL(r, -EIO, r_write_body(vp, buf, len, off));
    kmutex_unlock(&rn->lock);
    return r;
}

static int r_truncate(struct vnode *vp, uint64_t size)
{
    struct rnode *rn = vp->data;
    int r;
    kmutex_lock(&rn->lock);
    RUMP_SYSCALL(r, -EIO, r_truncate_body(vp, size));
    kmutex_unlock(&rn->lock);
    return r;
}

static int r_readlink(struct vnode *vp, char *buf, size_t size)
{
    int r;
    RUMP_SYSCALL(r, -EIO, r_readlink_body(vp, buf, size));
    return r;
}

static int r_fsync(struct vnode *vp)
{
    struct rnode *rn = vp->data;
    int r;
    kmutex_lock(&rn->lock);
    RUMP_SYSCALL(r, -EIO, r_fsync_body(vp));
    kmutex_unlock(&rn->lock);
    return r;
}

static int r_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    int r;
    kmutex_lock(&rmount_lock);
    RUMP_SYSCALL(r, -EIO, r_mount_body(mp, source, rootp));
    kmutex_unlock(&rmount_lock);
    return r;
}

static int r_unmount(struct mount *mp)
{
    int r;
    kmutex_lock(&rmount_lock);
    RUMP_SYSCALL(r, -EIO, r_unmount_body(mp));
    kmutex_unlock(&rmount_lock);
    return r;
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

/* ---- which NetBSD file system ---- */

#ifdef ADROS_RUMP_FS_EXT2FS
#define HAVE_EXT2FS true
#else
#define HAVE_EXT2FS false
#endif
#ifdef ADROS_RUMP_FS_FFS
#define HAVE_FFS true
#else
#define HAVE_FFS false
#endif
#ifdef ADROS_RUMP_FS_MSDOS
#define HAVE_MSDOS true
#else
#define HAVE_MSDOS false
#endif
#ifdef ADROS_RUMP_FS_CD9660
#define HAVE_CD9660 true
#else
#define HAVE_CD9660 false
#endif

enum nbfs { FS_EXT2FS, FS_FFS, FS_MSDOS, FS_CD9660, FS_COUNT };
static const struct {
    const char *name;    /* NetBSD's, as mount(2) takes it */
    const char *archive; /* the rump component that brings it */
    bool linked;
    bool readonly;       /* never mounted read-write */
} nbfs[FS_COUNT] = {
    [FS_EXT2FS] = { "ext2fs", "librumpfs_ext2fs.a", HAVE_EXT2FS, false },
    [FS_FFS] = { "ffs", "librumpfs_ffs.a", HAVE_FFS, false },
    [FS_MSDOS] = { "msdos", "librumpfs_msdos.a", HAVE_MSDOS, false },
    [FS_CD9660] = { "cd9660", "librumpfs_cd9660.a", HAVE_CD9660, true },
};
/* Other names people use for them. */
static const struct {
    const char *alias;
    enum nbfs fs;
} nbfs_alias[] = {
    { "ext2", FS_EXT2FS }, { "ufs", FS_FFS },       { "fat", FS_MSDOS },
    { "vfat", FS_MSDOS },  { "msdosfs", FS_MSDOS }, { "iso9660", FS_CD9660 },
};

static int nbfs_by_name(const char *name)
{
    for (int i = 0; i < FS_COUNT; i++)
        if (strcmp(name, nbfs[i].name) == 0)
            return i;
    for (size_t i = 0; i < ARRAY_SIZE(nbfs_alias); i++)
        if (strcmp(name, nbfs_alias[i].alias) == 0)
            return (int)nbfs_alias[i].fs;
    return -1;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static bool pow2_in(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi && (v & (v - 1)) == 0; }

/* A FAT boot sector (BIOS parameter block) as a careful OS checks it, not
 * trusting the "FAT"/"FAT32" strings (optional, and often wrong): a jump
 * instruction, bytes per sector a power of two from 512 to 4096, sectors
 * per cluster a power of two, reserved sectors, 1 to 4 FATs, a media byte
 * FAT knows, sizes that fit.  Returns 12, 16 or 32 (by the cluster count,
 * the rule FAT's specification gives) or 0 when s is no FAT boot sector. */
static int fat_kind(const uint8_t *s)
{
    uint32_t bps = le16(s + 11), spc = s[13], rsvd = le16(s + 14), nfats = s[16];
    uint32_t rootents = le16(s + 17), media = s[21];
    uint32_t total = le16(s + 19) ? le16(s + 19) : le32(s + 32);
    uint32_t fatsz = le16(s + 22) ? le16(s + 22) : le32(s + 36);
    bool jump = (s[0] == 0xEB && s[2] == 0x90) || s[0] == 0xE9;
    if (!jump || !pow2_in(bps, 512, 4096) || !pow2_in(spc, 1, 128) || rsvd == 0 || nfats == 0 || nfats > 4 ||
        (media != 0xF0 && media < 0xF8) || total == 0 || fatsz == 0)
        return 0;
    /* FAT32 has no fixed root directory and its FAT size in the FAT32
     * field; FAT12/16 the opposite. */
    bool fat32_layout = le16(s + 22) == 0;
    if (fat32_layout != (rootents == 0))
        return 0;
    uint64_t meta = rsvd + (uint64_t)nfats * fatsz + (rootents * 32 + bps - 1) / bps;
    if (meta >= total)
        return 0;
    uint64_t clusters = (total - meta) / spc;
    int kind = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    if ((kind == 32) != fat32_layout)
        return 0; /* a FAT12/16 layout with a FAT32 cluster count, or so */
    return kind;
}

/* How far into the disk detection reads: the UFS2 superblock at 64 KiB
 * plus its magic (at 1372 in it); the ISO 9660 volume descriptor (32 KiB)
 * and the rest lie before. */
#define DETECT_BYTES (72u * 1024u)
#define UFS_MAGIC_OFF 1372
#define UFS1_MAGIC 0x00011954u
#define UFS2_MAGIC 0x19540119u

static bool ufs_magic_at(const uint8_t *buf, size_t have, size_t sb)
{
    if (sb + UFS_MAGIC_OFF + 4 > have)
        return false;
    uint32_t m = le32(buf + sb + UFS_MAGIC_OFF);
    /* Either byte order: NetBSD's ffs reads both. */
    return m == UFS1_MAGIC || m == UFS2_MAGIC || m == __builtin_bswap32(UFS1_MAGIC) ||
           m == __builtin_bswap32(UFS2_MAGIC);
}

/* Picks the file system from the first sectors of b: the magic numbers of
 * ext2 (0xEF53 at byte 1080), FFS (superblocks at 64, 8 and 0 KiB, NetBSD's
 * search order), ISO 9660 ("CD001" in the descriptor at byte 32768, sector
 * 16 of 2048 bytes), then a FAT boot sector (the weakest signature, so
 * last).  Byte offsets, whatever b's sector size.  Returns the nbfs index,
 * -EFTYPE (nothing recognised) or the read's error; *what names what was
 * found ("FAT32"). */
static int detect_fs(struct blkdev *b, const char **what)
{
    static const char *const fat_names[] = { "FAT12", "FAT16", "FAT32" };
    uint32_t ss = b->sector_size;
    if (ss == 0 || DETECT_BYTES % ss != 0)
        return -EINVAL;
    uint32_t count = (uint32_t)(MIN((uint64_t)DETECT_BYTES, b->nsectors * ss) / ss);
    if (count == 0)
        return -EFTYPE;
    uint8_t *buf = kmalloc(DETECT_BYTES);
    if (!buf)
        return -ENOMEM;
    int r = blk_read(b, 0, count, buf);
    size_t have = (size_t)count * ss;
    if (r < 0) {
        kfree(buf);
        return r;
    }
    r = -EFTYPE;
    int fat;
    if (have >= 1082 && le16(buf + 1080) == 0xEF53) {
        *what = "ext2";
        r = FS_EXT2FS;
    } else if (ufs_magic_at(buf, have, 65536) || ufs_magic_at(buf, have, 8192) || ufs_magic_at(buf, have, 0)) {
        *what = "FFS";
        r = FS_FFS;
    } else if (have >= 32774 && memcmp(buf + 32769, "CD001", 5) == 0) {
        *what = "ISO 9660";
        r = FS_CD9660;
    } else if (have >= 512 && (fat = fat_kind(buf)) != 0) {
        *what = fat_names[fat / 16]; /* 12 -> 0, 16 -> 1, 32 -> 2 */
        r = FS_MSDOS;
    }
    kfree(buf);
    return r;
}

/* mount(2)'s data for fs on the rump kernel's device `key`; returns its
 * length. */
union nbfs_args {
    struct nb_ufs_args ufs;
    struct nb_msdosfs_args msdos;
    struct nb_iso_args iso;
};
static size_t nbfs_args(enum nbfs fs, char *key, union nbfs_args *a)
{
    memset(a, 0, sizeof(*a));
    switch (fs) {
    case FS_MSDOS:
        /* Owned by root; rw-r--r-- files and rwxr-xr-x directories (FAT
         * keeps no modes, only a read-only bit NetBSD applies on top);
         * long names, as UTF-8; on-disk times taken as UTC (AdrOS's
         * clock). */
        a->msdos.fspec = key;
        a->msdos.mask = 0644;
        a->msdos.dirmask = 0755;
        a->msdos.flags = NB_MSDOSFSMNT_VERSIONED | NB_MSDOSFSMNT_LONGNAME | NB_MSDOSFSMNT_UTF8;
        a->msdos.version = NB_MSDOSFSMNT_VERSION;
        return sizeof(a->msdos);
    case FS_CD9660:
        a->iso.fspec = key;
        return sizeof(a->iso);
    default:
        a->ufs.fspec = key;
        return sizeof(a->ufs);
    }
}

/* source: "<dev>" (detected) or "<fs>:<dev>" ("msdos:sd0", "ffs:hdb1"). */
static int r_mount_body(struct mount *mp, const char *source, struct vnode **rootp)
{
    if (!rump_running())
        return -ENXIO;
    struct rmount *rm = kzalloc(sizeof(*rm));
    if (!rm)
        return -ENOMEM;
    const char *colon = strchr(source, ':');
    const char *dev = colon ? colon + 1 : source;
    if (strncmp(dev, "/dev/", 5) == 0)
        dev += 5;
    int r = 0, fs = -1;
    if (colon) {
        char name[16];
        strlcpy(name, source, MIN(sizeof(name), (size_t)(colon - source + 1)));
        if ((fs = nbfs_by_name(name)) < 0) {
            klog(LOG_ERR, "rump: mount: unknown file system \"%s\" (NetBSD's ext2fs, ffs, msdos, cd9660)\n", name);
            r = -EINVAL;
            goto fail;
        }
    }
    struct blkdev *b = blk_find(dev);
    if (!b) {
        klog(LOG_ERR, "rump: mount: no block device \"%s\"\n", dev);
        r = -ENXIO;
        goto fail;
    }
    bool dev_ro = b->readonly;
    r = blk_claim(b, BLK_CLAIM_MOUNT, blk_owner_rump, &rm->claim);
    if (r < 0) {
        blk_put(b);
        klog(LOG_ERR, "rump: mount: %s is in use (%s)\n", dev, strerror(r));
        goto fail;
    }
    if (fs < 0) {
        /* Read under the claim: nobody writes the disk meanwhile. */
        const char *what = NULL;
        fs = detect_fs(b, &what);
        if (fs == -EFTYPE)
            klog(LOG_ERR, "rump: mount: %s: no file system recognized (ext2, FFS, FAT, ISO 9660)\n", dev);
        else if (fs < 0)
            klog(LOG_ERR, "rump: mount: %s: reading its first sectors failed: %s\n", dev, strerror(fs));
        else
            klog(LOG_INFO, "rump: %s: %s found (NetBSD's %s)\n", dev, what, nbfs[fs].name);
    }
    blk_put(b);
    if (fs < 0) {
        r = fs;
        goto fail;
    }
    if (!nbfs[fs].linked) {
        klog(LOG_ERR, "rump: mount: %s needs NetBSD's %s, which is not linked (%s is not among the rump "
             "components)\n", dev, nbfs[fs].name, nbfs[fs].archive);
        r = -ENODEV;
        goto fail;
    }
    strlcpy(rm->fstype, nbfs[fs].name, sizeof(rm->fstype));
    if (nbfs[fs].readonly || dev_ro)
        mp->flags |= VFS_MNT_RDONLY;
    ksnprintf(rm->etfs_key, sizeof(rm->etfs_key), "/dev/%s", dev);
    /* A mount point of its own in the rump kernel's namespace (the VFS
     * numbers a mount only after this returns). */
    static uint32_t seq;
    ksnprintf(rm->rpath, sizeof(rm->rpath), "/adros/%u", (unsigned)++seq);
    if ((r = rump__etfs_get(rm->etfs_key, dev)) < 0)
        goto fail;
    rump___sysimpl_mkdir("/adros", 0755);
    if (rump___sysimpl_mkdir(rm->rpath, 0755) < 0 && rump_sys_err() != -EEXIST) {
        r = rump_sys_err();
        goto fail_etfs;
    }
    union nbfs_args args;
    size_t alen = nbfs_args((enum nbfs)fs, rm->etfs_key, &args);
    uint64_t t0 = clock_gettime_ns();
    if (rump___sysimpl_mount50(rm->fstype, rm->rpath, (mp->flags & VFS_MNT_RDONLY) ? NB_MNT_RDONLY : 0, &args,
                               alen) < 0) {
        r = rump_sys_err();
        klog(LOG_ERR, "rump: NetBSD's %s refused to mount %s: %s\n", rm->fstype, dev, strerror(r));
        rump___sysimpl_rmdir(rm->rpath);
        goto fail_etfs;
    }
    rump__note_mount(clock_gettime_ns() - t0);
    r = new_vnode(mp, rm->rpath, rootp);
    if (r < 0) {
        rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE);
        rump___sysimpl_rmdir(rm->rpath);
        goto fail_etfs;
    }
    ksnprintf(mp->source, sizeof(mp->source), "%s:%s", rm->fstype, dev);
    mp->data = rm;
    return 0;
fail_etfs:
    rump__etfs_put(rm->etfs_key);
fail:
    blk_unclaim(&rm->claim);
    kfree(rm);
    return r;
}

static int r_unmount_body(struct mount *mp)
{
    struct rmount *rm = mp->data;
    /* Unmounting writes everything back (NetBSD's unmount syncs).  The VFS
     * forgets the mount whatever we return, so if NetBSD refuses, write
     * everything back anyway and force it. */
    if (rump___sysimpl_unmount(rm->rpath, 0) < 0) {
        int r = rump_sys_err();
        klog(LOG_ERR, "rump: unmount of %s failed (%s); syncing and forcing it\n", rm->rpath, strerror(r));
        rump___sysimpl_sync();
        if (rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE) < 0)
            return rump_sys_err();
    }
    rump___sysimpl_rmdir(rm->rpath);
    rump__etfs_put(rm->etfs_key);
    blk_unclaim(&rm->claim);
    kfree(rm);
    return 0;
}

const struct vfsops rump_vfsops = {
    .name = "rump",
    .mount = r_mount,
    .unmount = r_unmount,
    .statfs = NULL,
};

#endif /* ADROS_HAVE_RUMP */
