/* The "rump" file-system type: a NetBSD file system running in the rump
 * kernel, seen through AdrOS's VFS (its vnodes: rump_vnops.c).
 *
 * Mounting registers the AdrOS block device with the rump kernel as a block
 * device (etfs: "/dev/<name>" inside the rump kernel, backed by the
 * hypercall layer's rumpuser_open("<name>")), mounts NetBSD's file system on
 * a directory of the rump kernel's own namespace (/adros/<mount id>), and
 * hands the VFS a root vnode.
 *
 * Which NetBSD file system: the source names it ("msdos:sd0", what the
 * shell's `mount -t rump -o fs=msdos sd0 /u` passes), or, with a bare device
 * name, it is detected from the disk's first sectors (fsdetect(), a pure
 * function in src/fs/fsdetect.c): ext2 (ext2fs), FFS/UFS1/UFS2 (ffs),
 * ISO 9660 (cd9660), FAT12/16/32 (msdos).  Only the file systems whose
 * archive is linked are offered (ADROS_RUMP_FS_<NAME>, mk/rump.mk).  Once
 * mounted, the mount's source is rewritten to "<NetBSD fs>:<device>", so
 * `mount` and df show which one serves it and the string mounts the same
 * again.  cd9660 is always mounted read-only (NetBSD refuses anything
 * else); so is every mount of a read-only device.
 *
 * Assumptions: called from AdrOS threads (never interrupts). */
#ifdef ADROS_HAVE_RUMP

#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/fsdetect.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vnode.h>

#include "rump_int.h"
#include "rump_sys.h"

struct rmount {
    struct blk_claim claim; /* MOUNT, owner blk_owner_rump: the device's own rump opens do not conflict */
    struct list_node node;  /* on rmounts, under rmount_lock */
    char rpath[48];     /* where NetBSD mounted it */
    char etfs_key[32];
    char fstype[16];
    char dev[16];
    bool readonly;
    /* Changes made (vnops) and how many of them the last sync that
     * succeeded covered: unequal means something may be unwritten. */
    volatile uint32_t changes, synced;
    /* The device's failed writes and flushes (blk_stats.write_errors) the
     * last sync reported; more now means a write failed since. */
    uint64_t werr_seen;
};

/* ---- which NetBSD file system ---- */

#ifdef ADROS_RUMP_FS_EXT2FS
#define HAVE_EXT2FS true
#else
#define HAVE_EXT2FS false
#endif
#ifdef ADROS_RUMP_FS_FFS
#define HAVE_FFS true
#else
#define HAVE_FFS false
#endif
#ifdef ADROS_RUMP_FS_MSDOS
#define HAVE_MSDOS true
#else
#define HAVE_MSDOS false
#endif
#ifdef ADROS_RUMP_FS_CD9660
#define HAVE_CD9660 true
#else
#define HAVE_CD9660 false
#endif

enum nbfs { FS_EXT2FS, FS_FFS, FS_MSDOS, FS_CD9660, FS_COUNT };
static const struct {
    const char *name;    /* NetBSD's, as mount(2) takes it */
    const char *archive; /* the rump component that brings it */
    bool linked;
    bool readonly;       /* never mounted read-write */
} nbfs[FS_COUNT] = {
    [FS_EXT2FS] = { "ext2fs", "librumpfs_ext2fs.a", HAVE_EXT2FS, false },
    [FS_FFS] = { "ffs", "librumpfs_ffs.a", HAVE_FFS, false },
    [FS_MSDOS] = { "msdos", "librumpfs_msdos.a", HAVE_MSDOS, false },
    [FS_CD9660] = { "cd9660", "librumpfs_cd9660.a", HAVE_CD9660, true },
};
/* Other names people use for them. */
static const struct {
    const char *alias;
    enum nbfs fs;
} nbfs_alias[] = {
    { "ext2", FS_EXT2FS }, { "ufs", FS_FFS },       { "fat", FS_MSDOS },
    { "vfat", FS_MSDOS },  { "msdosfs", FS_MSDOS }, { "iso9660", FS_CD9660 },
};

