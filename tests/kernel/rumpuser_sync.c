/* Conformance suite `rumpuser` (see rumpuser.c): mutexes, rwlocks,
 * condition variables and the 16-thread stress.
 *
 * Deliberate breakages tried in src/rumpuser/rumpuser_sync.c, and what caught
 * them:
 *  - mutex_enter blocking without RUMPUSER_BLOCKING (plain kmutex_lock):
 *    mutex_contended_releases (the holder starved for the only CPU:
 *    CONTRACT VIOLATION, unsched count unchanged) and the stress.
 *  - SPIN mutexes going through RUMPUSER_BLOCKING: mutex_spin_keeps_context.
 *  - KMUTEX owner not recorded: mutex_uncontended, mutex_contended_releases.
 *  - cv_wait reacquiring mutex-then-CPU for SPIN|KMUTEX (the wrong order):
 *    cv_reacquire_order (interlock probed held at backend_schedule).
 *  - cv_wait reacquiring CPU-then-mutex for every interlock (pure SPIN
 *    wrong): cv_reacquire_order and cv_schedlock_interlock (the stand-in
 *    scheduler found its lock not held).
 *  - cv_wait not passing the mutex as interlock to backend_unschedule:
 *    cv_schedlock_interlock (lost wakeup: timed out / violation).
 *  - cv_timedwait taking (sec, nsec) as an absolute monotonic deadline:
 *    cv_timedwait_relative (returned at once).
 *  - cv_wait_nowrap giving the CPU up: cv_nowrap_keeps_context.
 *  - has_waiters not counting: cv_has_waiters (and the stress hung on
 *    missed broadcasts before the cases above existed).
 *  - no priority ceiling for spin mutexes (ceiling_enter/exit doing
 *    nothing): mutex_spin_ceiling (the interrupt thread found the mutex
 *    held 200000 times, the priority never raised). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/string.h>

#include "rumpuser_fk.h"

/* ---- mutexes ---- */

void mutex_uncontended(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    static const int flags[] = { RUMPUSER_MTX_KMUTEX, RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX, RUMPUSER_MTX_SPIN };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        bool km = flags[i] & RUMPUSER_MTX_KMUTEX;
        struct rumpuser_mtx *m;
        struct lwp *o = (struct lwp *)1;
        rumpuser_mutex_init(&m, flags[i]);
        uint64_t u0 = me->unsched;
        rumpuser_mutex_enter(m);
        if (km) {
            rumpuser_mutex_owner(m, &o);
            KT_EXPECT_TRUE(t, o == me);
        }
        KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(m), EBUSY);
        rumpuser_mutex_exit(m);
        if (km) {
            rumpuser_mutex_owner(m, &o);
            KT_EXPECT_NULL(t, o);
        }
        KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(m), 0);
        if (km) {
            rumpuser_mutex_owner(m, &o);
            KT_EXPECT_TRUE(t, o == me);
        }
        rumpuser_mutex_exit(m);
        rumpuser_mutex_enter_nowrap(m);
        rumpuser_mutex_exit(m);
        KT_EXPECT_EQ(t, me->unsched, u0); /* nothing blocked: the CPU stayed */
        FK_EXPECT_HOLDS(t);
        rumpuser_mutex_destroy(m);
    }
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* A holder thread: takes the lock, reports, lets its CPU go for a while
 * (so the tester can run), then needs a CPU again to release the lock. */
struct holder {
    struct rumpuser_mtx *m;
    struct rumpuser_rw *rw;
    int rwop;
    bool keep_cpu; /* sleep holding the CPU (ncpu 2 cases) */
    struct lwp *lwp;
    struct thread *thr;
    ksem_t has;
};

