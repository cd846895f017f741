/* The stand-in rump kernel for the hypercall conformance suite: see
 * rumpuser_fk.h.  Its virtual CPU model uses raw AdrOS primitives only. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>

#include "rumpuser_fk.h"

#define FK_MAGIC 0x4c57504bu

/* Model state: all under fk.lock except violations (atomic). */
static struct {
    bool inited;
    kmutex_t lock;
    kcond_t cv;
    int ncpu;
    struct lwp *holder[FK_MAXCPU];
    int held;
    int nextid;
    struct rumpuser_mtx *probe;
    int probe_flags;
    volatile int violations;
    bool fast;
} fk;

void fk_set_fast(bool on) { fk.fast = on; }

struct rumpuser_mtx *fk_schedmtx;

static void violation(const char *fmt, ...) __printf(1, 2);
static void violation(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    int n = __atomic_add_fetch(&fk.violations, 1, __ATOMIC_RELAXED);
    if (n <= 10)
        kprintf("        # CONTRACT VIOLATION (%s): %s\n", thread_name(thread_current()), buf);
}

int fk_violations(void) { return fk.violations; }
int fk_cpus_held(void) { return fk.held; }

static struct lwp *lwp_new(void)
{
    struct lwp *l = kzalloc(sizeof(*l));
    if (!l)
        panic("fk: out of memory");
    l->magic = FK_MAGIC;
    l->cpu = -1;
    l->outer_nlocks = -1;
    kmutex_lock(&fk.lock);
    l->id = ++fk.nextid;
    kmutex_unlock(&fk.lock);
    return l;
}

static struct lwp *cur(const char *what)
{
    struct lwp *l = rumpuser_curlwp();
    if (!l)
        violation("%s from a thread with no lwp set", what);
    else if (l->magic != FK_MAGIC)
        violation("%s: curlwp %p is not an lwp of ours", what, (void *)l);
    return l && l->magic == FK_MAGIC ? l : NULL;
}

static void cpu_acquire(struct lwp *l)
{
    kmutex_lock(&fk.lock);
    uint64_t deadline = clock_gettime_ns() + FK_STARVE_MS * NSEC_PER_MSEC;
    for (;;) {
        for (int i = 0; i < fk.ncpu; i++) {
            if (!fk.holder[i]) {
                fk.holder[i] = l;
                l->cpu = i;
                fk.held++;
                kmutex_unlock(&fk.lock);
                return;
            }
        }
        if (kcond_wait_until(&fk.cv, &fk.lock, deadline) == -ETIMEDOUT) {
            int h = fk.holder[0] ? fk.holder[0]->id : 0;
            kmutex_unlock(&fk.lock);
            violation("lwp %d got no virtual CPU in %d ms (cpu0 held by lwp %d): a blocking hypercall kept its CPU?",
                      l->id, FK_STARVE_MS, h);
            l->cpu = FK_OVERSUB; /* carry on, so the test ends and reports */
            return;
        }
    }
}

static void cpu_release(struct lwp *l)
{
    kmutex_lock(&fk.lock);
    if (l->cpu >= 0 && l->cpu < FK_MAXCPU && fk.holder[l->cpu] == l) {
        fk.holder[l->cpu] = NULL;
        fk.held--;
    }
    l->cpu = -1;
    kcond_broadcast(&fk.cv);
    kmutex_unlock(&fk.lock);
}

/* Hands l's CPU to n (lwp switches keep the CPU). */
static void cpu_transfer(struct lwp *l, struct lwp *n)
{
    kmutex_lock(&fk.lock);
    n->cpu = l->cpu;
    if (l->cpu >= 0 && l->cpu < FK_MAXCPU && fk.holder[l->cpu] == l)
        fk.holder[l->cpu] = n;
    l->cpu = -1;
    kmutex_unlock(&fk.lock);
}

/* ---- the upcalls ---- */

static void hyp_schedule(void)
{
    struct lwp *l = rumpuser_curlwp();
    if (!l) {
        /* As the rump kernel does: a temporary lwp for a host thread. */
        l = lwp_new();
        l->temp = true;
        rumpuser_curlwpop(RUMPUSER_LWP_CREATE, l);
        rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
    }
    if (l->cpu != -1)
        violation("hyp_schedule by lwp %d, which holds CPU %d", l->id, l->cpu);
    cpu_acquire(l);
}

