/* ramfs: a writable file system in memory, mounted as "/" at boot.
 *
 * Regular files, directories and symlinks.  File data lives in 4 KiB pages
 * reached through a page table that grows as needed; a missing page is a
 * hole and reads as zeros (so sparse files cost nothing).  Every node is in
 * at most one directory (no hard links).  A node is freed when it is both
 * unlinked and unreferenced.
 *
 * Each mount holds at most `limit` bytes of file data (ramfs.size=<MiB>,
 * default half of RAM): past it writes fail with ENOSPC, so filling the
 * root leaves memory for starting commands (rm, df, poweroff).
 *
 * Locking: one mutex per mount (rfs->lock) protects every node of that
 * mount: the tree, names, sizes and data. */
#include <adros/cmdline.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#define RPAGE 4096u
#define RAMFS_MAX_SIZE (1ull << 34) /* 16 GiB: keeps the page table under kmalloc's limit */

struct ramfs {
    kmutex_t lock;
    uint64_t next_ino; /* lock */
    uint64_t bytes;    /* data pages in use, lock */
    uint64_t limit;    /* most bytes of data pages; set at mount */
};

KOPTION(ramfs_size, "ramfs.size", "ramfs.size=<MiB>: most file data on the RAM root (default half of RAM)");

/* The size limit of a new mount: ramfs.size=, else half of RAM. */
static uint64_t ramfs_limit(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t ram = (uint64_t)ps.total_pages * PAGE_SIZE, def = ram / 2;
    const char *opt = cmdline_get("ramfs.size");
    if (!opt)
        return def;
    long mib = cmdline_get_int("ramfs.size", -1);
    if (mib <= 0) {
        klog(LOG_WARN, "ramfs: ramfs.size=%s is not a size in MiB; using %llu MiB\n", opt,
             (unsigned long long)(def >> 20));
        return def;
    }
    /* A limit, not a reservation (as tmpfs's size=): above RAM, memory
     * runs out first, and the writer gets ENOSPC all the same. */
    if ((uint64_t)mib > ram >> 20)
        klog(LOG_INFO, "ramfs: ramfs.size=%ld MiB is more than the RAM (%llu MiB): the memory is the limit\n", mib,
             (unsigned long long)(ram >> 20));
    return (uint64_t)mib << 20;
}

struct rnode {
    struct vnode v;
    /* All below: the mount's lock. */
    struct rnode *parent;       /* directory holding it (root: itself); NULL once unlinked */
    struct list_node sibling;   /* in parent->children */
    char name[VFS_NAME_MAX + 1];
    uint32_t mode;
    int64_t mtime, ctime;
    bool linked;
    uint64_t size;              /* VREG: bytes; VLNK: target length */
    uint8_t **pages;            /* VREG: page table (NULL entries are holes) */
    size_t npages;              /* entries in pages */
    char *link;                 /* VLNK: target */
    struct list_node children;  /* VDIR */
    size_t nchildren;
};

static const struct vnode_ops ramfs_vops;

static struct ramfs *RFS(struct vnode *vp) { return vp->mnt->data; }
static struct rnode *RN(struct vnode *vp) { return container_of(vp, struct rnode, v); }
static int64_t now_s(void) { return (int64_t)(clock_wall_ns() / NSEC_PER_SEC); }

static void free_node(struct ramfs *fs, struct rnode *n)
{
    for (size_t i = 0; i < n->npages; i++) {
        if (n->pages[i]) {
            kfree(n->pages[i]);
            fs->bytes -= RPAGE;
        }
    }
    kfree(n->pages);
    kfree(n->link);
    kfree(n);
}

/* lock held.  A new node with one reference. */
static struct rnode *new_node(struct mount *mp, enum vtype type, uint32_t mode)
{
    struct ramfs *fs = mp->data;
    struct rnode *n = kzalloc(sizeof(*n));
    if (!n)
        return NULL;
    vnode_init(&n->v, mp, &ramfs_vops, type, fs->next_ino++);
    n->v.data = n;
    n->mode = mode;
    n->mtime = n->ctime = now_s();
    list_init(&n->sibling);
    list_init(&n->children);
    return n;
}

