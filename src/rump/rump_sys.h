/* Our declarations of the parts of the rump kernel's public interface that
 * the integration uses: rump_init, etfs, and the system calls, by the names
 * the rump kernel exports (rump___sysimpl_*: the names NetBSD's
 * rump_syscalls.h maps rump_sys_* to), with NetBSD's i386 ABI types.  Kept
 * here so the integration builds without NetBSD's headers.
 *
 * A system call returns -1 and leaves the error in the calling thread's rump
 * errno (rumpuser_seterrno); rump_sys_err() turns that into -errno. */
#ifndef ADROS_RUMP_SYS_H
#define ADROS_RUMP_SYS_H

#include <adros/types.h>

/* struct timespec, struct stat (__stat50) and struct dirent (getdents30) of
 * NetBSD/i386: 64-bit members are 4-byte aligned, as in our own ABI. */
struct nb_timespec {
    int64_t tv_sec;
    int32_t tv_nsec;
};

struct nb_stat {
    uint64_t st_dev;
    uint32_t st_mode;
    uint64_t st_ino;
    uint32_t st_nlink;
    uint32_t st_uid, st_gid;
    uint64_t st_rdev;
    struct nb_timespec st_atim, st_mtim, st_ctim, st_birthtim;
    int64_t st_size;
    int64_t st_blocks;
    uint32_t st_blksize;
    uint32_t st_flags;
    uint32_t st_gen;
    uint32_t st_spare[2];
};
_Static_assert(sizeof(struct nb_stat) == 124, "NetBSD/i386 struct stat is 124 bytes");

#define NB_S_IFMT 0170000u
#define NB_S_IFIFO 0010000u
#define NB_S_IFCHR 0020000u
#define NB_S_IFDIR 0040000u
#define NB_S_IFBLK 0060000u
#define NB_S_IFREG 0100000u
#define NB_S_IFLNK 0120000u

struct nb_dirent {
    uint64_t d_fileno;
    uint16_t d_reclen;
    uint16_t d_namlen;
    uint8_t d_type;
    char d_name[512];
};
#define NB_DT_CHR 2
#define NB_DT_DIR 4
#define NB_DT_BLK 6
#define NB_DT_REG 8
#define NB_DT_LNK 10

#define NB_MNT_RDONLY 0x00000001
#define NB_MNT_FORCE 0x00080000

/* Mount arguments, one structure per NetBSD file system (mount(2)'s data);
 * fspec names the block device inside the rump kernel.  Their layouts are
 * compared with the archives' DWARF at build time (tools/build/layoutcheck.py,
 * through src/netbsd/nb_layouts.c), besides the sizes asserted here. */

/* ext2fs and ffs: struct ufs_args. */
struct nb_ufs_args {
    char *fspec;
};
_Static_assert(sizeof(struct nb_ufs_args) == 4, "NetBSD/i386 struct ufs_args is 4 bytes");

/* struct export_args30 (NFS export data kept in msdosfs_args and iso_args
 * for old mount programs): unused by a local mount, zero. */
#define NB_EXPORT_ARGS30_SIZE 108

/* msdosfs: struct msdosfs_args (sys/fs/msdosfs/msdosfsmount.h), version 3. */
struct nb_msdosfs_args {
    char *fspec;
    uint8_t _pad1[NB_EXPORT_ARGS30_SIZE];
    uint32_t uid;     /* owner of every file */
    uint32_t gid;
    uint32_t mask;    /* permission bits of files */
    int32_t flags;    /* NB_MSDOSFSMNT_* */
    int32_t version;  /* NB_MSDOSFSMNT_VERSION, with NB_MSDOSFSMNT_VERSIONED */
    uint32_t dirmask; /* permission bits of directories */
    int32_t gmtoff;   /* seconds east of UTC of the on-disk local times */
};
_Static_assert(sizeof(struct nb_msdosfs_args) == 140, "NetBSD/i386 struct msdosfs_args is 140 bytes");
#define NB_MSDOSFSMNT_LONGNAME 2   /* Windows 95 long names */
#define NB_MSDOSFSMNT_VERSIONED 16 /* version, dirmask and gmtoff are valid */
#define NB_MSDOSFSMNT_UTF8 32      /* long names as UTF-8 */
#define NB_MSDOSFSMNT_VERSION 3

/* cd9660: struct iso_args (sys/fs/cd9660/cd9660_mount.h).  flags 0: Rock
 * Ridge and Joliet used when present. */
struct nb_iso_args {
    const char *fspec;
    uint8_t _pad1[NB_EXPORT_ARGS30_SIZE];
    int32_t flags;
};
_Static_assert(sizeof(struct nb_iso_args) == 116, "NetBSD/i386 struct iso_args is 116 bytes");

enum { NB_RUMP_ETFS_REG, NB_RUMP_ETFS_BLK, NB_RUMP_ETFS_CHR, NB_RUMP_ETFS_DIR, NB_RUMP_ETFS_DIR_SUBDIRS };

int rump_init(void);
int rump_pub_etfs_register(const char *key, const char *hostpath, int type);
int rump_pub_etfs_remove(const char *key);
int rump_pub_lwproc_newlwp(int32_t pid);
void rump_pub_lwproc_releaselwp(void);

int rump___sysimpl_open(const char *path, int flags, ...);
int rump___sysimpl_close(int fd);
ssize_t rump___sysimpl_read(int fd, void *buf, size_t n);
ssize_t rump___sysimpl_write(int fd, const void *buf, size_t n);
ssize_t rump___sysimpl_pread(int fd, void *buf, size_t n, int64_t off);
ssize_t rump___sysimpl_pwrite(int fd, const void *buf, size_t n, int64_t off);
int64_t rump___sysimpl_lseek(int fd, int64_t off, int whence);
int rump___sysimpl_stat50(const char *path, struct nb_stat *st);
int rump___sysimpl_lstat50(const char *path, struct nb_stat *st);
int rump___sysimpl_fstat50(int fd, struct nb_stat *st);
int rump___sysimpl_getdents30(int fd, char *buf, size_t n);
int rump___sysimpl_mkdir(const char *path, uint32_t mode);
int rump___sysimpl_rmdir(const char *path);
int rump___sysimpl_unlink(const char *path);
int rump___sysimpl_rename(const char *from, const char *to);
int rump___sysimpl_symlink(const char *target, const char *path);
ssize_t rump___sysimpl_readlink(const char *path, char *buf, size_t n);
int rump___sysimpl_mount50(const char *type, const char *path, int flags, void *data, size_t len);
int rump___sysimpl_unmount(const char *path, int flags);
void rump___sysimpl_sync(void);
int rump___sysimpl_fsync(int fd);
int rump___sysimpl_ftruncate(int fd, int64_t len);
int rump___sysimpl_getpid(void);

/* The hypercall layer's per-thread rump errno. */
int rumpuser_adros_errno(void);
static inline int rump_sys_err(void)
{
    int e = rumpuser_adros_errno();
    return e > 0 ? -e : -5 /* EIO: the rump kernel said "failed" without a reason */;
}

/* A system call on behalf of an AdrOS service (network, audio): unavail
 * when ready is false (the service is not there), else the call through
 * RUMP_SYSCALL (rump_int.h) with -1 turned into -errno. */
#define RUMP_SERVICE_CALL(ret, ready, unavail, call) \
    do { \
        if (!(ready)) { \
            (ret) = (unavail); \
            break; \
        } \
        RUMP_SYSCALL(ret, -EIO, call); \
        if ((ret) == -1) \
            (ret) = rump_sys_err(); \
    } while (0)

#endif
