/* The VFS core: file system types, the mount table, vnode reference counts,
 * vfs_mount/vfs_umount and the crossing of mount points.
 *
 * Locking: mount_lock (a krwlock) protects the mount table (mounts, each
 * mount's covered/root pointers) and the fs type list.  Lookups take it as
 * readers only for the instant of checking a mount point; mount and umount
 * take it as writers.  Reference counts are atomic.  The busy test of
 * umount is race-free because every way into a mount goes either through a
 * vnode reference already counted on it or through vfs__cross_down() under
 * mount_lock.
 *
 * Mounting and removing directories: ns_lock (a kmutex, taken before
 * mount_lock and never while holding it) serializes them.  vfs_mount holds
 * it from the lookup of its target until the target is reserved (its mount
 * put on `pending`); rmdir and rename (file.c) hold it from their lookups
 * to the file system's removal.  So a directory is either gone before a
 * mount looks it up (-ENOENT), or reserved or covered when a removal looks
 * at it (-EBUSY); a mount never lands on a removed directory.  The slow
 * part of mounting (the file system's mount op) runs without the lock. */
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#define MAX_FSTYPES 8

static krwlock_t mount_lock;
static bool vfs_ready;
static struct list_node mounts = LIST_INIT(mounts); /* mount_lock */
static struct mount *root_mount;                     /* mount_lock */
static const struct vfsops *fstypes[MAX_FSTYPES];    /* mount_lock */
static uint32_t next_mnt_id = 1;                     /* mount_lock */
static kmutex_t ns_lock = KMUTEX_INIT(ns_lock, "vfs-ns");
static struct list_node pending = LIST_INIT(pending); /* ns_lock: mounts being set up */

static void vfs_init_once(void)
{
    /* Called from the first INIT_FS hook, before any other thread can use
     * the VFS; the flag keeps it idempotent. */
    if (!vfs_ready) {
        krw_init(&mount_lock);
        vfs_ready = true;
    }
}

void vfs_register_fs(const struct vfsops *ops)
{
    vfs_init_once();
    krw_enter(&mount_lock, KRW_WRITER);
    for (int i = 0; i < MAX_FSTYPES; i++) {
        if (!fstypes[i]) {
            fstypes[i] = ops;
            break;
        }
    }
    krw_exit(&mount_lock);
}

/* ---- vnodes ---- */

void vnode_init(struct vnode *vp, struct mount *mp, const struct vnode_ops *ops, enum vtype type, uint64_t ino)
{
    vp->type = type;
    vp->ino = ino;
    vp->mnt = mp;
    vp->ops = ops;
    vp->refcnt = 1;
    __atomic_add_fetch(&mp->refs, 1, __ATOMIC_SEQ_CST);
}

void vnode_ref(struct vnode *vp)
{
    __atomic_add_fetch(&vp->refcnt, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&vp->mnt->refs, 1, __ATOMIC_SEQ_CST);
}

void vnode_rele(struct vnode *vp)
{
    struct mount *mp = vp->mnt;
    /* Counted before the decrement: a thread preempted between reaching
     * zero and entering inactive() is visible to a faster one that revived
     * and released the vnode meanwhile. */
    __atomic_add_fetch(&vp->releasing, 1, __ATOMIC_SEQ_CST);
    int n = __atomic_sub_fetch(&vp->refcnt, 1, __ATOMIC_SEQ_CST);
    if (n < 0)
        panic("vnode_rele: vnode %p (ino %llu) released too often", (void *)vp, (unsigned long long)vp->ino);
    if (n == 0 && vp->ops->inactive)
        vp->ops->inactive(vp); /* drops its `releasing` count itself */
    else
        __atomic_sub_fetch(&vp->releasing, 1, __ATOMIC_SEQ_CST);
    /* Only now may umount see the mount idle: inactive() may still be
     * using the file system. */
    __atomic_sub_fetch(&mp->refs, 1, __ATOMIC_SEQ_CST);
}

/* ---- mount points ---- */

/* Mount covering vp; mount_lock held. */
static struct mount *covering(struct vnode *vp)
{
    struct list_node *it;
    list_for_each(it, &mounts) {
        struct mount *m = list_entry(it, struct mount, node);
        if (m->covered && m->covered->mnt == vp->mnt && m->covered->ino == vp->ino)
            return m;
    }
    return NULL;
}

