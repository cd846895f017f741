/* Threads and the scheduler: creation and joining at scale, fairness,
 * priorities, sleeping (never early), bad arguments. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>

static void *ret_arg(void *arg) { return (void *)((uintptr_t)arg * 3 + 1); }

static void create_join_1000(struct ktest *t)
{
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    int threads0 = thread_count();
    int wrong = 0;
    /* In batches of 50 alive at once, 1000 in all. */
    for (int base = 0; base < 1000; base += 50) {
        struct thread *th[50];
        for (int i = 0; i < 50; i++) {
            struct thread_attr a = { .name = "w", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT,
                                     .flags = PROCESS_FLAG_JOINABLE };
            KT_ASSERT_EQ(t, thread_create(&a, ret_arg, (void *)(uintptr_t)(base + i), &th[i]), 0);
        }
        for (int i = 0; i < 50; i++) {
            void *rv = NULL;
            KT_ASSERT_EQ(t, thread_join(th[i], &rv), 0);
            if ((uintptr_t)rv != (uintptr_t)(base + i) * 3 + 1)
                wrong++;
        }
    }
    KT_EXPECT_EQ(t, wrong, 0);
    KT_EXPECT_EQ(t, thread_count(), threads0);
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
    KT_EXPECT_EQ(t, s1.bytes_in_use, s0.bytes_in_use);
}

static void *exit_early(void *arg)
{
    thread_exit((void *)0x1234);
}

