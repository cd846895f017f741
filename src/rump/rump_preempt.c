/* NetBSD's preemption point in uiomove, kept on AdrOS.
 *
 * NetBSD's uiomove gives up the CPU between the pieces it copies to or from
 * a process when its scheduler says another LWP should run
 * (SPCF_SHOULDYIELD: preempt(), which releases the big lock with the CPU).
 * The rump kernel has no scheduler clock, so the flag is never set and a
 * file system that is not MP-safe (NetBSD 7.99's ext2fs) holds the rump
 * kernel's big lock for a whole write: 64 KiB of copying, block allocation
 * and write-behind, up to milliseconds under emulation, while the network
 * stack's interrupt thread, soft interrupt and a ping's sendto wait for
 * it (docs/PERFORMANCE.md, "Ping during a 64 MiB copy").
 *
 * The kernel links with --wrap for uiomove (mk/rump.mk; every caller is in
 * another object than subr_copy.o: the rump VM's ubc_uiomove, the socket
 * layer, the file systems), and this shim is NetBSD's test with the
 * question the rump kernel cannot ask made concrete: for a copy from or to
 * a process (the local client's vmspace, as NetBSD's own condition:
 * a user vmspace), when a thread waits for the big lock and the caller
 * holds it, yield() first: the rump kernel's own, which releases the big
 * lock and the CPU and takes them back, the waiter running in between.
 * Nothing is given up when nobody waits. */
#include <stdbool.h>

#include "../rumpuser/rumpuser_adros.h"
#include "rump_preempt.h"

static volatile unsigned long yields;

unsigned long rump_preempt_yields(void) { return yields; }

#ifdef ADROS_HAVE_RUMP
int __real_rumpns_uiomove(void *buf, size_t n, struct nb_uio *uio);
extern struct rumpuser_mtx *rump_giantlock; /* rumpkern/klock.c */
extern void *rump_vmspace_local;            /* rumpkern/vm.c */
bool rumpns__kernel_locked_p(void);
void rumpns_yield(void);

int __wrap_rumpns_uiomove(void *buf, size_t n, struct nb_uio *uio)
{
    if (uio->uio_vmspace == rump_vmspace_local && rumpuser_adros_mutex_wanted(rump_giantlock) &&
        rumpns__kernel_locked_p()) {
        __atomic_add_fetch(&yields, 1, __ATOMIC_RELAXED);
        rumpns_yield();
    }
    return __real_rumpns_uiomove(buf, n, uio);
}
#endif
