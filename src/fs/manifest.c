/* The manifest: a listing of every object below a directory, sorted by
 * path (bytewise), with sizes and SHA-256 digests, in the format that
 * tools/images/manifest.sh prints for a host directory:
 *
 *   MANIFEST-BEGIN
 *   d - - /dir
 *   f <size> <sha256 of the contents> /dir/file
 *   l <size> <sha256 of the target string> /link
 *   o - - /other          (devices, fifos, sockets)
 *   MANIFEST-END <count>
 *
 * The walk does not follow symlinks and does not cross into other mounts'
 * roots any differently from lookups (it is meant for one file system).
 * A directory reached twice (a loop in a corrupt image) stops the walk
 * with -ELOOP.  Used by the manifest=<blockdev> kernel option, the shell's
 * `manifest` command and the rump stage. */
#include <adros/cmdline.h>
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/manifest.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/sha256.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define MAX_ENTRIES (1u << 20)
#define HASH_CHUNK (64u * 1024u)

KOPTION(manifest, "manifest", "manifest=[rump:]<blockdev>: mount it read-only (native ext2, or NetBSD's through rump), print its manifest, power off");

struct walk {
    char **paths;        /* relative to the root, starting with '/' */
    size_t n, cap;
    uint64_t *dirs;      /* open-addressed set of directory inode numbers (+1) */
    size_t dirs_cap, ndirs;
};

static int add_path(struct walk *w, const char *p)
{
    if (w->n >= MAX_ENTRIES)
        return -EFBIG;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        char **np = kmalloc(cap * sizeof(*np));
        if (!np)
            return -ENOMEM;
        if (w->paths)
            memcpy(np, w->paths, w->n * sizeof(*np));
        kfree(w->paths);
        w->paths = np;
        w->cap = cap;
    }
    size_t len = strlen(p);
    char *c = kmalloc(len + 1);
    if (!c)
        return -ENOMEM;
    memcpy(c, p, len + 1);
    w->paths[w->n++] = c;
    return 0;
}

/* Adds ino to the visited set; false if it was there already. */
static int visit_dir(struct walk *w, uint64_t ino)
{
    if ((w->ndirs + 1) * 2 > w->dirs_cap) {
        size_t cap = w->dirs_cap ? w->dirs_cap * 2 : 64;
        uint64_t *nd = kzalloc(cap * sizeof(*nd));
        if (!nd)
            return -ENOMEM;
        for (size_t i = 0; i < w->dirs_cap; i++) {
            if (!w->dirs[i])
                continue;
            size_t h = (size_t)(w->dirs[i] * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
            while (nd[h])
                h = (h + 1) & (cap - 1);
            nd[h] = w->dirs[i];
        }
        kfree(w->dirs);
        w->dirs = nd;
        w->dirs_cap = cap;
    }
    uint64_t key = ino + 1;
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull >> 32) & (w->dirs_cap - 1);
    while (w->dirs[h]) {
        if (w->dirs[h] == key)
            return -ELOOP;
        h = (h + 1) & (w->dirs_cap - 1);
    }
    w->dirs[h] = key;
    w->ndirs++;
    return 0;
}

/* Bottom-up merge sort of the path pointers (bytewise strcmp). */
static int sort_paths(char **a, size_t n)
{
    if (n < 2)
        return 0;
    char **tmp = kmalloc(n * sizeof(*tmp));
    if (!tmp)
        return -ENOMEM;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = MIN(lo + width, n), hi = MIN(lo + 2 * width, n);
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = strcmp(a[i], a[j]) <= 0 ? a[i++] : a[j++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof(*a));
    }
    kfree(tmp);
    return 0;
}

/* Joins root and rel into buf (VFS_PATH_MAX). */
static int join(char *buf, const char *root, const char *rel)
{
    size_t rl = strlen(root);
    if (rl == 1 && root[0] == '/')
        rl = 0;
    if (rl + strlen(rel) + 1 > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(buf, root, rl);
    strlcpy(buf + rl, rel, VFS_PATH_MAX - rl);
    return 0;
}

/* Lists directory rel (its index in w->paths is walked later). */
static int list_dir(struct walk *w, const char *root, const char *rel, char *path, struct vfs_dirent *de)
{
    int err = join(path, root, rel[0] ? rel : "/");
    if (err)
        return err;
    struct file *f;
    err = vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &f);
    if (err)
        return err;
    size_t rl = strlen(rel);
    int r;
    while ((r = vfs_readdir(f, de)) == 1) {
        if (rl + 1 + de->namelen + 1 > VFS_PATH_MAX) {
            r = -ENAMETOOLONG;
            break;
        }
        memcpy(path, rel, rl);
        path[rl] = '/';
        memcpy(path + rl + 1, de->name, (size_t)de->namelen + 1);
        if ((r = add_path(w, path)) != 0)
            break;
    }
    vfs_close(f);
    return r;
}

static int hash_file(const char *path, uint64_t *size, char hex[65], uint8_t *buf)
{
    struct file *f;
    int err = vfs_open(path, O_RDONLY | O_NOFOLLOW, 0, &f);
    if (err)
        return err;
    struct sha256_ctx c;
    sha256_init(&c);
    uint64_t off = 0;
    for (;;) {
        ssize_t n = vfs_pread(f, buf, HASH_CHUNK, off);
        if (n < 0) {
            vfs_close(f);
            return (int)n;
        }
        if (n == 0)
            break;
        sha256_update(&c, buf, (size_t)n);
        off += (uint64_t)n;
    }
    vfs_close(f);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_final(&c, d);
    sha256_hex(d, hex);
    if (off != *size)
        return -EIO; /* the file ended early: the size and the data disagree */
    return 0;
}

