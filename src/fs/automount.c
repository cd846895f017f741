/* Disks that are simply there: choosing the driver for a disk
 * (vfs_mount_auto, what `mount` without -t and mount= use), and the
 * automounter, which mounts the disks plugged in after boot (USB sticks) on
 * /usb1, /usb2... and unmounts them when they are pulled, with a line on
 * the console each time (removable media only: blkdev.removable).
 *
 * The driver: NetBSD's file system through the rump kernel (the "rump" VFS
 * type, src/rump/rump_mount.c), read-write, when it is linked and running;
 * otherwise AdrOS's own ext2, read-only, for an ext2 disk.  Detection is
 * fsdetect()'s, on the disk's first sectors.
 *
 * The automounter hears the block layer's listener calls (blk.c): a disk
 * announced once its partitions are registered, a disk gone.  They are
 * queued, and one thread ("automount") mounts and unmounts, so the disk
 * drivers' threads never wait for a file system.  Disks present at boot
 * are left to mount= and the user: the thread drops every event until the
 * boot's disks are registered (blk_boot_wait_all).  automount=off turns it
 * off. */
#include <adros/blk.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/fsdetect.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>

KOPTION(automount, "automount",
        "automount=on|off: mount disks plugged in after boot on /usb1, /usb2... (default on)");

/* ---- choosing the driver ---- */

/* What fsdetect() finds on dev: FSDETECT_*, or a negative errno. */
static int detect(const char *dev)
{
    struct blkdev *b = blk_find(dev);
    if (!b)
        return -ENXIO;
    uint32_t ss = b->sector_size;
    uint32_t count = ss ? (uint32_t)(MIN((uint64_t)FSDETECT_BYTES, b->nsectors * ss) / ss) : 0;
    uint8_t *buf = count ? kmalloc((size_t)count * ss) : NULL;
    int r = count == 0 ? FSDETECT_NONE : !buf ? -ENOMEM : blk_read(b, 0, count, buf);
    if (buf && r >= 0)
        r = fsdetect(buf, (size_t)count * ss, NULL);
    kfree(buf);
    blk_put(b);
    return r;
}

int vfs_mount_auto(const char *dev, const char *dir, uint32_t flags)
{
    int kind = detect(dev);
    if (kind < 0)
        return kind;
    if (kind == FSDETECT_NONE)
        return -EFTYPE;
    /* NetBSD's: -ENODEV when the rump type is not registered (no rump
     * components) or NetBSD's file system for this kind is not linked,
     * -ENXIO when the rump kernel is not running (rump=off, or it failed);
     * anything else is NetBSD's answer about this disk. */
    int r = vfs_mount("rump", dev, dir, flags);
    if (r != -ENODEV && r != -ENXIO)
        return r;
    if (kind != FSDETECT_EXT2)
        return r;
    return vfs_mount("ext2", dev, dir, flags | VFS_MNT_RDONLY);
}

/* ---- the automounter ---- */

#define AM_QUEUE 32
#define AM_MOUNTS 16

struct am_event {
    char disk[16];
    bool added;
};

static kmutex_t am_lock = KMUTEX_INIT(am_lock, "automount");
static kcond_t am_cv;
static struct am_event queue[AM_QUEUE]; /* am_lock */
static int qhead, qlen;                 /* am_lock */
static bool armed;                      /* am_lock: the boot's disks are registered */

/* The thread's own: what it mounted. */
static struct {
    char disk[16], dev[16], dir[16];
    bool used;
} mounted[AM_MOUNTS];

static void note(const char *disk, bool added)
{
    kmutex_lock(&am_lock);
    if (!armed) {
        kmutex_unlock(&am_lock);
        return;
    }
    if (qlen == AM_QUEUE) {
        kmutex_unlock(&am_lock);
        klog(LOG_WARN, "automount: too many disk events at once: %s %s is not handled\n", disk,
             added ? "added" : "removed");
        return;
    }
    struct am_event *e = &queue[(qhead + qlen++) % AM_QUEUE];
    strlcpy(e->disk, disk, sizeof(e->disk));
    e->added = added;
    kcond_signal(&am_cv);
    kmutex_unlock(&am_lock);
}

static void on_added(const char *disk) { note(disk, true); }
static void on_removed(const char *disk) { note(disk, false); }
static struct blk_listener am_listener = { on_added, on_removed, NULL };

/* Is the mount on dir still the one made of dev ("hda" or "<fs>:hda")? */
static bool still_ours(const char *dir, const char *dev, struct vfs_mountinfo *mi)
{
    if (vfs_statfs(dir, mi) < 0 || strcmp(mi->target, dir) != 0)
        return false;
    const char *colon = strchr(mi->source, ':');
    return strcmp(colon ? colon + 1 : mi->source, dev) == 0;
}

/* A free /usbN: none of ours, and nothing mounted there. */
static int free_dir(char *dir, size_t size)
{
    struct vfs_mountinfo *mi = kmalloc(sizeof(*mi));
    if (!mi)
        return -ENOMEM;
    int slot = -1;
    for (int n = 1; n <= AM_MOUNTS && slot < 0; n++) {
        ksnprintf(dir, size, "/usb%d", n);
        bool taken = vfs_statfs(dir, mi) == 0 && strcmp(mi->target, dir) == 0;
        for (int i = 0; i < AM_MOUNTS && !taken; i++)
            taken = mounted[i].used && strcmp(mounted[i].dir, dir) == 0;
        if (!taken)
            slot = n;
    }
    kfree(mi);
    return slot < 0 ? -ENOSPC : 0;
}

