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
    char rpath[48];     /* where NetBSD mounted it */
    char etfs_key[32];
    char fstype[16];
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
        mp->data = rm;
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
    r = blk_claim(b, BLK_CLAIM_MOUNT, blk_owner_rump, &rm->claim);
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
    /* A mount point of its own in the rump kernel's namespace (the VFS
     * numbers a mount only after this returns). */
    static uint32_t seq;
    ksnprintf(rm->rpath, sizeof(rm->rpath), "/adros/%u", (unsigned)++seq);
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
    mp->data = rm;
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
    /* Unmounting writes everything back (NetBSD's unmount syncs).  The VFS
     * forgets the mount whatever we return, so if NetBSD refuses, write
     * everything back anyway and force it. */
    if (rump___sysimpl_unmount(rm->rpath, 0) < 0) {
        int r = rump_sys_err();
        klog(LOG_ERR, "rump: unmount of %s failed (%s); syncing and forcing it\n", rm->rpath, strerror(r));
        rump___sysimpl_sync();
        if (rump___sysimpl_unmount(rm->rpath, NB_MNT_FORCE) < 0)
            return rump_sys_err();
    }
    rump___sysimpl_rmdir(rm->rpath);
    if (rm->etfs_key[0]) /* not zfs: */
        rump__etfs_put(rm->etfs_key);
    blk_unclaim(&rm->claim);
    kfree(rm);
    return 0;
}

/* Mounting and unmounting (and with them the etfs registrations, see
 * rump_integration.c) one at a time; taken outside RUMP_SYSCALL, so a rump
 * kernel panic cannot leave it held. */
static kmutex_t rmount_lock = KMUTEX_INIT(rmount_lock, "rumpmount");

static int r_mount(struct mount *mp, const char *source, struct vnode **rootp)
{
    int r;
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

const struct vfsops rump_vfsops = {
    .name = "rump",
    .mount = r_mount,
    .unmount = r_unmount,
    .statfs = NULL,
};

#endif /* ADROS_HAVE_RUMP */
