/* fswalk=<disk>[:<first>][,...]: the guest half of the hostile-image
 * campaign (tools/test/fsfuzz.py).  Every partition of each disk, from
 * partition <first> on (default 1), is mounted through NetBSD's file system
 * for what is on it (the "rump" VFS type, detected), read-write unless the
 * file system is read-only, walked, written, and unmounted; then AdrOS
 * powers off.  One line per step, which the host reads to tell which image
 * did what:
 *
 *   FSWALK <part> BEGIN
 *   FSWALK <part> REFUSED <errno>                NetBSD refused to mount it
 *   FSWALK <part> DONE entries=<n> errors=<n> write=<ok|errno> umount=<ok|errno>
 *   FSWALK-STOP <why>                           the rump kernel is gone (it panicked)
 *   FSWALK-END <images>
 *
 * A NetBSD panic on an image is contained by the rump kernel's guard: the
 * calls in flight fail, the next mount finds the rump kernel stopped, and
 * the walk stops there; the host notes the image and boots again from the
 * next partition.  A hang shows as a BEGIN without its DONE.
 *
 * The walk is bounded whatever the image claims: directories to depth 16,
 * 4000 entries, the first 256 KiB of each file. */
#include <adros/blk.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/string.h>
#include <adros/vfs.h>

KOPTION(fswalk, "fswalk",
        "fswalk=<disk>[:<first partition>][,...]: mount, walk and write every partition through NetBSD's file "
        "systems, then power off (the hostile-image campaign, tools/test/fsfuzz.py)");

#define WALK_DEPTH 16
#define WALK_ENTRIES 4000
#define WALK_FILE_BYTES (256u * 1024u)
#define WALK_CHUNK (16u * 1024u)
#define WALK_MNT "/fswalk"
#define WALK_MAX_PART 64

struct wstate {
    unsigned entries, errors;
    uint8_t *buf;
};

static void walk_file(struct wstate *w, const char *path)
{
    struct file *f;
    if (vfs_open(path, O_RDONLY, 0, &f) < 0) {
        w->errors++;
        return;
    }
    for (uint64_t off = 0; off < WALK_FILE_BYTES; off += WALK_CHUNK) {
        ssize_t n = vfs_pread(f, w->buf, WALK_CHUNK, off);
        if (n < 0)
            w->errors++;
        if (n <= 0)
            break;
    }
    vfs_close(f);
}

/* path: a buffer of VFS_PATH_MAX bytes, extended and restored. */
static void walk_dir(struct wstate *w, char *path, int depth)
{
    struct file *d;
    if (depth > WALK_DEPTH || vfs_open(path, O_RDONLY, 0, &d) < 0) {
        w->errors++;
        return;
    }
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    size_t len = strlen(path);
    int r;
    while (de && w->entries < WALK_ENTRIES && (r = vfs_readdir(d, de)) != 0) {
        if (r < 0) {
            w->errors++;
            break;
        }
        w->entries++;
        if (len + 1 + de->namelen + 1 > VFS_PATH_MAX) {
            w->errors++;
            continue;
        }
        path[len] = '/';
        memcpy(path + len + 1, de->name, (size_t)de->namelen + 1);
        struct vfs_stat st;
        if (vfs_lstat(path, &st) < 0) {
            w->errors++;
        } else if (st.type == VDIR) {
            walk_dir(w, path, depth + 1);
        } else if (st.type == VREG) {
            walk_file(w, path);
        } else if (st.type == VLNK) {
            char target[128];
            if (vfs_readlink(path, target, sizeof(target)) < 0)
                w->errors++;
        }
        path[len] = '\0';
    }
    kfree(de);
    vfs_close(d);
}

/* Creates, writes, syncs and removes a file and a directory: allocation on
 * the image's (maybe corrupt) bitmaps, FAT, directories.  0 or an errno. */