static int nbfs_by_name(const char *name)
{
    for (int i = 0; i < FS_COUNT; i++)
        if (strcmp(name, nbfs[i].name) == 0)
            return i;
    for (size_t i = 0; i < ARRAY_SIZE(nbfs_alias); i++)
        if (strcmp(name, nbfs_alias[i].alias) == 0)
            return (int)nbfs_alias[i].fs;
    return -1;
}

/* The NetBSD file system for what fsdetect() found. */
static const int nbfs_of_kind[] = {
    [FSDETECT_NONE] = -1, [FSDETECT_EXT2] = FS_EXT2FS, [FSDETECT_FFS] = FS_FFS,
    [FSDETECT_ISO9660] = FS_CD9660, [FSDETECT_FAT] = FS_MSDOS,
};

/* Picks the file system from the first sectors of b (fsdetect).  Returns
 * the nbfs index, -EFTYPE (nothing recognised) or the read's error; *what
 * names what was found ("FAT32"). */
static int detect_fs(struct blkdev *b, const char **what)
{
    uint32_t ss = b->sector_size;
    if (ss == 0 || FSDETECT_BYTES % ss != 0)
        return -EINVAL;
    uint32_t count = (uint32_t)(MIN((uint64_t)FSDETECT_BYTES, b->nsectors * ss) / ss);
    if (count == 0)
        return -EFTYPE;
    uint8_t *buf = kmalloc(FSDETECT_BYTES);
    if (!buf)
        return -ENOMEM;
    int r = blk_read(b, 0, count, buf);
    if (r >= 0) {
        int fs = nbfs_of_kind[fsdetect(buf, (size_t)count * ss, what)];
        r = fs < 0 ? -EFTYPE : fs;
    }
    kfree(buf);
    return r;
}

/* mount(2)'s data for fs on the rump kernel's device `key`; returns its
 * length. */
union nbfs_args {
    struct nb_ufs_args ufs;
    struct nb_msdosfs_args msdos;
    struct nb_iso_args iso;
};
static size_t nbfs_args(enum nbfs fs, char *key, union nbfs_args *a)
{
    memset(a, 0, sizeof(*a));
    switch (fs) {
    case FS_MSDOS:
        /* Owned by root; rw-r--r-- files and rwxr-xr-x directories (FAT
         * keeps no modes, only a read-only bit NetBSD applies on top);
         * long names, as UTF-8; on-disk times taken as UTC (AdrOS's
         * clock). */
        a->msdos.fspec = key;
        a->msdos.mask = 0644;
        a->msdos.dirmask = 0755;
        a->msdos.flags = NB_MSDOSFSMNT_VERSIONED | NB_MSDOSFSMNT_LONGNAME | NB_MSDOSFSMNT_UTF8;
        a->msdos.version = NB_MSDOSFSMNT_VERSION;
        return sizeof(a->msdos);
    case FS_CD9660:
        a->iso.fspec = key;
        return sizeof(a->iso);
    default:
        a->ufs.fspec = key;
        return sizeof(a->ufs);
    }
}

/* Mounting and unmounting (and with them the etfs registrations, see
 * rump_integration.c) one at a time; taken outside RUMP_SYSCALL, so a rump
 * kernel panic cannot leave it held.  rmounts: every mounted one. */
static kmutex_t rmount_lock = KMUTEX_INIT(rmount_lock, "rumpmount");
static struct list_node rmounts = LIST_INIT(rmounts);

/* ---- "synced" means on the disk ----
 *
 * NetBSD's fsync writes a file's data and its inode or directory entry, but
 * not what the file system keeps on the device vnode: msdosfs writes its FAT
 * there with delayed writes (bdwrite) unless mounted synchronously, and
 * ext2fs its bitmaps and superblock; its sync(2) only starts those writes
 * (MNT_NOWAIT).  So a file fsynced on FAT and then lost with the stick had
 * its clusters free in the FAT.  AdrOS's fsync and sync therefore also call
 * VFS_SYNC(MNT_WAIT) on the file system, which writes and waits for every
 * dirty vnode and the device vnode's buffers (msdosfs_sync, ext2fs_sync);
 * the cost is measured in docs/RELIABILITY.md. */
