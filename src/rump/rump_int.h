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
/* Installs the PCI device quirks (rump_bus_space.c) as the hypercall
 * library's map hook; called before the rump kernel starts. */
void rump__bus_space_init(void);
/* Records how long NetBSD's mount took (benchmarks, status). */
void rump__note_mount(uint64_t ns);

/* Entering the rump kernel from AdrOS.  A panic of the rump kernel must not
 * take AdrOS down: every entry from an AdrOS thread goes through
 * RUMP_GUARDED(ret, errval, call), which fails with errval at once when the
 * rump kernel has crashed, and otherwise records a return point that the
 * panic handler (rump_integration.c) jumps back to, so the call returns
 * errval instead of never returning.  What the rump kernel held at that
 * moment (its locks, its memory) is abandoned with it. */
extern __thread void *rump__guard_jb;
extern volatile bool rump__crashed;
#define RUMP_GUARDED(ret, errval, call) \
    do { \
        if (rump__crashed) { \
            (ret) = (errval); \
            break; \
        } \
        void *rg_jb__[5]; \
        void *volatile rg_prev__ = rump__guard_jb; \
        if (__builtin_setjmp(rg_jb__) == 0) { \
            rump__guard_jb = rg_jb__; \
            (ret) = (call); \
        } else { \
            (ret) = (errval); \
        } \
        rump__guard_jb = rg_prev__; \
    } while (0)

/* Binds the calling AdrOS thread to an lwp of its own in the rump kernel,
 * once per thread (a thread-exit hook releases it).  Without it every system
 * call makes the rump kernel create and destroy a temporary lwp.  Threads
 * that already have an lwp (the rump kernel's own) are left alone. */
int rump__bind(void); /* 0 or a negative errno */
/* RUMP_GUARDED for system calls from AdrOS threads: bound first (a thread
 * that cannot be bound gets the error, not a call in the wrong process). */
#define RUMP_SYSCALL(ret, errval, call) \
    do { \
        int rb__; \
        RUMP_GUARDED(rb__, (errval), rump__bind()); \
        if (rb__ < 0) { \
            (ret) = rb__; \
            break; \
        } \
        RUMP_GUARDED(ret, errval, call); \
    } while (0)

#endif
