/* librumpuser_adros, synchronisation group: mutexes, rwlocks and
 * condition variables for the rump kernel, on AdrOS's kmutex_t, krwlock_t
 * and wait queues.
 *
 * Context rules (rumpuser(3)):
 *  - a mutex made with RUMPUSER_MTX_SPIN never gives up the rump CPU, not
 *    even in rumpuser_mutex_enter (the host thread may still block: the
 *    rump kernel only uses SPIN for short sections and its own scheduler);
 *  - any other blocking acquire first tries without blocking, and only
 *    when that fails waits without the rump CPU (RUMPUSER_BLOCKING);
 *  - RUMPUSER_MTX_KMUTEX mutexes record the owning lwp (curlwp);
 *  - a cv wait releases the rump CPU, passing the mutex as interlock (the
 *    rump scheduler's own lock gets taken there, see cv_enter_sleep), and
 *    on waking takes back, for a SPIN|KMUTEX interlock, the CPU first and
 *    then the mutex; for every other interlock (pure SPIN included) the
 *    mutex first and then the CPU.  The _nowrap variants keep the CPU;
 *  - a thread holding one of NetBSD's spin mutexes runs at the priority of
 *    the rump kernel's interrupt threads (see ceiling_enter).
 *
 * Lock memory comes from kmalloc; these routines return void and may not
 * fail, so running out of memory here is fatal (panic). */

#include "rumpuser_int.h"

struct rumpuser_mtx {
    kmutex_t km;       /* the lock itself; kmutex tracks the AdrOS thread */
    struct lwp *owner; /* KMUTEX only: the rump lwp holding km (holder writes) */
    int flags;
};

struct rumpuser_rw {
    krwlock_t kl;
};

struct rumpuser_cv {
    struct waitq wq;
    volatile int nwaiters; /* threads inside cv_wait*, until they return */
};

static void *lock_alloc(size_t size, const char *what)
{
    void *p = kzalloc(size);
    if (!p)
        panic("rumpuser: out of memory allocating a %s", what);
    return p;
}

/* ---- mutexes ---- */

void rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags)
{
    struct rumpuser_mtx *m = lock_alloc(sizeof(*m), "mutex");
    kmutex_init(&m->km, (flags & RUMPUSER_MTX_SPIN) ? "rump-spin" : "rump-mtx");
    m->flags = flags;
    *mtxp = m;
}

static inline void mtx_owned(struct rumpuser_mtx *m)
{
    if (m->flags & RUMPUSER_MTX_KMUTEX)
        m->owner = rumpuser__curlwp();
}

static inline void mtx_unowned(struct rumpuser_mtx *m)
{
    if (m->flags & RUMPUSER_MTX_KMUTEX)
        m->owner = NULL;
}

/* NetBSD's code misusing a lock (an error path a hostile disk image
 * reaches, tools/test/fsfuzz.py) is the rump kernel's failure, not
 * AdrOS's: its panic, which AdrOS survives, instead of AdrOS's lock
 * checks panicking AdrOS. */
static void lock_misuse(const char *what, const void *lock)
{
    kprintf(KERN_ERR "rumpuser: the rump kernel %s %p\n", what, lock);
    rumpuser_exit(RUMPUSER_PANIC);
}

static rumpuser_adros_spin_release_fn spin_release;
static rumpuser_adros_spin_reacquire_fn spin_reacquire;
void rumpuser_adros_set_spin_wait_hooks(rumpuser_adros_spin_release_fn release,
                                        rumpuser_adros_spin_reacquire_fn reacquire)
{
    spin_release = release;
    spin_reacquire = reacquire;
}

/* NetBSD's spin kmutex_t (mutex_init: SPIN|KMUTEX), always entered by an
 * lwp holding a rump CPU; the rump kernel's own scheduler and big lock
 * are plain SPIN, entered also without one. */
