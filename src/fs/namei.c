/* Path lookup: walks a path component by component from "/", handling
 * ".", "..", mount points (down into a mounted file system's root, and up
 * from a root to the directory it covers) and symbolic links (expanded in
 * place, at most VFS_SYMLOOP_MAX per lookup, then -ELOOP).
 *
 * The walk holds one vnode reference at a time (the current directory),
 * never a lock, so file systems may block in lookup.  The path being walked
 * lives in a heap buffer: symlink expansion splices the target in front of
 * the unwalked rest. */
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/vnode.h>

struct walk {
    char path[2 * VFS_PATH_MAX]; /* unwalked rest starts at pos */
    size_t pos;
    int links;
    char name[VFS_NAME_MAX + 1];
    char target[VFS_PATH_MAX];
};

/* Replaces the walked part and the symlink component with target: the
 * rest of the path becomes target + "/" + rest. */
static int splice_link(struct walk *w, struct vnode *lnk)
{
    if (++w->links > VFS_SYMLOOP_MAX)
        return -ELOOP;
    if (!lnk->ops->readlink)
        return -EIO;
    int n = lnk->ops->readlink(lnk, w->target, sizeof(w->target));
    if (n < 0)
        return n;
    if (n == 0)
        return -ENOENT;
    if ((size_t)n >= sizeof(w->target))
        return -ENAMETOOLONG;
    size_t rest = strlen(w->path + w->pos);
    if ((size_t)n + 1 + rest + 1 > sizeof(w->path))
        return -ENAMETOOLONG;
    /* A trailing slash after the link is kept (it asks for a directory);
     * nothing after it adds none. */
    size_t sep = rest ? 1 : 0;
    memmove(w->path + n + sep, w->path + w->pos, rest + 1);
    memcpy(w->path, w->target, (size_t)n);
    if (sep)
        w->path[n] = '/';
    w->pos = 0;
    return 0;
}

/* Takes the next component into w->name; returns its length, 0 at the end
 * of the path.  *last tells whether nothing but slashes follows. */
static int next_component(struct walk *w, bool *last, bool *trailing_slash)
{
    const char *p = w->path + w->pos;
    while (*p == '/')
        p++;
    const char *s = p;
    while (*p && *p != '/')
        p++;
    size_t n = (size_t)(p - s);
    if (n > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(w->name, s, n);
    w->name[n] = '\0';
    const char *q = p;
    while (*q == '/')
        q++;
    *last = *q == '\0';
    *trailing_slash = *last && p != q;
    w->pos = (size_t)(p - w->path);
    return (int)n;
}

/* One step from directory *cur by w->name (not empty, not "."). */
static int step(struct vnode **cur, const char *name, struct vnode **out)
{
    struct vnode *dir = *cur;
    if (dir->type != VDIR)
        return -ENOTDIR;
    if (strcmp(name, "..") == 0) {
        /* At a mount root, ".." is taken in the covered directory. */
        /* By inode number: a file system may have several vnodes of its
         * root (ext2 makes one per lookup). */
        while (dir->ino == dir->mnt->root->ino) {
            struct vnode *up = vfs__cross_up(dir);
            if (!up) { /* "/" */
                vnode_ref(dir);
                *out = dir;
                return 0;
            }
            vnode_rele(dir);
            dir = up;
            *cur = dir;
        }
    }
    if (!dir->ops->lookup)
        return -ENOTDIR;
    struct vnode *child;
    int err = dir->ops->lookup(dir, name, &child);
    if (err)
        return err;
    *out = vfs__cross_down(child);
    return 0;
}

/* The common walk.  want_parent: stop before the last component, leaving
 * it in w->name. */
static int walk(struct walk *w, bool follow, bool want_parent, struct vnode **out)
{
    struct vnode *cur = vfs__root();
    if (!cur)
        return -ENOENT;
    for (;;) {
        bool last, trailing;
        int n = next_component(w, &last, &trailing);
        if (n < 0) {
            vnode_rele(cur);
            return n;
        }
        if (n == 0) { /* path exhausted: cur is the answer */
            if (want_parent) {
                vnode_rele(cur);
                return -EINVAL;
            }
            *out = cur;
            return 0;
        }
        if (want_parent && last) {
            if (strcmp(w->name, ".") == 0 || strcmp(w->name, "..") == 0) {
                vnode_rele(cur);
                return -EINVAL;
            }
            if (cur->type != VDIR) {
                vnode_rele(cur);
                return -ENOTDIR;
            }
            *out = cur;
            return 0;
        }
        if (strcmp(w->name, ".") == 0) {
            if (cur->type != VDIR) {
                vnode_rele(cur);
                return -ENOTDIR;
            }
            if (last) {
                *out = cur;
                return 0;
            }
            continue;
        }
        struct vnode *next;
        int err = step(&cur, w->name, &next);
        if (err) {
            vnode_rele(cur);
            return err;
        }
        if (next->type == VLNK && (!last || follow || trailing)) {
            /* Expand the link relative to the directory it is in. */
            err = splice_link(w, next);
            vnode_rele(next);
            if (err) {
                vnode_rele(cur);
                return err;
            }
            if (w->path[0] == '/') {
                vnode_rele(cur);
                cur = vfs__root();
            }
            continue;
        }
        vnode_rele(cur);
        cur = next;
        if (last) {
            if (trailing && cur->type != VDIR) {
                vnode_rele(cur);
                return -ENOTDIR;
            }
            *out = cur;
            return 0;
        }
    }
}

/* The working directory of relative paths: the shell's hook says which
 * (NULL: "/", as for every thread the shell did not start). */
static const char *(*cwd_hook)(void);

void vfs_set_cwd_hook(const char *(*fn)(void)) { cwd_hook = fn; }

static struct walk *walk_start(const char *path, int *err)
{
    if (!path) {
        *err = -EFAULT;
        return NULL;
    }
    size_t len = strnlen(path, VFS_PATH_MAX);
    if (len >= VFS_PATH_MAX) {
        *err = -ENAMETOOLONG;
        return NULL;
    }
    if (len == 0) {
        *err = -ENOENT;
        return NULL;
    }
    struct walk *w = kmalloc(sizeof(*w));
    if (!w) {
        *err = -ENOMEM;
        return NULL;
    }
    const char *cwd = path[0] != '/' && cwd_hook ? cwd_hook() : NULL;
    size_t clen = cwd ? strnlen(cwd, VFS_PATH_MAX) : 0;
    if (clen + 1 + len >= VFS_PATH_MAX) {
        kfree(w);
        *err = -ENAMETOOLONG;
        return NULL;
    }
    if (clen) {
        memcpy(w->path, cwd, clen);
        w->path[clen] = '/';
    }
    memcpy(w->path + (clen ? clen + 1 : 0), path, len + 1);
    w->pos = 0;
    w->links = 0;
    return w;
}

int vfs__lookup(const char *path, bool follow, struct vnode **out)
{
    int err;
    struct walk *w = walk_start(path, &err);
    if (!w)
        return err;
    err = walk(w, follow, false, out);
    kfree(w);
    return err;
}

int vfs__lookup_parent(const char *path, struct vnode **dirp, char *name)
{
    int err;
    struct walk *w = walk_start(path, &err);
    if (!w)
        return err;
    err = walk(w, false, true, dirp);
    if (!err)
        strlcpy(name, w->name, VFS_NAME_MAX + 1);
    kfree(w);
    return err;
}
