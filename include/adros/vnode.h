/* The interface between the VFS and the file systems (ramfs, devfs, ext2).
 * Users of files include vfs.h only.
 *
 * A vnode is one file system object in memory.  It is reference counted:
 * whoever gets a vnode from a file system (root, lookup, create) owns one
 * reference and drops it with vnode_rele().  When the count falls to zero
 * the VFS calls ops->inactive(), where the file system frees it or keeps it
 * (ramfs keeps linked nodes).  Each reference also counts against the
 * vnode's mount, which is how umount knows a file system is busy.
 *
 * File systems do their own locking inside the ops; the VFS holds no lock
 * across a call into a file system (so ops may block on disk I/O).  Names
 * passed to ops are NUL-terminated single components, never "." ("..",
 * on the other hand, is passed to lookup: only the file system knows a
 * directory's parent; the VFS handles ".." at mount roots itself). */
#ifndef ADROS_VNODE_H
#define ADROS_VNODE_H

#include <adros/list.h>
#include <adros/vfs.h>

struct vnode;
struct mount;

#define VFS_OFF_APPEND UINT64_MAX

struct vnode_ops {
    /* Directory ops. */
    int (*lookup)(struct vnode *dir, const char *name, struct vnode **out);
    /* Creates a regular file (VREG) or directory (VDIR); -EEXIST if present. */
    int (*create)(struct vnode *dir, const char *name, enum vtype type, uint32_t mode, struct vnode **out);
    int (*symlink)(struct vnode *dir, const char *name, const char *target);
    int (*unlink)(struct vnode *dir, const char *name); /* non-directories */
    int (*rmdir)(struct vnode *dir, const char *name);
    /* Both directories on the same mount.  Replaces an existing target of
     * a compatible type (an empty directory by a directory). */
    int (*rename)(struct vnode *fdir, const char *fname, struct vnode *tdir, const char *tname);
    /* Entry at *cookie (0 = first); advances *cookie.  Returns 1, 0 at the
     * end, or -errno.  May return "." and ".." (the VFS filters them) and
     * type VNON (the VFS then looks the entry up). */
    int (*readdir)(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de);
    /* Any vnode. */
    int (*getattr)(struct vnode *vp, struct vfs_stat *st);
    ssize_t (*read)(struct vnode *vp, void *buf, size_t len, uint64_t off);
    /* off VFS_OFF_APPEND: at the end of the file, atomically. */
    ssize_t (*write)(struct vnode *vp, const void *buf, size_t len, uint64_t off);
    int (*truncate)(struct vnode *vp, uint64_t size);
    int (*readlink)(struct vnode *vp, char *buf, size_t size); /* returns full length */
    int (*fsync)(struct vnode *vp);
    /* The last reference went away.  Called without VFS locks. */
    void (*inactive)(struct vnode *vp);
};

struct vnode {
    enum vtype type;
    uint64_t ino;               /* unique within its mount */
    struct mount *mnt;
    const struct vnode_ops *ops;
    void *data;                 /* the file system's */
    struct blkdev *bdev;        /* VBLK: the device, a reference the file
                                 * system drops in inactive() (immutable) */
    volatile int refcnt;        /* atomic */
    /* vnode_rele calls in flight that may end in inactive() (atomic): a
     * file system must not free a vnode while another release of it is
     * still on its way into inactive() (see ramfs_inactive). */
    volatile int releasing;
};

struct vfsops {
    const char *name;
    /* Sets mp->data and returns the root vnode (one reference, kept by the
     * mount).  mp->flags and mp->source are set before the call. */
    int (*mount)(struct mount *mp, const char *source, struct vnode **rootp);
    /* Called with no vnode of mp referenced except the root, after the root
     * reference has been dropped.  Frees everything. */
    int (*unmount)(struct mount *mp);
    /* Fills block_size / total / free counts (optional). */
    void (*statfs)(struct mount *mp, struct vfs_mountinfo *mi);
};

struct mount {
    const struct vfsops *ops;
    void *data;                 /* the file system's */
    uint32_t flags;             /* VFS_MNT_* */
    uint32_t id;
    struct vnode *root;         /* reference held by the mount */
    struct vnode *covered;      /* the directory mounted on (reference held); NULL for "/" */
    char source[64];
    char target[VFS_PATH_MAX];
    volatile int refs;          /* vnode references into this mount (atomic) */
    struct list_node node;      /* in the mount table (vfs.c's mount lock) */
};

/* The file system types built in (registered by fs_boot.c). */
extern const struct vfsops ramfs_vfsops, devfs_vfsops, ext2_vfsops;

/* Registers a file system type. */
void vfs_register_fs(const struct vfsops *ops);

/* Initialises a new vnode with one reference (counted on mp). */
void vnode_init(struct vnode *vp, struct mount *mp, const struct vnode_ops *ops, enum vtype type, uint64_t ino);
void vnode_ref(struct vnode *vp);
void vnode_rele(struct vnode *vp);

/* --- used by the VFS's own files (vfs.c, namei.c, file.c, blkfile.c) --- */
/* Resolves path.  follow: follow a final symlink.  Returns a referenced
 * vnode. */
int vfs__lookup(const char *path, bool follow, struct vnode **out);
/* Resolves all but the last component: a referenced directory *dirp and the
 * last name copied into name (VFS_NAME_MAX+1 bytes).  -EINVAL when the path
 * has no last component ("/") or it is "." or "..". */
int vfs__lookup_parent(const char *path, struct vnode **dirp, char *name);
/* Is vp a mount point (something mounted on it)? */
bool vfs__is_covered(struct vnode *vp);
/* The lock that serializes removing directories with mounting on them
 * (see vfs.c): rmdir and rename hold it from their lookups to the file
 * system's op.  Taken before any other VFS lock. */
void vfs__ns_lock(void);
void vfs__ns_unlock(void);
/* Is vp a mount point, or the target of a mount being set up?  The caller
 * holds the ns lock. */
bool vfs__is_mount_target(struct vnode *vp);
/* If a file system is mounted on vp, returns its root (referenced) and
 * drops vp; else vp. */
struct vnode *vfs__cross_down(struct vnode *vp);
/* The root vnode of "/", referenced (NULL before the root is mounted). */
struct vnode *vfs__root(void);
/* For ".." at a mount root: the covered vnode (referenced), or NULL at "/". */
struct vnode *vfs__cross_up(struct vnode *root);
/* Block-device I/O for VBLK vnodes (blkfile.c). */
ssize_t vfs__blk_rw(struct blkdev *dev, bool write, void *buf, size_t len, uint64_t off);

#endif
