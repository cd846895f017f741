/* librumpuser_adros, file group: rumpuser_open/close, getfileinfo,
 * iovread/iovwrite and syncfd (block I/O proper is in rumpuser_bio.c).
 *
 * Names: a block device by its name ("hda", "hda1", or "/dev/hdb1"), or any
 * VFS path ("/images/disk.img"); a VFS path that is a block device (VBLK)
 * is used as that device.  Block devices take I/O in whole sectors only:
 * a misaligned offset or length answers EINVAL.  Every call here may
 * block on a disk or a file system and so runs without the rump CPU. */

#include "rumpuser_int.h"

/* The descriptor table: slots are claimed and released under files_lock;
 * a slot's contents are only read by calls on that descriptor. */
static struct rumpuser_file files[RUMPUSER_NFILES];
static kmutex_t files_lock = KMUTEX_INIT(files_lock, "rumpuser-files");

struct rumpuser_file *rumpuser__file(int fd)
{
    if (fd < 0 || fd >= RUMPUSER_NFILES || !files[fd].used)
        return NULL;
    return &files[fd];
}

static int vfs_flags(int mode)
{
    int fl;
    switch (mode & RUMPUSER_OPEN_ACCMODE) {
    case RUMPUSER_OPEN_RDONLY: fl = O_RDONLY; break;
    case RUMPUSER_OPEN_WRONLY: fl = O_WRONLY; break;
    default: fl = O_RDWR; break;
    }
    if (mode & RUMPUSER_OPEN_CREATE)
        fl |= O_CREAT;
    if (mode & RUMPUSER_OPEN_EXCL)
        fl |= O_EXCL;
    return fl;
}

static bool can_read(int mode) { return (mode & RUMPUSER_OPEN_ACCMODE) != RUMPUSER_OPEN_WRONLY; }
static bool can_write(int mode) { return (mode & RUMPUSER_OPEN_ACCMODE) != RUMPUSER_OPEN_RDONLY; }

/* Opens name (see the top of the file).  Returns 0 and *fdp, or ENOENT,
 * EROFS (writing a read-only device), EMFILE, or the VFS's error. */
static int do_open(const char *name, int mode, int *fdp)
{
    struct file *f = NULL;
    struct blkdev *blk = NULL;
    if ((mode & RUMPUSER_OPEN_ACCMODE) == RUMPUSER_OPEN_ACCMODE)
        return EINVAL;
    if (!strchr(name, '/'))
        blk = blk_find(name);
    if (!blk) {
        int r = vfs_open(name, vfs_flags(mode), 0644, &f);
        if (r < 0) {
            /* /dev/<name> without devfs mounted: the block layer knows it. */
            if (strncmp(name, "/dev/", 5) == 0)
                blk = blk_find(name);
            if (!blk)
                return rumpuser__err(r);
        } else {
            blk = vfs_file_blkdev(f);
            if (blk)
                blk_ref(blk);
        }
    }
    /* blk holds a reference now, dropped at close. */
    if (blk && blk->readonly && can_write(mode)) {
        blk_put(blk);
        if (f)
            vfs_close(f);
        return EROFS;
    }

    kmutex_lock(&files_lock);
    int fd = -1;
    for (int i = 0; i < RUMPUSER_NFILES; i++) {
        if (!files[i].used) {
            fd = i;
            break;
        }
    }
    if (fd >= 0) {
        struct rumpuser_file *rf = &files[fd];
        rf->mode = mode;
        rf->f = f;
        rf->blk = blk;
        memset(&rf->claim, 0, sizeof(rf->claim));
        rf->inflight = 0;
        waitq_init(&rf->idle);
        rf->used = true;
    }
    kmutex_unlock(&files_lock);
    if (fd < 0) {
        blk_put(blk);
        if (f)
            vfs_close(f);
        return EMFILE;
    }
    /* Writing claims the device as the rump kernel's: a native mount of it
     * refuses (and is refused by) it, the rump kernel's own mount does not.
     * The claim lives in the slot (a claim is never moved once made). */
    if (blk && can_write(mode)) {
        int r = blk_claim(blk, BLK_CLAIM_WRITE, blk_owner_rump, &files[fd].claim);
        if (r < 0) {
            kmutex_lock(&files_lock);
            files[fd].used = false;
            files[fd].blk = NULL;
            files[fd].f = NULL;
            kmutex_unlock(&files_lock);
            blk_put(blk);
            if (f)
                vfs_close(f);
            return rumpuser__err(r);
        }
    }
    if (rumpuser__verbose)
        kprintf("rumpuser: open %s -> fd %d (%s)\n", name, fd, blk ? "block device" : "file");
    *fdp = fd;
    return 0;
}

int rumpuser_open(const char *name, int mode, int *fdp)
{
    int r;
    if (!name || !fdp)
        return EINVAL;
    RUMPUSER_BLOCKING(r = do_open(name, mode, fdp));
    return r;
}

static int do_close(int fd)
{
    struct rumpuser_file *rf = rumpuser__file(fd);
    if (!rf)
        return EBADF;
    rumpuser__bio_drain(rf);
    int r = rf->f ? vfs_close(rf->f) : 0;
    struct blkdev *blk = rf->blk;
    blk_unclaim(&rf->claim);
    memset(&rf->claim, 0, sizeof(rf->claim));
    kmutex_lock(&files_lock);
    rf->used = false;
    rf->f = NULL;
    rf->blk = NULL;
    kmutex_unlock(&files_lock);
    blk_put(blk);
    return rumpuser__err(r);
}