/* Mounts dev (a disk, or a partition of disk) on a free /usbN.  Returns 0,
 * -EFTYPE (no file system on it) or another error, reported. */
static int mount_one(const char *disk, const char *dev, bool quiet_eftype)
{
    int slot;
    for (slot = 0; slot < AM_MOUNTS && mounted[slot].used; slot++)
        ;
    char dir[16];
    if (slot == AM_MOUNTS || free_dir(dir, sizeof(dir)) < 0) {
        kprintf("automount: %s: no free /usbN left (%d mounted): not mounted\n", dev, AM_MOUNTS);
        return -ENOSPC;
    }
    int made = vfs_mkdir(dir, 0755);
    int r = vfs_mount_auto(dev, dir, 0);
    if (r < 0) {
        if (made == 0)
            vfs_rmdir(dir);
        if (r == -EFTYPE && !quiet_eftype)
            kprintf("automount: %s: no file system recognized (ext2, FFS, FAT, ISO 9660): not mounted\n", dev);
        else if (r != -EFTYPE)
            kprintf("automount: %s: mounting it on %s failed: %s\n", dev, dir, strerror(-r));
        return r;
    }
    struct vfs_mountinfo *mi = kmalloc(sizeof(*mi));
    if (mi && vfs_statfs(dir, mi) == 0) {
        const char *colon = strchr(mi->source, ':');
        bool ro = mi->flags & VFS_MNT_RDONLY;
        if (strcmp(mi->fstype, "rump") == 0 && colon)
            kprintf("automount: %s mounted on %s (NetBSD's %.*s, %s)\n", dev, dir, (int)(colon - mi->source),
                    mi->source, ro ? "read-only" : "read-write");
        else
            kprintf("automount: %s mounted on %s (%s, %s)\n", dev, dir, mi->fstype, ro ? "read-only" : "read-write");
    }
    kfree(mi);
    strlcpy(mounted[slot].disk, disk, sizeof(mounted[slot].disk));
    strlcpy(mounted[slot].dev, dev, sizeof(mounted[slot].dev));
    strlcpy(mounted[slot].dir, dir, sizeof(mounted[slot].dir));
    mounted[slot].used = true;
    return 0;
}

struct parts {
    const char *disk;
    char names[AM_MOUNTS][16];
    int n;
};

static void collect(struct blkdev *dev, void *ctx)
{
    struct parts *p = ctx;
    if (dev->parent && strcmp(dev->parent->name, p->disk) == 0 && p->n < AM_MOUNTS)
        strlcpy(p->names[p->n++], dev->name, sizeof(p->names[0]));
}

/* Only removable media (USB sticks): a disk that comes later for another
 * reason (a RAM disk of a test, a service's disk) is the user's to mount. */
static bool removable(const char *disk)
{
    struct blkdev *b = blk_find(disk);
    bool r = b && b->removable;
    blk_put(b);
    return r;
}

static void disk_added(const char *disk)
{
    if (!removable(disk))
        return;
    struct parts *p = kzalloc(sizeof(*p));
    if (!p)
        return;
    p->disk = disk;
    blk_foreach(collect, p);
    if (p->n == 0) {
        mount_one(disk, disk, false);
    } else {
        /* Each partition holding a file system (an extended partition,
         * or one of another system's, silently not). */
        int ok = 0;
        for (int i = 0; i < p->n; i++)
            ok += mount_one(disk, p->names[i], true) == 0;
        if (ok == 0)
            kprintf("automount: %s: no file system recognized on its %d partition%s: nothing mounted\n", disk,
                    p->n, p->n == 1 ? "" : "s");
    }
    kfree(p);
}

static void disk_removed(const char *disk)
{
    struct vfs_mountinfo *mi = kmalloc(sizeof(*mi));
    if (!mi)
        return;
    for (int i = 0; i < AM_MOUNTS; i++) {
        if (!mounted[i].used || strcmp(mounted[i].disk, disk) != 0)
            continue;
        mounted[i].used = false;
        if (!still_ours(mounted[i].dir, mounted[i].dev, mi))
            continue; /* unmounted by hand meanwhile */
        int r = vfs_umount(mounted[i].dir);
        if (r < 0) {
            kprintf("automount: %s removed: unmounting %s failed: %s\n", mounted[i].dev, mounted[i].dir,
                    strerror(-r));
            continue;
        }
        vfs_rmdir(mounted[i].dir);
        kprintf("automount: %s removed: %s unmounted\n", mounted[i].dev, mounted[i].dir);
    }
    kfree(mi);
}

static void *am_thread(void *arg)
{
    (void)arg;
    blk_boot_wait_all();
    kmutex_lock(&am_lock);
    armed = true;
    for (;;) {
        while (qlen == 0)
            kcond_wait(&am_cv, &am_lock);
        struct am_event e = queue[qhead];
        qhead = (qhead + 1) % AM_QUEUE;
        qlen--;
        kmutex_unlock(&am_lock);
        if (e.added)
            disk_added(e.disk);
        else
            disk_removed(e.disk);
        kmutex_lock(&am_lock);
    }
    return NULL;
}

static int automount_init(void)
{
    if (!cmdline_get_bool("automount", true))
        return 0;
    kcond_init(&am_cv);
    blk_listener_add(&am_listener);
    struct thread_attr a = { .name = "automount", .prio = PRIO_NORMAL, .stack_size = 16 * 1024 };
    struct thread *t;
    if (thread_create(&a, am_thread, NULL, &t) < 0)
        klog(LOG_ERR, "automount: cannot start its thread: disks plugged in later are not mounted\n");
    return 0;
}
INITCALL(INIT_LATE, automount_init);
