/* ZFS through the rump kernel (src/netbsd/zfs.c): NetBSD's ZFS (pool
 * version 23, librumpfs_zfs with librumpkern_solaris) driven through the
 * ioctls of the rump kernel's /dev/zfs, the way zpool(8) and zfs(8) drive
 * it, with the packed nvlists built and read by the nvlist code linked in
 * the rump kernel.
 *
 * Disks.  A pool's disks are AdrOS block devices (any driver, whole disks or
 * partitions: "hda", "sd0", "hdb1"), claimed for as long as the pool is
 * imported and shown to the rump kernel as block devices /dev/<name> (etfs,
 * as the "rump" mounts do).  The path stored in a pool's labels is that
 * name; an import finds the disks by their labels, wherever they are now.
 *
 * Datasets.  Every file system of an imported pool is mounted into AdrOS's
 * VFS at /<dataset> (the pool's root dataset at /<pool>) as a "rump" mount
 * whose source is "zfs:<dataset>", so every file command works on it.
 *
 * At poweroff every pool is exported (its file systems unmounted first):
 * the next boot's `zpool import` finds it.
 *
 * Every function returns 0 (or a count) or a negative errno: -ENODEV when
 * the ZFS components are not linked or the rump kernel is not running.
 * Thread context only; one operation at a time (a lock). */
#ifndef ADROS_ZFS_H
#define ADROS_ZFS_H

#include <adros/types.h>

#define ZFS_NAME_MAX 128
#define ZFS_VDEV_MAX 16

bool zfs_available(void);

/* One vdev of a pool's tree, depth-first (the root at depth 0). */
struct zfs_vdev_info {
    int depth;
    char name[32];   /* the pool's name, "mirror-0", or the disk ("hda") */
    uint64_t state;  /* ZFS's vdev_state_t */
    uint64_t aux;    /* vdev_aux_t: why it is not healthy */
    uint64_t read_errors, write_errors, cksum_errors;
    uint64_t alloc, space;
};
struct zfs_pool_info {
    char name[ZFS_NAME_MAX];
    uint64_t guid;
    uint64_t pool_state;  /* pool_state_t: 0 active, 1 exported, 2 destroyed */
    uint64_t version;
    uint64_t errors;      /* data errors (ZFS's error log) */
    /* The last scrub (from the root vdev's statistics). */
    uint64_t scrub_type;  /* 0 none, 1 resilver, 2 scrub */
    bool scrub_done;
    uint64_t scrub_examined, scrub_repaired, scrub_errors;
    int nvdev;
    struct zfs_vdev_info vdev[ZFS_VDEV_MAX];
};
/* vdev_state_t as zpool(8) names it ("ONLINE", "DEGRADED", ...). */
const char *zfs_state_name(uint64_t state);
/* vdev_aux_t for people ("cannot open", "corrupted data", ...) or NULL. */
const char *zfs_aux_name(uint64_t aux);

/* zpool create [-f] <pool> [mirror] <disk>...: -EEXIST when a pool of
 * that name is imported; without force, a disk that holds a file system or
 * a ZFS label is refused (-EBUSY); a disk under 64 MiB is -EINVAL. */
int zfs_pool_create(const char *pool, bool mirror, const char *const *disks, int ndisks, bool force);
int zfs_pool_destroy(const char *pool);
int zfs_pool_export(const char *pool);
/* The imported pools (up to max): their names, states and trees. */
int zfs_pool_list(struct zfs_pool_info *out, int max);
int zfs_pool_get(const char *pool, struct zfs_pool_info *out);
/* The pools found on AdrOS's disks that are not imported (by their labels). */
int zfs_import_scan(struct zfs_pool_info *out, int max);
/* Imports pool (found by zfs_import_scan) and mounts its file systems. */
int zfs_pool_import(const char *pool);
/* Starts a scrub; with wait, returns when it has finished (or -EINTR when
 * interrupted() turns true). */
int zfs_pool_scrub(const char *pool, bool wait, bool (*interrupted)(void));

struct zfs_ds_info {
    char name[ZFS_NAME_MAX];
    bool snapshot;
    uint64_t used, avail, refer;
    uint64_t compressratio; /* x100 */
    uint64_t compression, checksum; /* ZFS's indices, see zfs_prop_value_name */
    char mountpoint[ZFS_NAME_MAX + 1]; /* where AdrOS has it mounted, "" if nowhere */
};
/* Every dataset and snapshot (of pool, or of every pool when NULL). */
int zfs_ds_list(const char *pool, struct zfs_ds_info *out, int max);
int zfs_ds_get(const char *name, struct zfs_ds_info *out);
/* zfs create <pool>/<fs>: created and mounted at /<pool>/<fs>. */
int zfs_ds_create(const char *name);
int zfs_ds_destroy(const char *name);
int zfs_ds_snapshot(const char *fs_at_snap);
/* Rolls the file system back to its most recent snapshot, which must be
 * the one named (fs@snap). */
int zfs_ds_rollback(const char *fs_at_snap);
/* compression=on|off|lzjb|gzip|gzip-1..9|zle, checksum=on|off|fletcher2|
 * fletcher4|sha256: -EINVAL for another property or value. */
int zfs_ds_set(const char *name, const char *prop, const char *value);
const char *zfs_prop_value_name(const char *prop, uint64_t index);

/* The ARC: its size now, its target and its bounds (bytes). */
struct zfs_arc_info {
    uint64_t size, target, min, max;
};
int zfs_arc_get(struct zfs_arc_info *out);

#endif