static inline bool is_kernel_spin(const struct rumpuser_mtx *m)
{
    return (m->flags & (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX)) == (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
}

/* The priority ceiling of NetBSD's spin mutexes.  NetBSD enters a spin
 * mutex at its IPL (IPL_BIO, IPL_NET...): on that CPU, no handler of an
 * interrupt at that level runs until the holder lets go.  Here handlers
 * run in threads of priority RUMPUSER_INTR_PRIO (rumpuser_pci.c), which,
 * made ready by their line, preempt a lower one wherever it is, holding a
 * spin mutex too.  A handler that then only tries the mutex, as NetBSD's
 * nvme_intr does (nvme_q_complete: mutex_tryenter of the completion
 * queue's lock), finds it held, returns, and its device, still asserting
 * its level-triggered line, makes the thread run it again at once: the
 * holder, never running again, never lets go.  Seen: 1 boot in 3-20 with
 * NVMe hung in nvme_attach's first admin command (the rump-init thread
 * preempted inside nvme_poll's nvme_q_complete, rump-intr calling
 * nvme_intr 13 million times).  So, as spl would, a thread holding any of
 * NetBSD's spin mutexes runs at RUMPUSER_INTR_PRIO: no interrupt thread
 * preempts it (at most one takes its turn after a 10 ms slice) and it
 * drops back when it lets the last one go.  Raised before the lock is
 * taken, lowered after it is released: never held at the lower priority.
 * Per thread, in TLS; changed only by the thread itself. */
static __thread int ceil_depth;     /* spin mutexes held */
static __thread int ceil_saved = -1; /* priority before the outermost */

static void ceiling_enter(const struct rumpuser_mtx *m)
{
    if (!is_kernel_spin(m) || ceil_depth++ > 0)
        return;
    struct thread *self = thread_current();
    ceil_saved = self->prio;
    if (ceil_saved < RUMPUSER_INTR_PRIO)
        thread_set_priority(self, RUMPUSER_INTR_PRIO);
}

/* May switch to a thread it held back (not with interrupts off: then at
 * the next switch). */
static void ceiling_exit(const struct rumpuser_mtx *m)
{
    if (!is_kernel_spin(m) || --ceil_depth > 0)
        return;
    struct thread *self = thread_current();
    if (self->prio != ceil_saved)
        thread_set_priority(self, ceil_saved);
}

int rumpuser_adros_spin_ceiling_depth(void) { return ceil_depth; }

bool rumpuser_adros_mutex_wanted(struct rumpuser_mtx *m) { return m && kmutex_contended(&m->km); }

/* Every _nowrap enter and every SPIN one.  A held spin mutex is waited
 * for keeping the CPU, unless it is one of NetBSD's and its holder sleeps
 * without its own CPU (see rumpuser_adros_set_spin_wait_hooks). */
void rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *m)
{
    rumpuser__count(RUMPUSER_ADROS_C_MUTEX_ENTER);
    if (kmutex_held(&m->km))
        lock_misuse("takes again a mutex it holds:", m);
    ceiling_enter(m);
    if (!kmutex_trylock(&m->km)) {
        struct thread *owner = kmutex_owner(&m->km);
        if (is_kernel_spin(m) && spin_release && owner && spin_release(owner)) {
            kmutex_lock(&m->km);
            spin_reacquire();
        } else {
            kmutex_lock(&m->km);
        }
    }
    mtx_owned(m);
}

void rumpuser_mutex_enter(struct rumpuser_mtx *m)
{
    if (m->flags & RUMPUSER_MTX_SPIN) {
        rumpuser_mutex_enter_nowrap(m);
        return;
    }
    rumpuser__count(RUMPUSER_ADROS_C_MUTEX_ENTER);
    if (kmutex_held(&m->km))
        lock_misuse("takes again a mutex it holds:", m);
    if (!kmutex_trylock(&m->km)) {
        rumpuser__count(RUMPUSER_ADROS_C_MUTEX_BLOCKED);
        RUMPUSER_BLOCKING(kmutex_lock(&m->km));
    }
    mtx_owned(m);
}

