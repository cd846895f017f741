/* The rumpuser(3) hypercall interface, version 17, as AdrOS implements it,
 * plus the PCI hypercalls (rumpcomp_pci_*) of NetBSD's PCI component.
 *
 * These are our own declarations, written from the manual page, so that
 * the hypercall layer (src/rumpuser/rumpuser_*.c) builds without NetBSD's
 * headers.  When the user's rump/rumpuser.h is present, rumpuser_hdrcheck.c
 * compiles a check that the two agree (layout, constants, prototypes).
 *
 * The ABI is i386 cdecl, as the rump kernel was built: ints are 32 bits,
 * int64_t arguments take two stack slots, enums travel as int.  Every
 * int-returning hypercall returns 0 or a positive NetBSD errno; routines
 * returning void never fail.  Every hypercall is entered holding a rump
 * kernel CPU context and returns holding one (see rumpuser_int.h). */
#ifndef ADROS_RUMPUSER_ADROS_H
#define ADROS_RUMPUSER_ADROS_H

#include <adros/types.h>

typedef int32_t rumpuser_pid_t; /* NetBSD pid_t on i386 */

struct lwp;            /* the rump kernel's thread: opaque here */
struct modinfo;
struct rump_component;

/* --- init --- */
#define RUMPUSER_VERSION 17

/* The upcalls, in the order the rump kernel lays them out: 13 functions,
 * then 8 spare slots (stored too, for later versions of the kernel side). */
struct rumpuser_hyperup {
    void (*hyp_schedule)(void);
    void (*hyp_unschedule)(void);
    /* Gives up the rump CPU: nlocks_in is 0 (release all of the big
     * kernel lock), *nlocks_out gets how many were held, interlock is the
     * mutex a cv wait is about to release (or NULL). */
    void (*hyp_backend_unschedule)(int nlocks_in, int *nlocks_out, void *interlock);
    void (*hyp_backend_schedule)(int nlocks, void *interlock);
    void (*hyp_lwproc_switch)(struct lwp *l);
    void (*hyp_lwproc_release)(void);
    int (*hyp_lwproc_rfork)(void *priv, int flags, const char *comm);
    int (*hyp_lwproc_newlwp)(rumpuser_pid_t pid);
    struct lwp *(*hyp_lwproc_curlwp)(void);
    int (*hyp_syscall)(int num, void *arg, long *retval);
    void (*hyp_lwpexit)(void);
    void (*hyp_execnotify)(const char *comm);
    rumpuser_pid_t (*hyp_getpid)(void);
    void *hyp__extra[8];
};
int rumpuser_init(int version, const struct rumpuser_hyperup *hyp);

/* --- memory --- */
int rumpuser_malloc(size_t len, int alignment, void **memp);
void rumpuser_free(void *mem, size_t len);
int rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec, void **memp);
void rumpuser_unmap(void *addr, size_t len);

/* --- files and I/O --- */
#define RUMPUSER_OPEN_RDONLY 0x0000
#define RUMPUSER_OPEN_WRONLY 0x0001
#define RUMPUSER_OPEN_RDWR 0x0002
#define RUMPUSER_OPEN_ACCMODE 0x0003
#define RUMPUSER_OPEN_CREATE 0x0004
#define RUMPUSER_OPEN_EXCL 0x0008
#define RUMPUSER_OPEN_BIO 0x0010
int rumpuser_open(const char *name, int mode, int *fdp);
int rumpuser_close(int fd);

#define RUMPUSER_FT_OTHER 0
#define RUMPUSER_FT_DIR 1
#define RUMPUSER_FT_REG 2
#define RUMPUSER_FT_BLK 3
#define RUMPUSER_FT_CHR 4
int rumpuser_getfileinfo(const char *name, uint64_t *size, int *type);