/* lock held */
static struct rnode *find(struct rnode *dir, const char *name)
{
    struct list_node *it;
    list_for_each(it, &dir->children) {
        struct rnode *c = list_entry(it, struct rnode, sibling);
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static void link_into(struct rnode *dir, struct rnode *n, const char *name)
{
    strlcpy(n->name, name, sizeof(n->name));
    n->parent = dir;
    n->linked = true;
    list_push_back(&dir->children, &n->sibling);
    dir->nchildren++;
    dir->mtime = now_s();
}

static void unlink_from(struct rnode *dir, struct rnode *n)
{
    list_remove(&n->sibling);
    dir->nchildren--;
    dir->mtime = now_s();
    n->parent = NULL;
    n->linked = false;
}

static int ramfs_lookup(struct vnode *dvp, const char *name, struct vnode **out)
{
    struct ramfs *fs = RFS(dvp);
    struct rnode *d = RN(dvp);
    kmutex_lock(&fs->lock);
    struct rnode *c;
    if (strcmp(name, "..") == 0)
        c = d->parent ? d->parent : NULL;
    else
        c = find(d, name);
    if (c)
        vnode_ref(&c->v);
    kmutex_unlock(&fs->lock);
    if (!c)
        return -ENOENT;
    *out = &c->v;
    return 0;
}

static int ramfs_create(struct vnode *dvp, const char *name, enum vtype type, uint32_t mode, struct vnode **out)
{
    if (type != VREG && type != VDIR)
        return -EOPNOTSUPP;
    struct ramfs *fs = RFS(dvp);
    struct rnode *d = RN(dvp);
    int err = 0;
    kmutex_lock(&fs->lock);
    if (!d->linked)
        err = -ENOENT; /* directory was removed */
    else if (find(d, name))
        err = -EEXIST;
    else {
        struct rnode *n = new_node(dvp->mnt, type, mode);
        if (!n)
            err = -ENOMEM;
        else {
            link_into(d, n, name);
            *out = &n->v;
        }
    }
    kmutex_unlock(&fs->lock);
    return err;
}

static int ramfs_symlink(struct vnode *dvp, const char *name, const char *target)
{
    struct ramfs *fs = RFS(dvp);
    struct rnode *d = RN(dvp);
    size_t len = strlen(target);
    char *copy = kmalloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, target, len + 1);
    int err = 0;
    kmutex_lock(&fs->lock);
    struct rnode *n = NULL;
    if (!d->linked)
        err = -ENOENT;
    else if (find(d, name))
        err = -EEXIST;
    else if (!(n = new_node(dvp->mnt, VLNK, 0777)))
        err = -ENOMEM;
    else {
        n->link = copy;
        n->size = len;
        link_into(d, n, name);
    }
    kmutex_unlock(&fs->lock);
    if (err)
        kfree(copy);
    else
        vnode_rele(&n->v);
    return err;
}

static int ramfs_remove(struct vnode *dvp, const char *name, bool is_dir)
{
    struct ramfs *fs = RFS(dvp);
    int err = 0;
    kmutex_lock(&fs->lock);
    struct rnode *c = find(RN(dvp), name);
    if (!c)
        err = -ENOENT;
    else if (is_dir && c->v.type != VDIR)
        err = -ENOTDIR;
    else if (!is_dir && c->v.type == VDIR)
        err = -EISDIR;
    else if (is_dir && c->nchildren)
        err = -ENOTEMPTY;
    else {
        unlink_from(RN(dvp), c);
        vnode_ref(&c->v); /* freed through inactive once unreferenced */
    }
    kmutex_unlock(&fs->lock);
    if (!err)
        vnode_rele(&c->v);
    return err;
}

static int ramfs_unlink(struct vnode *dvp, const char *name) { return ramfs_remove(dvp, name, false); }
static int ramfs_rmdir(struct vnode *dvp, const char *name) { return ramfs_remove(dvp, name, true); }

static int ramfs_rename(struct vnode *fdvp, const char *fname, struct vnode *tdvp, const char *tname)
{
    struct ramfs *fs = RFS(fdvp);
    struct rnode *fd = RN(fdvp), *td = RN(tdvp), *victim = NULL;
    int err = 0;
    kmutex_lock(&fs->lock);
    struct rnode *s = find(fd, fname);
    struct rnode *t = find(td, tname);
    if (!s)
        err = -ENOENT;
    else if (!td->linked)
        err = -ENOENT;
    else if (s == t)
        err = 0;
    else {
        /* A directory may not move below itself. */
        if (s->v.type == VDIR)
            for (struct rnode *a = td; a && a->parent != a; a = a->parent)
                if (a == s)
                    err = -EINVAL;
        if (!err && t) {
            if (s->v.type == VDIR && t->v.type != VDIR)
                err = -ENOTDIR;
            else if (s->v.type != VDIR && t->v.type == VDIR)
                err = -EISDIR;
            else if (t->v.type == VDIR && t->nchildren)
                err = -ENOTEMPTY;
        }
        if (!err) {
            if (t) {
                unlink_from(td, t);
                vnode_ref(&t->v);
                victim = t;
            }
            unlink_from(fd, s);
            link_into(td, s, tname);
        }
    }
    kmutex_unlock(&fs->lock);
    if (victim)
        vnode_rele(&victim->v);
    return err;
}

static int ramfs_readdir(struct vnode *dvp, uint64_t *cookie, struct vfs_dirent *de)
{
    struct ramfs *fs = RFS(dvp);
    struct rnode *d = RN(dvp);
    int r = 0;
    kmutex_lock(&fs->lock);
    uint64_t i = 0;
    struct list_node *it;
    list_for_each(it, &d->children) {
        if (i++ == *cookie) {
            struct rnode *c = list_entry(it, struct rnode, sibling);
            de->ino = c->v.ino;
            de->type = c->v.type;
            de->namelen = (uint16_t)strlcpy(de->name, c->name, sizeof(de->name));
            (*cookie)++;
            r = 1;
            break;
        }
    }
    kmutex_unlock(&fs->lock);
    return r;
}

static int ramfs_getattr(struct vnode *vp, struct vfs_stat *st)
{
    struct ramfs *fs = RFS(vp);
    struct rnode *n = RN(vp);
    kmutex_lock(&fs->lock);
    st->mode = n->mode;
    st->nlink = n->linked ? (vp->type == VDIR ? 2 : 1) : 0;
    st->size = vp->type == VDIR ? n->nchildren : n->size;
    st->blksize = RPAGE;
    uint64_t pages = 0;
    for (size_t i = 0; i < n->npages; i++)
        pages += n->pages[i] != NULL;
    st->blocks = pages * (RPAGE / 512);
    st->mtime = st->atime = n->mtime;
    st->ctime = n->ctime;
    kmutex_unlock(&fs->lock);
    return 0;
}

static ssize_t ramfs_read(struct vnode *vp, void *buf, size_t len, uint64_t off)
{
    struct ramfs *fs = RFS(vp);
    struct rnode *n = RN(vp);
    kmutex_lock(&fs->lock);
    if (off >= n->size) {
        kmutex_unlock(&fs->lock);
        return 0;
    }
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        size_t pi = (size_t)(pos / RPAGE), po = (size_t)(pos % RPAGE);
        size_t k = MIN(RPAGE - po, len - done);
        if (pi < n->npages && n->pages[pi])
            memcpy((uint8_t *)buf + done, n->pages[pi] + po, k);
        else
            memset((uint8_t *)buf + done, 0, k);
        done += k;
    }
    kmutex_unlock(&fs->lock);
    return (ssize_t)len;
}