bool vfs__is_covered(struct vnode *vp)
{
    krw_enter(&mount_lock, KRW_READER);
    bool r = covering(vp) != NULL;
    krw_exit(&mount_lock);
    return r;
}

void vfs__ns_lock(void) { kmutex_lock(&ns_lock); }
void vfs__ns_unlock(void) { kmutex_unlock(&ns_lock); }

bool vfs__is_mount_target(struct vnode *vp)
{
    kmutex_assert_held(&ns_lock);
    struct list_node *it;
    list_for_each(it, &pending) {
        struct mount *m = list_entry(it, struct mount, node);
        if (m->covered->mnt == vp->mnt && m->covered->ino == vp->ino)
            return true;
    }
    return vfs__is_covered(vp);
}

struct vnode *vfs__cross_down(struct vnode *vp)
{
    /* Stacked mounts: the root of one may be covered by the next. */
    for (;;) {
        krw_enter(&mount_lock, KRW_READER);
        struct mount *m = covering(vp);
        struct vnode *r = m ? m->root : NULL;
        if (r)
            vnode_ref(r);
        krw_exit(&mount_lock);
        if (!r)
            return vp;
        vnode_rele(vp);
        vp = r;
    }
}

struct vnode *vfs__cross_up(struct vnode *root)
{
    krw_enter(&mount_lock, KRW_READER);
    struct vnode *c = root->mnt->covered;
    if (c)
        vnode_ref(c);
    krw_exit(&mount_lock);
    return c;
}

struct vnode *vfs__root(void)
{
    if (!vfs_ready)
        return NULL;
    krw_enter(&mount_lock, KRW_READER);
    struct vnode *r = root_mount ? root_mount->root : NULL;
    if (r)
        vnode_ref(r);
    krw_exit(&mount_lock);
    return r ? vfs__cross_down(r) : NULL;
}

/* Lexically normalised absolute path of target, for the mount table. */
static void normalise(const char *in, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    while (*in) {
        while (*in == '/')
            in++;
        const char *c = in;
        while (*in && *in != '/')
            in++;
        size_t n = (size_t)(in - c);
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            out[o] = '\0';
            continue;
        }
        if (o + 1 + n + 1 > size)
            break;
        out[o++] = '/';
        memcpy(out + o, c, n);
        o += n;
        out[o] = '\0';
    }
    if (o == 0)
        strlcpy(out, "/", size);
}

int vfs_mount(const char *fstype, const char *source, const char *target, uint32_t flags)
{
    if (!fstype || !target)
        return -EINVAL;
    vfs_init_once();
    const struct vfsops *ops = NULL;
    krw_enter(&mount_lock, KRW_READER);
    for (int i = 0; i < MAX_FSTYPES; i++)
        if (fstypes[i] && strcmp(fstypes[i]->name, fstype) == 0)
            ops = fstypes[i];
    bool have_root = root_mount != NULL;
    krw_exit(&mount_lock);
    if (!ops)
        return -ENODEV;

    struct mount *mp = kzalloc(sizeof(*mp));
    if (!mp)
        return -ENOMEM;
    mp->ops = ops;
    mp->flags = flags;
    strlcpy(mp->source, source ? source : "none", sizeof(mp->source));
    normalise(target, mp->target, sizeof(mp->target));
    list_init(&mp->node);

    /* Look the target up and reserve it, under ns_lock (see the top). */
    struct vnode *covered = NULL;
    int err = 0;
    kmutex_lock(&ns_lock);
    if (have_root) {
        err = vfs__lookup(target, true, &covered);
        if (!err && covered->type != VDIR)
            err = -ENOTDIR;
        /* Already a mount point (or "/"), or one being set up: no stacking. */
        else if (!err && (covered->ino == covered->mnt->root->ino || vfs__is_mount_target(covered)))
            err = -EBUSY;
    } else if (strcmp(target, "/") != 0) {
        err = -ENOENT;
    }
    if (err) {
        kmutex_unlock(&ns_lock);
        if (covered)
            vnode_rele(covered);
        kfree(mp);
        return err;
    }
    mp->covered = covered;
    if (covered)
        list_push_back(&pending, &mp->node);
    kmutex_unlock(&ns_lock);

    struct vnode *root = NULL;
    err = ops->mount(mp, source, &root);
    bool undo = false; /* mounted, but refused afterwards */
    kmutex_lock(&ns_lock);
    if (covered)
        list_remove(&mp->node);
    if (!err) {
        mp->root = root;
        krw_enter(&mount_lock, KRW_WRITER);
        if (!covered && root_mount) {
            err = -EBUSY; /* one root, decided under the lock */
            undo = true;
        } else {
            mp->id = next_mnt_id++;
            list_push_back(&mounts, &mp->node);
            if (!covered)
                root_mount = mp;
        }
        krw_exit(&mount_lock);
    }
    kmutex_unlock(&ns_lock);
    if (undo) {
        vnode_rele(root);
        ops->unmount(mp);
    }
    if (err) {
        if (covered)
            vnode_rele(covered);
        kfree(mp);
        return err;
    }
    /* mp->flags: a file system may have made the mount read-only itself
     * (NetBSD's cd9660 through rump). */
    klog(LOG_INFO, "vfs: mounted %s (%s) on %s%s\n", mp->source, ops->name, mp->target,
         (mp->flags & VFS_MNT_RDONLY) ? " read-only" : "");
    return 0;
}

