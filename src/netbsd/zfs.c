/* ZFS through the rump kernel (include/adros/zfs.h): pools and datasets
 * driven through /dev/zfs's ioctls as zpool(8) and zfs(8) drive them.
 *
 * The ioctls take a struct zfs_cmd (nb_zfs_cmd in rump_sys.h) naming the
 * pool or dataset, with packed nvlists for configurations and properties.
 * The nvlists are built, packed and read by libnvpair inside the rump
 * kernel (librumpkern_solaris), called on a rump CPU (rump_schedule); the
 * ioctls are system calls and enter the rump kernel by themselves, so the
 * two never nest.  Everything runs inside RUMP_SYSCALL (the thread bound to
 * an lwp of process 1, which holds the /dev/zfs descriptor; a rump kernel
 * panic fails the call), one operation at a time (zfs_lock).
 *
 * Disks: each pool disk is claimed (BLK_CLAIM_MOUNT, owner rump) and
 * registered as the rump kernel's block device /dev/<name> (etfs) while its
 * pool is imported; ZFS's vdev_disk opens that path.
 *
 * Import: what zpool(8)'s userland does.  Each AdrOS disk's four labels are
 * read (the nvlist at 16 KiB into each 256 KiB label: two at the start, two
 * at the end of the device); the newest readable label of each pool's disks
 * gives its top-level vdevs, which go under a root vdev; every leaf's path
 * is set to where its guid was found now.  ZFS checks that configuration
 * (TRYIMPORT) and imports what it returns (IMPORT); a mirror half not found
 * keeps its old path, fails to open, and the pool imports DEGRADED. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/fsdetect.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>
#include <adros/zfs.h>

#ifdef ADROS_RUMP_ZFS
#include "../rump/rump_sys.h"

#define NB_O_RDWR_ 2
#define LABEL_SIZE (256u * 1024u)
#define LABEL_NVLIST_OFF (16u * 1024u)
#define LABEL_NVLIST_SIZE (112u * 1024u)
#define DST_INITIAL (64u * 1024u)
#define ZFS_MIN_DEV (64ull << 20) /* SPA_MINDEVSIZE: ZFS refuses smaller disks (EOVERFLOW) */

static kmutex_t zfs_lock = KMUTEX_INIT(zfs_lock, "zfs");
static int zfs_fd = -1;

/* The disks of imported pools. */
#define ZDISK_MAX 16
static struct zdisk {
    bool used;
    char pool[ZFS_NAME_MAX];
    char dev[16];
    char key[24]; /* /dev/<dev> */
    struct blk_claim claim;
} zdisks[ZDISK_MAX];

/* Where AdrOS mounted each file system. */
#define ZMOUNT_MAX 32
static struct zmount {
    bool used;
    char ds[ZFS_NAME_MAX];
    char path[ZFS_NAME_MAX + 1];
} zmounts[ZMOUNT_MAX];

bool zfs_available(void)
{
    return rump_running();
}

/* ---- nvlists, on a rump CPU ---- */

static nb_nvlist_t *nv_new(void)
{
    nb_nvlist_t *nvl = NULL;
    if (rumpns_nvlist_alloc(&nvl, NB_NV_UNIQUE_NAME, NB_KM_SLEEP) != 0)
        return NULL;
    return nvl;
}

