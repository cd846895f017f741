/* Synchronisation torture: 8 to 32 threads, 100,000 mixed operations on
 * mutexes, semaphores, condition variables and rwlocks, with invariants
 * checked as they run; timed waits; rwlock upgrade/downgrade semantics. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/ktest.h>
#include <adros/sched.h>
#include <adros/sync.h>

static struct thread *spawn(struct ktest *t, thread_entry_t fn, void *arg)
{
    struct thread_attr a = { .name = "sync", .prio = PRIO_NORMAL, .stack_size = 8192,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th = NULL;
    if (thread_create(&a, fn, arg, &th) != 0)
        ktest_fail(t, __FILE__, __LINE__, "thread_create failed");
    return th;
}

/* --- mutex: exact counter, one owner at a time --- */
static kmutex_t m = KMUTEX_INIT(m, "torture");
static volatile int inside;
static volatile uint32_t counter;
static volatile uint32_t violations;

static void *mutex_worker(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 0; i < n; i++) {
        kmutex_lock(&m);
        if (inside++ != 0)
            violations++;
        uint32_t c = counter;
        if ((i & 15) == 0)
            yield(); /* hold it across a switch: others must queue */
        counter = c + 1;
        inside--;
        kmutex_unlock(&m);
    }
    return NULL;
}

static void mutex_torture(struct ktest *t)
{
    const int nthreads = 16, per = 2000; /* 32,000 lock/unlock pairs */
    counter = 0;
    violations = 0;
    struct thread *th[16];
    for (int i = 0; i < nthreads; i++)
        th[i] = spawn(t, mutex_worker, (void *)(uintptr_t)per);
    for (int i = 0; i < nthreads; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, counter, nthreads * per);
    KT_EXPECT_EQ(t, violations, 0);
    KT_EXPECT_TRUE(t, kmutex_trylock(&m));
    KT_EXPECT_FALSE(t, kmutex_trylock(&m)); /* held by us: try fails, no panic */
    KT_EXPECT_TRUE(t, kmutex_held(&m));
    kmutex_unlock(&m);
    KT_EXPECT_FALSE(t, kmutex_held(&m));
}

/* --- bounded buffer with semaphores: producer and consumer totals equal --- */
#define QN 16
static int q[QN];
static int qhead, qtail;
static ksem_t slots, items;
static kmutex_t qlock = KMUTEX_INIT(qlock, "queue");
static volatile uint64_t produced_sum, consumed_sum;
static volatile uint32_t consumed_n;

static void *sem_producer(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 1; i <= n; i++) {
        ksem_down(&slots);
        kmutex_lock(&qlock);
        q[qhead++ % QN] = i;
        produced_sum += (uint64_t)i;
        kmutex_unlock(&qlock);
        ksem_up(&items);
    }
    return NULL;
}

static void *sem_consumer(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 0; i < n; i++) {
        ksem_down(&items);
        kmutex_lock(&qlock);
        consumed_sum += (uint64_t)q[qtail++ % QN];
        consumed_n++;
        kmutex_unlock(&qlock);
        ksem_up(&slots);
    }
    return NULL;
}

static void semaphore_producer_consumer(struct ktest *t)
{
    ksem_init(&slots, QN);
    ksem_init(&items, 0);
    qhead = qtail = 0;
    produced_sum = consumed_sum = 0;
    consumed_n = 0;
    const int pairs = 8, per = 2500; /* 40,000 semaphore operations */
    struct thread *th[16];
    for (int i = 0; i < pairs; i++) {
        th[2 * i] = spawn(t, sem_producer, (void *)(uintptr_t)per);
        th[2 * i + 1] = spawn(t, sem_consumer, (void *)(uintptr_t)per);
    }
    for (int i = 0; i < 2 * pairs; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, consumed_n, pairs * per);
    KT_EXPECT_EQ(t, consumed_sum, produced_sum);
    KT_EXPECT_EQ(t, ksem_value(&items), 0);
    KT_EXPECT_EQ(t, ksem_value(&slots), QN);
}

/* --- the same with a condition variable, consumers waking on broadcast --- */
static kcond_t nonempty, nonfull;
static int qcount;

static void *cv_producer(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 1; i <= n; i++) {
        kmutex_lock(&qlock);
        while (qcount == QN)
            kcond_wait(&nonfull, &qlock);
        q[qhead++ % QN] = i;
        qcount++;
        produced_sum += (uint64_t)i;
        if (i & 1)
            kcond_signal(&nonempty);
        else
            kcond_broadcast(&nonempty);
        kmutex_unlock(&qlock);
    }
    return NULL;
}