int vfs_umount(const char *target)
{
    struct vnode *vp;
    int err = vfs__lookup(target, true, &vp);
    if (err)
        return err;
    struct mount *mp = vp->mnt;
    if (vp->ino != mp->root->ino) {
        vnode_rele(vp);
        return -EINVAL;
    }

    /* Our reference keeps mp in the table until we drop it. */
    krw_enter(&mount_lock, KRW_WRITER);
    struct list_node *it;
    bool below = false;
    list_for_each(it, &mounts) {
        struct mount *m = list_entry(it, struct mount, node);
        if (m->covered && m->covered->mnt == mp)
            below = true;
    }
    if (mp == root_mount || (mp->flags & VFS_MNT_SYSTEM)) {
        krw_exit(&mount_lock);
        vnode_rele(vp);
        return -EPERM;
    }
    /* Busy unless the only references are the mount's own on its root
     * and ours. */
    if (below || __atomic_load_n(&mp->refs, __ATOMIC_SEQ_CST) != 2) {
        krw_exit(&mount_lock);
        vnode_rele(vp);
        return -EBUSY;
    }
    list_remove(&mp->node);
    krw_exit(&mount_lock);
    vnode_rele(vp);

    vnode_rele(mp->root);
    err = mp->ops->unmount(mp);
    if (err)
        klog(LOG_ERR, "vfs: unmount of %s: %s (state lost)\n", mp->target, strerror(-err));
    vnode_rele(mp->covered);
    klog(LOG_INFO, "vfs: unmounted %s\n", mp->target);
    kfree(mp);
    return 0;
}

static void fill_info(struct mount *m, struct vfs_mountinfo *mi)
{
    memset(mi, 0, sizeof(*mi));
    mi->mnt_id = m->id;
    strlcpy(mi->fstype, m->ops->name, sizeof(mi->fstype));
    strlcpy(mi->source, m->source, sizeof(mi->source));
    strlcpy(mi->target, m->target, sizeof(mi->target));
    mi->flags = m->flags;
    if (m->ops->statfs)
        m->ops->statfs(m, mi);
}

int vfs_mount_list(struct vfs_mountinfo *out, int max)
{
    if (!vfs_ready)
        return 0;
    int n = 0;
    krw_enter(&mount_lock, KRW_READER);
    struct list_node *it;
    list_for_each(it, &mounts) {
        if (n < max && out)
            fill_info(list_entry(it, struct mount, node), &out[n]);
        n++;
    }
    krw_exit(&mount_lock);
    return n;
}

int vfs_statfs(const char *path, struct vfs_mountinfo *out)
{
    struct vnode *vp;
    int err = vfs__lookup(path, true, &vp);
    if (err)
        return err;
    /* The reference keeps the mount alive while we read it. */
    fill_info(vp->mnt, out);
    vnode_rele(vp);
    return 0;
}

const char *vfs_type_name(enum vtype t)
{
    switch (t) {
    case VREG: return "regular";
    case VDIR: return "directory";
    case VBLK: return "block device";
    case VCHR: return "char device";
    case VLNK: return "symlink";
    default: return "unknown";
    }
}