/* lock held: page table with at least want entries. */
static int grow_table(struct rnode *n, size_t want)
{
    if (want <= n->npages)
        return 0;
    size_t cap = n->npages ? n->npages : 16;
    while (cap < want)
        cap *= 2;
    uint8_t **t = kzalloc(cap * sizeof(*t));
    if (!t)
        return -ENOMEM;
    if (n->pages)
        memcpy(t, n->pages, n->npages * sizeof(*t));
    kfree(n->pages);
    n->pages = t;
    n->npages = cap;
    return 0;
}

/* lock held */
static void trunc_locked(struct ramfs *fs, struct rnode *n, uint64_t size)
{
    if (size < n->size) {
        size_t first_gone = (size_t)((size + RPAGE - 1) / RPAGE);
        for (size_t i = first_gone; i < n->npages; i++) {
            if (n->pages[i]) {
                kfree(n->pages[i]);
                n->pages[i] = NULL;
                fs->bytes -= RPAGE;
            }
        }
        size_t tail = (size_t)(size % RPAGE);
        size_t last = (size_t)(size / RPAGE);
        if (tail && last < n->npages && n->pages[last])
            memset(n->pages[last] + tail, 0, RPAGE - tail);
    }
    n->size = size;
    n->mtime = now_s();
}

static ssize_t ramfs_write(struct vnode *vp, const void *buf, size_t len, uint64_t off)
{
    struct ramfs *fs = RFS(vp);
    struct rnode *n = RN(vp);
    kmutex_lock(&fs->lock);
    if (off == VFS_OFF_APPEND)
        off = n->size;
    if (off >= RAMFS_MAX_SIZE || len > RAMFS_MAX_SIZE - off) {
        kmutex_unlock(&fs->lock);
        return -EFBIG;
    }
    int err = grow_table(n, (size_t)((off + len + RPAGE - 1) / RPAGE));
    size_t done = 0;
    while (!err && done < len) {
        uint64_t pos = off + done;
        size_t pi = (size_t)(pos / RPAGE), po = (size_t)(pos % RPAGE);
        size_t k = MIN(RPAGE - po, len - done);
        if (!n->pages[pi]) {
            if (fs->bytes + RPAGE > fs->limit) {
                err = -ENOSPC;
                break;
            }
            n->pages[pi] = kzalloc(RPAGE);
            if (!n->pages[pi]) {
                err = -ENOSPC;
                break;
            }
            fs->bytes += RPAGE;
        }
        memcpy(n->pages[pi] + po, (const uint8_t *)buf + done, k);
        done += k;
    }
    if (done && off + done > n->size)
        n->size = off + done;
    if (done)
        n->mtime = now_s();
    kmutex_unlock(&fs->lock);
    return done ? (ssize_t)done : err;
}