#define RUMPUSER_BIO_READ 0x01
#define RUMPUSER_BIO_WRITE 0x02
#define RUMPUSER_BIO_SYNC 0x04
typedef void (*rump_biodone_fn)(void *arg, size_t done, int error);
void rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off, rump_biodone_fn biodone, void *donearg);

struct rumpuser_iovec {
    void *iov_base;
    size_t iov_len;
};
#define RUMPUSER_IOV_NOSEEK -1
int rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen, int64_t off, size_t *retv);
int rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov, size_t iovlen, int64_t off, size_t *retv);

#define RUMPUSER_SYNCFD_READ 0x01
#define RUMPUSER_SYNCFD_WRITE 0x02
#define RUMPUSER_SYNCFD_BOTH (RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE)
#define RUMPUSER_SYNCFD_BARRIER 0x04
#define RUMPUSER_SYNCFD_SYNC 0x08
int rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len);

/* --- clocks --- */
enum rumpclock { RUMPUSER_CLOCK_RELWALL, RUMPUSER_CLOCK_ABSMONO };
int rumpuser_clock_gettime(int enum_rumpclock, int64_t *sec, long *nsec);
int rumpuser_clock_sleep(int enum_rumpclock, int64_t sec, long nsec);

/* --- parameters --- */
#define RUMPUSER_PARAM_NCPU "_RUMPUSER_NCPU"
#define RUMPUSER_PARAM_HOSTNAME "_RUMPUSER_HOSTNAME"
int rumpuser_getparam(const char *name, void *buf, size_t buflen);

/* --- errno of rump system calls, termination, console, randomness --- */
void rumpuser_seterrno(int error);

#define RUMPUSER_PID_SELF ((int64_t)-1)
int rumpuser_kill(int64_t pid, int sig);
#define RUMPUSER_PANIC (-1)
void rumpuser_exit(int value) __noreturn;

void rumpuser_putchar(int ch);
void rumpuser_dprintf(const char *fmt, ...) __printf(1, 2);

#define RUMPUSER_RANDOM_HARD 0x01
#define RUMPUSER_RANDOM_NOWAIT 0x02
int rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp);

/* --- threads --- */
int rumpuser_thread_create(void *(*fun)(void *), void *arg, const char *thrname, int mustjoin, int priority,
                           int cpuidx, void **cookie);
void rumpuser_thread_exit(void) __noreturn;
int rumpuser_thread_join(void *cookie);

enum rumplwpop { RUMPUSER_LWP_CREATE, RUMPUSER_LWP_DESTROY, RUMPUSER_LWP_SET, RUMPUSER_LWP_CLEAR };
void rumpuser_curlwpop(int enum_rumplwpop, struct lwp *l);
struct lwp *rumpuser_curlwp(void);

/* --- locks --- */
struct rumpuser_mtx;
#define RUMPUSER_MTX_SPIN 0x01
#define RUMPUSER_MTX_KMUTEX 0x02
void rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags);
void rumpuser_mutex_enter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *mtx);
int rumpuser_mutex_tryenter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_exit(struct rumpuser_mtx *mtx);
void rumpuser_mutex_destroy(struct rumpuser_mtx *mtx);
void rumpuser_mutex_owner(struct rumpuser_mtx *mtx, struct lwp **lp);

struct rumpuser_rw;
enum rumprwlock { RUMPUSER_RW_READER, RUMPUSER_RW_WRITER };
void rumpuser_rw_init(struct rumpuser_rw **rwp);
void rumpuser_rw_enter(int enum_rumprwlock, struct rumpuser_rw *rw);
int rumpuser_rw_tryenter(int enum_rumprwlock, struct rumpuser_rw *rw);
int rumpuser_rw_tryupgrade(struct rumpuser_rw *rw);
void rumpuser_rw_downgrade(struct rumpuser_rw *rw);
void rumpuser_rw_exit(struct rumpuser_rw *rw);
void rumpuser_rw_destroy(struct rumpuser_rw *rw);
void rumpuser_rw_held(int enum_rumprwlock, struct rumpuser_rw *rw, int *heldp);