static int sync_rmount(struct rmount *rm)
{
    uint32_t changes = rm->changes;
    static struct nb_kauth_cred *root; /* kept for the rump kernel's life */
    if (!root && !(root = rump_pub_cred_create(0, 0, 0, NULL)))
        return -ENOMEM;
    struct nb_mount *nmp;
    int e = rump_pub_vfs_getmp(rm->rpath, &nmp);
    if (e == 0)
        e = rump_pub_vfs_sync(nmp, NB_MNT_WAIT, root);
    if (e)
        return e > 0 ? -e : e;
    /* And out of the disk's write cache (NetBSD's fsync asks for that only
     * with FDISKSYNC): SYNCHRONIZE CACHE for a USB stick.  The disk is then
     * clean, so a stick pulled now leaves nothing behind. */
    if (!rm->claim.dev)
        return (rm->synced = changes), 0; /* zfs: its pool's disks are ZFS's, flushed by it */
    int r = rm->readonly ? 0 : blk_flush(rm->claim.dev);
    /* A write NetBSD issued and the disk failed (the rump kernel's VM may
     * mark such pages clean all the same, so the next sync would find
     * nothing to do): reported once, here, by whichever sync comes next. */
    struct blk_stats st;
    blk_get_stats(rm->claim.dev, &st);
    if (st.write_errors != rm->werr_seen) {
        klog(LOG_ERR, "rump: %s: %llu write%s to the disk failed since the last sync (EIO)\n", rm->dev,
             (unsigned long long)(st.write_errors - rm->werr_seen), st.write_errors - rm->werr_seen == 1 ? "" : "s");
        rm->werr_seen = st.write_errors;
        if (r == 0)
            r = -EIO;
    }
    if (r == 0)
        rm->synced = changes;
    return r;
}

bool rump__mount_gone(struct mount *mp)
{
    struct rmount *rm = mp->data;
    return rm && rm->claim.dev && blk_gone(rm->claim.dev);
}

void rump__mount_changed(struct mount *mp)
{
    struct rmount *rm = mp->data;
    if (rm)
        rm->changes++;
}

/* What was lost with a device that went away: "nothing unwritten was
 * lost" when the last sync came after the last change. */
static void report_gone(struct rmount *rm, const char *target)
{
    uint32_t n = rm->changes - rm->synced;
    if (n == 0)
        kprintf("rump: %s (%s on %s) is gone: nothing unwritten was lost (synced after its last change)\n",
                rm->dev, rm->fstype, target);
    else
        kprintf(KERN_WARN "rump: %s (%s on %s) is gone: unwritten data was lost: %u change%s since the last sync "
                "(write, create, remove, rename) may not be on it\n", rm->dev, rm->fstype, target, (unsigned)n,
                n == 1 ? "" : "s");
}

static volatile bool sync_whole_fs = true;
void rump_set_sync_whole_fs(bool on) { sync_whole_fs = on; }

int rump__sync_mount(struct mount *mp)
{
    struct rmount *rm = mp->data;
    return rm && sync_whole_fs ? sync_rmount(rm) : 0;
}

int rump__sync_mounts(void)
{
    int first = 0;
    struct list_node *n;
    kmutex_lock(&rmount_lock);
    list_for_each(n, &rmounts) {
        struct rmount *rm = list_entry(n, struct rmount, node);
        if (rm->readonly)
            continue;
        int r;
        if (rm->claim.dev && blk_gone(rm->claim.dev))
            r = rm->changes != rm->synced ? -EIO : 0; /* nothing to write, or nowhere to */
        else
            RUMP_SYSCALL(r, -EIO, sync_rmount(rm));
        if (r < 0) {
            klog(LOG_ERR, "rump: sync of %s (%s) failed: %s\n", rm->dev, rm->fstype, strerror(r));
            if (!first)
                first = r;
        }
    }
    kmutex_unlock(&rmount_lock);
    return first;
}