/* 0 or EBADF; waits for the descriptor's outstanding bios first. */
int rumpuser_close(int fd)
{
    int r;
    RUMPUSER_BLOCKING(r = do_close(fd));
    return r;
}

static int do_getfileinfo(const char *name, uint64_t *size, int *type)
{
    struct blkdev *blk = strchr(name, '/') ? NULL : blk_find(name);
    uint64_t sz;
    int ty;
    if (blk) {
        sz = blk->nsectors * blk->sector_size;
        ty = RUMPUSER_FT_BLK;
    } else {
        struct vfs_stat st;
        int r = vfs_stat(name, &st);
        if (r < 0) {
            if (strncmp(name, "/dev/", 5) != 0 || !(blk = blk_find(name)))
                return rumpuser__err(r);
            st.type = VBLK;
            st.size = blk->nsectors * blk->sector_size;
        }
        sz = st.size;
        switch (st.type) {
        case VREG: ty = RUMPUSER_FT_REG; break;
        case VDIR: ty = RUMPUSER_FT_DIR; break;
        case VBLK: ty = RUMPUSER_FT_BLK; break;
        case VCHR: ty = RUMPUSER_FT_CHR; break;
        default: ty = RUMPUSER_FT_OTHER; break;
        }
    }
    blk_put(blk);
    if (size)
        *size = sz;
    if (type)
        *type = ty;
    return 0;
}

/* Size and type (RUMPUSER_FT_*) of name; ENOENT and friends. */
int rumpuser_getfileinfo(const char *name, uint64_t *size, int *type)
{
    int r;
    if (!name)
        return EINVAL;
    RUMPUSER_BLOCKING(r = do_getfileinfo(name, size, type));
    return r;
}

ssize_t rumpuser__blk_rw(struct blkdev *dev, bool write, void *buf, size_t len, uint64_t off)
{
    uint32_t ss = dev->sector_size;
    if (ss == 0 || off % ss || len % ss)
        return -EINVAL;
    if (len == 0)
        return 0;
    int r = write ? blk_write(dev, off / ss, (uint32_t)(len / ss), buf)
                  : blk_read(dev, off / ss, (uint32_t)(len / ss), buf);
    return r < 0 ? r : (ssize_t)len;
}

/* Scatter-gather I/O; off is a byte offset or RUMPUSER_IOV_NOSEEK (VFS
 * files: at the file offset, advancing it; block devices: offset 0 is
 * meaningless, so NOSEEK is refused with ESPIPE). */
static int do_iov(int fd, bool write, const struct rumpuser_iovec *iov, size_t n, int64_t off, size_t *retv)
{
    struct rumpuser_file *rf = rumpuser__file(fd);
    *retv = 0;
    if (!rf || !(write ? can_write(rf->mode) : can_read(rf->mode)))
        return EBADF;
    if (off < 0 && off != RUMPUSER_IOV_NOSEEK)
        return EINVAL;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        ssize_t r;
        void *base = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        if (len == 0)
            continue;
        if (rf->blk) {
            if (off == RUMPUSER_IOV_NOSEEK)
                return ESPIPE;
            r = rumpuser__blk_rw(rf->blk, write, base, len, (uint64_t)off + done);
        } else if (off == RUMPUSER_IOV_NOSEEK) {
            r = write ? vfs_write(rf->f, base, len) : vfs_read(rf->f, base, len);
        } else {
            r = write ? vfs_pwrite(rf->f, base, len, (uint64_t)off + done)
                      : vfs_pread(rf->f, base, len, (uint64_t)off + done);
        }
        if (r < 0) {
            *retv = done;
            return done ? 0 : rumpuser__err((int)r);
        }
        done += (size_t)r;
        if ((size_t)r < len)
            break; /* end of file */
    }
    *retv = done;
    return 0;
}

int rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen, int64_t off, size_t *retv)
{
    int r;
    RUMPUSER_BLOCKING(r = do_iov(fd, false, ruiov, iovlen, off, retv));
    return r;
}

int rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov, size_t iovlen, int64_t off, size_t *retv)
{
    int r;
    RUMPUSER_BLOCKING(r = do_iov(fd, true, ruiov, iovlen, off, retv));
    return r;
}

/* READ and/or WRITE required.  BARRIER: every bio started on fd before
 * this call completes first.  WRITE|SYNC: the device's write cache is
 * flushed (the data is on the medium when this returns).  Plain WRITE has
 * nothing to do beyond the barrier: this layer caches no writes, and a
 * completed bio has reached the device.  The range is not used: a device
 * flush is all or nothing. */
static int do_syncfd(int fd, int flags)
{
    struct rumpuser_file *rf = rumpuser__file(fd);
    if (!rf)
        return EBADF;
    if (!(flags & RUMPUSER_SYNCFD_BOTH) ||
        (flags & ~(RUMPUSER_SYNCFD_BOTH | RUMPUSER_SYNCFD_BARRIER | RUMPUSER_SYNCFD_SYNC)))
        return EINVAL;
    if (flags & (RUMPUSER_SYNCFD_BARRIER | RUMPUSER_SYNCFD_SYNC))
        rumpuser__bio_drain(rf);
    if ((flags & RUMPUSER_SYNCFD_WRITE) && (flags & RUMPUSER_SYNCFD_SYNC)) {
        int r = rf->blk ? blk_flush(rf->blk) : vfs_fsync(rf->f);
        return rumpuser__err(r);
    }
    return 0;
}

int rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len)
{
    int r;
    RUMPUSER_BLOCKING(r = do_syncfd(fd, flags));
    return r;
}