struct rumpuser_cv;
void rumpuser_cv_init(struct rumpuser_cv **cvp);
void rumpuser_cv_destroy(struct rumpuser_cv *cv);
void rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
void rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
int rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx, int64_t sec, int64_t nsec);
void rumpuser_cv_signal(struct rumpuser_cv *cv);
void rumpuser_cv_broadcast(struct rumpuser_cv *cv);
void rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp);

/* --- dynamic loading (a static image here) and daemonising --- */
typedef void (*rump_modinit_fn)(const struct modinfo *const *, size_t);
typedef int (*rump_symload_fn)(void *, uint64_t, char *, uint64_t);
typedef void (*rump_compload_fn)(const struct rump_component *);
void rumpuser_dl_bootstrap(rump_modinit_fn domodinit, rump_symload_fn symload, rump_compload_fn compload);

int rumpuser_daemonize_begin(void);
int rumpuser_daemonize_done(int error);

/* --- PCI hypercalls (rumpcomp/pci_user.h, with the user features
 * "DMA free" and "I/O space").  Errors are positive NetBSD errno values. --- */
struct rumpcomp_pci_dmaseg {
    unsigned long ds_pa;
    unsigned long ds_len;
    unsigned long ds_vacookie;
};
void *rumpcomp_pci_map(unsigned long addr, unsigned long len);
int rumpcomp_pci_confread(unsigned bus, unsigned dev, unsigned fun, int reg, unsigned int *value);
int rumpcomp_pci_confwrite(unsigned bus, unsigned dev, unsigned fun, int reg, unsigned int value);
int rumpcomp_pci_irq_map(unsigned bus, unsigned dev, unsigned fun, int intrline, unsigned cookie);
void *rumpcomp_pci_irq_establish(unsigned cookie, int (*handler)(void *), void *arg);
/* Not in NetBSD's interface (AdrOS's, for pci_intr_disestablish: see
 * rump_pci_glue.c): removes an established handler; blocks until it is not
 * running. */
void rumpcomp_pci_irq_disestablish(void *cookie);
int rumpcomp_pci_dmalloc(size_t size, size_t align, unsigned long *pap, unsigned long *vap);
void rumpcomp_pci_dmafree(unsigned long va, size_t size);
int rumpcomp_pci_dmamem_map(struct rumpcomp_pci_dmaseg *segs, size_t nseg, size_t totlen, void **vap);
unsigned long rumpcomp_pci_virt_to_mach(void *va);
int rumpcomp_pci_iospace_init(void);

/* --- AdrOS additions, not part of the interface --- */
/* The upcalls in use (NULL before rumpuser_init). */
const struct rumpuser_hyperup *rumpuser_adros_hyperup(void);
/* -2 while the rump kernel runs; the value it passed to rumpuser_exit. */
int rumpuser_adros_exit_value(void);
/* The calling thread's errno as last set by rumpuser_seterrno. */
int rumpuser_adros_errno(void);
/* Bytes currently allocated through rumpuser_malloc/anonmmap, and the
 * limit (RUMP_MEMLIMIT, 0 for none). */
/* What a rump kernel panic (rumpuser_exit(RUMPUSER_PANIC)) does after its
 * report (message, registers, backtrace): without a handler, AdrOS panics;
 * the integration installs one that stops the rump kernel and lets AdrOS go
 * on.  The handler must not return. */
typedef void (*rumpuser_adros_panic_fn)(void);
void rumpuser_adros_set_panic_handler(rumpuser_adros_panic_fn fn);
/* Called by rumpcomp_pci_map for every memory BAR it has mapped, before
 * the driver touches it: how the layer above applies device quirks
 * (src/rump/rump_bus_space.c) without this library knowing of them.
 * NULL (the default): nothing.  Set before the rump kernel starts. */