/* Packs nvl into a kmalloc'd buffer (*len bytes); NULL on failure. */
static char *nv_pack(nb_nvlist_t *nvl, size_t *len)
{
    size_t n = 0;
    if (rumpns_nvlist_size(nvl, &n, NB_NV_ENCODE_NATIVE) != 0)
        return NULL;
    char *buf = kmalloc(n);
    if (!buf)
        return NULL;
    char *p = buf;
    if (rumpns_nvlist_pack(nvl, &p, &n, NB_NV_ENCODE_NATIVE, NB_KM_SLEEP) != 0) {
        kfree(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static nb_nvlist_t *nv_unpack(char *buf, size_t len)
{
    nb_nvlist_t *nvl = NULL;
    if (len == 0 || rumpns_nvlist_unpack(buf, len, &nvl, NB_KM_SLEEP) != 0)
        return NULL;
    return nvl;
}

static uint64_t nv_u64(nb_nvlist_t *nvl, const char *name, uint64_t dflt)
{
    uint64_t v;
    return rumpns_nvlist_lookup_uint64(nvl, name, &v) == 0 ? v : dflt;
}

static const char *nv_str(nb_nvlist_t *nvl, const char *name)
{
    char *s;
    return rumpns_nvlist_lookup_string(nvl, name, &s) == 0 ? s : NULL;
}

/* A property of a dataset's property list: {name: {value: ...}}. */
static uint64_t prop_u64(nb_nvlist_t *props, const char *name)
{
    nb_nvlist_t *p;
    if (!props || rumpns_nvlist_lookup_nvlist(props, name, &p) != 0)
        return 0;
    return nv_u64(p, "value", 0);
}

/* ---- ioctls ---- */

static int zfs_open_dev(void)
{
    if (zfs_fd >= 0)
        return 0;
    int fd = rump___sysimpl_open("/dev/zfs", NB_O_RDWR_);
    if (fd < 0) {
        int r = rump_sys_err();
        klog(LOG_ERR, "zfs: cannot open the rump kernel's /dev/zfs: %s\n", strerror(r));
        return r;
    }
    zfs_fd = fd;
    return 0;
}

static int zioc(unsigned long cmd, struct nb_zfs_cmd *zc)
{
    int r = zfs_open_dev();
    if (r < 0)
        return r;
    if (rump___sysimpl_ioctl(zfs_fd, cmd, zc) < 0)
        return rump_sys_err();
    return 0;
}

/* An ioctl that returns an nvlist: unpacked into *out (the caller frees it
 * on a rump CPU). */
static int zioc_dst(unsigned long cmd, struct nb_zfs_cmd *zc, nb_nvlist_t **out)
{
    size_t size = DST_INITIAL;
    struct nb_zfs_cmd *save = kmalloc(sizeof(*save));
    if (!save)
        return -ENOMEM;
    memcpy(save, zc, sizeof(*zc));
    for (;;) {
        char *buf = kmalloc(size);
        if (!buf) {
            kfree(save);
            return -ENOMEM;
        }
        zc->zc_nvlist_dst = (uint32_t)buf;
        zc->zc_nvlist_dst_size = size;
        int r = zioc(cmd, zc);
        if (r == -ENOMEM && zc->zc_nvlist_dst_size > size && zc->zc_nvlist_dst_size < 16u * 1024u * 1024u) {
            size = (size_t)zc->zc_nvlist_dst_size;
            kfree(buf);
            memcpy(zc, save, sizeof(*zc));
            continue;
        }
        kfree(save);
        if (r == 0) {
            rump_schedule();
            *out = nv_unpack(buf, (size_t)zc->zc_nvlist_dst_size);
            rump_unschedule();
            if (!*out)
                r = -EINVAL;
        }
        kfree(buf);
        return r;
    }
}

static struct nb_zfs_cmd *zc_new(const char *name)
{
    struct nb_zfs_cmd *zc = kzalloc(sizeof(*zc));
    if (zc && name)
        strlcpy(zc->zc_name, name, sizeof(zc->zc_name));
    return zc;
}

/* ---- names ---- */

static const char *const state_names[] = { "UNKNOWN", "CLOSED",  "OFFLINE",  "REMOVED",
                                           "UNAVAIL", "FAULTED", "DEGRADED", "ONLINE" };
const char *zfs_state_name(uint64_t s)
{
    return s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

const char *zfs_aux_name(uint64_t aux)
{
    static const char *const names[] = { NULL, "cannot open", "corrupted data", "no replicas",
                                          "bad guid sum", "too small", "bad label", "newer version",
                                          "version older", "spared", "err exceeded", "io failure",
                                          "bad log", "external", "split pool" };
    return aux < ARRAY_SIZE(names) ? names[aux] : NULL;
}

static const struct {
    const char *name;
    uint64_t index;
} compress_names[] = { { "on", 1 },      { "off", 2 },     { "lzjb", 3 },    { "gzip", 10 },   { "gzip-1", 5 },
                       { "gzip-2", 6 },  { "gzip-3", 7 },  { "gzip-4", 8 },  { "gzip-5", 9 },  { "gzip-6", 10 },
                       { "gzip-7", 11 }, { "gzip-8", 12 }, { "gzip-9", 13 }, { "zle", 14 } },
  checksum_names[] = { { "on", 1 },        { "off", 2 },         { "fletcher2", 6 },
                       { "fletcher4", 7 }, { "sha256", 8 } };

const char *zfs_prop_value_name(const char *prop, uint64_t index)
{
    bool comp = strcmp(prop, "compression") == 0;
    size_t n = comp ? ARRAY_SIZE(compress_names) : ARRAY_SIZE(checksum_names);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = comp ? compress_names[i].index : checksum_names[i].index;
        if (v == index && !(comp && i == 3)) /* "gzip" is gzip-6 */
            return comp ? compress_names[i].name : checksum_names[i].name;
    }
    return "?";
}

/* ---- disks ---- */

static struct zdisk *zdisk_find(const char *dev)
{
    for (int i = 0; i < ZDISK_MAX; i++)
        if (zdisks[i].used && strcmp(zdisks[i].dev, dev) == 0)
            return &zdisks[i];
    return NULL;
}

static void zdisk_release(struct zdisk *d)
{
    rump_pub_etfs_remove(d->key);
    blk_unclaim(&d->claim);
    d->used = false;
}

static void zdisks_release_pool(const char *pool)
{
    for (int i = 0; i < ZDISK_MAX; i++)
        if (zdisks[i].used && strcmp(zdisks[i].pool, pool) == 0)
            zdisk_release(&zdisks[i]);
}

/* Claims dev for pool and shows it to the rump kernel as /dev/<dev>. */
static int zdisk_take(const char *pool, const char *dev)
{
    if (zdisk_find(dev)) {
        klog(LOG_ERR, "zfs: %s is already in pool %s\n", dev, zdisk_find(dev)->pool);
        return -EBUSY;
    }
    struct zdisk *d = NULL;
    for (int i = 0; i < ZDISK_MAX && !d; i++)
        if (!zdisks[i].used)
            d = &zdisks[i];
    if (!d)
        return -ENOSPC;
    struct blkdev *b = blk_find(dev);
    if (!b) {
        klog(LOG_ERR, "zfs: no block device \"%s\"\n", dev);
        return -ENXIO;
    }
    memset(d, 0, sizeof(*d));
    int r = blk_claim(b, BLK_CLAIM_MOUNT, blk_owner_rump, &d->claim);
    blk_put(b);
    if (r < 0) {
        klog(LOG_ERR, "zfs: %s is in use (%s)\n", dev, strerror(r));
        return r;
    }
    strlcpy(d->pool, pool, sizeof(d->pool));
    strlcpy(d->dev, dev, sizeof(d->dev));
    ksnprintf(d->key, sizeof(d->key), "/dev/%s", dev);
    int e = rump_pub_etfs_register(d->key, dev, NB_RUMP_ETFS_BLK);
    if (e != 0 && e != EEXIST) {
        klog(LOG_ERR, "zfs: registering %s with the rump kernel failed: %s\n", dev, strerror(-e));
        blk_unclaim(&d->claim);
        return -e;
    }
    d->used = true;
    return 0;
}

/* ---- mounts ---- */

static int mount_ds(const char *ds)
{
    struct zmount *m = NULL;
    for (int i = 0; i < ZMOUNT_MAX && !m; i++)
        if (!zmounts[i].used)
            m = &zmounts[i];
    if (!m)
        return -ENOSPC;
    char src[ZFS_NAME_MAX + 8];
    ksnprintf(m->path, sizeof(m->path), "/%s", ds);
    ksnprintf(src, sizeof(src), "zfs:%s", ds);
    int r = rump_mount(src, m->path, false);
    if (r < 0) {
        klog(LOG_ERR, "zfs: mounting %s on %s failed: %s\n", ds, m->path, strerror(r));
        return r;
    }
    strlcpy(m->ds, ds, sizeof(m->ds));
    m->used = true;
    return 0;
}

/* Whether AdrOS still has m mounted (the user may have unmounted it with
 * umount): its target in the mount list with its source. */
static bool still_mounted(const struct zmount *m)
{
    struct vfs_mountinfo *mi = kmalloc(32 * sizeof(*mi));
    if (!mi)
        return true;
    int n = MIN(vfs_mount_list(mi, 32), 32);
    char src[ZFS_NAME_MAX + 8];
    ksnprintf(src, sizeof(src), "zfs:%s", m->ds);
    bool yes = false;
    for (int i = 0; i < n && !yes; i++)
        yes = strcmp(mi[i].target, m->path) == 0 && strcmp(mi[i].source, src) == 0;
    kfree(mi);
    return yes;
}

static bool ds_under(const char *ds, const char *top)
{
    size_t n = strlen(top);
    return strncmp(ds, top, n) == 0 && (ds[n] == 0 || ds[n] == '/' || ds[n] == '@');
}

/* Unmounts every file system under top (itself included), innermost first. */
static int unmount_under(const char *top)
{
    for (;;) {
        struct zmount *deepest = NULL;
        for (int i = 0; i < ZMOUNT_MAX; i++)
            if (zmounts[i].used && ds_under(zmounts[i].ds, top) &&
                (!deepest || strlen(zmounts[i].ds) > strlen(deepest->ds)))
                deepest = &zmounts[i];
        if (!deepest)
            return 0;
        int r = still_mounted(deepest) ? vfs_umount(deepest->path) : 0;
        if (r < 0 && r != -EINVAL && r != -ENOENT) {
            klog(LOG_ERR, "zfs: cannot unmount %s (%s): %s\n", deepest->ds, deepest->path, strerror(r));
            return r;
        }
        deepest->used = false;
    }
}

static const char *mountpoint_of(const char *ds)
{
    for (int i = 0; i < ZMOUNT_MAX; i++) {
        if (!zmounts[i].used || strcmp(zmounts[i].ds, ds) != 0)
            continue;
        if (still_mounted(&zmounts[i]))
            return zmounts[i].path;
        zmounts[i].used = false; /* unmounted by umount */
    }
    return NULL;
}

/* Mounts top and every file system under it, parents first (the
 * listing's order). */
static int ds_list_body(const char *top, struct zfs_ds_info *out, int max, bool snaps);
static void mount_tree(const char *top)
{
    struct zfs_ds_info *ds = kmalloc(ZMOUNT_MAX * sizeof(*ds));
    if (!ds)
        return;
    int n = ds_list_body(top, ds, ZMOUNT_MAX, false);
    for (int i = 0; i < n; i++)
        if (!mountpoint_of(ds[i].name))
            mount_ds(ds[i].name);
    kfree(ds);
}

/* ---- pools ---- */

static bool valid_name(const char *s)
{
    if (!*s || strlen(s) >= ZFS_NAME_MAX - 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.' || *s == '/' || *s == '@' || *s == ':'))
            return false;
    return true;
}

/* Whether dev holds something a pool must not overwrite: a file system,
 * or a ZFS label (the first uberblock's magic, 0x00bab10c, at 128 KiB). */
static int disk_in_use(const char *dev, const char **what)
{
    struct blkdev *b = blk_find(dev);
    if (!b)
        return -ENXIO;
    uint32_t ss = b->sector_size;
    int r = 0;
    uint8_t *buf = kmalloc(FSDETECT_BYTES > 1024 ? FSDETECT_BYTES : 1024);
    if (!buf || ss == 0 || FSDETECT_BYTES % ss != 0 || b->nsectors * ss < ZFS_MIN_DEV) {
        r = buf ? -EINVAL : -ENOMEM;
        *what = "too small for a pool (64 MiB at least)";
        goto out;
    }
    if ((r = blk_read(b, 0, FSDETECT_BYTES / ss, buf)) < 0)
        goto out;
    if (fsdetect(buf, FSDETECT_BYTES, what) != FSDETECT_NONE) {
        r = 1;
        goto out;
    }
    if ((r = blk_read(b, (128u * 1024u) / ss, 1024 / ss ? 1024 / ss : 1, buf)) < 0)
        goto out;
    uint64_t magic;
    memcpy(&magic, buf, 8);
    if (magic == 0x00bab10cull || magic == 0x0cb1ba0000000000ull) {
        *what = "a ZFS pool's label";
        r = 1;
    }
out:
    kfree(buf);
    blk_put(b);
    return r;
}

static bool pool_imported(const char *pool);
static int pool_create_body(const char *pool, bool mirror, const char *const *disks, int ndisks, bool force)
{
    if (pool_imported(pool)) {
        klog(LOG_ERR, "zfs: a pool named %s exists\n", pool);
        return -EEXIST;
    }
    for (int i = 0; i < ndisks; i++) {
        if (zdisk_find(disks[i])) {
            klog(LOG_ERR, "zfs: %s is already in pool %s\n", disks[i], zdisk_find(disks[i])->pool);
            return -EBUSY;
        }
        const char *what = NULL;
        int u = disk_in_use(disks[i], &what);
        if (u < 0 && what) {
            klog(LOG_ERR, "zfs: %s: %s\n", disks[i], what);
            return u;
        }
        if (u < 0)
            return u;
        if (u > 0 && !force) {
            klog(LOG_ERR, "zfs: %s holds %s (zpool create -f uses it anyway)\n", disks[i], what);
            return -EBUSY;
        }
    }
    int r = 0;
    for (int i = 0; i < ndisks && r == 0; i++)
        r = zdisk_take(pool, disks[i]);
    if (r < 0) {
        zdisks_release_pool(pool);
        return r;
    }
    /* root { children: [ mirror { children: [disk...] } ] or [disk...] } */
    rump_schedule();
    nb_nvlist_t *root = nv_new(), *top = mirror ? nv_new() : NULL;
    nb_nvlist_t *leaves[ZFS_VDEV_MAX];
    int nl = 0;
    bool ok = root && (!mirror || top);
    for (int i = 0; i < ndisks && ok; i++) {
        char path[24];
        ksnprintf(path, sizeof(path), "/dev/%s", disks[i]);
        nb_nvlist_t *l = nv_new();
        ok = l && rumpns_nvlist_add_string(l, "type", "disk") == 0 && rumpns_nvlist_add_string(l, "path", path) == 0 &&
             rumpns_nvlist_add_uint64(l, "whole_disk", 0) == 0;
        if (l)
            leaves[nl++] = l;
    }
    if (ok && mirror)
        ok = rumpns_nvlist_add_string(top, "type", "mirror") == 0 &&
             rumpns_nvlist_add_nvlist_array(top, "children", leaves, (unsigned)nl) == 0;
    if (ok)
        ok = rumpns_nvlist_add_string(root, "type", "root") == 0 &&
             rumpns_nvlist_add_nvlist_array(root, "children", mirror ? &top : leaves, mirror ? 1u : (unsigned)nl) == 0;
    size_t len = 0;
    char *packed = ok ? nv_pack(root, &len) : NULL;
    for (int i = 0; i < nl; i++)
        rumpns_nvlist_free(leaves[i]);
    if (top)
        rumpns_nvlist_free(top);
    if (root)
        rumpns_nvlist_free(root);
    rump_unschedule();
    if (!packed) {
        zdisks_release_pool(pool);
        return -ENOMEM;
    }
    struct nb_zfs_cmd *zc = zc_new(pool);
    if (!zc) {
        kfree(packed);
        zdisks_release_pool(pool);
        return -ENOMEM;
    }
    zc->zc_nvlist_conf = (uint32_t)packed;
    zc->zc_nvlist_conf_size = len;
    r = zioc(NB_ZFS_IOC_POOL_CREATE, zc);
    kfree(zc);
    kfree(packed);
    if (r < 0) {
        klog(LOG_ERR, "zfs: ZFS refused to create pool %s: %s\n", pool, strerror(r));
        zdisks_release_pool(pool);
        return r;
    }
    klog(LOG_INFO, "zfs: pool %s created on %d disk%s%s\n", pool, ndisks, ndisks == 1 ? "" : "s",
         mirror ? " (mirror)" : "");
    mount_ds(pool);
    return 0;
}

/* Fills info from a pool's configuration (POOL_STATS, TRYIMPORT or a
 * label's). */
static void vdev_walk(struct zfs_pool_info *info, nb_nvlist_t *vd, int depth, const char *rootname, int *mirrors)
{
    if (info->nvdev >= ZFS_VDEV_MAX)
        return;
    struct zfs_vdev_info *v = &info->vdev[info->nvdev++];
    memset(v, 0, sizeof(*v));
    v->depth = depth;
    const char *type = nv_str(vd, "type");
    const char *path = nv_str(vd, "path");
    if (depth == 0)
        strlcpy(v->name, rootname, sizeof(v->name));
    else if (path)
        strlcpy(v->name, strncmp(path, "/dev/", 5) == 0 ? path + 5 : path, sizeof(v->name));
    else if (type && strcmp(type, "mirror") == 0)
        ksnprintf(v->name, sizeof(v->name), "mirror-%d", (*mirrors)++);
    else
        strlcpy(v->name, type ? type : "?", sizeof(v->name));
    uint64_t *vs;
    unsigned n;
    if (rumpns_nvlist_lookup_uint64_array(vd, "stats", &vs, &n) == 0 && n >= 26) {
        /* vdev_stat_t: timestamp, state, aux, alloc, space, dspace, rsize,
         * ops[6], bytes[6], read/write/checksum errors, self_healed,
         * scrub type, complete, examined, repaired, errors, start, end. */
        v->state = vs[1];
        v->aux = vs[2];
        v->alloc = vs[3];
        v->space = vs[4];
        v->read_errors = vs[19];
        v->write_errors = vs[20];
        v->cksum_errors = vs[21];
        if (depth == 0) {
            info->scrub_type = vs[23];
            info->scrub_done = vs[24] != 0;
            info->scrub_examined = vs[25];
        }
        if (n >= 29) {
            info->scrub_repaired += vs[26];
            if (depth == 0)
                info->scrub_errors = vs[27];
        }
    }
    nb_nvlist_t **kids;
    unsigned nk;
    if (rumpns_nvlist_lookup_nvlist_array(vd, "children", &kids, &nk) == 0)
        for (unsigned i = 0; i < nk; i++)
            vdev_walk(info, kids[i], depth + 1, rootname, mirrors);
}

static void config_info(nb_nvlist_t *config, const char *name, struct zfs_pool_info *info)
{
    memset(info, 0, sizeof(*info));
    const char *n = nv_str(config, "name");
    strlcpy(info->name, n ? n : name, sizeof(info->name));
    info->guid = nv_u64(config, "pool_guid", 0);
    info->pool_state = nv_u64(config, "state", 0);
    info->version = nv_u64(config, "version", 0);
    info->errors = nv_u64(config, "error_count", 0);
    nb_nvlist_t *tree;
    int mirrors = 0;
    if (rumpns_nvlist_lookup_nvlist(config, "vdev_tree", &tree) == 0)
        vdev_walk(info, tree, 0, info->name, &mirrors);
}

static int pool_get_body(const char *pool, struct zfs_pool_info *out)
{
    struct nb_zfs_cmd *zc = zc_new(pool);
    if (!zc)
        return -ENOMEM;
    nb_nvlist_t *config = NULL;
    int r = zioc_dst(NB_ZFS_IOC_POOL_STATS, zc, &config);
    kfree(zc);
    if (r < 0)
        return r;
    rump_schedule();
    config_info(config, pool, out);
    rumpns_nvlist_free(config);
    rump_unschedule();
    return 0;
}

static int pool_list_body(struct zfs_pool_info *out, int max)
{
    struct nb_zfs_cmd *zc = zc_new(NULL);
    if (!zc)
        return -ENOMEM;
    nb_nvlist_t *all = NULL;
    int r = zioc_dst(NB_ZFS_IOC_POOL_CONFIGS, zc, &all);
    kfree(zc);
    if (r < 0)
        return r;
    char(*names)[ZFS_NAME_MAX] = kmalloc((size_t)max * ZFS_NAME_MAX);
    int n = 0;
    rump_schedule();
    for (nb_nvpair_t *p = rumpns_nvlist_next_nvpair(all, NULL); p && names && n < max;
         p = rumpns_nvlist_next_nvpair(all, p))
        strlcpy(names[n++], rumpns_nvpair_name(p), ZFS_NAME_MAX);
    rumpns_nvlist_free(all);
    rump_unschedule();
    if (!names)
        return -ENOMEM;
    int got = 0;
    for (int i = 0; i < n; i++)
        if (pool_get_body(names[i], &out[got]) == 0)
            got++;
    kfree(names);
    return got;
}

static bool pool_imported(const char *pool)
{
    struct zfs_pool_info *info = kmalloc(sizeof(*info));
    if (!info)
        return false;
    bool yes = pool_get_body(pool, info) == 0;
    kfree(info);
    return yes;
}

static int pool_destroy_body(const char *pool, bool destroy)
{
    if (!pool_imported(pool)) {
        klog(LOG_ERR, "zfs: no pool \"%s\" is imported\n", pool);
        return -ENOENT;
    }
    int r = unmount_under(pool);
    if (r < 0)
        return r;
    struct nb_zfs_cmd *zc = zc_new(pool);
    if (!zc)
        return -ENOMEM;
    r = zioc(destroy ? NB_ZFS_IOC_POOL_DESTROY : NB_ZFS_IOC_POOL_EXPORT, zc);
    kfree(zc);
    if (r < 0) {
        klog(LOG_ERR, "zfs: ZFS refused to %s pool %s: %s\n", destroy ? "destroy" : "export", pool, strerror(r));
        mount_tree(pool);
        return r;
    }
    zdisks_release_pool(pool);
    klog(LOG_INFO, "zfs: pool %s %s\n", pool, destroy ? "destroyed" : "exported");
    return 0;
}

/* ---- import ---- */

/* A disk's label found by the scan. */
#define SCAN_MAX 16
struct found {
    char dev[16];
    nb_nvlist_t *label; /* the newest readable of its four */
    uint64_t pool_guid, guid, txg, top_id;
};
struct scan {
    struct found f[SCAN_MAX];
    int n;
    uint8_t *buf;
};

/* Reads the nvlists of dev's four labels; keeps the newest. */
static void scan_disk(struct blkdev *b, void *ctx)
{
    struct scan *s = ctx;
    if (s->n >= SCAN_MAX || zdisk_find(b->name))
        return;
    uint32_t ss = b->sector_size;
    uint64_t bytes = b->nsectors * ss;
    if (ss == 0 || LABEL_NVLIST_SIZE % ss != 0 || bytes < 4 * LABEL_SIZE)
        return;
    uint64_t psize = bytes / LABEL_SIZE * LABEL_SIZE;
    struct found *f = &s->f[s->n];
    memset(f, 0, sizeof(*f));
    for (int l = 0; l < 4; l++) {
        uint64_t off = (l < 2 ? (uint64_t)l * LABEL_SIZE : psize - (uint64_t)(4 - l) * LABEL_SIZE) + LABEL_NVLIST_OFF;
        if (blk_read(b, off / ss, LABEL_NVLIST_SIZE / ss, s->buf) < 0)
            continue;
        rump_schedule();
        nb_nvlist_t *nvl = nv_unpack((char *)s->buf, LABEL_NVLIST_SIZE);
        uint64_t txg = nvl ? nv_u64(nvl, "txg", 0) : 0;
        bool good = nvl && nv_str(nvl, "name") && nv_u64(nvl, "pool_guid", 0) != 0 &&
                    nv_u64(nvl, "state", 99) <= 1 /* active or exported, not destroyed */;
        if (good && (!f->label || txg > f->txg)) {
            if (f->label)
                rumpns_nvlist_free(f->label);
            f->label = nvl;
            f->txg = txg;
            f->pool_guid = nv_u64(nvl, "pool_guid", 0);
            f->guid = nv_u64(nvl, "guid", 0);
            nb_nvlist_t *tree;
            f->top_id = rumpns_nvlist_lookup_nvlist(nvl, "vdev_tree", &tree) == 0 ? nv_u64(tree, "id", 0) : 0;
        } else if (nvl) {
            rumpns_nvlist_free(nvl);
        }
        rump_unschedule();
    }
    if (f->label) {
        strlcpy(f->dev, b->name, sizeof(f->dev));
        s->n++;
    }
}

static int scan_all(struct scan *s)
{
    memset(s, 0, sizeof(*s));
    s->buf = kmalloc(LABEL_NVLIST_SIZE);
    if (!s->buf)
        return -ENOMEM;
    blk_foreach(scan_disk, s);
    kfree(s->buf);
    s->buf = NULL;
    return 0;
}

static void scan_free(struct scan *s)
{
    rump_schedule();
    for (int i = 0; i < s->n; i++)
        rumpns_nvlist_free(s->f[i].label);
    rump_unschedule();
    s->n = 0;
}

/* The device where the leaf of this guid was found, or NULL. */
static const char *scan_dev_of(struct scan *s, uint64_t guid)
{
    for (int i = 0; i < s->n; i++)
        if (s->f[i].guid == guid)
            return s->f[i].dev;
    return NULL;
}

/* Sets every leaf's path to where its guid is now. */
static void fix_paths(struct scan *s, nb_nvlist_t *vd)
{
    nb_nvlist_t **kids;
    unsigned nk;
    if (rumpns_nvlist_lookup_nvlist_array(vd, "children", &kids, &nk) == 0) {
        for (unsigned i = 0; i < nk; i++)
            fix_paths(s, kids[i]);
        return;
    }
    const char *dev = scan_dev_of(s, nv_u64(vd, "guid", 0));
    if (dev) {
        char path[24];
        ksnprintf(path, sizeof(path), "/dev/%s", dev);
        rumpns_nvlist_add_string(vd, "path", path);
    }
}

/* The configuration zpool(8) would hand TRYIMPORT for the pool of guid:
 * the newest label's pool properties and a root vdev over the top-level
 * vdevs.  NULL if a top-level vdev has no disk. */
static nb_nvlist_t *import_config(struct scan *s, uint64_t pool_guid)
{
    struct found *newest = NULL;
    for (int i = 0; i < s->n; i++)
        if (s->f[i].pool_guid == pool_guid && (!newest || s->f[i].txg > newest->txg))
            newest = &s->f[i];
    if (!newest)
        return NULL;
    uint64_t ntop = nv_u64(newest->label, "vdev_children", 1);
    if (ntop == 0 || ntop > ZFS_VDEV_MAX)
        return NULL;
    nb_nvlist_t *tops[ZFS_VDEV_MAX] = { 0 };
    for (uint64_t t = 0; t < ntop; t++) {
        struct found *best = NULL;
        for (int i = 0; i < s->n; i++)
            if (s->f[i].pool_guid == pool_guid && s->f[i].top_id == t && (!best || s->f[i].txg > best->txg))
                best = &s->f[i];
        nb_nvlist_t *tree;
        if (!best || rumpns_nvlist_lookup_nvlist(best->label, "vdev_tree", &tree) != 0) {
            klog(LOG_ERR, "zfs: pool %s: no disk of its top-level vdev %llu found\n",
                 nv_str(newest->label, "name"), (unsigned long long)t);
            return NULL;
        }
        tops[t] = tree;
    }
    nb_nvlist_t *config = nv_new(), *root = nv_new();
    bool ok = config && root;
    static const char *const keep_str[] = { "name", "hostname" };
    static const char *const keep_u64[] = { "version", "pool_guid", "state", "txg", "hostid" };
    for (size_t i = 0; i < ARRAY_SIZE(keep_str) && ok; i++)
        if (nv_str(newest->label, keep_str[i]))
            ok = rumpns_nvlist_add_string(config, keep_str[i], nv_str(newest->label, keep_str[i])) == 0;
    for (size_t i = 0; i < ARRAY_SIZE(keep_u64) && ok; i++)
        ok = rumpns_nvlist_add_uint64(config, keep_u64[i], nv_u64(newest->label, keep_u64[i], 0)) == 0;
    ok = ok && rumpns_nvlist_add_string(root, "type", "root") == 0 && rumpns_nvlist_add_uint64(root, "id", 0) == 0 &&
         rumpns_nvlist_add_uint64(root, "guid", pool_guid) == 0 &&
         rumpns_nvlist_add_nvlist_array(root, "children", tops, (unsigned)ntop) == 0 &&
         rumpns_nvlist_add_nvlist(config, "vdev_tree", root) == 0;
    if (root)
        rumpns_nvlist_free(root);
    if (!ok) {
        if (config)
            rumpns_nvlist_free(config);
        return NULL;
    }
    nb_nvlist_t *tree;
    if (rumpns_nvlist_lookup_nvlist(config, "vdev_tree", &tree) == 0) /* the copy added */
        fix_paths(s, tree);
    return config;
}

static int import_scan_body(struct zfs_pool_info *out, int max)
{
    struct scan *s = kmalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    int r = scan_all(s);
    if (r < 0) {
        kfree(s);
        return r;
    }
    int n = 0;
    rump_schedule();
    for (int i = 0; i < s->n && n < max; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= s->f[j].pool_guid == s->f[i].pool_guid;
        if (seen)
            continue;
        nb_nvlist_t *config = import_config(s, s->f[i].pool_guid);
        if (config) {
            config_info(config, "?", &out[n++]);
            rumpns_nvlist_free(config);
        }
    }
    rump_unschedule();
    scan_free(s);
    kfree(s);
    return n;
}

static int pool_import_body(const char *pool)
{
    if (pool_imported(pool)) {
        klog(LOG_ERR, "zfs: pool %s is already imported\n", pool);
        return -EEXIST;
    }
    struct scan *s = kmalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    int r = scan_all(s);
    if (r < 0) {
        kfree(s);
        return r;
    }
    uint64_t guid = 0;
    rump_schedule();
    for (int i = 0; i < s->n && !guid; i++)
        if (strcmp(nv_str(s->f[i].label, "name"), pool) == 0)
            guid = s->f[i].pool_guid;
    nb_nvlist_t *config = guid ? import_config(s, guid) : NULL;
    size_t len = 0;
    char *packed = config ? nv_pack(config, &len) : NULL;
    if (config)
        rumpns_nvlist_free(config);
    rump_unschedule();
    if (!guid) {
        klog(LOG_ERR, "zfs: no pool \"%s\" found on any disk\n", pool);
        r = -ENOENT;
    } else if (!packed) {
        r = -EIO;
    }
    for (int i = 0; i < s->n && r == 0; i++)
        if (s->f[i].pool_guid == guid)
            r = zdisk_take(pool, s->f[i].dev);
    scan_free(s);
    kfree(s);
    struct nb_zfs_cmd *zc = r == 0 ? zc_new(pool) : NULL;
    if (r == 0 && !zc)
        r = -ENOMEM;
    nb_nvlist_t *tried = NULL;
    if (r == 0) {
        zc->zc_nvlist_conf = (uint32_t)packed;
        zc->zc_nvlist_conf_size = len;
        r = zioc_dst(NB_ZFS_IOC_POOL_TRYIMPORT, zc, &tried);
        if (r < 0)
            klog(LOG_ERR, "zfs: ZFS cannot import pool %s: %s\n", pool, strerror(r));
    }
    kfree(packed);
    packed = NULL;
    if (r == 0) {
        rump_schedule();
        packed = nv_pack(tried, &len);
        rumpns_nvlist_free(tried);
        rump_unschedule();
        if (!packed)
            r = -ENOMEM;
    }
    if (r == 0) {
        memset(zc, 0, sizeof(*zc));
        strlcpy(zc->zc_name, pool, sizeof(zc->zc_name));
        zc->zc_guid = guid;
        zc->zc_nvlist_conf = (uint32_t)packed;
        zc->zc_nvlist_conf_size = len;
        r = zioc(NB_ZFS_IOC_POOL_IMPORT, zc);
        if (r < 0)
            klog(LOG_ERR, "zfs: ZFS refused to import pool %s: %s\n", pool, strerror(r));
    }
    kfree(packed);
    kfree(zc);
    if (r < 0) {
        zdisks_release_pool(pool);
        return r;
    }
    struct zfs_pool_info *info = kmalloc(sizeof(*info));
    if (info && pool_get_body(pool, info) == 0 && info->nvdev > 0)
        klog(LOG_INFO, "zfs: pool %s imported (%s)\n", pool, zfs_state_name(info->vdev[0].state));
    kfree(info);
    mount_tree(pool);
    return 0;
}

/* ---- datasets ---- */

static void ds_fill(struct zfs_ds_info *d, const char *name, nb_nvlist_t *props, bool snap)
{
    memset(d, 0, sizeof(*d));
    strlcpy(d->name, name, sizeof(d->name));
    d->snapshot = snap;
    d->used = prop_u64(props, "used");
    d->avail = prop_u64(props, "available");
    d->refer = prop_u64(props, "referenced");
    d->compressratio = prop_u64(props, "compressratio");
    d->compression = prop_u64(props, "compression");
    d->checksum = prop_u64(props, "checksum");
    /* Never set: the defaults (ZFS lists only properties set). */
    if (!d->compression)
        d->compression = 2; /* off */
    if (!d->checksum)
        d->checksum = 1; /* on */
}

/* One dataset's properties (OBJSET_STATS). */
static int ds_get_body(const char *name, struct zfs_ds_info *out)
{
    struct nb_zfs_cmd *zc = zc_new(name);
    if (!zc)
        return -ENOMEM;
    nb_nvlist_t *props = NULL;
    int r = zioc_dst(NB_ZFS_IOC_OBJSET_STATS, zc, &props);
    bool snap = zc->zc_objset_stats.dds_is_snapshot;
    kfree(zc);
    if (r < 0)
        return r;
    rump_schedule();
    ds_fill(out, name, props, snap);
    rumpns_nvlist_free(props);
    rump_unschedule();
    const char *mp = mountpoint_of(name);
    if (mp)
        strlcpy(out->mountpoint, mp, sizeof(out->mountpoint));
    return 0;
}

/* Appends name's children (file systems, recursively, then snapshots). */
static int ds_children(const char *name, struct zfs_ds_info *out, int n, int max, bool snaps)
{
    for (int pass = 0; pass < (snaps ? 2 : 1); pass++) {
        uint64_t cookie = 0;
        while (n < max) {
            struct nb_zfs_cmd *zc = zc_new(name);
            if (!zc)
                return -ENOMEM;
            zc->zc_cookie = cookie;
            nb_nvlist_t *props = NULL;
            int r = zioc_dst(pass ? NB_ZFS_IOC_SNAPSHOT_LIST_NEXT : NB_ZFS_IOC_DATASET_LIST_NEXT, zc, &props);
            if (r < 0) {
                kfree(zc);
                break; /* ESRCH: no more */
            }
            cookie = zc->zc_cookie;
            rump_schedule();
            ds_fill(&out[n], zc->zc_name, props, pass == 1);
            rumpns_nvlist_free(props);
            rump_unschedule();
            const char *mp = mountpoint_of(zc->zc_name);
            if (mp)
                strlcpy(out[n].mountpoint, mp, sizeof(out[n].mountpoint));
            n++;
            if (pass == 0) {
                char child[ZFS_NAME_MAX];
                strlcpy(child, zc->zc_name, sizeof(child));
                kfree(zc);
                n = ds_children(child, out, n, max, snaps);
            } else {
                kfree(zc);
            }
        }
    }
    return n;
}

static int ds_list_body(const char *pool, struct zfs_ds_info *out, int max, bool snaps)
{
    if (max <= 0)
        return 0;
    if (ds_get_body(pool, &out[0]) < 0)
        return -ENOENT;
    return ds_children(pool, out, 1, max, snaps);
}

static int ds_list_all(const char *pool, struct zfs_ds_info *out, int max)
{
    if (pool)
        return ds_list_body(pool, out, max, true);
    struct zfs_pool_info *pools = kmalloc(4 * sizeof(*pools));
    if (!pools)
        return -ENOMEM;
    int np = pool_list_body(pools, 4), n = 0;
    for (int i = 0; i < np && n < max; i++) {
        int r = ds_list_body(pools[i].name, out + n, max - n, true);
        if (r > 0)
            n += r;
    }
    kfree(pools);
    return np < 0 ? np : n;
}

static int ds_create_body(const char *name)
{
    if (!strchr(name, '/') || strchr(name, '@'))
        return -EINVAL;
    struct nb_zfs_cmd *zc = zc_new(name);
    if (!zc)
        return -ENOMEM;
    zc->zc_objset_type = NB_DMU_OST_ZFS;
    int r = zioc(NB_ZFS_IOC_CREATE, zc);
    kfree(zc);
    if (r < 0) {
        klog(LOG_ERR, "zfs: ZFS refused to create %s: %s\n", name, strerror(r));
        return r;
    }
    return mount_ds(name);
}

static int ds_destroy_body(const char *name)
{
    if (!strchr(name, '/') && !strchr(name, '@'))
        return -EINVAL; /* a pool's root: zpool destroy */
    int r = unmount_under(name);
    if (r < 0)
        return r;
    struct nb_zfs_cmd *zc = zc_new(name);
    if (!zc)
        return -ENOMEM;
    r = zioc(NB_ZFS_IOC_DESTROY, zc);
    kfree(zc);
    if (r < 0) {
        klog(LOG_ERR, "zfs: ZFS refused to destroy %s: %s\n", name, strerror(r));
        if (!strchr(name, '@'))
            mount_ds(name);
    }
    return r;
}

static int ds_snapshot_body(const char *full)
{
    const char *at = strchr(full, '@');
    if (!at || at == full || !at[1])
        return -EINVAL;
    struct nb_zfs_cmd *zc = zc_new(NULL);
    if (!zc)
        return -ENOMEM;
    strlcpy(zc->zc_name, full, MIN(sizeof(zc->zc_name), (size_t)(at - full + 1)));
    strlcpy(zc->zc_value, at + 1, sizeof(zc->zc_value));
    int r = zioc(NB_ZFS_IOC_SNAPSHOT, zc);
    kfree(zc);
    if (r < 0)
        klog(LOG_ERR, "zfs: ZFS refused to snapshot %s: %s\n", full, strerror(r));
    return r;
}

static int ds_rollback_body(const char *full)
{
    const char *at = strchr(full, '@');
    if (!at || at == full || !at[1])
        return -EINVAL;
    char fs[ZFS_NAME_MAX];
    strlcpy(fs, full, MIN(sizeof(fs), (size_t)(at - full + 1)));
    /* Only to the most recent snapshot, as zfs rollback without -r. */
    struct zfs_ds_info *all = kmalloc(ZMOUNT_MAX * sizeof(*all));
    if (!all)
        return -ENOMEM;
    int n = ds_children(fs, all, 0, ZMOUNT_MAX, true);
    const char *latest = NULL;
    for (int i = 0; i < n; i++)
        if (all[i].snapshot && strncmp(all[i].name, fs, strlen(fs)) == 0 && all[i].name[strlen(fs)] == '@')
            latest = all[i].name; /* listed oldest first */
    bool ok = latest && strcmp(latest, full) == 0;
    kfree(all);
    if (!ok) {
        klog(LOG_ERR, "zfs: %s is not the most recent snapshot of %s\n", full, fs);
        return -EEXIST;
    }
    bool was_mounted = mountpoint_of(fs) != NULL;
    int r = unmount_under(fs);
    if (r < 0)
        return r;
    struct nb_zfs_cmd *zc = zc_new(fs);
    if (!zc)
        return -ENOMEM;
    r = zioc(NB_ZFS_IOC_ROLLBACK, zc);
    kfree(zc);
    if (r < 0)
        klog(LOG_ERR, "zfs: ZFS refused to roll %s back: %s\n", fs, strerror(r));
    if (was_mounted)
        mount_tree(fs);
    return r;
}

static int ds_set_body(const char *name, const char *prop, const char *value)
{
    bool comp = strcmp(prop, "compression") == 0;
    if (!comp && strcmp(prop, "checksum") != 0)
        return -EINVAL;
    uint64_t index = 0;
    size_t n = comp ? ARRAY_SIZE(compress_names) : ARRAY_SIZE(checksum_names);
    for (size_t i = 0; i < n && !index; i++)
        if (strcmp(value, comp ? compress_names[i].name : checksum_names[i].name) == 0)
            index = comp ? compress_names[i].index : checksum_names[i].index;
    if (!index)
        return -EINVAL;
    /* Not through ZFS_IOC_SET_PROP: NetBSD's port answers every property
     * set with ENOTSUP (zfs_check_settable ends in zfs_secpolicy_setprop,
     * which is "return ENOTSUP" outside PORT_SOLARIS; ZFS_IOC_CREATE's
     * properties go the same way).  What that ioctl does for these two
     * properties after its checks (they are neither special nor
     * inheritable-only): dsl_prop_set of the index, source "local", whose
     * sync task notifies the mounted file system's callbacks. */
    struct zfs_ds_info *cur = kmalloc(sizeof(*cur));
    if (!cur)
        return -ENOMEM;
    int r = ds_get_body(name, cur); /* it exists: a clear ENOENT first */
    bool snap = cur->snapshot;
    kfree(cur);
    if (r < 0)
        return r;
    if (snap)
        return -EINVAL;
    rump_schedule();
    r = -rumpns_dsl_prop_set(name, prop, NB_ZPROP_SRC_LOCAL, 8, 1, &index);
    rump_unschedule();
    if (r < 0)
        klog(LOG_ERR, "zfs: ZFS refused %s=%s on %s: %s\n", prop, value, name, strerror(r));
    return r;
}

/* Not through ZFS_IOC_POOL_SCRUB: its spa_scrub() starts with
 * dsl_pool_scrub_clean(), which reopens every vdev (vdev_reopen, to purge
 * the vdev caches and probe the disks), and NetBSD's vdev_disk_open, on a
 * reopen, jumps over the vn_open to "skip_open" and uses its vnode
 * variable uninitialised (VOP_IOCTL(DIOCGPARTINFO) on it, then stores it
 * as the vdev's vnode): the rump kernel takes a page fault in VOP_IOCTL.
 * So AdrOS does what spa_scrub does for a scrub without the reopen: the
 * scrub's setup on the pool's DSL pool (dsl_pool_scrub_setup, CLEAN), under
 * a hold of the pool (spa_open/spa_close). */
static const char scrub_tag[] = "adros-scrub";
static int scrub_body(const char *pool)
{
    if (!pool_imported(pool)) {
        klog(LOG_ERR, "zfs: no pool \"%s\" is imported\n", pool);
        return -ENOENT;
    }
    void *spa = NULL;
    rump_schedule();
    int r = -rumpns_spa_open(pool, &spa, scrub_tag);
    if (r == 0) {
        r = -rumpns_dsl_pool_scrub_setup(rumpns_spa_get_dsl(spa), NB_SCRUB_FUNC_CLEAN);
        rumpns_spa_close(spa, scrub_tag);
    }
    rump_unschedule();
    if (r < 0)
        klog(LOG_ERR, "zfs: ZFS refused to scrub %s: %s\n", pool, strerror(r));
    return r;
}

/* ---- the public functions: the lock, the rump kernel's guard ---- */

#define ZFS_CALL(call) \
    ({ \
        int r__; \
        if (!zfs_available()) { \
            r__ = -ENODEV; \
        } else { \
            kmutex_lock(&zfs_lock); \
            RUMP_SYSCALL(r__, -EIO, (call)); \
            kmutex_unlock(&zfs_lock); \
        } \
        r__; \
    })

int zfs_pool_create(const char *pool, bool mirror, const char *const *disks, int ndisks, bool force)
{
    if (!valid_name(pool) || strchr(pool, '/') || strchr(pool, '@') || ndisks < 1 || ndisks > ZFS_VDEV_MAX - 2 ||
        (mirror && ndisks < 2))
        return -EINVAL;
    return ZFS_CALL(pool_create_body(pool, mirror, disks, ndisks, force));
}

int zfs_pool_destroy(const char *pool)
{
    return ZFS_CALL(pool_destroy_body(pool, true));
}

int zfs_pool_export(const char *pool)
{
    return ZFS_CALL(pool_destroy_body(pool, false));
}

int zfs_pool_list(struct zfs_pool_info *out, int max)
{
    return ZFS_CALL(pool_list_body(out, max));
}

int zfs_pool_get(const char *pool, struct zfs_pool_info *out)
{
    return ZFS_CALL(pool_get_body(pool, out));
}

int zfs_import_scan(struct zfs_pool_info *out, int max)
{
    return ZFS_CALL(import_scan_body(out, max));
}

int zfs_pool_import(const char *pool)
{
    if (!valid_name(pool))
        return -EINVAL;
    return ZFS_CALL(pool_import_body(pool));
}

int zfs_pool_scrub(const char *pool, bool wait, bool (*interrupted)(void))
{
    int r = ZFS_CALL(scrub_body(pool));
    if (r < 0 || !wait)
        return r;
    struct zfs_pool_info *info = kmalloc(sizeof(*info));
    if (!info)
        return -ENOMEM;
    /* Until ZFS says the scrub is complete (the root vdev's statistics). */
    for (;;) {
        r = zfs_pool_get(pool, info);
        if (r < 0 || info->scrub_done)
            break;
        if (interrupted && interrupted()) {
            r = -EINTR;
            break;
        }
        process_sleep(100 * NSEC_PER_MSEC);
    }
    kfree(info);
    return r;
}

int zfs_ds_list(const char *pool, struct zfs_ds_info *out, int max)
{
    return ZFS_CALL(ds_list_all(pool, out, max));
}

int zfs_ds_get(const char *name, struct zfs_ds_info *out)
{
    return ZFS_CALL(ds_get_body(name, out));
}

int zfs_ds_create(const char *name)
{
    if (!valid_name(name))
        return -EINVAL;
    return ZFS_CALL(ds_create_body(name));
}

int zfs_ds_destroy(const char *name)
{
    return ZFS_CALL(ds_destroy_body(name));
}

int zfs_ds_snapshot(const char *name)
{
    if (!valid_name(name))
        return -EINVAL;
    return ZFS_CALL(ds_snapshot_body(name));
}

int zfs_ds_rollback(const char *name)
{
    return ZFS_CALL(ds_rollback_body(name));
}

int zfs_ds_set(const char *name, const char *prop, const char *value)
{
    return ZFS_CALL(ds_set_body(name, prop, value));
}

/* ---- the ARC ----
 * ZFS sizes its cache from physmem, which the rump kernel fixes at 512 MiB
 * whatever RUMP_MEMLIMIT says (ARC up to 384 MiB, at least 64 MiB; its
 * tunable zfs_arc_max is ignored below 64 MiB).  Its bounds live in the
 * statistics arc_stats (static in arc.c; mk/rump.mk links a copy of the
 * archive where it is global, adros_zfs_arc_stats): right after the rump
 * kernel starts, AdrOS sets them from RUMP_MEMLIMIT. */
struct nb_kstat_named {
    char name[31];
    uint8_t data_type;
    uint64_t ui64;
};
_Static_assert(sizeof(struct nb_kstat_named) == 40, "kstat_named_t is 40 bytes on i386");
extern struct nb_kstat_named adros_zfs_arc_stats[];
#define ARC_STATS_MAX 64 /* arc_stats_t has fewer; its first entry is "hits" */

static volatile uint64_t *arc_stat(const char *name)
{
    for (int i = 0; i < ARC_STATS_MAX && adros_zfs_arc_stats[i].name[0]; i++)
        if (strncmp(adros_zfs_arc_stats[i].name, name, sizeof(adros_zfs_arc_stats[i].name)) == 0)
            return &adros_zfs_arc_stats[i].ui64;
    return NULL;
}

/* A quarter of RUMP_MEMLIMIT, between 8 and 64 MiB (64 MiB without a limit). */
static uint64_t arc_bound(void)
{
    uint64_t limit = rumpuser_adros_mem_limit();
    uint64_t max = limit ? limit / 4 : 64ull << 20;
    return MAX(MIN(max, 64ull << 20), 8ull << 20);
}

static void zfs_arc_limit(void)
{
    volatile uint64_t *c = arc_stat("c"), *p = arc_stat("p"), *cmin = arc_stat("c_min"), *cmax = arc_stat("c_max");
    if (!c || !p || !cmin || !cmax) {
        klog(LOG_ERR, "zfs: the ARC's statistics are not where AdrOS expects them: its size is not bounded\n");
        return;
    }
    uint64_t max = arc_bound();
    *cmax = max;
    *cmin = max / 4;
    *c = max;
    *p = max / 2;
    klog(LOG_INFO, "zfs: ARC bounded to %llu KiB (a quarter of RUMP_MEMLIMIT), at least %llu KiB\n",
         (unsigned long long)(max >> 10), (unsigned long long)((max / 4) >> 10));
}
/* ---- disks that did not open ----
 * A mirror half that is missing (or fails to open) keeps its vdev, with no
 * private data (vdev_tsd NULL).  ZFS still sends it cache flushes
 * (zio_ioctl goes to every leaf; only reads and writes are checked for an
 * accessible vdev), and NetBSD's vdev_disk_io_start reads dvd->vd_vn before
 * it checks anything: a NULL dereference in a zfs thread at the first
 * flush.  AdrOS puts a check in front of it in the disk vdevs' operations
 * table (vdev_disk_ops, writable data): an I/O to a disk vdev that is not
 * open ends with ENXIO, as vdev_disk_io_start's own "not readable" branch
 * does for an ioctl. */
static int (*vdev_disk_io_start_orig)(struct nb_zio *zio);

static int vdev_disk_io_start_checked(struct nb_zio *zio)
{
    if (zio->io_vd && !zio->io_vd->vdev_tsd) {
        zio->io_error = 6; /* NetBSD's ENXIO */
        return NB_ZIO_PIPELINE_CONTINUE;
    }
    return vdev_disk_io_start_orig(zio);
}

static void zfs_vdev_guard(void)
{
    struct nb_vdev_ops *ops = &rumpns_vdev_disk_ops;
    if (strncmp(ops->vdev_op_type, "disk", sizeof(ops->vdev_op_type)) != 0 || !ops->vdev_op_leaf ||
        !ops->vdev_op_io_start) {
        klog(LOG_ERR, "zfs: vdev_disk_ops is not what AdrOS expects: a missing mirror half will crash ZFS\n");
        return;
    }
    if (ops->vdev_op_io_start != vdev_disk_io_start_checked) {
        vdev_disk_io_start_orig = ops->vdev_op_io_start;
        ops->vdev_op_io_start = vdev_disk_io_start_checked;
    }
}

static void zfs_started(void)
{
    zfs_vdev_guard();
    zfs_arc_limit();
}
static struct rump_start_hook zfs_start_hook = { "zfs", zfs_started, NULL };

int zfs_arc_get(struct zfs_arc_info *out)
{
    if (!zfs_available())
        return -ENODEV;
    volatile uint64_t *size = arc_stat("size"), *c = arc_stat("c"), *cmin = arc_stat("c_min"),
                      *cmax = arc_stat("c_max");
    if (!size || !c || !cmin || !cmax)
        return -ENOENT;
    out->size = *size;
    out->target = *c;
    out->min = *cmin;
    out->max = *cmax;
    return 0;
}

/* At poweroff (before the rump kernel's own hook unmounts what is left):
 * every pool exported, its file systems unmounted first. */
static void zfs_shutdown(void)
{
    if (!zfs_available())
        return;
    struct zfs_pool_info *pools = kmalloc(4 * sizeof(*pools));
    if (!pools)
        return;
    int n = zfs_pool_list(pools, 4);
    for (int i = 0; i < n; i++) {
        int r = zfs_pool_export(pools[i].name);
        if (r < 0)
            kprintf(KERN_ERR "zfs: could not export pool %s at shutdown: %s\n", pools[i].name, strerror(r));
    }
    kfree(pools);
}
static struct shutdown_hook zfs_hook = { "zfs", zfs_shutdown, NULL };

/* The start hook before the rump kernel starts (INIT_RUMP); the shutdown
 * hook after the rump kernel's, so it runs before it. */
static int zfs_early_init(void)
{
    rump_start_hook_add(&zfs_start_hook);
    return 0;
}
INITCALL(INIT_FS, zfs_early_init);
static int zfs_init(void)
{
    shutdown_hook_add(&zfs_hook);
    return 0;
}
INITCALL(INIT_LATE, zfs_init);

#else /* !ADROS_RUMP_ZFS: the components are not linked */

bool zfs_available(void)
{
    return false;
}
const char *zfs_state_name(uint64_t s)
{
    (void)s;
    return "?";
}
const char *zfs_aux_name(uint64_t aux)
{
    (void)aux;
    return NULL;
}
const char *zfs_prop_value_name(const char *prop, uint64_t index)
{
    (void)prop, (void)index;
    return "?";
}
int zfs_pool_create(const char *pool, bool mirror, const char *const *disks, int ndisks, bool force)
{
    (void)pool, (void)mirror, (void)disks, (void)ndisks, (void)force;
    return -ENODEV;
}
int zfs_pool_destroy(const char *pool)
{
    (void)pool;
    return -ENODEV;
}
int zfs_pool_export(const char *pool)
{
    (void)pool;
    return -ENODEV;
}
int zfs_pool_list(struct zfs_pool_info *out, int max)
{
    (void)out, (void)max;
    return -ENODEV;
}
int zfs_pool_get(const char *pool, struct zfs_pool_info *out)
{
    (void)pool, (void)out;
    return -ENODEV;
}
int zfs_import_scan(struct zfs_pool_info *out, int max)
{
    (void)out, (void)max;
    return -ENODEV;
}
int zfs_pool_import(const char *pool)
{
    (void)pool;
    return -ENODEV;
}
int zfs_pool_scrub(const char *pool, bool wait, bool (*interrupted)(void))
{
    (void)pool, (void)wait, (void)interrupted;
    return -ENODEV;
}
int zfs_ds_list(const char *pool, struct zfs_ds_info *out, int max)
{
    (void)pool, (void)out, (void)max;
    return -ENODEV;
}
int zfs_ds_get(const char *name, struct zfs_ds_info *out)
{
    (void)name, (void)out;
    return -ENODEV;
}
int zfs_ds_create(const char *name)
{
    (void)name;
    return -ENODEV;
}
int zfs_ds_destroy(const char *name)
{
    (void)name;
    return -ENODEV;
}
int zfs_ds_snapshot(const char *name)
{
    (void)name;
    return -ENODEV;
}
int zfs_ds_rollback(const char *name)
{
    (void)name;
    return -ENODEV;
}
int zfs_ds_set(const char *name, const char *prop, const char *value)
{
    (void)name, (void)prop, (void)value;
    return -ENODEV;
}
int zfs_arc_get(struct zfs_arc_info *out)
{
    (void)out;
    return -ENODEV;
}
#endif