static void *cv_consumer(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 0; i < n; i++) {
        kmutex_lock(&qlock);
        while (qcount == 0)
            kcond_wait(&nonempty, &qlock);
        consumed_sum += (uint64_t)q[qtail++ % QN];
        qcount--;
        consumed_n++;
        kcond_signal(&nonfull);
        kmutex_unlock(&qlock);
    }
    return NULL;
}

static void condvar_producer_consumer(struct ktest *t)
{
    kcond_init(&nonempty);
    kcond_init(&nonfull);
    qhead = qtail = qcount = 0;
    produced_sum = consumed_sum = 0;
    consumed_n = 0;
    const int pairs = 12, per = 1000; /* 24 threads */
    struct thread *th[24];
    for (int i = 0; i < pairs; i++) {
        th[2 * i] = spawn(t, cv_producer, (void *)(uintptr_t)per);
        th[2 * i + 1] = spawn(t, cv_consumer, (void *)(uintptr_t)per);
    }
    for (int i = 0; i < 2 * pairs; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, consumed_n, pairs * per);
    KT_EXPECT_EQ(t, consumed_sum, produced_sum);
    KT_EXPECT_FALSE(t, kcond_has_waiters(&nonempty));
}

/* --- rwlock: never two writers, never a writer beside readers --- */
static krwlock_t rw;
static volatile int readers_in, writers_in;
static volatile uint32_t rw_violations, writes_done, reads_done;

static void *rw_worker(void *arg)
{
    uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
    for (int i = 0; i < 1500; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        if (x % 5 == 0) {
            krw_enter(&rw, KRW_WRITER);
            if (writers_in++ != 0 || readers_in != 0)
                rw_violations++;
            if (!krw_write_held(&rw))
                rw_violations++;
            if ((x & 0x30) == 0)
                yield();
            writers_in--;
            writes_done++;
            krw_exit(&rw);
        } else {
            krw_enter(&rw, KRW_READER);
            readers_in++;
            if (writers_in != 0)
                rw_violations++;
            if ((x & 0x70) == 0)
                yield();
            readers_in--;
            reads_done++;
            krw_exit(&rw);
        }
    }
    return NULL;
}

static void rwlock_torture(struct ktest *t)
{
    krw_init(&rw);
    readers_in = writers_in = 0;
    rw_violations = writes_done = reads_done = 0;
    struct thread *th[32];
    for (int i = 0; i < 32; i++)
        th[i] = spawn(t, rw_worker, (void *)(uintptr_t)(i + 1)); /* 48,000 enters */
    for (int i = 0; i < 32; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, rw_violations, 0);
    KT_EXPECT_EQ(t, writes_done + reads_done, 32 * 1500);
    KT_EXPECT_GT(t, writes_done, 0);
    KT_EXPECT_FALSE(t, krw_held(&rw));
    ktest_log(t, "%u reads, %u writes", reads_done, writes_done);
}

/* --- writers are not starved by a stream of readers --- */
static volatile bool readers_stop;
static void *reader_loop(void *arg)
{
    while (!readers_stop) {
        krw_enter(&rw, KRW_READER);
        yield();
        krw_exit(&rw);
    }
    return NULL;
}

static void writer_not_starved(struct ktest *t)
{
    krw_init(&rw);
    readers_stop = false;
    struct thread *th[6];
    for (int i = 0; i < 6; i++)
        th[i] = spawn(t, reader_loop, NULL);
    process_sleep(5 * NSEC_PER_MSEC);
    uint64_t t0 = clock_gettime_ns();
    krw_enter(&rw, KRW_WRITER);
    uint64_t waited = clock_gettime_ns() - t0;
    krw_exit(&rw);
    readers_stop = true;
    for (int i = 0; i < 6; i++)
        thread_join(th[i], NULL);
    ktest_log(t, "writer waited %llu us behind 6 looping readers", (unsigned long long)(waited / 1000));
    KT_EXPECT_LT(t, waited, 200 * NSEC_PER_MSEC);
}