typedef void (*rumpuser_adros_pci_map_fn)(unsigned long pa, unsigned long len, void *va);
void rumpuser_adros_set_pci_map_hook(rumpuser_adros_pci_map_fn fn);
/* For the enter of one of NetBSD's spin mutexes (RUMPUSER_MTX_SPIN |
 * RUMPUSER_MTX_KMUTEX) that finds it held by owner: release(owner)
 * returns true when it has given up the caller's rump CPU because owner
 * has given up its own (src/rump/rump_delay.c: a DELAY that sleeps);
 * the caller then waits for the mutex and calls reacquire() to take a CPU
 * back.  false, or no hooks (the default): the caller waits keeping its
 * CPU, as the interface says.  Set before the rump kernel starts. */
struct thread;
typedef bool (*rumpuser_adros_spin_release_fn)(struct thread *owner);
typedef void (*rumpuser_adros_spin_reacquire_fn)(void);
void rumpuser_adros_set_spin_wait_hooks(rumpuser_adros_spin_release_fn release,
                                        rumpuser_adros_spin_reacquire_fn reacquire);
/* How many of NetBSD's spin mutexes the calling thread holds: while any,
 * it runs at the rump interrupt threads' priority (rumpuser_sync.c, the
 * priority ceiling).  For tests. */
int rumpuser_adros_spin_ceiling_depth(void);
/* Whether a thread waits to take m (a hint): the rump layer asks it of the
 * rump kernel's big lock at NetBSD's preemption point in uiomove
 * (src/rump/rump_preempt.c). */
bool rumpuser_adros_mutex_wanted(struct rumpuser_mtx *m);
size_t rumpuser_adros_mem_in_use(void);
/* Hypercalls made so far, for profiles (make bench's rump_ext2 prints them
 * per workload next to the POSIX host's, tools/bench/rumphost.c): the
 * counters' values into out[0..RUMPUSER_ADROS_NCOUNTS), their names from
 * rumpuser_adros_count_name().  BIO_INLINE: rumpuser_bio requests the
 * block cache completed in the caller; BIO_SECTORS: 512-byte units asked
 * of rumpuser_bio; the counters are 32 bits and wrap; MUTEX_BLOCKED: rumpuser_mutex_enter calls that waited
 * (the rump CPU given up). */
enum {
    RUMPUSER_ADROS_C_BIO, RUMPUSER_ADROS_C_BIO_INLINE, RUMPUSER_ADROS_C_BIO_SECTORS, RUMPUSER_ADROS_C_MALLOC,
    RUMPUSER_ADROS_C_FREE, RUMPUSER_ADROS_C_MUTEX_ENTER, RUMPUSER_ADROS_C_MUTEX_BLOCKED,
    RUMPUSER_ADROS_C_MUTEX_TRYENTER, RUMPUSER_ADROS_C_CV_WAIT, RUMPUSER_ADROS_C_CV_TIMEDWAIT,
    RUMPUSER_ADROS_C_CV_SIGNAL, RUMPUSER_ADROS_C_CV_BROADCAST, RUMPUSER_ADROS_C_CLOCK_GETTIME,
    RUMPUSER_ADROS_C_CLOCK_SLEEP, RUMPUSER_ADROS_NCOUNTS
};
void rumpuser_adros_hypercall_counts(uint32_t *out);
const char *rumpuser_adros_count_name(int i);
size_t rumpuser_adros_mem_limit(void);   /* RUMP_MEMLIMIT (the rump kernel enforces it) */
/* RUMP_MEMLIMIT when the command line sets none: half of RAM, at least 8 MiB. */
size_t rumpuser_adros_default_memlimit(void);
size_t rumpuser_adros_mem_ceiling(void); /* the host's safety ceiling above it, 0 for none */
/* Allocations refused close after another, and so slowed by 1 ms
 * (rumpuser_mem.c: NetBSD retries a refusal at once). */
uint32_t rumpuser_adros_mem_refusals_slowed(void);

#endif