static void hyp_unschedule(void)
{
    struct lwp *l = cur("hyp_unschedule");
    if (!l)
        return;
    if (l->cpu == -1)
        violation("hyp_unschedule by lwp %d, which holds no CPU", l->id);
    cpu_release(l);
    if (l->temp) {
        rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
        rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, l);
        l->magic = 0;
        kfree(l);
    }
}

static void hyp_backend_unschedule(int nlocks_in, int *nlocks_out, void *interlock)
{
    if (fk.fast) {
        *nlocks_out = 0;
        return;
    }
    struct lwp *l = cur("hyp_backend_unschedule");
    if (!l)
        return;
    if (nlocks_in != 0)
        violation("backend_unschedule with nlocks %d (must be 0: release all)", nlocks_in);
    if (l->cpu == -1)
        violation("backend_unschedule by lwp %d, which holds no CPU (released twice?)", l->id);
    *nlocks_out = l->nlocks;
    l->saved_nlocks = l->nlocks;
    l->nlocks = 0;
    l->unsched++;
    /* The rump scheduler takes its own lock before the CPU goes. */
    if (interlock && interlock == fk_schedmtx)
        rumpuser_mutex_enter_nowrap(fk_schedmtx);
    cpu_release(l);
}

static enum fk_il probe(struct rumpuser_mtx *m, struct lwp *l)
{
    if (fk.probe_flags & RUMPUSER_MTX_KMUTEX) {
        struct lwp *o;
        rumpuser_mutex_owner(m, &o);
        return o == l ? FK_IL_HELD : FK_IL_FREE;
    }
    if (rumpuser_mutex_tryenter(m) == 0) {
        rumpuser_mutex_exit(m);
        return FK_IL_FREE;
    }
    return FK_IL_HELD;
}

static void hyp_backend_schedule(int nlocks, void *interlock)
{
    if (fk.fast)
        return;
    struct lwp *l = cur("hyp_backend_schedule");
    if (!l)
        return;
    if (l->cpu != -1)
        violation("backend_schedule by lwp %d, which already holds CPU %d", l->id, l->cpu);
    /* The count given back is the count taken, except around a lock-free
     * inner section: a thread that gave up N locks may run something on a
     * CPU with none (schedule 0 ... unschedule, as NetBSD's librumpuser
     * does for biodone) and then take its N back. */
    if (nlocks == 0 && l->saved_nlocks != 0 && l->outer_nlocks < 0)
        l->outer_nlocks = l->saved_nlocks;
    else if (l->outer_nlocks >= 0 && l->saved_nlocks == 0 && nlocks == l->outer_nlocks)
        l->outer_nlocks = -1;
    else if (nlocks != l->saved_nlocks)
        violation("backend_schedule got nlocks %d, backend_unschedule gave %d", nlocks, l->saved_nlocks);
    if (interlock && interlock == fk.probe)
        l->il_at_sched = probe(interlock, l);
    bool schedlock = interlock && interlock == fk_schedmtx;
    if (schedlock && rumpuser_mutex_tryenter(fk_schedmtx) == 0)
        violation("backend_schedule with the scheduler lock as interlock, not holding it (pure SPIN: mutex first)");
    cpu_acquire(l);
    l->nlocks = nlocks;
    l->sched++;
    if (schedlock)
        rumpuser_mutex_exit(fk_schedmtx);
}

static void hyp_lwproc_switch(struct lwp *n)
{
    struct lwp *l = cur("hyp_lwproc_switch");
    if (!l || !n)
        return;
    cpu_transfer(l, n);
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
    rumpuser_curlwpop(RUMPUSER_LWP_SET, n);
}

static void hyp_lwproc_release(void)
{
    struct lwp *l = cur("hyp_lwproc_release");
    if (l)
        l->temp = true;
}

static int hyp_lwproc_newlwp(rumpuser_pid_t pid)
{
    struct lwp *l = cur("hyp_lwproc_newlwp");
    if (!l)
        return EINVAL;
    if (l->cpu == -1)
        violation("hyp_lwproc_newlwp by lwp %d without a CPU", l->id);
    struct lwp *n = lwp_new();
    rumpuser_curlwpop(RUMPUSER_LWP_CREATE, n);
    cpu_transfer(l, n);
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
    rumpuser_curlwpop(RUMPUSER_LWP_SET, n);
    if (l->temp) {
        rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, l);
        l->magic = 0;
        kfree(l);
    }
    return 0;
}

