/* The virtual file system: what the rest of the kernel (shell, rump
 * hypercalls, manifest) uses to reach files.
 *
 * One namespace rooted at "/" (a ramfs mounted at boot), file systems
 * mounted on directories (devfs at /dev, ext2 from block devices).  Paths are
 * absolute (a relative path is taken from "/"); "." and ".." work, also
 * across mount points both ways; symbolic links are followed (at most
 * VFS_SYMLOOP_MAX per lookup, then -ELOOP).
 *
 * Every function returns 0 (or a byte count) on success and a negative
 * NetBSD errno on failure.  Everything is thread-safe; nothing may be called
 * from interrupt context.  Open files and vnodes are reference counted: an
 * open file stays usable after its name is unlinked, and unmounting a file
 * system that has open files, a current lookup or mounts below it fails
 * with -EBUSY.
 *
 * Block devices (/dev/hda, or any VBLK vnode) read and write through the
 * block layer synchronously at byte offsets; unaligned ranges are handled
 * with read-modify-write of the partial sectors (a write of a partial sector
 * is therefore not atomic against concurrent writers of the same sector).
 * vfs_stat on one reports type VBLK and size = sectors x sector size.  A
 * device may not be opened for writing while a file system has it (or an
 * overlapping partition or disk) mounted, nor mounted while it is open for
 * writing: -EBUSY (see "Claims" in blk.h).  An open file of a device that
 * went away stays valid; its reads, writes and fsync fail with -EIO. */
#ifndef ADROS_VFS_H
#define ADROS_VFS_H

#include <adros/types.h>

#define VFS_PATH_MAX 1024   /* including the terminating NUL */
#define VFS_NAME_MAX 255    /* one path component */
#define VFS_SYMLOOP_MAX 16  /* symlinks followed in one lookup */

/* Open flags: NetBSD's values. */
#define O_RDONLY 0x00000000
#define O_WRONLY 0x00000001
#define O_RDWR 0x00000002
#define O_ACCMODE 0x00000003
#define O_APPEND 0x00000008
#define O_NOFOLLOW 0x00000100 /* final component may not be a symlink (-ELOOP) */
#define O_CREAT 0x00000200
#define O_TRUNC 0x00000400
#define O_EXCL 0x00000800
#define O_DIRECTORY 0x00200000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

enum vtype { VNON, VREG, VDIR, VBLK, VCHR, VLNK };

struct vfs_stat {
    enum vtype type;
    uint32_t mode;      /* permission bits (07777) */
    uint64_t ino;
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t size;      /* bytes; a symlink: length of its target; VBLK: device size */
    uint32_t blksize;   /* preferred I/O size */
    uint64_t blocks;    /* 512-byte units allocated */
    int64_t atime, mtime, ctime; /* seconds since 1970 */
    uint32_t mnt_id;    /* which mount the object lives on */
};

struct vfs_dirent {
    uint64_t ino;
    enum vtype type;
    uint16_t namelen;
    char name[VFS_NAME_MAX + 1];
};

/* Scatter-gather element. */
struct kiovec {
    void *base;
    size_t len;
};

/* Mount flags. */
#define VFS_MNT_RDONLY 0x1u
#define VFS_MNT_SYSTEM 0x2u /* the system's own (devfs on /dev): never unmounted */
#define VFS_MNT_GONE 0x4u   /* listings only (the fs's statfs sets it): its device went away,
                             * every operation on it fails with EIO until it is unmounted */

struct vfs_mountinfo {
    uint32_t mnt_id;
    char fstype[16];
    char source[64];          /* "hda1", "none" */
    char target[VFS_PATH_MAX];
    uint32_t flags;           /* VFS_MNT_* */
    uint32_t block_size;      /* 0 when the fs does not count blocks */
    uint64_t total_blocks, free_blocks;
    uint64_t total_inodes, free_inodes;
};

struct file;

/* --- files --- */
/* Opens path; flags O_*; mode is used when O_CREAT creates a file.  Opening a
 * directory is allowed read-only (for vfs_readdir), but not with O_CREAT
 * unless O_DIRECTORY is given (-EISDIR).  O_CREAT never creates a name
 * given with a trailing "/": -ENOENT when it does not exist, -EISDIR for a
 * directory, -ENOTDIR for anything else.  Returns 0 and *out. */
int vfs_open(const char *path, int flags, uint32_t mode, struct file **out);
/* Drops the reference; the file is freed when no one else holds it. */
int vfs_close(struct file *f);
/* Another reference to an open file (closed by another vfs_close). */
struct file *vfs_file_dup(struct file *f);
/* Read/write at the file offset, advancing it.  Return bytes done (0 at end
 * of file) or a negative errno. */
