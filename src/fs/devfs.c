/* devfs: the file system on /dev.  Lists every registered block device
 * (hda, hda1, ram0, ...) as a VBLK node, plus the character devices null
 * and zero.  Devices are looked up live in the block layer (blk_find /
 * blk_foreach) at each lookup and readdir, so a device registered before or
 * after devfs was mounted appears either way, and one unregistered
 * disappears from the directory.  A VBLK vnode holds a reference on its
 * device (dropped in devfs_inactive), so an open file of a device that
 * went away keeps a valid pointer, and its I/O fails with -EIO.
 *
 * Inode numbers are stable per name: devfs remembers the names it has seen
 * (names_lock).
 *
 * Character devices of other subsystems (NetBSD's audioN) come through
 * devfs_register_chr (<adros/devfs.h>): listed after the block devices,
 * each vnode of one holding a struct chr_node (vp->data). */
#include <adros/blk.h>
#include <adros/devfs.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#define DEVFS_MAX_NAMES 128
#define INO_ROOT 1
#define INO_NULL 2
#define INO_ZERO 3
#define INO_FIRST_BLK 16

static kmutex_t names_lock = KMUTEX_INIT(names_lock, "devfs");
static char names[DEVFS_MAX_NAMES][16]; /* names_lock */
static int nnames;                       /* names_lock */

static const struct vnode_ops devfs_vops;

#define DEVFS_MAX_CHR 8
static const struct devfs_chr *chrs[DEVFS_MAX_CHR]; /* names_lock */
static int nchrs;                                   /* names_lock */

struct chr_node {
    const struct devfs_chr *c;
    void *state;
    kmutex_t lock; /* serialises the provider's calls on state */
};

int devfs_register_chr(const struct devfs_chr *c)
{
    kmutex_lock(&names_lock);
    int r = nchrs < DEVFS_MAX_CHR ? 0 : -ENOSPC;
    if (!r)
        chrs[nchrs++] = c;
    kmutex_unlock(&names_lock);
    return r;
}

static const struct devfs_chr *chr_get(int i)
{
    kmutex_lock(&names_lock);
    const struct devfs_chr *c = i < nchrs ? chrs[i] : NULL;
    kmutex_unlock(&names_lock);
    return c;
}

/* name = prefix followed by a unit in c's units(): the unit, or -1. */
static int chr_unit(const struct devfs_chr *c, const char *name)
{
    size_t pl = strlen(c->prefix);
    if (strncmp(name, c->prefix, pl) != 0 || name[pl] < '0' || name[pl] > '9' || name[pl + 1])
        return -1; /* units 0..9: one digit, no leading zeros to alias */
    int unit = name[pl] - '0';
    return c->units() & (1u << unit) ? unit : -1;
}

static uint64_t ino_of(const char *name)
{
    kmutex_lock(&names_lock);
    int i;
    for (i = 0; i < nnames; i++)
        if (strcmp(names[i], name) == 0)
            break;
    if (i == nnames && nnames < DEVFS_MAX_NAMES)
        strlcpy(names[nnames++], name, sizeof(names[0]));
    kmutex_unlock(&names_lock);
    return i < DEVFS_MAX_NAMES ? (uint64_t)(INO_FIRST_BLK + i) : 0xffffffffu;
}

static int new_vnode(struct mount *mp, enum vtype type, uint64_t ino, struct blkdev *bdev, struct vnode **out)
{
    struct vnode *vp = kzalloc(sizeof(*vp));
    if (!vp)
        return -ENOMEM;
    vnode_init(vp, mp, &devfs_vops, type, ino);
    vp->bdev = bdev;
    *out = vp;
    return 0;
}

static int devfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
    if (dir->ino != INO_ROOT)
        return -ENOTDIR;
    if (strcmp(name, "..") == 0) {
        vnode_ref(dir);
        *out = dir;
        return 0;
    }
    if (strcmp(name, "null") == 0)
        return new_vnode(dir->mnt, VCHR, INO_NULL, NULL, out);
    if (strcmp(name, "zero") == 0)
        return new_vnode(dir->mnt, VCHR, INO_ZERO, NULL, out);
    const struct devfs_chr *c;
    for (int i = 0; (c = chr_get(i)) != NULL; i++) {
        int unit = chr_unit(c, name);
        if (unit < 0)
            continue;
        struct chr_node *cn = kzalloc(sizeof(*cn));
        if (!cn)
            return -ENOMEM;
        kmutex_init(&cn->lock, "devfs-chr");
        cn->c = c;
        int err = c->open(unit, &cn->state);
        if (!err)
            err = new_vnode(dir->mnt, VCHR, ino_of(name), NULL, out);
        if (err) {
            if (cn->state)
                c->close(cn->state);
            kfree(cn);
            return err;
        }
        (*out)->data = cn;
        return 0;
    }
    struct blkdev *b = blk_find(name);
    if (!b)
        return -ENOENT;
    int err = new_vnode(dir->mnt, VBLK, ino_of(b->name), b, out); /* the vnode keeps the reference */
    if (err)
        blk_put(b);
    return err;
}