/* 0, or EBUSY when someone holds it. */
int rumpuser_mutex_tryenter(struct rumpuser_mtx *m)
{
    rumpuser__count(RUMPUSER_ADROS_C_MUTEX_TRYENTER);
    ceiling_enter(m);
    if (!kmutex_trylock(&m->km)) {
        ceiling_exit(m);
        return EBUSY;
    }
    mtx_owned(m);
    return 0;
}

void rumpuser_mutex_exit(struct rumpuser_mtx *m)
{
    if (!kmutex_held(&m->km))
        lock_misuse("released a mutex it does not hold:", m);
    mtx_unowned(m);
    kmutex_unlock(&m->km);
    ceiling_exit(m);
}

void rumpuser_mutex_destroy(struct rumpuser_mtx *m)
{
    if (kmutex_owner(&m->km))
        panic("rumpuser_mutex_destroy: mutex %p is held", (void *)m);
    kfree(m);
}

/* Only asked of KMUTEX mutexes (rumpuser(3)); others have no owner lwp. */
void rumpuser_mutex_owner(struct rumpuser_mtx *m, struct lwp **lp)
{
    *lp = (m->flags & RUMPUSER_MTX_KMUTEX) ? m->owner : NULL;
}

/* ---- reader-writer locks ---- */

void rumpuser_rw_init(struct rumpuser_rw **rwp)
{
    struct rumpuser_rw *rw = lock_alloc(sizeof(*rw), "rwlock");
    krw_init(&rw->kl);
    *rwp = rw;
}

static enum krw_op rw_op(int enum_rumprwlock)
{
    return enum_rumprwlock == RUMPUSER_RW_WRITER ? KRW_WRITER : KRW_READER;
}

void rumpuser_rw_enter(int enum_rumprwlock, struct rumpuser_rw *rw)
{
    enum krw_op op = rw_op(enum_rumprwlock);
    if (krw_write_held(&rw->kl))
        lock_misuse("takes again an rwlock it holds as writer:", rw);
    if (!krw_tryenter(&rw->kl, op))
        RUMPUSER_BLOCKING(krw_enter(&rw->kl, op));
}

int rumpuser_rw_tryenter(int enum_rumprwlock, struct rumpuser_rw *rw)
{
    return krw_tryenter(&rw->kl, rw_op(enum_rumprwlock)) ? 0 : EBUSY;
}

/* Succeeds (0) only for the sole reader; EBUSY otherwise: the caller
 * backs off, so failing never deadlocks. */
int rumpuser_rw_tryupgrade(struct rumpuser_rw *rw) { return krw_tryupgrade(&rw->kl) ? 0 : EBUSY; }

/* Writer to reader: never waits. */
void rumpuser_rw_downgrade(struct rumpuser_rw *rw) { krw_downgrade(&rw->kl); }

void rumpuser_rw_exit(struct rumpuser_rw *rw)
{
    if (!krw_write_held(&rw->kl) && !krw_read_held(&rw->kl))
        lock_misuse("released an rwlock nobody holds:", rw);
    krw_exit(&rw->kl);
}

void rumpuser_rw_destroy(struct rumpuser_rw *rw)
{
    if (krw_held(&rw->kl))
        panic("rumpuser_rw_destroy: rwlock %p is held", (void *)rw);
    kfree(rw);
}

/* WRITER: held for writing by the caller; READER: held by some reader. */
void rumpuser_rw_held(int enum_rumprwlock, struct rumpuser_rw *rw, int *heldp)
{
    if (enum_rumprwlock == RUMPUSER_RW_WRITER)
        *heldp = krw_write_held(&rw->kl);
    else
        *heldp = krw_read_held(&rw->kl);
}

/* ---- condition variables ---- */

void rumpuser_cv_init(struct rumpuser_cv **cvp)
{
    struct rumpuser_cv *cv = lock_alloc(sizeof(*cv), "condvar");
    waitq_init(&cv->wq);
    *cvp = cv;
}

