/* Benchmarks of the core primitives (issues: foundation, threads).  Each
 * figure is the median of 7 batches, per operation, in TSC cycles and in
 * nanoseconds, measured under whatever runs the kernel (QEMU TCG in CI). */
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/sync.h>

#define BATCHES 7

/* Reports the median batch, per op. */
static void report(const char *bench, const char *metric, uint64_t *cycles, int ops, const char *note)
{
    kbench_sort64(cycles, BATCHES);
    uint64_t c = cycles[BATCHES / 2] / (uint64_t)ops;
    kbench_result(bench, metric, c, clock_cycles_to_ns(c), note);
}

static void bench_kmalloc(void)
{
    static const size_t sizes[] = { 32, 4096, 65536 };
    static const char *const names[] = { "kmalloc+kfree 32B", "kmalloc+kfree 4KiB", "kmalloc+kfree 64KiB" };
    for (size_t s = 0; s < 3; s++) {
        uint64_t c[BATCHES];
        const int ops = 2000;
        for (int b = 0; b < BATCHES; b++) {
            uint64_t t0 = clock_cycles();
            for (int i = 0; i < ops; i++)
                kfree(kmalloc(sizes[s]));
            c[b] = clock_cycles() - t0;
        }
        report("kmalloc", names[s], c, ops, "");
    }
}
KBENCH(kmalloc, bench_kmalloc);

static void bench_clock(void)
{
    uint64_t c[BATCHES];
    const int ops = 20000;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++)
            (void)clock_gettime_ns();
        c[b] = clock_cycles() - t0;
    }
    report("clock", "clock_gettime_ns", c, ops, "");
}
KBENCH(clock, bench_clock);

static __thread volatile uint32_t tls_var;
static void bench_tls(void)
{
    uint64_t c[BATCHES];
    const int ops = 100000;
    for (int b = 0; b < BATCHES; b++) {
        uint32_t sum = 0;
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++)
            sum += tls_var;
        c[b] = clock_cycles() - t0;
        tls_var = sum;
    }
    report("tls", "__thread read", c, ops, "includes the loop");
}
KBENCH(tls, bench_tls);

static kmutex_t bm = KMUTEX_INIT(bm, "bench");
static void bench_mutex_uncontended(void)
{
    uint64_t c[BATCHES];
    const int ops = 20000;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++) {
            kmutex_lock(&bm);
            kmutex_unlock(&bm);
        }
        c[b] = clock_cycles() - t0;
    }
    report("mutex", "uncontended lock+unlock", c, ops, "");
}
KBENCH(mutex, bench_mutex_uncontended);

static struct thread *spawn(thread_entry_t fn, void *arg)
{
    struct thread_attr a = { .name = "bench", .prio = PRIO_NORMAL, .stack_size = 16384,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *t = NULL;
    if (thread_create(&a, fn, arg, &t) != 0)
        panic("bench: cannot create a thread");
    return t;
}

/* --- context switch: two threads yielding to each other --- */
static volatile bool yield_stop;
static void *yielder(void *arg)
{
    while (!yield_stop)
        yield();
    return NULL;
}

static void bench_switch(void)
{
    uint64_t c[BATCHES];
    const int ops = 5000;
    yield_stop = false;
    struct thread *t = spawn(yielder, NULL);
    for (int b = 0; b < BATCHES; b++) {
        uint64_t s0 = sched_context_switches();
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++)
            yield();
        c[b] = clock_cycles() - t0;
        uint64_t sw = sched_context_switches() - s0;
        if (sw < (uint64_t)ops)
            kprintf("# bench switch: only %llu switches\n", (unsigned long long)sw);
    }
    yield_stop = true;
    thread_join(t, NULL);
    /* Each yield is one switch away and one back: per switch, half. */
    for (int b = 0; b < BATCHES; b++)
        c[b] /= 2;
    report("switch", "context switch (yield)", c, ops, "");
}
KBENCH(switch, bench_switch);

/* --- contended mutex hand-off: two threads alternate on one mutex --- */
static volatile int handoff_left;
static void *handoff_peer(void *arg)
{
    while (handoff_left > 0) {
        kmutex_lock(&bm);
        handoff_left--;
        kmutex_unlock(&bm);
        yield();
    }
    return NULL;
}