static void *holder_main(void *arg)
{
    struct holder *h = arg;
    h->lwp = fk_bind();
    h->thr = thread_current();
    if (h->m)
        rumpuser_mutex_enter(h->m);
    else
        rumpuser_rw_enter(h->rwop, h->rw);
    ksem_up(&h->has);
    if (!h->keep_cpu)
        fk_unschedule();
    process_sleep(40 * NSEC_PER_MSEC);
    if (!h->keep_cpu)
        fk_schedule(); /* starves if the waiter kept the only CPU */
    if (h->m)
        rumpuser_mutex_exit(h->m);
    else
        rumpuser_rw_exit(h->rw);
    fk_unbind();
    rumpuser_thread_exit();
}

void mutex_contended_releases(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    static struct holder h;
    memset(&h, 0, sizeof(h));
    ksem_init(&h.has, 0);
    rumpuser_mutex_init(&h.m, RUMPUSER_MTX_KMUTEX);
    void *k = fk_spawn(t, holder_main, &h, "rt-holder");
    KT_ASSERT_NOT_NULL(t, k);
    fk_wait_sem(&h.has);
    struct lwp *o = NULL;
    rumpuser_mutex_owner(h.m, &o);
    KT_EXPECT_TRUE(t, o == h.lwp);
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(h.m), EBUSY);
    uint64_t u0 = me->unsched;
    rumpuser_mutex_enter(h.m); /* blocks: must let the only CPU go */
    FK_EXPECT_HOLDS(t);
    KT_EXPECT_GE(t, me->unsched, u0 + 1);
    KT_EXPECT_EQ(t, me->sched, me->unsched);
    KT_EXPECT_EQ(t, me->nlocks, 3); /* the big-lock count came back */
    rumpuser_mutex_owner(h.m, &o);
    KT_EXPECT_TRUE(t, o == me);
    rumpuser_mutex_exit(h.m);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    rumpuser_mutex_destroy(h.m);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void mutex_spin_keeps_context(struct ktest *t)
{
    FK_START(t, 2);
    struct lwp *me = fk_bind();
    static const int flags[] = { RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX, RUMPUSER_MTX_SPIN, RUMPUSER_MTX_KMUTEX };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        static struct holder h;
        memset(&h, 0, sizeof(h));
        ksem_init(&h.has, 0);
        h.keep_cpu = true;
        rumpuser_mutex_init(&h.m, flags[i]);
        void *k = fk_spawn(t, holder_main, &h, "rt-spinholder");
        KT_ASSERT_NOT_NULL(t, k);
        fk_wait_sem(&h.has);
        uint64_t u0 = me->unsched;
        /* SPIN: enter never lets the CPU go; KMUTEX: enter_nowrap doesn't. */
        if (flags[i] & RUMPUSER_MTX_SPIN)
            rumpuser_mutex_enter(h.m);
        else
            rumpuser_mutex_enter_nowrap(h.m);
        KT_EXPECT_EQ(t, me->unsched, u0);
        FK_EXPECT_HOLDS(t);
        if (flags[i] & RUMPUSER_MTX_KMUTEX) {
            struct lwp *o = NULL;
            rumpuser_mutex_owner(h.m, &o);
            KT_EXPECT_TRUE(t, o == me);
        }
        rumpuser_mutex_exit(h.m);
        KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
        rumpuser_mutex_destroy(h.m);
    }
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* The spin-wait hooks (src/rump/rump_delay.c installs them): asked only
 * for NetBSD's spin mutexes (SPIN|KMUTEX) found held, with the owner;
 * reacquire is called, after the mutex is taken, exactly when release said
 * it gave the CPU up. */
static struct thread *hook_owner;
static int hook_releases, hook_reacquires;
static bool hook_answer;

static bool hook_release(struct thread *owner)
{
    hook_owner = owner;
    hook_releases++;
    if (hook_answer)
        fk_unschedule();
    return hook_answer;
}

static void hook_reacquire(void)
{
    hook_reacquires++;
    fk_schedule();
}

