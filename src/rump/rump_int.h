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
/* Records how long NetBSD's mount took (benchmarks, status). */
void rump__note_mount(uint64_t ns);
/* Time NetBSD's DELAY() spent sleeping and spinning since boot, and how
 * often a spin mutex was waited for without a CPU (rump_delay.c). */
void rump__delay_stats(uint64_t *slept_ns, uint64_t *spun_ns, uint64_t *waits);

#endif