static void bench_handoff(void)
{
    uint64_t c[BATCHES];
    const int ops = 2000;
    for (int b = 0; b < BATCHES; b++) {
        handoff_left = 2 * ops;
        kmutex_lock(&bm);
        struct thread *t = spawn(handoff_peer, NULL);
        yield(); /* the peer blocks on the mutex */
        uint64_t t0 = clock_cycles();
        kmutex_unlock(&bm);
        while (handoff_left > 0) {
            kmutex_lock(&bm);
            handoff_left--;
            kmutex_unlock(&bm);
            yield();
        }
        c[b] = clock_cycles() - t0;
        thread_join(t, NULL);
    }
    report("mutex", "contended hand-off (lock+unlock+yield)", c, 2 * ops, "two threads alternating");
}
KBENCH(handoff, bench_handoff);

/* --- condition-variable ping-pong --- */
static kmutex_t pm = KMUTEX_INIT(pm, "pingpong");
static kcond_t pc;
static volatile int turn, pp_left;
static void *cv_pong(void *arg)
{
    kmutex_lock(&pm);
    while (pp_left > 0) {
        while (turn != 1 && pp_left > 0)
            kcond_wait(&pc, &pm);
        turn = 0;
        kcond_signal(&pc);
    }
    kmutex_unlock(&pm);
    return NULL;
}

static void bench_cv(void)
{
    uint64_t c[BATCHES];
    const int ops = 2000;
    kcond_init(&pc);
    for (int b = 0; b < BATCHES; b++) {
        turn = 0;
        pp_left = ops;
        struct thread *t = spawn(cv_pong, NULL);
        uint64_t t0 = clock_cycles();
        kmutex_lock(&pm);
        for (int i = 0; i < ops; i++) {
            turn = 1;
            kcond_signal(&pc);
            while (turn != 0)
                kcond_wait(&pc, &pm);
            pp_left--;
        }
        kcond_signal(&pc);
        kmutex_unlock(&pm);
        c[b] = clock_cycles() - t0;
        thread_join(t, NULL);
    }
    report("condvar", "ping-pong round trip", c, ops, "");
}
KBENCH(condvar, bench_cv);

/* --- semaphore ping-pong --- */
static ksem_t ping, pong;
static void *sem_pong(void *arg)
{
    int n = (int)(uintptr_t)arg;
    for (int i = 0; i < n; i++) {
        ksem_down(&ping);
        ksem_up(&pong);
    }
    return NULL;
}

static void bench_sem(void)
{
    uint64_t c[BATCHES];
    const int ops = 2000;
    for (int b = 0; b < BATCHES; b++) {
        ksem_init(&ping, 0);
        ksem_init(&pong, 0);
        struct thread *t = spawn(sem_pong, (void *)(uintptr_t)ops);
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++) {
            ksem_up(&ping);
            ksem_down(&pong);
        }
        c[b] = clock_cycles() - t0;
        thread_join(t, NULL);
    }
    report("semaphore", "ping-pong round trip", c, ops, "");
}
KBENCH(semaphore, bench_sem);

static void *nothing(void *arg) { return arg; }
static void bench_create(void)
{
    uint64_t c[BATCHES];
    const int ops = 200;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < ops; i++)
            thread_join(spawn(nothing, NULL), NULL);
        c[b] = clock_cycles() - t0;
    }
    report("thread", "create+join (16 KiB stack)", c, ops, "");
}
KBENCH(thread, bench_create);

static void bench_sleep(void)
{
    /* Wakeup lateness over 200 sleeps of 1..4 ms. */
    static uint64_t late[200];
    for (int i = 0; i < 200; i++) {
        uint64_t want = (uint64_t)(1 + i % 4) * NSEC_PER_MSEC;
        uint64_t t0 = clock_gettime_ns();
        process_sleep(want);
        uint64_t got = clock_gettime_ns() - t0;
        late[i] = got > want ? got - want : 0;
    }
    kbench_sort64(late, 200);
    uint64_t hz = clock_tsc_hz();
    kbench_result("sleep", "wakeup lateness median", late[100] * hz / NSEC_PER_SEC, late[100], "200 sleeps of 1-4 ms");
    kbench_result("sleep", "wakeup lateness p99", late[197] * hz / NSEC_PER_SEC, late[197], "");
    kbench_result("sleep", "wakeup lateness worst", late[199] * hz / NSEC_PER_SEC, late[199], "");
}
KBENCH(sleep, bench_sleep);