ssize_t vfs_read(struct file *f, void *buf, size_t len);
ssize_t vfs_write(struct file *f, const void *buf, size_t len);
/* Positioned: at off, the file offset is neither used nor changed. */
ssize_t vfs_pread(struct file *f, void *buf, size_t len, uint64_t off);
ssize_t vfs_pwrite(struct file *f, const void *buf, size_t len, uint64_t off);
/* Scatter-gather at off: the vectors are filled/written in order as one
 * contiguous range.  A short count means end of file (reads) or an error
 * after some bytes were done. */
ssize_t vfs_preadv(struct file *f, const struct kiovec *iov, int iovcnt, uint64_t off);
ssize_t vfs_pwritev(struct file *f, const struct kiovec *iov, int iovcnt, uint64_t off);
/* Returns the new offset (>= 0) or -EINVAL. */
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
int vfs_fstat(struct file *f, struct vfs_stat *st);
int vfs_ftruncate(struct file *f, uint64_t size);
int vfs_fsync(struct file *f);
/* Next entry of an open directory ("." and ".." are never returned):
 * returns 1 and *de, 0 at the end, or a negative errno.  vfs_lseek(f, 0,
 * SEEK_SET) rewinds. */
int vfs_readdir(struct file *f, struct vfs_dirent *de);
/* The block device behind an open VBLK file, NULL for anything else. */
struct blkdev *vfs_file_blkdev(struct file *f);
/* Type of an open file. */
enum vtype vfs_file_type(struct file *f);
/* How many struct files are open right now (all users). */
int vfs_open_files(void);

/* --- names --- */
/* Relative paths resolve against fn()'s answer, an absolute path, for the
 * calling thread (NULL: "/").  The shell sets it (its working directory
 * for the commands it runs); fn is called in thread context, often. */
void vfs_set_cwd_hook(const char *(*fn)(void));
int vfs_stat(const char *path, struct vfs_stat *st);  /* follows symlinks */
int vfs_lstat(const char *path, struct vfs_stat *st); /* does not */
int vfs_mkdir(const char *path, uint32_t mode);
int vfs_unlink(const char *path);                     /* not directories (-EISDIR) */
int vfs_rmdir(const char *path);                      /* empty directories only; -EBUSY: a mount point
                                                       * (or one being mounted on) */
int vfs_rename(const char *from, const char *to);     /* same file system (-EXDEV) */
int vfs_symlink(const char *target, const char *linkpath);
/* Copies the link's target into buf (NUL-terminated, truncated to size-1);
 * returns the full target length. */
int vfs_readlink(const char *path, char *buf, size_t size);

/* --- mounts --- */
/* Mounts a file system of type fstype ("ramfs", "devfs", "ext2") from source
 * (a block device name or path for disk file systems, anything for the
 * others) on the directory target; flags VFS_MNT_*.  -ENODEV: unknown type;
 * -ENOTDIR; -EBUSY: something is already mounted (or being mounted) there,
 * or the device is open for writing.  Serialized with vfs_rmdir and
 * vfs_rename: a mount never lands on a directory being removed. */
int vfs_mount(const char *fstype, const char *source, const char *target, uint32_t flags);
/* -EBUSY while files are open on it, a lookup is inside it or something is
 * mounted below it; -EINVAL: target is not a mount point; -EPERM: the root
 * or a VFS_MNT_SYSTEM mount. */
int vfs_umount(const char *target);
/* Fills up to max entries (in mount order) and returns how many mounts
 * exist (may exceed max). */
int vfs_mount_list(struct vfs_mountinfo *out, int max);
/* Mounts the block device dev on dir with the driver for what is on it
 * (fsdetect): NetBSD's file system through the rump kernel when it is
 * linked and running (read-write unless flags say VFS_MNT_RDONLY or the
 * device or NetBSD's driver is read-only), otherwise AdrOS's ext2,
 * read-only.  Returns 0 or vfs_mount's errors; -EFTYPE: nothing
 * recognized; -ENXIO: no such device.  Thread context (reads the disk). */
int vfs_mount_auto(const char *dev, const char *dir, uint32_t flags);
/* Mount information for the file system holding path. */
int vfs_statfs(const char *path, struct vfs_mountinfo *out);

/* Name of a vtype ("regular", "directory", ...). */
const char *vfs_type_name(enum vtype t);

#endif