void mutex_spin_wait_hooks(struct ktest *t)
{
    FK_START(t, 2);
    fk_bind();
    rumpuser_adros_set_spin_wait_hooks(hook_release, hook_reacquire);
    static const struct {
        int flags;
        bool answer;
        int releases, reacquires;
    } cases[] = {
        { RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX, true, 1, 1 },  /* the holder sleeps: CPU given up */
        { RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX, false, 1, 0 }, /* it does not: CPU kept */
        { RUMPUSER_MTX_SPIN, true, 0, 0 },                        /* the scheduler's or big lock: never asked */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        static struct holder h;
        memset(&h, 0, sizeof(h));
        ksem_init(&h.has, 0);
        rumpuser_mutex_init(&h.m, cases[i].flags);
        hook_owner = NULL;
        hook_releases = hook_reacquires = 0;
        hook_answer = cases[i].answer;
        void *k = fk_spawn(t, holder_main, &h, "rt-spinwait");
        KT_ASSERT_NOT_NULL(t, k);
        fk_wait_sem(&h.has);
        rumpuser_mutex_enter_nowrap(h.m);
        FK_EXPECT_HOLDS(t);
        KT_EXPECT_EQ(t, hook_releases, cases[i].releases);
        KT_EXPECT_EQ(t, hook_reacquires, cases[i].reacquires);
        if (cases[i].releases)
            KT_EXPECT_TRUE(t, hook_owner == h.thr);
        rumpuser_mutex_exit(h.m);
        KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
        rumpuser_mutex_destroy(h.m);
    }
    rumpuser_adros_set_spin_wait_hooks(NULL, NULL);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* The priority ceiling of NetBSD's spin mutexes (rumpuser_sync.c,
 * ceiling_enter): the hang of issue 21's NVMe boots in miniature.  The
 * test thread (PRIO_NORMAL) takes a spin mutex and then makes an
 * "interrupt thread" of PRIO_HIGH ready, which only tries the mutex in a
 * loop, as nvme_intr does while its level-triggered line keeps firing.
 * Without the ceiling it preempts the holder at once and fails every try
 * (it gives up after SPIN_TRIES and sleeps, so the case ends); with it,
 * it runs only once the holder let go and its first try succeeds.  Also:
 * the priority comes back only when the outermost of nested spin mutexes
 * is let go, a failed tryenter leaves it as it was, and adaptive (KMUTEX)
 * and the scheduler's pure SPIN mutexes do not raise it. */
#define SPIN_TRIES 200000

struct irqsim {
    struct rumpuser_mtx *m;
    ksem_t go, done;
    int fails;
    bool got;
};

static void *irqsim_main(void *arg)
{
    struct irqsim *s = arg;
    fk_bind();
    fk_wait_sem(&s->go);
    while (!s->got) {
        if (rumpuser_mutex_tryenter(s->m) == 0) {
            s->got = true;
            rumpuser_mutex_exit(s->m);
        } else if (++s->fails % SPIN_TRIES == 0) {
            fk_unschedule(); /* the holder never ran: let it */
            process_sleep(10 * NSEC_PER_MSEC);
            fk_schedule();
        }
    }
    fk_unbind();
    ksem_up(&s->done);
    return NULL;
}

