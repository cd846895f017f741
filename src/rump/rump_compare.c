/* Comparing AdrOS's native ext2 driver with NetBSD's (through the rump
 * kernel) on one disk: both mount it read-only, each walks the whole tree
 * reading every file (timed), and the two lists of (path, type, size,
 * SHA-256 or link target) must be equal.  The roadmap's "read files,
 * compare with native driver". */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/sha256.h>
#include <adros/string.h>
#include <adros/vfs.h>

struct entry {
    char *path;           /* relative, starts with '/' */
    enum vtype type;
    uint64_t size;
    uint8_t digest[32];   /* of the content, or of a link's target */
};

struct tree {
    struct entry *e;
    size_t n, cap;
    uint64_t bytes;
    uint64_t ns;
};

static int add(struct tree *t, const char *rel, enum vtype type)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        struct entry *ne = kmalloc(cap * sizeof(*ne));
        if (!ne)
            return -ENOMEM;
        if (t->n)
            memcpy(ne, t->e, t->n * sizeof(*ne));
        kfree(t->e);
        t->e = ne;
        t->cap = cap;
    }
    size_t len = strlen(rel);
    char *p = kmalloc(len + 1);
    if (!p)
        return -ENOMEM;
    memcpy(p, rel, len + 1);
    struct entry *e = &t->e[t->n++];
    memset(e, 0, sizeof(*e));
    e->path = p;
    e->type = type;
    return 0;
}

static int hash_file(const char *path, struct entry *e, uint8_t *buf, size_t bufsz)
{
    struct file *f;
    int r = vfs_open(path, O_RDONLY, 0, &f);
    if (r < 0)
        return r;
    struct sha256_ctx c;
    sha256_init(&c);
    uint64_t off = 0;
    for (;;) {
        ssize_t n = vfs_pread(f, buf, bufsz, off);
        if (n < 0) {
            r = (int)n;
            break;
        }
        if (n == 0)
            break;
        sha256_update(&c, buf, (size_t)n);
        off += (uint64_t)n;
    }
    vfs_close(f);
    sha256_final(&c, e->digest);
    e->size = off;
    return r;
}

/* Walks root breadth-first; every directory, file and symlink becomes an
 * entry; file contents are read and hashed. */
static int walk(const char *root, struct tree *t)
{
    uint8_t *buf = kmalloc(64 * 1024);
    char *path = kmalloc(VFS_PATH_MAX);
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    int r = (!buf || !path || !de) ? -ENOMEM : add(t, "", VDIR);
    uint64_t t0 = clock_gettime_ns();
    for (size_t i = 0; r == 0 && i < t->n; i++) {
        struct entry *e = &t->e[i];
        ksnprintf(path, VFS_PATH_MAX, "%s%s", root, e->path);
        if (e->type == VREG) {
            r = hash_file(path, e, buf, 64 * 1024);
            t->bytes += e->size;
        } else if (e->type == VLNK) {
            int n = vfs_readlink(path, (char *)buf, 4096);
            if (n < 0)
                r = n;
            else {
                e->size = (uint64_t)n;
                sha256(buf, MIN((size_t)n, (size_t)4095), e->digest);
            }
        } else if (e->type == VDIR) {
            struct file *d = NULL;
            r = vfs_open(path, O_RDONLY, 0, &d);
            while (r == 0) {
                int k = vfs_readdir(d, de);
                if (k <= 0) {
                    r = k;
                    break;
                }
                char rel[VFS_PATH_MAX];
                if (ksnprintf(rel, sizeof(rel), "%s/%s", t->e[i].path, de->name) >= (int)sizeof(rel)) {
                    r = -ENAMETOOLONG;
                    break;
                }
                enum vtype ty = de->type;
                if (ty == VNON) {
                    struct vfs_stat st;
                    char full[VFS_PATH_MAX];
                    ksnprintf(full, sizeof(full), "%s%s", root, rel);
                    r = vfs_lstat(full, &st);
                    ty = st.type;
                }
                if (r == 0)
                    r = add(t, rel, ty);
            }
            if (d)
                vfs_close(d);
        }
        if (r < 0)
            kprintf("compare: %s: %s\n", path, strerror(r));
    }
    t->ns = clock_gettime_ns() - t0;
    kfree(buf);
    kfree(path);
    kfree(de);
    return r;
}