struct nth {
    uint64_t want, seen;
    bool found;
    char name[16];
};

/* The device is only held during the call: keep its name. */
static void pick(struct blkdev *dev, void *ctx)
{
    struct nth *n = ctx;
    if (n->seen++ == n->want) {
        n->found = true;
        strlcpy(n->name, dev->name, sizeof(n->name));
    }
}

static int devfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
    if (*cookie < 2) {
        bool z = *cookie == 1;
        de->ino = z ? INO_ZERO : INO_NULL;
        de->type = VCHR;
        de->namelen = (uint16_t)strlcpy(de->name, z ? "zero" : "null", sizeof(de->name));
        (*cookie)++;
        return 1;
    }
    /* The block layer's list may change between calls: an entry may be
     * skipped or repeated then, never invented. */
    struct nth n = { *cookie - 2, 0, false, "" };
    blk_foreach(pick, &n);
    if (!n.found) {
        /* Past the block devices: the providers' units, in order. */
        uint64_t k = n.want - n.seen;
        const struct devfs_chr *c;
        for (int i = 0; (c = chr_get(i)) != NULL; i++) {
            uint32_t m = c->units();
            for (int u = 0; u < 10; u++) {
                if (!(m & (1u << u)) || k--)
                    continue;
                ksnprintf(de->name, sizeof(de->name), "%s%d", c->prefix, u);
                de->namelen = (uint16_t)strlen(de->name);
                de->type = VCHR;
                de->ino = ino_of(de->name);
                (*cookie)++;
                return 1;
            }
        }
        return 0;
    }
    de->type = VBLK;
    de->namelen = (uint16_t)strlcpy(de->name, n.name, sizeof(de->name));
    de->ino = ino_of(de->name);
    (*cookie)++;
    return 1;
}

static int devfs_getattr(struct vnode *vp, struct vfs_stat *st)
{
    st->mode = vp->type == VDIR ? 0755 : vp->type == VCHR ? 0666 : 0660;
    st->nlink = vp->type == VDIR ? 2 : 1;
    st->blksize = 4096;
    return 0;
}

static ssize_t devfs_read(struct vnode *vp, void *buf, size_t len, uint64_t off)
{
    struct chr_node *cn = vp->data;
    if (cn) {
        if (!cn->c->read)
            return -EOPNOTSUPP;
        kmutex_lock(&cn->lock);
        ssize_t r = cn->c->read(cn->state, buf, len, off);
        kmutex_unlock(&cn->lock);
        return r;
    }
    if (vp->ino == INO_NULL)
        return 0;
    memset(buf, 0, len);
    return (ssize_t)len;
}

static ssize_t devfs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off)
{
    struct chr_node *cn = vp->data;
    if (!cn)
        return (ssize_t)len; /* null and zero */
    if (!cn->c->write)
        return -EOPNOTSUPP;
    kmutex_lock(&cn->lock);
    ssize_t r = cn->c->write(cn->state, buf, len, off);
    kmutex_unlock(&cn->lock);
    return r;
}

static int devfs_fsync(struct vnode *vp)
{
    struct chr_node *cn = vp->data;
    if (!cn || !cn->c->fsync)
        return 0;
    kmutex_lock(&cn->lock);
    int r = cn->c->fsync(cn->state);
    kmutex_unlock(&cn->lock);
    return r;
}

static void devfs_inactive(struct vnode *vp)
{
    if (vp->ino != INO_ROOT) {
        struct chr_node *cn = vp->data;
        if (cn) {
            cn->c->close(cn->state);
            kfree(cn);
        }
        blk_put(vp->bdev);
        kfree(vp);
    }
}

static const struct vnode_ops devfs_vops = {
    .lookup = devfs_lookup,
    .readdir = devfs_readdir,
    .getattr = devfs_getattr,
    .read = devfs_read,
    .write = devfs_write,
    .fsync = devfs_fsync,
    .inactive = devfs_inactive,
};

static int devfs_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    return new_vnode(mp, VDIR, INO_ROOT, NULL, rootp);
}

static int devfs_unmount(struct mount *mp)
{
    kfree(mp->root);
    return 0;
}

const struct vfsops devfs_vfsops = {
    .name = "devfs",
    .mount = devfs_mount,
    .unmount = devfs_unmount,
};