void mutex_spin_ceiling(struct ktest *t)
{
    FK_START(t, 2);
    fk_bind();
    struct thread *self = thread_current();
    int prio0 = self->prio;
    KT_ASSERT_LT(t, prio0, PRIO_HIGH);
    struct rumpuser_mtx *a, *b, *km, *sched;
    rumpuser_mutex_init(&a, RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_init(&b, RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_init(&km, RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_init(&sched, RUMPUSER_MTX_SPIN);

    rumpuser_mutex_enter(km);
    rumpuser_mutex_enter(sched);
    KT_EXPECT_EQ(t, self->prio, prio0);
    KT_EXPECT_EQ(t, rumpuser_adros_spin_ceiling_depth(), 0);
    rumpuser_mutex_exit(sched);
    rumpuser_mutex_exit(km);

    rumpuser_mutex_enter(a);
    KT_EXPECT_EQ(t, self->prio, PRIO_HIGH);
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(b), 0);
    KT_EXPECT_EQ(t, rumpuser_adros_spin_ceiling_depth(), 2);
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(a), EBUSY); /* failed: nothing changes */
    KT_EXPECT_EQ(t, rumpuser_adros_spin_ceiling_depth(), 2);
    rumpuser_mutex_exit(b);
    KT_EXPECT_EQ(t, self->prio, PRIO_HIGH);
    rumpuser_mutex_exit(a);
    KT_EXPECT_EQ(t, self->prio, prio0);
    KT_EXPECT_EQ(t, rumpuser_adros_spin_ceiling_depth(), 0);

    static struct irqsim s;
    memset(&s, 0, sizeof(s));
    s.m = a;
    ksem_init(&s.go, 0);
    ksem_init(&s.done, 0);
    struct thread_attr attr = { .name = "rt-irqsim", .prio = PRIO_HIGH, .stack_size = 16 * 1024 };
    struct thread *th;
    KT_ASSERT_GE(t, thread_create(&attr, irqsim_main, &s, &th), 0);
    rumpuser_mutex_enter(a);
    yield(); /* a fresh time slice: the irqsim thread's turn cannot come now */
    ksem_up(&s.go);
    bool still = !s.got;
    rumpuser_mutex_exit(a);
    fk_wait_sem(&s.done);
    KT_EXPECT_TRUE(t, still);
    KT_EXPECT_TRUE(t, s.got);
    KT_EXPECT_EQ(t, s.fails, 0);
    if (s.fails)
        ktest_log(t, "the interrupt thread found the spin mutex held %d times", s.fails);
    KT_EXPECT_EQ(t, self->prio, prio0);

    rumpuser_mutex_destroy(a);
    rumpuser_mutex_destroy(b);
    rumpuser_mutex_destroy(km);
    rumpuser_mutex_destroy(sched);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- rwlocks ---- */

void rwlock_rules(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    struct rumpuser_rw *rw;
    int held = -1;
    rumpuser_rw_init(&rw);
    rumpuser_rw_enter(RUMPUSER_RW_READER, rw);
    rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
    KT_EXPECT_NE(t, held, 0);
    rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
    KT_EXPECT_EQ(t, held, 0);
    KT_EXPECT_EQ(t, rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), EBUSY);
    KT_EXPECT_EQ(t, rumpuser_rw_tryupgrade(rw), 0); /* the only reader */
    rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
    KT_EXPECT_NE(t, held, 0);
    rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
    KT_EXPECT_EQ(t, held, 0);
    rumpuser_rw_downgrade(rw);
    rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
    KT_EXPECT_NE(t, held, 0);
    rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
    KT_EXPECT_EQ(t, held, 0);
    rumpuser_rw_exit(rw);
    rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
    KT_EXPECT_EQ(t, held, 0);
    KT_EXPECT_EQ(t, rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), 0);
    KT_EXPECT_EQ(t, rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw), EBUSY);
    rumpuser_rw_exit(rw);
    rumpuser_rw_destroy(rw);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void rwlock_contended_releases(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    static struct holder h;
    /* A writer holds it: a reader waits without the CPU. */
    memset(&h, 0, sizeof(h));
    ksem_init(&h.has, 0);
    rumpuser_rw_init(&h.rw);
    h.rwop = RUMPUSER_RW_WRITER;
    void *k = fk_spawn(t, holder_main, &h, "rt-rwholder");
    KT_ASSERT_NOT_NULL(t, k);
    fk_wait_sem(&h.has);
    KT_EXPECT_EQ(t, rumpuser_rw_tryenter(RUMPUSER_RW_READER, h.rw), EBUSY);
    uint64_t u0 = me->unsched;
    rumpuser_rw_enter(RUMPUSER_RW_READER, h.rw);
    KT_EXPECT_GE(t, me->unsched, u0 + 1);
    FK_EXPECT_HOLDS(t);
    rumpuser_rw_exit(h.rw);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    /* Two readers share it; neither can upgrade. */
    memset(&h.has, 0, sizeof(h.has));
    ksem_init(&h.has, 0);
    h.rwop = RUMPUSER_RW_READER;
    k = fk_spawn(t, holder_main, &h, "rt-rwreader");
    KT_ASSERT_NOT_NULL(t, k);
    fk_wait_sem(&h.has);
    KT_EXPECT_EQ(t, rumpuser_rw_tryenter(RUMPUSER_RW_READER, h.rw), 0);
    KT_EXPECT_EQ(t, rumpuser_rw_tryupgrade(h.rw), EBUSY);
    rumpuser_rw_exit(h.rw);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    rumpuser_rw_destroy(h.rw);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- condition variables ---- */

struct cvctx {
    struct rumpuser_mtx *m;
    struct rumpuser_cv *cv;
    bool nowrap_signaller;
    uint64_t delay_ns;
    volatile int flag;
};

static void *signaller_main(void *arg)
{
    struct cvctx *c = arg;
    fk_bind(); /* ncpu 1: only once the waiter gave the CPU up */
    if (c->delay_ns) {
        fk_unschedule();
        process_sleep(c->delay_ns);
        fk_schedule();
    }
    if (c->nowrap_signaller)
        rumpuser_mutex_enter_nowrap(c->m);
    else
        rumpuser_mutex_enter(c->m);
    c->flag = 1;
    rumpuser_cv_signal(c->cv);
    rumpuser_mutex_exit(c->m);
    fk_unbind();
    rumpuser_thread_exit();
}

void cv_reacquire_order(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    static const int flags[] = { RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX, RUMPUSER_MTX_SPIN, RUMPUSER_MTX_KMUTEX };
    static const char *const names[] = { "SPIN|KMUTEX", "SPIN", "KMUTEX" };
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        static struct cvctx c;
        memset(&c, 0, sizeof(c));
        rumpuser_mutex_init(&c.m, flags[i]);
        rumpuser_cv_init(&c.cv);
        fk_set_probe(c.m, flags[i]);
        me->il_at_sched = FK_IL_NONE;
        rumpuser_mutex_enter(c.m);
        void *k = fk_spawn(t, signaller_main, &c, "rt-signal");
        KT_ASSERT_NOT_NULL(t, k);
        uint64_t u0 = me->unsched;
        while (!c.flag)
            rumpuser_cv_wait(c.cv, c.m);
        FK_EXPECT_HOLDS(t);
        KT_EXPECT_GE(t, me->unsched, u0 + 1);
        KT_EXPECT_EQ(t, me->nlocks, 3);
        KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(c.m), EBUSY); /* held again (by us) */
        if (flags[i] & RUMPUSER_MTX_KMUTEX) {
            struct lwp *o = NULL;
            rumpuser_mutex_owner(c.m, &o);
            KT_EXPECT_TRUE(t, o == me);
        }
        ktest_log(t, "%s interlock: %s at backend_schedule", names[i],
                  me->il_at_sched == FK_IL_HELD ? "held" : me->il_at_sched == FK_IL_FREE ? "not held" : "?");
        /* rumpuser(3): SPIN|KMUTEX: CPU first, then the mutex; pure SPIN:
         * the mutex first.  (KMUTEX alone: implementation-defined.) */
        if (flags[i] == (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX))
            KT_EXPECT_EQ(t, me->il_at_sched, FK_IL_FREE);
        else if (flags[i] == RUMPUSER_MTX_SPIN)
            KT_EXPECT_EQ(t, me->il_at_sched, FK_IL_HELD);
        rumpuser_mutex_exit(c.m);
        fk_set_probe(NULL, 0);
        KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
        rumpuser_cv_destroy(c.cv);
        rumpuser_mutex_destroy(c.m);
    }
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* The rump scheduler waits with its own (pure SPIN) lock as interlock,
 * not holding it on entry: backend_unschedule takes it, the wait releases
 * it, and the schedule on the way back consumes it. */