#ifdef ADROS_RUMP_ZFS
/* "zfs:<dataset>": a ZFS file system of an imported pool (src/netbsd/zfs.c
 * imports pools and claims their disks); no device of its own. */
static int r_mount_zfs(struct mount *mp, struct rmount *rm, const char *ds, struct vnode **rootp)
{
    struct nb_mounta *ma = kzalloc(sizeof(*ma));
    if (!ma)
        return -ENOMEM;
    strlcpy(ma->fspec, ds, sizeof(ma->fspec));
    strlcpy(rm->fstype, "zfs", sizeof(rm->fstype));
    static uint32_t zseq;
    ksnprintf(rm->rpath, sizeof(rm->rpath), "/adros/zfs%u", (unsigned)++zseq);
    rump___sysimpl_mkdir("/adros", 0755);
    int r = 0;
    if (rump___sysimpl_mkdir(rm->rpath, 0755) < 0 && rump_sys_err() != -EEXIST) {
        r = rump_sys_err();
    } else if (rump___sysimpl_mount50("zfs", rm->rpath, (mp->flags & VFS_MNT_RDONLY) ? NB_MNT_RDONLY : 0, ma,
                                      sizeof(*ma)) < 0) {
        r = rump_sys_err();
        klog(LOG_ERR, "rump: NetBSD's zfs refused to mount %s: %s\n", ds, strerror(r));
        rump___sysimpl_rmdir(rm->rpath);
    } else if ((r = rump__new_vnode(mp, rm->rpath, rootp)) < 0) {
        rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE);
        rump___sysimpl_rmdir(rm->rpath);
    } else {
        ksnprintf(mp->source, sizeof(mp->source), "zfs:%s", ds);
        strlcpy(rm->dev, ds, sizeof(rm->dev));
        rm->readonly = mp->flags & VFS_MNT_RDONLY;
        mp->data = rm;
        list_push_back(&rmounts, &rm->node); /* sync covers it */
    }
    kfree(ma);
    if (r < 0)
        kfree(rm);
    return r;
}
#endif

