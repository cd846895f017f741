/* Private to the hypercall layer (src/rumpuser/rumpuser_*.c).
 *
 * The rule every hypercall keeps: it is entered holding a rump kernel CPU
 * context; one that may block gives the context up first and takes it back
 * before returning.  That is done in exactly one place, RUMPUSER_BLOCKING()
 * below (and by the condition variables, whose interlock argument and
 * reacquire order are special, see rumpuser_sync.c).  The _nowrap variants
 * and SPIN mutexes never release the context.
 *
 * Assumptions: one CPU (AdrOS), so "interrupts off" makes a short section
 * atomic; no hypercall is ever called from an interrupt handler. */
#ifndef ADROS_RUMPUSER_INT_H
#define ADROS_RUMPUSER_INT_H

#include "rumpuser_adros.h"
#include "rumpuser_platform.h"

/* The upcalls given to rumpuser_init (all 13 and the 8 spare slots). */
extern struct rumpuser_hyperup rumpuser__hyp;

static inline void rumpuser__unsched(int *nlocks, void *interlock)
{
    rumpuser__hyp.hyp_backend_unschedule(0, nlocks, interlock);
}

static inline void rumpuser__sched(int nlocks, void *interlock)
{
    rumpuser__hyp.hyp_backend_schedule(nlocks, interlock);
}

/* Runs the statement `call` without the rump kernel CPU: the one wrapper
 * around every blocking call. */
#define RUMPUSER_BLOCKING(call) \
    do { \
        int nlocks__; \
        rumpuser__unsched(&nlocks__, NULL); \
        call; \
        rumpuser__sched(nlocks__, NULL); \
    } while (0)

/* The priority of the threads that run the rump kernel's device interrupt
 * handlers (rumpuser_pci.c), and the one a thread holding any of NetBSD's
 * spin mutexes runs at (rumpuser_sync.c: the priority ceiling that stands
 * for NetBSD's splraise to the mutex's IPL). */
#define RUMPUSER_INTR_PRIO PRIO_HIGH

/* Hypercall counters, for profiles (rumpuser_adros_hypercall_counts()):
 * one relaxed atomic add per counted call (32 bits: i386 has no cheap
 * 64-bit one; they wrap, differences taken modulo 2^32 stay right). */
extern uint32_t rumpuser__counts[RUMPUSER_ADROS_NCOUNTS];
static inline void rumpuser__count(int c) { __atomic_fetch_add(&rumpuser__counts[c], 1, __ATOMIC_RELAXED); }
static inline void rumpuser__count_add(int c, uint32_t n) { __atomic_fetch_add(&rumpuser__counts[c], n, __ATOMIC_RELAXED); }

/* Kernel errors are negative NetBSD errno values; hypercalls return them
 * positive.  Our errno.h uses NetBSD's numbering, so this is a negation. */
static inline int rumpuser__err(int kerr) { return kerr < 0 ? -kerr : kerr; }

/* curlwp is a thread-local variable (AdrOS gives every thread a TLS
 * block reached through %gs): reading it is one instruction.  The AdrOS
 * thread's rump_lwp field mirrors it for debuggers and ps. */
extern __thread struct lwp *rumpuser__tls_curlwp;
static inline struct lwp *rumpuser__curlwp(void) { return rumpuser__tls_curlwp; }

/* Parameters (rumpuser_param.c): the value of a parameter set on the
 * command line as rump.<name>=<value>, or NULL. */
const char *rumpuser__param(const char *name);
/* RUMP_MEMLIMIT in bytes, 0 for none (rumpuser_mem.c). */
void rumpuser__mem_init(void);

/* Open files (rumpuser_file.c), shared with block I/O (rumpuser_bio.c).
 * A file is a block device (blk set; f too when it was opened by a VFS
 * path) or a VFS file (f only).  Slots are owned by rumpuser_file.c;
 * inflight and the wait queue are updated with interrupts off. */
struct file;
struct rumpuser_file {
    bool used;
    int mode;             /* RUMPUSER_OPEN_* */
    struct file *f;       /* VFS file, or NULL for a device opened by name */
    struct blkdev *blk;   /* block device (a reference), or NULL */
    struct blk_claim claim; /* WRITE (owner blk_owner_rump) when opened for writing */
    volatile int inflight;/* bios submitted and not yet completed */
    struct waitq idle;    /* woken when inflight drops to 0 */
};
#define RUMPUSER_NFILES 64
/* The open file fd, or NULL (bad descriptor).  Stays valid while the rump
 * kernel does not close it (closing waits for outstanding bios). */
struct rumpuser_file *rumpuser__file(int fd);
/* Byte I/O on a block device: offset and length must be whole sectors
 * (-EINVAL otherwise).  Returns bytes done or a negative errno. */
ssize_t rumpuser__blk_rw(struct blkdev *dev, bool write, void *buf, size_t len, uint64_t off);
/* Waits (thread context, without the rump CPU) until fd has no bio in
 * flight. */
void rumpuser__bio_drain(struct rumpuser_file *rf);

/* Verbose logging (rump.RUMP_VERBOSE=1 / rump.RUMPUSER_DEBUG=1). */
extern int rumpuser__verbose;

#endif