void cv_schedlock_interlock(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    static struct cvctx c;
    memset(&c, 0, sizeof(c));
    c.m = fk_schedmtx;
    c.nowrap_signaller = true;
    rumpuser_cv_init(&c.cv);
    void *k = fk_spawn(t, signaller_main, &c, "rt-schedsig");
    KT_ASSERT_NOT_NULL(t, k);
    uint64_t t0 = clock_gettime_ns();
    int r = 0;
    while (!c.flag && r == 0 && clock_gettime_ns() - t0 < 3 * NSEC_PER_SEC)
        r = rumpuser_cv_timedwait(c.cv, fk_schedmtx, 3, 0);
    KT_EXPECT_EQ(t, r, 0);
    KT_EXPECT_EQ(t, c.flag, 1);
    FK_EXPECT_HOLDS(t);
    /* ... and we do not hold the scheduler lock now. */
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(fk_schedmtx), 0);
    rumpuser_mutex_exit(fk_schedmtx);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    rumpuser_cv_destroy(c.cv);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void cv_nowrap_keeps_context(struct ktest *t)
{
    FK_START(t, 2);
    struct lwp *me = fk_bind();
    static struct cvctx c;
    memset(&c, 0, sizeof(c));
    c.nowrap_signaller = true;
    rumpuser_mutex_init(&c.m, RUMPUSER_MTX_SPIN);
    rumpuser_cv_init(&c.cv);
    rumpuser_mutex_enter_nowrap(c.m);
    void *k = fk_spawn(t, signaller_main, &c, "rt-nowrapsig");
    KT_ASSERT_NOT_NULL(t, k);
    uint64_t u0 = me->unsched;
    while (!c.flag)
        rumpuser_cv_wait_nowrap(c.cv, c.m);
    KT_EXPECT_EQ(t, me->unsched, u0);
    FK_EXPECT_HOLDS(t);
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(c.m), EBUSY);
    rumpuser_mutex_exit(c.m);
    fk_unschedule(); /* the join below must not be what frees a CPU */
    fk_schedule();
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    rumpuser_cv_destroy(c.cv);
    rumpuser_mutex_destroy(c.m);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void cv_timedwait_relative(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    static struct cvctx c;
    memset(&c, 0, sizeof(c));
    rumpuser_mutex_init(&c.m, RUMPUSER_MTX_KMUTEX);
    rumpuser_cv_init(&c.cv);
    rumpuser_mutex_enter(c.m);
    /* Nobody signals: ETIMEDOUT after the relative 50 ms. */
    uint64_t u0 = me->unsched;
    uint64_t t0 = clock_gettime_ns();
    int r = rumpuser_cv_timedwait(c.cv, c.m, 0, 50 * NSEC_PER_MSEC);
    uint64_t el = clock_gettime_ns() - t0;
    KT_EXPECT_EQ(t, r, ETIMEDOUT);
    KT_EXPECT_GE(t, el, 50 * NSEC_PER_MSEC);
    KT_EXPECT_LT(t, el, 400 * NSEC_PER_MSEC);
    KT_EXPECT_GE(t, me->unsched, u0 + 1);
    struct lwp *o = NULL;
    rumpuser_mutex_owner(c.m, &o);
    KT_EXPECT_TRUE(t, o == me);
    /* Seconds count too. */
    t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, rumpuser_cv_timedwait(c.cv, c.m, 1, 0), ETIMEDOUT);
    el = clock_gettime_ns() - t0;
    KT_EXPECT_GE(t, el, NSEC_PER_SEC);
    KT_EXPECT_LT(t, el, NSEC_PER_SEC + 400 * NSEC_PER_MSEC);
    /* Zero: at once. */
    KT_EXPECT_EQ(t, rumpuser_cv_timedwait(c.cv, c.m, 0, 0), ETIMEDOUT);
    /* Signalled after 30 ms, well before the 2 s timeout: 0. */
    c.delay_ns = 30 * NSEC_PER_MSEC;
    void *k = fk_spawn(t, signaller_main, &c, "rt-tsignal");
    KT_ASSERT_NOT_NULL(t, k);
    t0 = clock_gettime_ns();
    r = 0;
    while (!c.flag && r == 0)
        r = rumpuser_cv_timedwait(c.cv, c.m, 2, 0);
    el = clock_gettime_ns() - t0;
    KT_EXPECT_EQ(t, r, 0);
    KT_EXPECT_LT(t, el, 1500 * NSEC_PER_MSEC);
    FK_EXPECT_HOLDS(t);
    rumpuser_mutex_exit(c.m);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    rumpuser_cv_destroy(c.cv);
    rumpuser_mutex_destroy(c.m);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

