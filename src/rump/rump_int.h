/* Private to the rump integration (rump_integration.c, rump_vfs.c). */
#ifndef ADROS_RUMP_INT_H
#define ADROS_RUMP_INT_H

#include <adros/rump.h>
#include <adros/vnode.h>

extern const struct vfsops rump_vfsops;

/* etfs registrations are shared by every mount of a device: get registers
 * key -> device on first use, put removes it after the last. */
int rump__etfs_get(const char *key, const char *dev);
void rump__etfs_put(const char *key);
/* Records how long NetBSD's mount took (benchmarks, status). */
void rump__note_mount(uint64_t ns);

#endif