/* source: "<dev>" (detected) or "<fs>:<dev>" ("msdos:sd0", "ffs:hdb1"). */
static int r_mount_body(struct mount *mp, const char *source, struct vnode **rootp)
{
    if (!rump_running())
        return -ENXIO;
    struct rmount *rm = kzalloc(sizeof(*rm));
    if (!rm)
        return -ENOMEM;
#ifdef ADROS_RUMP_ZFS
    if (strncmp(source, "zfs:", 4) == 0)
        return r_mount_zfs(mp, rm, source + 4, rootp);
#endif
    const char *colon = strchr(source, ':');
    const char *dev = colon ? colon + 1 : source;
    if (strncmp(dev, "/dev/", 5) == 0)
        dev += 5;
    int r = 0, fs = -1;
    if (colon) {
        char name[16];
        strlcpy(name, source, MIN(sizeof(name), (size_t)(colon - source + 1)));
        if ((fs = nbfs_by_name(name)) < 0) {
            klog(LOG_ERR, "rump: mount: unknown file system \"%s\" (NetBSD's ext2fs, ffs, msdos, cd9660)\n", name);
            r = -EINVAL;
            goto fail;
        }
    }
    struct blkdev *b = blk_find(dev);
    if (!b) {
        klog(LOG_ERR, "rump: mount: no block device \"%s\"\n", dev);
        r = -ENXIO;
        goto fail;
    }
    bool dev_ro = b->readonly;
    /* A read-write mount writes: claimed as a writer too, so a mount of the
     * disk by AdrOS's ext2 (or one of its partitions) refuses it here with
     * EBUSY, not NetBSD's open of the device later with a puzzling error. */
    unsigned how = BLK_CLAIM_MOUNT | ((mp->flags & VFS_MNT_RDONLY) || dev_ro ? 0 : BLK_CLAIM_WRITE);
    r = blk_claim(b, how, blk_owner_rump, &rm->claim);
    if (r < 0) {
        blk_put(b);
        klog(LOG_ERR, "rump: mount: %s is in use (%s)\n", dev, strerror(r));
        goto fail;
    }
    if (fs < 0) {
        /* Read under the claim: nobody writes the disk meanwhile. */
        const char *what = NULL;
        fs = detect_fs(b, &what);
        if (fs == -EFTYPE)
            klog(LOG_ERR, "rump: mount: %s: no file system recognized (ext2, FFS, FAT, ISO 9660)\n", dev);
        else if (fs < 0)
            klog(LOG_ERR, "rump: mount: %s: reading its first sectors failed: %s\n", dev, strerror(fs));
        else
            klog(LOG_INFO, "rump: %s: %s found (NetBSD's %s)\n", dev, what, nbfs[fs].name);
    }
    blk_put(b);
    if (fs < 0) {
        r = fs;
        goto fail;
    }
    if (!nbfs[fs].linked) {
        klog(LOG_ERR, "rump: mount: %s needs NetBSD's %s, which is not linked (%s is not among the rump "
             "components)\n", dev, nbfs[fs].name, nbfs[fs].archive);
        r = -ENODEV;
        goto fail;
    }
    strlcpy(rm->fstype, nbfs[fs].name, sizeof(rm->fstype));
    if (nbfs[fs].readonly || dev_ro)
        mp->flags |= VFS_MNT_RDONLY;
    ksnprintf(rm->etfs_key, sizeof(rm->etfs_key), "/dev/%s", dev);
    /* A mount point of its own in the rump kernel's namespace, never used
     * before (a pulled disk's NetBSD mount may outlive its umount), named
     * after the device so that NetBSD's own messages say which disk ("uid
     * 0 on /adros/hda.1: file system full").  The VFS numbers a mount only
     * after this returns. */
    static uint32_t seq;
    ksnprintf(rm->rpath, sizeof(rm->rpath), "/adros/%s.%u", dev, (unsigned)++seq);
    if ((r = rump__etfs_get(rm->etfs_key, dev)) < 0)
        goto fail;
    rump___sysimpl_mkdir("/adros", 0755);
    if (rump___sysimpl_mkdir(rm->rpath, 0755) < 0 && rump_sys_err() != -EEXIST) {
        r = rump_sys_err();
        goto fail_etfs;
    }
    union nbfs_args args;
    size_t alen = nbfs_args((enum nbfs)fs, rm->etfs_key, &args);
    uint64_t t0 = clock_gettime_ns();
    if (rump___sysimpl_mount50(rm->fstype, rm->rpath, (mp->flags & VFS_MNT_RDONLY) ? NB_MNT_RDONLY : 0, &args,
                               alen) < 0) {
        r = rump_sys_err();
        klog(LOG_ERR, "rump: NetBSD's %s refused to mount %s: %s\n", rm->fstype, dev, strerror(r));
        rump___sysimpl_rmdir(rm->rpath);
        goto fail_etfs;
    }
    rump__note_mount(clock_gettime_ns() - t0);
    r = rump__new_vnode(mp, rm->rpath, rootp);
    if (r < 0) {
        rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE);
        rump___sysimpl_rmdir(rm->rpath);
        goto fail_etfs;
    }
    ksnprintf(mp->source, sizeof(mp->source), "%s:%s", rm->fstype, dev);
    strlcpy(rm->dev, dev, sizeof(rm->dev));
    rm->readonly = mp->flags & VFS_MNT_RDONLY;
    struct blk_stats st;
    blk_get_stats(rm->claim.dev, &st);
    rm->werr_seen = st.write_errors;
    mp->data = rm;
    list_push_back(&rmounts, &rm->node);
    return 0;
fail_etfs:
    rump__etfs_put(rm->etfs_key);
fail:
    blk_unclaim(&rm->claim);
    kfree(rm);
    return r;
}