struct waiterctx {
    struct rumpuser_mtx *m;
    struct rumpuser_cv *cv;
    volatile int go;
};

static void *waiter_main(void *arg)
{
    struct waiterctx *w = arg;
    fk_bind();
    rumpuser_mutex_enter(w->m);
    while (!w->go)
        rumpuser_cv_wait(w->cv, w->m);
    rumpuser_mutex_exit(w->m);
    fk_unbind();
    rumpuser_thread_exit();
}

void cv_has_waiters(struct ktest *t)
{
    FK_START(t, 2);
    fk_bind();
    static struct waiterctx w;
    memset(&w, 0, sizeof(w));
    rumpuser_mutex_init(&w.m, RUMPUSER_MTX_KMUTEX);
    rumpuser_cv_init(&w.cv);
    int n = -1;
    rumpuser_cv_has_waiters(w.cv, &n);
    KT_EXPECT_EQ(t, n, 0);
    void *k1 = fk_spawn(t, waiter_main, &w, "rt-waiter1");
    void *k2 = fk_spawn(t, waiter_main, &w, "rt-waiter2");
    KT_ASSERT_NOT_NULL(t, k2);
    for (int i = 0; i < 200; i++) {
        rumpuser_cv_has_waiters(w.cv, &n);
        if (n == 2)
            break;
        rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 5 * NSEC_PER_MSEC);
    }
    rumpuser_mutex_enter(w.m);
    rumpuser_cv_has_waiters(w.cv, &n);
    KT_EXPECT_EQ(t, n, 2);
    w.go = 1;
    rumpuser_cv_broadcast(w.cv);
    rumpuser_mutex_exit(w.m);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k1), 0);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k2), 0);
    rumpuser_cv_has_waiters(w.cv, &n);
    KT_EXPECT_EQ(t, n, 0);
    rumpuser_cv_destroy(w.cv);
    rumpuser_mutex_destroy(w.m);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- stress: 16 threads, 100,000 lock and cv operations ----
 * Every thread counts 2,500 increments under an adaptive and 625 under a
 * spin mutex (two ops each: 100,000 ops), then 8 producers and 8
 * consumers pass 2,000 items through a 4-slot buffer (mutex + cv, with
 * timed waits among them).  Checked as they run: one thread inside at a
 * time, the owner is the caller, the caller holds a virtual CPU; at the
 * end: exact counts, the item sum, no contract violation, no CPU left. */
