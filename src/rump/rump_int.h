/* Private to src/rump/ (the integration: rump_integration.c, the VFS
 * bridge, the bus-space quirks).  The rump kernel's entry points, the call
 * macros and NetBSD's structures are in rump_sys.h. */
#ifndef ADROS_RUMP_INT_H
#define ADROS_RUMP_INT_H

#include <adros/rump.h>
#include <adros/vnode.h>

extern const struct vfsops rump_vfsops; /* rump_mount.c */
/* A vnode (rump_vnops.c) for path inside the rump kernel, on mp: 0 or
 * -errno.  Called inside RUMP_SYSCALL. */
int rump__new_vnode(struct mount *mp, const char *path, struct vnode **out);

/* etfs registrations are shared by every mount of a device: get registers
 * key -> device on first use, put removes it after the last. */
int rump__etfs_get(const char *key, const char *dev);
void rump__etfs_put(const char *key);
/* Installs the PCI device quirks (rump_bus_space.c) as the hypercall
 * library's map hook; called before the rump kernel starts. */
void rump__bus_space_init(void);
/* Whether a QEMU e1000 is mapped, and how many writes of its receive
 * control register that would not have changed it were skipped
 * (rump_bus_space.c). */
bool rump__e1000_rctl_skipped(unsigned long *n);
/* Whether a QEMU e1000e is mapped, and how many of its NVM reads of a word
 * beyond QEMU's 64 were answered (rump_bus_space.c). */
bool rump__e1000e_nvm_answered(unsigned long *n);
/* Writes everything NetBSD caches for the file system of AdrOS mount mp
 * to its disk and waits for it (NetBSD's VFS_SYNC with MNT_WAIT: file data,
 * inodes or directory entries, and what the file system keeps on the
 * device itself: FAT, bitmaps, superblock).  Inside RUMP_SYSCALL.  0 or a
 * negative errno (the first write that failed). */
int rump__sync_mount(struct mount *mp);
/* The same for every rump mount; takes the mount lock (not inside
 * RUMP_SYSCALL). */
int rump__sync_mounts(void);
/* The mount's device went away (blk_gone): every operation fails with
 * -EIO, cached data or not. */
bool rump__mount_gone(struct mount *mp);
/* A change was made on mp (write, create, remove, rename...): until the
 * next sync it is unwritten, which umount reports if the device goes. */
void rump__mount_changed(struct mount *mp);
/* Records how long NetBSD's mount took (benchmarks, status). */
void rump__note_mount(uint64_t ns);
/* Time NetBSD's DELAY() spent sleeping and spinning since boot, and how
 * often a spin mutex was waited for without a CPU (rump_delay.c). */
void rump__delay_stats(uint64_t *slept_ns, uint64_t *spun_ns, uint64_t *waits);

#endif