static int ramfs_truncate(struct vnode *vp, uint64_t size)
{
    if (size > RAMFS_MAX_SIZE)
        return -EFBIG;
    struct ramfs *fs = RFS(vp);
    kmutex_lock(&fs->lock);
    trunc_locked(fs, RN(vp), size);
    kmutex_unlock(&fs->lock);
    return 0;
}

static int ramfs_readlink(struct vnode *vp, char *buf, size_t size)
{
    struct ramfs *fs = RFS(vp);
    struct rnode *n = RN(vp);
    kmutex_lock(&fs->lock);
    int len = (int)n->size;
    if (size)
        strlcpy(buf, n->link, size);
    kmutex_unlock(&fs->lock);
    return len;
}

static void ramfs_inactive(struct vnode *vp)
{
    struct ramfs *fs = RFS(vp);
    struct rnode *n = RN(vp);
    kmutex_lock(&fs->lock);
    /* Unlinked nodes cannot be found again, so the count stays zero.  Free
     * only as the last release in flight: another thread may have reached
     * zero before us and not yet got here (then it frees). */
    int others = __atomic_sub_fetch(&vp->releasing, 1, __ATOMIC_SEQ_CST);
    bool dead = !n->linked && others == 0 && __atomic_load_n(&vp->refcnt, __ATOMIC_SEQ_CST) == 0;
    if (dead)
        free_node(fs, n);
    kmutex_unlock(&fs->lock);
}

static const struct vnode_ops ramfs_vops = {
    .lookup = ramfs_lookup,
    .create = ramfs_create,
    .symlink = ramfs_symlink,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .rename = ramfs_rename,
    .readdir = ramfs_readdir,
    .getattr = ramfs_getattr,
    .read = ramfs_read,
    .write = ramfs_write,
    .truncate = ramfs_truncate,
    .readlink = ramfs_readlink,
    .inactive = ramfs_inactive,
};

static int ramfs_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    struct ramfs *fs = kzalloc(sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    kmutex_init(&fs->lock, "ramfs");
    fs->next_ino = 2;
    fs->limit = ramfs_limit();
    mp->data = fs;
    kmutex_lock(&fs->lock);
    struct rnode *root = new_node(mp, VDIR, 0755);
    if (root) {
        root->parent = root;
        root->linked = true;
    }
    kmutex_unlock(&fs->lock);
    if (!root) {
        kfree(fs);
        return -ENOMEM;
    }
    *rootp = &root->v;
    return 0;
}

/* Frees a subtree (unmount: nothing is referenced any more). */
static void free_tree(struct ramfs *fs, struct rnode *n)
{
    struct list_node *it, *tmp;
    list_for_each_safe(it, tmp, &n->children)
        free_tree(fs, list_entry(it, struct rnode, sibling));
    free_node(fs, n);
}

static int ramfs_unmount(struct mount *mp)
{
    struct ramfs *fs = mp->data;
    free_tree(fs, RN(mp->root));
    kfree(fs);
    return 0;
}

static void ramfs_statfs(struct mount *mp, struct vfs_mountinfo *mi)
{
    struct ramfs *fs = mp->data;
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    kmutex_lock(&fs->lock);
    uint64_t used = fs->bytes / RPAGE, total = fs->limit / RPAGE;
    kmutex_unlock(&fs->lock);
    mi->block_size = RPAGE;
    mi->total_blocks = total;
    mi->free_blocks = MIN(total > used ? total - used : 0, (uint64_t)ps.free_pages);
}

const struct vfsops ramfs_vfsops = {
    .name = "ramfs",
    .mount = ramfs_mount,
    .unmount = ramfs_unmount,
    .statfs = ramfs_statfs,
};
