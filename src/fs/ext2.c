/* ext2 as a VFS file system (read-only), on top of the portable engine in
 * ext2_parse.c.  Source: a block device name ("hda", "/dev/hda1").
 *
 * The engine's metadata reads (superblock, descriptors, inode tables,
 * indirect and directory blocks) go through a small LRU cache of blocks;
 * file data is read straight into the caller's buffer.  Vnodes are not
 * cached: each lookup makes a fresh one holding a copy of the inode (the
 * file system is read-only, so copies never go stale).
 *
 * Lookups go through a name cache per mount: the first lookup in a
 * directory reads all of its entries (ext2_dir_next) into a hash table of
 * (directory inode, name) -> inode, so later lookups in it, found or not,
 * are answered from memory: walking a directory of n files costs one scan,
 * not n.  The mount is read-only and its claim keeps every writer away, so
 * entries never go stale and nothing has to invalidate them (a writable
 * driver would drop a directory's entries on create, unlink and rename).
 * Bounded: at most NC_MAX entries; a fill that would pass half of that
 * starts from an empty cache; a directory larger than the cache is cached
 * in part, and its misses are looked up on the disk (ext2_lookup).
 *
 * Every failure caused by the disk's contents is logged once with the
 * engine's reason and returned as -EIO (or -EINVAL at mount).
 *
 * The mount claims its device (BLK_CLAIM_MOUNT, which also holds a
 * reference) until it is unmounted: nobody else may open it for writing
 * meanwhile.  If the device goes away, every read fails with -EIO, the
 * cached blocks included; unmounting still works. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/ext2_parse.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#define CACHE_BLOCKS 64

struct cblock {
    uint32_t blk;      /* valid when data != NULL */
    uint64_t last_use;
    uint8_t *data;
};

#define NC_BUCKETS 1024
#define NC_MAX 16384   /* entries per mount */
#define NC_DIRS 64     /* directories known to be cached whole */

struct ncent {
    struct ncent *next;
    uint32_t dir, ino;
    uint8_t len;
    char name[];       /* len bytes, not NUL-terminated */
};

struct e2mount {
    struct ext2_fs fs;         /* immutable after mount (but why/why_num: racy, logging only) */
    struct ext2_io io;
    struct blk_claim claim;    /* BLK_CLAIM_MOUNT while mounted */
    struct blkdev *dev;        /* claim.dev */
    kmutex_t cache_lock;       /* protects cache[] and clock */
    struct cblock cache[CACHE_BLOCKS];
    uint64_t clock;
    kmutex_t log_lock;         /* keeps a reason and its message together */
    kmutex_t nc_lock;          /* protects the name cache: */
    struct ncent *nc[NC_BUCKETS];
    size_t nc_count;
    uint32_t nc_whole[NC_DIRS]; /* directories whose every entry is cached (0: free slot) */
    unsigned nc_next;          /* nc_whole slot to reuse next */
};

struct e2vnode {
    struct vnode v;
    struct ext2_inode in;      /* immutable */
};

static const struct vnode_ops ext2_vops;

static struct e2mount *E2M(struct vnode *vp) { return vp->mnt->data; }
static struct ext2_inode *IN(struct vnode *vp) { return &container_of(vp, struct e2vnode, v)->in; }

static int cached_read(struct e2mount *m, uint64_t off, void *buf, size_t len)
{
    uint32_t bs = m->fs.block_size;
    uint32_t blk = (uint32_t)(off / bs);
    if (blk_gone(m->dev))
        return -EIO;
    kmutex_lock(&m->cache_lock);
    struct cblock *victim = &m->cache[0];
    for (int i = 0; i < CACHE_BLOCKS; i++) {
        struct cblock *c = &m->cache[i];
        if (c->data && c->blk == blk) {
            memcpy(buf, c->data, len);
            c->last_use = ++m->clock;
            kmutex_unlock(&m->cache_lock);
            return 0;
        }
        if (!c->data || (victim->data && c->last_use < victim->last_use))
            victim = c;
    }
    if (!victim->data && !(victim->data = kmalloc(bs))) {
        kmutex_unlock(&m->cache_lock);
        ssize_t n = vfs__blk_rw(m->dev, false, buf, len, off);
        return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
    }
    /* Read while holding the lock: simple, and metadata reads are few. */
    ssize_t n = vfs__blk_rw(m->dev, false, victim->data, bs, off);
    int err = n == (ssize_t)bs ? 0 : n < 0 ? (int)n : -EIO;
    if (err) {
        kfree(victim->data);
        victim->data = NULL;
    } else {
        victim->blk = blk;
        victim->last_use = ++m->clock;
        memcpy(buf, victim->data, len);
    }
    kmutex_unlock(&m->cache_lock);
    return err;
}