static int r_unmount_body(struct mount *mp)
{
    struct rmount *rm = mp->data;
    if (rm->claim.dev && blk_gone(rm->claim.dev)) {
        /* Nothing can be written: NetBSD forgets what it held. */
        report_gone(rm, mp->target);
        if (rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE) < 0)
            return rump_sys_err();
    } else if (rump___sysimpl_unmount(rm->rpath, 0) < 0) {
        /* Unmounting writes everything back (NetBSD's unmount syncs).  The
         * VFS forgets the mount whatever we return, so if NetBSD refuses,
         * write everything back anyway and force it. */
        int r = rump_sys_err();
        klog(LOG_ERR, "rump: unmount of %s failed (%s); syncing and forcing it\n", rm->rpath, strerror(r));
        rump___sysimpl_sync();
        if (rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE) < 0)
            return rump_sys_err(); /* still NetBSD's: kept on rmounts, so sync covers it */
    }
    list_remove(&rm->node);
    /* NetBSD's unmount writes everything back but ignores some failures
     * (ext2fs its superblock's): the disk's own count says. */
    int r = 0;
    struct blk_stats st = { 0 };
    if (rm->claim.dev)
        blk_get_stats(rm->claim.dev, &st);
    if (rm->claim.dev && st.write_errors != rm->werr_seen && !blk_gone(rm->claim.dev)) {
        kprintf(KERN_WARN "rump: %s (%s on %s): %llu write%s to the disk failed since the last sync: what was "
                "written since may not be on it\n", rm->dev, rm->fstype, mp->target,
                (unsigned long long)(st.write_errors - rm->werr_seen), st.write_errors - rm->werr_seen == 1 ? "" : "s");
        r = -EIO;
    }
    rump___sysimpl_rmdir(rm->rpath);
    if (rm->etfs_key[0]) /* not zfs: */
        rump__etfs_put(rm->etfs_key);
    blk_unclaim(&rm->claim);
    kfree(rm);
    return r;
}

static int r_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    int r;
    if (rump__crashed)
        return -ENXIO; /* as when it is not running: `mount` falls back to AdrOS's ext2 */
    kmutex_lock(&rmount_lock);
    RUMP_SYSCALL(r, -EIO, r_mount_body(mp, source, rootp));
    kmutex_unlock(&rmount_lock);
    return r;
}

static int r_unmount(struct mount *mp)
{
    int r;
    kmutex_lock(&rmount_lock);
    RUMP_SYSCALL(r, -EIO, r_unmount_body(mp));
    kmutex_unlock(&rmount_lock);
    return r;
}

/* df: NetBSD's statvfs of the mount (f_blocks is what the file system
 * offers, its own structures left out, as NetBSD's df shows it). */
static void r_statfs_body(struct mount *mp, struct vfs_mountinfo *mi)
{
    struct rmount *rm = mp->data;
    struct nb_statvfs *sv = kzalloc(sizeof(*sv));
    if (!sv)
        return;
    if (rump___sysimpl_statvfs1(rm->rpath, sv, NB_ST_WAIT) == 0 && sv->f_frsize) {
        mi->block_size = sv->f_frsize;
        mi->total_blocks = sv->f_blocks;
        mi->free_blocks = sv->f_bfree;
        mi->total_inodes = sv->f_files;
        mi->free_inodes = sv->f_ffree;
    }
    kfree(sv);
}

/* mount and df: a mount whose device went away is marked, not asked. */
static void r_statfs(struct mount *mp, struct vfs_mountinfo *mi)
{
    if (rump__mount_gone(mp)) {
        mi->flags |= VFS_MNT_GONE;
        return;
    }
    int r;
    RUMP_SYSCALL(r, -EIO, (r_statfs_body(mp, mi), 0));
    (void)r;
}

const struct vfsops rump_vfsops = {
    .name = "rump",
    .mount = r_mount,
    .unmount = r_unmount,
    .statfs = r_statfs,
};

#endif /* ADROS_HAVE_RUMP */