/* --- timed waits --- */
static void timed_waits(struct ktest *t)
{
    ksem_t s;
    ksem_init(&s, 0);
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, ksem_down_timeout(&s, 20 * NSEC_PER_MSEC), -ETIMEDOUT);
    uint64_t el = clock_gettime_ns() - t0;
    KT_EXPECT_GE(t, el, 20 * NSEC_PER_MSEC);
    KT_EXPECT_LT(t, el, 200 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, ksem_trydown(&s), -EAGAIN);
    KT_EXPECT_EQ(t, ksem_down_until(&s, clock_gettime_ns() - 1), -ETIMEDOUT); /* deadline in the past */
    ksem_up(&s);
    KT_EXPECT_EQ(t, ksem_down_timeout(&s, 20 * NSEC_PER_MSEC), 0);

    kcond_t c;
    kmutex_t mx;
    kcond_init(&c);
    kmutex_init(&mx, "timed");
    kmutex_lock(&mx);
    t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, kcond_timedwait(&c, &mx, 15 * NSEC_PER_MSEC), -ETIMEDOUT);
    el = clock_gettime_ns() - t0;
    KT_EXPECT_TRUE(t, kmutex_held(&mx)); /* held again after the timeout */
    KT_EXPECT_GE(t, el, 15 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, kcond_wait_until(&c, &mx, clock_gettime_ns() - 1), -ETIMEDOUT);
    KT_EXPECT_TRUE(t, kmutex_held(&mx));
    kmutex_unlock(&mx);
}

static kcond_t sig_c;
static kmutex_t sig_m = KMUTEX_INIT(sig_m, "sig");
static volatile bool sig_flag;
static void *signaller(void *arg)
{
    process_sleep(5 * NSEC_PER_MSEC);
    kmutex_lock(&sig_m);
    sig_flag = true;
    kcond_signal(&sig_c);
    kmutex_unlock(&sig_m);
    return NULL;
}

static void timedwait_signalled_in_time(struct ktest *t)
{
    kcond_init(&sig_c);
    sig_flag = false;
    struct thread *th = spawn(t, signaller, NULL);
    kmutex_lock(&sig_m);
    int r = 0;
    while (!sig_flag && r == 0)
        r = kcond_timedwait(&sig_c, &sig_m, 2 * NSEC_PER_SEC);
    KT_EXPECT_EQ(t, r, 0);
    KT_EXPECT_TRUE(t, sig_flag);
    kmutex_unlock(&sig_m);
    thread_join(th, NULL);
}

/* --- upgrade and downgrade --- */
static volatile int got_read;
static void *try_reader(void *arg)
{
    krwlock_t *l = arg;
    krw_enter(l, KRW_READER);
    got_read = 1;
    krw_exit(l);
    return NULL;
}

static void upgrade_downgrade(struct ktest *t)
{
    krwlock_t l;
    krw_init(&l);
    krw_enter(&l, KRW_READER);
    KT_EXPECT_TRUE(t, krw_tryupgrade(&l)); /* the only reader */
    KT_EXPECT_TRUE(t, krw_write_held(&l));
    KT_EXPECT_FALSE(t, krw_tryenter(&l, KRW_READER));
    got_read = 0;
    struct thread *th = spawn(t, try_reader, &l);
    process_sleep(5 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, got_read, 0); /* blocked behind the writer */
    krw_downgrade(&l);
    KT_EXPECT_FALSE(t, krw_write_held(&l));
    KT_EXPECT_TRUE(t, krw_read_held(&l));
    process_sleep(5 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, got_read, 1); /* readers share with the downgraded holder */
    thread_join(th, NULL);
    /* Two readers: upgrade must fail and leave the lock as it was. */
    KT_EXPECT_TRUE(t, krw_tryenter(&l, KRW_READER));
    KT_EXPECT_FALSE(t, krw_tryupgrade(&l));
    KT_EXPECT_TRUE(t, krw_read_held(&l));
    KT_EXPECT_FALSE(t, krw_tryenter(&l, KRW_WRITER));
    krw_exit(&l);
    krw_exit(&l);
    KT_EXPECT_FALSE(t, krw_held(&l));
    KT_EXPECT_TRUE(t, krw_tryenter(&l, KRW_WRITER));
    krw_exit(&l);
}

KTEST_SUITE(sync, KTEST_CASE(mutex_torture), KTEST_CASE(semaphore_producer_consumer),
            KTEST_CASE(condvar_producer_consumer), KTEST_CASE(rwlock_torture), KTEST_CASE(writer_not_starved),
            KTEST_CASE(timed_waits), KTEST_CASE(timedwait_signalled_in_time), KTEST_CASE(upgrade_downgrade));