static int e2_io_read(void *ctx, uint64_t off, void *buf, size_t len, bool meta)
{
    struct e2mount *m = ctx;
    if (meta && m->fs.block_size && len == m->fs.block_size && off % len == 0)
        return cached_read(m, off, buf, len);
    ssize_t n = vfs__blk_rw(m->dev, false, buf, len, off);
    return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

/* The figure after a reason: a magic number in hex (as it is documented),
 * anything else in decimal. */
static const char *why_fmt(const char *why)
{
    return why && strcmp(why, "bad superblock magic") == 0 ? "ext2: %s: %s: %s (0x%x): %s\n" : "ext2: %s: %s: %s (%u): %s\n";
}

/* Logs the engine's reason for a failure; returns err. */
static int report(struct e2mount *m, int err, const char *what)
{
    if (err == -ENOENT || err == -ENOTDIR || err == -ENOMEM)
        return err;
    kmutex_lock(&m->log_lock);
    klog(LOG_ERR, why_fmt(m->fs.why), m->dev->name, what, m->fs.why ? m->fs.why : "error", m->fs.why_num,
         strerror(-err));
    kmutex_unlock(&m->log_lock);
    return err;
}

static void *scratch_alloc(struct e2mount *m) { return kmalloc(EXT2_SCRATCH(m->fs.block_size)); }

static enum vtype vtype_of(const struct ext2_inode *in)
{
    switch (ext2_itype(in)) {
    case EXT2_S_IFREG: return VREG;
    case EXT2_S_IFDIR: return VDIR;
    case EXT2_S_IFLNK: return VLNK;
    case EXT2_S_IFBLK: return VBLK; /* no device behind it: opening gives -ENXIO */
    case EXT2_S_IFCHR: return VCHR;
    default: return VNON;
    }
}

static int get_vnode(struct mount *mp, uint32_t ino, void *scratch, struct vnode **out)
{
    struct e2mount *m = mp->data;
    struct e2vnode *ev = kzalloc(sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    int err = ext2_read_inode(&m->fs, ino, &ev->in, scratch);
    if (err) {
        kfree(ev);
        return report(m, err, "reading an inode");
    }
    vnode_init(&ev->v, mp, &ext2_vops, vtype_of(&ev->in), ino);
    ev->v.data = ev;
    *out = &ev->v;
    return 0;
}

/* ---- the name cache (see the top of the file); nc_lock held ---- */

static uint32_t nc_hash(uint32_t dir, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ dir;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h % NC_BUCKETS;
}

static struct ncent *nc_find(struct e2mount *m, uint32_t dir, const char *name, size_t len)
{
    for (struct ncent *e = m->nc[nc_hash(dir, name, len)]; e; e = e->next)
        if (e->dir == dir && e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

static void nc_clear(struct e2mount *m)
{
    for (unsigned i = 0; i < NC_BUCKETS; i++) {
        while (m->nc[i]) {
            struct ncent *e = m->nc[i];
            m->nc[i] = e->next;
            kfree(e);
        }
    }
    m->nc_count = 0;
    memset(m->nc_whole, 0, sizeof(m->nc_whole));
}

static bool nc_is_whole(struct e2mount *m, uint32_t dir)
{
    for (unsigned i = 0; i < NC_DIRS; i++)
        if (m->nc_whole[i] == dir)
            return true;
    return false;
}

/* Reads every entry of dir into the cache; marks it whole when all fit. */
static void nc_fill(struct e2mount *m, const struct ext2_inode *in, uint32_t dir, void *scratch)
{
    if (m->nc_count > NC_MAX / 2)
        nc_clear(m);
    struct ext2_dirent *de = kmalloc(sizeof(*de));
    if (!de)
        return;
    uint64_t pos = 0;
    bool whole = true;
    int r;
    while ((r = ext2_dir_next(&m->fs, in, &pos, de, scratch)) == 1) {
        if (de->ino == 0 || nc_find(m, dir, de->name, de->namelen))
            continue;
        struct ncent *e = m->nc_count < NC_MAX ? kmalloc(sizeof(*e) + de->namelen) : NULL;
        if (!e) {
            whole = false;
            break;
        }
        e->dir = dir;
        e->ino = de->ino;
        e->len = de->namelen;
        memcpy(e->name, de->name, de->namelen);
        uint32_t h = nc_hash(dir, de->name, de->namelen);
        e->next = m->nc[h];
        m->nc[h] = e;
        m->nc_count++;
    }
    kfree(de);
    if (r == 0 && whole) {
        m->nc_whole[m->nc_next] = dir;
        m->nc_next = (m->nc_next + 1) % NC_DIRS;
    }
}

/* 0 and *ino, -ENOENT (the directory is cached whole), or 1: not known
 * here, look on the disk. */
static int nc_lookup(struct e2mount *m, struct vnode *dirvp, const char *name, uint32_t *ino, void *scratch)
{
    size_t len = strlen(name);
    uint32_t dir = (uint32_t)dirvp->ino;
    if (dirvp->type != VDIR || len == 0 || len > 255)
        return 1;
    kmutex_lock(&m->nc_lock);
    struct ncent *e = nc_find(m, dir, name, len);
    if (!e && !nc_is_whole(m, dir)) {
        nc_fill(m, IN(dirvp), dir, scratch);
        e = nc_find(m, dir, name, len);
    }
    int r = e ? 0 : nc_is_whole(m, dir) ? -ENOENT : 1;
    if (e)
        *ino = e->ino;
    kmutex_unlock(&m->nc_lock);
    return r;
}

static int e2_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    struct e2mount *m = E2M(dir);
    void *s = scratch_alloc(m);
    if (!s)
        return -ENOMEM;
    uint32_t ino;
    int err = nc_lookup(m, dir, name, &ino, s);
    if (err == 1)
        err = ext2_lookup(&m->fs, IN(dir), name, &ino, s);
    if (err)
        err = report(m, err, "looking up a name");
    else
        err = get_vnode(dir->mnt, ino, s, out);
    kfree(s);
    return err;
}

static int e2_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
    static const enum vtype ft[] = { VNON, VREG, VDIR, VCHR, VBLK, VNON, VNON, VLNK };
    struct e2mount *m = E2M(dir);
    void *s = scratch_alloc(m);
    if (!s)
        return -ENOMEM;
    struct ext2_dirent *e = kmalloc(sizeof(*e));
    int r = -ENOMEM;
    if (e) {
        r = ext2_dir_next(&m->fs, IN(dir), cookie, e, s);
        if (r < 0)
            r = report(m, r, "reading a directory");
        if (r == 1) {
            de->ino = e->ino;
            de->type = e->type < ARRAY_SIZE(ft) ? ft[e->type] : VNON;
            de->namelen = e->namelen;
            memcpy(de->name, e->name, (size_t)e->namelen + 1);
        }
    }
    kfree(e);
    kfree(s);
    return r;
}

static int e2_getattr(struct vnode *vp, struct vfs_stat *st)
{
    const struct ext2_inode *in = IN(vp);
    st->mode = in->mode & 07777;
    st->nlink = in->links;
    st->uid = in->uid;
    st->gid = in->gid;
    st->size = in->size;
    st->blksize = E2M(vp)->fs.block_size;
    st->blocks = in->blocks512;
    st->atime = in->atime;
    st->mtime = in->mtime;
    st->ctime = in->ctime;
    return 0;
}

static ssize_t e2_read(struct vnode *vp, void *buf, size_t len, uint64_t off)
{
    struct e2mount *m = E2M(vp);
    void *s = scratch_alloc(m);
    if (!s)
        return -ENOMEM;
    ssize_t n = ext2_read(&m->fs, IN(vp), off, buf, len, s);
    if (n < 0)
        n = report(m, (int)n, "reading a file");
    kfree(s);
    return n;
}

static int e2_readlink(struct vnode *vp, char *buf, size_t size)
{
    struct e2mount *m = E2M(vp);
    void *s = scratch_alloc(m);
    if (!s)
        return -ENOMEM;
    int n = ext2_readlink(&m->fs, IN(vp), buf, size, s);
    if (n < 0)
        n = report(m, n, "reading a symlink");
    kfree(s);
    return n;
}

static void e2_inactive(struct vnode *vp) { kfree(container_of(vp, struct e2vnode, v)); }

static const struct vnode_ops ext2_vops = {
    .lookup = e2_lookup,
    .readdir = e2_readdir,
    .getattr = e2_getattr,
    .read = e2_read,
    .readlink = e2_readlink,
    .inactive = e2_inactive,
};

static void free_mount(struct e2mount *m)
{
    nc_clear(m);
    for (int i = 0; i < CACHE_BLOCKS; i++)
        kfree(m->cache[i].data);
    blk_unclaim(&m->claim);
    kfree(m);
}

static int e2_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    struct blkdev *dev = blk_find(source);
    if (!dev)
        return -ENXIO;
    if (!(mp->flags & VFS_MNT_RDONLY)) {
        klog(LOG_NOTICE, "ext2: %s: write support not implemented, mounting read-only\n", dev->name);
        mp->flags |= VFS_MNT_RDONLY;
    }
    struct e2mount *m = kzalloc(sizeof(*m));
    int err = m ? blk_claim(dev, BLK_CLAIM_MOUNT, NULL, &m->claim) : -ENOMEM;
    if (err == -EBUSY)
        klog(LOG_ERR, "ext2: %s: open for writing, not mounted\n", dev->name);
    blk_put(dev); /* the claim holds its own reference */
    if (err) {
        kfree(m);
        return err;
    }
    m->dev = dev;
    kmutex_init(&m->cache_lock, "ext2-cache");
    kmutex_init(&m->log_lock, "ext2-log");
    kmutex_init(&m->nc_lock, "ext2-names");
    m->io.read = e2_io_read;
    m->io.ctx = m;
    err = ext2_mount(&m->fs, &m->io, dev->nsectors * dev->sector_size);
    if (err) {
        klog(LOG_ERR, why_fmt(m->fs.why), dev->name, "cannot mount", m->fs.why ? m->fs.why : "?", m->fs.why_num,
             strerror(-err));
        free_mount(m);
        return err;
    }
    mp->data = m;
    void *s = scratch_alloc(m);
    err = s ? get_vnode(mp, EXT2_ROOT_INO, s, rootp) : -ENOMEM;
    kfree(s);
    if (!err && (*rootp)->type != VDIR) {
        klog(LOG_ERR, "ext2: %s: root inode is not a directory\n", dev->name);
        vnode_rele(*rootp);
        err = -EIO;
    }
    if (err) {
        mp->data = NULL;
        free_mount(m);
        return err;
    }
    klog(LOG_INFO, "ext2: %s: revision %u, %u-byte blocks, %u blocks, %u inodes, %u groups%s%s\n", dev->name,
         m->fs.rev, m->fs.block_size, m->fs.blocks_count, m->fs.inodes_count, m->fs.ngroups,
         m->fs.volname[0] ? ", label " : "", m->fs.volname);
    return 0;
}

static int e2_unmount(struct mount *mp)
{
    free_mount(mp->data);
    return 0;
}

static void e2_statfs(struct mount *mp, struct vfs_mountinfo *mi)
{
    struct e2mount *m = mp->data;
    mi->block_size = m->fs.block_size;
    mi->total_blocks = m->fs.blocks_count;
    mi->free_blocks = m->fs.free_blocks;
    mi->total_inodes = m->fs.inodes_count;
    mi->free_inodes = m->fs.free_inodes;
}

const struct vfsops ext2_vfsops = {
    .name = "ext2",
    .mount = e2_mount,
    .unmount = e2_unmount,
    .statfs = e2_statfs,
};