static int hyp_lwproc_rfork(void *priv, int flags, const char *comm) { return hyp_lwproc_newlwp(0); }
static struct lwp *hyp_lwproc_curlwp(void) { return rumpuser_curlwp(); }
static int hyp_syscall(int num, void *arg, long *retval) { return ENOSYS; }
static void hyp_lwpexit(void) {}
static void hyp_execnotify(const char *comm) {}
static rumpuser_pid_t hyp_getpid(void) { return 1; }

const struct rumpuser_hyperup fk_hyp = {
    .hyp_schedule = hyp_schedule,
    .hyp_unschedule = hyp_unschedule,
    .hyp_backend_unschedule = hyp_backend_unschedule,
    .hyp_backend_schedule = hyp_backend_schedule,
    .hyp_lwproc_switch = hyp_lwproc_switch,
    .hyp_lwproc_release = hyp_lwproc_release,
    .hyp_lwproc_rfork = hyp_lwproc_rfork,
    .hyp_lwproc_newlwp = hyp_lwproc_newlwp,
    .hyp_lwproc_curlwp = hyp_lwproc_curlwp,
    .hyp_syscall = hyp_syscall,
    .hyp_lwpexit = hyp_lwpexit,
    .hyp_execnotify = hyp_execnotify,
    .hyp_getpid = hyp_getpid,
};

/* ---- helpers for the cases ---- */

bool fk_init(int ncpu)
{
    const struct rumpuser_hyperup *h = rumpuser_adros_hyperup();
    if (h && h->hyp_backend_schedule != fk_hyp.hyp_backend_schedule)
        return false;
    if (!fk.inited) {
        kmutex_init(&fk.lock, "fk");
        kcond_init(&fk.cv);
        fk.inited = true;
        if (rumpuser_init(RUMPUSER_VERSION, &fk_hyp) != 0)
            panic("fk: rumpuser_init refused the stand-in");
        rumpuser_mutex_init(&fk_schedmtx, RUMPUSER_MTX_SPIN);
    } else if (rumpuser_adros_hyperup() == NULL ||
               rumpuser_adros_hyperup()->hyp_backend_schedule != fk_hyp.hyp_backend_schedule) {
        rumpuser_init(RUMPUSER_VERSION, &fk_hyp);
    }
    kmutex_lock(&fk.lock);
    fk.ncpu = ncpu < 1 ? 1 : ncpu > FK_MAXCPU ? FK_MAXCPU : ncpu;
    fk.probe = NULL;
    kmutex_unlock(&fk.lock);
    fk.violations = 0;
    return true;
}

struct lwp *fk_bind(void)
{
    struct lwp *l = lwp_new();
    l->nlocks = 3; /* so a lost or altered nlocks shows */
    rumpuser_curlwpop(RUMPUSER_LWP_CREATE, l);
    rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
    hyp_schedule();
    l->nlocks = 3;
    return l;
}

void fk_unbind(void)
{
    struct lwp *l = cur("fk_unbind");
    if (!l)
        return;
    hyp_unschedule();
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
    rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, l);
    /* Kept (not freed): a late callback may still name it. */
}

void fk_schedule(void) { hyp_schedule(); }
void fk_unschedule(void) { hyp_unschedule(); }
struct lwp *fk_self(void) { return rumpuser_curlwp(); }

bool fk_holds_cpu(void)
{
    struct lwp *l = rumpuser_curlwp();
    return l && l->magic == FK_MAGIC && l->cpu != -1 && l->cpu != FK_OVERSUB;
}

void fk_wait_sem(ksem_t *s)
{
    hyp_unschedule();
    ksem_down(s);
    hyp_schedule();
}

void fk_set_probe(struct rumpuser_mtx *m, int flags)
{
    fk.probe = m;
    fk.probe_flags = flags;
}

void *fk_spawn(struct ktest *t, void *(*fn)(void *), void *arg, const char *name)
{
    void *cookie = NULL;
    int r = rumpuser_thread_create(fn, arg, name, 1, -1, -1, &cookie);
    if (r != 0 || !cookie) {
        ktest_fail(t, __FILE__, __LINE__, "rumpuser_thread_create: %d", r);
        return NULL;
    }
    return cookie;
}