static int walk_write(struct wstate *w)
{
    int r = vfs_mkdir(WALK_MNT "/fz.dir", 0755);
    if (r < 0 && r != -EEXIST)
        return r;
    struct file *f;
    r = vfs_open(WALK_MNT "/fz.dir/fz.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
    if (r < 0)
        return r;
    memset(w->buf, 0x5a, WALK_CHUNK);
    for (int i = 0; i < 4 && r >= 0; i++) {
        ssize_t n = vfs_write(f, w->buf, WALK_CHUNK);
        r = n < 0 ? (int)n : 0;
    }
    if (r >= 0)
        r = vfs_fsync(f);
    vfs_close(f);
    int u = vfs_unlink(WALK_MNT "/fz.dir/fz.bin");
    int d = vfs_rmdir(WALK_MNT "/fz.dir");
    return r < 0 ? r : u < 0 ? u : d;
}

/* One image.  Returns false when the walk must stop (the rump kernel is
 * gone). */
static bool walk_part(const char *part, struct wstate *w, char *path)
{
    kprintf("FSWALK %s BEGIN\n", part);
    int r = vfs_mount("rump", part, WALK_MNT, 0);
    if (r == -ENXIO || r == -ENODEV) {
        kprintf("FSWALK-STOP the rump kernel is not running (%s)\n", strerror(-r));
        return false;
    }
    if (r < 0) {
        kprintf("FSWALK %s REFUSED %s\n", part, strerror(-r));
        return true;
    }
    w->entries = w->errors = 0;
    strlcpy(path, WALK_MNT, VFS_PATH_MAX);
    walk_dir(w, path, 0);
    struct vfs_mountinfo mi;
    int wr = vfs_statfs(WALK_MNT, &mi) == 0 && (mi.flags & VFS_MNT_RDONLY) ? -EROFS : walk_write(w);
    int u = vfs_umount(WALK_MNT);
    kprintf("FSWALK %s DONE entries=%u errors=%u write=%s umount=%s\n", part, w->entries, w->errors,
            wr == 0 ? "ok" : strerror(-wr), u == 0 ? "ok" : strerror(-u));
    return true;
}

static int fswalk_boot(void)
{
    const char *spec = cmdline_get("fswalk");
    if (!spec)
        return 0;
    struct wstate w = { 0, 0, kmalloc(WALK_CHUNK) };
    char *path = kmalloc(VFS_PATH_MAX);
    int images = 0;
    bool go = w.buf && path && (vfs_mkdir(WALK_MNT, 0755) == 0);
    if (!go)
        kprintf("FSWALK-STOP cannot set up (out of memory or no " WALK_MNT ")\n");
    while (go && *spec) {
        const char *e = strchr(spec, ',');
        size_t len = e ? (size_t)(e - spec) : strlen(spec);
        char disk[16];
        int first = 1;
        const char *colon = memchr(spec, ':', len);
        size_t dlen = colon ? (size_t)(colon - spec) : len;
        if (colon) {
            first = 0;
            for (const char *c = colon + 1; c < spec + len; c++)
                first = first >= 0 && first < 1000 && *c >= '0' && *c <= '9' ? first * 10 + (*c - '0') : -1;
        }
        if (dlen == 0 || dlen >= sizeof(disk) || first < 1 || first > WALK_MAX_PART) {
            kprintf("FSWALK-STOP bad entry \"%.*s\" (want <disk>[:<first partition>])\n", (int)len, spec);
            break;
        }
        memcpy(disk, spec, dlen);
        disk[dlen] = '\0';
        blk_put(blk_find_boot(disk));
        for (int p = first; go && p <= WALK_MAX_PART; p++) {
            char part[24];
            ksnprintf(part, sizeof(part), "%s%s%d", disk, disk[dlen - 1] >= '0' && disk[dlen - 1] <= '9' ? "p" : "",
                      p);
            struct blkdev *b = blk_find(part);
            if (!b)
                continue;
            blk_put(b);
            images++;
            go = walk_part(part, &w, path);
        }
        spec += len + (e ? 1 : 0);
    }
    kprintf("FSWALK-END %d\n", images);
    kfree(w.buf);
    kfree(path);
    machine_poweroff(POWEROFF_OK);
}
INITCALL(INIT_LATE, fswalk_boot);