static void sort_tree(struct tree *t)
{
    /* Shell sort by path: n is at most tens of thousands here. */
    for (size_t gap = t->n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < t->n; i++)
            for (size_t j = i; j >= gap && strcmp(t->e[j - gap].path, t->e[j].path) > 0; j -= gap) {
                struct entry x = t->e[j];
                t->e[j] = t->e[j - gap];
                t->e[j - gap] = x;
            }
}

static void free_tree(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        kfree(t->e[i].path);
    kfree(t->e);
}

static unsigned mbps(uint64_t bytes, uint64_t ns) { return ns ? (unsigned)(bytes * 1000 / ns) : 0; }

int rump_compare(const char *dev)
{
    if (!rump_running()) {
        kprintf("compare: the rump kernel is %s\n", rump_linked() ? "not running" : "not linked");
        return -ENXIO;
    }
    const char *nat = "/cmp/native", *rmp = "/cmp/rump";
    vfs_mkdir("/cmp", 0755);
    vfs_mkdir(nat, 0755);
    vfs_mkdir(rmp, 0755);
    int r = vfs_mount("ext2", dev, nat, VFS_MNT_RDONLY);
    if (r < 0) {
        kprintf("compare: native ext2 mount of %s failed: %s\n", dev, strerror(r));
        return r;
    }
    r = rump_mount(dev, rmp, true);
    if (r < 0) {
        kprintf("compare: rump mount of %s failed: %s\n", dev, strerror(r));
        vfs_umount(nat);
        return r;
    }
    struct tree a = { 0 }, b = { 0 };
    int ra = walk(nat, &a);
    int rb = walk(rmp, &b);
    int mismatches = 0;
    if (ra == 0 && rb == 0) {
        sort_tree(&a);
        sort_tree(&b);
        size_t i = 0, j = 0;
        while (i < a.n || j < b.n) {
            int c = i == a.n ? 1 : j == b.n ? -1 : strcmp(a.e[i].path, b.e[j].path);
            if (c < 0) {
                kprintf("MISMATCH %s: only seen by the native driver\n", a.e[i++].path);
                mismatches++;
            } else if (c > 0) {
                kprintf("MISMATCH %s: only seen by NetBSD's driver\n", b.e[j++].path);
                mismatches++;
            } else {
                struct entry *x = &a.e[i++], *y = &b.e[j++];
                if (x->type != y->type || x->size != y->size || memcmp(x->digest, y->digest, 32) != 0) {
                    kprintf("MISMATCH %s: native %s %llu bytes, rump %s %llu bytes%s\n", x->path[0] ? x->path : "/",
                            vfs_type_name(x->type), (unsigned long long)x->size, vfs_type_name(y->type),
                            (unsigned long long)y->size,
                            memcmp(x->digest, y->digest, 32) ? ", contents differ" : "");
                    mismatches++;
                }
            }
        }
        kprintf("compare %s: %u objects, %llu bytes, %d mismatches\n", dev, (unsigned)a.n,
                (unsigned long long)a.bytes, mismatches);
        kprintf("compare %s: native ext2 %llu ms (%u MB/s), NetBSD ext2fs via rump %llu ms (%u MB/s)\n", dev,
                (unsigned long long)(a.ns / NSEC_PER_MSEC), mbps(a.bytes, a.ns),
                (unsigned long long)(b.ns / NSEC_PER_MSEC), mbps(b.bytes, b.ns));
    }
    free_tree(&a);
    free_tree(&b);
    vfs_umount(rmp);
    vfs_umount(nat);
    if (ra < 0 || rb < 0)
        return ra < 0 ? ra : rb;
    return mismatches;
}