static void exit_value_and_detached(struct ktest *t)
{
    struct thread_attr a = { .name = "ex", .prio = PRIO_NORMAL, .stack_size = 8192,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th;
    KT_ASSERT_EQ(t, thread_create(&a, exit_early, NULL, &th), 0);
    void *rv;
    KT_EXPECT_EQ(t, thread_join(th, &rv), 0);
    KT_EXPECT_EQ(t, (uintptr_t)rv, 0x1234);
    /* Detached threads are freed by the scheduler itself. */
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    int n0 = thread_count();
    for (int i = 0; i < 20; i++)
        KT_ASSERT_NOT_NULL(t, process_create_kernel("det", ret_arg, NULL, PRIO_NORMAL, 0));
    process_sleep(20 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, thread_count(), n0);
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
}

static void bad_arguments(struct ktest *t)
{
    struct thread *th;
    struct thread_attr a = { .name = "bad", .prio = PRIO_NORMAL, .stack_size = 0, .flags = 0 };
    KT_EXPECT_EQ(t, thread_create(&a, ret_arg, NULL, &th), -EINVAL); /* zero stack */
    a.stack_size = 8192;
    KT_EXPECT_EQ(t, thread_create(&a, NULL, NULL, &th), -EINVAL); /* no entry */
    a.prio = 99;
    KT_EXPECT_EQ(t, thread_create(&a, ret_arg, NULL, &th), -EINVAL);
    a.prio = PRIO_NORMAL;
    a.stack_size = 1u << 30;
    KT_EXPECT_EQ(t, thread_create(&a, ret_arg, NULL, &th), -EINVAL);
    KT_EXPECT_NULL(t, process_create_kernel("x", NULL, NULL, PRIO_NORMAL, 0));
    /* Joining oneself, a non-joinable thread, twice. */
    KT_EXPECT_EQ(t, thread_join(thread_current(), NULL), -EDEADLK);
    a.stack_size = 8192;
    a.flags = 0;
    struct thread *det;
    KT_ASSERT_EQ(t, thread_create(&a, exit_early, NULL, &det), 0);
    KT_EXPECT_NE(t, thread_join(det, NULL), 0);
    a.flags = PROCESS_FLAG_JOINABLE;
    KT_ASSERT_EQ(t, thread_create(&a, ret_arg, NULL, &th), 0);
    KT_EXPECT_EQ(t, thread_join(th, NULL), 0);
    KT_EXPECT_EQ(t, thread_join(th, NULL), -ESRCH);
    KT_EXPECT_EQ(t, thread_join(NULL, NULL), -ESRCH);
}

static volatile bool stop;
static volatile uint32_t spins[2];

static void *busy(void *arg)
{
    int i = (int)(uintptr_t)arg;
    while (!stop)
        spins[i]++;
    return NULL;
}

static void no_starvation(struct ktest *t)
{
    /* Two CPU-bound threads at the same priority, never yielding: both must
     * make progress (preemption by the slice timer). */
    struct thread_attr a = { .name = "busy", .prio = PRIO_LOW, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th[2];
    stop = false;
    spins[0] = spins[1] = 0;
    for (int i = 0; i < 2; i++)
        KT_ASSERT_EQ(t, thread_create(&a, busy, (void *)(uintptr_t)i, &th[i]), 0);
    process_sleep(300 * NSEC_PER_MSEC);
    uint32_t s0 = spins[0], s1 = spins[1];
    /* Each waited for the CPU while the other ran (ps's WAIT-ms). */
    uint64_t w0 = th[0]->ready_wait_ns, w1 = th[1]->ready_wait_ns;
    stop = true;
    thread_join(th[0], NULL);
    thread_join(th[1], NULL);
    ktest_log(t, "spins: %u and %u", s0, s1);
    KT_EXPECT_GT(t, s0, 0);
    KT_EXPECT_GT(t, s1, 0);
    /* Round robin: neither gets less than a fifth of the other. */
    KT_EXPECT_GT(t, (uint64_t)s0 * 5, s1);
    KT_EXPECT_GT(t, (uint64_t)s1 * 5, s0);
    ktest_log(t, "waited for the CPU: %llu and %llu ms", (unsigned long long)(w0 / NSEC_PER_MSEC),
              (unsigned long long)(w1 / NSEC_PER_MSEC));
    KT_EXPECT_GT(t, w0, 50 * NSEC_PER_MSEC);
    KT_EXPECT_GT(t, w1, 50 * NSEC_PER_MSEC);
}

static volatile int order[4];
static volatile int order_n;
static void *record(void *arg)
{
    order[order_n++] = (int)(uintptr_t)arg;
    return NULL;
}

static void priorities_honoured(struct ktest *t)
{
    /* Create low, normal and high threads while we run at the highest
     * priority; when we sleep they must run high first. */
    struct thread *self = thread_current();
    int myprio = self->prio;
    thread_set_priority(self, PRIO_MAX);
    order_n = 0;
    struct thread *th[3];
    int prios[3] = { PRIO_LOW, PRIO_NORMAL, PRIO_HIGH };
    for (int i = 0; i < 3; i++) {
        struct thread_attr a = { .name = "prio", .prio = prios[i], .stack_size = 8192,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, record, (void *)(uintptr_t)prios[i], &th[i]), 0);
    }
    KT_EXPECT_EQ(t, order_n, 0); /* none ran: we are higher */
    process_sleep(5 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, order_n, 3);
    KT_EXPECT_EQ(t, order[0], PRIO_HIGH);
    KT_EXPECT_EQ(t, order[1], PRIO_NORMAL);
    KT_EXPECT_EQ(t, order[2], PRIO_LOW);
    for (int i = 0; i < 3; i++)
        thread_join(th[i], NULL);
    thread_set_priority(self, myprio);

    /* A busy high-priority thread keeps a lower one off the CPU. */
    stop = false;
    spins[0] = spins[1] = 0;
    struct thread_attr lo = { .name = "lo", .prio = PRIO_LOW, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread_attr hi = { .name = "hi", .prio = PRIO_HIGH, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *l, *h;
    KT_ASSERT_EQ(t, thread_create(&lo, busy, (void *)0, &l), 0);
    thread_set_priority(self, PRIO_MAX);
    KT_ASSERT_EQ(t, thread_create(&hi, busy, (void *)1, &h), 0);
    process_sleep(50 * NSEC_PER_MSEC);
    uint32_t low_during = spins[0];
    stop = true;
    thread_set_priority(self, myprio);
    thread_join(h, NULL);
    thread_join(l, NULL);
    KT_EXPECT_GT(t, spins[1], 0);
    KT_EXPECT_EQ(t, low_during, 0);
}

static void sleeps_never_early(struct ktest *t)
{
    static const uint64_t ms[] = { 1, 10, 100 };
    for (size_t i = 0; i < ARRAY_SIZE(ms); i++) {
        uint64_t worst = 0, sum = 0;
        int early = 0;
        const int reps = ms[i] == 100 ? 3 : 10;
        for (int r = 0; r < reps; r++) {
            uint64_t want = ms[i] * NSEC_PER_MSEC;
            uint64_t t0 = clock_gettime_ns();
            KT_EXPECT_EQ(t, process_sleep(want), 0);
            uint64_t got = clock_gettime_ns() - t0;
            if (got < want)
                early++;
            uint64_t late = got > want ? got - want : 0;
            sum += late;
            if (late > worst)
                worst = late;
        }
        KT_EXPECT_EQ(t, early, 0);
        ktest_log(t, "sleep %llu ms x%d: lateness mean %llu us, worst %llu us", (unsigned long long)ms[i], reps,
                  (unsigned long long)(sum / reps / 1000), (unsigned long long)(worst / 1000));
    }
    /* Absolute deadline in the past: returns at once. */
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, process_sleep_until(t0 - 1000), 0);
    KT_EXPECT_LT(t, clock_gettime_ns() - t0, 5 * NSEC_PER_MSEC);
}

static void *sleeper(void *arg)
{
    return (void *)(intptr_t)process_sleep(10 * NSEC_PER_SEC);
}

static void kill_wakes_sleeper(struct ktest *t)
{
    struct thread_attr a = { .name = "sleeper", .prio = PRIO_NORMAL, .stack_size = 8192,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th;
    KT_ASSERT_EQ(t, thread_create(&a, sleeper, NULL, &th), 0);
    process_sleep(5 * NSEC_PER_MSEC);
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, process_kill(th), 0);
    void *rv;
    thread_join(th, &rv);
    KT_EXPECT_EQ(t, (intptr_t)rv, -EINTR);
    KT_EXPECT_LT(t, clock_gettime_ns() - t0, 100 * NSEC_PER_MSEC);
}

static void *deep(void *arg)
{
    /* Use most of a 64 KiB stack. */
    volatile char buf[56 * 1024];
    for (size_t i = 0; i < sizeof(buf); i += 512)
        buf[i] = (char)i;
    return (void *)(uintptr_t)buf[512];
}

static void big_stacks(struct ktest *t)
{
    struct thread_attr a = { .name = "deep", .prio = PRIO_NORMAL, .stack_size = 64 * 1024,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th;
    KT_ASSERT_EQ(t, thread_create(&a, deep, NULL, &th), 0);
    void *rv;
    KT_EXPECT_EQ(t, thread_join(th, &rv), 0);
    KT_EXPECT_EQ(t, (uintptr_t)rv, (uintptr_t)(char)512);
}

/* ---- one priority, ordered by CPU time used ---- */

#define FAIR_PRIO (PRIO_HIGH + 2) /* above the test runner and the system's threads */

static struct waitq fair_wq = WAITQ_INIT(fair_wq);
static volatile bool fair_kick, fair_ran;

/* Blocks until kicked (after spinning spin_ms first, if asked). */
static void *fair_waiter(void *arg)
{
    uint64_t spin_ns = (uintptr_t)arg * NSEC_PER_MSEC;
    uint64_t end = clock_gettime_ns() + spin_ns;
    while (clock_gettime_ns() < end)
        ;
    irqflags_t f = irq_save();
    while (!fair_kick)
        waitq_wait(&fair_wq, 0, false);
    irq_restore(f);
    fair_ran = true;
    return NULL;
}

/* Spins 3 ms (using that much CPU time), wakes the waiter; returns
 * whether it ran before the wake call returned. */
static bool spin_then_kick(void)
{
    uint64_t end = clock_gettime_ns() + 3 * NSEC_PER_MSEC;
    while (clock_gettime_ns() < end)
        ;
    fair_kick = true;
    irqflags_t f = irq_save();
    waitq_wake_one(&fair_wq);
    irq_restore(f);
    sched_preempt_check();
    return fair_ran;
}

static void *fair_waker(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)spin_then_kick();
}

/* One round: a waiter that used spin_ms of CPU before it blocked, a waker
 * of the same priority that used 3 ms; returns whether the waiter took
 * the CPU from the waker at once, and its wake preemptions. */
static bool wake_round(struct ktest *t, unsigned spin_ms, uint64_t *preempts)
{
    fair_kick = fair_ran = false;
    struct thread_attr a = { .name = "waiter", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread_attr b = { .name = "waker", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *w, *k;
    void *rv = NULL;
    KT_ASSERT_EQ(t, thread_create(&a, fair_waiter, (void *)(uintptr_t)spin_ms, &w), 0);
    /* The waiter runs (it is above us) until it blocks; then the waker. */
    KT_ASSERT_EQ(t, thread_create(&b, fair_waker, NULL, &k), 0);
    thread_join(k, &rv);
    *preempts = w->wake_preemptions;
    thread_join(w, NULL);
    return rv != NULL;
}

static void woken_thread_preempts_busier_peer(struct ktest *t)
{
    /* The waiter used no CPU time, the waker 3 ms: the waiter runs at once
     * (it would otherwise wait for the end of the waker's slice). */
    uint64_t n = 0;
    KT_EXPECT_TRUE(t, wake_round(t, 0, &n));
    KT_EXPECT_EQ(t, n, 1);
    /* The waiter used 30 ms before it blocked: more than the waker, which
     * keeps the CPU (a woken thread does not simply go first). */
    KT_EXPECT_FALSE(t, wake_round(t, 30, &n));
    KT_EXPECT_EQ(t, n, 0);
}

static volatile uint32_t fair_spins[2];
static volatile bool fair_stop;

static void *fair_spin(void *arg)
{
    int i = (int)(uintptr_t)arg;
    while (!fair_stop)
        fair_spins[i]++;
    return NULL;
}

static void *long_sleeper(void *arg)
{
    process_sleep(200 * NSEC_PER_MSEC);
    return fair_spin(arg);
}

static void *yielder_after_sleep(void *arg)
{
    /* Our peer spins meanwhile: waking, we have used less CPU than it. */
    process_sleep(20 * NSEC_PER_MSEC);
    uint32_t c0 = fair_spins[0];
    yield();
    /* bit 0: the peer ran in our yield; bit 1: we took the CPU on waking */
    return (void *)(uintptr_t)((fair_spins[0] != c0) | (thread_current()->wake_preemptions ? 2 : 0));
}

static void yield_gives_way_to_busier_peer(struct ktest *t)
{
    fair_stop = false;
    fair_spins[0] = 0;
    struct thread_attr a = { .name = "spin", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread_attr b = { .name = "yield", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *s, *y;
    void *rv = NULL;
    int myprio = thread_current()->prio;
    /* Above both: they start when we wait for the yielder. */
    thread_set_priority(thread_current(), PRIO_MAX);
    KT_ASSERT_EQ(t, thread_create(&b, yielder_after_sleep, NULL, &y), 0);
    KT_ASSERT_EQ(t, thread_create(&a, fair_spin, (void *)0, &s), 0);
    thread_join(y, &rv);
    fair_stop = true;
    thread_set_priority(thread_current(), myprio);
    thread_join(s, NULL);
    KT_EXPECT_EQ(t, (uintptr_t)rv, 3);
}

static void long_sleeper_cannot_monopolize(struct ktest *t)
{
    /* A thread that slept 200 ms while its peer computed is placed a few
     * milliseconds behind that peer, not 200 ms ahead: in the 100 ms after
     * it wakes both compute, round robin. */
    fair_stop = false;
    fair_spins[0] = fair_spins[1] = 0;
    struct thread_attr a = { .name = "spin", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *s, *l;
    int myprio = thread_current()->prio;
    thread_set_priority(thread_current(), PRIO_MAX);
    KT_ASSERT_EQ(t, thread_create(&a, long_sleeper, (void *)1, &l), 0);
    KT_ASSERT_EQ(t, thread_create(&a, fair_spin, (void *)0, &s), 0);
    process_sleep(230 * NSEC_PER_MSEC); /* the sleeper is awake from 200 ms */
    uint32_t a0 = fair_spins[0], b0 = fair_spins[1];
    process_sleep(100 * NSEC_PER_MSEC);
    uint32_t a1 = fair_spins[0] - a0, b1 = fair_spins[1] - b0;
    fair_stop = true;
    thread_set_priority(thread_current(), myprio);
    thread_join(s, NULL);
    thread_join(l, NULL);
    ktest_log(t, "in 100 ms after the wake: the computing thread %u spins, the sleeper %u", a1, b1);
    KT_EXPECT_GT(t, b1, 0);
    KT_EXPECT_GT(t, (uint64_t)a1 * 5, b1);
    KT_EXPECT_GT(t, (uint64_t)b1 * 5, a1);
}

/* A thread that goes up in priority and back (the rump layer's spin-mutex
 * ceiling does so many times a system call) keeps its place among its
 * peers: woken ahead of a computing peer, it stays ahead. */
static volatile uint32_t rt_spins;
static volatile bool rt_kick, rt_stop, rt_hog_ran;
static volatile int64_t rt_ahead[2];
static struct thread *volatile rt_hog_thread;
static struct waitq rt_wq = WAITQ_INIT(rt_wq);

static void *rt_hog(void *arg)
{
    (void)arg;
    uint64_t end = clock_gettime_ns() + 20 * NSEC_PER_MSEC;
    while (clock_gettime_ns() < end)
        rt_spins++;
    rt_kick = true;
    irqflags_t f = irq_save();
    waitq_wake_one(&rt_wq);
    irq_restore(f);
    sched_preempt_check();
    while (!rt_stop)
        rt_spins++;
    return NULL;
}

static void *rt_nothing(void *arg) { return arg; }

static void *rt_waiter(void *arg)
{
    (void)arg;
    irqflags_t f = irq_save();
    while (!rt_kick)
        waitq_wait(&rt_wq, 0, false);
    irq_restore(f);
    struct thread *self = thread_current();
    /* How far ahead of the hog (ready, its count still) we are, before
     * and after going up and back; not lost in between. */
    uint64_t hog = rt_hog_thread->vruntime;
    int64_t ahead0 = (int64_t)(hog - thread_vruntime(self));
    thread_set_priority(self, PRIO_MAX);
    thread_set_priority(self, FAIR_PRIO);
    int64_t ahead1 = (int64_t)(hog - thread_vruntime(self));
    /* And so: a higher thread takes the CPU and ends; then the least
     * served of our level runs, which is still us. */
    uint32_t c0 = rt_spins;
    struct thread_attr z = { .name = "z", .prio = PRIO_MAX - 1, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *zt = NULL;
    int r = thread_create(&z, rt_nothing, NULL, &zt);
    uint32_t c1 = rt_spins;
    if (r == 0)
        thread_join(zt, NULL);
    rt_stop = true;
    rt_ahead[0] = ahead0;
    rt_ahead[1] = ahead1;
    rt_hog_ran = c1 != c0;
    return (void *)(uintptr_t)(r == 0);
}

static void priority_round_trip_keeps_place(struct ktest *t)
{
    rt_spins = 0;
    rt_kick = rt_stop = false;
    int myprio = thread_current()->prio;
    thread_set_priority(thread_current(), PRIO_MAX);
    struct thread_attr a = { .name = "rt-wait", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread_attr b = { .name = "rt-hog", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *w, *h;
    void *rv = NULL;
    KT_ASSERT_EQ(t, thread_create(&a, rt_waiter, NULL, &w), 0);
    KT_ASSERT_EQ(t, thread_create(&b, rt_hog, NULL, &h), 0);
    rt_hog_thread = h;
    thread_join(w, &rv);
    thread_set_priority(thread_current(), myprio);
    thread_join(h, NULL);
    KT_EXPECT_TRUE(t, rv != NULL);
    ktest_log(t, "ahead of the computing peer: %lld us, after the round trip %lld us; it ran meanwhile: %d",
              (long long)(rt_ahead[0] / 1000), (long long)(rt_ahead[1] / 1000), rt_hog_ran);
    /* Woken 5 ms (the sleeper's credit) ahead of it; the round trip costs
     * microseconds of its own time, never the place. */
    KT_EXPECT_GT(t, rt_ahead[0], (int64_t)NSEC_PER_MSEC);
    KT_EXPECT_GT(t, rt_ahead[1], rt_ahead[0] - (int64_t)NSEC_PER_MSEC);
    KT_EXPECT_FALSE(t, rt_hog_ran);
}

/* A thread lifted to a priority (the rump layer's ceiling for NetBSD's
 * spin mutexes) is not preempted there by a peer that wakes, however
 * little CPU time the peer has used: interrupt threads wait for it. */
static void *raised_waker(void *arg)
{
    (void)arg;
    struct thread *self = thread_current();
    thread_set_priority(self, FAIR_PRIO); /* lifted from FAIR_PRIO - 2 */
    /* Lifted, it goes first among its new peers (5 ms ahead of their least
     * served); 3 ms of CPU time puts it behind the waiter, placed 5 ms
     * ahead on waking, by more than the 1 ms a wake needs, and within
     * its slice. */
    bool before = spin_then_kick();
    thread_set_priority(self, FAIR_PRIO - 2); /* back down: the waiter runs */
    return (void *)(uintptr_t)((before ? 1 : 0) | (fair_ran ? 2 : 0));
}

/* Computes 20 ms, naps 1 ms: picked again, it moves its level's least
 * served 20 ms on (the level counts only threads that may run). */
static void *spin_then_nap(void *arg)
{
    uint64_t end = clock_gettime_ns() + 20 * NSEC_PER_MSEC;
    while (clock_gettime_ns() < end)
        ;
    process_sleep(NSEC_PER_MSEC);
    return arg;
}

static void lifted_thread_not_preempted_by_peer(struct ktest *t)
{
    fair_kick = fair_ran = false;
    struct thread_attr a = { .name = "waiter", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread_attr b = { .name = "lifted", .prio = FAIR_PRIO - 2, .stack_size = 8192,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *w, *k;
    void *rv = NULL;
    KT_ASSERT_EQ(t, thread_create(&a, fair_waiter, NULL, &w), 0); /* runs and blocks */
    /* A peer computes 20 ms meanwhile: the waiter, which used none, wakes
     * at the front (its place no further than 5 ms ahead of this one). */
    struct thread_attr c = { .name = "spin", .prio = FAIR_PRIO, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *sp;
    KT_ASSERT_EQ(t, thread_create(&c, spin_then_nap, NULL, &sp), 0);
    thread_join(sp, NULL);
    fair_kick = fair_ran = false;
    KT_ASSERT_EQ(t, thread_create(&b, raised_waker, NULL, &k), 0);
    thread_join(k, &rv);
    thread_join(w, NULL);
    /* bit 0: the waiter ran while the waker was lifted (it must not);
     * bit 1: it ran once the waker came down (it must). */
    KT_EXPECT_EQ(t, (uintptr_t)rv, 2);
}

KTEST_SUITE(sched, KTEST_CASE(create_join_1000), KTEST_CASE(exit_value_and_detached), KTEST_CASE(bad_arguments),
            KTEST_CASE(no_starvation), KTEST_CASE(priorities_honoured), KTEST_CASE(sleeps_never_early),
            KTEST_CASE(kill_wakes_sleeper), KTEST_CASE(big_stacks), KTEST_CASE(woken_thread_preempts_busier_peer),
            KTEST_CASE(yield_gives_way_to_busier_peer), KTEST_CASE(long_sleeper_cannot_monopolize),
            KTEST_CASE(priority_round_trip_keeps_place), KTEST_CASE(lifted_thread_not_preempted_by_peer));