static int print_one(const char *root, const char *rel, char *path, uint8_t *buf)
{
    struct vfs_stat st;
    int err = join(path, root, rel);
    if (!err)
        err = vfs_lstat(path, &st);
    if (err)
        return err;
    char hex[65];
    switch (st.type) {
    case VDIR:
        kprintf("d - - %s\n", rel);
        return 0;
    case VREG:
        err = hash_file(path, &st.size, hex, buf);
        if (!err)
            kprintf("f %llu %s %s\n", (unsigned long long)st.size, hex, rel);
        return err;
    case VLNK: {
        int n = vfs_readlink(path, (char *)buf, HASH_CHUNK);
        if (n < 0)
            return n;
        if ((size_t)n >= HASH_CHUNK)
            return -ENAMETOOLONG;
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256(buf, (size_t)n, d);
        sha256_hex(d, hex);
        kprintf("l %d %s %s\n", n, hex, rel);
        return 0;
    }
    default:
        kprintf("o - - %s\n", rel);
        return 0;
    }
}

int manifest_print(const char *root)
{
    struct walk w = { 0 };
    char *path = kmalloc(VFS_PATH_MAX);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    uint8_t *buf = kmalloc(HASH_CHUNK);
    const char *stage = "listing";
    const char *bad = root;
    int err = (!path || !de || !buf) ? -ENOMEM : 0;
    struct vfs_stat st;
    if (!err)
        err = vfs_stat(root, &st);
    if (!err && st.type != VDIR)
        err = -ENOTDIR;
    if (!err)
        err = visit_dir(&w, st.ino);
    if (!err)
        err = list_dir(&w, root, "", path, de);
    /* w.paths grows while we scan it: breadth-first over the directories. */
    for (size_t i = 0; !err && i < w.n; i++) {
        err = join(path, root, w.paths[i]);
        if (!err)
            err = vfs_lstat(path, &st);
        if (!err && st.type == VDIR) {
            err = visit_dir(&w, st.ino);
            if (!err)
                err = list_dir(&w, root, w.paths[i], path, de);
        }
        if (err)
            bad = w.paths[i];
    }
    if (!err)
        err = sort_paths(w.paths, w.n);
    /* A name listed twice means a corrupt directory (blocks mapped twice). */
    for (size_t i = 1; !err && i < w.n; i++) {
        if (strcmp(w.paths[i - 1], w.paths[i]) == 0) {
            err = -EIO;
            bad = w.paths[i];
            klog(LOG_ERR, "manifest: %s is listed twice\n", bad);
        }
    }
    if (!err) {
        stage = "reading";
        kprintf("MANIFEST-BEGIN\n");
        for (size_t i = 0; !err && i < w.n; i++) {
            err = print_one(root, w.paths[i], path, buf);
            if (err)
                bad = w.paths[i];
        }
        if (!err)
            kprintf("MANIFEST-END %u\n", (unsigned)w.n);
    }
    if (err) {
        klog(LOG_ERR, "manifest: %s %s: %s\n", stage, bad, strerror(-err));
        kprintf("MANIFEST-FAILED %s\n", strerror(-err));
    }
    for (size_t i = 0; i < w.n; i++)
        kfree(w.paths[i]);
    kfree(w.paths);
    kfree(w.dirs);
    kfree(path);
    kfree(de);
    kfree(buf);
    return err;
}

/* manifest=<blockdev>: runs at the end of start-up, then powers off.
 * manifest=rump:<blockdev> reads the disk through NetBSD's ext2fs in the
 * rump kernel instead of the native driver (the VFS type "rump"). */
static int manifest_boot(void)
{
    const char *dev = cmdline_get("manifest");
    if (!dev)
        return 0;
    const char *fstype = "ext2";
    if (strncmp(dev, "rump:", 5) == 0) {
        fstype = "rump";
        dev += 5;
    }
    /* A disk that a service provides (a USB disk of the rump kernel, "sd0")
     * exists once that service has started: blk_find_boot waits for it. */
    blk_put(blk_find_boot(dev));
    const char *mnt = "/mnt/manifest";
    int err = vfs_mkdir(mnt, 0755);
    if (err && err != -EEXIST)
        kprintf("manifest: cannot create %s: %s\n", mnt, strerror(-err));
    else if ((err = vfs_mount(fstype, dev, mnt, VFS_MNT_RDONLY)) != 0)
        kprintf("manifest: cannot mount %s as %s: %s\nMANIFEST-FAILED %s\n", dev, fstype, strerror(-err),
                strerror(-err));
    else {
        err = manifest_print(mnt);
        int uerr = vfs_umount(mnt);
        if (uerr)
            kprintf("manifest: umount %s: %s\n", mnt, strerror(-uerr));
        if (!err)
            err = uerr;
    }
    machine_poweroff(err ? POWEROFF_FAIL : POWEROFF_OK);
}
INITCALL(INIT_LATE, manifest_boot);