void rumpuser_cv_destroy(struct rumpuser_cv *cv)
{
    if (cv->nwaiters)
        panic("rumpuser_cv_destroy: condvar %p has %d waiters", (void *)cv, cv->nwaiters);
    kfree(cv);
}

/* Releases m and sleeps on cv until woken or deadline (0: none), without
 * taking m back.  Releasing and queueing happen with interrupts off, so a
 * signal cannot fall between them.  Returns 0 or -ETIMEDOUT. */
static int cv_sleep(struct rumpuser_cv *cv, struct rumpuser_mtx *m, uint64_t deadline)
{
    mtx_unowned(m);
    irqflags_t f = irq_save();
    kmutex_unlock(&m->km);
    ceiling_exit(m); /* a spin interlock is taken back through ceiling_enter */
    int r = waitq_wait(&cv->wq, deadline, false);
    irq_restore(f);
    return r;
}

/* The wrapped wait: give up the CPU with m as interlock, sleep, then
 * take both back in the order the interlock's flags demand. */
static int cv_wait_wrapped(struct rumpuser_cv *cv, struct rumpuser_mtx *m, uint64_t deadline)
{
    int nlocks;
    __atomic_add_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
    /* With the rump scheduler's own lock as interlock the rump kernel
     * takes m here (it calls the wait without holding it). */
    rumpuser__unsched(&nlocks, m);
    int r = cv_sleep(cv, m, deadline);
    if ((m->flags & (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX)) == (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX)) {
        /* A spin mutex is never waited for without the CPU: CPU first. */
        rumpuser__sched(nlocks, m);
        rumpuser_mutex_enter_nowrap(m);
    } else {
        /* Mutex first; the scheduler releases it for its own lock. */
        kmutex_lock(&m->km);
        mtx_owned(m);
        rumpuser__sched(nlocks, m);
    }
    __atomic_sub_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
    return r;
}

void rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *m)
{
    rumpuser__count(RUMPUSER_ADROS_C_CV_WAIT);
    (void)cv_wait_wrapped(cv, m, 0);
}

void rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *m)
{
    rumpuser__count(RUMPUSER_ADROS_C_CV_WAIT);
    __atomic_add_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
    (void)cv_sleep(cv, m, 0);
    rumpuser_mutex_enter_nowrap(m);
    __atomic_sub_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
}

/* sec/nsec is a relative timeout, measured from the call (before the CPU
 * is given up).  0 when signalled, ETIMEDOUT when it ran out; m is held
 * again either way. */
int rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *m, int64_t sec, int64_t nsec)
{
    rumpuser__count(RUMPUSER_ADROS_C_CV_TIMEDWAIT);
    uint64_t now = clock_gettime_ns();
    uint64_t deadline = now;
    if (sec > 0 || (sec == 0 && nsec > 0)) {
        uint64_t rel;
        if (sec >= (int64_t)(UINT64_MAX / NSEC_PER_SEC / 2))
            rel = UINT64_MAX / 2;
        else
            rel = (uint64_t)sec * NSEC_PER_SEC + (uint64_t)(nsec > 0 ? nsec : 0);
        deadline = now + rel;
    }
    return cv_wait_wrapped(cv, m, deadline) == -ETIMEDOUT ? ETIMEDOUT : 0;
}

void rumpuser_cv_signal(struct rumpuser_cv *cv)
{
    rumpuser__count(RUMPUSER_ADROS_C_CV_SIGNAL);
    waitq_wake_one(&cv->wq);
    sched_preempt_check();
}

void rumpuser_cv_broadcast(struct rumpuser_cv *cv)
{
    rumpuser__count(RUMPUSER_ADROS_C_CV_BROADCAST);
    waitq_wake_all(&cv->wq);
    sched_preempt_check();
}

void rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp) { *waitersp = cv->nwaiters; }