#define ST_THREADS 16
#define ST_ADAPTIVE 2500
#define ST_SPIN 625
#define ST_ITEMS 2000
#define ST_SLOTS 4

static struct {
    struct rumpuser_mtx *am, *sm, *bm;
    struct rumpuser_cv *notfull, *notempty;
    volatile int inside_a, inside_s;
    volatile uint32_t count_a, count_s;
    int buf[ST_SLOTS];
    int head, n;
    volatile int produced, consumed;
    volatile uint64_t sum;
    volatile int bad;
} st;

static void st_check(bool ok, const char *what)
{
    if (!ok && __atomic_add_fetch(&st.bad, 1, __ATOMIC_RELAXED) <= 5)
        kprintf("        # stress: %s\n", what);
}

static void *stress_main(void *arg)
{
    int id = (int)(uintptr_t)arg;
    struct lwp *me = fk_bind();
    for (int i = 0; i < ST_ADAPTIVE; i++) {
        rumpuser_mutex_enter(st.am);
        st_check(st.inside_a++ == 0, "two threads inside the adaptive mutex");
        struct lwp *o;
        rumpuser_mutex_owner(st.am, &o);
        st_check(o == me, "adaptive mutex owner is not the holder");
        st_check(fk_holds_cpu(), "inside the adaptive mutex without a CPU");
        uint32_t c = st.count_a;
        if ((i & 63) == 0)
            yield(); /* make others queue on it */
        st.count_a = c + 1;
        st.inside_a--;
        rumpuser_mutex_exit(st.am);
    }
    for (int i = 0; i < ST_SPIN; i++) {
        rumpuser_mutex_enter(st.sm);
        st_check(st.inside_s++ == 0, "two threads inside the spin mutex");
        st_check(fk_holds_cpu(), "inside the spin mutex without a CPU");
        st.count_s++;
        st.inside_s--;
        rumpuser_mutex_exit(st.sm);
    }
    int per = ST_ITEMS / (ST_THREADS / 2);
    for (int i = 0; i < per; i++) {
        rumpuser_mutex_enter(st.bm);
        if (id % 2 == 0) {
            while (st.n == ST_SLOTS)
                rumpuser_cv_wait(st.notfull, st.bm);
            st.buf[(st.head + st.n) % ST_SLOTS] = id * 100000 + i;
            st.n++;
            st.produced++;
            rumpuser_cv_signal(st.notempty);
        } else {
            while (st.n == 0)
                (void)rumpuser_cv_timedwait(st.notempty, st.bm, 0, 20 * NSEC_PER_MSEC);
            st.sum += (uint64_t)st.buf[st.head];
            st.head = (st.head + 1) % ST_SLOTS;
            st.n--;
            st.consumed++;
            rumpuser_cv_signal(st.notfull);
        }
        st_check(fk_holds_cpu(), "cv wait returned without a CPU");
        struct lwp *o;
        rumpuser_mutex_owner(st.bm, &o);
        st_check(o == me, "cv wait returned without the mutex");
        rumpuser_mutex_exit(st.bm);
    }
    fk_unbind();
    rumpuser_thread_exit();
}

void stress_16_threads(struct ktest *t)
{
    FK_START(t, 2);
    fk_bind();
    memset(&st, 0, sizeof(st));
    rumpuser_mutex_init(&st.am, RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_init(&st.sm, RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_init(&st.bm, RUMPUSER_MTX_KMUTEX);
    rumpuser_cv_init(&st.notfull);
    rumpuser_cv_init(&st.notempty);
    void *k[ST_THREADS];
    uint64_t t0 = clock_gettime_ns();
    for (int i = 0; i < ST_THREADS; i++) {
        k[i] = NULL;
        KT_EXPECT_EQ(t, rumpuser_thread_create(stress_main, (void *)(uintptr_t)i, "rt-stress", 1, 96, -1, &k[i]), 0);
    }
    for (int i = 0; i < ST_THREADS; i++)
        if (k[i])
            KT_EXPECT_EQ(t, rumpuser_thread_join(k[i]), 0);
    ktest_log(t, "stress: %u ms", (unsigned)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    KT_EXPECT_EQ(t, st.count_a, ST_THREADS * ST_ADAPTIVE);
    KT_EXPECT_EQ(t, st.count_s, ST_THREADS * ST_SPIN);
    KT_EXPECT_EQ(t, st.produced, ST_ITEMS);
    KT_EXPECT_EQ(t, st.consumed, ST_ITEMS);
    uint64_t want = 0;
    int per = ST_ITEMS / (ST_THREADS / 2);
    for (int id = 0; id < ST_THREADS; id += 2)
        for (int i = 0; i < per; i++)
            want += (uint64_t)(id * 100000 + i);
    KT_EXPECT_EQ(t, st.sum, want);
    KT_EXPECT_EQ(t, st.bad, 0);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_cpus_held(), 0);
    KT_EXPECT_EQ(t, fk_violations(), 0);
    rumpuser_cv_destroy(st.notfull);
    rumpuser_cv_destroy(st.notempty);
    rumpuser_mutex_destroy(st.am);
    rumpuser_mutex_destroy(st.sm);
    rumpuser_mutex_destroy(st.bm);
}
